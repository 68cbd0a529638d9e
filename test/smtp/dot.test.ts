import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DotStuffer, DotUnstuffer, dotStuff } from '../../src/smtp/index.js';

function unstuff(wire: Uint8Array, cut: number) {
  const u = new DotUnstuffer();
  const out: Uint8Array[] = [];
  let consumed = 0;
  for (let i = 0; i < wire.length; i += cut) {
    const r = u.push(wire.subarray(i, i + cut));
    out.push(...r.chunks.map((c) => Buffer.from(c)));
    if (r.done) {
      consumed = i + r.consumed;
      return { data: Buffer.concat(out), consumed, bare: u.bareLineEnd };
    }
  }
  return { data: Buffer.concat(out), consumed: -1, bare: u.bareLineEnd };
}

// Messages as SMTP carries them: CRLF lines, with dots, CRs and LFs where they hurt.
const lineArb = fc
  .array(fc.constantFrom(...'.a. \t\u00e9'.split('')), { maxLength: 12 })
  .map((cs) => cs.join(''));
const messageArb = fc
  .array(lineArb, { maxLength: 12 })
  .map((ls) => Buffer.from(ls.map((l) => `${l}\r\n`).join('')));

describe('DATA transfer (RFC 5321 §4.5.2)', () => {
  it('stuffs lines that start with a dot and ends with CRLF.CRLF', () => {
    expect(Buffer.from(dotStuff(Buffer.from('.a\r\nb\r\n..\r\n'))).toString()).toBe(
      '..a\r\nb\r\n...\r\n.\r\n',
    );
    expect(Buffer.from(dotStuff(Buffer.from('no newline'))).toString()).toBe('no newline\r\n.\r\n');
    expect(Buffer.from(dotStuff(Buffer.alloc(0))).toString()).toBe('.\r\n');
  });

  it('unstuffing ∘ stuffing is the identity, in any chunking', () => {
    fc.assert(
      fc.property(messageArb, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), (msg, a, b) => {
        const s = new DotStuffer();
        const parts: Uint8Array[] = [];
        for (let i = 0; i < msg.length; i += a) parts.push(s.push(msg.subarray(i, i + a)));
        parts.push(s.end());
        const wire = Buffer.concat([...parts, Buffer.from('NEXT')]);
        const r = unstuff(wire, b);
        expect(r.data.equals(msg)).toBe(true);
        expect(r.bare).toBe(false);
        expect(wire.subarray(r.consumed).toString()).toBe('NEXT');
      }),
    );
  });

  it.each([['\n.\r\n'], ['\r.\r\n'], ['\n.\n'], ['\r\n.\n'], ['\r\n.\r'], ['\r.\n']])(
    'the smuggling sequence %j ends nothing and is flagged',
    (seq) => {
      const wire = Buffer.from(`a${seq}MAIL FROM:<x@y>\r\nb\r\n.\r\n`);
      const r = unstuff(wire, 1);
      expect(r.consumed).toBe(wire.length);
      expect(r.bare).toBe(true);
      expect(r.data.toString()).toContain('MAIL FROM');
    },
  );
});
