// bench/smtp: messages per second into `poste srv` (every message fsynced into a maildir
// before the 250), against node's smtp-server package with the same fsynced maildir
// delivery, and against Postfix's smtp-sink (stores nothing: the ceiling), in the same run.
// The load is Postfix's smtp-source: 20 parallel sessions, connections reused (`-d`: "don't
// disconnect after sending a message"), the same payload for every server. Runs alternate
// between servers; every server is stopped by its PID whatever happens.
//
//   npm run build && node bench/smtp.mjs [--messages 2000] [--sessions 20] [--size 2000] [--runs 2]
//
// Needs postfix (smtp-source, smtp-sink; Debian package) and `cd bench && npm install`.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const here = dirname(self);
const bin = resolve(here, '../bin/run.js');
const HOST = '127.0.0.1';
const SOURCE = '/usr/sbin/smtp-source';
const SINK = '/usr/sbin/smtp-sink';

// ---------------------------------------------------------------------------------------
// Child mode: the smtp-server peer, delivering like poste srv (tmp/, fsync, rename, fsync new/)

if (process.argv[2] === '--serve-smtp-server') {
  const { SMTPServer } = await import('smtp-server');
  const [port, dir] = [Number(process.argv[3]), process.argv[4]];
  for (const d of ['tmp', 'new', 'cur']) mkdirSync(join(dir, d), { recursive: true });
  let q = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: 50 * 1024 * 1024,
    maxClients: 1000,
    logger: false,
    onData(stream, _session, callback) {
      const name = `${Math.floor(Date.now() / 1000)}.M${process.hrtime.bigint() % 1000000n}P${process.pid}Q${q++}.${hostname()}`;
      const tmp = join(dir, 'tmp', name);
      (async () => {
        const fh = await open(tmp, 'w');
        try {
          for await (const chunk of stream) await fh.write(chunk);
          await fh.sync();
        } finally {
          await fh.close();
        }
        renameSync(tmp, join(dir, 'new', name));
        const dfd = openSync(join(dir, 'new'), 'r');
        try {
          fsyncSync(dfd);
        } finally {
          closeSync(dfd);
        }
      })().then(
        () => callback(null, `OK queued as ${name}`),
        (err) => callback(err),
      );
    },
  });
  server.listen(port, HOST, () => process.stderr.write(`{"event":"listening","port":${port}}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  await main();
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

  for (const cmd of [SOURCE, SINK]) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
      console.error(`${cmd} is not installed (the Debian package postfix has it)`);
      process.exit(1);
    }
  }
  try {
    await import('smtp-server');
  } catch {
    console.error('smtp-server is not installed: cd bench && npm install');
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

  const freePort = () =>
    new Promise((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, HOST, () => {
        const { port } = s.address();
        s.close(() => res(port));
      });
    });

  const waitPort = async (port) => {
    for (let i = 0; i < 200; i++) {
      const ok = await new Promise((res) => {
        const s = connect(port, HOST, () => {
          s.destroy();
          res(true);
        });
        s.once('error', () => res(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nothing listens on ${port}`);
  };

  const user = spawnSync('id', ['-un']).stdout.toString().trim();
  const work = mkdtempSync(join(tmpdir(), 'poste-bench-smtp-'));

  /** Starts a server; returns {child, dir} once it accepts connections. */
  async function startServer(kind, dir) {
    const port = await freePort();
    let cmd;
    let args;
    if (kind === 'poste') {
      cmd = process.execPath;
      args = [bin, 'srv', '--listen', `${HOST}:${port}`, '--maildir', dir, '--hostname', 'bench.test'];
    } else if (kind === 'smtp-server') {
      cmd = process.execPath;
      args = [self, '--serve-smtp-server', String(port), dir];
    } else {
      cmd = SINK;
      args = ['-u', user, `${HOST}:${port}`, '1024'];
    }
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'ignore'] });
    children.add(child);
    try {
      await waitPort(port);
    } catch (err) {
      await stop(child);
      throw err;
    }
    return { child, port };
  }

  /** One smtp-source run of `count` messages; returns messages/s. */
  function load(port, count) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(
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
        'ann@bench.test',
        '-M',
        'source.test',
        `${HOST}:${port}`,
      ],
      { timeout: 600_000 },
    );
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`smtp-source failed (${r.status}): ${r.stderr.toString()}`);
    return count / s;
  }

  const kinds = ['poste', 'smtp-server', 'smtp-sink'];
  const results = Object.fromEntries(kinds.map((k) => [k, []]));
  console.log(
    `smtp-source -s ${SESSIONS} -m ${MESSAGES} -d (connections reused: one session sends its share of messages) -l ${SIZE}; ${RUNS} run(s) each, alternating`,
  );
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const kind of kinds) {
        const dir = join(work, `${kind}-${run}`);
        const { child, port } = await startServer(kind, dir);
        try {
          load(port, Math.min(200, MESSAGES)); // warm-up
          const rate = load(port, MESSAGES);
          if (kind !== 'smtp-sink') {
            const stored = readdirSync(join(dir, 'new')).length;
            const want = MESSAGES + Math.min(200, MESSAGES);
            if (stored !== want) throw new Error(`${kind}: ${stored} messages in new/, expected ${want}`);
          }
          results[kind].push(rate);
          console.log(`  run ${run + 1} ${kind.padEnd(12)} ${rate.toFixed(0)} messages/s`);
        } finally {
          await stop(child);
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    for (const c of [...children]) await stop(c);
    rmSync(work, { recursive: true, force: true });
  }
  const best = Object.fromEntries(kinds.map((k) => [k, Math.max(...results[k])]));
  console.log('\nbest of runs, messages/s:');
  for (const k of kinds) console.log(`  ${k.padEnd(12)} ${best[k].toFixed(0)}`);
  console.log(`poste / smtp-server: ${(best.poste / best['smtp-server']).toFixed(2)}`);
  console.log(`poste / smtp-sink:   ${(best.poste / best['smtp-sink']).toFixed(2)}`);
}
