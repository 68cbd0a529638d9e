import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatReply, isReply, ReplyParser, reply } from '../../src/smtp/index.js';

describe('replies', () => {
  it('formats multiline replies with the enhanced code on every line', () => {
    const r = reply(250, '2.1.0', 'first', 'second');
    expect(Buffer.from(formatReply(r)).toString()).toBe('250-2.1.0 first\r\n250 2.1.0 second\r\n');
    expect(Buffer.from(formatReply(reply(354, undefined, 'go'))).toString()).toBe('354 go\r\n');
  });

  it('never lets reply text break the framing', () => {
    expect(Buffer.from(formatReply(reply(550, '5.0.0', 'a\r\n250 ok'))).toString()).toBe(
      '550 5.0.0 a 250 ok\r\n',
    );
  });

  it('parses multiline replies and enhanced codes only when announced', () => {
    const p = new ReplyParser();
    expect(p.push(Buffer.from('250-mx greets\r\n250-PIPELINING\r\n250 2.0.0 OK\r\n'))).toEqual([
      { code: 250, lines: ['mx greets', 'PIPELINING', '2.0.0 OK'] },
    ]);
    p.enhanced = true;
    expect(p.push(Buffer.from('550 5.1.1 no such user\r\n'))).toEqual([
      { code: 550, enhanced: '5.1.1', lines: ['no such user'] },
    ]);
    // A class digit that disagrees with the code is text, not an enhanced code.
    expect(p.push(Buffer.from('250 5.1.1 odd\r\n'))).toEqual([{ code: 250, lines: ['5.1.1 odd'] }]);
  });

  it('flags malformed input and bounds its buffer', () => {
    const p = new ReplyParser({ maxLine: 100 });
    expect(p.push(Buffer.from('hello\r\n'))[0]).toHaveProperty('malformed');
    expect(p.push(Buffer.alloc(1000, 0x41))[0]).toHaveProperty('malformed');
    expect(p.push(Buffer.from('250-a\r\n251 b\r\n'))[0]).toHaveProperty('malformed');
  });

  it('format ∘ parse is the identity, whatever the chunking', () => {
    const text = fc.stringMatching(/^[\x20-\x7e]{0,60}$/).map((s) => s.trim());
    const arb = fc.record({
      code: fc.constantFrom(200, 250, 251, 421, 450, 452, 500, 550, 554),
      detail: fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 99 })),
      lines: fc.array(text, { minLength: 1, maxLength: 5 }),
    });
    fc.assert(
      fc.property(
        fc.array(arb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 50 }),
        (rs, cut) => {
          const replies = rs.map((r) =>
            reply(r.code, `${String(r.code)[0]}.${r.detail[0]}.${r.detail[1]}`, ...r.lines),
          );
          const wire = Buffer.concat(replies.map(formatReply));
          const p = new ReplyParser();
          p.enhanced = true;
          const got = [];
          for (let i = 0; i < wire.length; i += cut) got.push(...p.push(wire.subarray(i, i + cut)));
          expect(got.every(isReply)).toBe(true);
          expect(got).toEqual(replies);
        },
      ),
    );
  });
});
