// RFC 2047 encoded words ("=?charset?Q?text?="), with the RFC 2231 §5 language suffix
// ("=?utf-8*en?Q?..?="). Decoding is liberal, like the clients people actually use (Python's
// email package, Thunderbird, libmime); encoding is strict and round-trips exactly.
//
// Input strings are header values already unfolded (CRLF before WSP removed), decoded from
// the raw bytes as UTF-8 when valid (RFC 6532), else Latin-1 (one char per byte).
import { putUtf8 } from './bytes.js';
import { decodeCharset } from './charset.js';
import { type Defect, defect } from './defects.js';

export interface DecodedText {
  text: string;
  defects: Defect[];
}

// ---------------------------------------------------------------------------------------
// Recognising an encoded word
// ---------------------------------------------------------------------------------------

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const EQ = 0x3d;
const QM = 0x3f;
const US = 0x5f;

function isWs(c: number): boolean {
  return c === SP || c === TAB || c === CR || c === LF;
}

/** Longest charset ("utf-8*en") we look at; real names are under 40 characters. */
const MAX_CHARSET = 64;

interface WordSpan {
  charset: string;
  /** 'b' or 'q'. */
  encoding: string;
  textStart: number;
  textEnd: number;
  /** Index just after the closing "?=". */
  end: number;
}

/** Memo of the last search for "?=", so that scanning a string stays linear. */
interface TermCache {
  from: number;
  at: number;
}

/**
 * Reads the encoded word that starts at s[start] (where "=?" is). Returns undefined when
 * there is none; 'bad' when the start looks like one ("=?cs?x?") but the rest is malformed.
 * RFC 2047 §2 forbids white space inside an encoded word; `liberal` admits it in the
 * encoded text (broken encoders emit "=?iso-8859-1?q?this is text?="), as Python does.
 */
function readWord(
  s: string,
  start: number,
  liberal: boolean,
  cache: TermCache | undefined,
): WordSpan | 'bad' | undefined {
  const n = s.length;
  // charset ["*" language] "?"
  let i = start + 2;
  const csStart = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === QM) break;
    if (c <= SP || c === 0x7f || c === EQ || i - csStart >= MAX_CHARSET) return undefined;
  }
  if (i >= n || i === csStart || i + 2 >= n || s.charCodeAt(i + 2) !== QM) return undefined;
  const charset = s.slice(csStart, i);
  const enc = s.charCodeAt(i + 1) | 0x20;
  const textStart = i + 3;
  if (enc !== 0x62 && enc !== 0x71) return 'bad'; // RFC 2047 §4: only B and Q
  let textEnd: number;
  if (liberal) {
    textEnd = findTerminator(s, textStart, cache);
    if (textEnd < 0) return 'bad';
    // A new "=?" before the end means this one was never closed.
    // (The "=" of base64 padding before "?=" does not count.)
    const next = s.indexOf('=?', textStart);
    if (next >= 0 && next < textEnd - 1) return 'bad';
  } else {
    textEnd = -1;
    for (let j = textStart; j < n; j++) {
      const c = s.charCodeAt(j);
      if (isWs(c)) return 'bad';
      if (c === QM && s.charCodeAt(j + 1) === EQ) {
        textEnd = j;
        break;
      }
      if (c === EQ && s.charCodeAt(j + 1) === QM && s.charCodeAt(j + 2) !== EQ) return 'bad';
    }
    if (textEnd < 0) return 'bad';
  }
  return { charset, encoding: enc === 0x62 ? 'b' : 'q', textStart, textEnd, end: textEnd + 2 };
}

function findTerminator(s: string, from: number, cache: TermCache | undefined): number {
  if (cache !== undefined && from >= cache.from && (cache.at < 0 || from <= cache.at)) return cache.at;
  const at = s.indexOf('?=', from);
  if (cache !== undefined) {
    cache.from = from;
    cache.at = at;
  }
  return at;
}

/**
 * The index just after a well-formed encoded word (no white space inside) starting at
 * s[start] and ending a word, or -1. Structured-field scanners use it to keep "=?utf-8?q?Smith,_J?=" whole
 * even though it (illegally, RFC 2047 §5(3)) contains specials.
 */
export function encodedWordEnd(s: string, start: number): number {
  if (s.charCodeAt(start) !== EQ || s.charCodeAt(start + 1) !== QM) return -1;
  const w = readWord(s, start, false, undefined);
  if (w === undefined || w === 'bad') return -1;
  // Only a whole word (RFC 2047 §5(3)): followed by the end, white space or a special.
  return w.end === s.length || WORD_END.test(s[w.end] as string) ? w.end : -1;
}

const WORD_END = /^[\s<>,;:"()]$/;

// ---------------------------------------------------------------------------------------
// Decoding B and Q
// ---------------------------------------------------------------------------------------

const B64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
}

/**
 * RFC 2047 §4.1, leniently: white space is skipped, padding may be missing, and a run of
 * "=" ends a quantum (so two concatenated base64 strings still decode). Undefined on a
 * character outside the alphabet.
 */
function decodeB(s: string, from: number, to: number): Uint8Array | undefined {
  const out = new Uint8Array(Math.ceil(((to - from) * 3) / 4));
  let len = 0;
  let acc = 0;
  let bits = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === EQ) {
      acc = 0;
      bits = 0;
      continue;
    }
    if (isWs(c)) continue;
    const v = c < 128 ? (B64[c] as number) : -1;
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[len++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, len);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * RFC 2047 §4.2: "_" is a space, "=XX" a byte; a stray "=" stays itself. Raw 8-bit text
 * inside a word (invalid, but legacy mail has it) is given back as the bytes it came from:
 * its UTF-8 bytes in a UTF-8 word (the header was read as UTF-8, RFC 6532), else the byte
 * itself, since a header that is not UTF-8 was read one char per byte (Latin-1).
 */
function decodeQ(s: string, from: number, to: number, utf8Word = true): Uint8Array {
  const out = new Uint8Array((to - from) * 3);
  let len = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === US) out[len++] = SP;
    else if (
      c === EQ &&
      i + 2 < to &&
      hexValue(s.charCodeAt(i + 1)) >= 0 &&
      hexValue(s.charCodeAt(i + 2)) >= 0
    ) {
      out[len++] = (hexValue(s.charCodeAt(i + 1)) << 4) | hexValue(s.charCodeAt(i + 2));
      i += 2;
    } else if (c < 0x80) out[len++] = c;
    else if (c <= 0xff && !utf8Word) out[len++] = c;
    else {
      const cp = s.codePointAt(i) as number;
      if (cp > 0xffff) i++;
      len = putUtf8(out, len, cp);
    }
  }
  return out.subarray(0, len);
}

// ---------------------------------------------------------------------------------------
// Assembling decoded text
// ---------------------------------------------------------------------------------------

/** "UTF-8*en" → "utf-8": the key under which adjacent words share bytes. */
function charsetKey(label: string): string {
  const star = label.indexOf('*');
  return (star >= 0 ? label.slice(0, star) : label).toLowerCase();
}

function isAllWs(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isWs(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Collects literal text, white space and encoded words. RFC 2047 §6.2: white space between
 * two adjacent encoded words is dropped. Adjacent words in the same charset have their bytes
 * joined before decoding, so a character split across two words (a common encoder bug)
 * comes out whole.
 */
class TextBuilder {
  private readonly out: string[] = [];
  private heldWs = '';
  private afterWord = false;
  private key = '';
  private label = '';
  private chunks: Uint8Array[] = [];

  constructor(private readonly defects: Defect[]) {}

  text(s: string): void {
    if (s === '') return;
    if (this.afterWord && isAllWs(s)) {
      this.heldWs += s;
      return;
    }
    this.flushWord();
    if (this.heldWs !== '') this.out.push(this.heldWs);
    this.heldWs = '';
    this.afterWord = false;
    this.out.push(s);
  }

  word(charset: string, bytes: Uint8Array): void {
    const key = charsetKey(charset);
    if (!(this.afterWord && key === this.key)) {
      this.flushWord();
      this.key = key;
      this.label = charset;
    }
    this.chunks.push(bytes);
    this.heldWs = '';
    this.afterWord = true;
  }

  finish(): string {
    this.flushWord();
    if (this.heldWs !== '') this.out.push(this.heldWs);
    this.heldWs = '';
    return this.out.join('');
  }

  private flushWord(): void {
    if (this.chunks.length === 0) return;
    const bytes = this.chunks.length === 1 ? (this.chunks[0] as Uint8Array) : concat(this.chunks);
    this.chunks = [];
    const r = decodeCharset(bytes, this.label);
    if (r.unknownCharset !== undefined) {
      this.defects.push(defect('unknown-charset', `unknown charset in encoded word: ${r.unknownCharset}`));
    }
    this.out.push(r.text);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Feeds `s` to the builder, decoding every encoded word found anywhere in it. */
function scanText(s: string, b: TextBuilder, defects: Defect[]): void {
  const cache: TermCache = { from: Number.POSITIVE_INFINITY, at: -1 };
  let lit = 0;
  let i = 0;
  for (;;) {
    const j = s.indexOf('=?', i);
    if (j < 0) break;
    const w = readWord(s, j, true, cache);
    if (w === undefined || w === 'bad') {
      if (w === 'bad') defects.push(badWord(s, j));
      i = j + 1;
      continue;
    }
    const bytes =
      w.encoding === 'b'
        ? decodeB(s, w.textStart, w.textEnd)
        : decodeQ(s, w.textStart, w.textEnd, charsetKey(w.charset) === 'utf-8');
    if (bytes === undefined) {
      defects.push(badWord(s, j));
      i = j + 1;
      continue;
    }
    b.text(s.slice(lit, j));
    b.word(w.charset, bytes);
    lit = i = w.end;
  }
  b.text(s.slice(lit));
}

function badWord(s: string, at: number): Defect {
  const end = s.indexOf(' ', at + 2);
  const shown = s.slice(at, end < 0 ? Math.min(s.length, at + 80) : Math.min(end, at + 80));
  return defect('bad-encoded-word', `malformed encoded word kept as text: ${shown}`);
}

/**
 * Decodes the encoded words in unstructured text (RFC 2047 §5(1): Subject, Comments, …).
 * Liberal: words glued to text, words split mid-character, any case, missing base64
 * padding, unknown charsets (defect, read as UTF-8) and malformed words (defect, kept as
 * text). Never throws.
 */
export function decodeUnstructured(value: string): DecodedText {
  if (value.indexOf('=?') < 0) return { text: value, defects: [] };
  const defects: Defect[] = [];
  const b = new TextBuilder(defects);
  scanText(value, b, defects);
  return { text: b.finish(), defects };
}

const PHRASE_SPECIAL = /["(]|=\?/;
const WS_RUN = /[ \t\r\n]+/;
const WS_EDGES = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/**
 * Decodes an RFC 5322 phrase (a display name, a group name) to its text: words separated by
 * CFWS become single spaces, quoted strings are unescaped and keep their inner spaces,
 * comments are dropped, and encoded words are decoded — RFC 2047 §5(3), and also inside
 * quoted strings, as most clients do. Specials left in the input are kept as text.
 */
export function decodePhrase(value: string): DecodedText {
  // Fast path: plain words (the common case) only need their white space normalised.
  if (!PHRASE_SPECIAL.test(value))
    return { text: value.replace(WS_EDGES, '').split(WS_RUN).join(' '), defects: [] };
  const defects: Defect[] = [];
  const b = new TextBuilder(defects);
  const n = value.length;
  let i = 0;
  let first = true;
  let sep = false;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (isWs(c)) {
      sep = true;
      i++;
      continue;
    }
    if (c === 0x28) {
      i = readComment(value, i).end;
      sep = true;
      continue;
    }
    if (!first && sep) b.text(' ');
    first = false;
    sep = false;
    if (c === 0x22) {
      const q = readQuoted(value, i);
      scanText(q.text, b, defects);
      i = q.end;
      continue;
    }
    let j = i;
    while (j < n) {
      const d = value.charCodeAt(j);
      if (isWs(d) || d === 0x28 || d === 0x22) break;
      if (d === EQ && value.charCodeAt(j + 1) === QM) {
        const e = encodedWordEnd(value, j);
        if (e > 0) {
          j = e;
          continue;
        }
      }
      j++;
    }
    scanText(value.slice(i, j), b, defects);
    i = j;
  }
  return { text: b.finish(), defects };
}

/**
 * The comment starting at s[start] ("("), nested (RFC 5322 §3.2.2): its content with
 * quoted-pairs unescaped and inner parentheses kept, and the index after it; `closed` is
 * false when the input ended first. CR and LF are dropped (what is left of a fold).
 */
export function readComment(s: string, start: number): { text: string; end: number; closed: boolean } {
  const parts: string[] = [];
  let depth = 0;
  let from = start + 1;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) {
      parts.push(s.slice(from, i));
      from = ++i;
    } else if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) {
      parts.push(s.slice(from, i));
      return { text: parts.join(''), end: i + 1, closed: true };
    } else if (c === CR || c === LF) {
      parts.push(s.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(s.slice(from));
  return { text: parts.join(''), end: s.length, closed: false };
}

/**
 * The unescaped content of the quoted string at s[start] ('"'), RFC 5322 §3.2.4, and the
 * index after it; `closed` is false when the input ended first. CR and LF are dropped
 * (what is left of a fold).
 */
export function readQuoted(s: string, start: number): { text: string; end: number; closed: boolean } {
  const parts: string[] = [];
  let from = start + 1;
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      parts.push(s.slice(from, i));
      return { text: parts.join(''), end: i + 1, closed: true };
    }
    if (c === 0x5c || c === CR || c === LF) {
      parts.push(s.slice(from, i));
      if (c === 0x5c) i++; // quoted-pair: keep the next char
      from = c === 0x5c ? i : i + 1;
    }
  }
  parts.push(s.slice(from));
  return { text: parts.join(''), end: s.length, closed: false };
}

// ---------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------

const HEX = '0123456789ABCDEF';
/** Q: the longest encoded text that keeps a "=?utf-8?q?…?=" word within 75 chars (§2). */
const MAX_Q_TEXT = 75 - '=?utf-8?q??='.length;
/** B: 45 bytes make 60 base64 chars, the most that fits in 63. */
const MAX_B_BYTES = 45;

// Characters a Q word may carry as themselves. RFC 2047 §5(1) (unstructured): any printable
// ASCII but "=", "?", "_" (SPACE becomes "_"). §5(3) (phrase): letters, digits, "!*+-/".
const Q_TEXT = new Uint8Array(128);
const Q_PHRASE = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) if (c !== EQ && c !== QM && c !== US) Q_TEXT[c] = 1;
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/') {
  Q_PHRASE[ch.charCodeAt(0)] = 1;
}

const utf8Encoder = new TextEncoder();

/**
 * `text` as UTF-8 encoded words of at most 75 chars, separated by single spaces (the
 * places where a folder may break the line). Q or B, whichever is shorter; a character is
 * never split across two words (RFC 2047 §5).
 */
function encodeRun(text: string, safe: Uint8Array): string {
  const bytes = utf8Encoder.encode(text);
  let qLen = 0;
  for (const b of bytes) qLen += b === SP || (b < 0x80 && safe[b] === 1) ? 1 : 3;
  const useQ = qLen <= Math.ceil(bytes.length / 3) * 4;
  const words: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    let j = i;
    let size = 0;
    while (j < bytes.length) {
      // One UTF-8 character: a lead byte and its continuation bytes.
      let k = j + 1;
      while (k < bytes.length && ((bytes[k] as number) & 0xc0) === 0x80) k++;
      let cost = k - j;
      if (useQ) {
        cost = 0;
        for (let m = j; m < k; m++) {
          const b = bytes[m] as number;
          cost += b === SP || (b < 0x80 && safe[b] === 1) ? 1 : 3;
        }
      }
      if (size + cost > (useQ ? MAX_Q_TEXT : MAX_B_BYTES) && j > i) break;
      size += cost;
      j = k;
    }
    words.push(
      useQ ? qWord(bytes, i, j, safe) : `=?utf-8?b?${Buffer.from(bytes.subarray(i, j)).toString('base64')}?=`,
    );
    i = j;
  }
  return words.join(' ');
}

function qWord(bytes: Uint8Array, from: number, to: number, safe: Uint8Array): string {
  let s = '=?utf-8?q?';
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    if (b === SP) s += '_';
    else if (b < 0x80 && safe[b] === 1) s += String.fromCharCode(b);
    else s += '=' + HEX[b >> 4] + HEX[b & 15];
  }
  return s + '?=';
}

/** Printable ASCII (SPACE included) without "=?": safe to leave as is. */
function isPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < SP || c > 0x7e) return false;
  }
  return s.indexOf('=?') < 0;
}

/** A word (no spaces) that cannot appear literally in unstructured text. */
function wordNeedsEncoding(w: string): boolean {
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c <= SP || c > 0x7e) return true;
  }
  return w.indexOf('=?') >= 0;
}

/**
 * Splits `text` on single spaces and replaces each run of words for which `needs` is true
 * (with the spaces inside the run, and with empty words from repeated spaces) by encoded
 * words. The spaces around a run stay literal, so decoding restores them; the spaces inside
 * are in the encoded text, since the decoder drops those between words (RFC 2047 §6.2).
 * With `edges`, leading and trailing spaces go inside the first and last runs: header
 * parsers strip them from field values (as header.ts's unfold does), encoded text they keep.
 */
function encodeRuns(text: string, needs: (w: string) => boolean, safe: Uint8Array, edges: boolean): string {
  const words = text.split(' ');
  let first = 0;
  while (first < words.length && words[first] === '') first++;
  if (first === words.length) return edges && text !== '' ? encodeRun(text, safe) : text;
  let last = words.length - 1;
  while (words[last] === '') last--;
  const lead = edges && first > 0;
  const trail = edges && last < words.length - 1;
  const must = (j: number) => needs(words[j] as string) || (lead && j === first) || (trail && j === last);
  const out: string[] = [];
  let k = lead ? 0 : first;
  for (let j = 0; j < k; j++) out.push('');
  while (k < words.length) {
    const start = k;
    if (!(lead && k === 0)) {
      if (words[k] === '' || !must(k)) {
        out.push(words[k] as string);
        k++;
        continue;
      }
    } else k = first;
    let end = k;
    for (let j = k + 1; j < words.length; j++) {
      if (words[j] === '') continue;
      if (!must(j)) break;
      end = j;
    }
    if (trail && end === last) end = words.length - 1;
    out.push(encodeRun(words.slice(start, end + 1).join(' '), safe));
    k = end + 1;
  }
  return out.join(' ');
}

/**
 * Encodes unstructured text (Subject, …) for a header: ASCII only. Printable ASCII without
 * "=?" is returned as is (but leading or trailing spaces, which header parsing strips, are
 * put inside an encoded word); otherwise each run of words that cannot stay literal becomes
 * UTF-8 encoded words (≤ 75 chars each, separated by single spaces). For every string `x`,
 * decodeUnstructured(encodeUnstructured(x)).text === x (lone surrogates aside), also after
 * folding, unfolding and trimming of the field.
 */
export function encodeUnstructured(text: string): string {
  if (isPlain(text) && text.charCodeAt(0) !== SP && text.charCodeAt(text.length - 1) !== SP) return text;
  return encodeRuns(text, wordNeedsEncoding, Q_TEXT, true);
}

// RFC 5322 §3.2.3 atext.
const ATEXT = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~") {
  ATEXT[ch.charCodeAt(0)] = 1;
}

/**
 * RFC 5322 §3.2.3 atom, without "=?" (which a decoder would take for an encoded word).
 * With `utf8`, non-ASCII characters count as atext (RFC 6532 §3.2), C1 controls aside.
 */
function isAtom(w: string, utf8: boolean): boolean {
  if (w === '') return false;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c < 128 ? ATEXT[c] !== 1 : !utf8 || c < 0xa0) return false;
  }
  return w.indexOf('=?') < 0;
}

/** Text a quoted string can carry as is: printable ASCII (and UTF-8 with `utf8`), no "=?". */
function isQuotable(s: string, utf8: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < SP || c === 0x7f || (c > 0x7f && (!utf8 || c < 0xa0))) return false;
  }
  return s.indexOf('=?') < 0;
}

export interface PhraseOptions {
  /**
   * Keep non-ASCII text as UTF-8 (RFC 6532 §3.2) rather than encoded words: for SMTPUTF8
   * messages, and for showing addresses to people. Default false (RFC 2047, 7-bit).
   */
  utf8?: boolean;
}

/**
 * Encodes a display name or group name as an RFC 5322 phrase: atoms as they are, other
 * printable ASCII as a quoted string (RFC 5322 §3.2.4), anything else (non-ASCII, controls,
 * "=?") as encoded words restricted to the phrase alphabet of RFC 2047 §5(3).
 * decodePhrase (and the address parser) give back exactly `text`.
 */
export function encodePhrase(text: string, opts: PhraseOptions = {}): string {
  const utf8 = opts.utf8 === true;
  if (text === '') return '""';
  const words = text.split(' ');
  if (words.every((w) => isAtom(w, utf8))) return text;
  if (isQuotable(text, utf8)) return `"${text.replace(/[\\"]/g, '\\$&')}"`;
  // Phrase words are joined by single spaces on decoding, so irregular spacing (leading,
  // trailing, repeated) can only live inside encoded text: encode the whole name then.
  if (words.indexOf('') >= 0) return encodeRun(text, Q_PHRASE);
  return encodeRuns(text, (w) => !isAtom(w, utf8), Q_PHRASE, false);
}
