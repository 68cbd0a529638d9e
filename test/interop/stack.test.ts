// The whole stack (`poste stack up --detach`: eight services on loopback) with swaks as the
// outside world: a mail client submitting over STARTTLS and implicit TLS with AUTH, and a
// foreign MTA talking to the receiver (the port-25 role). What arrives in the maildirs is
// read back: DKIM-Signature, Authentication-Results, X-Spam-Status. The open-relay refusals
// are checked on the wire and in the spool and maildirs. One stack for the file; afterAll runs
// `stack down` and then kills by pid every pid stack.json ever named, whatever happened.
import { spawnSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackFile } from '../../src/services/stack/plan.js';
import { bin, repoRoot } from '../helpers/run-cli.js';
import { LOOPBACK, sleep } from './dns-helpers.js';
import { requirePeer } from './helpers.js';

const ready = requirePeer('swaks');

/** Every pid stack.json named at any point: killed in afterAll and, failing that, at exit. */
const pids = new Set<number>();
let work: string | undefined;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILL by pid, unless /proc shows the pid now belongs to something other than our stack. */
function killStackPid(pid: number): void {
  if (!alive(pid)) return;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (work && !cmd.includes(work)) return; // reused by an unrelated process
  } catch {
    // no /proc (or gone): kill by pid anyway
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

process.once('exit', () => {
  for (const pid of pids) killStackPid(pid);
});

function readStack(dir: string): StackFile | undefined {
  const file = join(dir, 'stack.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackFile;
  } catch {
    return undefined;
  }
}

function notePids(dir: string): void {
  const s = readStack(dir);
  if (!s) return;
  for (const svc of Object.values(s.services)) if (svc.pid) pids.add(svc.pid);
}

interface Swaks {
  status: number;
  out: string;
}

/** One swaks run against 127.0.0.1:port; the whole transcript (stdout and stderr) comes back. */
function swaks(port: number, args: string[]): Swaks {
  const r = spawnSync('swaks', ['--server', LOOPBACK, '--port', String(port), ...args], {
    cwd: repoRoot,
    timeout: 60_000,
  });
  return { status: r.status ?? -1, out: r.stdout.toString('utf8') + r.stderr.toString('utf8') };
}

/**
 * The server's reply (all its lines, prefixes stripped) to the first client line of the
 * transcript matching `command` (swaks writes `->` in clear, `~>` under TLS, `<-`/`<~` for
 * replies and `<**`/`<~*` for replies it considers errors).
 */
function replyTo(out: string, command: RegExp): string {
  const lines = out.split(/\r?\n/);
  const at = lines.findIndex((l) => /^ [-~]> /.test(l) && command.test(l.slice(4)));
  if (at < 0) throw new Error(`no ${command} in the transcript:\n${out}`);
  const reply: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (/^ [-~]> /.test(l)) {
      if (reply.length) break;
      continue; // the rest of a pipelined or multi-line client block (DATA content)
    }
    const m = /^<[-~*]{1,2} +(.*)$/.exec(l);
    if (m) reply.push(m[1] as string);
    else if (reply.length) break;
  }
  return reply.join('\n');
}

/** Folded header fields of a stored message, unfolded, in order. */
function headerFields(msg: string): { name: string; value: string }[] {
  const head = msg.split(/\r?\n\r?\n/)[0] as string;
  return head
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)
    .map((l) => {
      const i = l.indexOf(':');
      return { name: l.slice(0, i).toLowerCase(), value: l.slice(i + 1).trim() };
    });
}

function fieldValues(msg: string, name: string): string[] {
  return headerFields(msg)
    .filter((f) => f.name === name)
    .map((f) => f.value);
}

/** Every stored message under the stack's maildirs (new/ and cur/ of every mailbox). */
function allStored(dir: string): { path: string; text: string }[] {
  const root = join(dir, 'maildirs');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((box) =>
    ['new', 'cur'].flatMap((sub) => {
      const d = join(root, box, sub);
      if (!existsSync(d)) return [];
      return readdirSync(d).map((f) => ({ path: join(d, f), text: readFileSync(join(d, f), 'utf8') }));
    }),
  );
}

/** Polls DIR/maildirs/ADDRESS/new (30 s at most) for the one message whose Subject is `subject`. */
async function arrival(dir: string, address: string, subject: string): Promise<string> {
  const box = join(dir, 'maildirs', address, 'new');
  for (let i = 0; i < 300; i++) {
    if (existsSync(box)) {
      const hits = readdirSync(box)
        .map((f) => readFileSync(join(box, f), 'utf8'))
        .filter((t) => fieldValues(t, 'subject').includes(subject));
      if (hits.length > 1) throw new Error(`${subject}: delivered ${hits.length} times`);
      if (hits.length === 1) return hits[0] as string;
    }
    await sleep(100);
  }
  throw new Error(`${subject}: not in ${box} within 30 s`);
}

/** A raw exchange: each step sends a line (if any) and reads one whole reply. */
async function exchange(port: number, steps: (string | null)[]): Promise<string[]> {
  const sock = connect(port, LOOPBACK);
  let buf = '';
  let wake: (() => void) | undefined;
  sock.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    wake?.();
  });
  sock.on('error', () => {});
  const reply = async (): Promise<string> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(buf);
      if (m) {
        buf = buf.slice(m[0].length);
        return m[0];
      }
      if (Date.now() > deadline) throw new Error(`no reply; have ${JSON.stringify(buf)}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  };
  const replies: string[] = [];
  try {
    for (const step of steps) {
      if (step !== null) sock.write(`${step}\r\n`);
      replies.push(await reply());
    }
  } finally {
    sock.destroy();
  }
  return replies;
}

const tag = () => Math.random().toString(36).slice(2, 10);

describe.skipIf(!ready)('stack: poste stack up with swaks as client and as a foreign MTA', () => {
  let dir: string;
  let stack: StackFile;
  let ada: { address: string; password: string };
  let subPort: number;
  let subsPort: number;
  let rxPort: number;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'poste-stack-'));
    dir = join(work, 'data');
    const r = spawnSync(process.execPath, [bin, 'stack', 'up', '--data', dir, '--detach'], {
      cwd: repoRoot,
      timeout: 240_000,
    });
    notePids(dir); // also after a failed or partial `up`: whatever was started gets killed
    const out = r.stdout.toString('utf8') + r.stderr.toString('utf8');
    expect(r.status, out).toBe(0);
    stack = readStack(dir) as StackFile;
    expect(stack).toBeDefined();
    const user = stack.users.find((u) => u.address === 'ada@alpha.test');
    expect(user).toBeDefined();
    ada = user as { address: string; password: string };
    subPort = stack.services.submission.port;
    subsPort = stack.extra.submissions;
    rxPort = stack.services.receiver.port;
    for (const p of [subPort, subsPort, rxPort]) expect(p).toBeGreaterThan(0);
  }, 300_000);

  afterAll(async () => {
    try {
      if (work && dir && existsSync(join(dir, 'stack.json'))) {
        notePids(dir);
        spawnSync(process.execPath, [bin, 'stack', 'down', '--data', dir], {
          cwd: repoRoot,
          timeout: 120_000,
        });
      }
    } finally {
      for (const pid of pids) killStackPid(pid);
      for (const pid of pids) for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
      if (work) rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);

  const trust = () => ['--tls-verify', '--tls-ca-path', stack.ca];

  it('submission: STARTTLS + AUTH PLAIN from ada to bob arrives signed, authenticated, classified', async () => {
    const subject = `starttls ${tag()}`;
    const r = swaks(subPort, [
      '--tls',
      ...trust(),
      '--auth',
      'PLAIN',
      '--auth-user',
      ada.address,
      '--auth-password',
      ada.password,
      '--from',
      ada.address,
      '--to',
      'bob@beta.test',
      '--header',
      `Subject: ${subject}`,
      '--body',
      'hello bob, from ada over STARTTLS',
    ]);
    expect(r.status, r.out).toBe(0);
    // Before TLS: STARTTLS offered, AUTH not; after: AUTH PLAIN LOGIN.
    const plainEhlo = replyTo(r.out, /^EHLO /);
    expect(plainEhlo).toMatch(/^250[ -]STARTTLS$/m);
    expect(plainEhlo).not.toMatch(/AUTH/);
    expect(r.out).toMatch(/=== TLS started with cipher/);
    const lines = r.out.split(/\r?\n/);
    const tlsEhlo = replyTo(
      lines.slice(lines.findIndex((l) => l.startsWith('=== TLS started'))).join('\n'),
      /^EHLO /,
    );
    expect(tlsEhlo).toMatch(/^250[ -]AUTH .*\bPLAIN\b/m);
    expect(tlsEhlo).toMatch(/^250[ -]AUTH .*\bLOGIN\b/m);
    expect(replyTo(r.out, /^AUTH PLAIN /)).toMatch(/^235 /);
    expect(replyTo(r.out, /^MAIL FROM:<ada@alpha\.test>/)).toMatch(/^250 /);
    expect(replyTo(r.out, /^RCPT TO:<bob@beta\.test>/)).toMatch(/^250 /);
    expect(replyTo(r.out, /^\.$/)).toMatch(/^250 /);

    const msg = await arrival(dir, 'bob@beta.test', subject);
    expect(msg).toContain('hello bob, from ada over STARTTLS');
    const sigs = fieldValues(msg, 'dkim-signature');
    expect(sigs.length).toBeGreaterThan(0);
    for (const s of sigs) expect(s).toMatch(/(?:^|;)\s*d=alpha\.test\s*;/);
    const ar = fieldValues(msg, 'authentication-results');
    expect(ar).toHaveLength(1);
    const res = ar[0] as string;
    expect(res).toMatch(/^mx\.stack\.test;/);
    expect(res).toMatch(/\bspf=pass\b[^;]*smtp\.mailfrom=ada@alpha\.test/);
    expect(res).toMatch(/\bdkim=pass\b[^;]*header\.d=alpha\.test/);
    expect(res).not.toMatch(/\bdkim=(?!pass)/);
    expect(res).toMatch(/\bdmarc=pass\b[^;]*header\.from=alpha\.test/);
    const spam = fieldValues(msg, 'x-spam-status');
    expect(spam).toHaveLength(1);
    expect(spam[0]).toMatch(/^(?:Yes|No),/);
    // The submission hop is recorded as authenticated TLS.
    expect(
      fieldValues(msg, 'received').some((v) => /by submission\.stack\.test .*with ESMTPSA\b/.test(v)),
    ).toBe(true);
    expect(fieldValues(msg, 'return-path')).toEqual(['<ada@alpha.test>']);
  });

  it('submission: implicit TLS (swaks --tlsc) + AUTH LOGIN arrives signed and passing', async () => {
    const subject = `tlsc ${tag()}`;
    const r = swaks(subsPort, [
      '--tlsc',
      ...trust(),
      '--auth',
      'LOGIN',
      '--auth-user',
      ada.address,
      '--auth-password',
      ada.password,
      '--from',
      ada.address,
      '--to',
      'bob@beta.test',
      '--header',
      `Subject: ${subject}`,
    ]);
    expect(r.status, r.out).toBe(0);
    // TLS comes before the banner; no STARTTLS inside it; AUTH LOGIN's two challenges.
    expect(r.out.indexOf('=== TLS started')).toBeGreaterThan(-1);
    expect(r.out.indexOf('=== TLS started')).toBeLessThan(r.out.indexOf('<~  220 '));
    const ehlo = replyTo(r.out, /^EHLO /);
    expect(ehlo).toMatch(/^250[ -]AUTH .*\bLOGIN\b/m);
    expect(ehlo).not.toMatch(/STARTTLS/);
    expect(replyTo(r.out, /^AUTH LOGIN/)).toMatch(/^334 /);
    expect(r.out).toMatch(/^<~ {2}235 /m);
    expect(replyTo(r.out, /^\.$/)).toMatch(/^250 /);

    const msg = await arrival(dir, 'bob@beta.test', subject);
    expect(fieldValues(msg, 'dkim-signature').length).toBeGreaterThan(0);
    const res = fieldValues(msg, 'authentication-results')[0] as string;
    expect(res).toMatch(/\bspf=pass\b/);
    expect(res).toMatch(/\bdkim=pass\b[^;]*header\.d=alpha\.test/);
    expect(res).toMatch(/\bdmarc=pass\b/);
    expect(fieldValues(msg, 'x-spam-status')).toHaveLength(1);
  });

  it('submission: without AUTH the sender is refused (530), over TLS and in clear', async () => {
    const subject = `noauth ${tag()}`;
    const r = swaks(subPort, [
      '--tls',
      ...trust(),
      '--from',
      ada.address,
      '--to',
      'bob@beta.test',
      '--header',
      `Subject: ${subject}`,
    ]);
    expect(r.status, r.out).not.toBe(0);
    expect(replyTo(r.out, /^MAIL FROM:/)).toMatch(/^530 5\.7\.0 /);
    expect(r.out).not.toMatch(/RCPT TO:/);
    expect(r.out).not.toMatch(/ DATA$/m);
    // In clear, with no TLS at all: the same refusal.
    const clear = await exchange(subPort, [
      null,
      'EHLO outside.example',
      'MAIL FROM:<ada@alpha.test>',
      'QUIT',
    ]);
    expect(clear[2]).toMatch(/^530 5\.7\.0 /);
  });

  it('submission: no AUTH before STARTTLS (the stack does not enable plaintext AUTH on loopback)', async () => {
    const cfg = JSON.parse(readFileSync(stack.services.submission.config, 'utf8')) as Record<string, unknown>;
    expect(cfg.authPlaintextLoopback ?? false).toBe(false);
    expect(cfg.tls).toBeDefined();
    // swaks, asked to authenticate without TLS, finds no AUTH in EHLO and gives up before MAIL.
    const r = swaks(subPort, [
      '--auth',
      'PLAIN',
      '--auth-user',
      ada.address,
      '--auth-password',
      ada.password,
      '--from',
      ada.address,
      '--to',
      'bob@beta.test',
    ]);
    expect(r.status, r.out).not.toBe(0);
    const ehlo = replyTo(r.out, /^EHLO /);
    expect(ehlo).toMatch(/^250[ -]STARTTLS$/m);
    expect(ehlo).not.toMatch(/AUTH/);
    expect(r.out).toMatch(/Host did not advertise authentication/);
    expect(r.out).not.toMatch(/MAIL FROM:/);
    // Forcing it on the wire: AUTH in clear is refused (538 encryption required) and the
    // session stays unauthenticated.
    const plain = Buffer.from(`\0${ada.address}\0${ada.password}`).toString('base64');
    const raw = await exchange(subPort, [
      null,
      'EHLO outside.example',
      `AUTH PLAIN ${plain}`,
      'MAIL FROM:<ada@alpha.test>',
      'QUIT',
    ]);
    expect(raw[1]).not.toMatch(/AUTH/);
    expect(raw[2]).toMatch(/^538 5\.7\.11 /);
    expect(raw[3]).toMatch(/^530 /);
  });

  it('receiver: relaying to a domain it does not host is refused at RCPT; nothing is queued or delivered', async () => {
    const before = allStored(dir).length;
    const subjects: string[] = [];
    for (const from of ['x@example.com', 'ada@alpha.test']) {
      const subject = `relay ${tag()}`;
      subjects.push(subject);
      const r = swaks(rxPort, [
        '--from',
        from,
        '--to',
        'someone@example.com',
        '--header',
        `Subject: ${subject}`,
      ]);
      expect(r.status, r.out).not.toBe(0);
      expect(replyTo(r.out, /^MAIL FROM:/)).toMatch(/^250 /);
      expect(replyTo(r.out, /^RCPT TO:<someone@example\.com>/)).toMatch(/^5\d\d /);
      expect(r.out).not.toMatch(/ DATA$/m);
    }
    // A message that is accepted after them (the receiver answers 250 once it is stored)
    // marks the point by which anything accepted earlier would be there.
    const marker = `marker ${tag()}`;
    const ok = swaks(rxPort, [
      '--from',
      'x@example.com',
      '--to',
      'bob@beta.test',
      '--header',
      `Subject: ${marker}`,
    ]);
    expect(ok.status, ok.out).toBe(0);
    await arrival(dir, 'bob@beta.test', marker);
    const stored = allStored(dir);
    expect(stored).toHaveLength(before + 1);
    for (const s of subjects) expect(stored.filter((m) => m.text.includes(s))).toEqual([]);
    expect(readdirSync(join(dir, 'maildirs')).sort()).not.toContain('someone@example.com');
    for (const sub of ['incoming', 'queue', 'hold']) {
      const d = join(dir, 'spool', sub);
      if (existsSync(d)) expect(readdirSync(d), sub).toEqual([]);
    }
  });

  it('receiver: a foreign sender reaches bob with honest temperror results; bob2 gets 550 at RCPT', async () => {
    // What the stack's resolver says about names outside the demo zones: REFUSED.
    const resolver = new Resolver({ timeout: 3000, tries: 1 });
    resolver.setServers([`${stack.services.resolver.host}:${stack.services.resolver.port}`]);
    await expect(resolver.resolveTxt('example.com')).rejects.toMatchObject({ code: 'EREFUSED' });
    const own = (await resolver.resolveTxt('alpha.test')).map((t) => t.join(''));
    expect(own.some((t) => t.startsWith('v=spf1'))).toBe(true);

    const subject = `foreign ${tag()}`;
    const r = swaks(rxPort, [
      '--from',
      'x@example.com',
      '--to',
      'bob@beta.test',
      '--header',
      `Subject: ${subject}`,
      '--body',
      'from outside',
    ]);
    expect(r.status, r.out).toBe(0);
    expect(replyTo(r.out, /^EHLO /)).not.toMatch(/AUTH/);
    expect(replyTo(r.out, /^RCPT TO:<bob@beta\.test>/)).toMatch(/^250 /);
    expect(replyTo(r.out, /^\.$/)).toMatch(/^250 /);
    const msg = await arrival(dir, 'bob@beta.test', subject);
    expect(msg).toContain('from outside');
    const ar = fieldValues(msg, 'authentication-results');
    expect(ar).toHaveLength(1);
    const res = ar[0] as string;
    expect(res).toMatch(/^mx\.stack\.test;/);
    // The lookups failed (REFUSED), which is a temporary error, not "none" and never "pass".
    expect(res).toMatch(/\bspf=temperror\b[^;]*REFUSED[^;]*smtp\.mailfrom=x@example\.com/);
    expect(res).toMatch(/\bdkim=none\b/);
    expect(res).toMatch(/\bdmarc=temperror\b[^;]*_dmarc\.example\.com[^;]*header\.from=example\.com/);
    expect(res).not.toMatch(/=pass\b/);
    expect(fieldValues(msg, 'dkim-signature')).toEqual([]);
    expect(fieldValues(msg, 'x-spam-status')).toHaveLength(1);
    expect(fieldValues(msg, 'return-path')).toEqual(['<x@example.com>']);

    const before = allStored(dir).length;
    const u = swaks(rxPort, ['--from', 'x@example.com', '--to', 'bob2@beta.test']);
    expect(u.status, u.out).not.toBe(0);
    expect(replyTo(u.out, /^RCPT TO:<bob2@beta\.test>/)).toMatch(/^550 5\.1\.1 /);
    expect(u.out).not.toMatch(/ DATA$/m);
    expect(allStored(dir)).toHaveLength(before);
    expect(existsSync(join(dir, 'maildirs', 'bob2@beta.test'))).toBe(false);
  });
});
