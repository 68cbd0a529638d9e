import { describe, expect, it } from 'vitest';
import { decodeCharset, encodeCharset, normalizeCharset } from '../../src/mime/charset.js';

// Every charset the MIME issue lists, with text it can hold.
const CASES: [string, string][] = [
  ['utf-8', 'Grüße, 你好, 🙂'],
  ['us-ascii', 'plain text'],
  ...Array.from({ length: 16 }, (_, i) => i + 1)
    .filter((n) => n !== 12) // ISO-8859-12 was never published
    .map((n): [string, string] => [`iso-8859-${n}`, 'Latin letters, digits 0123']),
  ['iso-8859-1', 'déjà vu, Ærøskøbing'],
  ['iso-8859-5', 'Привет'],
  ['iso-8859-7', 'Καλημέρα'],
  ...[1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258].map((n): [string, string] => [
    `windows-${n}`,
    'text 123',
  ]),
  ['windows-1251', 'Здравствуйте'],
  ['koi8-r', 'Здравствуйте'],
  ['koi8-u', 'Добрий день, ґанок'],
  ['gb2312', '你好世界'],
  ['gbk', '你好世界'],
  ['gb18030', '你好世界 𠀋'],
  ['big5', '你好世界'],
  ['shift_jis', '日本語のテキスト'],
  ['euc-jp', '日本語のテキスト'],
  ['iso-2022-jp', '日本語のテキスト'],
  ['euc-kr', '안녕하세요'],
  ['utf-7', 'Hi Mom -☺-!'],
  ['utf-16', 'Grüße 你好'],
];

describe('charsets', () => {
  it.each(CASES)('%s: decode(encode(x)) = x', (label, text) => {
    expect(normalizeCharset(label)).toBeDefined();
    const bytes = encodeCharset(text, label);
    expect(bytes).toBeDefined();
    expect(decodeCharset(bytes as Uint8Array, label)).toEqual({ text });
  });

  it('knows the aliases real mail uses', () => {
    for (const label of [
      'UTF8',
      'latin1',
      'ISO_8859-1',
      'x-sjis',
      'ks_c_5601-1987',
      'cp1252',
      '"utf-8"',
      'us-ascii*en',
    ]) {
      expect(normalizeCharset(label), label).toBeDefined();
    }
  });

  it('reports an unknown charset and still gives text, never throws', () => {
    expect(decodeCharset(Buffer.from('caf\xc3\xa9', 'latin1'), 'x-klingon')).toEqual({
      text: 'café',
      unknownCharset: 'x-klingon',
    });
    expect(decodeCharset(Buffer.from('caf\xe9', 'latin1'), 'x-klingon').text).toBe('café');
    expect(encodeCharset('x', 'x-klingon')).toBeUndefined();
  });

  it('keeps ISO-2022-JP 7-bit: what JIS X 0208 lacks becomes "?"', () => {
    const bytes = encodeCharset('é日本', 'iso-2022-jp') as Uint8Array;
    expect([...bytes].every((b) => b < 0x80)).toBe(true);
    expect(decodeCharset(bytes, 'iso-2022-jp').text).toBe('?日本');
  });

  it('reads 8-bit text labelled us-ascii as UTF-8 (what it nearly always is)', () => {
    expect(decodeCharset(Buffer.from('na\xc3\xafve', 'latin1'), 'us-ascii').text).toBe('naïve');
  });
});
