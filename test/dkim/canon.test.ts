// Canonicalization (RFC 6376 §3.4): the RFC's example, and the streaming canonicalizers
// against a plain whole-body model written from the RFC text, over random bodies cut at
// random places (the SIMD window is crossed by the large ones).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyHashes } from '../../src/dkim/body-hash.js';
import { canonHeaderField, createBodyCanonicalizer } from '../../src/dkim/canon.js';
import { splitFields } from '../../src/dkim/message.js';
import type { Canon } from '../../src/dkim/types.js';

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** The model: lines split at CRLF, WSP rules per line, empty lines at the end dropped. */
function model(body: Buffer, canon: Canon): Buffer {
  const parts = body.toString('latin1').split('\r\n');
  let partial = parts.pop() as string;
  let lines = parts;
  if (canon === 'relaxed') {
    const relax = (l: string) => l.replace(/[ \t]+/g, ' ').replace(/ $/, '');
    lines = lines.map(relax);
    // A last line without CRLF: its trailing WSP is at the end of a line once CRLF is added.
    partial = relax(partial);
  }
  if (partial !== '') lines.push(partial);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return latin1(canon === 'simple' ? '\r\n' : '');
  return latin1(lines.map((l) => `${l}\r\n`).join(''));
}

function canonicalize(chunks: Uint8Array[], canon: Canon, simd = true): Buffer {
  const out: Buffer[] = [];
  const c = createBodyCanonicalizer(canon, (b) => out.push(Buffer.from(b)), { simd });
  for (const chunk of chunks) c.update(chunk);
  c.end();
  return Buffer.concat(out);
}

/** Cuts bytes at the given offsets (sorted, deduplicated, within range). */
function cut(bytes: Buffer, at: number[]): Uint8Array[] {
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

const bodyArb = fc
  .array(fc.constantFrom(' ', '\t', '\r', '\n', '\r\n', '\r\n', 'a', 'b', 'xyz', '  ', ' \r\n'), {
    maxLength: 200,
  })
  .map((t) => latin1(t.join('')));

describe('RFC 6376 §3.4.6 example', () => {
  const message = latin1('A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n');
  const [headerEnd] = [message.indexOf('\r\n\r\n') + 4];
  const fields = splitFields(message.subarray(0, headerEnd));
  const body = message.subarray(headerEnd);

  it('relaxed header fields', () => {
    const out = Buffer.concat(fields.map((f) => canonHeaderField(f.raw, 'relaxed')));
    expect(out.toString('latin1')).toBe('a:X\r\nb:Y Z\r\n');
  });
  it('simple header fields are unchanged', () => {
    const out = Buffer.concat(fields.map((f) => canonHeaderField(f.raw, 'simple')));
    expect(out.toString('latin1')).toBe('A: X\r\nB : Y\t\r\n\tZ  \r\n');
  });
  it('relaxed body', () => {
    expect(canonicalize([body], 'relaxed').toString('latin1')).toBe(' C\r\nD E\r\n');
  });
  it('simple body', () => {
    expect(canonicalize([body], 'simple').toString('latin1')).toBe(' C \r\nD \t E\r\n');
  });
});

describe('body edge cases', () => {
  const cases: [string, string, string][] = [
    ['', '\r\n', ''],
    ['\r\n', '\r\n', ''],
    ['\r\n\r\n\r\n', '\r\n', ''],
    ['abc', 'abc\r\n', 'abc\r\n'],
    ['abc \t ', 'abc \t \r\n', 'abc\r\n'],
    ['abc\r\n  \r\n\t\r\n', 'abc\r\n  \r\n\t\r\n', 'abc\r\n'],
    ['abc\r', 'abc\r\r\n', 'abc\r\r\n'],
    ['a \rb', 'a \rb\r\n', 'a \rb\r\n'],
    ['a\nb\n', 'a\nb\n\r\n', 'a\nb\n\r\n'],
    ['\r\n\r\nx', '\r\n\r\nx\r\n', '\r\n\r\nx\r\n'],
    ['   ', '   \r\n', ''],
  ];
  for (const [input, simple, relaxed] of cases) {
    it(JSON.stringify(input), () => {
      expect(canonicalize([latin1(input)], 'simple').toString('latin1')).toBe(simple);
      expect(canonicalize([latin1(input)], 'relaxed').toString('latin1')).toBe(relaxed);
      expect(model(latin1(input), 'simple').toString('latin1')).toBe(simple);
      expect(model(latin1(input), 'relaxed').toString('latin1')).toBe(relaxed);
    });
  }
});

describe('streaming canonicalizers', () => {
  for (const canon of ['simple', 'relaxed'] as const) {
    it(`${canon}: any split gives the model's output`, () => {
      fc.assert(
        fc.property(bodyArb, fc.array(fc.nat(), { maxLength: 12 }), (body, at) => {
          expect(canonicalize(cut(body, at), canon).toString('latin1')).toBe(
            model(body, canon).toString('latin1'),
          );
        }),
        { numRuns: 2000 },
      );
    });

    it(`${canon}: the same without WebAssembly`, () => {
      fc.assert(
        fc.property(bodyArb, fc.array(fc.nat(), { maxLength: 12 }), (body, at) => {
          expect(canonicalize(cut(body, at), canon, false).toString('latin1')).toBe(
            model(body, canon).toString('latin1'),
          );
        }),
        { numRuns: 1000 },
      );
    });

    it(`${canon}: large bodies across SIMD windows and chunks`, () => {
      let seed = canon === 'simple' ? 7 : 11;
      const rnd = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      const tokens = ['word', ' ', '  ', '\t', '\r\n', ' \r\n', '\t\r\n', '\r', '\n', 'x'];
      for (let round = 0; round < 6; round++) {
        const parts: string[] = [];
        let len = 0;
        // Dense blanks in some rounds, long blank-free runs (base64-like) in others.
        while (len < 300_000) {
          const t =
            round % 2 === 0
              ? (tokens[rnd(tokens.length)] as string)
              : rnd(50) === 0
                ? (tokens[rnd(tokens.length)] as string)
                : 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=';
          parts.push(t);
          len += t.length;
        }
        const body = latin1(parts.join(''));
        const at = Array.from({ length: rnd(20) }, () => rnd(body.length));
        expect(canonicalize(cut(body, at), canon).equals(model(body, canon))).toBe(true);
        expect(canonicalize([body], canon).equals(model(body, canon))).toBe(true);
        expect(canonicalize([body], canon, false).equals(model(body, canon))).toBe(true);
      }
    });
  }

  // The SIMD kernel decides each byte by the two after it, 16 and 64 bytes at a time, and
  // skips windows where nothing may change: bytes from a small alphabet, dense or sparse in
  // blanks, against the JS path, with bodies past the 64 KiB window and any cuts.
  const small = (weights: number[], maxLength: number) =>
    fc
      .array(
        fc.oneof(
          ...[' ', '\t', '\r', '\n', 'a'].map((c, i) => ({
            arbitrary: fc.constant(c),
            weight: weights[i] as number,
          })),
        ),
        { maxLength },
      )
      .map((t) => latin1(t.join('')));
  for (const [name, weights] of [
    ['dense', [1, 1, 1, 1, 1]],
    ['sparse', [2, 1, 1, 1, 30]],
  ] as const) {
    it(`relaxed: SIMD and JS agree on ${name} blanks, any cuts`, () => {
      fc.assert(
        fc.property(small([...weights], 300), fc.array(fc.nat(), { maxLength: 12 }), (body, at) => {
          expect(canonicalize(cut(body, at), 'relaxed').equals(canonicalize([body], 'relaxed', false))).toBe(
            true,
          );
        }),
        { numRuns: 2000 },
      );
    });
    it(`relaxed: SIMD and JS agree on ${name} blanks past the window`, () => {
      const alphabet = [' ', '\t', '\r', '\n', 'a'].flatMap((c, i) =>
        Array(weights[i]).fill(c.charCodeAt(0)),
      );
      fc.assert(
        fc.property(
          fc.integer({ min: 1 }),
          fc.integer({ min: 65_000, max: 200_000 }),
          fc.array(fc.nat(), { maxLength: 6 }),
          (seed, n, at) => {
            let x = seed;
            const body = Buffer.alloc(n);
            for (let i = 0; i < n; i++) {
              x = (x * 1103515245 + 12345) & 0x7fffffff;
              body[i] = alphabet[x % alphabet.length] as number;
            }
            const js = canonicalize([body], 'relaxed', false);
            expect(canonicalize([body], 'relaxed').equals(js)).toBe(true);
            expect(canonicalize(cut(body, at), 'relaxed').equals(js)).toBe(true);
          },
        ),
        { numRuns: 20 },
      );
    });
  }

  it('body hashes do not depend on how the body is cut', () => {
    fc.assert(
      fc.property(bodyArb, fc.array(fc.nat(), { maxLength: 12 }), fc.nat(300), (body, at, limit) => {
        const whole = new BodyHashes();
        const split = new BodyHashes();
        const ids = [
          [whole.add('relaxed', 'sha256'), split.add('relaxed', 'sha256')],
          [whole.add('simple', 'sha1'), split.add('simple', 'sha1')],
          [whole.add('relaxed', 'sha256', limit), split.add('relaxed', 'sha256', limit)],
        ];
        whole.update(body);
        for (const c of cut(body, at)) split.update(c);
        whole.end();
        split.end();
        for (const [a, b] of ids) {
          expect(Buffer.from(split.get(b as number).digest).equals(whole.get(a as number).digest)).toBe(true);
        }
        const relaxed = model(body, 'relaxed');
        expect(Buffer.from(whole.get(ids[0]?.[0] as number).digest)).toEqual(
          createHash('sha256').update(relaxed).digest(),
        );
        const limited = whole.get(ids[2]?.[0] as number);
        expect(limited.length).toBe(relaxed.length);
        expect(limited.hashed).toBe(Math.min(limit, relaxed.length));
        expect(Buffer.from(limited.digest)).toEqual(
          createHash('sha256').update(relaxed.subarray(0, limit)).digest(),
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('relaxed header fields', () => {
  it('lower-cases the name, unfolds, and reduces whitespace', () => {
    const raw = latin1('SuBjEcT \t:  \t hello\r\n\t  world \t \r\n');
    expect(Buffer.from(canonHeaderField(raw, 'relaxed')).toString()).toBe('subject:hello world\r\n');
    expect(Buffer.from(canonHeaderField(raw, 'relaxed', true)).toString()).toBe('subject:hello world');
    expect(Buffer.from(canonHeaderField(raw, 'simple', true)).toString('latin1')).toBe(
      'SuBjEcT \t:  \t hello\r\n\t  world \t ',
    );
  });
  it('keeps 8-bit bytes as they are', () => {
    const raw = latin1('X-Name: caf\xc3\xa9  au\r\n');
    expect(Buffer.from(canonHeaderField(raw, 'relaxed')).toString('latin1')).toBe(
      'x-name:caf\xc3\xa9 au\r\n',
    );
  });
});
