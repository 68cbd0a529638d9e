import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TYPE } from '../../src/dns/constants.js';
import { formatRR } from '../../src/dns/rdata-text.js';
import { makeRR, type RR, txtString } from '../../src/dns/types.js';
import { formatZone, parseZone, ZoneFileError } from '../../src/dns/zonefile.js';
import { arbZone } from './arbitraries.js';

const b = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const DKIM_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu5oIqgHgH3qdcKhqJ8ZbBzVq1m0S2v0kDkPGSUQNRN7Jn5a8S2wq' +
  'Jr0Vr2Vf6Gd1pY3Lw2fYjTnQm5eX4pTq2P8nJk3Zl9M3t0vH6yW0G7sQ1Vb8rT4kXcQ9p2Jd5sW3zN8mL0yR6tV1uH4xK7bF' +
  'yK3lQ8wP5sZ2nT9vR4mJ1cX6hB0dG7fA3eW8kL2pU5qY9iO1aS4zC6vN3bM0xT7rE8wQ2uI5oP9lK3jH1gF6dD4sA2zX8cV' +
  '0bN5mQ7wE3rT9yU1iO4pA6sD8fG2hJ5kL7zX9cV1bN3mQIDAQAB';

const REALISTIC = `; example.org, as a primary serves it
$ORIGIN example.org.
$TTL 1h
@   IN  SOA ns1 hostmaster (
        2024010101 ; serial
        2h         ; refresh
        15m        ; retry
        2w         ; expire
        5m )       ; negative caching
    IN  NS  ns1
    IN  NS  ns2.example.net.
    IN  MX  10 mail
    IN  MX  20 backup-mx.example.net.
    IN  TXT "v=spf1 mx -all"
    IN  CAA 0 issue "letsencrypt.org"
    IN  CAA 128 iodef "mailto:security@example.org"
ns1         IN  A       192.0.2.53
mail    300 IN  A       192.0.2.25
mail    IN  300 AAAA    2001:db8::25
www         CNAME   @
*.users     IN  A   192.0.2.80
_dmarc      IN  TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.org"
mail._domainkey IN TXT ( "v=DKIM1; k=rsa; "
    "p=${DKIM_KEY.slice(0, 200)}"
    "${DKIM_KEY.slice(200)}" )
_submission._tcp    IN  SRV 0 1 587 mail
_25._tcp.mail   IN  TLSA    3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6
; a delegation, with its glue
sub         IN  NS  ns.sub
ns.sub      IN  A   192.0.2.99
`;

describe('a realistic zone', () => {
  const zone = parseZone(REALISTIC, { file: 'example.org.zone' });
  const find = (name: string, type: number) => zone.records.filter((r) => r.name === name && r.type === type);

  it('reads every record', () => {
    expect(zone.origin).toBe('example.org.');
    expect(zone.defaultTtl).toBe(3600);
    expect(zone.records).toHaveLength(19);
    expect(zone.records[0]).toEqual(
      makeRR('example.org.', TYPE.SOA, 3600, {
        mname: 'ns1.example.org.',
        rname: 'hostmaster.example.org.',
        serial: 2024010101,
        refresh: 7200,
        retry: 900,
        expire: 1209600,
        minimum: 300,
      }),
    );
  });

  it('gives blank owners the previous owner', () => {
    expect(find('example.org.', TYPE.NS).map((r) => r.data)).toEqual([
      'ns1.example.org.',
      'ns2.example.net.',
    ]);
    expect(find('example.org.', TYPE.MX).map((r) => r.data)).toEqual([
      { preference: 10, exchange: 'mail.example.org.' },
      { preference: 20, exchange: 'backup-mx.example.net.' },
    ]);
  });

  it('reads TTL and class in either order', () => {
    expect(find('mail.example.org.', TYPE.A)).toEqual([
      makeRR('mail.example.org.', TYPE.A, 300, '192.0.2.25'),
    ]);
    expect(find('mail.example.org.', TYPE.AAAA)).toEqual([
      makeRR('mail.example.org.', TYPE.AAAA, 300, '2001:db8::25'),
    ]);
    expect(find('www.example.org.', TYPE.CNAME)).toEqual([
      makeRR('www.example.org.', TYPE.CNAME, 3600, 'example.org.'),
    ]);
  });

  it('keeps a DKIM key split into several strings', () => {
    const [dkim] = find('mail._domainkey.example.org.', TYPE.TXT);
    expect(dkim?.data).toHaveLength(3);
    expect(txtString(dkim?.data as Uint8Array[])).toBe(`v=DKIM1; k=rsa; p=${DKIM_KEY}`);
  });

  it('keeps semicolons inside quoted strings', () => {
    expect(find('_dmarc.example.org.', TYPE.TXT)[0]?.data).toEqual([
      b('v=DMARC1; p=reject; rua=mailto:dmarc@example.org'),
    ]);
  });

  it('reads CAA, SRV, TLSA, a wildcard and a delegation with glue', () => {
    expect(find('example.org.', TYPE.CAA).map((r) => formatRR(r))).toEqual([
      'example.org.\t3600\tIN\tCAA\t0 issue "letsencrypt.org"',
      'example.org.\t3600\tIN\tCAA\t128 iodef "mailto:security@example.org"',
    ]);
    expect(find('_submission._tcp.example.org.', TYPE.SRV)[0]?.data).toEqual({
      priority: 0,
      weight: 1,
      port: 587,
      target: 'mail.example.org.',
    });
    expect(formatRR(find('_25._tcp.mail.example.org.', TYPE.TLSA)[0] as RR, 'example.org.')).toBe(
      '_25._tcp.mail\t3600\tIN\tTLSA\t3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6',
    );
    expect(find('*.users.example.org.', TYPE.A)).toHaveLength(1);
    expect(find('sub.example.org.', TYPE.NS)[0]?.data).toBe('ns.sub.example.org.');
    expect(find('ns.sub.example.org.', TYPE.A)[0]?.data).toBe('192.0.2.99');
  });

  it('comes back the same through formatZone', () => {
    const again = parseZone(formatZone(zone));
    expect(again).toEqual(zone);
  });
});

describe('syntax', () => {
  const one = (text: string, opts = {}) => parseZone(text, { origin: 'example.org.', ...opts }).records;

  it('$ORIGIN, absolute or relative to the current origin', () => {
    const rs = one('$TTL 60\na A 192.0.2.1\n$ORIGIN sub\nb A 192.0.2.2\n$ORIGIN other.net.\n@ A 192.0.2.3\n');
    expect(rs.map((r) => r.name)).toEqual(['a.example.org.', 'b.sub.example.org.', 'other.net.']);
  });

  it('the zone origin is the option, else the first $ORIGIN, else the root', () => {
    expect(parseZone('$ORIGIN a.\n$ORIGIN b.\n', {}).origin).toBe('a.');
    expect(parseZone('$ORIGIN a.\n', { origin: 'z.' }).origin).toBe('z.');
    expect(parseZone('x. 1 A 192.0.2.1\n').origin).toBe('.');
    expect(parseZone('x 1 A 192.0.2.1\n').records[0]?.name).toBe('x.');
  });

  it('$TTL with units, changing along the file', () => {
    const rs = one('$TTL 1h30m\na A 192.0.2.1\n$ttl 1D\nb A 192.0.2.2\nc 2w A 192.0.2.3\n');
    expect(rs.map((r) => r.ttl)).toEqual([5400, 86400, 1209600]);
  });

  it('a default TTL given as an option', () => {
    expect(one('a A 192.0.2.1\n', { defaultTtl: 42 })[0]?.ttl).toBe(42);
    expect(parseZone('a A 192.0.2.1\n', { origin: 'x.', defaultTtl: 42 }).defaultTtl).toBe(42);
  });

  it('without $TTL, the SOA minimum (RFC 2308)', () => {
    const rs = one('@ SOA ns hm 1 2 3 4 600\na A 192.0.2.1\nb 7 A 192.0.2.2\n');
    expect(rs.map((r) => r.ttl)).toEqual([600, 600, 7]);
  });

  it('@, relative and absolute names', () => {
    const rs = one('@ 1 A 192.0.2.1\nwww 1 A 192.0.2.1\nwww.example.net. 1 A 192.0.2.1\n. 1 NS a.\n');
    expect(rs.map((r) => r.name)).toEqual(['example.org.', 'www.example.org.', 'www.example.net.', '.']);
  });

  it('class: IN by default, else the last one given', () => {
    const rs = one('a 1 A 192.0.2.1\nb 1 CH A 192.0.2.1\nc 1 A 192.0.2.1\nd 1 CLASS9 A 192.0.2.1\n');
    expect(rs.map((r) => r.class)).toEqual([1, 3, 3, 9]);
  });

  it('names that look like numbers, classes or types are owners at the start of a line', () => {
    const rs = one('$TTL 1\n3600 A 192.0.2.1\nIN IN A 192.0.2.1\nA A 192.0.2.1\n');
    expect(rs.map((r) => r.name)).toEqual(['3600.example.org.', 'IN.example.org.', 'A.example.org.']);
  });

  it('parentheses across lines, with comments inside', () => {
    const rs = one('a 1 TXT ( "x" ; one\n "y" ; two\n\n ; three\n "z" )\nb 1 A 192.0.2.1\n');
    expect(rs[0]?.data).toEqual([b('x'), b('y'), b('z')]);
    expect(rs[1]?.name).toBe('b.example.org.');
  });

  it('quoted strings hold blanks, semicolons and parentheses', () => {
    expect(one('a 1 TXT "a ; b ( c ) \\"d\\""\n')[0]?.data).toEqual([b('a ; b ( c ) "d"')]);
  });

  it('escapes in names and strings', () => {
    const rs = one('a\\.b\\032c 1 TXT "\\065\\\\" \\"x\\"\n\\@\\$x 1 A 192.0.2.1\n');
    expect(rs[0]?.name).toBe('a\\.b\\032c.example.org.');
    expect(rs[0]?.data).toEqual([b('A\\'), b('"x"')]);
    expect(rs[1]?.name).toBe('\\@\\$x.example.org.');
  });

  it('comments, blank lines, CRLF line ends, a BOM, no final newline', () => {
    const rs = one('\ufeff; head\r\n\r\n  \r\na 1 A 192.0.2.1 ; tail\r\n\tIN 1 A 192.0.2.2\r\nb 1 TXT "x"');
    expect(rs.map((r) => [r.name, r.data])).toEqual([
      ['a.example.org.', '192.0.2.1'],
      ['a.example.org.', '192.0.2.2'],
      ['b.example.org.', [b('x')]],
    ]);
  });

  it('the generic form of RFC 3597 for types and classes', () => {
    const rs = one('a 1 CLASS1 TYPE1 \\# 4 c0000201\nb 1 IN TYPE999 \\# 2 abcd\n');
    expect(rs[0]).toEqual(makeRR('a.example.org.', TYPE.A, 1, '192.0.2.1'));
    expect(rs[1]?.data).toEqual(Uint8Array.from([0xab, 0xcd]));
  });
});

describe('errors name the file and the line', () => {
  const cases: [string, string, string][] = [
    [
      '$INCLUDE',
      '$TTL 1\n$INCLUDE other.zone\n',
      'z.db:2: $INCLUDE is not supported: put the records in this file',
    ],
    ['an unknown directive', '$GENERATE 1-10 a$ A 1.2.3.$\n', 'z.db:1: unknown directive $GENERATE'],
    ['$TTL without value', '\n$TTL ; none\n', 'z.db:2: $TTL without a value'],
    ['a bad $TTL', '$TTL 1y\n', 'z.db:1: $TTL "1y" is not a number of seconds (or 1h30m, 1d, 2w)'],
    ['$ORIGIN with two values', '$ORIGIN a. b.\n', 'z.db:1: unexpected "b." after $ORIGIN a.'],
    ['no TTL at all', 'a A 192.0.2.1\n', 'z.db:1: record without a TTL, and no $TTL line before it'],
    [
      'a blank owner first',
      '$TTL 1\n  A 192.0.2.1\n',
      'z.db:2: no owner name: the first record must give one',
    ],
    ['an unknown type', '$TTL 1\n; c\nb IN FOO bar\n', 'z.db:3: unknown type "FOO"'],
    ['a record without type', '$TTL 1\na 1 IN\n', 'z.db:2: record without a type'],
    ['a meta type', '$TTL 1\na ANY A 192.0.2.1\nb IN ANY\n', 'z.db:3: type ANY cannot be in a zone'],
    ['bad data', '$TTL 1\n\na MX 10\n', 'z.db:3: bad MX data: missing exchange'],
    [
      'bad data on a later line of an entry',
      '$TTL 1\na SOA ns hm (\n1 2 3 4\nx )\n',
      'z.db:4: bad SOA data: minimum "x" is not a number of seconds (or 1h30m, 1d, 2w)',
    ],
    ['a bad owner', '$TTL 1\na..b A 192.0.2.1\n', 'z.db:2: empty label in name "a..b"'],
    [
      'a "(" never closed',
      '$TTL 1\na TXT (\n"x"\n\n',
      'z.db:2: "(" without a ")" before the end of the file',
    ],
    ['a ")" never opened', '$TTL 1\na A 192.0.2.1 )\n', 'z.db:2: unbalanced ")"'],
    ['an unterminated string', '$TTL 1\na TXT "x\n"\n', 'z.db:2: unterminated quoted string'],
    ['a backslash at the end of a line', '$TTL 1\na TXT x\\\n', 'z.db:2: backslash at the end of a line'],
    ['a bad origin option', '', 'z.db:1: empty label in name "a..b"'],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => {
      const origin = what === 'a bad origin option' ? 'a..b' : 'example.org.';
      let error: unknown;
      try {
        parseZone(text, { origin, file: 'z.db' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ZoneFileError);
      expect((error as Error).message).toBe(message);
    });
  }

  it('have one line and the <zone> file name by default', () => {
    expect(() => parseZone('a. 1 TXT "\\\n"\n')).toThrow(/^<zone>:1: unterminated quoted string$/);
    const e = (() => {
      try {
        parseZone('\n\n$ORIGIN\n');
      } catch (err) {
        return err as ZoneFileError;
      }
    })();
    expect([e?.file, e?.line]).toEqual(['<zone>', 3]);
  });
});

describe('formatZone', () => {
  const soa = makeRR('example.org.', TYPE.SOA, 3600, {
    mname: 'ns1.example.org.',
    rname: 'hostmaster.example.org.',
    serial: 1,
    refresh: 7200,
    retry: 900,
    expire: 1209600,
    minimum: 300,
  });
  const records = [
    makeRR('www.example.org.', TYPE.A, 300, '192.0.2.1'),
    soa,
    makeRR('example.org.', TYPE.MX, 300, { preference: 10, exchange: 'mail.example.org.' }),
    makeRR('example.net.', TYPE.TXT, 60, [b('a "b"')]),
  ];

  it('writes $ORIGIN, $TTL, the SOA first, then the rest in order, names relative', () => {
    expect(formatZone({ origin: 'example.org.', defaultTtl: 3600, records })).toBe(
      [
        '$ORIGIN example.org.',
        '$TTL 3600',
        '@\t3600\tIN\tSOA\tns1 hostmaster 1 7200 900 1209600 300',
        'www\t300\tIN\tA\t192.0.2.1',
        '@\t300\tIN\tMX\t10 mail',
        'example.net.\t60\tIN\tTXT\t"a \\"b\\""',
        '',
      ].join('\n'),
    );
  });

  it('leaves out $TTL when there is none', () => {
    expect(formatZone({ origin: 'example.org.', records: [] })).toBe('$ORIGIN example.org.\n');
  });

  it('parseZone(formatZone(z)) gives z back, property', () => {
    fc.assert(
      fc.property(arbZone, (z) => {
        expect(parseZone(formatZone(z))).toEqual(z);
      }),
      { numRuns: 500 },
    );
  });

  it('the same with the origin given as an option (as a server does)', () => {
    fc.assert(
      fc.property(arbZone, (z) => {
        expect(parseZone(formatZone(z), { origin: z.origin, file: 'x' }).records).toEqual(z.records);
      }),
      { numRuns: 200 },
    );
  });
});

describe('size', () => {
  function bigZone(n: number): string {
    const lines = ['$ORIGIN example.org.', '$TTL 3600', '@ SOA ns1 hostmaster 1 7200 900 1209600 300'];
    for (let i = 0; i < n; i++) {
      lines.push(`host${i} IN A 192.0.${(i >> 8) & 255}.${i & 255}`);
      lines.push(`  IN TXT "record ${i}; with a comment" ; ${i}`);
    }
    return lines.join('\n');
  }

  // Sizes a quadratic parser would not get through; no timing is asserted (shared machines).
  it('parses 100k records', () => {
    expect(parseZone(bigZone(50_000)).records).toHaveLength(100_001);
  });

  it('parses a single entry of 60,000 lines in parentheses', () => {
    const text = `a. 1 TXT (\n${'"x"\n'.repeat(60_000)})\n`;
    expect(parseZone(text).records[0]?.data).toHaveLength(60_000);
  });
});
