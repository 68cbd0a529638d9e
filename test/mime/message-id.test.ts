import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMessageIds, generateMessageId, parseMessageIds } from '../../src/mime/message-id.js';
import { describeWithTestdata, readTestdata } from '../helpers/testdata.js';

describe('parseMessageIds: RFC 5322 §3.6.4', () => {
  it('reads the Appendix A ids', () => {
    expect(parseMessageIds('<1234@local.machine.example>')).toEqual(['1234@local.machine.example']);
    expect(parseMessageIds('<1234@local.machine.example> <3456@example.net>')).toEqual([
      '1234@local.machine.example',
      '3456@example.net',
    ]);
    expect(parseMessageIds('<abcd.1234@local.machine.test>')).toEqual(['abcd.1234@local.machine.test']);
    expect(parseMessageIds('<[1.2.3.4]@x> <a@[127.0.0.1]>')).toEqual(['[1.2.3.4]@x', 'a@[127.0.0.1]']);
  });
  it('skips comments and folding whitespace between ids', () => {
    expect(parseMessageIds(' (first) <a@b>\t(second (nested)) <c@d> (end)')).toEqual(['a@b', 'c@d']);
  });
  it('drops phrases of the obsolete In-Reply-To (§4.5.4)', () => {
    expect(parseMessageIds('Your message of "Mon, 1 Jul 2003 10:52:37" <1234@x.example> (sent)')).toEqual([
      '1234@x.example',
    ]);
    expect(parseMessageIds('<a@b> from user@example.com <c@d>')).toEqual(['a@b', 'c@d']);
  });
  it('removes CFWS inside an id (obs-id-left / obs-id-right, or a broken folder)', () => {
    expect(parseMessageIds('<1234   @   local(blah)  .machine .example>')).toEqual([
      '1234@local.machine.example',
    ]);
    expect(parseMessageIds('<abcdef0123\t 456789@example.org>')).toEqual(['abcdef0123456789@example.org']);
    expect(parseMessageIds('<"quoted local"@example.org>')).toEqual(['"quoted local"@example.org']);
  });
  it('tolerates missing and doubled brackets, commas', () => {
    expect(parseMessageIds('a@b c@d')).toEqual(['a@b', 'c@d']);
    expect(parseMessageIds('a@b,c@d')).toEqual(['a@b', 'c@d']);
    expect(parseMessageIds('<a@b>,<c@d>')).toEqual(['a@b', 'c@d']);
    expect(parseMessageIds('<<a@b>>')).toEqual(['a@b']);
    expect(parseMessageIds('<a@b <c@d>')).toEqual(['a@b', 'c@d']);
    expect(parseMessageIds('<a@b')).toEqual(['a@b']);
    expect(parseMessageIds('single-word')).toEqual(['single-word']);
  });
  it('gives nothing for empty or id-less values', () => {
    expect(parseMessageIds('')).toEqual([]);
    expect(parseMessageIds('  (only a comment) ')).toEqual([]);
    expect(parseMessageIds('<>')).toEqual([]);
    expect(parseMessageIds('Your message of yesterday')).toEqual([]);
  });
  it('never throws', () => {
    const idish = fc.string({ unit: fc.constantFrom(...'<>@()" \\,ab.'.split('')), maxLength: 30 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), idish), (s) => {
        for (const id of parseMessageIds(s)) expect(id).not.toBe('');
      }),
      { numRuns: 2000 },
    );
  });
});

// RFC 5322 §3.2.3 atext, and dot-atom-text.
const atext = fc.constantFrom(..."abcXYZ019!#$%&'*+-/=?^_`{|}~".split(''));
const dotAtom = fc
  .array(fc.string({ unit: atext, minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 })
  .map((a) => a.join('.'));
const msgId = fc.tuple(dotAtom, dotAtom).map(([l, r]) => `${l}@${r}`);

describe('formatMessageIds', () => {
  it('writes <id> separated by spaces', () => {
    expect(formatMessageIds(['a@b', 'c@d'])).toBe('<a@b> <c@d>');
    expect(formatMessageIds([])).toBe('');
  });
  it('throws RangeError for ids that would not read back', () => {
    for (const bad of ['', 'a b@c', '<a@b>', 'a@b>', 'a\r\n@b', 'a(b)@c']) {
      expect(() => formatMessageIds([bad]), JSON.stringify(bad)).toThrow(RangeError);
    }
  });
  it('round-trips: parseMessageIds(formatMessageIds(ids)) = ids', () => {
    fc.assert(
      fc.property(fc.array(msgId, { maxLength: 10 }), (ids) => {
        expect(parseMessageIds(formatMessageIds(ids))).toEqual(ids);
      }),
    );
  });
});

describe('generateMessageId', () => {
  it('is base32 of the randomness at the domain', () => {
    expect(generateMessageId('example.org', new Uint8Array(16))).toBe(
      'aaaaaaaaaaaaaaaaaaaaaaaaaa@example.org',
    );
    expect(generateMessageId('example.org', new Uint8Array(16).fill(255))).toBe(
      '77777777777777777777777774@example.org',
    );
    // RFC 4648 §10: BASE32("foobar") = MZXW6YTBOI (lower-cased here), on a 16-byte prefix.
    const foobar = new Uint8Array(16);
    foobar.set(new TextEncoder().encode('foobar'));
    expect(generateMessageId('x', foobar).startsWith('mzxw6ytboi')).toBe(true);
  });
  it('throws RangeError for too little randomness or a bad domain', () => {
    expect(() => generateMessageId('example.org', new Uint8Array(8))).toThrow(RangeError);
    expect(() => generateMessageId('', new Uint8Array(16))).toThrow(RangeError);
    expect(() => generateMessageId('a b', new Uint8Array(16))).toThrow(RangeError);
    expect(() => generateMessageId('a@b', new Uint8Array(16))).toThrow(RangeError);
  });
  it('round-trips through format and parse', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 32 }), dotAtom, (random, domain) => {
        const id = generateMessageId(domain, random);
        expect(id).toMatch(/^[a-z2-7]+@/);
        expect(parseMessageIds(formatMessageIds([id]))).toEqual([id]);
      }),
    );
  });
});

/** What the header layer gives us: the field up to its end, unfolded (RFC 5322 §2.2.3). */
function fieldValue(raw: string): string {
  const end = raw.search(/\n(?![ \t])/);
  return (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n(?=[ \t])/g, '').replace(/\r$/, '');
}

// Where we deliberately differ, with what we return instead.
const DIFFERS: Record<string, { ours: string[]; why: string }> = {
  '<1234   @   local(blah)  .machine .example>\n': {
    ours: ['1234@local.machine.example'],
    why: 'CFWS in obs-id-left/obs-id-right is not part of the id (RFC 5322 §4.5.4); Stalwart keeps it verbatim',
  },
};

describeWithTestdata(
  'parseMessageIds: stalwart-mail-parser id.json',
  ['mime', 'stalwart-mail-parser', 'id.json'],
  () => {
    const vectors = JSON.parse(readTestdata('mime', 'stalwart-mail-parser', 'id.json').toString('utf8')) as {
      header: string;
      expected: string[] | null;
    }[];
    it('has the vectors', () => expect(vectors.length).toBe(11));
    it.each(vectors.map((v, i) => [i, v.header, v.expected] as const))('#%i %j', (_i, header, expected) => {
      const got = parseMessageIds(fieldValue(header));
      expect(got).toEqual(DIFFERS[header]?.ours ?? expected ?? []);
    });
  },
);
