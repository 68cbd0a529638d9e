import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Maildir } from '../../src/maildir/index.js';
import { createLogger } from '../../src/services/log.js';
import {
  type SmtpServer,
  type SmtpServerOptions,
  startSmtpServer,
} from '../../src/services/smtp-server/index.js';
import { maildirHandlers } from '../../src/services/smtp-server/maildir-sink.js';
import { hashPassword, Users } from '../../src/services/smtp-server/users.js';
import { connect, connectTls, makeCert, say } from './smtp-helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const root = mkdtempSync(join(tmpdir(), 'poste-smtp-srv-'));
let cert: ReturnType<typeof makeCert>;
let users: Users;
const servers: SmtpServer[] = [];

beforeAll(async () => {
  cert = makeCert(root);
  users = Users.parse(`# test users\nann:${await hashPassword('pw', { N: 1024, r: 8, p: 1 })}\n`);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
async function start(extra: Partial<SmtpServerOptions> = {}) {
  const dir = join(root, `box${n++}`);
  const maildir = await Maildir.create(dir);
  const lines: Record<string, unknown>[] = [];
  const server = await startSmtpServer({
    host: '127.0.0.1',
    port: 0,
    hostname: 'mx.test',
    tls: { key: cert.key, cert: cert.cert },
    handlers: maildirHandlers({ maildir, hostname: 'mx.test', users }),
    log: createLogger('test', (l) => lines.push(JSON.parse(l))),
    ...extra,
  });
  servers.push(server);
  const newMail = () => readdirSync(join(dir, 'new')).map((f) => readFileSync(join(dir, 'new', f), 'utf8'));
  return { server, port: server.address.port, dir, lines, newMail };
}

describe('SMTP server shell', () => {
  it('delivers into the maildir with Return-Path and Received, and logs one line per event', async () => {
    const { port, newMail, lines } = await start();
    const c = await connect(port);
    expect(await c.reply()).toMatch(/^220 mx.test ESMTP/);
    expect(await say(c, 'EHLO client.test')).toContain('250-PIPELINING');
    c.write('MAIL FROM:<x@y.test>\r\nRCPT TO:<ann@mx.test>\r\nRCPT TO:<bob@mx.test>\r\nDATA\r\n');
    expect(await c.reply()).toMatch(/^250 /);
    expect(await c.reply()).toMatch(/^250 /);
    expect(await c.reply()).toMatch(/^550 5\.1\.1/);
    expect(await c.reply()).toMatch(/^354 /);
    expect(await say(c, 'Subject: hi\r\n\r\n..body\r\n.')).toMatch(/^250 2\.0\.0 OK queued as /);
    expect(await say(c, 'QUIT')).toMatch(/^221 /);
    await c.closed;
    const m = newMail()[0]?.replace(/\r\n /g, ' ');
    expect(m).toMatch(
      /^Return-Path: <x@y\.test>\r\nReceived: from client\.test \(\[127\.0\.0\.1\]\) by mx\.test \(poste\) with ESMTP id \S+ for <ann@mx\.test>; .*\r\nSubject: hi\r\n\r\n\.body\r\n$/,
    );
    const events = lines.map((l) => l.event);
    expect(events).toEqual(
      expect.arrayContaining(['listening', 'session', 'refused', 'message', 'session-end']),
    );
    expect(lines.find((l) => l.event === 'message')).toMatchObject({
      from: 'x@y.test',
      to: ['ann@mx.test'],
      size: 22,
    });
  });

  it('ignores commands pipelined after STARTTLS, then authenticates over TLS', async () => {
    const { port, newMail } = await start();
    const c = await connect(port);
    await c.reply();
    const ehlo = await say(c, 'EHLO c');
    expect(ehlo).toContain('STARTTLS');
    expect(ehlo).not.toContain('AUTH');
    expect(await say(c, `AUTH PLAIN ${b64('\0ann\0pw')}`)).toMatch(/^538 5\.7\.11/);
    c.write('STARTTLS\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<ann@mx.test>\r\n');
    expect(await c.reply()).toMatch(/^220 2\.0\.0/);
    await c.starttls();
    // The injected MAIL was dropped: RCPT now has no transaction.
    expect(await say(c, 'RCPT TO:<ann@mx.test>')).toMatch(/^503 /);
    const ehlo2 = await say(c, 'EHLO c');
    expect(ehlo2).toContain('AUTH PLAIN LOGIN');
    expect(ehlo2).not.toContain('STARTTLS');
    expect(await say(c, `AUTH PLAIN ${b64('\0ann\0nope')}`)).toMatch(/^535 /);
    expect(await say(c, `AUTH PLAIN ${b64('\0ann\0pw')}`)).toMatch(/^235 /);
    // Authenticated: any recipient.
    c.write('MAIL FROM:<ann@mx.test>\r\nRCPT TO:<far@away.test>\r\nDATA\r\n');
    for (const code of ['250', '250', '354']) expect(await c.reply()).toMatch(new RegExp(`^${code} `));
    expect(await say(c, 'Subject: tls\r\n\r\nx\r\n.')).toMatch(/^250 /);
    c.end();
    expect(newMail()[0]).toMatch(/with ESMTPSA id/);
  });

  it('speaks TLS from the first byte (implicit TLS)', async () => {
    const { port } = await start({ implicitTls: true });
    const c = await connectTls(port);
    expect(await c.reply()).toMatch(/^220 /);
    expect(await say(c, 'EHLO c')).toContain('AUTH PLAIN LOGIN');
    expect(await say(c, 'QUIT')).toMatch(/^221 /);
  });

  it('cuts a client that sends one byte at a time with 421 (short injected timeout)', async () => {
    const { port, lines } = await start({ limits: { commandTimeoutMs: 300, dataTimeoutMs: 300 } });
    const c = await connect(port);
    await c.reply();
    const bytes = 'EHLO slow.client.test\r\n';
    let stop = false;
    void (async () => {
      for (const ch of bytes) {
        if (stop) return;
        c.write(ch);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    // The timer restarts on replies only, so the dribble never completes in time.
    const r = await c.reply();
    stop = true;
    expect(r).toMatch(/^421 4\.4\.2/);
    await c.closed;
    expect(lines.find((l) => l.event === 'session-end')).toMatchObject({ reason: 'timeout' });
  });

  it('serves 20 concurrent sessions from one address, and refuses past the per-client limit', async () => {
    const { port, newMail } = await start();
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(port)));
    await Promise.all(
      clients.map(async (c, i) => {
        expect(await c.reply()).toMatch(/^220 /);
        c.write(`EHLO c${i}\r\nMAIL FROM:<x@y.test>\r\nRCPT TO:<ann@mx.test>\r\nDATA\r\n`);
        for (let k = 0; k < 4; k++) await c.reply();
        expect(await say(c, `Subject: ${i}\r\n\r\nbody\r\n.`)).toMatch(/^250 /);
        expect(await say(c, 'QUIT')).toMatch(/^221 /);
      }),
    );
    expect(newMail()).toHaveLength(20);
    const limited = await start({ maxConnectionsPerClient: 2 });
    const a = await connect(limited.port);
    const b = await connect(limited.port);
    const c = await connect(limited.port);
    expect(await a.reply()).toMatch(/^220 /);
    expect(await b.reply()).toMatch(/^220 /);
    expect(await c.reply()).toMatch(/^421 4\.7\.0/);
    await c.closed;
    a.end();
    b.end();
  });

  it('on close() lets a message in transfer finish, then says 421 and stops', async () => {
    const { server, port, newMail } = await start();
    const idle = await connect(port);
    const busy = await connect(port);
    await idle.reply();
    await busy.reply();
    await say(idle, 'EHLO idle');
    busy.write('EHLO busy\r\nMAIL FROM:<x@y.test>\r\nRCPT TO:<ann@mx.test>\r\nDATA\r\n');
    for (let k = 0; k < 4; k++) await busy.reply();
    busy.write('Subject: in flight\r\n\r\nfirst half\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close();
    expect(await idle.reply()).toMatch(/^421 4\.3\.2/);
    busy.write('second half\r\n.\r\n');
    expect(await busy.reply()).toMatch(/^250 /);
    expect(await busy.reply()).toMatch(/^421 4\.3\.2/);
    await closing;
    expect(newMail()[0]).toContain('first half\r\nsecond half\r\n');
  });
});
