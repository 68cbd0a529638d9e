// The record parser: the grammar of RFC 7208 §4.5, §4.6.1, §5, §6 and §7.1 term by term,
// then two properties: it never throws (a bad record is a reason, the caller's permerror),
// and generated records survive a trip to text and back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIP } from '../../src/dns/index.js';
import {
  domainSpec,
  formatRecord,
  isSpfRecord,
  type MacroString,
  type Mechanism,
  type Modifier,
  parseRecord,
  parseTerm,
  type Qualifier,
  type Term,
} from '../../src/spf/index.js';

function ok(text: string) {
  const r = parseRecord(text);
  if (!r.ok) throw new Error(`${text}: ${r.reason}`);
  return r.record;
}

function reason(text: string): string {
  const r = parseRecord(text);
  return r.ok ? '' : r.reason;
}

function ds(text: string): MacroString {
  const d = domainSpec(text);
  if (typeof d === 'string') throw new Error(d);
  return d;
}

describe('version (§4.5)', () => {
  it('is "v=spf1" in any case, then a space or the end', () => {
    for (const t of ['v=spf1', 'v=spf1 -all', 'V=SpF1 ~all', 'v=spf1  ']) expect(isSpfRecord(t)).toBe(true);
    for (const t of ['v=spf10', 'v=spf1-all', ' v=spf1', 'v=spf2.0/pra', 'spf1', ''])
      expect(isSpfRecord(t)).toBe(false);
    expect(ok('v=spf1').terms).toEqual([]);
  });
});

describe('terms', () => {
  it('are separated by spaces only', () => {
    expect(ok('v=spf1  a   -all ').mechanisms.map((m) => m.kind)).toEqual(['a', 'all']);
    expect(reason('v=spf1 a\t-all')).toMatch(/"a\\t-all"/);
    expect(reason('v=spf1 ip4:192.0.2.5\n include:x.example.com')).toMatch(/not an IPv4 address/);
  });

  it('carry their qualifier, "+" by default', () => {
    const q = ok('v=spf1 a +a -a ~a ?a').mechanisms.map((m) => m.qualifier);
    expect(q).toEqual(['+', '+', '-', '~', '?']);
  });

  it('parse every mechanism with its arguments', () => {
    expect(parseTerm('all')).toEqual({ kind: 'all', qualifier: '+' });
    expect(parseTerm('-include:_spf.example.net')).toEqual({
      kind: 'include',
      qualifier: '-',
      domain: ds('_spf.example.net'),
    });
    expect(parseTerm('a')).toEqual({ kind: 'a', qualifier: '+' });
    expect(parseTerm('a/24//64')).toEqual({ kind: 'a', qualifier: '+', cidr4: 24, cidr6: 64 });
    expect(parseTerm('mx:foo:bar/baz.example.com//0')).toEqual({
      kind: 'mx',
      qualifier: '+',
      domain: ds('foo:bar/baz.example.com'),
      cidr6: 0,
    });
    expect(parseTerm('a:%{d}/32')).toEqual({ kind: 'a', qualifier: '+', domain: ds('%{d}'), cidr4: 32 });
    expect(parseTerm('ptr')).toEqual({ kind: 'ptr', qualifier: '+' });
    expect(parseTerm('?ptr:example.com')).toEqual({ kind: 'ptr', qualifier: '?', domain: ds('example.com') });
    expect(parseTerm('ip4:192.0.2.0/24')).toEqual({
      kind: 'ip4',
      qualifier: '+',
      address: parseIP('192.0.2.0'),
      prefix: 24,
    });
    expect(parseTerm('ip6:::1.1.1.1/0')).toEqual({
      kind: 'ip6',
      qualifier: '+',
      address: parseIP('::1.1.1.1'),
      prefix: 0,
    });
    expect(parseTerm('exists:%{ir}.%{l1r+-}._spf.%{d}')).toMatchObject({ kind: 'exists' });
    expect(parseTerm('MX')).toEqual({ kind: 'mx', qualifier: '+' });
  });

  it('parse modifiers: redirect, exp, and unknown ones (checked, then ignored)', () => {
    const r = ok('v=spf1 -all exp=explain.%{d} moo.cow-far_out=man:dog/cat redirect=_spf.example.net');
    expect(r.exp?.text).toBe('explain.%{d}');
    expect(r.redirect?.text).toBe('_spf.example.net');
    expect(r.terms[2]).toMatchObject({ kind: 'unknown', name: 'moo.cow-far_out' });
    expect(r.mechanisms).toHaveLength(1);
    expect(ok('v=spf1 default=+ foo=').terms).toHaveLength(2);
  });

  it.each([
    ['v=spf1 -all.', /unknown mechanism "-all."/],
    ['v=spf1 -all:x', /takes no argument/],
    ['v=spf1 moo', /unknown mechanism "moo"/],
    ['v=spf1 redirect:example.com', /unknown mechanism/],
    ['v=spf1 1up=foo', /unknown mechanism/],
    ['v=spf1 =all', /unknown mechanism/],
    ['v=spf1 ptr/0', /takes no CIDR/],
    ['v=spf1 a/33', /bad CIDR length "\/33" \(0 to 32/],
    ['v=spf1 a//129', /bad CIDR length "\/129" \(0 to 128/],
    ['v=spf1 a/24/64', /malformed CIDR/],
    ['v=spf1 a/024', /bad CIDR length/],
    ['v=spf1 ip4:1.2.3.4/032', /bad CIDR length/],
    ['v=spf1 ip4:1.2.3.4//32', /bad CIDR length/],
    ['v=spf1 ip4:1.2.3', /not an IPv4 address/],
    ['v=spf1 ip4:01.2.3.4', /not an IPv4 address/],
    ['v=spf1 ip6::CAFE::BABE', /not an IPv6 address/],
    ['v=spf1 ip6', /address is required/],
    ['v=spf1 include', /domain is required/],
    ['v=spf1 exists', /domain is required/],
    ['v=spf1 a:', /empty domain/],
    ['v=spf1 include:example.com/24', /top-level label/],
    ['v=spf1 a:museum', /top-level label/],
    ['v=spf1 a:museum.', /top-level label/],
    ['v=spf1 a:abc.123', /top-level label/],
    ['v=spf1 a:example.-com', /top-level label/],
    ['v=spf1 a:foo.example.com\0', /U\+0000/],
    ['v=spf1 a:%{a}.example.com', /unknown macro/],
    ['v=spf1 exp=%{r}.example.com', /outside an explanation/],
    ['v=spf1 exp=', /empty domain/],
    ['v=spf1 redirect=-all', /top-level label/],
    ['v=spf1 exp=a.example.com exp=b.example.com', /more than one exp=/],
    ['v=spf1 redirect=a.example.com Redirect=b.example.com', /more than one redirect=/],
    ['v=spf1 foo=%abc', /bad modifier/],
  ])('rejects %j', (text, why) => {
    expect(reason(text)).toMatch(why);
  });

  it('accepts a domain-spec that ends in a macro or a valid top label', () => {
    for (const d of [
      '%{d}',
      'x.%{d2}',
      'a.b.xn--zckzah',
      'example.com.',
      'foo%%',
      'foo%_',
      'foo%-',
      '_spf.1-2.a1',
    ]) {
      expect(domainSpec(d), d).toHaveProperty('parts');
    }
    for (const d of ['foo%%%', 'x.%{d}x', 'x.com/24', 'x.-com', 'x.com-', 'x.123']) {
      expect(typeof domainSpec(d), d).toBe('string');
    }
  });
});

describe('properties', () => {
  it('never throws, whatever the text', () => {
    const junk = fc.oneof(
      fc.string({ unit: 'grapheme-composite' }),
      fc.string({
        unit: fc.constantFrom(...'v=spf1 +-~?:/.%{}_aAmMxXiIpP46lLdDrR0123456789\t\r\n\0\x80é'.split('')),
      }),
    );
    fc.assert(
      fc.property(junk, fc.boolean(), (s, prefix) => {
        const r = parseRecord(prefix ? `v=spf1 ${s}` : s);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
      }),
      { seed: 4408, numRuns: 5000 },
    );
  });

  it('gives back a generated record after formatting it', () => {
    fc.assert(
      fc.property(arbRecordTerms, (terms) => {
        const text = formatRecord({ terms, mechanisms: [], redirect: undefined, exp: undefined });
        const back = parseRecord(text);
        if (!back.ok) throw new Error(`${text}: ${back.reason}`);
        expect(back.record.terms).toEqual(terms);
        expect(formatRecord(back.record)).toBe(text);
      }),
      { seed: 7208, numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Arbitraries: valid records as structures

const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
const arbLabel = fc.string({ unit: fc.constantFrom(...`${alnum}-_`.split('')), minLength: 1, maxLength: 8 });
const arbTop = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...'abcxyz'.split('')),
      fc.string({ unit: fc.constantFrom(...alnum.split('')), maxLength: 5 }),
    )
    .map(([a, b]) => a + b),
  fc.constant('xn--zckzah'),
);
const arbMacro = fc
  .tuple(
    fc.constantFrom(...'slodiphvSLODIPHV'.split('')),
    fc.option(fc.integer({ min: 1, max: 128 }), { nil: undefined }),
    fc.boolean(),
    fc.string({ unit: fc.constantFrom(...'.-+,/_='.split('')), maxLength: 3 }),
  )
  .map(([l, n, r, d]) => `%{${l}${n ?? ''}${r ? 'r' : ''}${d}}`);
const arbPiece = fc.oneof(arbLabel, arbMacro, fc.constantFrom('%%', '%_', '%-'));
const arbDomainText = fc.oneof(
  fc
    .tuple(fc.array(arbPiece, { minLength: 1, maxLength: 3 }), arbTop, fc.boolean())
    .map(([p, t, dot]) => [...p, t].join('.') + (dot ? '.' : '')),
  fc.tuple(fc.array(arbPiece, { maxLength: 3 }), arbMacro).map(([p, m]) => [...p, m].join('.')),
);
const arbDomain = arbDomainText.map(ds);
const arbQualifier = fc.constantFrom<Qualifier>('+', '-', '~', '?');
const arbOpt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const arbMechanism: fc.Arbitrary<Mechanism> = fc.oneof(
  arbQualifier.map((qualifier) => ({ kind: 'all' as const, qualifier })),
  fc
    .tuple(arbQualifier, fc.constantFrom('include' as const, 'exists' as const), arbDomain)
    .map(([qualifier, kind, domain]) => ({ kind, qualifier, domain })),
  fc
    .tuple(
      arbQualifier,
      fc.constantFrom('a' as const, 'mx' as const),
      arbOpt(arbDomain),
      arbOpt(fc.integer({ min: 0, max: 32 })),
      arbOpt(fc.integer({ min: 0, max: 128 })),
    )
    .map(([qualifier, kind, domain, cidr4, cidr6]) => clean({ kind, qualifier, domain, cidr4, cidr6 })),
  fc
    .tuple(arbQualifier, arbOpt(arbDomain))
    .map(([qualifier, domain]) => clean({ kind: 'ptr' as const, qualifier, domain })),
  fc
    .tuple(
      arbQualifier,
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      arbOpt(fc.integer({ min: 0, max: 32 })),
    )
    .map(([qualifier, address, prefix]) => clean({ kind: 'ip4' as const, qualifier, address, prefix })),
  fc
    .tuple(
      arbQualifier,
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      arbOpt(fc.integer({ min: 0, max: 128 })),
    )
    .map(([qualifier, address, prefix]) => clean({ kind: 'ip6' as const, qualifier, address, prefix })),
);

const arbUnknown: fc.Arbitrary<Modifier> = fc
  .tuple(
    fc.constantFrom(...'abcdefgh'.split('')),
    fc.string({ unit: fc.constantFrom(...`${alnum}_.-`.split('')), maxLength: 6 }),
    fc.array(fc.oneof(arbLabel, arbMacro, fc.constantFrom('%%', ':', '/', '=', '+')), { maxLength: 4 }),
  )
  .filter(([a, b]) => !['exp', 'redirect'].includes((a + b).toLowerCase()))
  .map(([a, b, value]) => {
    const text = value.join('');
    return { kind: 'unknown', name: a + b, value: domainOrValue(text) };
  });

function domainOrValue(text: string): MacroString {
  // An unknown modifier's value is any macro-string: parse it as the parser will.
  const r = parseRecord(`v=spf1 x=${text}`);
  if (!r.ok) throw new Error(r.reason);
  return (r.record.terms[0] as { value: MacroString }).value;
}

const arbRecordTerms: fc.Arbitrary<Term[]> = fc
  .tuple(
    fc.array(fc.oneof({ weight: 4, arbitrary: arbMechanism }, { weight: 1, arbitrary: arbUnknown }), {
      maxLength: 8,
    }),
    arbOpt(arbDomain),
    arbOpt(arbDomain),
    fc.nat(),
  )
  .map(([terms, redirect, exp, at]) => {
    const out: Term[] = [...terms];
    if (redirect) out.splice(at % (out.length + 1), 0, { kind: 'redirect', domain: redirect });
    if (exp) out.push({ kind: 'exp', domain: exp });
    return out;
  });
