import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createBase64Decoder,
  createBase64Encoder,
  decodeBase64,
  encodeBase64Lines,
} from '../../src/mime/base64.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('base64', () => {
  it('decodes RFC 4648 §10 vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, enc] of vectors) {
      expect(Buffer.from(decodeBase64(b(enc))).toString('latin1')).toBe(plain);
      expect(Buffer.from(encodeBase64Lines(b(plain))).toString('latin1')).toBe(plain ? `${enc}\r\n` : '');
    }
  });

  it('is lenient: skips whitespace and garbage, stops at the padding of a partial quantum', () => {
    const d = createBase64Decoder();
    const out = Buffer.concat([d.update(b('Zm9v\r\n Ym*Fy\r\nZg==\r\nIGNORED')), d.finish()]);
    expect(out.toString('latin1')).toBe('foobarf');
    expect(d.malformed).toBe(true);
    expect(Buffer.from(decodeBase64(b('Zm9vYg'))).toString()).toBe('foob'); // missing padding
  });

  it('ignores padding between whole quanta (concatenated encodings)', () => {
    expect(Buffer.from(decodeBase64(b('Zm9v=Zm9v'))).toString()).toBe('foofoo');
  });

  it('round-trips any bytes, in lines of 76', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        const enc = encodeBase64Lines(data);
        for (const line of Buffer.from(enc).toString('latin1').split('\r\n'))
          expect(line.length).toBeLessThanOrEqual(76);
        expect(Buffer.from(decodeBase64(enc)).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });

  it('decodes the same whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 40 }),
        (data, cuts) => {
          const enc = Buffer.from(encodeBase64Lines(data));
          const d = createBase64Decoder();
          const out: Uint8Array[] = [];
          let at = 0;
          for (const c of cuts) {
            out.push(d.update(enc.subarray(at, at + c)));
            at += c;
          }
          out.push(d.update(enc.subarray(at)), d.finish());
          expect(Buffer.concat(out).equals(Buffer.from(data))).toBe(true);
        },
      ),
    );
  });

  it('streaming encoder equals one-shot encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.integer({ min: 1, max: 100 }), (data, step) => {
        const e = createBase64Encoder();
        const out: Uint8Array[] = [];
        for (let i = 0; i < data.length; i += step) out.push(e.update(data.subarray(i, i + step)));
        out.push(e.finish());
        expect(Buffer.concat(out).equals(Buffer.from(encodeBase64Lines(data)))).toBe(true);
      }),
    );
  });
});
