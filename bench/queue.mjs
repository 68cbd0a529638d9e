// bench/queue: messages per second through a relay, end to end: Postfix's smtp-source sends
// into the relay, the relay spools every message on disk (file and directory fsynced before
// the 250) and delivers it to Postfix's smtp-sink on loopback. The clock runs from the start
// of smtp-source until the sink has counted every message (`smtp-sink -c` prints running
// counters). Five relays, alternating, in the same run:
//   poste        `poste relay --connection-cache 0` (group commit: concurrent commits share
//                directory fsyncs; one SMTP connection per message delivered)
//   poste-nogc   the same with --no-group-commit (one directory fsync per commit)
//   smtp-server  a peer written here: node's smtp-server receives, writes the envelope and
//                the message to incoming/, fsyncs it, renames it into queue/ and fsyncs
//                queue/ before the 250 (what poste does), then nodemailer relays it to the
//                sink (one connection per message), and the file is unlinked (and queue/
//                fsynced) after the sink's 250.
//   poste-reuse  `poste relay` as it runs by default: a connection waits 5 s for the next
//                message to the same host
//   smtp-server-pool  the peer with nodemailer's pool (connections reused, as many as the
//                deliveries in flight, 100 messages each, as poste's)
// All keep the same number of deliveries in flight (--per-destination, poste's default 5).
// Also printed: the acceptance rate (until smtp-source is done). Every child is stopped by
// its PID whatever happens; everything is on loopback.
//
//   npm run build && node bench/queue.mjs [--messages 2000] [--sessions 20] [--size 2000]
//                                         [--runs 2] [--per-destination 5]
//
// Needs postfix (smtp-source, smtp-sink; Debian package) and `cd bench && npm install`.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const here = dirname(self);
// POSTE_BIN: another build's bin/run.js, to measure a change against this one.
const bin = process.env.POSTE_BIN ? resolve(process.env.POSTE_BIN) : resolve(here, '../bin/run.js');
const HOST = '127.0.0.1';
const SOURCE = '/usr/sbin/smtp-source';
const SINK = '/usr/sbin/smtp-sink';
const DOMAIN = 'example.net';

// ---------------------------------------------------------------------------------------
// Child mode: the peer relay (smtp-server in, a durable spool, nodemailer out)

if (process.argv[2] === '--serve-peer') {
  await servePeer(process.argv.slice(3));
} else {
  await main();
}

async function servePeer([portText, dir, sinkPortText, perDestText, poolText]) {
  const { SMTPServer } = await import('smtp-server');
  const nodemailer = (await import('nodemailer')).default;
  const [port, sinkPort, perDest] = [Number(portText), Number(sinkPortText), Number(perDestText)];
  for (const d of ['incoming', 'queue']) mkdirSync(join(dir, d), { recursive: true });
  const syncDir = (d) => {
    const fd = openSync(d, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };
  // One connection per message, or a pool of them (as many as deliveries in flight).
  const transport = nodemailer.createTransport({
    host: HOST,
    port: sinkPort,
    secure: false,
    name: 'peer.test',
    ...(poolText === 'pool' ? { pool: true, maxConnections: perDest, maxMessages: 100 } : {}),
  });
  let free = perDest;
  const waiting = [];
  const deliver = async (name, envelope) => {
    if (free > 0) free--;
    else await new Promise((r) => waiting.push(r));
    try {
      const path = join(dir, 'queue', name);
      for (let attempt = 0; ; attempt++) {
        try {
          const data = await readFile(path);
          const raw = data.subarray(data.indexOf(10) + 1);
          await transport.sendMail({ envelope, raw });
          break;
        } catch (err) {
          if (attempt >= 5) {
            process.stderr.write(
              `{"event":"failed","id":"${name}","error":${JSON.stringify(err.message)}}\n`,
            );
            return;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      await unlink(path);
      syncDir(join(dir, 'queue'));
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
  let q = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: 50 * 1024 * 1024,
    maxClients: 1000,
    logger: false,
    onData(stream, session, callback) {
      const name = `${Date.now().toString(36)}.${process.pid}.${q++}`;
      const envelope = {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      };
      const tmp = join(dir, 'incoming', name);
      (async () => {
        const fh = await open(tmp, 'wx', 0o600);
        try {
          await fh.write(`${JSON.stringify(envelope)}\n`);
          for await (const chunk of stream) await fh.write(chunk);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, join(dir, 'queue', name));
        syncDir(join(dir, 'queue'));
      })().then(
        () => {
          callback(null, `OK queued as ${name}`);
          void deliver(name, envelope);
        },
        (err) => callback(err),
      );
    },
  });
  server.listen(port, HOST, () => process.stderr.write(`{"event":"listening","port":${port}}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

// ---------------------------------------------------------------------------------------

async function main() {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : def;
  };
  const MESSAGES = arg('messages', 2000);
  const SESSIONS = arg('sessions', 20);
  const SIZE = arg('size', 2000);
  const RUNS = arg('runs', 2);
  const PER_DEST = arg('per-destination', 5);
  const WARM = Math.min(200, MESSAGES);
  const DEADLINE_MS = 300_000; // one run never waits longer than this

  for (const cmd of [SOURCE, SINK]) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
      console.error(`${cmd} is not installed (the Debian package postfix has it)`);
      process.exit(1);
    }
  }
  try {
    await import('smtp-server');
    await import('nodemailer');
  } catch {
    console.error('smtp-server or nodemailer is not installed: cd bench && npm install');
    process.exit(1);
  }

  const children = new Set();
  const killGroup = (child, signal) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        // gone
      }
    }
  };
  const stop = async (child) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
  };
  process.once('exit', () => {
    for (const c of children) killGroup(c, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      for (const c of children) killGroup(c, 'SIGKILL');
      process.exit(130);
    });
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const freePort = () =>
    new Promise((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, HOST, () => {
        const { port } = s.address();
        s.close(() => res(port));
      });
    });

  const waitPort = async (port, child) => {
    for (let i = 0; i < 400; i++) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`exited before listening on ${port}`);
      const ok = await new Promise((res) => {
        const s = connect(port, HOST, () => {
          s.destroy();
          res(true);
        });
        s.once('error', () => res(false));
      });
      if (ok) return;
      await sleep(50);
    }
    throw new Error(`nothing listens on ${port}`);
  };

  const user = spawnSync('id', ['-un']).stdout.toString().trim();
  const work = mkdtempSync(join(tmpdir(), 'poste-bench-queue-'));

  /** smtp-sink with running counters; `count()` is the messages it has received. */
  async function startSink() {
    const port = await freePort();
    const child = spawn(SINK, ['-u', user, '-c', `${HOST}:${port}`, '1000'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.add(child);
    let mesg = 0;
    let tail = '';
    child.stdout.on('data', (chunk) => {
      tail = (tail + chunk.toString('latin1')).slice(-200);
      const all = [...tail.matchAll(/mesg=(\d+)/g)];
      const last = all.at(-1);
      if (last) mesg = Math.max(mesg, Number(last[1]));
    });
    try {
      await waitPort(port, child);
    } catch (err) {
      await stop(child);
      throw err;
    }
    return { child, port, count: () => mesg };
  }

  /** Starts a relay towards the sink; returns once it accepts connections. */
  async function startRelay(kind, dir, sinkPort) {
    const port = await freePort();
    let args;
    if (kind.startsWith('smtp-server'))
      args = [
        self,
        '--serve-peer',
        String(port),
        dir,
        String(sinkPort),
        String(PER_DEST),
        kind === 'smtp-server-pool' ? 'pool' : 'single',
      ];
    else {
      args = [
        bin,
        'relay',
        '--spool',
        dir,
        '--listen',
        `${HOST}:${port}`,
        '--route',
        `${DOMAIN}=${HOST}:${sinkPort}`,
        '--min-free',
        '0',
        '--hostname',
        'bench.test',
        '--per-destination',
        String(PER_DEST),
        '--retry-min',
        '1s',
      ];
      if (kind === 'poste-nogc') args.push('--no-group-commit');
      if (kind !== 'poste-reuse') args.push('--connection-cache', '0');
    }
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', 'ignore'] });
    children.add(child);
    try {
      await waitPort(port, child);
    } catch (err) {
      await stop(child);
      throw err;
    }
    return { child, port };
  }

  /** smtp-source in the background; resolves with its exit. */
  function source(port, count) {
    const child = spawn(
      SOURCE,
      [
        '-s',
        String(SESSIONS),
        '-m',
        String(count),
        '-d',
        '-l',
        String(SIZE),
        '-f',
        'bench@source.test',
        '-t',
        `rcpt@${DOMAIN}`,
        '-M',
        'source.test',
        `${HOST}:${port}`,
      ],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.add(child);
    let err = '';
    child.stderr.on('data', (c) => {
      err += c.toString();
    });
    return new Promise((res, rej) => {
      child.once('exit', (code) => {
        children.delete(child);
        if (code === 0) res();
        else rej(new Error(`smtp-source failed (${code}): ${err}`));
      });
    });
  }

  /** Sends `count` messages; returns seconds until accepted (smtp-source done) and until all at the sink. */
  async function load(port, sink, count) {
    const want = sink.count() + count;
    const t0 = process.hrtime.bigint();
    const secs = () => Number(process.hrtime.bigint() - t0) / 1e9;
    let accepted;
    let failure;
    source(port, count).then(
      () => {
        accepted = secs();
      },
      (e) => {
        failure = e;
      },
    );
    while (sink.count() < want) {
      if (failure) throw failure;
      if (secs() * 1000 > DEADLINE_MS) throw new Error(`the sink has ${sink.count()} of ${want} messages`);
      await sleep(5);
    }
    const delivered = secs();
    while (accepted === undefined && !failure && secs() * 1000 < DEADLINE_MS) await sleep(5);
    if (failure) throw failure;
    return { accepted, delivered };
  }

  /** Files left in the spool's queue once it settles (bounded wait): should be 0. */
  async function leftInSpool(dir) {
    let n = -1;
    for (let i = 0; i < 100; i++) {
      n = readdirSync(join(dir, 'queue')).length;
      if (n === 0) return 0;
      await sleep(50);
    }
    return n;
  }

  const kinds = ['poste', 'poste-nogc', 'smtp-server', 'poste-reuse', 'smtp-server-pool'];
  const results = Object.fromEntries(kinds.map((k) => [k, []]));
  console.log(
    `smtp-source -s ${SESSIONS} -m ${MESSAGES} -d -l ${SIZE} → relay (spool fsynced) → smtp-sink; ` +
      `${PER_DEST} deliveries in flight; ${RUNS} run(s) each, alternating, after ${WARM} warm-up messages`,
  );
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const kind of kinds) {
        const dir = join(work, `${kind}-${run}`);
        const sink = await startSink();
        let relay;
        try {
          relay = await startRelay(kind, dir, sink.port);
          await load(relay.port, sink, WARM);
          const t = await load(relay.port, sink, MESSAGES);
          const left = await leftInSpool(dir);
          if (left !== 0) throw new Error(`${kind}: ${left} messages still in the spool`);
          const r = { e2e: MESSAGES / t.delivered, accept: MESSAGES / t.accepted };
          results[kind].push(r);
          console.log(
            `  run ${run + 1} ${kind.padEnd(16)} ${r.e2e.toFixed(0).padStart(5)} messages/s end to end ` +
              `(accepted at ${r.accept.toFixed(0)}/s)`,
          );
        } finally {
          if (relay) await stop(relay.child);
          await stop(sink.child);
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    for (const c of [...children]) await stop(c);
    rmSync(work, { recursive: true, force: true });
  }
  const best = Object.fromEntries(kinds.map((k) => [k, Math.max(...results[k].map((r) => r.e2e))]));
  console.log('\nbest of runs, messages/s end to end:');
  for (const k of kinds) console.log(`  ${k.padEnd(16)} ${best[k].toFixed(0)}`);
  console.log(`poste / smtp-server:                   ${(best.poste / best['smtp-server']).toFixed(2)}`);
  console.log(
    `poste-nogc / smtp-server:              ${(best['poste-nogc'] / best['smtp-server']).toFixed(2)}`,
  );
  console.log(`group commit on / off (poste / nogc):  ${(best.poste / best['poste-nogc']).toFixed(2)}`);
  console.log(
    `connections reused (poste-reuse / smtp-server-pool): ${(best['poste-reuse'] / best['smtp-server-pool']).toFixed(2)}`,
  );
  console.log(
    `connection cache on / off (poste-reuse / poste): ${(best['poste-reuse'] / best.poste).toFixed(2)}`,
  );
}
