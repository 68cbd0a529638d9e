import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSubdomain,
  labelCount,
  labelsToName,
  labelToText,
  NameError,
  nameKey,
  namesEqual,
  normalizeName,
  parentName,
  parseLabels,
  relativeName,
  splitName,
  wireLength,
} from '../../src/dns/name.js';
import { arbLabel, arbName, wireName } from './arbitraries.js';

const text = (s: string) => labelToText(Uint8Array.from(Buffer.from(s, 'latin1')));

describe('labelToText', () => {
  it('writes letters, digits and most punctuation as they are', () => {
    expect(text('mail-01_x*')).toBe('mail-01_x*');
  });

  it('escapes the specials with a backslash, other bytes as \\DDD', () => {
    expect(text('.\\"();@$')).toBe('\\.\\\\\\"\\(\\)\\;\\@\\$');
    expect(text(' \x00\x7f\xff\t')).toBe('\\032\\000\\127\\255\\009');
  });

  it('writes a slice of a buffer', () => {
    expect(labelToText(Uint8Array.from([0x61, 0x62, 0x63, 0x64]), 1, 3)).toBe('bc');
  });
});

describe('parseLabels and normalizeName', () => {
  it('reads absolute names, relative ones against the origin, and the root', () => {
    expect(normalizeName('www.example.org.')).toBe('www.example.org.');
    expect(normalizeName('www', 'example.org.')).toBe('www.example.org.');
    expect(normalizeName('www')).toBe('www.');
    expect(normalizeName('www', '.')).toBe('www.');
    expect(normalizeName('.')).toBe('.');
    expect(normalizeName('.', 'example.org.')).toBe('.');
    expect(parseLabels('a.bc.')).toEqual([Uint8Array.of(0x61), Uint8Array.of(0x62, 0x63)]);
  });

  it('resolves escapes into bytes and writes them back canonically', () => {
    expect(parseLabels('a\\.b.c.')).toEqual([Uint8Array.from([0x61, 0x2e, 0x62]), Uint8Array.of(0x63)]);
    expect(normalizeName('\\097\\032\\255\\x.')).toBe('a\\032\\255x.');
    expect(normalizeName('a\\\\.')).toBe('a\\\\.');
    expect(normalizeName('a\\.')).toBe('a\\..'); // an escaped dot is no separator: relative "a."
  });

  it('keeps case', () => {
    expect(normalizeName('WwW.Example.ORG.')).toBe('WwW.Example.ORG.');
  });

  it('accepts the longest name and label', () => {
    const label = 'a'.repeat(63);
    const longest = `${label}.${label}.${label}.${'b'.repeat(61)}.`;
    expect(wireLength(longest)).toBe(255);
    expect(normalizeName(longest)).toBe(longest);
  });

  const bad: [string, string, RegExp][] = [
    ['an empty label', 'a..b.', /empty label/],
    ['a leading dot', '.a.', /empty label/],
    ['a label of 64 octets', `${'a'.repeat(64)}.`, /longer than 63/],
    ['a name of 256 octets', `${'a'.repeat(63)}.`.repeat(3).concat(`${'b'.repeat(62)}.`), /longer than 255/],
    ['too long once the origin is added', 'x', /longer than 255/],
    ['\\256', 'a\\256.', /bad escape/],
    ['a dangling backslash', 'a\\', /dangling backslash/],
    ['non-ASCII text', 'bücher.de.', /non-ASCII/],
  ];
  for (const [what, name, message] of bad) {
    it(`refuses ${what}`, () => {
      const origin = what.startsWith('too long')
        ? `${'a'.repeat(63)}.`.repeat(3).concat(`${'b'.repeat(61)}.`)
        : undefined;
      expect(() => parseLabels(name, origin)).toThrow(NameError);
      expect(() => parseLabels(name, origin)).toThrow(message);
    });
  }

  it('canonical names are fixed points, property', () => {
    fc.assert(
      fc.property(arbName, (name) => {
        expect(normalizeName(name)).toBe(name);
        expect(labelsToName(parseLabels(name))).toBe(name);
      }),
      { numRuns: 2000 },
    );
  });

  it('labels survive presentation and back, property', () => {
    fc.assert(
      fc.property(fc.array(arbLabel, { maxLength: 3 }), (labels) => {
        expect(parseLabels(labelsToName(labels))).toEqual(labels);
      }),
    );
  });

  it('anything either parses or throws NameError, property', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.option(arbName, { nil: undefined }), (t, origin) => {
        try {
          parseLabels(t, origin);
        } catch (e) {
          if (!(e instanceof NameError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('comparing and splitting', () => {
  it('nameKey and namesEqual fold ASCII case only', () => {
    expect(nameKey('WWW.Example.')).toBe('www.example.');
    expect(namesEqual('WWW.Example.', 'www.example.')).toBe(true);
    expect(namesEqual('a.', 'a.b.')).toBe(false);
    expect(namesEqual('\\195.', '\\227.')).toBe(false);
  });

  it('splitName splits at unescaped dots only', () => {
    expect(splitName('.')).toEqual([]);
    expect(splitName('a.b.')).toEqual(['a', 'b']);
    expect(splitName('a\\.b.c\\\\.d\\046.')).toEqual(['a\\.b', 'c\\\\', 'd\\046']);
    expect(labelCount('a\\.b.c.')).toBe(2);
    expect(labelCount('.')).toBe(0);
  });

  it('parentName drops the first label', () => {
    expect(parentName('a.b.org.')).toBe('b.org.');
    expect(parentName('a\\.b.org.')).toBe('org.');
    expect(parentName('org.')).toBe('.');
    expect(parentName('.')).toBe('.');
  });

  it('isSubdomain follows labels, not characters', () => {
    expect(isSubdomain('a.example.org.', 'example.org.')).toBe(true);
    expect(isSubdomain('A.EXAMPLE.org.', 'example.ORG.')).toBe(true);
    expect(isSubdomain('example.org.', 'example.org.')).toBe(true);
    expect(isSubdomain('anything.', '.')).toBe(true);
    expect(isSubdomain('badexample.org.', 'example.org.')).toBe(false);
    expect(isSubdomain('a\\.example.org.', 'example.org.')).toBe(false);
    expect(isSubdomain('org.', 'example.org.')).toBe(false);
  });

  it('relativeName writes names under the origin without it', () => {
    expect(relativeName('www.example.org.', 'example.org.')).toBe('www');
    expect(relativeName('a.b.example.org.', 'example.org.')).toBe('a.b');
    expect(relativeName('Example.ORG.', 'example.org.')).toBe('@');
    expect(relativeName('example.net.', 'example.org.')).toBe('example.net.');
    expect(relativeName('www.example.org.', '.')).toBe('www.example.org.');
    expect(relativeName('.', '.')).toBe('@');
  });

  it('relativeName then normalizeName gives the name back, property', () => {
    fc.assert(
      fc.property(arbName, arbName, (name, origin) => {
        // Back up to case: the origin's spelling replaces the name's for the suffix.
        const rel = relativeName(name, origin);
        expect(nameKey(rel === '@' ? origin : normalizeName(rel, origin))).toBe(nameKey(name));
      }),
      { numRuns: 2000 },
    );
  });

  it('wireLength counts the uncompressed wire form, property', () => {
    fc.assert(
      fc.property(arbName, (name) => {
        expect(wireLength(name)).toBe(wireName(name).length);
      }),
    );
  });
});
