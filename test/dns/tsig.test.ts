import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RCODE, TYPE } from '../../src/dns/constants.js';
import {
  formatBindKey,
  formatKeySpec,
  generateKey,
  keyring,
  parseKeyFile,
  parseKeySpec,
  signedErrorResponse,
  signMessage,
  TSIG_ALGORITHMS,
  type TsigKey,
  tsigAlgorithm,
  tsigRecordSize,
  verifyMessage,
} from '../../src/dns/tsig.js';
import { type Message, makeRR, NO_FLAGS, type TsigData } from '../../src/dns/types.js';
import { decodeMessage, encodeMessage } from '../../src/dns/wire.js';

const T0 = 1_700_000_000;

function query(id = 0x1234, name = 'example.org.', type: number = TYPE.A): Uint8Array {
  return encodeMessage({
    id,
    flags: { ...NO_FLAGS, rd: true },
    rcode: 0,
    questions: [{ name, type, class: 1 }],
    answers: [],
    authority: [],
    additional: [],
  });
}

function response(id: number, serial = 1): Uint8Array {
  const msg: Message = {
    id,
    flags: { ...NO_FLAGS, qr: true, aa: true },
    rcode: 0,
    questions: [{ name: 'example.org.', type: TYPE.SOA, class: 1 }],
    answers: [
      makeRR('example.org.', TYPE.SOA, 3600, {
        mname: 'ns.example.org.',
        rname: 'host.example.org.',
        serial,
        refresh: 1,
        retry: 2,
        expire: 3,
        minimum: 4,
      }),
    ],
    authority: [],
    additional: [],
  };
  return encodeMessage(msg);
}

/** A key with a fixed secret for each algorithm. */
function keyFor(algorithm: string, name = 'xfr.example.org.'): TsigKey {
  const size = (TSIG_ALGORITHMS[algorithm] as { size: number }).size;
  return { name, algorithm, secret: Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff) };
}

const KEY = keyFor('hmac-sha256.');

/** The message re-encoded with its TSIG changed: for MACs we could not sign. */
function withTsig(wire: Uint8Array, change: (t: TsigData) => Partial<TsigData>): Uint8Array {
  const msg = decodeMessage(wire);
  const rr = msg.additional.at(-1);
  if (!rr || rr.type !== TYPE.TSIG) throw new Error('no TSIG');
  const data = rr.data as TsigData;
  msg.additional[msg.additional.length - 1] = makeRR(
    rr.name,
    TYPE.TSIG,
    rr.ttl,
    { ...data, ...change(data) },
    rr.class,
  );
  return encodeMessage(msg);
}

describe('signMessage and verifyMessage', () => {
  for (const algorithm of Object.keys(TSIG_ALGORITHMS)) {
    it(`round-trips a query with ${algorithm}`, () => {
      const key = keyFor(algorithm);
      const q = query();
      const signed = signMessage(q, key, { time: T0 });
      expect(signed.mac.length).toBe((TSIG_ALGORITHMS[algorithm] as { size: number }).size);
      expect(signed.wire.length).toBe(q.length + tsigRecordSize(key));
      const v = verifyMessage(signed.wire, { keys: keyring([key]), now: T0 + 10 });
      expect(v).toMatchObject({ ok: true, key, mac: signed.mac, time: T0 });
      const msg = decodeMessage(signed.wire);
      expect(msg.additional).toHaveLength(1);
      expect(msg.additional[0]).toMatchObject({ name: key.name, type: TYPE.TSIG, class: 255, ttl: 0 });
      expect((msg.additional[0]!.data as TsigData).originalId).toBe(0x1234);
    });
  }

  it('signs now when no time is given, with a fudge of 300', () => {
    const signed = signMessage(query(), KEY);
    const v = verifyMessage(signed.wire, { keys: keyring([KEY]) });
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.tsig.fudge).toBe(300);
  });

  it('keeps an OPT record and counts the TSIG after it', () => {
    const q = encodeMessage({
      ...decodeMessage(query()),
      edns: { udpSize: 1232, version: 0, do: true, options: [] },
    });
    const signed = signMessage(q, KEY, { time: T0 });
    const msg = decodeMessage(signed.wire);
    expect(msg.edns?.do).toBe(true);
    expect(verifyMessage(signed.wire, { keys: keyring([KEY]), now: T0 }).ok).toBe(true);
  });

  it('fails on a flipped bit anywhere but the message id', () => {
    const signed = signMessage(query(), KEY, { time: T0 }).wire;
    for (let i = 0; i < signed.length; i++) {
      const bad = signed.slice();
      bad[i] = (bad[i] as number) ^ 0x01;
      const v = verifyMessage(bad, { keys: keyring([KEY]), now: T0 });
      // The id may be rewritten on the way (a forwarder): the digest uses the original id.
      expect(v.ok, `byte ${i}`).toBe(i < 2);
    }
  });

  it('verifies whatever the case of the key name on the wire', () => {
    const upper = { ...KEY, name: 'XFR.Example.ORG.' };
    const signed = signMessage(query(), upper, { time: T0 }).wire;
    expect(verifyMessage(signed, { keys: keyring([KEY]), now: T0 }).ok).toBe(true);
  });

  it('answers BADKEY for an unknown key, another algorithm, or an unsupported one', () => {
    const signed = signMessage(query(), KEY, { time: T0 }).wire;
    const other = { ...KEY, name: 'other.example.org.' };
    expect(verifyMessage(signed, { keys: keyring([other]), now: T0 })).toMatchObject({
      ok: false,
      error: 'BADKEY',
      rcode: RCODE.NOTAUTH,
      keyName: 'xfr.example.org.',
    });
    const sha512 = { ...KEY, algorithm: 'hmac-sha512.' };
    expect(verifyMessage(signed, { keys: keyring([sha512]), now: T0 })).toMatchObject({ error: 'BADKEY' });
    // A lookup that ignores the algorithm must not make us use the key with another one.
    expect(verifyMessage(signed, { keys: () => sha512, now: T0 })).toMatchObject({ error: 'BADKEY' });
    const md5 = withTsig(signed, () => ({ algorithm: 'hmac-md5.sig-alg.reg.int.', mac: new Uint8Array(16) }));
    expect(verifyMessage(md5, { keys: () => KEY, now: T0 })).toMatchObject({ error: 'BADKEY' });
  });

  it('answers BADSIG for another secret', () => {
    const signed = signMessage(query(), KEY, { time: T0 }).wire;
    const other = { ...KEY, secret: new Uint8Array(32) };
    expect(verifyMessage(signed, { keys: keyring([other]), now: T0 })).toMatchObject({
      ok: false,
      error: 'BADSIG',
      rcode: RCODE.NOTAUTH,
      key: other,
    });
  });

  it('answers BADTIME outside Time Signed ± Fudge, after the MAC checked', () => {
    const signed = signMessage(query(), KEY, { time: T0, fudge: 300 }).wire;
    const keys = keyring([KEY]);
    expect(verifyMessage(signed, { keys, now: T0 + 300 }).ok).toBe(true);
    expect(verifyMessage(signed, { keys, now: T0 - 300 }).ok).toBe(true);
    const late = verifyMessage(signed, { keys, now: T0 + 301 });
    expect(late).toMatchObject({ ok: false, error: 'BADTIME', rcode: RCODE.NOTAUTH, key: KEY, time: T0 });
    expect(verifyMessage(signed, { keys, now: T0 - 301 })).toMatchObject({ error: 'BADTIME' });
    // A bad MAC is BADSIG even when the time is off too (RFC 8945 §5.2 order).
    const other = { ...KEY, secret: new Uint8Array(32) };
    expect(verifyMessage(signed, { keys: keyring([other]), now: T0 + 1000 })).toMatchObject({
      error: 'BADSIG',
    });
  });

  it('tells an unsigned message apart', () => {
    expect(verifyMessage(query(), { keys: keyring([KEY]) })).toEqual({
      ok: false,
      error: 'unsigned',
      rcode: RCODE.REFUSED,
    });
  });

  it('answers FORMERR for a malformed message or a TSIG out of place', () => {
    const keys = keyring([KEY]);
    expect(verifyMessage(new Uint8Array(5), { keys })).toMatchObject({
      error: 'FORMERR',
      rcode: RCODE.FORMERR,
    });
    const signed = signMessage(query(), KEY, { time: T0 }).wire;
    // A TSIG followed by another record.
    const msg = decodeMessage(signed);
    msg.additional.push(makeRR('x.example.org.', TYPE.A, 1, '192.0.2.1'));
    const notLast = encodeMessage(msg);
    expect(verifyMessage(notLast, { keys })).toMatchObject({ error: 'FORMERR' });
    // A TSIG in the answer section.
    const inAnswer = decodeMessage(signed);
    inAnswer.answers.push(inAnswer.additional[0] as (typeof inAnswer.answers)[number]);
    inAnswer.additional = [];
    expect(verifyMessage(encodeMessage(inAnswer), { keys })).toMatchObject({ error: 'FORMERR' });
    // A TSIG of class IN.
    const classIn = decodeMessage(signed);
    classIn.additional = [{ ...(classIn.additional[0] as (typeof classIn.additional)[number]), class: 1 }];
    expect(verifyMessage(encodeMessage(classIn), { keys, now: T0 })).toMatchObject({ error: 'FORMERR' });
  });

  it('uses a message already decoded', () => {
    const signed = signMessage(query(), KEY, { time: T0 }).wire;
    expect(verifyMessage(signed, { keys: keyring([KEY]), now: T0, message: decodeMessage(signed) }).ok).toBe(
      true,
    );
  });
});

describe('responses and transfers', () => {
  const keys = keyring([KEY]);

  it('chains a response to the request MAC', () => {
    const q = signMessage(query(7), KEY, { time: T0 });
    const r = signMessage(response(7), KEY, { time: T0 + 1, requestMac: q.mac });
    expect(verifyMessage(r.wire, { keys, now: T0, requestMac: q.mac })).toMatchObject({
      ok: true,
      mac: r.mac,
    });
    // Without the request MAC, or another one, it does not check.
    expect(verifyMessage(r.wire, { keys, now: T0 })).toMatchObject({ error: 'BADSIG' });
    const other = signMessage(query(8), KEY, { time: T0 });
    expect(verifyMessage(r.wire, { keys, now: T0, requestMac: other.mac })).toMatchObject({
      error: 'BADSIG',
    });
  });

  it('chains the messages of a transfer, timers only after the first', () => {
    const q = signMessage(query(9, 'example.org.', TYPE.AXFR), KEY, { time: T0 });
    const m1 = signMessage(response(9, 1), KEY, { time: T0, requestMac: q.mac });
    const m2 = signMessage(response(9, 2), KEY, { time: T0 + 1, previousMac: m1.mac, timersOnly: true });
    const m3 = signMessage(response(9, 3), KEY, { time: T0 + 2, previousMac: m2.mac });
    const v1 = verifyMessage(m1.wire, { keys, now: T0, requestMac: q.mac });
    expect(v1.ok).toBe(true);
    const v2 = verifyMessage(m2.wire, { keys, now: T0, previousMac: m1.mac, timersOnly: true });
    expect(v2).toMatchObject({ ok: true, mac: m2.mac });
    expect(verifyMessage(m3.wire, { keys, now: T0, previousMac: m2.mac }).ok).toBe(true);
    // Out of order, or verified as a first message, it does not check.
    expect(verifyMessage(m3.wire, { keys, now: T0, previousMac: m1.mac })).toMatchObject({ error: 'BADSIG' });
    expect(verifyMessage(m2.wire, { keys, now: T0, requestMac: m1.mac })).toMatchObject({ error: 'BADSIG' });
  });

  it('covers unsigned messages between two signed ones', () => {
    const m1 = signMessage(response(9, 1), KEY, { time: T0, requestMac: new Uint8Array(32) });
    const plain = [response(9, 2), response(9, 3)];
    const m4 = signMessage(response(9, 4), KEY, { time: T0, previousMac: m1.mac, unsigned: plain });
    expect(verifyMessage(m4.wire, { keys, now: T0, previousMac: m1.mac, unsigned: plain }).ok).toBe(true);
    expect(
      verifyMessage(m4.wire, { keys, now: T0, previousMac: m1.mac, unsigned: [plain[0] as Uint8Array] }),
    ).toMatchObject({
      error: 'BADSIG',
    });
  });

  it('refuses inconsistent chaining options', () => {
    expect(() => signMessage(query(), KEY, { timersOnly: true })).toThrow(RangeError);
    expect(() => signMessage(query(), KEY, { previousMac: new Uint8Array(32), timersOnly: false })).toThrow(
      RangeError,
    );
    expect(() => signMessage(query(), KEY, { unsigned: [query()] })).toThrow(RangeError);
  });
});

describe('truncated MACs (RFC 8945 §5.2.2.1)', () => {
  const keys = keyring([KEY]);

  it('signs and verifies a MAC truncated to half the hash', () => {
    const q = signMessage(query(), KEY, { time: T0, macLength: 16 });
    expect(q.mac).toHaveLength(16);
    const v = verifyMessage(q.wire, { keys, now: T0 });
    expect(v).toMatchObject({ ok: true, mac: q.mac });
    // The response chains to the truncated MAC, as received.
    const r = signMessage(response(0x1234), KEY, { time: T0, requestMac: q.mac });
    expect(verifyMessage(r.wire, { keys, now: T0, requestMac: q.mac }).ok).toBe(true);
    const sha1 = keyFor('hmac-sha1.');
    const s = signMessage(query(), sha1, { time: T0, macLength: 10 });
    expect(verifyMessage(s.wire, { keys: keyring([sha1]), now: T0 }).ok).toBe(true);
  });

  it('will not sign below max(10, half the hash) or above the hash', () => {
    expect(() => signMessage(query(), KEY, { macLength: 15 })).toThrow(RangeError);
    expect(() => signMessage(query(), KEY, { macLength: 33 })).toThrow(RangeError);
    expect(() => signMessage(query(), keyFor('hmac-sha1.'), { macLength: 9 })).toThrow(RangeError);
  });

  it('answers FORMERR for a MAC too short or too long', () => {
    const signed = signMessage(query(), KEY, { time: T0 }).wire;
    const short = withTsig(signed, (t) => ({ mac: t.mac.slice(0, 15) }));
    expect(verifyMessage(short, { keys, now: T0 })).toMatchObject({ error: 'FORMERR', rcode: RCODE.FORMERR });
    const long = withTsig(signed, (t) => ({ mac: Uint8Array.of(...t.mac, 0) }));
    expect(verifyMessage(long, { keys, now: T0 })).toMatchObject({ error: 'FORMERR' });
    const empty = withTsig(signed, () => ({ mac: new Uint8Array(0) }));
    expect(verifyMessage(empty, { keys, now: T0 })).toMatchObject({ error: 'FORMERR' });
    const sha1 = keyFor('hmac-sha1.');
    const s = withTsig(signMessage(query(), sha1, { time: T0 }).wire, (t) => ({ mac: t.mac.slice(0, 9) }));
    expect(verifyMessage(s, { keys: keyring([sha1]), now: T0 })).toMatchObject({ error: 'FORMERR' });
  });

  it('answers BADTRUNC below a local minimum, once MAC and time checked', () => {
    const q = signMessage(query(), KEY, { time: T0, macLength: 20 });
    expect(verifyMessage(q.wire, { keys, now: T0, minMacLength: 20 }).ok).toBe(true);
    expect(verifyMessage(q.wire, { keys, now: T0, minMacLength: 32 })).toMatchObject({
      ok: false,
      error: 'BADTRUNC',
      rcode: RCODE.NOTAUTH,
      mac: q.mac,
    });
    expect(verifyMessage(q.wire, { keys, now: T0 + 1000, minMacLength: 32 })).toMatchObject({
      error: 'BADTIME',
    });
    const other = keyring([{ ...KEY, secret: new Uint8Array(32) }]);
    expect(verifyMessage(q.wire, { keys: other, now: T0, minMacLength: 32 })).toMatchObject({
      error: 'BADSIG',
    });
  });
});

describe('a fixed vector', () => {
  // Assembled byte by byte from RFC 1035 §4.1 and RFC 8945 §4.2, §4.3.3.
  const secret = new TextEncoder().encode('poste-tsig-test-vector-secret!!!');
  const key: TsigKey = { name: 'Test.Key.', algorithm: 'hmac-sha256.', secret };
  const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
  const q = Uint8Array.from([
    ...[0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0],
    ...[7, ...ascii('example'), 3, ...ascii('org'), 0],
    ...[0, 1, 0, 1],
  ]);
  const variables = Uint8Array.from([
    ...[4, ...ascii('test'), 3, ...ascii('key'), 0], // key name, lowercased
    ...[0x00, 0xff], // CLASS ANY
    ...[0, 0, 0, 0], // TTL
    ...[11, ...ascii('hmac-sha256'), 0],
    ...[0x00, 0x00, 0x65, 0x53, 0xf1, 0x00], // 1700000000
    ...[0x01, 0x2c], // fudge 300
    ...[0, 0], // error
    ...[0, 0], // other len
  ]);

  it('signs a query with the MAC of RFC 8945 §4.3', () => {
    const mac = createHmac('sha256', secret).update(q).update(variables).digest('hex');
    // Also computed with Python's hmac module over the same bytes.
    expect(mac).toBe('777ba17609a78562b9c3e57ca7048d1bce005e4212e414ae8bdd2099ad889368');
    const signed = signMessage(q, key, { time: T0 });
    expect(Buffer.from(signed.mac).toString('hex')).toBe(mac);
    const record = Uint8Array.from([
      ...[4, ...ascii('Test'), 3, ...ascii('Key'), 0], // owner: the key name as given
      ...[0, 250, 0, 255, 0, 0, 0, 0, 0, 61],
      ...[11, ...ascii('hmac-sha256'), 0],
      ...[0x00, 0x00, 0x65, 0x53, 0xf1, 0x00, 0x01, 0x2c, 0, 32],
      ...Buffer.from(mac, 'hex'),
      ...[0x12, 0x34, 0, 0, 0, 0],
    ]);
    const header = Uint8Array.from(q.subarray(0, 12));
    header[11] = 1;
    expect(signed.wire).toEqual(Uint8Array.from([...header, ...q.subarray(12), ...record]));
  });

  it('signs the response with the request MAC and its length first', () => {
    const req = signMessage(q, key, { time: T0 });
    const r = response(0x1234);
    const vars = Uint8Array.from(variables);
    vars.set([0x00, 0x00, 0x65, 0x53, 0xf1, 0x01], vars.length - 12); // signed a second later
    const mac = createHmac('sha256', secret)
      .update(Uint8Array.of(0, 32))
      .update(req.mac)
      .update(r)
      .update(vars)
      .digest();
    expect(signMessage(r, key, { time: T0 + 1, requestMac: req.mac }).mac).toEqual(new Uint8Array(mac));
  });

  it('signs a later message of a transfer over the prior MAC and the timers', () => {
    const prior = new Uint8Array(32).fill(0xab);
    const r = response(0x1234);
    const timers = Uint8Array.of(0x00, 0x00, 0x65, 0x53, 0xf1, 0x00, 0x01, 0x2c);
    const mac = createHmac('sha256', secret)
      .update(Uint8Array.of(0, 32))
      .update(prior)
      .update(r)
      .update(timers)
      .digest();
    expect(signMessage(r, key, { time: T0, previousMac: prior }).mac).toEqual(new Uint8Array(mac));
  });
});

describe('error answers (RFC 8945 §5.3.2)', () => {
  const keys = keyring([KEY]);
  const errorReply = (id: number) => {
    const msg = decodeMessage(response(id));
    return encodeMessage({ ...msg, answers: [] });
  };

  it('answers BADKEY and BADSIG unsigned, with NOTAUTH', () => {
    const stranger = { ...KEY, name: 'who.example.org.' };
    for (const [key, code] of [
      [stranger, RCODE.BADKEY],
      [{ ...KEY, secret: new Uint8Array(32) }, RCODE.BADSIG],
    ] as const) {
      const q = signMessage(query(5), key, { time: T0 });
      const v = verifyMessage(q.wire, { keys, now: T0 });
      const wire = signedErrorResponse(errorReply(5), v, { now: T0 + 5 });
      const msg = decodeMessage(wire);
      expect(msg.rcode).toBe(RCODE.NOTAUTH);
      expect(msg.additional[0]).toMatchObject({ name: key.name, type: TYPE.TSIG });
      expect(msg.additional[0]?.data).toMatchObject({
        algorithm: 'hmac-sha256.',
        timeSigned: T0 + 5,
        mac: new Uint8Array(0),
        error: code,
        originalId: 5,
      });
      // The client sees the server's refusal, unauthenticated.
      expect(verifyMessage(wire, { keys: keyring([key]), requestMac: q.mac, now: T0 })).toMatchObject({
        ok: false,
        error: 'peer',
        tsigError: code,
        authentic: false,
      });
    }
  });

  it('answers BADTIME signed, with the request time and the server time in Other Data', () => {
    const q = signMessage(query(6), KEY, { time: T0 });
    const serverNow = T0 + 1000;
    const v = verifyMessage(q.wire, { keys, now: serverNow });
    expect(v).toMatchObject({ error: 'BADTIME' });
    const wire = signedErrorResponse(errorReply(6), v, { now: serverNow });
    const tsig = decodeMessage(wire).additional[0]?.data as TsigData;
    expect(tsig).toMatchObject({ timeSigned: T0, error: RCODE.BADTIME });
    expect(tsig.other).toEqual(Uint8Array.of(0, 0, 0x65, 0x53, 0xf4, 0xe8));
    // The client, whose clock reads T0, can verify it.
    expect(verifyMessage(wire, { keys, requestMac: q.mac, now: T0 })).toMatchObject({
      ok: false,
      error: 'peer',
      tsigError: RCODE.BADTIME,
      authentic: true,
      key: KEY,
    });
  });

  it('answers BADTRUNC signed', () => {
    const q = signMessage(query(6), KEY, { time: T0, macLength: 16 });
    const v = verifyMessage(q.wire, { keys, now: T0, minMacLength: 32 });
    const wire = signedErrorResponse(errorReply(6), v, { now: T0 });
    expect(decodeMessage(wire).additional[0]?.data).toMatchObject({ error: RCODE.BADTRUNC, timeSigned: T0 });
    expect(verifyMessage(wire, { keys, requestMac: q.mac, now: T0 })).toMatchObject({ authentic: true });
  });

  it('adds no TSIG for FORMERR or an unsigned request, and leaves a success alone', () => {
    const r = errorReply(1);
    const formerr = decodeMessage(signedErrorResponse(r, verifyMessage(new Uint8Array(3), { keys })));
    expect(formerr).toMatchObject({ rcode: RCODE.FORMERR, additional: [] });
    const unsigned = decodeMessage(signedErrorResponse(r, verifyMessage(query(), { keys })));
    expect(unsigned).toMatchObject({ rcode: RCODE.REFUSED, additional: [] });
    const ok = verifyMessage(signMessage(query(), KEY).wire, { keys });
    expect(signedErrorResponse(r, ok)).toBe(r);
  });
});

describe('keys', () => {
  const SECRET = 'Uo8pMfzfp2jxabjOajqaYMOdUpbDkM/8r8PAqmRjvoU=';

  it('reads dig -y specs', () => {
    expect(parseKeySpec(`xfr:${SECRET}`)).toEqual({
      name: 'xfr.',
      algorithm: 'hmac-sha256.',
      secret: new Uint8Array(Buffer.from(SECRET, 'base64')),
    });
    expect(parseKeySpec(`HMAC-SHA512:k.example.org.:${SECRET}`)).toMatchObject({
      name: 'k.example.org.',
      algorithm: 'hmac-sha512.',
    });
    const key = parseKeySpec(`hmac-sha1:k:${SECRET}`);
    expect(parseKeySpec(formatKeySpec(key))).toEqual(key);
  });

  it('refuses bad specs in one line, never quoting the secret', () => {
    const bad = [
      `hmac-md5:k:${SECRET}`,
      `hmac-sha3:k:${SECRET}`,
      'k:not base64!',
      'k:QUJD', // fine
      `k`,
      `a:b:c:${SECRET}`,
      `k..x:${SECRET}`,
      'k:',
    ];
    for (const spec of bad) {
      if (spec === 'k:QUJD') continue;
      let msg = '';
      try {
        parseKeySpec(spec);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg, spec).not.toBe('');
      expect(msg).not.toContain('\n');
      expect(msg).not.toContain(SECRET);
      expect(msg).not.toContain('not base64!');
    }
    expect(() => parseKeySpec(`hmac-md5:k:${SECRET}`)).toThrow(/hmac-md5 is not supported/);
    expect(parseKeySpec('k:QUJD').secret).toEqual(new Uint8Array([65, 66, 67]));
  });

  it('names algorithms canonically', () => {
    expect(tsigAlgorithm('HMAC-SHA224')).toBe('hmac-sha224.');
    expect(tsigAlgorithm('hmac-sha384.')).toBe('hmac-sha384.');
    expect(() => tsigAlgorithm('hmac-md5.sig-alg.reg.int.')).toThrow(/not supported/);
  });

  it('generates keys as long as the hash', () => {
    let n = 0;
    const random = (len: number) => Uint8Array.from({ length: len }, () => n++);
    const key = generateKey('new.example.org', 'hmac-sha512', random);
    expect(key).toMatchObject({ name: 'new.example.org.', algorithm: 'hmac-sha512.' });
    expect(key.secret).toHaveLength(64);
    expect(generateKey('a').secret).toHaveLength(32);
    expect(generateKey('a').secret).not.toEqual(generateKey('a').secret);
  });

  // As tsig-keygen and ddns-confgen (BIND 9.18) print them.
  const tsigKeygen = `key "tsig-key" {
\talgorithm hmac-sha256;
\tsecret "5TX5NwmNIxEGedK+EMSz5U32htcdfoLANk2vlHhgTTA=";
};
key "mykey.example." {
\talgorithm hmac-sha512;
\tsecret "9ZnNqXYBTFU2yF3OG5l9tQhIEWcNbPcveUrIRYRIxi0VhOXWkwu1Aa+8fu/dH4ikBt+d7r3wmXAAQrN6QBbsdA==";
};
`;
  const ddnsConfgen = `# To activate this key, place the following in named.conf, and
# in a separate keyfile on the system or systems from which nsupdate
# will be run:
key "ddns-key.example.org" {
\talgorithm hmac-sha256;
\tsecret "SBz5ScPFNm5DmFGx88Hv08woS8YU4MIM/A8sD5LiN0c=";
};

# Then, in the "zone" definition statement for "example.org",
# place an "update-policy" statement like this one, adjusted as 
# needed for your preferred permissions:
update-policy {
\t  grant ddns-key.example.org zonesub ANY;
};

# After the keyfile has been placed, the following command will
# execute nsupdate using this key:
nsupdate -k <keyfile>
`;
  // As knot's keymgr -t prints it (3.2).
  const keymgr = `# hmac-sha256:knotkey:Uo8pMfzfp2jxabjOajqaYMOdUpbDkM/8r8PAqmRjvoU=
key:
  - id: knotkey
    algorithm: hmac-sha256
    secret: Uo8pMfzfp2jxabjOajqaYMOdUpbDkM/8r8PAqmRjvoU=
`;

  it("reads tsig-keygen's and ddns-confgen's output", () => {
    const keys = parseKeyFile(tsigKeygen);
    expect(keys.map((k) => [k.name, k.algorithm, k.secret.length])).toEqual([
      ['tsig-key.', 'hmac-sha256.', 32],
      ['mykey.example.', 'hmac-sha512.', 64],
    ]);
    expect(parseKeyFile(ddnsConfgen).map((k) => k.name)).toEqual(['ddns-key.example.org.']);
    expect(parseKeyFile(formatBindKey(keys[1] as TsigKey))).toEqual([keys[1]]);
  });

  it('reads a named.conf with comments and unquoted names', () => {
    const conf = `options { directory "/var/cache/bind"; };
/* a key
   key "commented" { algorithm hmac-sha1; secret "QUJD"; }; */
// key "also-commented" { };
key plain.example { ALGORITHM HMAC-SHA1; secret "QUJD" ; } ;
zone "example.org" { type primary; file "x"; };
`;
    expect(parseKeyFile(conf)).toEqual([
      { name: 'plain.example.', algorithm: 'hmac-sha1.', secret: Uint8Array.of(65, 66, 67) },
    ]);
  });

  it("reads knot's keymgr -t output, and a key section among others", () => {
    expect(parseKeyFile(keymgr)).toEqual([parseKeySpec(`knotkey:${SECRET}`)]);
    const conf = `server:
    listen: 127.0.0.1@53
key:
  - id: a.example.
    algorithm: hmac-sha384   # comment
    secret: "QUJD"
  - id: b
    secret: 'QUJD'
remote:
  - id: primary
    key: a.example.
`;
    expect(parseKeyFile(conf).map((k) => [k.name, k.algorithm])).toEqual([
      ['a.example.', 'hmac-sha384.'],
      ['b.', 'hmac-sha256.'],
    ]);
  });

  it('refuses key files it cannot use, saying where', () => {
    expect(() => parseKeyFile('options { };')).toThrow(/no TSIG key/);
    expect(() => parseKeyFile('key "k" {\n algorithm hmac-sha256;\n};')).toThrow(/line 1: key "k" needs/);
    expect(() => parseKeyFile('key "k" { algorithm hmac-md5; secret "QUJD"; };')).toThrow(/hmac-md5/);
    expect(() => parseKeyFile('key "k" { algorithm hmac-sha256; secret "QUJD";')).toThrow(/not closed/);
    expect(() => parseKeyFile('key:\n  - id: k\n    algorithm: hmac-sha256\n')).toThrow(/line 2: key needs/);
  });
});
