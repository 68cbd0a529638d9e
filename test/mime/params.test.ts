import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatContentDisposition,
  formatContentType,
  formatParams,
  parseContentDisposition,
  parseContentType,
} from '../../src/mime/params.js';
import { describeWithTestdata, readTestdata } from '../helpers/testdata.js';

/** Type, params (as a plain object) and defect codes, for compact assertions. */
function ct(value: string): { type: string; params: Record<string, string>; defects: string[] } {
  const r = parseContentType(value);
  return { type: `${r.type}/${r.subtype}`, params: { ...r.params }, defects: r.defects.map((d) => d.code) };
}

describe('parseContentType: RFC 2045 §5.1', () => {
  it('reads type, subtype and parameters, lower-casing names but not values', () => {
    expect(ct('Text/HTML; Charset="UTF-8"; Format=Flowed')).toEqual({
      type: 'text/html',
      params: { charset: 'UTF-8', format: 'Flowed' },
      defects: [],
    });
  });
  it('treats the §5.1 examples as equal (quoting, comments)', () => {
    const a = ct('text/plain; charset=us-ascii (Plain text)');
    expect(a).toEqual({ type: 'text/plain', params: { charset: 'us-ascii' }, defects: [] });
    expect(ct('text/plain; charset="us-ascii"')).toEqual(a);
    expect(ct('(c) text (c) / (c) plain (c) ; (c) charset (c) = (c) us-ascii (c)')).toEqual(a);
  });
  it('reads quoted-pairs and keeps spaces inside quotes', () => {
    expect(ct('a/b; f="  x \\"y\\" \\\\ z; w=v  "').params).toEqual({ f: '  x "y" \\ z; w=v  ' });
  });
  it('defaults a missing or broken type to text/plain with a defect, keeping parameters (§5.2)', () => {
    for (const v of [
      '',
      'text',
      'text/',
      '/plain',
      'text/;charset=utf-8',
      '; charset=utf-8',
      '"text"/plain',
    ]) {
      const r = ct(v);
      expect(r.type, v).toBe('text/plain');
      expect(r.defects, v).toContain('bad-params');
    }
    expect(ct('text/; charset=utf-8').params).toEqual({ charset: 'utf-8' });
    expect(ct('charset=utf-8').params).toEqual({ charset: 'utf-8' });
  });
});

describe('parseContentType: RFC 2231', () => {
  it('§3 continuations', () => {
    expect(
      ct(
        'message/external-body; access-type=URL; URL*0="ftp://"; URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"',
      ).params,
    ).toEqual({ 'access-type': 'URL', url: 'ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar' });
  });
  it('§4 charset and language', () => {
    const r = parseContentType(
      "application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
    );
    expect(r.params).toEqual({ title: 'This is ***fun***' });
    expect(r.languages).toEqual({ title: 'en-us' });
    expect(r.defects).toEqual([]);
  });
  it('§4.1 mixed extended and plain sections', () => {
    const r = parseContentType(
      "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"",
    );
    expect(r.params).toEqual({ title: "This is even more ***fun*** isn't it!" });
    expect(r.languages).toEqual({ title: 'en' });
  });
  it('sorts out-of-order sections and joins a character split across sections', () => {
    expect(ct("a/b; name*2*=%A9.txt; name*0*=utf-8''caf; name*1*=%C3").params).toEqual({ name: 'café.txt' });
  });
  it('keeps what it has when sections are missing, with a defect', () => {
    expect(ct('a/b; name*0=abc; name*2=ghi')).toEqual({
      type: 'a/b',
      params: { name: 'abcghi' },
      defects: ['bad-params'],
    });
  });
  it('decodes legacy charsets, and reports an unknown one', () => {
    expect(ct("a/b; name*=iso-8859-1''Fr%F6sche").params).toEqual({ name: 'Frösche' });
    expect(ct("a/b; name*=koi8-r''%F0%D2%C9%D7%C5%D4").params).toEqual({ name: 'Привет' });
    const r = ct("a/b; name*=x-nonsense''caf%C3%A9");
    expect(r.params).toEqual({ name: 'café' });
    expect(r.defects).toEqual(['unknown-charset']);
  });
  it('prefers the RFC 2231 value over a plain fallback of the same name', () => {
    expect(ct('a/b; name="cafe.txt"; name*=utf-8\'\'caf%C3%A9.txt')).toEqual({
      type: 'a/b',
      params: { name: 'café.txt' },
      defects: [],
    });
  });
  it('reads an extended value without its prefix, with a defect', () => {
    expect(ct('a/b; name*=caf%C3%A9')).toEqual({
      type: 'a/b',
      params: { name: 'café' },
      defects: ['bad-params'],
    });
  });
});

describe('parseContentType: liberal reading', () => {
  it('decodes RFC 2047 encoded words in parameter values, but not in the boundary', () => {
    expect(ct('a/b; name="=?utf-8?B?w6k=?=.txt"').params).toEqual({ name: 'é.txt' });
    expect(ct('a/b; name==?utf-8?Q?caf=C3=A9?=').params).toEqual({ name: 'café' });
    expect(ct('multipart/mixed; boundary="=?utf-8?Q?x?="').params).toEqual({ boundary: '=?utf-8?Q?x?=' });
  });
  it('takes unquoted values with spaces, slashes and parentheses', () => {
    expect(ct('a/b; name=my file (1).pdf; x=a/b').params).toEqual({ name: 'my file (1).pdf', x: 'a/b' });
  });
  it('keeps the first of duplicate parameters, with a defect', () => {
    expect(ct('a/b; charset=utf-8; CHARSET=latin1')).toEqual({
      type: 'a/b',
      params: { charset: 'utf-8' },
      defects: ['bad-params'],
    });
  });
  it('tolerates trailing and doubled ";"', () => {
    expect(ct('a/b;; charset=utf-8;;')).toEqual({ type: 'a/b', params: { charset: 'utf-8' }, defects: [] });
  });
  it('skips a parameter without "=" or without a value, with a defect', () => {
    expect(ct('a/b; junk; charset=utf-8; empty=')).toEqual({
      type: 'a/b',
      params: { charset: 'utf-8' },
      defects: ['bad-params', 'bad-params'],
    });
    expect(ct('a/b; empty=""').params).toEqual({ empty: '' });
  });
  it('reads parameters separated by white space only (missing ";"), with a defect', () => {
    expect(ct('text/html charset=utf-8 format=flowed')).toEqual({
      type: 'text/html',
      params: { charset: 'utf-8', format: 'flowed' },
      defects: ['bad-params', 'bad-params'],
    });
  });
  it('stores any parameter name as an own property, never touching the prototype', () => {
    const r = parseContentType("a/b; __proto__=x; constructor=y; toString*=utf-8''z");
    expect(Object.getOwnPropertyDescriptor(r.params, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(r.params)).toBe(Object.prototype);
    expect(r.params.constructor).toBe('y');
    expect(r.params.tostring).toBe('z');
    expect(r.defects).toEqual([]);
    expect(Object.keys(parseContentType('a/b; x=1').params)).toEqual(['x']);
  });
  it('never throws', () => {
    const paramish = fc.string({
      unit: fc.constantFrom(...'a/;=*"\\() \'%0'.split(''), 'name*0*=', "utf-8''", '%C3%A9', '=?utf-8?Q?a?='),
      maxLength: 30,
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), paramish), (s) => {
        const r = parseContentType(s);
        expect(r.type.length).toBeGreaterThan(0);
        parseContentDisposition(s);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseContentDisposition: RFC 2183', () => {
  it('reads the §2 examples', () => {
    expect(parseContentDisposition('inline')).toEqual({ disposition: 'inline', params: {}, defects: [] });
    const r = parseContentDisposition(
      'attachment; filename=genome.jpeg;\tmodification-date="Wed, 12 Feb 1997 16:29:51 -0500"',
    );
    expect(r.disposition).toBe('attachment');
    expect({ ...r.params }).toEqual({
      filename: 'genome.jpeg',
      'modification-date': 'Wed, 12 Feb 1997 16:29:51 -0500',
    });
  });
  it('lower-cases the type and reads RFC 2231 file names', () => {
    const r = parseContentDisposition("ATTACHMENT; FileName*=utf-8'fr'r%C3%A9sum%C3%A9.pdf");
    expect(r).toEqual({
      disposition: 'attachment',
      params: { filename: 'résumé.pdf' },
      languages: { filename: 'fr' },
      defects: [],
    });
  });
  it('gives attachment (§2.8) with a defect when the type is missing', () => {
    const r = parseContentDisposition('filename="a.txt"');
    expect(r.disposition).toBe('attachment');
    expect({ ...r.params }).toEqual({ filename: 'a.txt' });
    expect(r.defects.map((d) => d.code)).toEqual(['bad-params']);
  });
});

describe('formatParams and friends', () => {
  it('writes tokens bare, other ASCII quoted with escapes', () => {
    expect(formatContentType('text', 'plain', { charset: 'utf-8', format: 'flowed' })).toBe(
      'text/plain; charset=utf-8; format=flowed',
    );
    expect(formatParams({ name: 'a b"c\\d;e=f' })).toBe('; name="a b\\"c\\\\d;e=f"');
    expect(formatParams({ name: '' })).toBe('; name=""');
    expect(formatContentDisposition('inline', {})).toBe('inline');
  });
  it('writes non-ASCII and control characters as RFC 2231 utf-8', () => {
    expect(formatContentDisposition('attachment', { filename: 'résumé.pdf' })).toBe(
      "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf",
    );
    expect(formatParams({ x: 'a\r\nb' })).toBe("; x*=utf-8''a%0D%0Ab");
    // "=?" would be read back as RFC 2047, so it takes the RFC 2231 form too.
    expect(formatParams({ x: '=?a?=' })).toBe("; x*=utf-8''%3D%3Fa%3F%3D");
  });
  it('splits long values into continuations, whole characters per section, lines short', () => {
    const long = 'é'.repeat(40);
    const out = formatParams({ filename: long });
    expect(out).toMatch(/^; filename\*0\*=utf-8''(%C3%A9)+; filename\*1\*=(%C3%A9)+/);
    for (const section of out.split('; ').slice(1)) expect(section.length).toBeLessThanOrEqual(76);
    expect(out).not.toMatch(/[\r\n]/);
    const ascii = formatParams({ url: `ftp://example.org/${'x'.repeat(100)}` });
    expect(ascii).toMatch(/^; url\*0="ftp:\/\/example.org\/x+"; url\*1="x+"$/);
  });
  it('never splits a 70-character boundary', () => {
    const boundary = `${'-'.repeat(20)}=_${'b'.repeat(48)}`;
    expect(formatContentType('multipart', 'mixed', { boundary })).toBe(
      `multipart/mixed; boundary="${boundary}"`,
    );
  });
  it('throws RangeError for names and types that are not tokens', () => {
    expect(() => formatContentType('text plain', 'x', {})).toThrow(RangeError);
    expect(() => formatContentType('text', '', {})).toThrow(RangeError);
    expect(() => formatContentType('téxt', 'plain', {})).toThrow(RangeError);
    expect(() => formatParams({ 'a*': 'b' })).toThrow(RangeError);
    expect(() => formatParams({ 'a b': 'c' })).toThrow(RangeError);
    expect(() => formatContentDisposition('', {})).toThrow(RangeError);
  });
});

// RFC 2045 §5.1 token characters, lower case (names compare case-insensitively), no "*'%".
const tokenChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`{|}~'.split(''));
const token = fc.string({ unit: tokenChars, minLength: 1, maxLength: 12 });
const nastyValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({
    unit: fc.constantFrom('"', '\\', ';', '=', '?', ' ', '\t', "'", '%', '*', '(', 'a', 'é', '€'),
    maxLength: 200,
  }),
);
const paramsArb = fc.dictionary(token, nastyValue, { maxKeys: 6 });

describe('round trips', () => {
  it('parseContentType(formatContentType(t, s, p)) = (t, s, p), without defects', () => {
    fc.assert(
      fc.property(token, token, paramsArb, (type, subtype, params) => {
        const r = parseContentType(formatContentType(type, subtype, params));
        expect(r.type).toBe(type);
        expect(r.subtype).toBe(subtype);
        expect({ ...r.params }).toEqual({ ...params });
        expect(r.defects).toEqual([]);
        expect(r.languages).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });
  it('parseContentDisposition(formatContentDisposition(d, p)) = (d, p)', () => {
    fc.assert(
      fc.property(token, paramsArb, (disposition, params) => {
        const r = parseContentDisposition(formatContentDisposition(disposition, params));
        expect(r.disposition).toBe(disposition);
        expect({ ...r.params }).toEqual({ ...params });
        expect(r.defects).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
  it('survives folding at "; " (CRLF + space, then unfolded by the reader)', () => {
    fc.assert(
      fc.property(paramsArb, (params) => {
        const folded = formatContentType('a', 'b', params).replaceAll('; ', ';\r\n ');
        const unfolded = folded.replace(/\r\n(?=[ \t])/g, '');
        expect({ ...parseContentType(unfolded).params }).toEqual({ ...params });
      }),
    );
  });
});

// Conformance: Stalwart mail-parser's content_type.json (SOURCES.md).
interface StalwartContentType {
  c_type: string;
  c_subtype: string | null;
  attributes?: [string, string][] | null;
}

/** What the header layer gives us: the field up to its end, unfolded (RFC 5322 §2.2.3). */
function fieldValue(raw: string): string {
  const end = raw.search(/\n(?![ \t])/);
  return (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n(?=[ \t])/g, '').replace(/\r$/, '');
}

/** Stalwart's attribute list in our shape: `x-language` entries are RFC 2231 languages. */
function split(attrs: [string, string][] | null | undefined): {
  params: Record<string, string>;
  languages?: Record<string, string>;
} {
  const params: Record<string, string> = {};
  let languages: Record<string, string> | undefined;
  for (const [k, v] of attrs ?? []) {
    if (k.endsWith('-language')) {
      languages ??= {};
      languages[k.slice(0, -'-language'.length)] = v;
    } else params[k] = v;
  }
  return languages === undefined ? { params } : { params, languages };
}

// Where we deliberately differ, with what we give instead. By rule rather than by listing:
// where Stalwart finds no subtype (or no type at all: `expected: null`) we give text/plain with
// a bad-params defect, as RFC 2045 §5.2 recommends, and keep the parameters we could read.
const DIFFERS: Record<string, { params: Record<string, string>; why: string }> = {
  'name=value\n': {
    params: { name: 'value' },
    why: 'a field that starts with name= is a parameter list whose type is missing; Stalwart takes "name=value" as the type',
  },
  'image/jpeg;\n   name="=?iso-8859-1?B?4Q==?= =?utf-8?B?w6k=?= =?iso-8859-1?q?=ED?=.jpeg"\n': {
    params: { name: 'áéí.jpeg' },
    why: 'RFC 2047 §6.2: white space between adjacent encoded words is dropped; Stalwart keeps it inside quotes',
  },
  'malicious/attempt; 1*2*=a; 3**=b; 4***=c; *5**6*=d;*****7*8*=e; 9*10*11*12*13*14=f; 15*x***fff*===g;1 * 999999999999999999 *= h; 18 *=*=*=*=*==i;\n':
    {
      params: { 1: 'a', 3: 'b', 4: 'c', 5: 'd', 7: 'e', 9: 'f', 15: '==g', 18: '*=*=*=*==i' },
      why: 'malformed: a section number of 18 digits is no section, so "1" keeps only its section 2; Stalwart gives "ha"',
    },
};

describeWithTestdata(
  'parseContentType: stalwart-mail-parser content_type.json',
  ['mime', 'stalwart-mail-parser', 'content_type.json'],
  () => {
    const vectors = JSON.parse(
      readTestdata('mime', 'stalwart-mail-parser', 'content_type.json').toString('utf8'),
    ) as {
      header: string;
      expected: StalwartContentType | null;
    }[];
    it('has the vectors', () => expect(vectors.length).toBe(103));
    it.each(vectors.map((v, i) => [i, v.header, v.expected] as const))('#%i %j', (_i, header, expected) => {
      const r = parseContentType(fieldValue(header));
      const got =
        r.languages === undefined
          ? { params: { ...r.params } }
          : { params: { ...r.params }, languages: { ...r.languages } };
      const diff = DIFFERS[header];
      if (expected === null || expected.c_subtype === null) {
        expect(`${r.type}/${r.subtype}`).toBe('text/plain');
        expect(r.defects.map((d) => d.code)).toContain('bad-params');
        if (expected === null) return; // no parameters to compare
      } else {
        expect(r.type).toBe(expected.c_type);
        expect(r.subtype).toBe(expected.c_subtype);
      }
      expect(got).toEqual(diff !== undefined ? { params: diff.params } : split(expected.attributes));
    });
  },
);
