// Tag lists (RFC 6376 §3.2), DKIM-Signature fields (§3.5) and key records (§3.6.1).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDkimQp, parseKeyRecord, parseSignature, parseTagList } from '../../src/dkim/index.js';

describe('parseTagList', () => {
  it('reads tags with FWS anywhere the grammar allows it', () => {
    const r = parseTagList(' v = 1 ;\r\n\ta=rsa-sha256;  b = ab\r\n cd== ; n=two words;');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Object.fromEntries([...r.tags].map(([k, t]) => [k, t.value]))).toEqual({
      v: '1',
      a: 'rsa-sha256',
      b: 'ab\r\n cd==',
      n: 'two words',
    });
  });
  it('is strict on names, "=", duplicates and control characters', () => {
    expect(parseTagList('v=1; t; p=x')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/"t" has no "="/),
    });
    expect(parseTagList('v=1; v=1')).toMatchObject({ ok: false, reason: expect.stringMatching(/duplicate/) });
    expect(parseTagList('1v=1')).toMatchObject({ ok: false });
    expect(parseTagList('a=b\x00c')).toMatchObject({ ok: false, reason: expect.stringMatching(/control/) });
    expect(parseTagList('=x')).toMatchObject({ ok: false });
  });
  it('accepts an empty list, a trailing ";", and empty values; not an empty tag-spec', () => {
    expect(parseTagList('')).toMatchObject({ ok: true });
    expect(parseTagList('a=1 ; ')).toMatchObject({ ok: true });
    expect(parseTagList(' ; ')).toMatchObject({ ok: false });
    expect(parseTagList('a=1;;b=2')).toMatchObject({ ok: false });
    const r = parseTagList('p=; g=');
    expect(r.ok && r.tags.get('p')?.value).toBe('');
  });
  it('never throws, and reads back any well-formed list', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => void parseTagList(s)));
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,5}$/);
    const value = fc.stringMatching(/^[!-:<-~]{1,8}( [!-:<-~]{1,8}){0,2}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, value), { selector: ([n]) => n, maxLength: 8 }), (tags) => {
        const text = tags.map(([n, v]) => ` ${n} =\r\n ${v} `).join(';');
        const r = parseTagList(text);
        expect(r.ok).toBe(true);
        if (r.ok) expect([...r.tags].map(([n, t]) => [n, t.value])).toEqual(tags);
      }),
    );
  });
});

const GOOD = 'v=1; a=rsa-sha256; c=relaxed/simple; d=example.org; s=s1; h=From:To; bh=YWJj; b=ZGVm';

describe('parseSignature', () => {
  it('reads a signature', () => {
    const r = parseSignature(`${GOOD}; i=joe=40x@sub.example.org; l=10; t=5; x=6; z=From:a|To:b; q=dns/txt`);
    expect(r).toMatchObject({
      ok: true,
      signature: {
        algorithm: 'rsa-sha256',
        headerCanon: 'relaxed',
        bodyCanon: 'simple',
        domain: 'example.org',
        selector: 's1',
        headers: ['From', 'To'],
        identity: 'joe@x@sub.example.org',
        bodyLength: 10,
        timestamp: 5,
        expiration: 6,
      },
    });
  });
  it('defaults c= to simple/simple and a lone word to header/simple', () => {
    expect(parseSignature(GOOD.replace('c=relaxed/simple; ', ''))).toMatchObject({
      signature: { headerCanon: 'simple', bodyCanon: 'simple' },
    });
    expect(parseSignature(GOOD.replace('c=relaxed/simple', 'c=relaxed'))).toMatchObject({
      signature: { headerCanon: 'relaxed', bodyCanon: 'simple' },
    });
  });
  const bad: [string, string, RegExp][] = [
    ['no v=', GOOD.replace('v=1; ', ''), /no v=/],
    ['v=0.5', GOOD.replace('v=1', 'v=0.5'), /version/],
    ['a=rsa-md5', GOOD.replace('rsa-sha256', 'rsa-md5'), /algorithm/],
    ['c=future', GOOD.replace('relaxed/simple', 'future'), /canonicalization/],
    ['no From in h=', GOOD.replace('From:To', 'To:Subject'), /From/],
    ['i= outside d=', `${GOOD}; i=@example.net`, /not in d=/],
    ['i= in a look-alike', `${GOOD}; i=@badexample.org`, /not in d=/],
    ['l= not a number', `${GOOD}; l=ten`, /l=/],
    ['x= before t=', `${GOOD}; t=10; x=5`, /before/],
    ['q=http only', `${GOOD}; q=http`, /q=/],
    ['d= not a name', GOOD.replace('example.org', 'a(b.example'), /domain/],
    ['b= not base64', GOOD.replace('ZGVm', 'Z!Vm'), /b=/],
    ['no bh=', GOOD.replace('bh=YWJj; ', ''), /bh=/],
    ['duplicate tag', `${GOOD}; d=example.org`, /duplicate/],
  ];
  for (const [what, text, why] of bad) {
    it(`permerror: ${what}`, () => {
      const r = parseSignature(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(why);
    });
  }
  it('keeps what it could read of a bad signature, for the report', () => {
    expect(parseSignature(GOOD.replace('v=1', 'v=2'))).toMatchObject({
      ok: false,
      partial: { domain: 'example.org', selector: 's1', algorithm: 'rsa-sha256', b: 'ZGVm' },
    });
  });
  it('decodes dkim-quoted-printable', () => {
    expect(decodeDkimQp('jlong=40messiah.edu')).toBe('jlong@messiah.edu');
    expect(decodeDkimQp('a=3D b')).toBe('a=b');
    expect(decodeDkimQp('bad=4')).toBeUndefined();
  });
});

describe('parseKeyRecord', () => {
  it('reads the tags and their defaults', () => {
    expect(parseKeyRecord('p=YWJj')).toMatchObject({
      ok: true,
      record: { keyType: 'rsa', services: ['*'], flags: [], revoked: false },
    });
    expect(
      parseKeyRecord('v=DKIM1; k=ed25519; h=sha256; s=email:*; t=y:s; n=notes here; p=YW Jj'),
    ).toMatchObject({
      ok: true,
      record: { keyType: 'ed25519', hashes: ['sha256'], services: ['email', '*'], flags: ['y', 's'] },
    });
  });
  it('an empty p= is a revoked key', () => {
    expect(parseKeyRecord('v=DKIM1; p=')).toMatchObject({ ok: true, record: { revoked: true } });
  });
  it('rejects bad versions, v= not first, no p=, and syntax errors', () => {
    expect(parseKeyRecord('v=DKIM2; p=YWJj')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/DKIM1/),
    });
    expect(parseKeyRecord('k=rsa; v=DKIM1; p=YWJj')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/first/),
    });
    expect(parseKeyRecord('v=DKIM1; k=rsa')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/p=/),
    });
    expect(parseKeyRecord('v=DKIM1: g=*; p=YWJj')).toMatchObject({ ok: false });
    expect(parseKeyRecord('k=rsa; t; p=YWJj')).toMatchObject({ ok: false });
    expect(parseKeyRecord('p=Y!Jj')).toMatchObject({ ok: false });
  });
});
