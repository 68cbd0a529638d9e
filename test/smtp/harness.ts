// In-memory wiring for SMTP tests: a server session driven by a policy, fed chunks, with
// everything it writes and every message it accepts collected.
import {
  type Ask,
  type ClientSession,
  type Decision,
  drive,
  type Envelope,
  type ServerOptions,
  ServerSession,
  type Transaction,
  type TransactionResult,
} from '../../src/smtp/index.js';

export interface Delivered {
  envelope: Envelope;
  data: Buffer;
}

export interface Harness {
  session: ServerSession;
  output(): string;
  messages: Delivered[];
  aborts: string[];
  closed: string | undefined;
  tlsStarts: number;
  feed(chunk: Uint8Array | string): Promise<void>;
}

export function harness(
  opts: Partial<ServerOptions> = {},
  decide: (ask: Ask) => Decision | Promise<Decision> = () => ({ ok: true }),
): Harness {
  const session = new ServerSession({ hostname: 'mx.test', starttls: true, ...opts });
  const out: Buffer[] = [];
  let current: Buffer[] = [];
  const h: Harness = {
    session,
    output: () => Buffer.concat(out).toString('utf8'),
    messages: [],
    aborts: [],
    closed: undefined,
    tlsStarts: 0,
    feed: (chunk) => drive(session, session.feed(Buffer.from(chunk)), handler),
  };
  let envelope: Envelope | undefined;
  const handler = {
    write: (d: Uint8Array) => void out.push(Buffer.from(d)),
    decide: async (ask: Ask) => {
      const d = await decide(ask);
      if (ask.kind === 'message' && d.ok) {
        h.messages.push({ envelope: structuredClone(ask.envelope), data: Buffer.concat(current) });
      }
      return d;
    },
    messageStart: (e: Envelope) => {
      envelope = e;
      current = [];
    },
    messageData: (c: Uint8Array) => void current.push(Buffer.from(c)),
    messageAbort: (reason: string) => {
      h.aborts.push(reason);
      current = [];
    },
    startTls: async () => {
      h.tlsStarts++;
    },
    close: (reason: string) => {
      h.closed = reason;
    },
  };
  void envelope;
  void drive(session, session.greet(), handler);
  return h;
}

/** Feeds a whole script, in the given chunk sizes (cycled), and returns the output. */
export async function run(
  h: Harness,
  script: string | Uint8Array,
  sizes: number[] = [1 << 30],
): Promise<string> {
  const bytes = Buffer.from(script);
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = Math.max(1, sizes[k++ % sizes.length] as number);
    await h.feed(bytes.subarray(i, i + n));
    i += n;
  }
  return h.output();
}

/** Reply codes in the output, in order. */
export function codes(output: string): number[] {
  return output
    .split('\r\n')
    .filter((l) => /^\d{3}(?: |$)/.test(l))
    .map((l) => Number(l.slice(0, 3)));
}

/** Client and server machines wired in memory; returns the client's results. */
export async function exchange(
  client: ClientSession,
  server: Harness,
  jobs: { tx: Transaction; message: Uint8Array; chunk?: number }[],
): Promise<{ results: TransactionResult[]; failures: unknown[] }> {
  const results: TransactionResult[] = [];
  const failures: unknown[] = [];
  let sent = 0;
  let job = 0;
  let done = false;
  const pump = async (actions: ReturnType<ClientSession['receive']>): Promise<void> => {
    for (const a of actions) {
      if (a.type === 'write') await server.feed(a.data);
      else if (a.type === 'starttls') await pump(client.tlsStarted());
      else if (a.type === 'ready' || a.type === 'result') {
        if (a.type === 'result') results.push(a.result);
        const j = jobs[job++];
        await pump(j ? client.send(j.tx) : client.quit());
      } else if (a.type === 'body') {
        const j = jobs[job - 1] as (typeof jobs)[number];
        const size = j.chunk ?? 4096;
        for (let i = 0; i < j.message.length; i += size) {
          await server.feed(client.body(j.message.subarray(i, i + size)));
        }
        await server.feed(client.endBody());
      } else if (a.type === 'failed') {
        failures.push(a.failure);
        if (a.failure.stage === 'mail') {
          const j = jobs[job++];
          await pump(j ? client.send(j.tx) : client.quit());
        }
      } else if (a.type === 'close') done = true;
    }
  };
  for (let guard = 0; !done && guard < 100000; guard++) {
    const all = server.output();
    if (all.length === sent) break;
    const fresh = all.slice(sent);
    sent = all.length;
    await pump(client.receive(Buffer.from(fresh)));
  }
  return { results, failures };
}
