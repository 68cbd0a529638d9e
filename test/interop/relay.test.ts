// `poste relay` against independent implementations from Debian: swaks as the client (a
// message relayed to a receiving server; a client outside --allow refused with 554 at
// RCPT), and Python's email reading the DSN the relay sends when the receiving side
// answers 550: a multipart/report with a message/delivery-status part whose per-recipient
// fields say Action: failed, Status 5.x.x. The receiving side is the in-process test sink
// (test/services/mail-helpers.ts); everything is on loopback, free ports, and every relay is
// a child process stopped by its PID whatever happens.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../../src/smtp/index.js';
import { bin, repoRoot } from '../helpers/run-cli.js';
import { type Sink, startSink } from '../services/mail-helpers.js';
import { freePort, LOOPBACK, sleep } from './dns-helpers.js';
import { PYTHON, requirePeer } from './helpers.js';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) kill(c, 'SIGKILL');
});

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    kill(child, 'SIGTERM');
    const timer = setTimeout(() => kill(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  running.delete(child);
}

interface Relay {
  child: ChildProcess;
  port: number;
  spool: string;
  log(): string;
}

/** Starts `poste relay` in its own process group; resolves once it logs "listening". */
async function startRelay(work: string, name: string, extra: string[]): Promise<Relay> {
  const port = await freePort();
  const spool = join(work, name);
  const child = spawn(
    process.execPath,
    [bin, 'relay', '--spool', spool, '--listen', `${LOOPBACK}:${port}`, '--hostname', 'relay.test', ...extra],
    { cwd: repoRoot, detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  running.add(child);
  let out = '';
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`relay not listening within 20 s\n${out}`)), 20_000);
      const check = () => {
        if (/"event":"listening"/.test(out)) {
          clearTimeout(timer);
          child.stderr?.off('data', check);
          resolve();
        }
      };
      child.stderr?.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`relay exited (${code}) before listening\n${out}`));
      });
    });
  } catch (err) {
    await stop(child);
    throw err;
  }
  return { child, port, spool, log: () => out };
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const ready = requirePeer('swaks') && requirePeer(PYTHON);

/** Reads a DSN from stdin with Python's email package and prints what it found, as JSON. */
const READ_DSN = `
import email, json, sys
from email import policy
msg = email.message_from_binary_file(sys.stdin.buffer, policy=policy.default)
out = {
    "type": msg.get_content_type(),
    "report_type": msg.get_param("report-type"),
    "defects": [type(d).__name__ for d in msg.defects],
    "parts": [p.get_content_type() for p in msg.iter_parts()],
    "status": None,
}
for part in msg.walk():
    if part.get_content_type() == "message/delivery-status":
        blocks = part.get_payload()
        out["status"] = {
            "message": {k: str(v) for k, v in blocks[0].items()},
            "recipients": [{k: str(v) for k, v in b.items()} for b in blocks[1:]],
        }
print(json.dumps(out))
`;

describe.skipIf(!ready)('relay: poste relay against swaks and Python email', () => {
  let work: string;
  let sink: Sink;
  let relay: Relay | undefined;
  let guarded: Relay | undefined;

  function swaks(port: number, args: string[], data: string): { status: number; out: string } {
    const file = join(work, `swaks-${Math.random().toString(36).slice(2)}.eml`);
    writeFileSync(file, data.replace(/\r?\n/g, '\r\n'));
    const r = spawnSync(
      'swaks',
      [
        '--server',
        LOOPBACK,
        '--port',
        String(port),
        '--helo',
        'client.test',
        '--from',
        'zoe@example.org',
        '--data',
        `@${file}`,
        ...args,
      ],
      { timeout: 30_000 },
    );
    return { status: r.status ?? -1, out: r.stdout.toString('utf8') + r.stderr.toString('utf8') };
  }

  const message = (id: string, to: string) =>
    `From: Zoe <zoe@example.org>\nTo: <${to}>\nSubject: relay ${id}\nMessage-ID: <${id}@example.org>\n\nbody of ${id}\n`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'poste-relay-interop-'));
    sink = await startSink(LOOPBACK);
    // The receiving side refuses one mailbox for good; everything else is accepted.
    sink.rcpt = (to) => (to.startsWith('nobody@') ? reply(550, '5.1.1', 'no such user here') : undefined);
    const route = [
      '--route',
      `example.net=${LOOPBACK}:${sink.port}`,
      '--route',
      `example.org=${LOOPBACK}:${sink.port}`,
      '--min-free',
      '0',
      '--retry-min',
      '1s',
    ];
    relay = await startRelay(work, 'spool', route);
    guarded = await startRelay(work, 'spool-guarded', [...route, '--allow', '127.0.0.9/32']);
  }, 60_000);

  afterAll(async () => {
    await stop(relay?.child);
    await stop(guarded?.child);
    await sink?.close();
    for (const c of [...running]) await stop(c);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('swaks → relay → the receiving server: the message arrives with our Received field', async () => {
    const r = relay as Relay;
    const s = swaks(r.port, ['--to', 'ann@example.net'], message('relayed-1', 'ann@example.net'));
    expect(s.status, s.out).toBe(0);
    expect(s.out).toMatch(/<- {2}250 2\.0\.0 OK queued as [0-9a-z]{9}\.[0-9a-f]{12}/);
    await until('the relayed message', () => (sink.counts.get('<relayed-1@example.org>') ?? 0) > 0);
    const got = sink.received.find((m) => m.messageId === '<relayed-1@example.org>');
    expect(got?.from).toBe('zoe@example.org');
    expect(got?.to).toEqual(['ann@example.net']);
    const text = got?.data.toString('utf8') ?? '';
    expect(text).toMatch(
      /^Received: from client\.test \(\[127\.0\.0\.1\]\) by relay\.test \(poste\) with ESMTP id\r\n\s/,
    );
    expect(text).toContain('\r\n\r\nbody of relayed-1\r\n');
    // Delivered: nothing is left in the spool.
    await until('an empty spool', () => readdirSync(join(r.spool, 'queue')).length === 0);
  });

  it('a client outside --allow is refused with 554 at RCPT; one inside relays', async () => {
    const g = guarded as Relay;
    const refused = swaks(g.port, ['--to', 'ann@example.net'], message('refused-1', 'ann@example.net'));
    // swaks: 24 = every recipient refused.
    expect(refused.status, refused.out).toBe(24);
    expect(refused.out).toMatch(/-> RCPT TO:<ann@example\.net>\r?\n<\*\* 554 5\.7\.1 Relay access denied/);
    const allowed = swaks(
      g.port,
      ['--to', 'ann@example.net', '--local-interface', '127.0.0.9'],
      message('allowed-1', 'ann@example.net'),
    );
    expect(allowed.status, allowed.out).toBe(0);
    await until('the allowed message', () => (sink.counts.get('<allowed-1@example.org>') ?? 0) > 0);
    expect(sink.counts.get('<refused-1@example.org>')).toBeUndefined();
  });

  it('a 550 from the receiving side gives a DSN Python reads as multipart/report', async () => {
    const r = relay as Relay;
    const s = swaks(r.port, ['--to', 'nobody@example.net'], message('bounced-1', 'nobody@example.net'));
    expect(s.status, s.out).toBe(0);
    const isDsn = (m: Sink['received'][number]) => m.from === '' && m.data.includes('bounced-1@example.org');
    await until('the DSN', () => sink.received.some(isDsn));
    const dsn = sink.received.find(isDsn);
    expect(dsn?.to).toEqual(['zoe@example.org']);
    const py = spawnSync(PYTHON, ['-c', READ_DSN], { input: dsn?.data, timeout: 30_000 });
    expect(py.status, py.stderr.toString()).toBe(0);
    const out = JSON.parse(py.stdout.toString('utf8'));
    expect(out.type).toBe('multipart/report');
    expect(out.report_type).toBe('delivery-status');
    expect(out.defects).toEqual([]);
    expect(out.parts).toContain('message/delivery-status');
    expect(out.status.message['Reporting-MTA']).toMatch(/^dns;\s*relay\.test$/);
    expect(out.status.recipients).toHaveLength(1);
    const rcpt = out.status.recipients[0];
    expect(rcpt['Final-Recipient']).toMatch(/^rfc822;\s*nobody@example\.net$/);
    expect(rcpt.Action).toBe('failed');
    expect(rcpt.Status).toMatch(/^5\.\d{1,3}\.\d{1,3}$/);
    expect(rcpt.Status).toBe('5.1.1');
    expect(rcpt['Diagnostic-Code']).toMatch(/^smtp;\s*550 5\.1\.1 no such user here/);
    // No second bounce, and the failed message left the spool.
    await until('an empty spool', () => readdirSync(join(r.spool, 'queue')).length === 0);
    expect(sink.received.filter(isDsn)).toHaveLength(1);
  });
});
