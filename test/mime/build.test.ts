import { describe, expect, it } from 'vitest';
import { appendPart, bodyText, createLeaf, parseMessage, serialize } from '../../src/mime/index.js';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('appendPart', () => {
  it('re-encodes a body that holds the boundary, so it stays one part', () => {
    const { root } = parseMessage(
      b('Content-Type: multipart/mixed; boundary=abc\r\n\r\n--abc\r\n\r\nfirst\r\n--abc--\r\n'),
    );
    appendPart(
      root,
      createLeaf({ type: 'text/plain; charset=utf-8', body: b('before\r\n--abc\r\nx=y é\r\n') }),
    );
    const again = parseMessage(serialize(root));
    expect(again.defects).toEqual([]);
    expect(again.root.parts.length).toBe(2);
    expect(bodyText(again.root.parts[1] as never)).toBe('before\r\n--abc\r\nx=y é\r\n');
  });

  it('decodes before re-encoding a quoted-printable body', () => {
    const { root } = parseMessage(
      b('Content-Type: multipart/mixed; boundary=abc\r\n\r\n--abc\r\n\r\nfirst\r\n--abc--\r\n'),
    );
    appendPart(
      root,
      createLeaf({ type: 'text/plain; charset=utf-8', body: b('--abc\r\nx=y é\r\n'), encoding: '8bit' }),
    );
    const again = parseMessage(serialize(root));
    expect(bodyText(again.root.parts[1] as never)).toBe('--abc\r\nx=y é\r\n');
  });
});
