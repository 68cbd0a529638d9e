// The submission service on loopback: AUTH only under TLS (or loopback when allowed), never
// an open relay, the envelope sender and From bound to the authenticated user, accepted mail
// at the next hop with a Received field, and a 451 when the next hop is down.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/services/config.js';
import { silentLogger } from '../../src/services/log.js';
import { deliver } from '../../src/services/smtp-client/index.js';
import {
  ownsAddress,
  type SubmissionConfig,
  startSubmission,
  submissionSchema,
  submissionService,
} from '../../src/services/submission/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { addr, type Sink, startSink } from './mail-helpers.js';
import { connect, makeCert, say } from './smtp-helpers.js';

let dir: string;
let store: Store;
let cert: ReturnType<typeof makeCert>;
let sink: Sink;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'poste-submission-'));
  store = await openStore(join(dir, 'store'), { create: true, scrypt: { N: 1024, r: 8, p: 1 } });
  await store.addDomain('example.org');
  await store.addUser('ada@example.org', 'ada-secret');
  await store.addUser('bob@example.org', 'bob-secret');
  await store.addAlias('info@example.org', ['ada@example.org']);
  await store.addAlias('@example.org', ['bob@example.org']);
  cert = makeCert(mkdtempSync(join(dir, 'cert-')));
  sink = await startSink('127.0.0.1');
});
afterAll(async () => {
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  while (cleanup.length) await (cleanup.pop() as () => Promise<void>)().catch(() => {});
  sink.received.length = 0;
});

async function start(extra: { authPlaintextLoopback?: boolean; nextPort?: number } = {}) {
  const s = await startSubmission({
    hostname: 'mail.example.org',
    listen: { host: '127.0.0.1', port: 0 },
    listenTls: { host: '127.0.0.1', port: 0 },
    tlsFiles: { cert: cert.certPath, key: cert.keyPath },
    store,
    next: { host: '127.0.0.1', port: extra.nextPort ?? sink.port },
    authPlaintextLoopback: extra.authPlaintextLoopback ?? false,
    log: silentLogger,
  });
  cleanup.push(() => s.close());
  return {
    s,
    port: s.listeners.submission?.port as number,
    tlsPort: s.listeners.submissions?.port as number,
  };
}

/** The message with its header fields unfolded. */
function unfold(data: Buffer | undefined): string {
  return (data ?? Buffer.alloc(0)).toString('utf8').replace(/\r\n[ \t]+/g, ' ');
}

function message(from: string, extra = ''): Buffer {
  return Buffer.from(
    `From: Ada <${from}>\r\nTo: x@example.net\r\nSubject: hi\r\nMessage-ID: <m1@example.org>\r\n${extra}\r\nhello\r\n`,
  );
}

async function submit(
  port: number,
  o: {
    user?: string;
    password?: string;
    from?: string;
    to?: string[];
    message?: Buffer;
    tls?: 'required' | 'implicit' | 'none';
  } = {},
) {
  const out = await deliver({
    host: '127.0.0.1',
    port,
    tls: o.tls ?? 'required',
    verifyCertificate: false,
    hostname: 'client.test',
    ...(o.user ? { auth: { username: o.user, password: o.password ?? '' } } : {}),
    from: addr(o.from ?? 'ada@example.org'),
    recipients: (o.to ?? ['x@example.net']).map(addr),
    message: o.message ?? message(o.from ?? 'ada@example.org'),
    timeoutMs: 10_000,
  });
  const failed =
    out.failure?.reply ??
    (out.result && out.result.mail.code >= 400 ? out.result.mail : undefined) ??
    out.result?.recipients.find((r) => r.reply.code >= 400)?.reply;
  return { out, code: out.result?.data?.code ?? failed?.code, reply: out.result?.data ?? failed };
}

describe('submission', () => {
  it('does not offer AUTH before STARTTLS and refuses unauthenticated mail', async () => {
    const { port } = await start();
    const c = await connect(port);
    try {
      expect(await c.reply()).toMatch(/^220 /);
      const ehlo = await say(c, 'EHLO client.test');
      expect(ehlo).toContain('STARTTLS');
      expect(ehlo).not.toMatch(/AUTH/);
      expect(await say(c, 'AUTH PLAIN AGFkYUBleGFtcGxlLm9yZwBhZGEtc2VjcmV0')).toMatch(/^538 /);
      expect(await say(c, 'MAIL FROM:<ada@example.org>')).toMatch(/^530 /);
      expect(await say(c, 'RCPT TO:<x@example.net>')).toMatch(/^5\d\d /);
      // Under TLS, AUTH is offered.
      expect(await say(c, 'STARTTLS')).toMatch(/^220 /);
      await c.starttls();
      const ehlo2 = await say(c, 'EHLO client.test');
      expect(ehlo2).toMatch(/AUTH PLAIN LOGIN/);
      expect(await say(c, 'MAIL FROM:<ada@example.org>')).toMatch(/^530 /);
      expect(await say(c, 'QUIT')).toMatch(/^221 /);
    } finally {
      c.end();
    }
    expect(sink.received).toHaveLength(0);
  });

  it('refuses a submission without AUTH, even to a hosted domain (never an open relay)', async () => {
    const { port } = await start();
    const r = await submit(port, { to: ['bob@example.org'] });
    expect(r.code).toBe(530);
    expect(sink.received).toHaveLength(0);
  });

  it('answers a wrong password with 535', async () => {
    const { port, s } = await start();
    const r = await submit(port, { user: 'ada@example.org', password: 'wrong' });
    expect(r.code).toBe(535);
    const unknown = await submit(port, { user: 'nobody@example.org', password: 'x' });
    expect(unknown.code).toBe(535);
    expect(s.state().authFailed).toBe(2);
    expect(sink.received).toHaveLength(0);
  });

  it('accepts mail from an authenticated user under STARTTLS, with a Received field', async () => {
    const { port } = await start();
    const r = await submit(port, { user: 'ada@example.org', password: 'ada-secret' });
    expect(r.code).toBe(250);
    expect(sink.received).toHaveLength(1);
    const got = sink.received[0]!;
    expect(got.from).toBe('ada@example.org');
    expect(got.to).toEqual(['x@example.net']);
    const text = unfold(got.data);
    expect(text).toMatch(
      /^Received: from client\.test \(\[127\.0\.0\.1\]\) by mail\.example\.org \(poste\) with ESMTPSA id \w+ for <x@example\.net>; /,
    );
    expect(text).toContain('\r\nFrom: Ada <ada@example.org>\r\n');
    expect(text).toContain('\r\n\r\nhello\r\n');
  });

  it('accepts mail over implicit TLS (465)', async () => {
    const { tlsPort } = await start();
    const r = await submit(tlsPort, {
      user: 'bob@example.org',
      password: 'bob-secret',
      from: 'bob@example.org',
      tls: 'implicit',
    });
    expect(r.code).toBe(250);
    expect(unfold(sink.received[0]?.data)).toMatch(/by mail\.example\.org \(poste\) with ESMTPSA id/);
  });

  it('offers AUTH in plain text to loopback clients only when told to', async () => {
    const { port } = await start({ authPlaintextLoopback: true });
    const c = await connect(port);
    try {
      await c.reply();
      expect(await say(c, 'EHLO client.test')).toMatch(/AUTH PLAIN LOGIN/);
    } finally {
      c.end();
    }
    const r = await submit(port, { user: 'ada@example.org', password: 'ada-secret', tls: 'none' });
    expect(r.code).toBe(250);
    expect(unfold(sink.received[0]?.data)).toMatch(/with ESMTPA id/);
  });

  it('refuses MAIL FROM of another user, allows own aliases and subaddresses', async () => {
    const { port } = await start();
    const other = await submit(port, {
      user: 'ada@example.org',
      password: 'ada-secret',
      from: 'bob@example.org',
    });
    expect(other.code).toBe(553);
    const remote = await submit(port, {
      user: 'ada@example.org',
      password: 'ada-secret',
      from: 'ada@example.net',
    });
    expect(remote.code).toBe(553);
    expect(sink.received).toHaveLength(0);
    const alias = await submit(port, {
      user: 'ada@example.org',
      password: 'ada-secret',
      from: 'info@EXAMPLE.org',
    });
    expect(alias.code).toBe(250);
    const sub = await submit(port, {
      user: 'ada@example.org',
      password: 'ada-secret',
      from: 'Ada+lists@example.org',
    });
    expect(sub.code).toBe(250);
    expect(sink.received).toHaveLength(2);
  });

  it('refuses a From field of another domain or user after DATA (550 5.7.1)', async () => {
    const { port } = await start();
    const foreign = await submit(port, {
      user: 'ada@example.org',
      password: 'ada-secret',
      message: message('ceo@bank.example'),
    });
    expect(foreign.code).toBe(550);
    expect(foreign.reply?.enhanced).toBe('5.7.1');
    const otherUser = await submit(port, {
      user: 'ada@example.org',
      password: 'ada-secret',
      message: message('bob@example.org'),
    });
    expect(otherUser.code).toBe(550);
    const twoFroms = await submit(port, {
      user: 'ada@example.org',
      password: 'ada-secret',
      message: message('ada@example.org', 'From: bob@example.org\r\n'),
    });
    expect(twoFroms.code).toBe(550);
    const badSender = await submit(port, {
      user: 'ada@example.org',
      password: 'ada-secret',
      message: message('ada@example.org', 'Sender: bob@example.org\r\n'),
    });
    expect(badSender.code).toBe(550);
    expect(sink.received).toHaveLength(0);
  });

  it('answers 451 when the next hop is down, and loses nothing said as accepted', async () => {
    const closed = createServer();
    const port = await new Promise<number>((r) =>
      closed.listen(0, '127.0.0.1', () => r((closed.address() as { port: number }).port)),
    );
    await new Promise<void>((r) => closed.close(() => r()));
    const { port: subPort } = await start({ nextPort: port });
    const r = await submit(subPort, { user: 'ada@example.org', password: 'ada-secret' });
    expect(r.code).toBe(451);
  });

  it('passes the next hop refusal on', async () => {
    const { port } = await start();
    sink.answer = () => ({ code: 554, enhanced: '5.6.0', lines: ['no thanks'] });
    try {
      const r = await submit(port, { user: 'ada@example.org', password: 'ada-secret' });
      expect(r.code).toBe(554);
    } finally {
      sink.answer = () => undefined;
    }
  });

  it('ownsAddress: the user, subaddresses and explicit aliases, never a catch-all', () => {
    expect(ownsAddress(store, 'ada@example.org', 'ADA@Example.Org')).toBe(true);
    expect(ownsAddress(store, 'ada@example.org', 'ada+x@example.org')).toBe(true);
    expect(ownsAddress(store, 'ada@example.org', 'info@example.org')).toBe(true);
    expect(ownsAddress(store, 'ada@example.org', 'info+x@example.org')).toBe(true);
    expect(ownsAddress(store, 'bob@example.org', 'info@example.org')).toBe(false);
    // bob is the catch-all's target: that does not make every address his.
    expect(ownsAddress(store, 'bob@example.org', 'anything@example.org')).toBe(false);
    expect(ownsAddress(store, 'ada@example.org', 'not an address')).toBe(false);
  });
});

describe('submissionService', () => {
  it('checks its config: defaults, addresses, unknown keys refused', () => {
    const c = checkConfig<SubmissionConfig>(
      submissionSchema,
      {
        hostname: 'mail.example.org',
        listen: '127.0.0.1:587',
        tls: { cert: 'cert.pem', key: 'key.pem' },
        store: 'store',
        next: '127.0.0.1:10025',
      },
      'submission',
    );
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 587 });
    expect(c.authPlaintextLoopback).toBe(false);
    expect(c.maxSize).toBe(52_428_800);
    expect(() =>
      checkConfig(
        submissionSchema,
        { ...c, listen: '127.0.0.1:587', next: '127.0.0.1:1', lsiten: 1 },
        'submission',
      ),
    ).toThrow(/submission\.lsiten: unknown key/);
    expect(() => checkConfig(submissionSchema, { hostname: 'x' }, 'submission')).toThrow(
      /submission\.listen: missing/,
    );
  });

  it('starts from a config with paths relative to its directory', async () => {
    const config = checkConfig<SubmissionConfig>(
      submissionSchema,
      {
        hostname: 'mail.example.org',
        listen: '127.0.0.1:0',
        tls: { cert: cert.certPath, key: cert.keyPath },
        store: 'store',
        next: `127.0.0.1:${sink.port}`,
      },
      'submission',
    );
    const s = await submissionService.start(config, { log: silentLogger, baseDir: dir });
    cleanup.push(() => s.close());
    const r = await submit(s.listeners.submission?.port as number, {
      user: 'ada@example.org',
      password: 'ada-secret',
    });
    expect(r.code).toBe(250);
    expect(submissionService.paths?.(config, dir).read).toContain(join(dir, 'store'));
  });
});
