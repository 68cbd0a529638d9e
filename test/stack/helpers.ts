// A real stack for end-to-end tests: `poste stack up --detach` in a temp dir, its users and
// ports from stack.json, sending through submission (STARTTLS + AUTH, trusting the stack's
// CA) or to the receiver, waiting on maildirs, and teardown by pid whatever happens.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliver } from '../../src/services/smtp-client/index.js';
import type { StackFile } from '../../src/services/stack/plan.js';
import { bin } from '../helpers/run-cli.js';

export interface TestStack {
  dir: string;
  stack(): StackFile;
  user(address: string): { address: string; password: string; maildir: string };
  run(...args: string[]): { status: number | null; stdout: string; stderr: string };
  down(): void;
}

export function stackUp(prefix = 'poste-stack-'): TestStack {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 180_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const t: TestStack = {
    dir,
    stack: () => JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8')) as StackFile,
    user(address) {
      const u = t.stack().users.find((x) => x.address === address);
      if (!u) throw new Error(`no user ${address}`);
      return u;
    },
    run,
    down() {
      run('stack', 'down', '--data', dir);
      // Whatever happened: every process group the stack started, by pid.
      if (existsSync(join(dir, 'stack.json'))) {
        for (const s of Object.values(t.stack().services)) {
          if (!s.pid) continue;
          try {
            process.kill(-s.pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const up = run('stack', 'up', '--data', dir, '--detach');
  if (up.status !== 0) {
    t.down();
    throw new Error(`stack up failed (${up.status}): ${up.stderr}`);
  }
  return t;
}

function addr(a: string) {
  const at = a.lastIndexOf('@');
  return { local: a.slice(0, at), domain: a.slice(at + 1) };
}

/** Through submission: STARTTLS, AUTH as `from`, the stack's CA trusted. */
export async function submit(t: TestStack, from: string, to: string[], message: Uint8Array) {
  const s = t.stack();
  const u = t.user(from);
  return deliver({
    host: s.services.submission.host,
    port: s.services.submission.port,
    tls: 'required',
    ca: readFileSync(s.ca),
    servername: 'submission.stack.test',
    hostname: 'client.test',
    auth: { username: u.address, password: u.password },
    from: addr(from),
    recipients: to.map(addr),
    message,
    timeoutMs: 30_000,
  });
}

/** To the receiver, as an outside MTA would. */
export async function toReceiver(t: TestStack, from: string, to: string[], message: Uint8Array) {
  const s = t.stack();
  return deliver({
    host: s.services.receiver.host,
    port: s.services.receiver.port,
    tls: 'none',
    hostname: 'outside.example',
    from: from === '' ? null : addr(from),
    recipients: to.map(addr),
    message,
    timeoutMs: 30_000,
  });
}

export function mailbox(t: TestStack, address: string): Buffer[] {
  const dir = join(t.user(address).maildir, 'new');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

export async function until(cond: () => boolean, ms = 30_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function message(from: string, to: string, id: string, body = 'Hello there.\r\n'): Buffer {
  return Buffer.from(
    `From: ${from}\r\nTo: ${to}\r\nSubject: test ${id}\r\nDate: Sun, 29 Nov 2026 12:00:00 +0000\r\n` +
      `Message-ID: <${id}@stack.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

/** SIGKILL a service's process group (the serve parent and its sandboxed child). */
export function crash(t: TestStack, name: keyof StackFile['services']): void {
  const pid = t.stack().services[name].pid;
  if (!pid) throw new Error(`${name} has no pid`);
  process.kill(-pid, 'SIGKILL');
}
