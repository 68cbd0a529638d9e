import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitMbox, toMbox } from '../../src/corpus/mbox.js';

const line = fc.oneof(
  fc.constantFrom('From me', '>From you', '>>From x', 'From', 'Fromage', ''),
  fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '')),
);
const message = fc
  .tuple(fc.array(line, { minLength: 1, maxLength: 10 }), fc.constantFrom('\n', '\r\n'))
  .map(([lines, eol]) => Buffer.from(`Subject: x${eol}${eol}${lines.join(eol)}${eol}`, 'utf8'));

describe('mboxrd', () => {
  it('splitMbox(toMbox(messages)) = messages', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 6 }), (messages) => {
        const back = [...splitMbox(toMbox(messages))];
        expect(back.map((m) => Buffer.from(m).toString('latin1'))).toEqual(
          messages.map((m) => m.toString('latin1')),
        );
      }),
    );
  });

  it('quotes From lines in bodies', () => {
    const mbox = Buffer.from(toMbox([Buffer.from('Subject: a\n\nFrom here\n>From there\n')])).toString();
    expect(mbox).toContain('\n>From here\n>>From there\n');
  });
});
