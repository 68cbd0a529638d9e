// The relay's transport keeps a connection for the next message to the same host: a burst
// goes over one session, concurrent deliveries each get their own, a connection the server
// closed (or closes with 421) is replaced at once, and close() says QUIT to those waiting.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TransportRequest } from '../../src/queue/index.js';
import { type SmtpTransport, smtpTransport } from '../../src/services/relay/transport.js';
import { bytesSource } from '../../src/smtp/index.js';
import { startSink, testMessage } from './mail-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function transport(
  o: { keepMs?: number; maxPerConnection?: number; closeWaitMs?: number } = {},
): SmtpTransport {
  const t = smtpTransport({ hostname: 'relay.test', tls: 'none', timeoutMs: 10_000, ...o });
  cleanups.push(() => t.close());
  return t;
}

function request(port: number, n: number): TransportRequest {
  return {
    host: 'mx.example.net',
    address: '127.0.0.1',
    port,
    from: 'a@example.org',
    recipients: [`r${n}@example.net`],
    message: bytesSource(testMessage(`m${n}`, `r${n}@example.net`)),
  };
}

/** Sends messages first … first + n − 1 one after the other; each must be accepted. */
async function sendAccepted(t: SmtpTransport, port: number, n: number, first = 0): Promise<void> {
  for (let i = first; i < first + n; i++)
    expect(await t(request(port, i))).toMatchObject({ kind: 'done', data: { code: 250 } });
}

/**
 * A minimal SMTP server that closes the connection after `closeAfter` messages (without a
 * word, as an idle timeout does), answers 421 to MAIL after `refuseAfter`, drops the
 * connection at MAIL after `dropAtMailAfter` (one that died unnoticed while it waited) or
 * just after accepting MAIL after `dropAfterMailAfter`, or never answers QUIT.
 */
async function rawServer(o: {
  closeAfter?: number;
  refuseAfter?: number;
  dropAtMailAfter?: number;
  dropAfterMailAfter?: number;
  ignoreQuit?: boolean;
}) {
  const stats = { connections: 0, messages: 0, open: 0 };
  const server = net.createServer((s) => {
    stats.connections++;
    stats.open++;
    s.on('close', () => stats.open--);
    let mine = 0;
    let inData = false;
    let buf = '';
    s.write('220 raw.test ESMTP\r\n');
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (let eol = buf.indexOf('\r\n'); eol >= 0; eol = buf.indexOf('\r\n')) {
        const line = buf.slice(0, eol);
        buf = buf.slice(eol + 2);
        if (inData) {
          if (line !== '.') continue;
          inData = false;
          mine++;
          stats.messages++;
          s.write('250 2.0.0 kept\r\n');
          if (o.closeAfter !== undefined && mine >= o.closeAfter) setTimeout(() => s.destroy(), 20);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') s.write('250-raw.test\r\n250 8BITMIME\r\n');
        else if (verb === 'MAIL' && o.dropAtMailAfter !== undefined && mine >= o.dropAtMailAfter) s.destroy();
        else if (verb === 'MAIL' && o.dropAfterMailAfter !== undefined && mine >= o.dropAfterMailAfter)
          s.end('250 2.1.0 ok\r\n', () => s.destroy());
        else if (verb === 'MAIL' && o.refuseAfter !== undefined && mine >= o.refuseAfter) {
          s.write('421 4.4.2 raw.test closing: idle too long\r\n');
          s.end();
        } else if (verb === 'DATA') {
          inData = true;
          s.write('354 go on\r\n');
        } else if (verb === 'QUIT') {
          if (o.ignoreQuit) continue;
          s.write('221 bye\r\n');
          s.end();
        } else s.write('250 ok\r\n');
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.unref();
      }),
  );
  return { port, stats };
}

describe('the relay transport', () => {
  it('sends a burst to one host over one connection, and says QUIT at close', async () => {
    const sink = await startSink('127.0.0.1');
    cleanups.push(() => sink.close());
    const t = transport();
    await sendAccepted(t, sink.port, 5);
    expect(sink.received.map((m) => m.to[0])).toEqual([0, 1, 2, 3, 4].map((i) => `r${i}@example.net`));
    expect(t.stats()).toEqual({ opened: 1, reused: 4, waiting: 1 });
    expect(sink.server.sessions).toBe(1);
    await t.close();
    expect(t.stats().waiting).toBe(0);
    await expect.poll(() => sink.server.sessions).toBe(0);
  });

  it('closes the connection when the message cannot be read, and keeps none', async () => {
    const sink = await startSink('127.0.0.1');
    cleanups.push(() => sink.close());
    const t = transport();
    const failing = (where: 'shape' | 'chunks'): TransportRequest => ({
      ...request(sink.port, 0),
      message: {
        size: 100,
        shape: async () => {
          if (where === 'shape') throw new Error('EIO: the spool file cannot be read');
          return { eightBit: false, utf8Header: false };
        },
        // biome-ignore lint/correctness/useYield: a source that fails before its first chunk
        async *chunks() {
          throw new Error('EIO: the spool file cannot be read');
        },
      },
    });
    // Before the transaction: the error, as the scheduler's attempt-error.
    await expect(t(failing('shape'))).rejects.toThrow(/EIO/);
    // In the middle of DATA: the session cannot go on; the message is tried again later.
    expect(await t(failing('chunks'))).toEqual({ kind: 'unreachable', reason: expect.stringMatching(/EIO/) });
    expect(t.stats().waiting).toBe(0);
    await expect.poll(() => sink.server.sessions).toBe(0);
    expect(sink.received).toHaveLength(0);
  });

  it('at close, leaves a server that does not answer QUIT after a while', async () => {
    const raw = await rawServer({ ignoreQuit: true });
    const t = transport({ closeWaitMs: 200 });
    expect(await t(request(raw.port, 0))).toMatchObject({ kind: 'done' });
    expect(raw.stats.open).toBe(1);
    // Without the wait, close() would hang until the socket's timeout (10 s here).
    await t.close();
    await expect.poll(() => raw.stats.open).toBe(0);
  });

  it('gives concurrent deliveries a connection each, then reuses them', async () => {
    const sink = await startSink('127.0.0.1');
    cleanups.push(() => sink.close());
    const t = transport();
    await Promise.all([0, 1, 2].map((i) => t(request(sink.port, i))));
    expect(t.stats()).toEqual({ opened: 3, reused: 0, waiting: 3 });
    await Promise.all([3, 4, 5].map((i) => t(request(sink.port, i))));
    expect(t.stats()).toEqual({ opened: 3, reused: 3, waiting: 3 });
    expect(sink.received).toHaveLength(6);
  });

  it('opens one connection per message with keepMs 0, and no more than maxPerConnection on one', async () => {
    const sink = await startSink('127.0.0.1');
    cleanups.push(() => sink.close());
    const none = transport({ keepMs: 0 });
    for (let i = 0; i < 3; i++) await none(request(sink.port, i));
    expect(none.stats()).toEqual({ opened: 3, reused: 0, waiting: 0 });
    const two = transport({ maxPerConnection: 2 });
    for (let i = 0; i < 5; i++) await two(request(sink.port, 10 + i));
    expect(two.stats()).toEqual({ opened: 3, reused: 2, waiting: 1 });
    expect(sink.received).toHaveLength(8);
  });

  it('forgets a kept connection the server has closed meanwhile', async () => {
    const raw = await rawServer({ closeAfter: 1 });
    const t = transport();
    for (let i = 0; i < 3; i++) {
      const r = await t(request(raw.port, i));
      expect(r).toMatchObject({ kind: 'done', data: { code: 250 } });
      await new Promise((r) => setTimeout(r, 80)); // the server closes 20 ms after each message
    }
    expect(raw.stats).toMatchObject({ connections: 3, messages: 3 });
    expect(t.stats()).toEqual({ opened: 3, reused: 0, waiting: 0 });
  });

  it('sends again over a fresh connection when a kept one breaks at MAIL', async () => {
    const raw = await rawServer({ dropAtMailAfter: 1 });
    const t = transport();
    await sendAccepted(t, raw.port, 3);
    expect(raw.stats).toMatchObject({ connections: 3, messages: 3 });
    expect(t.stats()).toEqual({ opened: 3, reused: 0, waiting: 1 });
  });

  it('does not send again at once when a kept connection breaks after the server answered', async () => {
    const raw = await rawServer({ dropAfterMailAfter: 1 });
    const t = transport();
    expect(await t(request(raw.port, 0))).toMatchObject({ kind: 'done' });
    // MAIL accepted, then the connection is gone: the scheduler retries it later.
    expect(await t(request(raw.port, 1))).toMatchObject({ kind: 'unreachable' });
    expect(raw.stats).toMatchObject({ connections: 1, messages: 1 });
    expect(t.stats()).toEqual({ opened: 1, reused: 1, waiting: 0 });
  });

  it('replaces a kept connection that says 421 at MAIL', async () => {
    const raw = await rawServer({ refuseAfter: 1 });
    const t = transport();
    await sendAccepted(t, raw.port, 3);
    expect(raw.stats).toMatchObject({ connections: 3, messages: 3 });
    expect(t.stats()).toEqual({ opened: 3, reused: 0, waiting: 1 });
  });
});
