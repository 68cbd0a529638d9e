// Sealing and validating chains made here: several hops, RSA and Ed25519, a change
// anywhere, oldest-pass, DNS trouble, the cases where no seal is added, and chunking.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArcError,
  type ArcResult,
  type ArcSealOptions,
  createArcSealer,
  createArcVerifier,
  formatArcAuthResults,
  sealArc,
  verifyArc,
} from '../../src/arc/index.js';
import { formatAuthResultsField } from '../../src/authres/index.js';
import { type GeneratedKey, generateKey } from '../../src/dkim/index.js';
import { type FakeEntry, fakeResolver } from '../dkim/fake-dns.js';

const MESSAGE = Buffer.from(
  'From: Joe <joe@example.org>\r\nTo: list@lists.example\r\nSubject: hello\r\n' +
    'Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nHi there.\r\n',
);

let rsa: GeneratedKey;
let ed: GeneratedKey;
let dns: Record<string, FakeEntry>;

beforeAll(async () => {
  rsa = await generateKey('rsa-2048');
  ed = await generateKey('ed25519');
  dns = {
    'hop1._domainkey.lists.example': rsa.record,
    'hop2._domainkey.forward.example': rsa.record,
    'ed._domainkey.forward.example': ed.record,
  };
});

function withAr(id: string, entries: string[], msg: Uint8Array): Buffer {
  return Buffer.concat([formatAuthResultsField(id, entries), msg]);
}

async function seal(
  msg: Uint8Array,
  opts: Partial<ArcSealOptions> & { authservId: string },
): Promise<Buffer> {
  const r = await sealArc(msg, {
    domain: 'lists.example',
    selector: 'hop1',
    key: rsa.key,
    now: 1_700_000_000,
    ...opts,
  });
  if (!r.sealed) throw new Error(r.reason);
  return Buffer.concat([r.fields, msg]);
}

const verify = (msg: Uint8Array, entries = dns): Promise<ArcResult> =>
  verifyArc(msg, { resolver: fakeResolver(entries), now: 1_700_000_100 });

/** Two hops: lists.example seals, then forward.example validates and seals again. */
async function twoHops(): Promise<Buffer> {
  const hop1 = await seal(
    withAr('lists.example', ['arc=none', 'spf=pass smtp.mailfrom=example.org'], MESSAGE),
    {
      authservId: 'lists.example',
    },
  );
  const r1 = await verify(hop1);
  expect(r1.cv).toBe('pass');
  return seal(withAr('forward.example', [formatArcAuthResults(r1), 'dkim=none'], hop1), {
    authservId: 'forward.example',
    domain: 'forward.example',
    selector: 'hop2',
  });
}

describe('ARC seal and verify', () => {
  it('says none without a chain', async () => {
    const r = await verify(MESSAGE);
    expect(r).toMatchObject({ cv: 'none', instances: 0, sets: [] });
    expect(formatArcAuthResults(r)).toBe('arc=none');
  });

  it('seals a first set that verifies, and a second on top', async () => {
    const msg = await twoHops();
    const text = msg.toString('latin1');
    expect(text.indexOf('ARC-Seal: ')).toBe(0);
    expect(text).toContain(
      'ARC-Authentication-Results: i=2; forward.example;\r\n\tarc=pass header.oldest-pass=0;',
    );
    expect(text).toMatch(/cv=pass; d=forward\.example; i=2;/);
    const r = await verify(msg);
    expect(r.cv, r.reason).toBe('pass');
    expect(r.instances).toBe(2);
    expect(r.oldestPass).toBe(0);
    expect(r.sets.map((s) => [s.instance, s.cv, s.authservId, s.ams.result, s.seal.result])).toEqual([
      [1, 'none', 'lists.example', 'pass', 'pass'],
      [2, 'pass', 'forward.example', 'pass', 'pass'],
    ]);
    expect(formatArcAuthResults(r, { remoteIp: '192.0.2.1' })).toBe(
      'arc=pass header.oldest-pass=0 smtp.remote-ip=192.0.2.1',
    );
  });

  it('gives the same verdict whatever the chunking', async () => {
    const msg = await twoHops();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 64 }), async (size) => {
        const v = createArcVerifier({ resolver: fakeResolver(dns), now: 1_700_000_100 });
        for (let i = 0; i < msg.length; i += size) v.push(msg.subarray(i, i + size));
        expect((await v.end()).cv).toBe('pass');
      }),
      { numRuns: 30 },
    );
  });

  it('seals the same bytes whatever the chunking', async () => {
    const msg = withAr('lists.example', ['arc=none'], MESSAGE);
    const whole = await sealArc(msg, {
      domain: 'lists.example',
      selector: 'hop1',
      key: rsa.key,
      authservId: 'lists.example',
      now: 1,
    });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (size) => {
        const s = createArcSealer({
          domain: 'lists.example',
          selector: 'hop1',
          key: rsa.key,
          authservId: 'lists.example',
          now: 1,
        });
        for (let i = 0; i < msg.length; i += size) s.push(msg.subarray(i, i + size));
        expect(s.end()).toEqual(whole);
      }),
      { numRuns: 20 },
    );
  });

  it('fails when the body or a signed field changes, and tells oldest-pass', async () => {
    const msg = (await twoHops()).toString('latin1');
    const body = await verify(Buffer.from(msg.replace('Hi there.', 'Hi there!'), 'latin1'));
    expect(body.cv).toBe('fail');
    expect(body.reason).toContain('i=2');
    // A change the second hop made before sealing: only the first AMS breaks.
    const hop1 = await seal(withAr('lists.example', ['arc=none'], MESSAGE), { authservId: 'lists.example' });
    const r1 = await verify(hop1);
    const changed = Buffer.from(
      hop1.toString('latin1').replace('Subject: hello', 'Subject: [list] hello'),
      'latin1',
    );
    const hop2 = await seal(withAr('forward.example', [formatArcAuthResults(r1)], changed), {
      authservId: 'forward.example',
      domain: 'forward.example',
      selector: 'hop2',
    });
    const r = await verify(hop2);
    expect(r.cv).toBe('pass');
    expect(r.oldestPass).toBe(2);
    expect(r.sets[0]?.ams.result).toBe('fail');
    // A changed seal or AAR breaks the chain.
    const aar = await verify(
      Buffer.from(
        msg.replace('spf=pass smtp.mailfrom=example.org', 'spf=fail smtp.mailfrom=example.org'),
        'latin1',
      ),
    );
    expect(aar.cv).toBe('fail');
  });

  it('folds every line at 78 columns, a long h= too, and still verifies', async () => {
    const many = [
      'from',
      'to',
      'subject',
      'date',
      'message-id',
      'x-one',
      'x-two',
      'x-three',
      'x-four',
      'x-five',
    ];
    const msg = await seal(withAr('lists.example', ['arc=none'], MESSAGE), {
      authservId: 'lists.example',
      headers: [...many, ...many],
    });
    const header = msg.toString('latin1').split('\r\n\r\n')[0] as string;
    expect(header.split('\r\n').every((l) => l.length <= 78)).toBe(true);
    expect(header).toMatch(/h=from:to:subject:date:message-id:x-one:x-two:\r\n\tx-three:/);
    expect((await verify(msg)).cv).toBe('pass');
  });

  it('signs with Ed25519 too (not in RFC 8617, an option)', async () => {
    const msg = await seal(withAr('forward.example', ['arc=none'], MESSAGE), {
      authservId: 'forward.example',
      domain: 'forward.example',
      selector: 'ed',
      key: ed.privateKeyPem,
    });
    expect(msg.toString('latin1')).toContain('a=ed25519-sha256');
    expect((await verify(msg)).cv).toBe('pass');
  });

  it('says fail with temperror when a key lookup fails for now', async () => {
    const msg = await twoHops();
    const r = await verify(msg, { ...dns, 'hop2._domainkey.forward.example': { error: 'timeout' } });
    expect(r.cv).toBe('fail');
    expect(r.temperror).toBe(true);
    expect(formatArcAuthResults(r)).toMatch(/^arc=fail reason="the ARC-Message-Signature of i=2: key lookup/);
  });

  it('does not seal without our results, over a failed chain, or without a verdict on the chain', async () => {
    const none = await sealArc(withAr('other.example', ['spf=pass'], MESSAGE), {
      domain: 'lists.example',
      selector: 'hop1',
      key: rsa.key,
      authservId: 'lists.example',
    });
    expect(none).toMatchObject({ sealed: false, code: 'no-auth-results' });
    const hop1 = await seal(withAr('lists.example', ['arc=none'], MESSAGE), { authservId: 'lists.example' });
    const noCv = await sealArc(withAr('forward.example', ['spf=pass'], hop1), {
      domain: 'forward.example',
      selector: 'hop2',
      key: rsa.key,
      authservId: 'forward.example',
    });
    expect(noCv).toMatchObject({ sealed: false, code: 'no-cv' });
    const failed = await seal(withAr('forward.example', ['arc=fail'], hop1), {
      authservId: 'forward.example',
      domain: 'forward.example',
      selector: 'hop2',
    });
    expect(failed.toString('latin1')).toMatch(/cv=fail/);
    expect((await verify(failed)).cv).toBe('fail');
    const again = await sealArc(withAr('third.example', ['arc=fail'], failed), {
      domain: 'lists.example',
      selector: 'hop1',
      key: rsa.key,
      authservId: 'third.example',
    });
    expect(again).toMatchObject({ sealed: false, code: 'chain-failed' });
  });

  it('refuses bad options with an ArcError', () => {
    const base = { domain: 'lists.example', selector: 'hop1', key: rsa.key, authservId: 'x' };
    expect(() => createArcSealer({ ...base, domain: 'bad domain' })).toThrow(ArcError);
    expect(() => createArcSealer({ ...base, headers: ['from', 'ARC-Seal'] })).toThrow(ArcError);
    expect(() => createArcSealer({ ...base, key: 'not a key' })).toThrow(ArcError);
  });

  it('fails a header over the limit instead of buffering it', async () => {
    const v = createArcVerifier({ resolver: fakeResolver({}), maxHeaderBytes: 100 });
    v.push(Buffer.from(`X-Long: ${'x'.repeat(200)}\r\n\r\n`));
    expect((await v.end()).cv).toBe('fail');
  });

  it('never throws on bad mail, and never says pass for it', async () => {
    const name = fc.constantFrom(
      'ARC-Seal',
      'ARC-Message-Signature',
      'ARC-Authentication-Results',
      'arc-seal',
    );
    const value = fc.oneof(
      fc.string({
        unit: fc.constantFrom(
          ...'i=1;2 a=rsa-sha256 b=QUJD cv=none pass d=x.org s=hop1 h=from ;;='.split(' '),
        ),
      }),
      fc.string(),
    );
    const msg = fc
      .array(fc.tuple(name, value), { maxLength: 6 })
      .map((fs) =>
        Buffer.from(`${fs.map(([n, v]) => `${n}: ${v.replace(/[\r\n]/g, ' ')}\r\n`).join('')}\r\nbody\r\n`),
      );
    await fc.assert(
      fc.asyncProperty(msg, async (m) => {
        const r = await verify(m);
        expect(['none', 'fail']).toContain(r.cv);
        const s = await sealArc(withAr('x.example', ['arc=pass'], m), {
          domain: 'lists.example',
          selector: 'hop1',
          key: rsa.key,
          authservId: 'x.example',
        });
        expect(typeof s.sealed).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });
});
