import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createQpDecoder,
  decodeQuotedPrintable,
  encodeQuotedPrintable,
} from '../../src/mime/quoted-printable.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const s = (u: Uint8Array) => Buffer.from(u).toString('latin1');

describe('quoted-printable', () => {
  it('decodes escapes, soft breaks and drops transport whitespace (RFC 2045 §6.7)', () => {
    expect(s(decodeQuotedPrintable(b('caf=C3=A9 =\r\nau lait  \r\nnext=\nline')))).toBe(
      'caf\xc3\xa9 au lait\r\nnextline',
    );
    expect(s(decodeQuotedPrintable(b('lower =c3=a9 case')))).toBe('lower \xc3\xa9 case');
  });

  it('keeps malformed escapes literally and flags them', () => {
    const d = createQpDecoder();
    expect(s(Buffer.concat([d.update(b('a=zz b=4')), d.finish()]))).toBe('a=zz b=4');
    expect(d.malformed).toBe(true);
  });

  it('encodes within 76 columns, escaping "=", 8-bit, trailing space and a leading dot', () => {
    const enc = s(encodeQuotedPrintable(b(`${'x'.repeat(100)} =\xe9 \r\n.dot\r\nend `)));
    for (const line of enc.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    expect(enc).toContain('=3D=E9=20\r\n=2Edot');
    expect(enc.endsWith('end=20')).toBe(true);
  });

  it('round-trips text (line breaks as CRLF)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.uint8Array({ maxLength: 200 }).map((l) => l.filter((x) => x !== 10 && x !== 13)),
          { maxLength: 8 },
        ),
        (lines) => {
          const text = Buffer.concat(lines.flatMap((l, i) => (i ? [b('\r\n'), l] : [l])));
          expect(Buffer.from(decodeQuotedPrintable(encodeQuotedPrintable(text))).equals(text)).toBe(true);
        },
      ),
    );
  });

  it('round-trips binary data exactly, whatever the chunking of the decoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 64 }), (data, step) => {
        const enc = encodeQuotedPrintable(data, { binary: true });
        const d = createQpDecoder();
        const out: Uint8Array[] = [];
        for (let i = 0; i < enc.length; i += step) out.push(d.update(enc.subarray(i, i + step)));
        out.push(d.finish());
        expect(Buffer.concat(out).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });
});
