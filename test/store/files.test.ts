import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AliasKey,
  addressKey,
  formatAliasLine,
  formatUserLine,
  parseAddress,
  parseAliases,
  parseDomain,
  parseDomains,
  parseUsers,
  type Target,
} from '../../src/store/index.js';

const HASH = '$scrypt$N=1024,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const domain = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/))
  .map(([ls, tld]) => [...ls, tld].join('.'));
const atom = fc.stringMatching(/^[A-Za-z0-9!$%&'*+/=?^_`{|}~é-]{1,12}$/);
const local = fc
  .array(atom, { minLength: 1, maxLength: 3 })
  .map((a) => a.join('.'))
  .filter((l) => Buffer.byteLength(l) <= 64);
const address = fc.record({ local, domain });
const key: fc.Arbitrary<AliasKey> = fc.oneof(
  address.map((a) => ({ kind: 'address' as const, address: a })),
  domain.map((d) => ({ kind: 'catch-all' as const, domain: d })),
  fc.constant({ kind: 'postmaster' as const }),
);

describe('addresses and domains', () => {
  it('reads domains in their canonical form', () => {
    expect(parseDomain('Example.ORG.')).toBe('example.org');
    expect(parseDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(parseDomain('1.2.3.4')).toBeUndefined();
    expect(parseDomain('a..b')).toBeUndefined();
    expect(parseDomain('-a.org')).toBeUndefined();
    expect(parseDomain('a b.org')).toBeUndefined();
  });

  it('keeps the local part as written and compares it case-insensitively', () => {
    const a = parseAddress('Ada.Lovelace@Example.ORG');
    expect(a).toEqual({ local: 'Ada.Lovelace', domain: 'example.org' });
    expect(addressKey(a as never)).toBe('ada.lovelace@example.org');
    expect(parseAddress('ada+list@example.org')?.local).toBe('ada+list');
    for (const bad of [
      'ada',
      '@example.org',
      'a:b@example.org',
      'a,b@example.org',
      '.a@x.org',
      'a..b@x.org',
      '#a@x.org',
    ])
      expect(parseAddress(bad), bad).toBeUndefined();
  });

  it('round-trips generated addresses', () => {
    fc.assert(
      fc.property(address, (a) => {
        expect(parseAddress(`${a.local}@${a.domain}`)).toEqual(a);
      }),
    );
  });
});

describe('domains file', () => {
  it('reads domains, reporting bad lines and duplicates with their numbers', () => {
    const r = parseDomains('# hosted\nexample.org\n\nExample.ORG\nnot a domain\nexample.net\n');
    expect(r.entries.map((e) => e.domain)).toEqual(['example.org', 'example.net']);
    expect(r.problems).toEqual([
      { line: 4, message: 'example.org is listed twice' },
      { line: 5, message: 'not a domain name' },
    ]);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseDomains(s)));
  });
});

describe('users file', () => {
  it('reads the users file of poste srv --users, keyed by address', () => {
    const r = parseUsers(`# users\nAda@Example.org:${HASH}\nbob@example.org:nothash\nann:${HASH}\n`);
    expect(r.entries.map((e) => e.address)).toEqual([{ local: 'Ada', domain: 'example.org' }]);
    expect(r.entries[0]?.index).toBe(1);
    expect(r.problems.map((p) => p.line)).toEqual([3, 4]);
  });

  it('never throws, and a formatted line reads back', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseUsers(s)));
    fc.assert(
      fc.property(address, (a) => {
        const r = parseUsers(`${formatUserLine(a, HASH)}\n`);
        expect(r.problems).toEqual([]);
        expect(r.entries[0]?.address).toEqual(a);
        expect(r.entries[0]?.hashText).toBe(HASH);
      }),
    );
  });
});

describe('aliases file', () => {
  it('reads aliases, catch-alls and the postmaster line', () => {
    const r = parseAliases(
      [
        '# aliases',
        'info@example.org: ada@example.org,  bob@example.net',
        '@example.org: ada@example.org',
        '@old.example: @example.org',
        'postmaster: ada@example.org',
        'INFO@example.org: x@y.org',
        'bad line',
        'x@example.org:',
        'y@example.org: @example.org',
        '',
      ].join('\n'),
    );
    expect(r.entries.map((e) => formatAliasLine(e.key, e.targets))).toEqual([
      'info@example.org: ada@example.org, bob@example.net',
      '@example.org: ada@example.org',
      '@old.example: @example.org',
      'postmaster: ada@example.org',
    ]);
    expect(r.problems).toEqual([
      { line: 6, message: 'INFO@example.org already defined on line 2' },
      { line: 7, message: 'expected local@domain: target, … (or @domain:, postmaster:)' },
      { line: 8, message: 'x@example.org has no target' },
      { line: 9, message: 'not a target address: "@example.org"' },
    ]);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseAliases(s)));
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom(':', ',', '@', 'postmaster:', '@a.org:'))),
        (parts) => {
          parseAliases(parts.join(''));
          parseAliases(parts.join('\n'));
        },
      ),
    );
  });

  it('format → parse is the identity', () => {
    const entry = key.chain((k) =>
      fc
        .array(
          k.kind === 'catch-all'
            ? fc.oneof(
                address,
                domain.map((d): Target => ({ local: '', domain: d })),
              )
            : address,
          { minLength: 1, maxLength: 4 },
        )
        .map((targets) => ({ key: k, targets })),
    );
    fc.assert(
      fc.property(entry, ({ key: k, targets }) => {
        // Duplicate targets are folded on reading.
        const unique = targets.filter(
          (t, i) =>
            targets.findIndex(
              (u) => u.domain === t.domain && u.local.toLowerCase() === t.local.toLowerCase(),
            ) === i,
        );
        const r = parseAliases(`${formatAliasLine(k, targets)}\n`);
        expect(r.problems).toEqual([]);
        expect(r.entries).toEqual([{ key: k, targets: unique, index: 0 }]);
      }),
    );
  });
});
