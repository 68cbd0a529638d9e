// Presentation format of record data (RFC 1035 §5.1, RFC 3597 §5 and each type's RFC), both
// ways: what dig prints and what zone files hold. DNSSEC types are opaque wire bytes in the
// model, so they are decoded here to be shown and encoded back when parsed. Whatever a
// type's text form cannot carry faithfully (a non-canonical type bitmap, a CAA tag with odd
// bytes, an empty digest) is printed in the generic \# form instead, so that parsing what
// was formatted always gives back the same data. Hex is printed in uppercase, as dig does;
// either case is read.
import { className, RCODE, rcodeName, TYPE, typeFromName, typeName } from './constants.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip.js';
import { labelToText, NameError, normalizeName, parseLabels } from './name.js';
import {
  type CaaData,
  isKnownType,
  type MxData,
  type RR,
  type SoaData,
  type SrvData,
  type TlsaData,
  type TsigData,
} from './types.js';
import { DnsFormatError, decodeMessage } from './wire.js';

export class RDataError extends Error {
  override name = 'RDataError';
  /** Index of the token at fault (the length of the list when one is missing), for a line number. */
  constructor(
    message: string,
    readonly token?: number,
  ) {
    super(message);
  }
}

/** One whitespace-separated field of record data, as a lexer found it. */
export interface Token {
  /** The field without its quotes, escapes left as written: names need `\.` kept apart from `.`. */
  text: string;
  /** Written in double quotes: one character-string, never the `\#` marker nor `@`. */
  quoted: boolean;
}

// ---------------------------------------------------------------------------------------
// Small codecs

const HEX_RE = /^[0-9a-fA-F]*$/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const B32HEX = '0123456789ABCDEFGHIJKLMNOPQRSTUV';

function buf(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function hex(b: Uint8Array): string {
  return buf(b).toString('hex').toUpperCase();
}

function base64(b: Uint8Array): string {
  return buf(b).toString('base64');
}

function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !HEX_RE.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function fromBase64(text: string): Uint8Array | undefined {
  // Buffer's decoder skips junk silently, so the alphabet and padding are checked first.
  if (!B64_RE.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** RFC 4648 base32 with the extended hex alphabet, unpadded (NSEC3 hashed names). */
function base32hex(b: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const x of b) {
    acc = (acc << 8) | x;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += B32HEX[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32HEX[(acc << (5 - bits)) & 31];
  return out;
}

function fromBase32hex(text: string): Uint8Array | undefined {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of text.toUpperCase()) {
    const v = B32HEX.indexOf(ch);
    if (v < 0) return undefined;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
    acc &= (1 << bits) - 1;
  }
  // Leftover bits must be padding zeros, fewer than one character's worth.
  if (bits >= 5 || acc !== 0) return undefined;
  return Uint8Array.from(out);
}

/** A name's uncompressed wire form. */
function nameWire(name: string): number[] {
  const out: number[] = [];
  for (const l of parseLabels(name)) out.push(l.length, ...l);
  out.push(0);
  return out;
}

/** An uncompressed wire name at `p` in `b`: the name and the offset after it, or undefined. */
function readName(b: Uint8Array, p: number): [string, number] | undefined {
  let out = '';
  let wire = 1;
  for (;;) {
    if (p >= b.length) return undefined;
    const len = b[p] as number;
    if (len === 0) return [out === '' ? '.' : out, p + 1];
    wire += len + 1;
    if (len > 63 || wire > 255 || p + 1 + len > b.length) return undefined;
    out += `${labelToText(b, p + 1, p + 1 + len)}.`;
    p += 1 + len;
  }
}

function u16at(b: Uint8Array, p: number): number {
  return ((b[p] as number) << 8) | (b[p + 1] as number);
}

function u32at(b: Uint8Array, p: number): number {
  return (u16at(b, p) * 0x10000 + u16at(b, p + 2)) >>> 0;
}

function push16(out: number[], v: number): void {
  out.push((v >> 8) & 0xff, v & 0xff);
}

function push32(out: number[], v: number): void {
  out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** The types of an NSEC/NSEC3 bitmap (RFC 4034 §4.1.2), only when it is in canonical form. */
function readBitmap(b: Uint8Array, p: number): number[] | undefined {
  const types: number[] = [];
  let lastWindow = -1;
  while (p < b.length) {
    if (p + 2 > b.length) return undefined;
    const window = b[p] as number;
    const len = b[p + 1] as number;
    if (window <= lastWindow || len < 1 || len > 32 || p + 2 + len > b.length) return undefined;
    if (b[p + 1 + len] === 0) return undefined; // trailing zero octets are not canonical
    for (let i = 0; i < len; i++) {
      const bits = b[p + 2 + i] as number;
      for (let j = 0; j < 8; j++) if (bits & (0x80 >> j)) types.push(window * 256 + i * 8 + j);
    }
    lastWindow = window;
    p += 2 + len;
  }
  return types;
}

function writeBitmap(out: number[], types: readonly number[]): void {
  const sorted = [...new Set(types)].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    const window = (sorted[i] as number) >> 8;
    const block = new Uint8Array(32);
    let len = 0;
    for (; i < sorted.length && (sorted[i] as number) >> 8 === window; i++) {
      const low = (sorted[i] as number) & 0xff;
      block[low >> 3] = (block[low >> 3] as number) | (0x80 >> (low & 7));
      len = (low >> 3) + 1;
    }
    out.push(window, len, ...block.subarray(0, len));
  }
}

/** YYYYMMDDHHmmSS in UTC, as RRSIG shows its validity period (RFC 4034 §3.2). */
function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

function parseTime(text: string): number | undefined {
  if (/^\d{14}$/.test(text)) {
    const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((i, k) =>
      Number(text.slice(i, k === 0 ? 4 : i + 2)),
    );
    const ms = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
    // Date.UTC rolls 31 February over to March: such a time is refused by comparing back.
    if (Number.isNaN(ms) || ms < 0 || ms / 1000 > 0xffffffff || formatTime(ms / 1000) !== text)
      return undefined;
    return ms / 1000;
  }
  if (/^\d{1,10}$/.test(text) && Number(text) <= 0xffffffff) return Number(text);
  return undefined;
}

/**
 * A duration in seconds: a number, or BIND's units (1h30m, 1d, 2w; s m h d w in any case),
 * as $TTL, record TTLs and SOA timers accept. Undefined when malformed or over 2^32-1.
 */
export function parseDuration(text: string): number | undefined {
  if (/^\d{1,10}$/.test(text)) {
    const v = Number(text);
    return v <= 0xffffffff ? v : undefined;
  }
  if (!/^(?:\d{1,10}[smhdw])+$/i.test(text)) return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const m of text.toLowerCase().matchAll(/(\d+)([smhdw])/g))
    total += Number(m[1]) * (unit[m[2] as string] as number);
  return total <= 0xffffffff ? total : undefined;
}

// ---------------------------------------------------------------------------------------
// Names, with fast paths for the plain names that fill large zones

/** Bytes a canonical name writes as they are: printable, not a dot, not special (see name.ts). */
function plain(c: number): boolean {
  return (
    c > 0x20 &&
    c < 0x7f &&
    c !== 0x2e &&
    c !== 0x5c &&
    c !== 0x22 &&
    c !== 0x28 &&
    c !== 0x29 &&
    c !== 0x3b &&
    c !== 0x40 &&
    c !== 0x24
  );
}

let lastOrigin = '.';
let lastOriginWire = 1;

/**
 * The canonical absolute form of a presentation name, relative ones completed with `origin`
 * (canonical itself). Same as normalizeName, without its work when the text is already
 * canonical: no escape, no special byte. Throws NameError.
 */
export function resolveName(text: string, origin: string): string {
  let wire = 1;
  let label = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (label === 0 || label > 63) return normalizeName(text, origin);
      wire += label + 1;
      label = 0;
    } else if (plain(c)) label++;
    else return normalizeName(text, origin);
  }
  if (label === 0) return text === '' || wire > 255 ? normalizeName(text, origin) : text; // absolute
  if (label > 63) return normalizeName(text, origin);
  if (origin !== lastOrigin) {
    lastOriginWire = wireLengthOf(origin);
    lastOrigin = origin;
  }
  if (wire + label + lastOriginWire > 255) return normalizeName(text, origin);
  return origin === '.' ? `${text}.` : `${text}.${origin}`;
}

function wireLengthOf(name: string): number {
  let n = 1;
  for (const l of parseLabels(name)) n += l.length + 1;
  return n;
}

/** A canonical name relative to a canonical origin: relativeName's result, by string work alone. */
function relativeTo(name: string, origin: string): string {
  const cut = name.length - origin.length;
  if (cut === 0) return name.toLowerCase() === origin.toLowerCase() ? '@' : name;
  if (origin === '.' || cut < 2 || name.charCodeAt(cut - 1) !== 0x2e) return name;
  // The dot before the suffix must separate labels: not escaped by an odd run of backslashes.
  let slashes = 0;
  while (name.charCodeAt(cut - 2 - slashes) === 0x5c) slashes++;
  if (slashes % 2 === 1) return name;
  return name.slice(cut).toLowerCase() === origin.toLowerCase() ? name.slice(0, cut - 1) : name;
}

// ---------------------------------------------------------------------------------------
// Character-strings

/** A character-string in double quotes: `"` and `\` escaped, bytes outside 0x20–0x7e as \DDD. */
export function quoteString(b: Uint8Array): string {
  let out = '"';
  let plain = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    if (plain < i) out += buf(b).toString('latin1', plain, i);
    out += c === 0x22 || c === 0x5c ? `\\${String.fromCharCode(c)}` : `\\${String(c).padStart(3, '0')}`;
    plain = i + 1;
  }
  if (plain < b.length) out += buf(b).toString('latin1', plain, b.length);
  return `${out}"`;
}

const encoder = new TextEncoder();

/**
 * The bytes a field stands for: \DDD and \X resolved, other characters as UTF-8. A partial
 * \D escape (\1a) is refused, as RFC 1035 §5.1 allows \X only for a non-digit X.
 */
export function unescapeText(text: string): Uint8Array {
  if (!text.includes('\\')) return encoder.encode(text);
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) {
      if (c < 0x80) out.push(c);
      else {
        const cp = text.codePointAt(i) as number;
        out.push(...encoder.encode(String.fromCodePoint(cp)));
        if (cp > 0xffff) i++;
      }
      continue;
    }
    const next = text.charCodeAt(i + 1);
    if (Number.isNaN(next)) throw new RDataError(`dangling backslash in "${text}"`);
    if (next >= 0x30 && next <= 0x39) {
      const d = text.slice(i + 1, i + 4);
      if (!/^\d{3}$/.test(d) || Number(d) > 255) throw new RDataError(`bad escape \\${d} in "${text}"`);
      out.push(Number(d));
      i += 3;
    } else if (next < 0x80) {
      out.push(next);
      i++;
    } else {
      const cp = text.codePointAt(i + 1) as number;
      out.push(...encoder.encode(String.fromCodePoint(cp)));
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return Uint8Array.from(out);
}

/**
 * Splits one line of record data into tokens: runs of non-blanks, or double-quoted strings
 * (which may hold blanks); escapes are kept as written. For a whole zone see zonefile.ts.
 */
export function tokenizeRData(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    const quoted = c === '"';
    let j = quoted ? i + 1 : i;
    while (j < text.length) {
      const d = text[j];
      if (d === '\\') j += 2;
      else if (quoted ? d === '"' : d === ' ' || d === '\t' || d === '\r' || d === '\n' || d === '"') break;
      else j++;
    }
    if (quoted && j >= text.length) throw new RDataError(`unterminated quoted string in "${text}"`);
    out.push({ text: text.slice(quoted ? i + 1 : i, Math.min(j, text.length)), quoted });
    i = quoted ? j + 1 : j;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Formatting

/** RFC 3597 §5: `\# length hex`, good for any type. */
function generic(b: Uint8Array): string {
  return b.length === 0 ? '\\# 0' : `\\# ${b.length} ${hex(b)}`;
}

/** The uncompressed wire form of any record's data (what `\#` shows). */
export function rdataBytes(rr: RR): Uint8Array {
  const out: number[] = [];
  const d = rr.data as unknown;
  // Bytes in place of typed data: the empty data of UPDATE's deletions (RFC 2136 §2.5).
  if (d instanceof Uint8Array) return d;
  switch (rr.type) {
    case TYPE.A:
    case TYPE.AAAA: {
      const b = rr.type === TYPE.A ? parseIPv4(d as string) : parseIPv6(d as string);
      if (!b) throw new RangeError(`bad ${typeName(rr.type)} address "${String(d)}"`);
      return b;
    }
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
    case TYPE.DNAME:
      return Uint8Array.from(nameWire(d as string));
    case TYPE.SOA: {
      const s = d as SoaData;
      out.push(...nameWire(s.mname), ...nameWire(s.rname));
      for (const v of [s.serial, s.refresh, s.retry, s.expire, s.minimum]) push32(out, v);
      break;
    }
    case TYPE.MX:
      push16(out, (d as MxData).preference);
      out.push(...nameWire((d as MxData).exchange));
      break;
    case TYPE.TXT:
    case TYPE.SPF:
      for (const s of d as Uint8Array[]) {
        if (s.length > 255) throw new RangeError('TXT character-string longer than 255 bytes');
        out.push(s.length, ...s);
      }
      break;
    case TYPE.SRV: {
      const s = d as SrvData;
      push16(out, s.priority);
      push16(out, s.weight);
      push16(out, s.port);
      out.push(...nameWire(s.target));
      break;
    }
    case TYPE.CAA: {
      const c = d as CaaData;
      out.push(c.flags, c.tag.length, ...Buffer.from(c.tag, 'latin1'), ...c.value);
      break;
    }
    case TYPE.TLSA: {
      const t = d as TlsaData;
      out.push(t.usage, t.selector, t.matchingType, ...t.data);
      break;
    }
    case TYPE.TSIG: {
      const t = d as TsigData;
      out.push(...nameWire(t.algorithm));
      push16(out, Math.floor(t.timeSigned / 2 ** 32));
      push32(out, t.timeSigned >>> 0);
      push16(out, t.fudge);
      push16(out, t.mac.length);
      out.push(...t.mac);
      push16(out, t.originalId);
      push16(out, t.error);
      push16(out, t.other.length);
      out.push(...t.other);
      break;
    }
    default:
      return d as Uint8Array;
  }
  return Uint8Array.from(out);
}

/** Text of the DNSSEC and other types held opaque, or undefined when the bytes do not fit it. */
function formatOpaque(type: number, b: Uint8Array, n: (name: string) => string): string | undefined {
  switch (type) {
    case TYPE.DS:
      if (b.length < 5) return undefined;
      return `${u16at(b, 0)} ${b[2]} ${b[3]} ${hex(b.subarray(4))}`;
    case TYPE.DNSKEY:
      if (b.length < 5) return undefined;
      return `${u16at(b, 0)} ${b[2]} ${b[3]} ${base64(b.subarray(4))}`;
    case TYPE.RRSIG: {
      const signer = readName(b, 18);
      if (!signer || signer[1] >= b.length) return undefined;
      const fixed = `${typeName(u16at(b, 0))} ${b[2]} ${b[3]} ${u32at(b, 4)}`;
      const times = `${formatTime(u32at(b, 8))} ${formatTime(u32at(b, 12))} ${u16at(b, 16)}`;
      return `${fixed} ${times} ${n(signer[0])} ${base64(b.subarray(signer[1]))}`;
    }
    case TYPE.NSEC: {
      const next = readName(b, 0);
      const types = next && readBitmap(b, next[1]);
      if (!next || !types) return undefined;
      return [n(next[0]), ...types.map(typeName)].join(' ');
    }
    case TYPE.NSEC3PARAM: {
      if (b.length < 5 || b.length !== 5 + (b[4] as number)) return undefined;
      return `${b[0]} ${b[1]} ${u16at(b, 2)} ${b[4] === 0 ? '-' : hex(b.subarray(5))}`;
    }
    case TYPE.NSEC3: {
      if (b.length < 5) return undefined;
      const saltEnd = 5 + (b[4] as number);
      const hashLen = b[saltEnd];
      if (hashLen === undefined || hashLen === 0 || saltEnd + 1 + hashLen > b.length) return undefined;
      const types = readBitmap(b, saltEnd + 1 + hashLen);
      if (!types) return undefined;
      const salt = saltEnd === 5 ? '-' : hex(b.subarray(5, saltEnd));
      const hash = base32hex(b.subarray(saltEnd + 1, saltEnd + 1 + hashLen));
      return [`${b[0]} ${b[1]} ${u16at(b, 2)} ${salt} ${hash}`, ...types.map(typeName)].join(' ');
    }
    case TYPE.HINFO: {
      const cpuEnd = 1 + ((b[0] ?? 0) as number);
      if (b.length === 0 || cpuEnd >= b.length || cpuEnd + 1 + (b[cpuEnd] as number) !== b.length)
        return undefined;
      return `${quoteString(b.subarray(1, cpuEnd))} ${quoteString(b.subarray(cpuEnd + 1))}`;
    }
    default:
      return undefined;
  }
}

/**
 * The presentation text of a record's data, as dig and zone files show it. With an origin,
 * names under it are written relative to it (for zone files); without, absolute.
 */
export function formatRData(rr: RR, origin?: string): string {
  const n = (name: string) => (origin === undefined ? name : relativeTo(name, origin));
  const d = rr.data as unknown;
  if (d instanceof Uint8Array && isKnownType(rr.type)) return generic(d);
  switch (rr.type) {
    case TYPE.A:
    case TYPE.AAAA:
      return d as string;
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
    case TYPE.DNAME:
      return n(d as string);
    case TYPE.SOA: {
      const s = d as SoaData;
      return `${n(s.mname)} ${n(s.rname)} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case TYPE.MX:
      return `${(d as MxData).preference} ${n((d as MxData).exchange)}`;
    case TYPE.TXT:
    case TYPE.SPF: {
      const strings = d as Uint8Array[];
      return strings.length === 0 ? generic(new Uint8Array(0)) : strings.map(quoteString).join(' ');
    }
    case TYPE.SRV: {
      const s = d as SrvData;
      return `${s.priority} ${s.weight} ${s.port} ${n(s.target)}`;
    }
    case TYPE.CAA: {
      const c = d as CaaData;
      if (!/^[A-Za-z0-9]+$/.test(c.tag)) return generic(rdataBytes(rr));
      return `${c.flags} ${c.tag} ${quoteString(c.value)}`;
    }
    case TYPE.TLSA: {
      const t = d as TlsaData;
      if (t.data.length === 0) return generic(rdataBytes(rr));
      return `${t.usage} ${t.selector} ${t.matchingType} ${hex(t.data)}`;
    }
    case TYPE.TSIG: {
      const t = d as TsigData;
      // Each blob follows its length, and only when non-empty, as dig prints it.
      const mac = t.mac.length > 0 ? ` ${base64(t.mac)}` : '';
      const other = t.other.length > 0 ? ` ${base64(t.other)}` : '';
      const error = t.error === RCODE.BADSIG ? 'BADSIG' : rcodeName(t.error);
      return `${n(t.algorithm)} ${t.timeSigned} ${t.fudge} ${t.mac.length}${mac} ${t.originalId} ${error} ${t.other.length}${other}`;
    }
    default: {
      const b = d as Uint8Array;
      return formatOpaque(rr.type, b, n) ?? generic(b);
    }
  }
}

/** The record data in RFC 3597's generic form, whatever its type (dig +unknownformat). */
export function formatGeneric(rr: RR): string {
  return generic(rdataBytes(rr));
}

/** One zone-file line: owner, TTL, class, type and data, tab-separated (names relative to `origin` when given). */
export function formatRR(rr: RR, origin?: string): string {
  const owner = origin === undefined ? rr.name : relativeTo(rr.name, origin);
  return `${owner}\t${rr.ttl}\t${className(rr.class)}\t${typeName(rr.type)}\t${formatRData(rr, origin)}`;
}

// ---------------------------------------------------------------------------------------
// Parsing

/** A cursor over the fields of one record's data. */
class Fields {
  private i = 0;
  constructor(
    private readonly type: number,
    private readonly tokens: readonly Token[],
    private readonly origin: string,
    /** Where these tokens start in the record's data (1 after the `\#` marker). */
    private readonly offset = 0,
  ) {}

  /** Fails on the token last read, or the one at `at`. */
  fail(what: string, at = this.i - 1): never {
    throw new RDataError(`bad ${typeName(this.type)} data: ${what}`, this.offset + at);
  }

  next(what: string): Token {
    const t = this.tokens[this.i++];
    if (t === undefined) this.fail(`missing ${what}`);
    return t;
  }

  more(): boolean {
    return this.i < this.tokens.length;
  }

  end(): void {
    const t = this.tokens[this.i];
    if (t !== undefined) this.fail(`unexpected "${t.text}" after the last field`, this.i);
  }

  int(what: string, max: number): number {
    const t = this.next(what).text;
    if (!/^\d{1,15}$/.test(t) || Number(t) > max)
      this.fail(`${what} "${t}" is not a number from 0 to ${max}`);
    return Number(t);
  }

  u8(what: string): number {
    return this.int(what, 0xff);
  }

  u16(what: string): number {
    return this.int(what, 0xffff);
  }

  u32(what: string): number {
    return this.int(what, 0xffffffff);
  }

  duration(what: string): number {
    const t = this.next(what).text;
    const v = parseDuration(t);
    if (v === undefined) this.fail(`${what} "${t}" is not a number of seconds (or 1h30m, 1d, 2w)`);
    return v;
  }

  name(what: string): string {
    const t = this.next(what);
    if (t.text === '@' && !t.quoted) return this.origin;
    try {
      return resolveName(t.text, this.origin);
    } catch (e) {
      if (e instanceof NameError) this.fail(`${what}: ${e.message}`);
      throw e;
    }
  }

  bytes(what: string): Uint8Array {
    const t = this.next(what);
    try {
      return unescapeText(t.text);
    } catch (e) {
      if (e instanceof RDataError) this.fail(e.message);
      throw e;
    }
  }

  /** A character-string (RFC 1035 §3.3): at most 255 bytes. */
  string(what: string): Uint8Array {
    const b = this.bytes(what);
    if (b.length > 255) this.fail(`${what} longer than 255 bytes`);
    return b;
  }

  text(what: string): string {
    return this.next(what).text;
  }

  /** The remaining fields joined: hex and base64 may be split by blanks (RFC 4034 §2.2). */
  rest(what: string): string {
    if (!this.more()) this.fail(`missing ${what}`);
    let out = '';
    while (this.more()) out += this.next(what).text;
    return out;
  }

  hex(what: string): Uint8Array {
    const t = this.rest(what);
    return fromHex(t) ?? this.fail(`${what} is not hexadecimal`);
  }

  base64(what: string): Uint8Array {
    const t = this.rest(what);
    const b = fromBase64(t);
    if (!b || b.length === 0) this.fail(`${what} is not base64`);
    return b;
  }

  types(): number[] {
    const out: number[] = [];
    while (this.more()) {
      const t = this.text('type');
      const v = typeFromName(t);
      if (v === undefined) this.fail(`unknown type "${t}" in the type list`);
      out.push(v);
    }
    return out;
  }

  salt(): number[] {
    const t = this.text('salt');
    if (t === '-') return [0];
    const b = fromHex(t);
    if (!b || b.length === 0 || b.length > 255) this.fail(`salt "${t}" is not "-" or up to 255 bytes of hex`);
    return [b.length, ...b];
  }
}

function toToken(t: Token | string): Token {
  return typeof t === 'string' ? { text: t, quoted: false } : t;
}

/**
 * Record data from its presentation fields (see Token; a plain string is an unquoted
 * field). Relative names are completed with `origin` and `@` is the origin. RFC 3597's
 * `\# length hex` is accepted for every type. Throws RDataError on bad data.
 */
export function parseRData(type: number, tokens: readonly (Token | string)[], origin: string): RR['data'] {
  const toks = tokens.some((t) => typeof t === 'string') ? tokens.map(toToken) : (tokens as readonly Token[]);
  const first = toks[0];
  if (first && !first.quoted && first.text === '\\#') return parseGeneric(type, toks);
  const f = new Fields(type, toks, origin);
  const data = parseTyped(type, f);
  f.end();
  return data;
}

function parseTyped(type: number, f: Fields): RR['data'] {
  switch (type) {
    case TYPE.A: {
      const t = f.text('address');
      const b = parseIPv4(t);
      if (!b) f.fail(`"${t}" is not an IPv4 address`);
      return formatIPv4(b);
    }
    case TYPE.AAAA: {
      const t = f.text('address');
      const b = parseIPv6(t);
      if (!b) f.fail(`"${t}" is not an IPv6 address`);
      return formatIPv6(b);
    }
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
    case TYPE.DNAME:
      return f.name('name');
    case TYPE.SOA:
      return {
        mname: f.name('primary server name'),
        rname: f.name('mailbox name'),
        serial: f.u32('serial'),
        refresh: f.duration('refresh'),
        retry: f.duration('retry'),
        expire: f.duration('expire'),
        minimum: f.duration('minimum'),
      } satisfies SoaData;
    case TYPE.MX:
      return { preference: f.u16('preference'), exchange: f.name('exchange') } satisfies MxData;
    case TYPE.TXT:
    case TYPE.SPF: {
      const strings = [f.string('string')];
      while (f.more()) strings.push(f.string('string'));
      return strings;
    }
    case TYPE.SRV:
      return {
        priority: f.u16('priority'),
        weight: f.u16('weight'),
        port: f.u16('port'),
        target: f.name('target'),
      } satisfies SrvData;
    case TYPE.CAA: {
      const flags = f.u8('flags');
      const tag = f.text('tag');
      if (!/^[A-Za-z0-9]{1,255}$/.test(tag)) f.fail(`tag "${tag}" is not letters and digits`);
      return { flags, tag, value: f.bytes('value') } satisfies CaaData;
    }
    case TYPE.TLSA:
      return {
        usage: f.u8('usage'),
        selector: f.u8('selector'),
        matchingType: f.u8('matching type'),
        data: f.hex('certificate association data'),
      } satisfies TlsaData;
    case TYPE.TSIG:
      return parseTsig(f);
    case TYPE.DS: {
      const out: number[] = [];
      push16(out, f.u16('key tag'));
      out.push(f.u8('algorithm'), f.u8('digest type'), ...f.hex('digest'));
      if (out.length === 4) f.fail('empty digest');
      return Uint8Array.from(out);
    }
    case TYPE.DNSKEY: {
      const out: number[] = [];
      push16(out, f.u16('flags'));
      out.push(f.u8('protocol'), f.u8('algorithm'), ...f.base64('public key'));
      return Uint8Array.from(out);
    }
    case TYPE.RRSIG: {
      const out: number[] = [];
      const covered = f.text('type covered');
      const t = typeFromName(covered);
      if (t === undefined) f.fail(`unknown type covered "${covered}"`);
      push16(out, t);
      out.push(f.u8('algorithm'), f.u8('labels'));
      push32(out, f.u32('original TTL'));
      for (const what of ['expiration', 'inception']) {
        const text = f.text(what);
        const v = parseTime(text);
        if (v === undefined) f.fail(`${what} "${text}" is not YYYYMMDDHHmmSS nor seconds`);
        push32(out, v);
      }
      push16(out, f.u16('key tag'));
      out.push(...nameWire(f.name('signer name')), ...f.base64('signature'));
      return Uint8Array.from(out);
    }
    case TYPE.NSEC: {
      const out = nameWire(f.name('next name'));
      writeBitmap(out, f.types());
      return Uint8Array.from(out);
    }
    case TYPE.NSEC3PARAM:
    case TYPE.NSEC3: {
      const out = [f.u8('algorithm'), f.u8('flags')];
      push16(out, f.u16('iterations'));
      out.push(...f.salt());
      if (type === TYPE.NSEC3) {
        const text = f.text('next hashed owner');
        const hash = fromBase32hex(text);
        if (!hash || hash.length === 0 || hash.length > 255)
          f.fail(`next hashed owner "${text}" is not base32hex`);
        out.push(hash.length, ...hash);
        writeBitmap(out, f.types());
      }
      return Uint8Array.from(out);
    }
    case TYPE.HINFO: {
      const cpu = f.string('CPU');
      const os = f.string('OS');
      return Uint8Array.from([cpu.length, ...cpu, os.length, ...os]);
    }
    default:
      return f.fail(`type ${typeName(type)} has no text form here: write its data as \\# length hex`);
  }
}

function parseTsig(f: Fields): TsigData {
  const algorithm = f.name('algorithm');
  const timeSigned = f.int('time signed', 2 ** 48 - 1);
  const fudge = f.u16('fudge');
  const macLen = f.u16('MAC size');
  const mac = macLen > 0 ? blob(f, 'MAC', macLen) : new Uint8Array(0);
  const originalId = f.u16('original id');
  const errText = f.text('error');
  const error =
    /^\d{1,5}$/.test(errText) && Number(errText) <= 0xffff
      ? Number(errText)
      : ((RCODE as Record<string, number>)[errText.toUpperCase()] ??
        (/^RCODE\d{1,5}$/i.test(errText) && Number(errText.slice(5)) <= 0xffff
          ? Number(errText.slice(5))
          : undefined));
  if (error === undefined) f.fail(`error "${errText}" is not a response code`);
  const otherLen = f.u16('other size');
  const other = otherLen > 0 ? blob(f, 'other data', otherLen) : new Uint8Array(0);
  return { algorithm, timeSigned, fudge, mac, originalId, error, other };
}

/** One base64 field of a known size (TSIG's MAC and other data). */
function blob(f: Fields, what: string, size: number): Uint8Array {
  const b = fromBase64(f.text(what));
  if (!b || b.length !== size) f.fail(`${what} is not ${size} bytes of base64`);
  return b;
}

/** RFC 3597 §5: `\# length hex...`, for any type; known types become their typed data. */
function parseGeneric(type: number, toks: readonly Token[]): RR['data'] {
  const f = new Fields(type, toks.slice(1), '.', 1);
  const len = f.u16('\\# length');
  const b = f.more() ? f.hex('\\# data') : new Uint8Array(0);
  if (b.length !== len) f.fail(`\\# length ${len} does not match ${b.length} bytes of data`);
  return decodeKnown(type, b);
}

/** Typed data from wire bytes, through the wire decoder; the bytes must be canonical (no compression). */
function decodeKnown(type: number, b: Uint8Array): RR['data'] {
  // Empty data stays bytes whatever the type, as the wire decoder keeps it (UPDATE deletions).
  if (!isKnownType(type) || b.length === 0) return b;
  // A one-answer message around the data: root owner, class IN, TTL 0.
  const msg = new Uint8Array(23 + b.length);
  msg[7] = 1;
  msg.set([type >> 8, type & 0xff, 0, 1, 0, 0, 0, 0, b.length >> 8, b.length & 0xff], 13);
  msg.set(b, 23);
  let data: RR['data'];
  try {
    data = (decodeMessage(msg).answers[0] as RR).data;
  } catch (e) {
    if (e instanceof DnsFormatError)
      throw new RDataError(`bad ${typeName(type)} data in \\# form: ${e.message}`);
    throw e;
  }
  // A compression pointer changes the length of the uncompressed form, so this finds it.
  const again = rdataBytes({ name: '.', type, class: 1, ttl: 0, data } as RR);
  if (again.length !== b.length)
    throw new RDataError(`bad ${typeName(type)} data in \\# form: compressed name`);
  return data;
}
