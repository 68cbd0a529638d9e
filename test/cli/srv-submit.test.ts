import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, poste } from '../helpers/run-cli.js';
import { makeCert } from '../services/smtp-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'poste-srv-cli-'));
const box = join(root, 'box');
let srv: ChildProcess | undefined;
let port = 0;
const log: string[] = [];
let exit: Promise<number | null>;
let certPath = '';

beforeAll(async () => {
  const cert = makeCert(root);
  certPath = cert.certPath;
  const hash = poste(['srv', 'hash-password', '--user', 'ann'], 'pw\n');
  expect(hash.status).toBe(0);
  writeFileSync(join(root, 'users'), hash.stdout);
  writeFileSync(join(root, 'pw'), 'pw\n');
  srv = spawn(process.execPath, [
    bin,
    'srv',
    '--listen',
    '127.0.0.1:0',
    '--maildir',
    box,
    '--hostname',
    'mx.test',
    '--tls-cert',
    cert.certPath,
    '--tls-key',
    cert.keyPath,
    '--users',
    join(root, 'users'),
    '--max-recipients',
    '2',
  ]);
  exit = new Promise((r) => srv?.on('exit', (code) => r(code)));
  port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    srv?.stderr?.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        log.push(l);
        const e = JSON.parse(l);
        if (e.event === 'listening') resolve(e.port);
      }
    });
    srv?.on('exit', (code) => reject(new Error(`srv exited ${code}: ${log.join('\n')}`)));
  });
});

afterAll(async () => {
  if (srv && srv.exitCode === null) srv.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

// Runs poste asynchronously: the server shares nothing with it but the socket.
function posteAsync(
  args: string[],
  input: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
    p.stdin.end(input);
  });
}

const message =
  'From: Ann <ann@mx.test>\r\nTo: bob@mx.test\r\nBcc: ann@mx.test\r\nSubject: Grüße\r\n\r\nnaïve body\r\n';
const submitArgs = () => [
  'submit',
  '--host',
  '127.0.0.1',
  '--port',
  String(port),
  '--ca',
  certPath,
  '--helo',
  'client.test',
];

describe('poste srv and poste submit', () => {
  it('submit --dry-run prints the transcript, Bcc removed, password masked', () => {
    const r = poste(
      [
        'submit',
        '--host',
        'mx.test',
        '--user',
        'ann',
        '--password-file',
        join(root, 'pw'),
        '--dry-run',
        '--helo',
        'c',
      ],
      message,
    );
    expect(r.status).toBe(0);
    const t = r.stdout.toString();
    expect(t).toContain('C: EHLO c\n');
    expect(t).toContain('C: STARTTLS\n');
    expect(t).toContain('C: AUTH PLAIN ***\n');
    expect(t).toContain('C: RCPT TO:<bob@mx.test>\nC: RCPT TO:<ann@mx.test>\nC: DATA\n');
    expect(t).toMatch(/C: MAIL FROM:<ann@mx\.test> SIZE=\d+ BODY=8BITMIME SMTPUTF8\n/);
    expect(t).not.toContain('pw');
  });

  it('submit delivers over STARTTLS with AUTH; the maildir gets it once, without Bcc', async () => {
    const r = await posteAsync(
      [...submitArgs(), '--starttls', '--user', 'ann', '--password-file', join(root, 'pw')],
      message,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const files = readdirSync(join(box, 'new'));
    expect(files).toHaveLength(1);
    const got = readFileSync(join(box, 'new', files[0] as string), 'utf8');
    expect(got).not.toContain('Bcc');
    expect(got).toContain('naïve body');
    expect(got.replace(/\r\n /g, ' ')).toMatch(/with UTF8SMTPSA id/);
  });

  it('exit 1 names the recipients refused for good; 75 for temporary ones', async () => {
    const r = await posteAsync(
      [...submitArgs(), '--from', 'x@y.test', '--to', 'bob@mx.test', '--to', 'nobody@mx.test'],
      message,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('nobody@mx.test: 550 5.1.1');
    // --max-recipients 2: the third gets 452.
    const t = await posteAsync(
      [
        ...submitArgs(),
        '--from',
        'x@y.test',
        '--to',
        'ann@mx.test',
        '--to',
        'ann@mx.test.',
        '--to',
        'a@b.c',
        '--to',
        'd@e.f',
      ],
      message,
    );
    expect([1, 64, 75]).toContain(t.status);
  });

  it('exit 69 when nothing listens; 64 for bad flags', () => {
    expect(poste(['submit', '--host', '127.0.0.1', '--port', '1'], message).status).toBe(69);
    expect(poste(['submit', '--host', 'x', '--user', 'u'], message).status).toBe(64);
  });

  it('srv exits 0 on SIGTERM', async () => {
    srv?.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(log.map((l) => JSON.parse(l).event)).toEqual(
      expect.arrayContaining(['stopping', 'stopped', 'message', 'auth', 'tls']),
    );
  });
});
