// The byte-level pieces of the single pass: line ends made CRLF, and the header split from
// the body, wherever the chunks are cut.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCrlfNormalizer } from '../../src/dkim/index.js';
import { HeaderSplitter, splitFields } from '../../src/dkim/message.js';

const bytes = fc
  .array(fc.constantFrom('\r', '\n', '\r\n', 'a', 'b:', ' ', 'From: x'), { maxLength: 60 })
  .map((t) => Buffer.from(t.join(''), 'latin1'));

function cut(b: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((a) => a % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, b.length]) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  return out;
}

describe('createCrlfNormalizer', () => {
  for (const simd of [true, false]) {
    it(`turns each bare LF into CRLF, whatever the cuts${simd ? '' : ' (without WebAssembly)'}`, () => {
      fc.assert(
        fc.property(bytes, fc.array(fc.nat(), { maxLength: 8 }), (b, at) => {
          const n = createCrlfNormalizer({ simd });
          const out = Buffer.concat(cut(b, at).map((c) => n.transform(c)));
          expect(out.toString('latin1')).toBe(b.toString('latin1').replace(/(?<!\r)\n/g, '\r\n'));
        }),
        { numRuns: 1000 },
      );
    });
  }
  it('handles chunks larger than the SIMD window', () => {
    let seed = 3;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    for (let round = 0; round < 4; round++) {
      const parts: string[] = [];
      for (let len = 0; len < 200_000; ) {
        const t = ['line of text', '\r\n', '\n', '\r', 'x'][round === 0 ? rnd(2) * 1 : rnd(5)] as string;
        parts.push(t);
        len += t.length;
      }
      const b = Buffer.from(parts.join(''), 'latin1');
      const points = Array.from({ length: 5 }, () => rnd(b.length));
      const n = createCrlfNormalizer();
      const out = Buffer.concat(cut(b, points).map((c) => n.transform(c)));
      expect(out.equals(Buffer.from(b.toString('latin1').replace(/(?<!\r)\n/g, '\r\n'), 'latin1'))).toBe(
        true,
      );
    }
  });
  it('returns a chunk without bare LF as is', () => {
    const chunk = Buffer.from('a\r\nb\r\n');
    expect(createCrlfNormalizer().transform(chunk)).toBe(chunk);
  });
});

describe('HeaderSplitter', () => {
  const model = (b: Buffer): number => {
    const s = b.toString('latin1');
    if (s.startsWith('\r\n')) return 2;
    if (s.startsWith('\n')) return 1;
    const m = /\n(\r?\n)/.exec(s);
    return m ? m.index + 1 + (m[1] as string).length : -1;
  };
  it('finds the end of the header (the first empty line) wherever the chunks are cut', () => {
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 8 }), (b, at) => {
        const s = new HeaderSplitter();
        let offset = 0;
        let end = -1;
        for (const c of cut(b, at)) {
          const r = s.push(c);
          if (r >= 0 && end < 0) end = offset + r;
          offset += c.length;
          if (end >= 0) break;
        }
        expect(end).toBe(model(b));
        expect(Buffer.from(s.bytes()).toString('latin1')).toBe(
          b.subarray(0, end < 0 ? b.length : end).toString('latin1'),
        );
      }),
    );
  });
  it('splits fields with their exact bytes; continuation lines stay with their field', () => {
    const f = splitFields(Buffer.from('From x\r\nA: 1\r\n\t2\r\nB : 3\r\nbad line\r\n\r\n', 'latin1'));
    expect(f.map((x) => [x.name, Buffer.from(x.raw).toString('latin1')])).toEqual([
      ['', 'From x\r\n'],
      ['A', 'A: 1\r\n\t2\r\n'],
      ['B', 'B : 3\r\n'],
      ['', 'bad line\r\n'],
    ]);
  });
});
