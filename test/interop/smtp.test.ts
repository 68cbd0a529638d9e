// SMTP against independent implementations from Debian: swaks (a client) against
// `poste srv` (STARTTLS, AUTH PLAIN and LOGIN, PIPELINING, 8-bit bodies, SIZE), raw socket
// exchanges for what swaks lacks (SMTPUTF8, BDAT); `poste submit` and `poste send` into
// Postfix's smtp-sink (also five messages over one session of the relay's transport) and
// Python's aiosmtpd (with AUTH); mblaze reading what poste delivered.
// Everything on loopback, free ports; every process is stopped by its PID whatever happens.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpTransport } from '../../src/services/relay/transport.js';
import { bytesSource } from '../../src/smtp/index.js';
import { bin, poste, repoRoot } from '../helpers/run-cli.js';
import { freePort, LOOPBACK, sleep } from './dns-helpers.js';
import { PYTHON, requirePeer } from './helpers.js';

const SINK = '/usr/sbin/smtp-sink';
const CRLF = Buffer.from('\r\n');

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

interface Proc {
  child: ChildProcess;
  log(): string;
}

/** Spawns a process in its own group; resolves once `ready(stderr+stdout)` says so (20 s at most). */
async function start(cmd: string, args: string[], ready: (out: string) => boolean): Promise<Proc> {
  const child = spawn(cmd, args, { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  const p: Proc = { child, log: () => out };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd}: not ready within 20 s\n${out}`)), 20_000);
    const on = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (ready(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}) before it was ready: ${out}`));
    });
  }).catch(async (err) => {
    await stop(child);
    throw err;
  });
  return p;
}

/** Waits until something is listening on the port (10 s at most). */
async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, LOOPBACK, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port}`);
}

/** A raw SMTP exchange: each step sends bytes (if any) and reads one whole reply. */
async function exchange(port: number, steps: (string | Buffer | null)[]): Promise<string[]> {
  const sock = connect(port, LOOPBACK);
  let buf = '';
  const waiting: (() => void)[] = [];
  sock.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    for (const w of waiting.splice(0)) w();
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
        waiting.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  const replies: string[] = [];
  try {
    for (const step of steps) {
      if (step !== null) sock.write(step);
      replies.push(await reply());
    }
  } finally {
    sock.destroy();
  }
  return replies;
}

/** The message as stored, without the Return-Path and Received fields srv puts on top. */
function withoutTrace(stored: Buffer): Buffer {
  let at = 0;
  for (;;) {
    const rest = stored.subarray(at, at + 16).toString('latin1');
    if (!/^(Return-Path|Received):/i.test(rest)) return stored.subarray(at);
    do {
      at = stored.indexOf('\n', at) + 1;
    } while (stored[at] === 0x20 || stored[at] === 0x09);
  }
}

const ready =
  requirePeer('swaks') &&
  requirePeer(SINK) &&
  requirePeer('openssl') &&
  requirePeer('mlist') &&
  requirePeer('mshow') &&
  spawnSync(PYTHON, ['-c', 'import aiosmtpd']).status === 0;

const message = (subject: string, body: string) =>
  Buffer.from(
    `From: Zoe <zoe@example.org>\r\nTo: Ann <ann@example.test>\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@example.org>\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`,
    'utf8',
  );

describe.skipIf(!ready)('smtp: poste srv, submit and send against swaks, smtp-sink, aiosmtpd, mblaze', () => {
  let work: string;
  let box: string;
  let srv: Proc;
  let port: number;

  const newFiles = () => new Set(readdirSync(join(box, 'new')));
  /** Runs `act`, then returns the single file that appeared in new/. */
  async function delivered(act: () => Promise<void> | void): Promise<{ name: string; bytes: Buffer }> {
    const before = newFiles();
    await act();
    const added = [...newFiles()].filter((n) => !before.has(n));
    expect(added).toHaveLength(1);
    const name = added[0] as string;
    return { name, bytes: readFileSync(join(box, 'new', name)) };
  }

  function swaks(args: string[], data: Buffer): { status: number; out: string } {
    const file = join(work, `swaks-${Math.random().toString(36).slice(2)}.eml`);
    writeFileSync(file, data);
    const r = spawnSync(
      'swaks',
      [
        '--server',
        LOOPBACK,
        '--port',
        String(port),
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

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'poste-smtp-'));
    box = join(work, 'box');
    const cert = join(work, 'cert.pem');
    const key = join(work, 'key.pem');
    const r = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    expect(r.status, r.stderr.toString()).toBe(0);
    const users = join(work, 'users');
    const h = poste(['srv', 'hash-password', '--user', 'ann'], 'pw\n');
    expect(h.status, h.stderr).toBe(0);
    writeFileSync(users, h.stdout);
    srv = await start(
      process.execPath,
      [
        bin,
        'srv',
        '--listen',
        `${LOOPBACK}:0`,
        '--maildir',
        box,
        '--hostname',
        'mx.example.test',
        '--tls-cert',
        cert,
        '--tls-key',
        key,
        '--users',
        users,
        '--auth-plaintext-loopback',
        '--max-size',
        '100000',
      ],
      (out) => /"event":"listening"/.test(out),
    );
    port = Number(/"event":"listening".*?"port":(\d+)/.exec(srv.log())?.[1]);
    expect(port).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await stop(srv?.child);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('swaks: STARTTLS, AUTH PLAIN, PIPELINING, an 8-bit body lands intact', async () => {
    const data = message('tls plain', 'Grüße aus Köln\r\n.leading dot\r\n\r\nend\r\n');
    const got = await delivered(() => {
      const s = swaks(
        [
          '--to',
          'ann@example.test',
          '--tls',
          '--auth',
          'PLAIN',
          '--auth-user',
          'ann',
          '--auth-password',
          'pw',
          '--pipeline',
        ],
        data,
      );
      expect(s.status, s.out).toBe(0);
      expect(s.out).toMatch(/<- {2}220 [\s\S]*=== TLS started/);
      expect(s.out).toMatch(/235 /);
    });
    expect(withoutTrace(got.bytes).equals(Buffer.concat([data, CRLF]))).toBe(true);
    const trace = got.bytes.subarray(0, got.bytes.length - data.length - 2).toString('utf8');
    expect(trace).toMatch(/^Return-Path: <zoe@example.org>\r\nReceived: /);
    expect(trace).toMatch(/ESMTPSA/);
    // swaks ends the data with CRLF . CRLF after the file's last CRLF: one more empty line.
  });

  it('swaks: AUTH LOGIN in plain text on loopback', async () => {
    const data = message('login', 'hello\r\n');
    const got = await delivered(() => {
      const s = swaks(
        ['--to', 'someone@else.example', '--auth', 'LOGIN', '--auth-user', 'ann', '--auth-password', 'pw'],
        data,
      );
      expect(s.status, s.out).toBe(0);
    });
    expect(withoutTrace(got.bytes).equals(Buffer.concat([data, CRLF]))).toBe(true);
  });

  it('swaks: a wrong password is refused, an unknown recipient without AUTH too', () => {
    const bad = swaks(
      ['--to', 'ann@example.test', '--auth', 'PLAIN', '--auth-user', 'ann', '--auth-password', 'no'],
      message('bad', 'x\r\n'),
    );
    expect(bad.status).not.toBe(0);
    expect(bad.out).toMatch(/<\*\* 535 5\.7\.8/);
    const unknown = swaks(['--to', 'bob@example.test'], message('unknown', 'x\r\n'));
    expect(unknown.status).not.toBe(0);
    expect(unknown.out).toMatch(/<\*\* 550 5\.1\.1/);
  });

  it('swaks: a message over SIZE is refused with 552 and not stored', () => {
    const before = newFiles().size;
    const s = swaks(['--to', 'ann@example.test'], message('big', `${'x'.repeat(998)}\r\n`.repeat(150)));
    expect(s.status).not.toBe(0);
    expect(s.out).toMatch(/<\*\* 552 5\.3\.4/);
    expect(newFiles().size).toBe(before);
  });

  it('raw: MAIL SIZE= over the limit is refused with 552 before any data', async () => {
    const r = await exchange(port, [
      null,
      'EHLO c.example\r\n',
      'MAIL FROM:<zoe@example.org> SIZE=200000\r\n',
      'QUIT\r\n',
    ]);
    expect(r[1]).toMatch(/250[ -]SIZE 100000\r\n/);
    expect(r[2]).toMatch(/^552 5\.3\.4/);
  });

  it('raw: SMTPUTF8 addresses and header land intact', async () => {
    const data = Buffer.from(
      'From: Jörg <jörg@bücher.example>\r\nTo: ann@例え.テスト\r\nSubject: Ünïcødé\r\n\r\nÇa marche.\r\n',
      'utf8',
    );
    const got = await delivered(async () => {
      const r = await exchange(port, [
        null,
        'EHLO c.example\r\n',
        'MAIL FROM:<jörg@bücher.example> SMTPUTF8 BODY=8BITMIME\r\n',
        'RCPT TO:<ann@例え.テスト>\r\n',
        'DATA\r\n',
        Buffer.concat([data, Buffer.from('.\r\n')]),
        'QUIT\r\n',
      ]);
      expect(r[1]).toMatch(/SMTPUTF8/);
      expect(r[1]).toMatch(/8BITMIME/);
      expect(r.slice(2, 6).map((x) => x.slice(0, 3))).toEqual(['250', '250', '354', '250']);
    });
    expect(withoutTrace(got.bytes).equals(data)).toBe(true);
    expect(got.bytes.toString('utf8')).toMatch(/^Return-Path: <jörg@bücher.example>\r\n/);
    expect(got.bytes.toString('utf8')).toMatch(/UTF8SMTP/);
  });

  it('raw: BDAT in chunks (CHUNKING), pipelined, lands intact', async () => {
    const data = message('bdat', 'line one\r\n.not stuffed in BDAT\r\nGrüße\r\n');
    const a = data.subarray(0, 50);
    const b = data.subarray(50);
    const got = await delivered(async () => {
      const r = await exchange(port, [
        null,
        'EHLO c.example\r\n',
        Buffer.concat([
          Buffer.from('MAIL FROM:<zoe@example.org> BODY=8BITMIME\r\nRCPT TO:<ann@example.test>\r\n'),
          Buffer.from(`BDAT ${a.length}\r\n`),
          a,
        ]),
        null,
        null,
        Buffer.concat([Buffer.from(`BDAT ${b.length} LAST\r\n`), b]),
        'QUIT\r\n',
      ]);
      expect(r[1]).toMatch(/CHUNKING/);
      expect(r.slice(2, 6).map((x) => x.slice(0, 3))).toEqual(['250', '250', '250', '250']);
    });
    expect(withoutTrace(got.bytes).equals(data)).toBe(true);
  });

  it('mblaze: mlist lists what poste delivered, mshow shows its header and raw body', () => {
    const files = readdirSync(join(box, 'new'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const list = spawnSync('mlist', [box], { timeout: 10_000 });
    expect(list.status).toBe(0);
    const listed = list.stdout.toString('utf8').trim().split('\n').sort();
    expect(listed).toEqual(files.map((f) => join(box, 'new', f)).sort());
    for (const f of files) {
      const path = join(box, 'new', f);
      const bytes = readFileSync(path);
      const split = bytes.indexOf('\r\n\r\n') + 4;
      // -R: the raw body, byte for byte; -r -H: every header field, undecoded (mblaze ends them with LF).
      const body = spawnSync('mshow', ['-R', path], { timeout: 10_000 });
      expect(body.status).toBe(0);
      expect(body.stdout.equals(bytes.subarray(split))).toBe(true);
      const header = spawnSync('mshow', ['-r', '-H', path], { timeout: 10_000 });
      expect(header.status).toBe(0);
      const fields = (b: Buffer) => b.toString('utf8').replace(/\r\n/g, '\n').split('\n\n')[0];
      expect(fields(header.stdout)).toBe(fields(bytes));
      const cat = poste(['mdir', 'cat', box, f]);
      expect(cat.status, cat.stderr).toBe(0);
      expect(cat.stdout.equals(readFileSync(path))).toBe(true);
    }
  });

  describe('poste submit and send into smtp-sink', () => {
    let sink: ChildProcess | undefined;
    let sinkPort: number;
    let dumps: string;
    beforeAll(async () => {
      sinkPort = await freePort();
      dumps = join(work, 'sink');
      mkdirSync(dumps);
      const user = spawnSync('id', ['-un']).stdout.toString().trim();
      sink = spawn(SINK, ['-u', user, '-d', `${dumps}/%H%M%S.`, `${LOOPBACK}:${sinkPort}`, '100'], {
        detached: true,
        stdio: 'ignore',
      });
      running.add(sink);
      await waitPort(sinkPort);
    });
    afterAll(() => stop(sink));

    const dumped = () => readdirSync(dumps).map((f) => readFileSync(join(dumps, f), 'utf8'));

    it('poste submit: the message as sent, envelope from the header', () => {
      const data = message('submit sink', 'Grüße\r\n.dot\r\n');
      const r = poste(['submit', '--host', LOOPBACK, '--port', String(sinkPort), '--timeout', '20'], data);
      expect(r.status, r.stderr).toBe(0);
      const all = dumped();
      const one = all.find((d) => d.includes('Subject: submit sink'));
      expect(one, all.join('\n----\n')).toBeDefined();
      expect(one).toMatch(/^X-Mail-Args: <zoe@example.org>/m);
      expect(one).toMatch(/^X-Rcpt-Args: <ann@example.test>$/m);
      expect(one).toContain(data.toString('utf8').replace(/\r\n/g, '\n'));
    });

    it("the relay's transport carries five messages over one smtp-sink session (PIPELINING)", async () => {
      const t = smtpTransport({ hostname: 'relay.test', tls: 'opportunistic', timeoutMs: 20_000 });
      try {
        for (let i = 0; i < 5; i++) {
          const r = await t({
            host: 'mx.example.test',
            address: LOOPBACK,
            port: sinkPort,
            from: 'zoe@example.org',
            recipients: [`reuse${i}@example.test`],
            message: bytesSource(message(`reuse ${i}`, `message ${i}\r\n`)),
          });
          expect(r).toMatchObject({ kind: 'done', data: { code: 250 } });
        }
        expect(t.stats()).toEqual({ opened: 1, reused: 4, waiting: 1 });
      } finally {
        await t.close();
      }
      for (let i = 0; i < 5; i++) {
        const one = dumped().find((d) => d.includes(`Subject: reuse ${i}\n`));
        expect(one, `reuse ${i}`).toMatch(new RegExp(`^X-Rcpt-Args: <reuse${i}@example\\.test>$`, 'm'));
      }
    });

    it('poste send: MX from a zone file, to the sink on --port', () => {
      const zone = join(work, 'example.test.zone');
      writeFileSync(
        zone,
        '$ORIGIN example.test.\n$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 60\n@ NS ns\n@ MX 10 mx\nmx A 127.0.0.1\nns A 127.0.0.1\n',
      );
      const data = message('send sink', 'via MX\r\n');
      const r = poste(['send', '--zone', zone, '--port', String(sinkPort), '--timeout', '20'], data);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.toString('utf8')).toMatch(
        /^ann@example\.test\tsent\tmx\.example\.test\.?\[127\.0\.0\.1\]\t250/,
      );
      const one = dumped().find((d) => d.includes('Subject: send sink'));
      expect(one).toBeDefined();
      expect(one).toContain(data.toString('utf8').replace(/\r\n/g, '\n'));
    });
  });

  describe('poste submit into aiosmtpd with AUTH', () => {
    let py: Proc | undefined;
    let pyPort: number;
    let out: string;
    beforeAll(async () => {
      pyPort = await freePort();
      out = join(work, 'aiosmtpd');
      mkdirSync(out);
      const script = join(work, 'aiosmtpd-driver.py');
      writeFileSync(
        script,
        `import json, os, signal, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
port, out = int(sys.argv[1]), sys.argv[2]
class Handler:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Handler.n += 1
        base = os.path.join(out, '%04d' % Handler.n)
        with open(base + '.json', 'w') as f:
            json.dump({'from': envelope.mail_from, 'to': envelope.rcpt_tos, 'user': session.login_data.decode() if isinstance(session.login_data, bytes) else session.login_data}, f)
        with open(base + '.tmp', 'wb') as f:
            f.write(envelope.original_content)
        os.rename(base + '.tmp', base + '.eml')
        return '250 2.0.0 OK'
def auth(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == b'ann' and data.password == b'pw'
    return AuthResult(success=ok, auth_data=data.login if ok else None)
c = Controller(Handler(), hostname='127.0.0.1', port=port, authenticator=auth, auth_required=True,
               auth_require_tls=False, enable_SMTPUTF8=True, decode_data=False)
c.start()
print('ready', flush=True)
signal.sigwait([signal.SIGTERM, signal.SIGINT])
c.stop()
`,
      );
      py = await start(PYTHON, [script, String(pyPort), out], (o) => o.includes('ready'));
    });
    afterAll(() => stop(py?.child));

    it('AUTH PLAIN or LOGIN, then the message byte for byte', () => {
      const pw = join(work, 'pw');
      writeFileSync(pw, 'pw\n');
      const data = message('submit aiosmtpd', 'Grüße\r\n..two dots\r\n');
      const r = poste(
        [
          'submit',
          '--host',
          LOOPBACK,
          '--port',
          String(pyPort),
          '--user',
          'ann',
          '--password-file',
          pw,
          '--timeout',
          '20',
        ],
        data,
      );
      expect(r.status, `${r.stderr}\n${py?.log()}`).toBe(0);
      const emls = readdirSync(out).filter((f) => f.endsWith('.eml'));
      expect(emls).toHaveLength(1);
      const got = readFileSync(join(out, emls[0] as string));
      expect(got.equals(data)).toBe(true);
      const env = JSON.parse(readFileSync(join(out, '0001.json'), 'utf8'));
      expect(env.from).toBe('zoe@example.org');
      expect(env.to).toEqual(['ann@example.test']);
    });
  });
});
