import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeUnstructured } from '../../src/mime/encoded-word.js';
import { foldField, unfold } from '../../src/mime/header.js';

const unfoldField = (folded: string) => unfold(Buffer.from(folded.slice(folded.indexOf(':') + 1)));

describe('folding', () => {
  it('keeps short fields on one line', () => {
    expect(foldField('Subject', 'hello')).toBe('Subject: hello\r\n');
  });

  it('folds at whitespace within 78 columns', () => {
    const value = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const folded = foldField('Subject', value);
    for (const line of folded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect(unfoldField(folded)).toBe(value);
  });

  it('moves a long first word to the next line rather than overflow (RFC 2047 §2: 76)', () => {
    const word = encodeUnstructured('é'.repeat(20));
    const folded = foldField('Subject', `${word} ${word}`);
    for (const line of folded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
  });

  it('folds inside a run of spaces so the next line does not overflow', () => {
    const word = encodeUnstructured('𐀀'.repeat(10));
    const folded = foldField('Subject', `word       ${word}`);
    for (const line of folded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect(unfoldField(folded)).toBe(`word       ${word}`);
  });

  it('unfold(fold(x)) = x for any single-line value', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 400 }).map((s) => s.replace(/[\r\n]/g, ' ').trim()),
        (value) => {
          const folded = foldField('X-Test', value);
          expect(folded.endsWith('\r\n')).toBe(true);
          expect(unfoldField(folded)).toBe(value);
          for (const line of folded.slice(0, -2).split('\r\n')) expect(line.trim().length).toBeGreaterThan(0);
        },
      ),
    );
  });
});
