// Crash safety of the relay as a real process: SIGKILL at random moments while 1,000
// messages flow through it, restart, and count Message-IDs at the receiving end — none
// lost, and every duplicate accounted for by SMTP's own window (RFC 5321 §6.1). Then a
// full disk (a 4 MiB tmpfs in a private mount namespace): 452, nothing lost.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin } from '../helpers/run-cli.js';
import { type Sink, send, startSink, testMessage } from './mail-helpers.js';

const children = new Set<ChildProcess>();
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startRelay(argv: string[], prefix: string[] = []): ChildProcess {
  const [cmd, ...args] = [...prefix, process.execPath, bin, 'relay', ...argv];
  const child = spawn(cmd as string, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends until a 250; `ambiguous` when an attempt died without a reply to the data. */
async function sendUntilAccepted(port: number, id: string, stats: { ambiguous: Set<string> }): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    try {
      const out = await send(port, 'a@example.org', ['b@example.net'], testMessage(id));
      if (out.result?.data && out.result.data.code < 300) return;
      if (!out.result?.data) stats.ambiguous.add(id);
    } catch {
      // Refused or reset: the relay is down or died under us.
      stats.ambiguous.add(id);
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`${id} never accepted`);
}

describe('relay crash safety (a real process, SIGKILL)', () => {
  it('loses no message of 1,000 across random kills and restarts', { timeout: 240_000 }, async () => {
    const spool = mkdtempSync(join(tmpdir(), 'poste-crash-'));
    dirs.push(spool);
    const sink: Sink = await startSink('127.0.0.3');
    const port = await freePort('127.0.0.1');
    const argv = [
      '--spool',
      spool,
      '--listen',
      `127.0.0.1:${port}`,
      '--hostname',
      'relay.test',
      '--route',
      `example.net=127.0.0.3:${sink.port}`,
      '--retry-min',
      '100ms',
      '--retry-max',
      '400ms',
      '--min-free',
      '0',
    ];
    let relay = startRelay(argv);
    await listening(port);
    const total = 1000;
    const stats = { ambiguous: new Set<string>() };
    let next = 0;
    let sent = 0;
    const worker = async () => {
      while (next < total) {
        const id = `crash-${next++}`;
        await sendUntilAccepted(port, id, stats);
        sent++;
      }
    };
    const senders = Promise.all([worker(), worker(), worker(), worker()]);
    let kills = 0;
    // Kill at random moments while mail flows (bounded: at most 12 kills).
    while (sent < total && kills < 12) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
      if (sent >= total) break;
      await kill(relay);
      kills++;
      relay = startRelay(argv);
      await listening(port);
    }
    await senders;
    await until(() => sink.counts.size === total, 120_000);
    const dupes = [...sink.counts].filter(([, n]) => n > 1).map(([id]) => id);
    const unexplained = dupes.filter((id) => !stats.ambiguous.has(id.slice(1, id.indexOf('@'))));
    console.log(
      `relay crash test: ${total} messages, ${kills} kills, ${sink.received.length} arrivals, ` +
        `${dupes.length} duplicates (${dupes.length - unexplained.length} after a client resend with no reply, ` +
        `${unexplained.length} from the relay's own window after the remote 250)`,
    );
    for (let i = 0; i < total; i++)
      expect(sink.counts.get(`<crash-${i}@example.org>`) ?? 0).toBeGreaterThan(0);
    // The relay's own window holds at most the transactions in flight at each kill.
    expect(unexplained.length).toBeLessThanOrEqual(kills * 5);
    const end = new Promise((r) => relay.once('exit', r));
    relay.kill('SIGTERM');
    await end;
    await sink.close();
  });
});

function canMountTmpfs(): boolean {
  try {
    execFileSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /mnt'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tmpfs = canMountTmpfs();
if (!tmpfs)
  console.warn('relay-crash: skipping the disk-full test: cannot mount a tmpfs in a private namespace here');

describe.skipIf(!tmpfs)('relay on a full disk', () => {
  it('answers 452 when the spool is full, loses nothing, and accepts again once it drains', {
    timeout: 120_000,
  }, async () => {
    const spool = mkdtempSync(join(tmpdir(), 'poste-full-'));
    dirs.push(spool);
    const sinkPort = await freePort('127.0.0.3');
    const port = await freePort('127.0.0.1');
    const script = `mount -t tmpfs -o size=4m tmpfs "$0" && exec "$@"`;
    const relay = startRelay(
      [
        '--spool',
        spool,
        '--listen',
        `127.0.0.1:${port}`,
        '--hostname',
        'relay.test',
        '--route',
        `example.net=127.0.0.3:${sinkPort}`,
        '--retry-min',
        '100ms',
        '--retry-max',
        '200ms',
        '--min-free',
        '0',
      ],
      ['unshare', '-rm', 'sh', '-c', script, spool],
    );
    await listening(port);
    // The receiving side is down: everything stays queued until the spool is full.
    const pad = `X-Pad: ${'x'.repeat(900)}\r\n`.repeat(300);
    const accepted: string[] = [];
    let refused: number | undefined;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      const out = await send(
        port,
        'a@example.org',
        ['b@example.net'],
        testMessage(`full-${i}`, 'b@example.net', pad),
      );
      const code = out.result?.data?.code ?? out.failure?.reply?.code;
      if (code === 250) accepted.push(`<full-${i}@example.org>`);
      else refused = code;
    }
    expect(refused).toBe(452);
    expect(accepted.length).toBeGreaterThan(5);
    const sink = await startSink('127.0.0.3', sinkPort);
    process.kill(relay.pid as number, 'SIGUSR2');
    await until(() => accepted.every((id) => sink.counts.has(id)), 60_000);
    const again = await send(port, 'a@example.org', ['b@example.net'], testMessage('after'));
    expect(again.result?.data?.code).toBe(250);
    await until(() => sink.counts.has('<after@example.org>'), 30_000);
    expect([...sink.counts.values()].every((n) => n === 1)).toBe(true);
    await kill(relay);
    await sink.close();
  });
});
