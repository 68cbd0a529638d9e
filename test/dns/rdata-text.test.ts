import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TYPE } from '../../src/dns/constants.js';
import { normalizeName, relativeName } from '../../src/dns/name.js';
import {
  formatGeneric,
  formatRData,
  formatRR,
  parseDuration,
  parseRData,
  quoteString,
  RDataError,
  rdataBytes,
  resolveName,
  tokenizeRData,
  unescapeText,
} from '../../src/dns/rdata-text.js';
import { makeRR, type RR } from '../../src/dns/types.js';
import { arbName, arbRR, typeBitmap, wireName } from './arbitraries.js';

const ORIGIN = 'example.org.';
const b = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const rr = (type: number, data: unknown, name = 'www.example.org.'): RR =>
  ({ name, type, class: 1, ttl: 300, data }) as RR;
const parse = (type: number, text: string, origin = ORIGIN) => parseRData(type, tokenizeRData(text), origin);

describe('formatRData', () => {
  const rrsig = Uint8Array.from([
    0,
    1,
    13,
    2,
    ...[0, 0, 0x0e, 0x10], // A, ECDSAP256SHA256, 2 labels, TTL 3600
    ...[0x65, 0xba, 0xdf, 0x00, 0x65, 0x92, 0x00, 0x80], // 2024-02-01, 2024-01-01
    0x30,
    0x39,
    ...wireName('example.org.'),
    ...b('test'),
  ]);
  const cases: [string, RR, string][] = [
    ['A', makeRR('a.', TYPE.A, 1, '192.0.2.1'), '192.0.2.1'],
    ['AAAA', makeRR('a.', TYPE.AAAA, 1, '2001:db8::1'), '2001:db8::1'],
    ['NS', makeRR('a.', TYPE.NS, 1, 'ns1.example.org.'), 'ns1.example.org.'],
    [
      'SOA',
      makeRR('a.', TYPE.SOA, 1, {
        mname: 'ns1.example.org.',
        rname: 'hostmaster.example.org.',
        serial: 2024010101,
        refresh: 7200,
        retry: 900,
        expire: 1209600,
        minimum: 300,
      }),
      'ns1.example.org. hostmaster.example.org. 2024010101 7200 900 1209600 300',
    ],
    ['MX', makeRR('a.', TYPE.MX, 1, { preference: 10, exchange: 'mx.example.org.' }), '10 mx.example.org.'],
    ['TXT', makeRR('a.', TYPE.TXT, 1, [b('v=spf1 -all')]), '"v=spf1 -all"'],
    ['TXT strings', makeRR('a.', TYPE.TXT, 1, [b('a b'), b(''), b('c')]), '"a b" "" "c"'],
    [
      'TXT escapes',
      makeRR('a.', TYPE.TXT, 1, [b('say "hi" \\ ;\x00\x1f\x7f\xff~ ')]),
      '"say \\"hi\\" \\\\ ;\\000\\031\\127\\255~ "',
    ],
    [
      'SRV',
      makeRR('a.', TYPE.SRV, 1, { priority: 0, weight: 5, port: 5060, target: 'sip.example.org.' }),
      '0 5 5060 sip.example.org.',
    ],
    [
      'CAA',
      makeRR('a.', TYPE.CAA, 1, { flags: 0, tag: 'issue', value: b('letsencrypt.org') }),
      '0 issue "letsencrypt.org"',
    ],
    [
      'TLSA',
      makeRR('a.', TYPE.TLSA, 1, { usage: 3, selector: 1, matchingType: 1, data: hex('0aff10') }),
      '3 1 1 0AFF10',
    ],
    ['DS', rr(TYPE.DS, Uint8Array.from([0x30, 0x39, 13, 2, 0xab, 0xcd])), '12345 13 2 ABCD'],
    ['DNSKEY', rr(TYPE.DNSKEY, Uint8Array.from([1, 1, 3, 13, ...b('key')])), '257 3 13 a2V5'],
    ['RRSIG', rr(TYPE.RRSIG, rrsig), 'A 13 2 3600 20240201000000 20240101000000 12345 example.org. dGVzdA=='],
    [
      'NSEC',
      rr(
        TYPE.NSEC,
        Uint8Array.from([...wireName('b.example.org.'), ...typeBitmap([1, 2, 6, 46, 47, 48, 1234])]),
      ),
      'b.example.org. A NS SOA RRSIG NSEC DNSKEY TYPE1234',
    ],
    ['NSEC (no types)', rr(TYPE.NSEC, Uint8Array.from(wireName('b.'))), 'b.'],
    [
      'NSEC3',
      rr(TYPE.NSEC3, Uint8Array.from([1, 0, 0, 10, 2, 0xaa, 0xbb, 3, 0xff, 0, 1, ...typeBitmap([1, 46])])),
      '1 0 10 AABB VS002 A RRSIG',
    ],
    ['NSEC3PARAM', rr(TYPE.NSEC3PARAM, Uint8Array.from([1, 0, 0, 0, 0])), '1 0 0 -'],
    ['HINFO', rr(TYPE.HINFO, Uint8Array.from([2, ...b('PC'), 5, ...b('Linux')])), '"PC" "Linux"'],
    [
      'TSIG',
      makeRR('key.', TYPE.TSIG, 0, {
        algorithm: 'hmac-sha256.',
        timeSigned: 1700000000,
        fudge: 300,
        mac: Uint8Array.from([1, 2, 3, 4]),
        originalId: 4660,
        error: 18,
        other: new Uint8Array(6),
      }),
      'hmac-sha256. 1700000000 300 4 AQIDBA== 4660 BADTIME 6 AAAAAAAA',
    ],
    [
      'TSIG without MAC',
      makeRR('key.', TYPE.TSIG, 0, {
        algorithm: 'hmac-sha256.',
        timeSigned: 0,
        fudge: 300,
        mac: new Uint8Array(0),
        originalId: 1,
        error: 16,
        other: new Uint8Array(0),
      }),
      'hmac-sha256. 0 300 0 1 BADSIG 0',
    ],
    ['an unknown type', rr(999, hex('abcdef')), '\\# 3 ABCDEF'],
    ['an unknown type, empty', rr(999, new Uint8Array(0)), '\\# 0'],
  ];
  for (const [what, record, text] of cases) {
    it(what, () => {
      expect(formatRData(record)).toBe(text);
      expect(parseRData(record.type, tokenizeRData(text), '.')).toEqual(record.data);
    });
  }

  describe('falls back to \\# for what the text form cannot carry', () => {
    const generic: [string, RR, string][] = [
      ['a CAA tag with a space', rr(TYPE.CAA, { flags: 0, tag: 'a b', value: b('x') }), '\\# 6 000361206278'],
      [
        'empty TLSA data',
        rr(TYPE.TLSA, { usage: 3, selector: 1, matchingType: 1, data: new Uint8Array(0) }),
        '\\# 3 030101',
      ],
      ['a DS without digest', rr(TYPE.DS, Uint8Array.from([0, 1, 2, 3])), '\\# 4 00010203'],
      ['a DNSKEY without key', rr(TYPE.DNSKEY, Uint8Array.from([1, 1, 3])), '\\# 3 010103'],
      ['an RRSIG cut short', rr(TYPE.RRSIG, new Uint8Array(17)), `\\# 17 ${'00'.repeat(17)}`],
      ['an RRSIG without signature', rr(TYPE.RRSIG, new Uint8Array(19)), `\\# 19 ${'00'.repeat(19)}`],
      [
        'an NSEC bitmap with a zero octet last',
        rr(TYPE.NSEC, Uint8Array.from([0, 0, 2, 0x40, 0])),
        '\\# 5 0000024000',
      ],
      [
        'an NSEC bitmap with windows out of order',
        rr(TYPE.NSEC, hex('0001014000014000')),
        '\\# 8 0001014000014000',
      ],
      [
        'an NSEC3PARAM with a wrong salt length',
        rr(TYPE.NSEC3PARAM, hex('0100000002aa')),
        '\\# 6 0100000002AA',
      ],
      ['a HINFO of one string', rr(TYPE.HINFO, hex('024142')), '\\# 3 024142'],
      ['the empty data of an UPDATE deletion', rr(TYPE.A, new Uint8Array(0)), '\\# 0'],
      ['an empty TXT', rr(TYPE.TXT, []), '\\# 0'],
    ];
    for (const [what, record, text] of generic) {
      it(what, () => {
        expect(formatRData(record)).toBe(text);
      });
    }
  });

  it('writes names relative to an origin when given one', () => {
    const mx = makeRR('example.org.', TYPE.MX, 300, { preference: 10, exchange: 'mx.example.org.' });
    expect(formatRData(mx, ORIGIN)).toBe('10 mx');
    expect(formatRData(makeRR('a.', TYPE.CNAME, 1, 'example.org.'), ORIGIN)).toBe('@');
    expect(formatRData(makeRR('a.', TYPE.CNAME, 1, 'example.net.'), ORIGIN)).toBe('example.net.');
  });
});

describe('formatRR', () => {
  const mx = makeRR('example.org.', TYPE.MX, 300, { preference: 10, exchange: 'mx.example.org.' });

  it('writes one tab-separated line', () => {
    expect(formatRR(mx)).toBe('example.org.\t300\tIN\tMX\t10 mx.example.org.');
    expect(formatRR(makeRR('a.b.', TYPE.A, 0, '192.0.2.1', 3))).toBe('a.b.\t0\tCH\tA\t192.0.2.1');
    expect(formatRR(rr(999, new Uint8Array(0), 'x.'))).toBe('x.\t300\tIN\tTYPE999\t\\# 0');
  });

  it('writes names relative to the origin', () => {
    expect(formatRR(mx, ORIGIN)).toBe('@\t300\tIN\tMX\t10 mx');
    expect(formatRR({ ...mx, name: 'a.b.example.org.' }, ORIGIN)).toBe('a.b\t300\tIN\tMX\t10 mx');
    expect(formatRR({ ...mx, name: 'example.net.', class: 999 }, ORIGIN)).toBe(
      'example.net.\t300\tCLASS999\tMX\t10 mx',
    );
  });
});

describe('parseRData', () => {
  it('completes relative names with the origin, and @ is the origin', () => {
    expect(parse(TYPE.MX, '10 mx')).toEqual({ preference: 10, exchange: 'mx.example.org.' });
    expect(parse(TYPE.CNAME, '@')).toBe('example.org.');
    expect(parse(TYPE.CNAME, 'a\\.b')).toBe('a\\.b.example.org.');
    expect(parse(TYPE.NS, 'NS1.Example.NET.')).toBe('NS1.Example.NET.');
    expect(parse(TYPE.CNAME, '"@"')).toBe('\\@.example.org.');
    expect(parse(TYPE.PTR, 'a\\032b\\.')).toBe('a\\032b\\..example.org.');
  });

  it('reads addresses into their canonical text', () => {
    expect(parse(TYPE.AAAA, '2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(parse(TYPE.AAAA, '::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
  });

  it('reads SOA timers with units', () => {
    expect(parse(TYPE.SOA, 'ns1 hostmaster 1 2h 15M 2w 1h30m')).toEqual({
      mname: 'ns1.example.org.',
      rname: 'hostmaster.example.org.',
      serial: 1,
      refresh: 7200,
      retry: 900,
      expire: 1209600,
      minimum: 5400,
    });
  });

  it('reads TXT strings quoted or not, with escapes, as bytes', () => {
    expect(parse(TYPE.TXT, 'plain "two words" "\\"q\\" \\\\ \\065\\255" "é"')).toEqual([
      b('plain'),
      b('two words'),
      b('"q" \\ A\xff'),
      Uint8Array.from([0xc3, 0xa9]),
    ]);
    expect(parse(TYPE.TXT, '""')).toEqual([new Uint8Array(0)]);
    expect(parse(TYPE.SPF, 'a\\;b')).toEqual([b('a;b')]);
  });

  it('reads a CAA value quoted or not', () => {
    expect(parse(TYPE.CAA, '128 iodef "mailto:ca@example.org"')).toEqual({
      flags: 128,
      tag: 'iodef',
      value: b('mailto:ca@example.org'),
    });
    expect(parse(TYPE.CAA, '0 issue letsencrypt.org')).toEqual({
      flags: 0,
      tag: 'issue',
      value: b('letsencrypt.org'),
    });
  });

  it('joins hex and base64 split by blanks', () => {
    expect(parse(TYPE.TLSA, '3 1 1 0aff 10')).toEqual({
      usage: 3,
      selector: 1,
      matchingType: 1,
      data: hex('0aff10'),
    });
    expect(parse(TYPE.DS, '1 8 2 ab CD')).toEqual(Uint8Array.from([0, 1, 8, 2, 0xab, 0xcd]));
    expect(parse(TYPE.DNSKEY, '256 3 8 a2 V5')).toEqual(Uint8Array.from([1, 0, 3, 8, ...b('key')]));
  });

  it('reads RRSIG times as dates or as seconds', () => {
    const dated = parse(TYPE.RRSIG, 'MX 8 2 300 20240201000000 20240101000000 1 example.org. dGVzdA==');
    const seconds = parse(TYPE.RRSIG, 'MX 8 2 300 1706745600 1704067200 1 @ dGVzdA==');
    expect(seconds).toEqual(dated);
    expect(
      (parse(TYPE.RRSIG, 'TYPE65535 8 2 300 21060207062815 0 1 . AA==') as Uint8Array).slice(0, 16),
    ).toEqual(Uint8Array.from([0xff, 0xff, 8, 2, 0, 0, 1, 0x2c, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  });

  it('reads NSEC type lists in any order and case', () => {
    const bytes = parse(TYPE.NSEC, 'next rrsig a TYPE1 nsec');
    expect(formatRData(rr(TYPE.NSEC, bytes))).toBe('next.example.org. A RRSIG NSEC');
  });

  it('reads NSEC3 salt and hash in any case', () => {
    const a = parse(TYPE.NSEC3, '1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA');
    expect(formatRData(rr(TYPE.NSEC3, a))).toBe('1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA');
  });

  it('reads TSIG errors as names or numbers', () => {
    const base = 'hmac-sha1. 1 300 0 7';
    expect((parse(TYPE.TSIG, `${base} BADKEY 0`) as { error: number }).error).toBe(17);
    expect((parse(TYPE.TSIG, `${base} 22 0`) as { error: number }).error).toBe(22);
    expect((parse(TYPE.TSIG, `${base} RCODE4000 0`) as { error: number }).error).toBe(4000);
  });

  it('reads the generic form for every type', () => {
    expect(parse(TYPE.MX, '\\# 6 000a 026d7800')).toEqual({ preference: 10, exchange: 'mx.' });
    expect(parse(TYPE.A, '\\# 4 C0000201')).toBe('192.0.2.1');
    expect(parse(TYPE.TXT, '\\# 3 026869')).toEqual([b('hi')]);
    expect(parse(999, '\\# 2 abcd')).toEqual(hex('abcd'));
    expect(parse(999, '\\# 0')).toEqual(new Uint8Array(0));
    expect(parse(TYPE.A, '\\# 0')).toEqual(new Uint8Array(0));
    expect(parse(TYPE.TXT, '"\\#" "2"')).toEqual([b('#'), b('2')]);
  });

  describe('throws RDataError on bad data', () => {
    const bad: [string, number, string, RegExp][] = [
      ['a bad IPv4 address', TYPE.A, '192.0.2.256', /bad A data: "192\.0\.2\.256" is not an IPv4 address/],
      ['an IPv4 address with a leading zero', TYPE.A, '192.0.2.01', /not an IPv4/],
      ['a bad IPv6 address', TYPE.AAAA, '1::2::3', /not an IPv6/],
      ['a missing field', TYPE.MX, '10', /bad MX data: missing exchange/],
      ['an extra field', TYPE.A, '192.0.2.1 x', /unexpected "x" after the last field/],
      ['a number too large', TYPE.MX, '65536 mx', /preference "65536" is not a number from 0 to 65535/],
      ['a negative number', TYPE.SRV, '-1 0 0 x', /priority "-1"/],
      ['a bad SOA timer', TYPE.SOA, 'a b 1 2 3 4 1y', /minimum "1y"/],
      ['an empty label', TYPE.NS, 'a..b.', /empty label/],
      ['a label too long', TYPE.NS, `${'a'.repeat(64)}.`, /longer than 63/],
      ['no TXT string', TYPE.TXT, '', /missing string/],
      ['a TXT string too long', TYPE.TXT, `"${'a'.repeat(256)}"`, /longer than 255 bytes/],
      ['a bad escape', TYPE.TXT, '"\\256"', /bad escape/],
      ['a partial escape', TYPE.TXT, '"\\12a"', /bad escape/],
      ['a CAA tag with a dash', TYPE.CAA, '0 is-sue "x"', /tag "is-sue"/],
      ['odd hex', TYPE.TLSA, '3 1 1 abc', /not hexadecimal/],
      ['no TLSA data', TYPE.TLSA, '3 1 1', /missing certificate association data/],
      ['bad base64', TYPE.DNSKEY, '256 3 8 a2V5!', /not base64/],
      ['an unknown covered type', TYPE.RRSIG, 'FOO 8 2 300 1 1 1 . AA==', /unknown type covered "FOO"/],
      [
        'a date that does not exist',
        TYPE.RRSIG,
        'A 8 2 300 20240231000000 1 1 . AA==',
        /expiration "20240231000000"/,
      ],
      ['a date past 2106', TYPE.RRSIG, 'A 8 2 300 21060207062816 1 1 . AA==', /expiration/],
      ['an unknown type in a list', TYPE.NSEC, 'a. A BOGUS', /unknown type "BOGUS"/],
      ['a bad NSEC3 hash', TYPE.NSEC3, '1 0 0 - 2T7W A', /next hashed owner/],
      ['a bad salt', TYPE.NSEC3PARAM, '1 0 0 xyz', /salt "xyz"/],
      ['a TSIG MAC of the wrong size', TYPE.TSIG, 'h. 1 300 3 AQIDBA== 1 0 0', /MAC is not 3 bytes/],
      ['a TSIG error that is no rcode', TYPE.TSIG, 'h. 1 300 0 1 WHAT 0', /error "WHAT"/],
      ['an unknown type without \\#', 999, 'abcd', /TYPE999 has no text form here/],
      ['a \\# length that does not match', 999, '\\# 3 abcd', /length 3 does not match 2 bytes/],
      ['a \\# with bad hex', 999, '\\# 1 zz', /not hexadecimal/],
      ['a \\# that does not decode', TYPE.A, '\\# 3 010203', /A record data is not 4 bytes/],
      ['a \\# with a compressed name', TYPE.NS, '\\# 2 c00c', /compressed name/],
    ];
    for (const [what, type, text, message] of bad) {
      it(what, () => {
        expect(() => parse(type, text)).toThrow(RDataError);
        expect(() => parse(type, text)).toThrow(message);
      });
    }
  });
});

describe('tokens and strings', () => {
  it('tokenizeRData splits at blanks and keeps quoted strings whole', () => {
    expect(tokenizeRData(' a  "b c" d\\ e"f"')).toEqual([
      { text: 'a', quoted: false },
      { text: 'b c', quoted: true },
      { text: 'd\\ e', quoted: false },
      { text: 'f', quoted: true },
    ]);
    expect(() => tokenizeRData('"open')).toThrow(RDataError);
  });

  it('unescapeText resolves \\X and \\DDD, and writes other characters in UTF-8', () => {
    expect(unescapeText('a\\.\\\\\\"\\000\\255')).toEqual(Uint8Array.from([0x61, 0x2e, 0x5c, 0x22, 0, 255]));
    expect(unescapeText('€\\€😀')).toEqual(Uint8Array.from(Buffer.from('€€😀')));
    expect(() => unescapeText('a\\')).toThrow(/dangling backslash/);
  });

  it('quoteString and unescapeText are inverses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const [tok, ...rest] = tokenizeRData(quoteString(bytes));
        expect(rest).toEqual([]);
        expect(tok?.quoted).toBe(true);
        expect(unescapeText(tok?.text ?? '')).toEqual(bytes);
      }),
    );
  });

  it('quoteString writes only printable ASCII', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => /^[\x20-\x7e]*$/.test(quoteString(bytes))),
    );
  });
});

describe('parseDuration', () => {
  it('reads seconds and BIND units', () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('3600')).toBe(3600);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('1D')).toBe(86400);
    expect(parseDuration('2w1d1h1m1s')).toBe(2 * 604800 + 86400 + 3661);
    expect(parseDuration('4294967295')).toBe(0xffffffff);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '-1', '1.5', '1y', 'h', '1h30', '4294967296', '7102w', ' 1', 'IN']) {
      expect(parseDuration(bad)).toBeUndefined();
    }
  });
});

describe('names', () => {
  const arbText = fc.oneof(
    arbName,
    arbName.map((n) => n.slice(0, -1)),
    fc.stringMatching(/^[a-z0-9.\\@$*-]{0,20}$/),
    fc.string({ maxLength: 70 }),
  );

  it('resolveName agrees with normalizeName, errors included', () => {
    fc.assert(
      fc.property(arbText, arbName, (text, origin) => {
        let want: string | Error;
        try {
          want = normalizeName(text, origin);
        } catch (e) {
          want = e as Error;
        }
        if (typeof want === 'string') expect(resolveName(text, origin)).toBe(want);
        else expect(() => resolveName(text, origin)).toThrow(want.message);
      }),
      { numRuns: 3000 },
    );
  });

  it('formatRR writes owners as relativeName does', () => {
    fc.assert(
      fc.property(arbName, arbName, fc.boolean(), (name, origin, under) => {
        const owner = under && origin !== '.' && name !== '.' ? `${name}${origin}` : name;
        fc.pre(owner.length < 200);
        const line = formatRR(makeRR(owner, TYPE.A, 1, '192.0.2.1'), origin);
        expect(line.split('\t')[0]).toBe(relativeName(owner, origin));
      }),
      { numRuns: 2000 },
    );
    const owner = (name: string) => formatRR(makeRR(name, TYPE.A, 1, '192.0.2.1'), ORIGIN).split('\t')[0];
    expect(owner('a\\\\.example.org.')).toBe('a\\\\'); // an escaped backslash, then a separator
    expect(owner('a\\..example.org.')).toBe('a\\.'); // an escaped dot ends the label
    expect(owner('a\\.example.org.')).toBe('a\\.example.org.'); // one label "a.example", not under
    expect(owner('WWW.EXAMPLE.org.')).toBe('WWW');
  });
});

describe('round trips', () => {
  it('parse(format(data)) gives the data back, for every type', () => {
    fc.assert(
      fc.property(arbRR, (r) => {
        expect(parseRData(r.type, tokenizeRData(formatRData(r)), '.')).toEqual(r.data);
      }),
      { numRuns: 2000 },
    );
  });

  it('with names relative to an origin', () => {
    fc.assert(
      fc.property(arbRR, arbName, (r, origin) => {
        expect(parseRData(r.type, tokenizeRData(formatRData(r, origin)), origin)).toEqual(r.data);
      }),
      { numRuns: 1000 },
    );
  });

  it('through the generic form', () => {
    fc.assert(
      fc.property(arbRR, (r) => {
        expect(parseRData(r.type, tokenizeRData(formatGeneric(r)), '.')).toEqual(r.data);
      }),
      { numRuns: 1000 },
    );
  });

  it('rdataBytes agrees with the wire encoder', async () => {
    const { decodeMessage, encodeMessage } = await import('../../src/dns/wire.js');
    fc.assert(
      fc.property(arbRR, (r) => {
        // Alone in a message under the root, with no name to point back to.
        const msg = { id: 0, flags: decodeMessage(new Uint8Array(12)).flags, rcode: 0, questions: [] };
        const buf = encodeMessage({ ...msg, answers: [{ ...r, name: '.' }], authority: [], additional: [] });
        const data = rdataBytes(r);
        if (r.type !== TYPE.SOA) expect(buf.subarray(buf.length - data.length)).toEqual(data);
        expect(buf.length).toBeLessThanOrEqual(12 + 11 + data.length);
      }),
      { numRuns: 1000 },
    );
  });
});
