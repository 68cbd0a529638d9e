// The program of a DNS service's UDP worker (see udp-workers.ts): it waits for its leader's
// start message with the socket, serves it as the service it is told to be, passes on what
// only the leader may answer, and exits when the leader is gone.
import type dgram from 'node:dgram';
import { createLogger, type Logger } from './log.js';
import {
  COUNTERS_MS,
  type FromWorker,
  type LeaderLink,
  type ToWorker,
  type WorkerMain,
} from './udp-workers.js';

const send = (m: FromWorker) => {
  if (process.connected) process.send?.(m);
};

async function main(): Promise<void> {
  const [start, udp] = await new Promise<[ToWorker, dgram.Socket]>((resolve) =>
    process.once('message', (m: ToWorker, handle: dgram.Socket) => resolve([m, handle])),
  );
  if (start.t !== 'start' || !udp) throw new Error('the first message is not a start with a socket');
  const base = createLogger(start.kind);
  const log: Logger = (event, fields) => base(event, { worker: start.index, ...fields });
  // Whoever started us is gone (or stopping): so are we.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));

  const asked = new Map<number, (replies: Uint8Array[]) => void>();
  let nextId = 0;
  let reload: () => Promise<void> = async () => {};
  let counters: () => Record<string, number> = () => ({});
  process.on('message', (m: ToWorker) => {
    if (m.t === 'reply') {
      asked.get(m.id)?.(m.replies);
      asked.delete(m.id);
    } else if (m.t === 'reload') {
      reload().then(
        () => send({ t: 'reloaded', seq: m.seq }),
        (err: Error) => {
          log('reload-failed', { error: err.message });
          send({ t: 'reloaded', seq: m.seq });
        },
      );
    }
  });
  const link: LeaderLink = {
    log,
    ask(bytes, remote) {
      const id = nextId++;
      return new Promise((resolve) => {
        asked.set(id, resolve);
        send({ t: 'ask', id, bytes, remote });
      });
    },
    onReload(fn) {
      reload = fn;
    },
    counters(fn) {
      counters = fn;
    },
  };
  const run = await serviceMain(start.kind);
  await run(start.config as never, udp, link);
  setInterval(() => send({ t: 'counters', counters: counters() }), COUNTERS_MS).unref();
  send({ t: 'ready' });
}

async function serviceMain(kind: string): Promise<WorkerMain> {
  if (kind === 'primary') return (await import('./primary/index.js')).primaryWorker;
  if (kind === 'resolver') return (await import('./resolver/index.js')).resolverWorker;
  throw new Error(`no UDP worker for ${kind}`);
}

main().catch((err: Error) => {
  process.stderr.write(
    `${JSON.stringify({ t: new Date().toISOString(), event: 'worker-failed', error: err.message })}\n`,
  );
  process.exit(1);
});
