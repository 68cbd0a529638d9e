import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Ask, ServerSession } from '../../src/smtp/index.js';
import { codes, harness, run } from './harness.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('server session', () => {
  it('runs a whole transaction and streams the unstuffed message', async () => {
    const h = harness();
    const out = await run(
      h,
      'EHLO client.test\r\nMAIL FROM:<a@x.test> SIZE=30 BODY=8BITMIME\r\nRCPT TO:<b@y.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@y.test\r\n' +
        'DATA\r\nSubject: hi\r\n\r\n..dot\r\n.\r\nQUIT\r\n',
    );
    expect(codes(out)).toEqual([220, 250, 250, 250, 354, 250, 221]);
    expect(out).toMatch(/250-PIPELINING\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n/);
    expect(out).toMatch(/250[- ]STARTTLS\r\n/);
    expect(out).not.toContain('AUTH');
    expect(h.messages).toHaveLength(1);
    const m = h.messages[0];
    expect(m?.data.toString()).toBe('Subject: hi\r\n\r\n.dot\r\n');
    expect(m?.envelope.from).toEqual({ local: 'a', domain: 'x.test' });
    expect(m?.envelope.mailParams).toEqual({ size: 30, body: '8BITMIME' });
    expect(m?.envelope.recipients[0]?.params).toEqual({
      notify: ['SUCCESS', 'FAILURE'],
      orcpt: 'rfc822;b@y.test',
    });
    expect(h.closed).toBe('quit');
  });

  it('answers pipelined commands in order, through an async policy', async () => {
    const h = harness({}, async (ask: Ask) => {
      await new Promise((r) => setTimeout(r, 1));
      if (ask.kind === 'rcpt' && ask.to.local === 'nobody') return { ok: false };
      return { ok: true };
    });
    const out = await run(
      h,
      'EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<nobody@y.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nx\r\n.\r\nNOOP\r\n',
    );
    expect(codes(out)).toEqual([220, 250, 250, 550, 250, 354, 250, 250]);
    expect(h.messages[0]?.envelope.recipients.map((r) => r.address.local)).toEqual(['b']);
  });

  it('enforces the order of commands', async () => {
    const h = harness();
    const out = await run(
      h,
      'MAIL FROM:<a@x.test>\r\nEHLO c\r\nRCPT TO:<b@y.test>\r\nDATA\r\nMAIL FROM:<a@x.test>\r\nMAIL FROM:<a@x.test>\r\nDATA\r\nRSET\r\nFOO\r\nVRFY bob\r\nEXPN list\r\n',
    );
    expect(codes(out)).toEqual([220, 503, 250, 503, 503, 250, 503, 554, 250, 500, 252, 502]);
  });

  it('receives BDAT chunks (RFC 3030) and refuses DATA and BDAT mixed', async () => {
    const h = harness();
    const out = await run(
      h,
      'EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nBDAT 4\r\nab\r\nBDAT 3 LAST\r\n.\r\nBDAT 0 LAST\r\n',
      [3],
    );
    expect(codes(out)).toEqual([220, 250, 250, 250, 250, 250, 503]);
    expect(h.messages[0]?.data.toString()).toBe('ab\r\n.\r\n');
    expect(h.messages[0]?.envelope.transfer).toBe('BDAT');
  });

  it('refuses MAIL parameters it does not know, and SIZE over the limit', async () => {
    const h = harness({ limits: { maxMessageSize: 100 } });
    const out = await run(
      h,
      'EHLO c\r\nMAIL FROM:<a@x.test> FOO=1\r\nMAIL FROM:<a@x.test> SIZE=101\r\nMAIL FROM:<a@x.test> BODY=BINARYMIME\r\nMAIL FROM:<jö@x.test>\r\nMAIL FROM:<jö@x.test> SMTPUTF8\r\nRCPT TO:<ü@y.test>\r\n',
    );
    expect(codes(out)).toEqual([220, 250, 555, 552, 555, 553, 250, 250]);
  });

  it('refuses a message over the size limit after reading it (552)', async () => {
    const h = harness({ limits: { maxMessageSize: 10 } });
    const out = await run(
      h,
      `EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n${'x'.repeat(100)}\r\n.\r\nNOOP\r\n`,
    );
    expect(codes(out)).toEqual([220, 250, 250, 250, 354, 552, 250]);
    expect(h.messages).toHaveLength(0);
    expect(h.aborts).toEqual(['too big']);
  });

  it('times out with 421 (the shell calls timeout(), a slow client never finishes)', async () => {
    const h = harness({ limits: { commandTimeoutMs: 10, dataTimeoutMs: 20 } });
    await run(h, 'EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nSub');
    expect(h.session.timeoutMs).toBe(20);
    await run(h, 'j'); // one byte, then silence
    const { drive } = await import('../../src/smtp/index.js');
    await drive(h.session, h.session.timeout(), {
      write: () => {},
      decide: () => ({ ok: true }),
      close: () => {},
    });
    expect(h.session.closed).toBe(true);
    expect(h.session.feed(Buffer.from('.\r\n'))).toEqual([]);
  });
});

describe('server limits and attacks', () => {
  it('answers an over-long command line with 500, with bounded memory (1 MB line)', async () => {
    const h = harness();
    const out = await run(h, `EHLO c\r\nMAIL FROM:<${'a'.repeat(1 << 20)}@x.test>\r\nNOOP\r\n`, [65536]);
    expect(codes(out)).toEqual([220, 250, 500, 250]);
  });

  it('takes 100 recipients, then 452; 10,000 RCPTs end in 421 and close', async () => {
    const h = harness();
    const rcpts = Array.from({ length: 10_000 }, (_, i) => `RCPT TO:<u${i}@y.test>\r\n`).join('');
    const out = await run(h, `EHLO c\r\nMAIL FROM:<a@x.test>\r\n${rcpts}`, [4096]);
    const c = codes(out);
    expect(c.slice(3, 103).every((x) => x === 250)).toBe(true);
    expect(c[103]).toBe(452);
    expect(out).toContain('452 4.5.3 Too many recipients');
    // 1000 overshoots are tolerated, then each counts as an error: 20 allowed, then 421.
    expect(c.at(-1)).toBe(421);
    expect(c.length).toBe(3 + 100 + 1000 + 21 + 1);
    expect(h.closed).toBe('too many errors');
  });

  it('closes after too many errors (421)', async () => {
    const h = harness({ limits: { maxErrors: 3 } });
    const out = await run(h, 'A\r\nB\r\nC\r\nD\r\nE\r\n');
    expect(codes(out)).toEqual([220, 500, 500, 500, 500, 421]);
  });

  it.each([['\n.\r\n'], ['\r.\r\n'], ['\n.\n'], ['\r\n.\n'], ['\r.\r']])(
    'refuses a message containing the smuggling sequence %j (550) and executes nothing inside',
    async (seq) => {
      const h = harness();
      const out = await run(
        h,
        `EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nhi${seq}MAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@y.test>\r\nDATA\r\nspoofed\r\n.\r\nNOOP\r\n`,
      );
      expect(codes(out)).toEqual([220, 250, 250, 250, 354, 550, 250]);
      expect(out).toContain('550 5.5.2');
      expect(h.messages).toHaveLength(0);
    },
  );

  it('discards commands pipelined after STARTTLS (RFC 3207 §4.2: no injection)', async () => {
    const h = harness();
    const out = await run(h, 'EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<v@y.test>\r\n');
    expect(codes(out)).toEqual([220, 250, 220]);
    expect(h.tlsStarts).toBe(1);
    expect(h.session.tls).toBe(true);
    // After the handshake the session starts over: no HELO, no transaction.
    const after = await run(h, 'RCPT TO:<v@y.test>\r\nEHLO c\r\n');
    expect(codes(after.slice(out.length))).toEqual([503, 250]);
    expect(after.slice(out.length)).not.toContain('STARTTLS');
  });

  it('does not offer AUTH before TLS and refuses it (538)', async () => {
    const h = harness({ auth: ['PLAIN', 'LOGIN'] });
    const out = await run(h, `EHLO c\r\nAUTH PLAIN ${b64('\0u\0p')}\r\n`);
    expect(out).not.toContain('AUTH');
    expect(codes(out)).toEqual([220, 250, 538]);
  });

  it('authenticates with PLAIN and LOGIN once TLS is on (or on loopback when configured)', async () => {
    const asks: Ask[] = [];
    const decide = (a: Ask) => {
      asks.push(a);
      return { ok: a.kind !== 'auth' || a.password === 'secret' };
    };
    const h = harness({ auth: ['PLAIN', 'LOGIN'], secure: true, requireAuth: true }, decide);
    const out = await run(
      h,
      `EHLO c\r\nMAIL FROM:<a@x.test>\r\nAUTH PLAIN ${b64('\0u\0wrong')}\r\nAUTH LOGIN\r\n${b64('u')}\r\n${b64('secret')}\r\nMAIL FROM:<a@x.test>\r\n`,
    );
    expect(out).toMatch(/250[- ]AUTH PLAIN LOGIN\r\n/);
    expect(codes(out)).toEqual([220, 250, 530, 535, 334, 334, 235, 250]);
    expect(asks.filter((a) => a.kind === 'auth').map((a) => (a.kind === 'auth' ? a.username : ''))).toEqual([
      'u',
      'u',
    ]);
    const l = harness({ auth: ['PLAIN'], authWithoutTls: true });
    const lo = await run(l, `EHLO c\r\nAUTH PLAIN\r\n${b64('\0u\0p')}\r\nAUTH PLAIN *\r\n`);
    expect(codes(lo)).toEqual([220, 250, 334, 235, 503]);
  });

  it('never throws, whatever the bytes and the chunking', async () => {
    const alphabet = fc.constantFrom(
      'EHLO x\r\n',
      'HELO x\r\n',
      'MAIL FROM:<a@b.c>\r\n',
      'RCPT TO:<d@e.f>\r\n',
      'DATA\r\n',
      'BDAT 3\r\n',
      'BDAT 2 LAST\r\n',
      '.\r\n',
      '\r\n.\r\n',
      '\n',
      '\r',
      '.',
      'RSET\r\n',
      'STARTTLS\r\n',
      'AUTH PLAIN\r\n',
      'AUTH LOGIN\r\n',
      '*\r\n',
      'QUIT\r\n',
      '\xff\xfe',
    );
    const inputArb = fc.oneof(
      fc.array(alphabet, { maxLength: 30 }).map((a) => Buffer.from(a.join(''), 'latin1')),
      fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
    );
    await fc.assert(
      fc.asyncProperty(
        inputArb,
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 5 }),
        async (input, sizes) => {
          const h = harness({
            auth: ['PLAIN', 'LOGIN'],
            authWithoutTls: true,
            limits: { maxLine: 64, maxMessageSize: 50 },
          });
          await run(h, input, sizes);
          // Chunk-split invariance: the same bytes in one piece give the same output. (Not
          // across STARTTLS: what follows it in another read belongs to the TLS layer.)
          if (input.includes('STARTTLS')) return;
          const whole = harness({
            auth: ['PLAIN', 'LOGIN'],
            authWithoutTls: true,
            limits: { maxLine: 64, maxMessageSize: 50 },
          });
          await run(whole, input);
          expect(h.output()).toBe(whole.output());
          expect(h.messages.map((m) => m.data.toString('latin1'))).toEqual(
            whole.messages.map((m) => m.data.toString('latin1')),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses the connection politely (connection limits)', () => {
    const s = new ServerSession({ hostname: 'mx.test' });
    const actions = s.refuse('Too many connections from your address');
    expect(actions.map((a) => a.type)).toEqual(['send', 'close']);
  });
});
