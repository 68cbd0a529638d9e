// Signing and verification together: round trips for every canonicalization and algorithm,
// tampering, l=, t=/x=, key record rules, DNS outcomes, several signatures, and streaming.
import { createHash, sign as cryptoSign, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BodyHashes } from '../../src/dkim/body-hash.js';
import { headerHashInput } from '../../src/dkim/header-hash.js';
import {
  type CanonPair,
  createSigner,
  createVerifier,
  DkimError,
  type DkimResult,
  formatAuthResults,
  formatAuthResultsList,
  loadSigningKey,
  publicKeyRecord,
  type SignatureSpec,
  type SigningKey,
  sign,
  signMessage,
  verify,
} from '../../src/dkim/index.js';
import { splitFields } from '../../src/dkim/message.js';
import type { Resolution, Resolver } from '../../src/dns/index.js';
import { fakeResolver } from './fake-dns.js';

const T = 1_700_000_000;
const b = (s: string) => Buffer.from(s, 'latin1');

const MESSAGE = b(
  'Received: from a by b; Tue, 14 Nov 2023 22:13:20 +0000\r\n' +
    'From: Joe  SixPack <joe@football.example.com>\r\n' +
    'To: Suzie Q <suzie@shopping.example.net>\r\n' +
    'Subject: Is dinner ready?\r\n' +
    '\tand folded\r\n' +
    'Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n' +
    'Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n' +
    '\r\n' +
    'Hi.\r\n' +
    '\r\n' +
    'We lost the game.  Are you hungry yet? \t\r\n' +
    '\r\n' +
    'Joe.\r\n' +
    '\r\n\r\n',
);

let rsa: SigningKey;
let ed: SigningKey;
let resolver: Resolver;

beforeAll(() => {
  rsa = loadSigningKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  ed = loadSigningKey(generateKeyPairSync('ed25519').privateKey);
  resolver = fakeResolver({
    'rsa._domainkey.example.com': publicKeyRecord(rsa),
    'ed._domainkey.example.com': publicKeyRecord(ed),
  });
});

const spec = (over: Partial<SignatureSpec> = {}): SignatureSpec => ({
  domain: 'example.com',
  selector: 'rsa',
  key: rsa,
  ...over,
});
const edSpec = (over: Partial<SignatureSpec> = {}): SignatureSpec =>
  spec({ selector: 'ed', key: ed, ...over });

const signed = (message: Uint8Array, ...specs: SignatureSpec[]) =>
  signMessage(message, { signatures: specs.length ? specs : [spec()], now: T });
const check = (message: Uint8Array, r: Resolver = resolver, now = T) => verify(message, { resolver: r, now });
const results = async (message: Uint8Array, r?: Resolver) => (await check(message, r)).map((x) => x.result);

/** Replaces the first occurrence of `from` in the message by `to`. */
function edit(message: Uint8Array, from: string, to: string): Buffer {
  const s = Buffer.from(message).toString('latin1');
  const i = s.indexOf(from);
  if (i < 0) throw new Error(`not found: ${from}`);
  return b(s.slice(0, i) + to + s.slice(i + from.length));
}

describe('round trips', () => {
  const pairs: CanonPair[] = ['simple/simple', 'simple/relaxed', 'relaxed/simple', 'relaxed/relaxed'];
  for (const canonicalization of pairs) {
    for (const alg of ['rsa-sha256', 'ed25519-sha256'] as const) {
      it(`${alg} ${canonicalization}`, async () => {
        const s = alg === 'rsa-sha256' ? spec({ canonicalization }) : edSpec({ canonicalization });
        const r = await check(signed(MESSAGE, s));
        expect(r).toMatchObject([
          { result: 'pass', algorithm: alg, canonicalization, domain: 'example.com' },
        ]);
      });
    }
  }

  it('random messages, cut anywhere: the signature is the same, and verifies', async () => {
    const line = fc.stringMatching(/^[ -~\t]{0,40}$/);
    const message = fc
      .record({
        subject: fc.stringMatching(/^[ -~]{0,50}$/),
        extra: fc.array(fc.tuple(fc.constantFrom('To', 'Cc', 'X-A', 'Reply-To', 'Subject'), line), {
          maxLength: 4,
        }),
        body: fc.array(line, { maxLength: 20 }),
        canon: fc.constantFrom<CanonPair>(
          'simple/simple',
          'relaxed/relaxed',
          'relaxed/simple',
          'simple/relaxed',
        ),
        cuts: fc.array(fc.nat(), { maxLength: 6 }),
      })
      .map((m) => ({
        ...m,
        bytes: b(
          `From: a@example.com\r\nSubject: ${m.subject}\r\n${m.extra.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n${m.body.join('\r\n')}`,
        ),
      }));
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        const opts = {
          signatures: [spec({ canonicalization: m.canon }), edSpec({ canonicalization: m.canon })],
          now: T,
        };
        const whole = signMessage(m.bytes, opts);
        const points = [...new Set(m.cuts.map((c) => c % (m.bytes.length + 1)))].sort((x, y) => x - y);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const p of [...points, m.bytes.length]) {
          chunks.push(m.bytes.subarray(prev, p));
          prev = p;
        }
        const fields = await sign(chunks, opts);
        expect(Buffer.concat([fields, m.bytes]).equals(whole)).toBe(true);
        const cut = fields.length + (points[0] ?? 0);
        const r = await verify([whole.subarray(0, cut), whole.subarray(cut)], { resolver, now: T });
        expect(r.map((x) => x.result)).toEqual(['pass', 'pass']);
      }),
      { numRuns: 60 },
    );
  });

  it('a message with no body, and one with no empty line after the header', async () => {
    for (const m of ['From: a@example.com\r\n\r\n', 'From: a@example.com\r\n', 'From: a@example.com']) {
      expect(await results(signed(b(m), spec(), edSpec({ canonicalization: 'simple/simple' })))).toEqual([
        'pass',
        'pass',
      ]);
    }
  });
});

describe('the signature field', () => {
  it('folds at 78 columns, b= last, no l=, t= and x=, over-signing', () => {
    const fields = Buffer.from(
      createSignerEnd(MESSAGE, [spec({ expiresIn: 3600, identity: 'joe@football.example.com' })]),
    ).toString('latin1');
    for (const line of fields.split('\r\n'))
      expect(line.replace(/\t/g, '        ').length).toBeLessThanOrEqual(78);
    const value = fields.replace(/\r\n[ \t]/g, ' ');
    expect(value).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example.com; s=rsa;/);
    expect(value).toMatch(/ i=joe@football.example.com; t=1700000000; x=1700003600;/);
    expect(value).toMatch(/ b=[A-Za-z0-9+/= ]+\r\n$/);
    expect(value).not.toMatch(/ l=/);
    const h = /h=([^;]+);/.exec(value)?.[1]?.replace(/\s/g, '').split(':');
    // Present ones once more; absent reader-visible ones once (adding them breaks it);
    // absent relay-added ones (Date is present here; Sender, MIME-Version are not) not at all.
    expect(h?.filter((n) => n === 'from')).toHaveLength(2);
    expect(h?.filter((n) => n === 'subject')).toHaveLength(2);
    expect(h?.filter((n) => n === 'reply-to')).toHaveLength(1);
    expect(h?.filter((n) => n === 'cc')).toHaveLength(1);
    expect(h?.filter((n) => n === 'date')).toHaveLength(2);
    expect(h).not.toContain('sender');
    expect(h).not.toContain('mime-version');
    expect(h).not.toContain('received');
  });

  it('--headers and no over-signing', () => {
    const fields = Buffer.from(
      createSignerEnd(MESSAGE, [spec({ headers: ['Subject', 'X-None'], oversign: false })]),
    ).toString('latin1');
    expect(/h=([^;]+);/.exec(fields.replace(/\r\n\t/g, ''))?.[1]).toBe('from:subject');
  });

  it('refuses RSA keys under 1024 bits, public keys, unknown algorithms for the key', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 512 });
    expect(() => loadSigningKey(small.privateKey)).toThrow(DkimError);
    expect(() => loadSigningKey(small.privateKey)).toThrow(/512 bits/);
    expect(() =>
      loadSigningKey(
        generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }) as string,
      ),
    ).toThrow(/public key/);
    expect(() =>
      loadSigningKey(
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
          format: 'pem',
          type: 'pkcs8',
        }) as string,
      ),
    ).toThrow(/unsupported key type/);
    expect(() => createSigner({ signatures: [spec({ algorithm: 'ed25519-sha256' })] })).toThrow(
      /Ed25519 key/,
    );
    expect(() => createSigner({ signatures: [spec({ identity: 'a@example.net' })] })).toThrow(DkimError);
    expect(() => createSigner({ signatures: [spec({ domain: 'bad domain' })] })).toThrow(DkimError);
  });
});

function createSignerEnd(message: Uint8Array, specs: SignatureSpec[]): Uint8Array {
  const s = createSigner({ signatures: specs, now: T });
  s.push(message);
  return s.end();
}

describe('tampering', () => {
  const tampered: [string, (m: Buffer) => Buffer][] = [
    ['a body byte changed', (m) => edit(m, 'We lost', 'We won ')],
    ['a From added on top', (m) => Buffer.concat([b('From: mallory@evil.example\r\n'), m])],
    ['a From added below', (m) => edit(m, '\r\n\r\nHi.', '\r\nFrom: mallory@evil.example\r\n\r\nHi.')],
    [
      'a Reply-To added (absent, over-signed)',
      (m) => edit(m, 'To: Suzie', 'Reply-To: m@evil.example\r\nTo: Suzie'),
    ],
    ['a signed header changed', (m) => edit(m, 'Is dinner ready?', 'Is dinner served?')],
    ['a body line appended', (m) => Buffer.concat([m, b('P.S. send money\r\n')])],
  ];
  for (const [what, change] of tampered) {
    it(`fails: ${what}`, async () => {
      for (const s of [spec(), edSpec({ canonicalization: 'simple/simple' })]) {
        const r = await check(change(Buffer.from(signed(MESSAGE, s))));
        expect(r[0]?.result).toBe('fail');
      }
    });
  }

  it('fails: two instances of a signed field swapped (bottom-up order)', async () => {
    const m = b('From: a@example.com\r\nX-Tag: one\r\nX-Tag: two\r\n\r\nbody\r\n');
    const s = Buffer.from(signed(m, spec({ headers: ['from', 'x-tag'] })));
    expect(await results(s)).toEqual(['pass']);
    const swapped = b(s.toString('latin1').replace('X-Tag: one\r\nX-Tag: two', 'X-Tag: two\r\nX-Tag: one'));
    expect(await results(swapped)).toEqual(['fail']);
  });

  it('passes: fields of different names reordered (h= fixes the order, RFC 6376 §5.4.2), an unsigned field added', async () => {
    const s = Buffer.from(signed(MESSAGE));
    const swapped = edit(s, 'To: Suzie Q <suzie@shopping.example.net>\r\n', '').toString('latin1');
    const moved = b(swapped.replace('Date:', 'To: Suzie Q <suzie@shopping.example.net>\r\nDate:'));
    expect(await results(moved)).toEqual(['pass']);
    expect(await results(Buffer.concat([b('X-Spam: no\r\n'), s]))).toEqual(['pass']);
  });

  it('relaxed tolerates whitespace and case changes that simple does not', async () => {
    const change = (m: Uint8Array) =>
      edit(edit(m, 'Subject: Is', 'SUBJECT:   Is'), 'We lost the game.', 'We lost  the game.');
    expect(await results(change(signed(MESSAGE, spec({ canonicalization: 'relaxed/relaxed' }))))).toEqual([
      'pass',
    ]);
    expect(await results(change(signed(MESSAGE, spec({ canonicalization: 'simple/simple' }))))).toEqual([
      'fail',
    ]);
  });
});

/** A signature with the tags we never write (l=), made by hand from the library's parts. */
function handSigned(message: Buffer, tags: string, bodyLength?: number): Buffer {
  const end = message.indexOf('\r\n\r\n') + 4;
  const hashes = new BodyHashes();
  const id = hashes.add('relaxed', 'sha256', bodyLength);
  hashes.update(message.subarray(end));
  hashes.end();
  const bh = Buffer.from(hashes.get(id).digest).toString('base64');
  const field = `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=rsa; h=from:subject; ${tags}bh=${bh}; b=`;
  const data = headerHashInput(
    splitFields(message.subarray(0, end)),
    ['from', 'subject'],
    'relaxed',
    b(field),
  );
  return Buffer.concat([b(`${field}${cryptoSign('sha256', data, rsa.key).toString('base64')}\r\n`), message]);
}

describe('l=', () => {
  const m = b('From: a@example.com\r\nSubject: s\r\n\r\nline one\r\nline two\r\n');
  it('passes with appended content, and says how much is unsigned', async () => {
    const s = handSigned(m, 'l=10; ', 10);
    expect(await check(s)).toMatchObject([{ result: 'pass', bodyLength: 10, bodyLengthUnsigned: 10 }]);
    const more = Buffer.concat([s, b('EVIL APPENDED CONTENT\r\n')]);
    const r = await check(more);
    expect(r).toMatchObject([{ result: 'pass', bodyLengthUnsigned: 33 }]);
    expect(r[0]?.reason).toMatch(/33 body bytes are not signed/);
  });
  it('fails when l= is longer than the body', async () => {
    const r = await check(handSigned(m, 'l=1000; ', 1000));
    expect(r).toMatchObject([{ result: 'fail', reason: expect.stringMatching(/longer than the body/) }]);
  });
});

describe('time', () => {
  it('x= in the past: policy (expired); before it: pass', async () => {
    const s = signMessage(MESSAGE, { signatures: [spec({ expiresIn: 3600 })], now: T });
    expect(await check(s, resolver, T + 60)).toMatchObject([{ result: 'pass', expiration: T + 3600 }]);
    expect(await check(s, resolver, T + 7200)).toMatchObject([
      { result: 'policy', policy: 'expired', reason: expect.stringMatching(/expired/) },
    ]);
  });
  it('t= in the future beyond the clock skew: policy (future)', async () => {
    const s = signMessage(MESSAGE, { signatures: [spec()], now: T + 3600 });
    expect(await check(s, resolver, T)).toMatchObject([{ result: 'policy', policy: 'future' }]);
    expect(await check(s, resolver, T + 3500)).toMatchObject([{ result: 'pass' }]);
  });
});

describe('key records', () => {
  const rsaRecord = () => publicKeyRecord(rsa);
  const withKey = async (
    record: string | string[] | Resolution | 'NXDOMAIN',
    s = spec(),
  ): Promise<DkimResult> => {
    const r: Resolver =
      typeof record === 'object' && !Array.isArray(record)
        ? { resolve: async () => record }
        : fakeResolver({ 'rsa._domainkey.example.com': record as string });
    return (await check(signed(MESSAGE, s), r))[0] as DkimResult;
  };
  const p = () => rsaRecord().replace(/^.*p=/, '');

  it('t=s: i= must be in d= itself', async () => {
    expect(await withKey(`v=DKIM1; t=s; p=${p()}`)).toMatchObject({ result: 'pass' });
    expect(await withKey(`v=DKIM1; t=s; p=${p()}`, spec({ identity: 'x@example.com' }))).toMatchObject({
      result: 'pass',
    });
    expect(await withKey(`v=DKIM1; t=s; p=${p()}`, spec({ identity: 'x@sub.example.com' }))).toMatchObject({
      result: 'permerror',
      reason: expect.stringMatching(/t=s/),
    });
  });
  it('t=y is reported', async () => {
    expect(await withKey(`v=DKIM1; t=y; p=${p()}`)).toMatchObject({ result: 'pass', testing: true });
  });
  it('a revoked key (empty p=) is a permerror', async () => {
    expect(await withKey('v=DKIM1; k=rsa; p=')).toMatchObject({
      result: 'permerror',
      reason: expect.stringMatching(/revoked/),
    });
  });
  const errors: [string, string | string[] | 'NXDOMAIN' | Resolution, RegExp][] = [
    ['v=DKIM2', 'v=DKIM2; p=x', /DKIM1/],
    ['k= unknown', 'v=DKIM1; k=dsa; p=YWJj', /k=dsa/],
    ['k= of another algorithm', 'v=DKIM1; k=ed25519; p=YWJj', /cannot check/],
    ['h= without sha256', 'v=DKIM1; h=sha1; p=YWJj', /h=sha1/],
    ['s= not email', 'v=DKIM1; s=chat; p=YWJj', /s=chat/],
    ['p= not a key', 'v=DKIM1; p=YWJjZGVm', /not an RSA public key/],
    ['a syntax error', 'v=DKIM1; p', /syntax/],
    ['no record', 'NXDOMAIN', /no key record/],
    ['NODATA', { kind: 'nodata', ttl: 0 }, /nodata/],
    ['two TXT records', ['v=DKIM1; p=YWJj', 'v=DKIM1; p=ZGVm'], /2 TXT records/],
  ];
  for (const [what, record, why] of errors) {
    it(`permerror: ${what}`, async () => {
      expect(await withKey(record)).toMatchObject({
        result: 'permerror',
        reason: expect.stringMatching(why),
      });
    });
  }
  it('a TXT record split into several strings is joined', async () => {
    const r = fakeResolver({ 'rsa._domainkey.example.com': rsaRecord() }); // > 255 bytes: several strings
    expect(rsaRecord().length).toBeGreaterThan(255);
    expect((await check(signed(MESSAGE), r))[0]).toMatchObject({ result: 'pass', keyBits: 2048 });
  });
  it('DNS failures are temperror; a resolver that throws too', async () => {
    expect(await withKey({ kind: 'error', reason: 'SERVFAIL' })).toMatchObject({
      result: 'temperror',
      reason: expect.stringMatching(/SERVFAIL/),
    });
    const throwing: Resolver = {
      resolve: async () => {
        throw new Error('socket closed');
      },
    };
    expect((await check(signed(MESSAGE), throwing))[0]).toMatchObject({ result: 'temperror' });
  });
  it('rsa-sha1 verifies but is policy (RFC 8301), and so is an RSA key under 1024 bits', async () => {
    // Made by hand: we never sign with either.
    const small = generateKeyPairSync('rsa', { modulusLength: 768 });
    const m = b('From: a@example.com\r\nSubject: s\r\n\r\nbody\r\n');
    const end = m.indexOf('\r\n\r\n') + 4;
    const make = (alg: 'sha1' | 'sha256', key: typeof small.privateKey) => {
      const bh = createHash(alg).update(m.subarray(end)).digest('base64');
      const field = `DKIM-Signature: v=1; a=rsa-${alg}; d=example.com; s=rsa; h=from; bh=${bh}; b=`;
      const data = headerHashInput(splitFields(m.subarray(0, end)), ['from'], 'simple', b(field));
      return Buffer.concat([b(`${field}${cryptoSign(alg, data, key).toString('base64')}\r\n`), m]);
    };
    expect((await check(make('sha1', rsa.key)))[0]).toMatchObject({ result: 'policy', policy: 'rsa-sha1' });
    const r = fakeResolver({ 'rsa._domainkey.example.com': publicKeyRecord(small.privateKey) });
    expect((await check(make('sha256', small.privateKey), r))[0]).toMatchObject({
      result: 'policy',
      policy: 'short-key',
      keyBits: 768,
    });
  });
});

describe('several signatures', () => {
  it('dual signing in one pass: one body hash per canonicalization, both verify', async () => {
    const s = Buffer.from(signed(MESSAGE, spec(), edSpec())).toString('latin1');
    const bh = [...s.matchAll(/bh=([^;]+);/g)].map((m) => m[1]);
    expect(bh).toHaveLength(2);
    expect(bh[0]).toBe(bh[1]);
    expect(await results(b(s))).toEqual(['pass', 'pass']);
  });
  it('each is judged on its own, in header order', async () => {
    const once = signed(MESSAGE, spec());
    const twice = signMessage(once, {
      signatures: [edSpec({ domain: 'other.example', canonicalization: 'simple/simple' })],
      now: T,
    });
    const r = await check(twice);
    expect(r.map((x) => [x.index, x.domain, x.result])).toEqual([
      [0, 'other.example', 'permerror'], // no key published for it
      [1, 'example.com', 'pass'],
    ]);
  });
  it('the same key name is looked up once, and lookups start at the end of the header', async () => {
    const asked: string[] = [];
    let bodySeen = false;
    const r: Resolver = {
      async resolve(name, type) {
        asked.push(`${name} ${bodySeen}`);
        return resolver.resolve(name, type);
      },
    };
    const s = signed(MESSAGE, spec(), spec({ canonicalization: 'simple/simple' }));
    const end = Buffer.from(s).indexOf('\r\n\r\n') + 4;
    const v = createVerifier({ resolver: r, now: T });
    v.push(s.subarray(0, end));
    await new Promise((ok) => setTimeout(ok, 0));
    bodySeen = true;
    v.push(s.subarray(end));
    expect((await v.end()).map((x) => x.result)).toEqual(['pass', 'pass']);
    expect(asked).toEqual(['rsa._domainkey.example.com false']);
  });
  it('signatures beyond the limit are not checked', async () => {
    let m: Uint8Array = MESSAGE;
    for (let i = 0; i < 3; i++) m = signMessage(m, { signatures: [spec()], now: T });
    const r = await verify(m, { resolver, now: T, maxSignatures: 2 });
    expect(r.map((x) => x.result)).toEqual(['pass', 'pass', 'permerror']);
  });
  it('no signature: no result', async () => {
    expect(await check(MESSAGE)).toEqual([]);
    expect(formatAuthResultsList([])).toEqual(['dkim=none']);
  });
  it('a header over the limit is one permerror', async () => {
    const big = Buffer.concat([b(`X-Big: ${'x'.repeat(2000)}\r\n`), signed(MESSAGE)]);
    expect(await verify(big, { resolver, now: T, maxHeaderBytes: 1000 })).toMatchObject([
      { result: 'permerror', reason: expect.stringMatching(/longer than 1000/) },
    ]);
  });
});

describe('Authentication-Results', () => {
  it('formats pass and non-pass entries', async () => {
    const r = (await check(signed(MESSAGE, spec({ identity: 'joe@example.com' }))))[0] as DkimResult;
    expect(formatAuthResults(r)).toBe(
      // "/" and "=" are tspecials (RFC 2045 §5.1), so a value holding them is quoted; "+" is not.
      `dkim=pass header.d=example.com header.i=joe@example.com header.s=rsa header.a=rsa-sha256 header.b=${
        /[/=]/.test(r.signature?.slice(0, 8) ?? '')
          ? `"${r.signature?.slice(0, 8)}"`
          : r.signature?.slice(0, 8)
      }`,
    );
    // The same rule on fixed values (the signature above changes with t=).
    expect(formatAuthResults({ ...r, signature: 'Ab+Cd9xyzz' })).toMatch(/ header\.b=Ab\+Cd9xy$/);
    expect(formatAuthResults({ ...r, signature: 'Ab/Cd=xyzz' })).toMatch(/ header\.b="Ab\/Cd=xy"$/);
    const f = (await check(edit(Buffer.from(signed(MESSAGE)), 'We lost', 'We won ')))[0] as DkimResult;
    expect(formatAuthResults(f)).toMatch(
      /^dkim=fail reason="body hash mismatch: the body was changed" header\.d=example\.com /,
    );
  });
});
