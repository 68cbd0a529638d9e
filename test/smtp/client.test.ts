import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mime/index.js';
import {
  type Address,
  ClientSession,
  decodedBodyOf,
  downconvert8bit,
  ReplyParser,
  scanMessage,
} from './client-helpers.js';
import { exchange, harness } from './harness.js';

const addr = (local: string, domain = 'y.test'): Address => ({ local, domain });

describe('client session ↔ server session, in memory', () => {
  it('delivers any message intact, pipelined or not, in any chunking', async () => {
    const bodyArb = fc
      .array(fc.oneof(fc.constantFrom('.', '..', '\r\n', '\r\n.\r\n', '.\r\n', 'x', 'é', ' '), fc.string()), {
        maxLength: 40,
      })
      .map((a) => Buffer.from(a.join('')));
    await fc.assert(
      fc.asyncProperty(
        fc.array(bodyArb, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 64 }),
        async (bodies, pipelining, chunk) => {
          // Bare CR/LF are refused by the server (smuggling): mail on the wire is CRLF.
          const messages = bodies.map((b) =>
            Buffer.from(b.toString('latin1').replace(/\r?\n|\r/g, '\r\n'), 'latin1'),
          );
          const server = harness({ chunking: pipelining });
          const client = new ClientSession({ hostname: 'c.test', tls: 'none' });
          const jobs = messages.map((message) => ({
            tx: {
              from: addr('a', 'x.test'),
              recipients: [addr('b'), addr('c')],
              size: message.length,
              eightBit: true,
            },
            message,
            chunk,
          }));
          const { results, failures } = await exchange(client, server, jobs);
          expect(failures).toEqual([]);
          expect(results).toHaveLength(messages.length);
          expect(server.messages.map((m) => m.data.toString('latin1'))).toEqual(
            messages.map((m) =>
              (m.length === 0 || m.subarray(-2).toString() === '\r\n'
                ? m
                : Buffer.concat([m, Buffer.from('\r\n')])
              ).toString('latin1'),
            ),
          );
          for (const r of results) {
            expect(r.data?.code).toBe(250);
            expect(r.recipients.map((x) => x.reply.code)).toEqual([250, 250]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reports per-recipient results', async () => {
    const server = harness({}, (ask) => ({ ok: ask.kind !== 'rcpt' || ask.to.local !== 'gone' }));
    const client = new ClientSession({ hostname: 'c.test', tls: 'none' });
    const message = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    const { results } = await exchange(client, server, [
      { tx: { from: addr('a'), recipients: [addr('gone'), addr('b')] }, message },
      { tx: { from: addr('a'), recipients: [addr('gone')] }, message },
      { tx: { from: addr('a'), recipients: [addr('b')] }, message },
    ]);
    expect(results.map((r) => r.recipients.map((x) => x.reply.code))).toEqual([[550, 250], [550], [250]]);
    expect(results.map((r) => r.data?.code)).toEqual([250, undefined, 250]);
    expect(results[0]?.recipients[0]?.reply.enhanced).toBe('5.1.1');
    expect(server.messages).toHaveLength(2);
  });

  it('falls back to HELO and then sends no parameters', async () => {
    const client = new ClientSession({ hostname: 'c.test', tls: 'opportunistic' });
    const w = (s: string) => client.receive(Buffer.from(s));
    expect(w('220 old.test\r\n')).toMatchObject([{ type: 'write' }]);
    const helo = w('500 what?\r\n');
    expect(Buffer.from((helo[0] as { data: Uint8Array }).data).toString()).toBe('HELO c.test\r\n');
    expect(w('250 old.test\r\n')).toMatchObject([{ type: 'ready' }]);
    const mail = client.send({ from: addr('a'), recipients: [addr('b')], size: 10 });
    expect(Buffer.from((mail[0] as { data: Uint8Array }).data).toString()).toBe('MAIL FROM:<a@y.test>\r\n');
  });

  it('goes through STARTTLS and AUTH, and refuses what the server cannot take', async () => {
    const server = harness({ auth: ['PLAIN', 'LOGIN'], limits: { maxMessageSize: 1000 } }, (ask) => ({
      ok: ask.kind !== 'auth' || (ask.username === 'u' && ask.password === 'pw'),
    }));
    const client = new ClientSession({
      hostname: 'c.test',
      tls: 'required',
      auth: { username: 'u', password: 'pw' },
    });
    const small = Buffer.from('x\r\n');
    const { results, failures } = await exchange(client, server, [
      { tx: { from: addr('a'), recipients: [addr('b')], size: 5000 }, message: small },
      { tx: { from: addr('a'), recipients: [addr('jö')] }, message: small },
      { tx: { from: addr('a'), recipients: [addr('b')], size: 3 }, message: small },
    ]);
    expect(server.tlsStarts).toBe(1);
    expect(client.tls).toBe(true);
    expect(failures.map((f) => (f as { reply: { code: number } }).reply.code)).toEqual([552]);
    expect(results.map((r) => r.data?.code)).toEqual([250, 250]);
    expect(server.messages[0]?.envelope.user).toBe('u');
    expect(server.messages[0]?.envelope.mailParams.smtputf8).toBe(true);
  });

  it('fails when TLS is required and not offered, or AUTH is refused', async () => {
    const plain = harness({ starttls: false });
    const c1 = new ClientSession({ hostname: 'c.test', tls: 'required' });
    const r1 = await exchange(c1, plain, []);
    expect(r1.failures).toMatchObject([{ stage: 'starttls', permanent: true }]);
    const s2 = harness({ auth: ['PLAIN'], secure: true }, (a) => ({ ok: a.kind !== 'auth' }));
    const c2 = new ClientSession({
      hostname: 'c.test',
      tls: 'implicit',
      auth: { username: 'u', password: 'x' },
    });
    const r2 = await exchange(c2, s2, []);
    expect(r2.failures).toMatchObject([{ stage: 'auth', permanent: true, reply: { code: 535 } }]);
  });

  it('a reply parser fed by a server never sees malformed replies', () => {
    const p = new ReplyParser();
    expect(p.push(Buffer.from('220 x\r\n'))).toEqual([{ code: 220, lines: ['x'] }]);
  });
});

describe('8BITMIME down-conversion', () => {
  it('re-encodes 8-bit text as quoted-printable and other parts as base64, same content', () => {
    const msg = Buffer.from(
      'From: a@x.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
        '--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n.leading dot\r\n' +
        '--b\r\nContent-Type: application/octet-stream\r\n\r\n\u00ff\u00fe\r\n--b--\r\n',
      'utf8',
    );
    expect(scanMessage(msg)).toEqual({ eightBit: true, utf8Header: false });
    const out = downconvert8bit(msg);
    expect(scanMessage(out).eightBit).toBe(false);
    expect(Buffer.from(out).toString()).toContain('Content-Transfer-Encoding: quoted-printable');
    expect(Buffer.from(out).toString()).toContain('Content-Transfer-Encoding: base64');
    const a = parseMessage(msg).root;
    const b = parseMessage(out).root;
    for (const i of [0, 1]) {
      expect(Buffer.from(decodedBodyOf(b.parts[i])).equals(Buffer.from(decodedBodyOf(a.parts[i])))).toBe(
        true,
      );
    }
    const seven = Buffer.from('Subject: x\r\n\r\nplain\r\n');
    expect(downconvert8bit(seven)).toBe(seven);
    expect(scanMessage(Buffer.from('Subject: é\r\n\r\nx\r\n'))).toEqual({
      eightBit: false,
      utf8Header: true,
    });
  });
});
