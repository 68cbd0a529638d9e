// DMARC Policy Records (RFC 9989 §4.7, §4.8): the tags and their defaults, what a syntax
// error costs, the RFC 7489 tags, and a fast-check property: the parser never throws, and
// what it parses prints back to a record that parses the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DmarcRecord, formatRecord, isDmarcRecord, parseRecord } from '../../src/dmarc/index.js';

function parse(text: string): DmarcRecord {
  const r = parseRecord(text);
  if (!r.ok) throw new Error(r.reason);
  return r.record;
}

describe('parseRecord', () => {
  it('reads every tag, with the defaults of §4.7 for those left out', () => {
    expect(parse('v=DMARC1; p=reject')).toMatchObject({
      p: 'reject',
      sp: undefined,
      np: undefined,
      adkim: 'relaxed',
      aspf: 'relaxed',
      testing: false,
      psd: 'u',
      rua: [],
      ruf: [],
      fo: ['0'],
      notes: [],
    });
    const r = parse(
      'v=DMARC1;p=quarantine; sp=reject ;np=none; adkim=s; aspf=s; t=y; psd=n; ' +
        'rua=mailto:a@example.org, mailto:b@example.net!10m; ruf=mailto:f@example.org; fo=1:d:s',
    );
    expect(r).toMatchObject({
      p: 'quarantine',
      sp: 'reject',
      np: 'none',
      adkim: 'strict',
      aspf: 'strict',
      testing: true,
      psd: 'n',
      rua: ['mailto:a@example.org', 'mailto:b@example.net'],
      ruf: ['mailto:f@example.org'],
      fo: ['1', 'd', 's'],
    });
  });

  it('wants v=DMARC1 first, its value case-sensitive (§4.7)', () => {
    expect(parseRecord('p=reject; v=DMARC1').ok).toBe(false);
    expect(parseRecord('v=dmarc1; p=reject').ok).toBe(false);
    expect(parseRecord('v=DMARC2; p=reject').ok).toBe(false);
    expect(parseRecord('v=spf1 -all').ok).toBe(false);
    expect(parseRecord('').ok).toBe(false);
    expect(parseRecord('V = DMARC1 ; p=none').ok).toBe(true);
    expect(isDmarcRecord('v=DMARC1')).toBe(true);
    expect(isDmarcRecord('v=DMARC10; p=none')).toBe(false);
  });

  it('ignores unknown tags and discards bad values for their defaults (§4.8)', () => {
    const r = parse(
      'v=DMARC1; p=reject; adkim=x; aspf=relaxed; t=yes; psd=maybe; fo=0:1; foo=bar; rf:afrf; ;',
    );
    expect(r).toMatchObject({
      p: 'reject',
      adkim: 'relaxed',
      aspf: 'relaxed',
      testing: false,
      psd: 'u',
      fo: ['0'],
    });
    expect(r.tags).toContainEqual(['foo', 'bar']);
    expect(r.notes.join('\n')).toMatch(/adkim=x ignored/);
    expect(r.notes.join('\n')).toMatch(/"rf:afrf" ignored/);
    expect(r.notes.join('\n')).toMatch(/empty tag/);
  });

  it('keeps the first of a repeated tag', () => {
    const r = parse('v=DMARC1; p=none; p=reject');
    expect(r.p).toBe('none');
    expect(r.notes).toContain('p= ignored: repeated');
  });

  it('reads a bad or missing p= as none when rua= is valid, else gives no policy (§4.10.1)', () => {
    expect(parse('v=DMARC1; rua=mailto:d@example.org')).toMatchObject({ p: 'none' });
    expect(parse('v=DMARC1; rua=mailto:d@example.org').problem).toBeUndefined();
    expect(parse('v=DMARC1; p=bogus; rua=mailto:d@example.org')).toMatchObject({ p: 'none' });
    // A bad sp= or np= counts the same: the whole policy becomes none.
    expect(parse('v=DMARC1; p=reject; sp=bogus; rua=mailto:d@example.org')).toMatchObject({
      p: 'none',
      sp: undefined,
    });
    expect(parse('v=DMARC1; p=bogus').problem?.kind).toBe('bad-policy');
    expect(parse('v=DMARC1; p=reject; np=nope').problem?.kind).toBe('bad-policy');
    expect(parse('v=DMARC1; p=reject; np=nope').p).toBeUndefined();
    expect(parse('v=DMARC1; psd=y').problem?.kind).toBe('no-policy');
    expect(parse('v=DMARC1; rua=not a uri').problem?.kind).toBe('no-policy');
  });

  it('understands the RFC 7489 tags: pct=0 is t=y, an explicit t= wins (Appendix A.6)', () => {
    expect(parse('v=DMARC1; p=reject; pct=0')).toMatchObject({ testing: true, pct: 0 });
    expect(parse('v=DMARC1; p=reject; pct=0; t=n').testing).toBe(false);
    expect(parse('v=DMARC1; p=reject; pct=50')).toMatchObject({ testing: false, pct: 50 });
    expect(parse('v=DMARC1; p=reject; pct=100; t=y').testing).toBe(true);
    expect(parse('v=DMARC1; p=reject; ri=3600; rf=afrf')).toMatchObject({ ri: 3600, rf: ['afrf'] });
    expect(parse('v=DMARC1; p=reject; pct=101; ri=-1').pct).toBeUndefined();
  });

  it('keeps URIs with any scheme, drops what is not a URI', () => {
    const r = parse(
      'v=DMARC1; p=none; rua=mailto:a@example.org!5m, https://r.example/x?y=1 , nope, mailto:a b@c',
    );
    expect(r.rua).toEqual(['mailto:a@example.org', 'https://r.example/x?y=1']);
    expect(r.notes.filter((n) => n.startsWith('rua:'))).toHaveLength(2);
  });
});

describe('formatRecord', () => {
  it('writes the record in a fixed order without defaults', () => {
    expect(formatRecord(parse('v=DMARC1; rua=mailto:d@example.org; sp=reject; p=quarantine; adkim=r'))).toBe(
      'v=DMARC1; p=quarantine; sp=reject; rua=mailto:d@example.org',
    );
  });
});

/** The typed meaning of a record, without the raw tags and notes. */
function meaning(r: DmarcRecord) {
  const { tags: _tags, notes: _notes, problem, ...rest } = r;
  return { ...rest, usable: problem === undefined };
}

const TAG_VALUES: Record<string, string[]> = {
  p: ['none', 'quarantine', 'reject', 'REJECT', 'bogus', ''],
  sp: ['none', 'quarantine', 'reject', 'x'],
  np: ['none', 'quarantine', 'reject', 'nones'],
  adkim: ['r', 's', 'S', 'relaxed'],
  aspf: ['r', 's', 'x'],
  t: ['y', 'n', 'Y', 'yes'],
  psd: ['y', 'n', 'u', 'maybe'],
  rua: ['mailto:a@example.org', 'mailto:a@example.org!10m, https://x.example/r', 'nope', 'ftp://x'],
  ruf: ['mailto:f@example.org', 'x y'],
  fo: ['0', '1', 'd:s', '0:1', 'dd'],
  pct: ['0', '50', '100', '101', '-1'],
  ri: ['86400', '0', 'a'],
  rf: ['afrf', 'iodef'],
  other: ['x', 'y=z'],
};

const recordText = fc
  .tuple(
    fc.constantFrom('v=DMARC1', 'v=DMARC1 ', ' V = DMARC1', 'v=dmarc1', 'v=DMARC1x', ''),
    fc.array(
      fc.oneof(
        fc
          .constantFrom(...Object.keys(TAG_VALUES))
          .chain((tag) => fc.constantFrom(...(TAG_VALUES[tag] as string[])).map((v) => `${tag}=${v}`)),
        fc.string({ maxLength: 12 }),
      ),
      { maxLength: 10 },
    ),
    fc.constantFrom(';', '; ', ' ;', ';\t'),
    fc.boolean(),
  )
  .map(([v, tags, sep, trailing]) => [v, ...tags].join(sep) + (trailing ? sep : ''));

describe('properties', () => {
  it('never throws, on arbitrary text or near-records', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), recordText), (text) => {
        const r = parseRecord(text);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('what parses prints back to a record with the same meaning', () => {
    fc.assert(
      fc.property(recordText, (text) => {
        const r = parseRecord(text);
        if (!r.ok) return;
        const again = parseRecord(formatRecord(r.record));
        expect(again.ok).toBe(true);
        if (!again.ok) return;
        expect(meaning(again.record)).toEqual(meaning(r.record));
        // The printed form is canonical: printing it again changes nothing, and it is clean.
        expect(formatRecord(again.record)).toBe(formatRecord(r.record));
        expect(again.record.notes.filter((n) => !n.includes('read as p=none'))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
});
