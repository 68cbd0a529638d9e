// Content-Type (RFC 2045 §5.1) and Content-Disposition (RFC 2183) with their parameters,
// including RFC 2231 continuations, charsets and languages. Lenient in (one hand-written
// scanner, defects instead of throws), strict out.

import { putUtf8 } from './bytes.js';
import { skipComment } from './cfws.js';
import { decodeCharset, normalizeCharset } from './charset.js';
import { type Defect, defect } from './defects.js';
import { decodeUnstructured } from './encoded-word.js';

export interface ContentType {
  /** Lower case; `text` when the field is broken (RFC 2045 §5.2). */
  type: string;
  /** Lower case; `plain` when the field is broken (RFC 2045 §5.2). */
  subtype: string;
  /** Names lower-cased, values unquoted and decoded (RFC 2231, and RFC 2047 leniently). */
  params: Record<string, string>;
  /** RFC 2231 §5 language tags by parameter name; present only when one was given. */
  languages?: Record<string, string>;
  defects: Defect[];
}

export interface ContentDisposition {
  /** Lower case; `attachment` when missing (RFC 2183 §2.8). */
  disposition: string;
  params: Record<string, string>;
  languages?: Record<string, string>;
  defects: Defect[];
}

// RFC 2045 §5.1 token: printable ASCII except SPACE and tspecials. The reader also lets
// non-ASCII through (RFC 6532 headers); the writer does not.
const TOKEN = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) TOKEN[c] = 1;
for (const ch of '()<>@,;:\\"/[]?=') TOKEN[ch.charCodeAt(0)] = 0;

function isToken(c: number): boolean {
  return c >= 0x80 || TOKEN[c] === 1;
}

function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

const SEMI = 0x3b;
const EQ = 0x3d;
const DQUOTE = 0x22;
const LPAREN = 0x28;
const STAR = 0x2a;

function skipCfws(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isWsp(c)) i++;
    else if (c === LPAREN) i = skipComment(s, i);
    else break;
  }
  return i;
}

/** The next ";" outside quoted strings and comments, or the end. */
function skipToSemicolon(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === SEMI) return i;
    if (c === DQUOTE) i = readQuoted(s, i).next;
    else if (c === LPAREN) i = skipComment(s, i);
    else i++;
  }
  return n;
}

/** A quoted-string at `i` (RFC 5322 §3.2.4): its content with quoted-pairs undone. */
function readQuoted(s: string, i: number): { value: string; next: number; closed: boolean } {
  const n = s.length;
  let out = '';
  let from = ++i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) {
      out += s.slice(from, i);
      from = i + 1;
      i += 2;
    } else if (c === DQUOTE) {
      return { value: out + s.slice(from, i), next: i + 1, closed: true };
    } else i++;
  }
  return { value: out + s.slice(Math.min(from, n), n), next: n, closed: false };
}

/**
 * A parameter name with its RFC 2231 section and "*" marks. Whitespace is dropped where it
 * touches a "*" ("1 * 2 *="), as lenient readers do.
 */
function readKey(s: string, i: number): { key: string; next: number } {
  const n = s.length;
  let key = '';
  let from = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isToken(c)) {
      i++;
      continue;
    }
    if (!isWsp(c) || i === from) break;
    let j = i + 1;
    while (j < n && isWsp(s.charCodeAt(j))) j++;
    const d = s.charCodeAt(j);
    if (!(j < n && isToken(d) && (s.charCodeAt(i - 1) === STAR || d === STAR))) break;
    key += s.slice(from, i);
    from = i = j;
  }
  return { key: key + s.slice(from, i), next: i };
}

/** Whether `name=` starts at `i`: a parameter after a missing ";". */
function looksLikeParam(s: string, i: number): boolean {
  if (s.charCodeAt(i) === STAR) return false;
  const k = readKey(s, i);
  if (k.key === '') return false;
  let j = k.next;
  while (j < s.length && isWsp(s.charCodeAt(j))) j++;
  return s.charCodeAt(j) === EQ;
}

/**
 * An unquoted value: up to ";", keeping inner spaces (liberal), but ending before a comment
 * that follows whitespace ("us-ascii (Plain text)") or a `name=` that follows whitespace
 * (a missing ";").
 */
function readUnquoted(s: string, i: number): { value: string; next: number } {
  const n = s.length;
  const start = i;
  let end = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === SEMI) break;
    if (isWsp(c)) {
      let j = i + 1;
      while (j < n && isWsp(s.charCodeAt(j))) j++;
      if (j >= n || s.charCodeAt(j) === SEMI || looksLikeParam(s, j)) {
        i = j;
        break;
      }
      if (s.charCodeAt(j) === LPAREN) {
        // A comment when only a ";", a parameter or the end follows; else part of the value
        // ("my file (1).pdf"), stepped over whole so that nesting stays linear.
        const k = skipComment(s, j);
        let m = k;
        while (m < n && isWsp(s.charCodeAt(m))) m++;
        if (m >= n || s.charCodeAt(m) === SEMI || looksLikeParam(s, m)) {
          i = j;
          break;
        }
        i = end = k;
        continue;
      }
      i = j;
      continue;
    }
    end = ++i;
  }
  return { value: s.slice(start, end), next: i };
}

interface Sections {
  /** Section number → value and whether it is extended (percent-encoded, `name*N*`). */
  map: Map<number, { v: string; ext: boolean }>;
}

/** What we gathered for one RFC 2231 parameter name: `name*` and `name*N[*]`. */
interface Acc {
  ext?: string;
  sections?: Sections;
}

/** The parameters being read: plain ones go straight to `params`, RFC 2231 ones to `rfc2231`. */
interface Reader {
  params: Record<string, string>;
  rfc2231: Map<string, Acc> | undefined;
  defects: Defect[];
}

interface KeyInfo {
  name: string;
  /** -1 when the key has no section number. */
  section: number;
  ext: boolean;
  ok: boolean;
}

// RFC 2231 §3-4: name, name*, name*N, name*N*. Leading stars are dropped and other shapes read
// as best we can (flagged), because that is what the other readers do.
function interpretKey(key: string): KeyInfo {
  let a = 0;
  while (a < key.length && key.charCodeAt(a) === STAR) a++;
  const star = key.indexOf('*', a);
  if (star < 0) return { name: lower(key.slice(a)), section: -1, ext: false, ok: a === 0 };
  const name = lower(key.slice(a, star));
  const rest = key.length - star - 1;
  if (rest === 0) return { name, section: -1, ext: true, ok: a === 0 };
  let k = star + 1;
  let v = 0;
  while (k < key.length && k - star <= 9) {
    const c = key.charCodeAt(k);
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + c - 0x30;
    k++;
  }
  const digits = k - star - 1;
  if (digits > 0 && (k === key.length || (k === key.length - 1 && key.charCodeAt(k) === STAR))) {
    return { name, section: v, ext: k === key.length - 1, ok: a === 0 };
  }
  return { name, section: -1, ext: key.charCodeAt(key.length - 1) === STAR, ok: false };
}

function bad(defects: Defect[], message: string): void {
  defects.push(defect('bad-params', message));
}

// Names that most mail uses, as literals: V8 stores a property much faster under an
// internalized key than under a fresh slice.
const COMMON = new Map(
  [
    'charset',
    'format',
    'delsp',
    'boundary',
    'name',
    'filename',
    'type',
    'start',
    'start-info',
    'protocol',
    'micalg',
    'method',
    'report-type',
    'reply-type',
    'id',
    'number',
    'total',
    'size',
    'access-type',
    'creation-date',
    'modification-date',
    'read-date',
    'smime-type',
    'differences',
  ].map((k) => [k, k]),
);

/** Sets an own property, also for "__proto__" (never the prototype). */
function put(o: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') {
    Object.defineProperty(o, name, { value, enumerable: true, writable: true, configurable: true });
  } else o[name] = value;
}

function lower(name: string): string {
  const l = name.toLowerCase();
  return COMMON.get(l) ?? l;
}

function add(r: Reader, key: string, value: string): void {
  const defects = r.defects;
  if (key.indexOf('*') < 0) {
    const name = COMMON.get(key) ?? lower(key);
    if (Object.hasOwn(r.params, name)) {
      bad(defects, `duplicate parameter "${name}"`);
      return;
    }
    // RFC 2047 §5 forbids encoded words here, but many writers use them; the boundary is
    // compared byte for byte, so it stays as written.
    if (value.indexOf('=?') >= 0 && name !== 'boundary') {
      const d = decodeUnstructured(value);
      value = d.text;
      for (const x of d.defects) defects.push(x);
    }
    put(r.params, name, value);
    return;
  }
  const k = interpretKey(key);
  if (k.name === '') {
    bad(defects, `parameter without a name: ${JSON.stringify(key)}`);
    return;
  }
  if (!k.ok) bad(defects, `malformed parameter name: ${JSON.stringify(key)}`);
  r.rfc2231 ??= new Map();
  let a = r.rfc2231.get(k.name);
  if (a === undefined) {
    a = {};
    r.rfc2231.set(k.name, a);
  }
  if (k.section >= 0) {
    a.sections ??= { map: new Map() };
    if (a.sections.map.has(k.section)) bad(defects, `duplicate section ${k.section} of "${k.name}"`);
    else a.sections.map.set(k.section, { v: value, ext: k.ext });
  } else if (a.ext !== undefined) bad(defects, `duplicate parameter "${k.name}*"`);
  else a.ext = value;
}

/** The parameter list from `i` on (each `; name=value`). */
function readParams(s: string, i: number, r: Reader): void {
  const n = s.length;
  const defects = r.defects;
  for (;;) {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === SEMI || isWsp(c)) i++;
      else if (c === LPAREN) i = skipComment(s, i);
      else break;
    }
    if (i >= n) return;
    const k = readKey(s, i);
    const eq = skipCfws(s, k.next);
    if (s.charCodeAt(eq) !== EQ) {
      bad(defects, `parameter without "=" at ${i}`);
      i = k.key === '' ? skipToSemicolon(s, i) : k.next;
      continue;
    }
    i = skipCfws(s, eq + 1);
    let value: string;
    let quoted = false;
    if (s.charCodeAt(i) === DQUOTE) {
      const q = readQuoted(s, i);
      if (!q.closed) bad(defects, 'unterminated quoted string');
      value = q.value;
      quoted = true;
      i = q.next;
    } else {
      const u = readUnquoted(s, i);
      value = u.value;
      i = u.next;
    }
    i = skipCfws(s, i);
    if (i < n && s.charCodeAt(i) !== SEMI) {
      if (looksLikeParam(s, i)) bad(defects, `missing ";" before ${i}`);
      else {
        bad(defects, `junk after a parameter value at ${i}`);
        i = skipToSemicolon(s, i);
      }
    }
    if (k.key === '') bad(defects, `parameter without a name at ${eq}`);
    else if (value === '' && !quoted) bad(defects, `parameter without a value: ${JSON.stringify(k.key)}`);
    else add(r, k.key, value);
  }
}

function isCharsetName(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || TOKEN[c] !== 1 || c === 0x27) return false;
  }
  return true;
}

/** RFC 2231 §4 `charset'language'value`. */
function splitPrefix(v: string): { charset: string; lang: string; rest: string; ok: boolean } {
  const q1 = v.indexOf("'");
  if (q1 < 0 || !isCharsetName(v.slice(0, q1))) return { charset: '', lang: '', rest: v, ok: false };
  const charset = v.slice(0, q1);
  const q2 = v.indexOf("'", q1 + 1);
  if (q2 < 0) {
    // `utf-8'value`: a known charset with the language part missing.
    return normalizeCharset(charset) !== undefined && charset !== ''
      ? { charset, lang: '', rest: v.slice(q1 + 1), ok: false }
      : { charset: '', lang: '', rest: v, ok: false };
  }
  return { charset, lang: v.slice(q1 + 1, q2), rest: v.slice(q2 + 1), ok: true };
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/** RFC 2231 §4 percent-decoding, then the charset. Raw non-ASCII is taken as UTF-8. */
function decodeExtended(raw: string, charset: string, defects: Defect[]): string {
  let plain = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 || c >= 0x80) {
      plain = false;
      break;
    }
  }
  const cs = charset === '' ? 'us-ascii' : charset;
  if (plain) {
    const norm = normalizeCharset(cs);
    if (norm === 'us-ascii' || norm === 'utf-8' || (norm?.startsWith('iso-8859-') ?? false)) return raw;
  }
  const bytes = new Uint8Array(raw.length * 3);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && i + 2 < raw.length) {
      const h = hexVal(raw.charCodeAt(i + 1));
      const l = hexVal(raw.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        bytes[n++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    if (c < 0x80) bytes[n++] = c;
    else {
      const cp = raw.codePointAt(i) as number;
      if (cp > 0xffff) i++;
      n = putUtf8(bytes, n, cp);
    }
  }
  const r = decodeCharset(bytes.subarray(0, n), cs);
  if (r.unknownCharset !== undefined) {
    defects.push(defect('unknown-charset', `unknown charset in parameter: ${JSON.stringify(charset)}`));
  }
  return r.text;
}

/** RFC 2231 §3 continuations: sections in numeric order, extended runs decoded together. */
function assemble(name: string, sec: Sections, defects: Defect[]): { value: string; lang: string } {
  const keys = [...sec.map.keys()].sort((x, y) => x - y);
  if (keys[0] !== 0 || keys[keys.length - 1] !== keys.length - 1) {
    bad(defects, `missing continuation sections of "${name}"`);
  }
  let charset = '';
  let lang = '';
  let out = '';
  let run = '';
  for (const k of keys) {
    const { v, ext } = sec.map.get(k) as { v: string; ext: boolean };
    if (!ext) {
      if (run !== '') out += decodeExtended(run, charset, defects);
      run = '';
      out += v;
      continue;
    }
    if (k === 0) {
      const p = splitPrefix(v);
      if (!p.ok) bad(defects, `"${name}*0*" without charset'language' prefix`);
      charset = p.charset;
      lang = p.lang;
      run += p.rest;
    } else if (
      charset !== '' &&
      v.length > charset.length &&
      v.charCodeAt(charset.length) === 0x27 &&
      v.slice(0, charset.length).toLowerCase() === charset.toLowerCase()
    ) {
      // Some writers repeat the charset in every section; RFC 2231 §4.1 puts it only in the first.
      bad(defects, `charset repeated in section ${k} of "${name}"`);
      run += v.slice(charset.length + 1);
    } else run += v;
  }
  if (run !== '') out += decodeExtended(run, charset, defects);
  return { value: out, lang };
}

/**
 * The RFC 2231 values, over plain ones of the same name (the plain one is the legacy fallback
 * that careful writers add); their languages, if any.
 */
function finish(r: Reader): Record<string, string> | undefined {
  if (r.rfc2231 === undefined) return undefined;
  const defects = r.defects;
  let languages: Record<string, string> | undefined;
  for (const [name, a] of r.rfc2231) {
    let value: string;
    let lang: string;
    if (a.sections !== undefined) {
      if (a.ext !== undefined) bad(defects, `both "${name}*" and "${name}*0" given`);
      ({ value, lang } = assemble(name, a.sections, defects));
    } else {
      const p = splitPrefix(a.ext as string);
      if (!p.ok) bad(defects, `"${name}*" without charset'language' prefix`);
      value = decodeExtended(p.rest, p.charset, defects);
      lang = p.lang;
    }
    put(r.params, name, value);
    if (lang !== '') {
      languages ??= {};
      put(languages, name, lang);
    }
  }
  return languages;
}

/** Reads the parameters from `i` on. */
function params(
  s: string,
  i: number,
  defects: Defect[],
): { params: Record<string, string>; languages?: Record<string, string> } {
  const r: Reader = { params: {}, rfc2231: undefined, defects };
  readParams(s, i, r);
  const languages = finish(r);
  return languages === undefined ? { params: r.params } : { params: r.params, languages };
}

/** After the type: to the first parameter (a ";" or, leniently, a `name=` without one). */
function toParams(s: string, i: number, defects: Defect[]): number {
  i = skipCfws(s, i);
  if (i >= s.length || s.charCodeAt(i) === SEMI) return i;
  if (looksLikeParam(s, i)) {
    bad(defects, `missing ";" before ${i}`);
    return i;
  }
  bad(defects, `junk after the type at ${i}`);
  return skipToSemicolon(s, i);
}

function readToken(s: string, i: number, slash: boolean): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isToken(c) || (slash && c === 0x2f)) i++;
    else break;
  }
  return i;
}

/**
 * Content-Type (RFC 2045 §5.1). A missing or broken type gives `text/plain` and a defect
 * (RFC 2045 §5.2), keeping whatever parameters can be read. Never throws.
 */
export function parseContentType(value: string): ContentType {
  const defects: Defect[] = [];
  let i = skipCfws(value, 0);
  const t0 = i;
  let type = '';
  let subtype = '';
  if (!looksLikeParam(value, t0)) {
    const t1 = readToken(value, t0, false);
    i = skipCfws(value, t1);
    if (t1 > t0 && value.charCodeAt(i) === 0x2f) {
      const s0 = skipCfws(value, i + 1);
      i = readToken(value, s0, true);
      if (i > s0) {
        type = value.slice(t0, t1).toLowerCase();
        subtype = value.slice(s0, i).toLowerCase();
        if (subtype.indexOf('/') >= 0) bad(defects, `"/" in subtype: ${JSON.stringify(subtype)}`);
      }
    }
  }
  if (type === '') {
    bad(defects, 'missing or invalid media type; using text/plain (RFC 2045 §5.2)');
    type = 'text';
    subtype = 'plain';
    i = looksLikeParam(value, t0) ? t0 : skipToSemicolon(value, t0);
  } else i = toParams(value, i, defects);
  const p = params(value, i, defects);
  return p.languages === undefined
    ? { type, subtype, params: p.params, defects }
    : { type, subtype, params: p.params, languages: p.languages, defects };
}

/**
 * Content-Disposition (RFC 2183 §2). A missing type gives `attachment` and a defect
 * (RFC 2183 §2.8). Never throws.
 */
export function parseContentDisposition(value: string): ContentDisposition {
  const defects: Defect[] = [];
  const t0 = skipCfws(value, 0);
  let disposition = '';
  let i = t0;
  if (!looksLikeParam(value, t0)) {
    i = readToken(value, t0, false);
    disposition = value.slice(t0, i).toLowerCase();
  }
  if (disposition === '') {
    bad(defects, 'missing disposition type; using attachment (RFC 2183 §2.8)');
    disposition = 'attachment';
    i = looksLikeParam(value, t0) ? t0 : skipToSemicolon(value, t0);
  } else i = toParams(value, i, defects);
  const p = params(value, i, defects);
  return p.languages === undefined
    ? { disposition, params: p.params, defects }
    : { disposition, params: p.params, languages: p.languages, defects };
}

// ---- writing ----

/** A value whose encoded form is at most this long is written whole. */
const WHOLE = 76;
/** Longer values are split into RFC 2231 §3 sections of at most this many characters. */
const SECTION = 64;

function isStrictToken(s: string): boolean {
  if (s === '') return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || TOKEN[c] !== 1) return false;
  }
  return true;
}

function checkToken(s: string, what: string): void {
  if (!isStrictToken(s)) throw new RangeError(`${what} is not an RFC 2045 token: ${JSON.stringify(s)}`);
}

// RFC 2231 §7 attribute-char: token characters except "*", "'" and "%".
function isAttrChar(c: number): boolean {
  return c < 0x80 && TOKEN[c] === 1 && c !== STAR && c !== 0x27 && c !== 0x25;
}

function quote(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === DQUOTE || c === 0x5c) {
      out += `${s.slice(from, i)}\\`;
      from = i;
    }
  }
  return `${out}${s.slice(from)}"`;
}

/** Control characters (but HTAB), DEL, non-ASCII, and "=?" (read as RFC 2047) need RFC 2231. */
function needsExtended(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x7f || (c < 0x20 && c !== 0x09)) return true;
    if (c === EQ && s.charCodeAt(i + 1) === 0x3f) return true;
  }
  return false;
}

const HEX = '0123456789ABCDEF';
const utf8 = new TextEncoder();

/** RFC 2231 §4 `name*=utf-8''%XX…`, or §3 sections `name*0*=utf-8''…; name*1*=…`. */
function formatExtended(name: string, value: string): string {
  const bytes = utf8.encode(value);
  const parts: string[] = [];
  let cur = "utf-8''";
  let total = cur.length;
  for (let i = 0; i < bytes.length; ) {
    // One character at a time, so that no section splits a UTF-8 sequence.
    const b = bytes[i] as number;
    const len = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    let enc = '';
    for (let k = i; k < i + len && k < bytes.length; k++) {
      const x = bytes[k] as number;
      enc += isAttrChar(x) ? String.fromCharCode(x) : `%${HEX[x >> 4]}${HEX[x & 15]}`;
    }
    i += len;
    if (cur.length + enc.length > SECTION && cur.length > 0) {
      parts.push(cur);
      cur = '';
    }
    cur += enc;
    total += enc.length;
  }
  parts.push(cur);
  if (total <= WHOLE) return `; ${name}*=${parts.join('')}`;
  let out = '';
  for (let k = 0; k < parts.length; k++) out += `; ${name}*${k}*=${parts[k]}`;
  return out;
}

/** RFC 2231 §3 sections of a long ASCII value, each a quoted string. */
function formatQuotedSections(name: string, value: string): string {
  let out = '';
  let k = 0;
  let start = 0;
  let len = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const w = c === DQUOTE || c === 0x5c ? 2 : 1;
    if (len + w > SECTION) {
      out += `; ${name}*${k++}=${quote(value.slice(start, i))}`;
      start = i;
      len = 0;
    }
    len += w;
  }
  return `${out}; ${name}*${k}=${quote(value.slice(start))}`;
}

function formatParam(name: string, value: string): string {
  checkToken(name, 'parameter name');
  if (!isAttrName(name)) throw new RangeError(`parameter name must not contain "*", "'" or "%": ${name}`);
  if (needsExtended(value)) return formatExtended(name, value);
  if (isStrictToken(value) && value.length <= WHOLE) return `; ${name}=${value}`;
  const q = quote(value);
  return q.length <= WHOLE ? `; ${name}=${q}` : formatQuotedSections(name, value);
}

function isAttrName(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isAttrChar(s.charCodeAt(i))) return false;
  return true;
}

/**
 * `; name=value` for each parameter, on one line (the caller folds at "; "): tokens bare,
 * other ASCII quoted, non-ASCII or control characters as RFC 2231 `name*=utf-8''%XX`, and long
 * values split into RFC 2231 continuations. Lone surrogates become U+FFFD. Throws RangeError
 * for a name that is not an RFC 2231 attribute (token without "*", "'", "%").
 */
export function formatParams(params: Record<string, string>): string {
  let out = '';
  for (const name of Object.keys(params)) out += formatParam(name, params[name] as string);
  return out;
}

/** `type/subtype; name=value…` (RFC 2045 §5.1). Throws RangeError for a non-token type. */
export function formatContentType(
  type: string,
  subtype: string,
  params: Record<string, string> = {},
): string {
  checkToken(type, 'media type');
  checkToken(subtype, 'media subtype');
  return `${type}/${subtype}${formatParams(params)}`;
}

/** `disposition; name=value…` (RFC 2183 §2). Throws RangeError for a non-token disposition. */
export function formatContentDisposition(disposition: string, params: Record<string, string> = {}): string {
  checkToken(disposition, 'disposition type');
  return `${disposition}${formatParams(params)}`;
}
