// Charset conversion for MIME text (RFC 2045 §5, RFC 2046 §4.1.2, RFC 2978 names).
// iconv-lite does the tables; we add ISO-2022-JP (absent from iconv-lite), name
// normalisation for the aliases that real mail uses, and defect reporting instead of throws.
import { createRequire } from 'node:module';

type Iconv = typeof import('iconv-lite');
let iconvModule: Iconv | undefined;
/** iconv-lite is loaded on first use: most mail is ASCII or UTF-8, and pipes start faster. */
function iconv(): Iconv {
  iconvModule ??= createRequire(import.meta.url)('iconv-lite') as Iconv;
  return iconvModule;
}

export interface DecodeResult {
  text: string;
  /** Set when the charset was unknown (the bytes were read as UTF-8, lossy). */
  unknownCharset?: string;
}

// Aliases seen in the wild that iconv-lite does not know, mapped to what they mean.
const ALIASES: Record<string, string> = {
  'x-unknown': 'windows-1252',
  unknown: 'windows-1252',
  'unknown-8bit': 'windows-1252',
  'x-user-defined': 'windows-1252',
  default: 'windows-1252',
  'iso-8859-8-i': 'iso-8859-8',
  'iso-8859-6-i': 'iso-8859-6',
  'ks_c_5601-1987': 'cp949',
  ks_c_5601: 'cp949',
  'x-sjis': 'shift_jis',
  'x-euc-jp': 'euc-jp',
  'x-gbk': 'gbk',
  'x-mac-roman': 'macintosh',
  'ansi_x3.4-1968': 'us-ascii',
  ascii: 'us-ascii',
  us_ascii: 'us-ascii',
  utf8: 'utf-8',
  'x-utf-8': 'utf-8',
  'unicode-1-1-utf-7': 'utf-7',
  'x-unicode-2-0-utf-7': 'utf-7',
};

/** The canonical lower-case name of a charset label, or undefined when unsupported. */
export function normalizeCharset(label: string): string | undefined {
  let name = label.trim().toLowerCase();
  // RFC 2231 §5 language suffix ("us-ascii*en") and stray quotes.
  const star = name.indexOf('*');
  if (star >= 0) name = name.slice(0, star);
  name = name.replace(/^["']+|["']+$/g, '');
  name = ALIASES[name] ?? name;
  if (name === 'us-ascii' || name === 'utf-8' || name === 'iso-2022-jp') return name;
  if (/^iso-2022-jp(-[0-9]|-ext)?$/.test(name)) return 'iso-2022-jp';
  // "iso8859-1", "iso_8859-1", "latin1" and friends are known to iconv-lite already.
  return iconv().encodingExists(name) ? name : undefined;
}

export function isSupportedCharset(label: string): boolean {
  return normalizeCharset(label) !== undefined;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
// WHATWG's 'latin1' is windows-1252: the better guess for unlabelled 8-bit text.
const latin1Decoder = new TextDecoder('latin1');

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) > 0x7f) return false;
  return true;
}

/**
 * Bytes in a charset to text. Never throws: malformed sequences become U+FFFD, an unknown
 * charset is read as UTF-8 (falling back to Latin-1 when that is not valid) and reported.
 */
export function decodeCharset(bytes: Uint8Array, label: string): DecodeResult {
  const name = normalizeCharset(label);
  if (name === undefined) {
    return { text: decodeUnknown(bytes), unknownCharset: label };
  }
  if (name === 'us-ascii') {
    // Mail labelled ASCII often carries 8-bit text; UTF-8 is the likely truth.
    return { text: isAscii(bytes) ? latin1Decoder.decode(bytes) : decodeUnknown(bytes) };
  }
  if (name === 'utf-8') return { text: utf8Decoder.decode(bytes) };
  if (name === 'iso-2022-jp') return { text: decodeIso2022jp(bytes) };
  return { text: iconv().decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name) };
}

function decodeUnknown(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return latin1Decoder.decode(bytes);
  }
}

/** Text to bytes in a charset; undefined when the charset is unsupported. */
export function encodeCharset(text: string, label: string): Uint8Array | undefined {
  const name = normalizeCharset(label);
  if (name === undefined) return undefined;
  if (name === 'utf-8' || name === 'us-ascii') return Buffer.from(text, 'utf8');
  if (name === 'iso-2022-jp') return encodeIso2022jp(text);
  return iconv().encode(text, name);
}

// ISO-2022-JP (RFC 1468): 7-bit, escape sequences switch between ASCII, JIS X 0201 Roman
// and JIS X 0208. We map JIS X 0208 to EUC-JP (set the high bit) and let iconv decode it.
const ESC = 0x1b;

function decodeIso2022jp(bytes: Uint8Array): string {
  let mode: 'ascii' | 'roman' | 'jis0208' | 'kana' = 'ascii';
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === ESC && i + 2 < bytes.length) {
      const b1 = bytes[i + 1];
      const b2 = bytes[i + 2];
      if (b1 === 0x28 && (b2 === 0x42 || b2 === 0x4a || b2 === 0x49)) {
        mode = b2 === 0x42 ? 'ascii' : b2 === 0x4a ? 'roman' : 'kana';
        i += 2;
        continue;
      }
      if (b1 === 0x24 && (b2 === 0x42 || b2 === 0x40)) {
        mode = 'jis0208';
        i += 2;
        continue;
      }
    }
    if (b === 0x0a || b === 0x0d) {
      mode = 'ascii';
      out.push(b);
    } else if (mode === 'jis0208' && b >= 0x21 && b <= 0x7e && i + 1 < bytes.length) {
      out.push(b | 0x80, ((bytes[i + 1] as number) & 0x7f) | 0x80);
      i++;
    } else if (mode === 'kana' && b >= 0x21 && b <= 0x5f) {
      out.push(0x8e, b | 0x80);
    } else {
      out.push(b);
    }
  }
  return iconv().decode(Buffer.from(out), 'euc-jp');
}

function encodeIso2022jp(text: string): Uint8Array {
  const euc = iconv().encode(text, 'euc-jp');
  const out: number[] = [];
  let inJis = false;
  for (let i = 0; i < euc.length; i++) {
    const b = euc[i] as number;
    if (b >= 0xa1 && b <= 0xfe && i + 1 < euc.length) {
      if (!inJis) out.push(ESC, 0x24, 0x42);
      inJis = true;
      out.push(b & 0x7f, (euc[i + 1] as number) & 0x7f);
      i++;
      continue;
    }
    if (inJis) out.push(ESC, 0x28, 0x42);
    inJis = false;
    // Half-width katakana (0x8E xx) and JIS X 0212 (0x8F xx xx) have no place in RFC 1468:
    // substitute a question mark, so the output stays 7-bit.
    if (b === 0x8e) {
      out.push(0x3f);
      i++;
    } else if (b === 0x8f) {
      out.push(0x3f);
      i += 2;
    } else out.push(b);
  }
  if (inJis) out.push(ESC, 0x28, 0x42);
  return Uint8Array.from(out);
}
