// Transaction signatures (TSIG, RFC 8945) with HMAC: signing an encoded message, verifying
// a received one in the order of §5.2 (key, MAC, time, truncation), chaining responses to
// their request and the messages of a zone transfer to each other (§5.3.1), and the TSIG of
// a server's error answer (§5.3.2). Also the key formats operators hand around: `dig -y`'s
// [ALG:]NAME:SECRET, BIND's `key "name" { … };` (tsig-keygen) and knot's YAML (keymgr -t).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CLASS, RCODE, TYPE } from './constants.js';
import { NameError, nameKey, namesEqual, normalizeName, parseLabels } from './name.js';
import type { TsigData } from './types.js';
import { type DecodedMessage, DnsFormatError, decodeMessage } from './wire.js';

export class TsigKeyError extends Error {
  override name = 'TsigKeyError';
}

export interface TsigKey {
  /** Canonical key name, e.g. "xfr.example.org.". */
  name: string;
  /** Canonical algorithm name, e.g. "hmac-sha256.". */
  algorithm: string;
  secret: Uint8Array;
}

/** The HMAC algorithms we sign and verify with: node:crypto's hash and its output size. */
export const TSIG_ALGORITHMS: Readonly<Record<string, { hash: string; size: number }>> = {
  'hmac-sha1.': { hash: 'sha1', size: 20 },
  'hmac-sha224.': { hash: 'sha224', size: 28 },
  'hmac-sha256.': { hash: 'sha256', size: 32 },
  'hmac-sha384.': { hash: 'sha384', size: 48 },
  'hmac-sha512.': { hash: 'sha512', size: 64 },
};

export const DEFAULT_ALGORITHM = 'hmac-sha256.';
export const DEFAULT_FUDGE = 300;

/**
 * The canonical name of an algorithm given as an operator writes it ("HMAC-SHA256",
 * "hmac-sha256."). Throws TsigKeyError for hmac-md5 (broken, RFC 8945 §6 says not to
 * use it) and for anything unknown.
 */
export function tsigAlgorithm(text: string): string {
  const bare = text.toLowerCase().replace(/\.$/, '');
  if (bare === 'hmac-md5' || bare === 'hmac-md5.sig-alg.reg.int')
    throw new TsigKeyError('TSIG algorithm hmac-md5 is not supported (insecure): use hmac-sha256');
  const name = `${bare}.`;
  if (!(name in TSIG_ALGORITHMS)) {
    const known = Object.keys(TSIG_ALGORITHMS)
      .map((a) => a.slice(0, -1))
      .join(', ');
    throw new TsigKeyError(`unknown TSIG algorithm "${text}" (known: ${known})`);
  }
  return name;
}

/** A new key with a random secret as long as the hash output (what tsig-keygen does). */
export function generateKey(
  name: string,
  algorithm = DEFAULT_ALGORITHM,
  random: (n: number) => Uint8Array = randomBytes,
): TsigKey {
  const alg = tsigAlgorithm(algorithm);
  const size = (TSIG_ALGORITHMS[alg] as { size: number }).size;
  return { name: keyName(name), algorithm: alg, secret: Uint8Array.from(random(size)) };
}

// ---------------------------------------------------------------------------------------
// Key formats

function keyName(text: string): string {
  try {
    return normalizeName(text);
  } catch (e) {
    if (e instanceof NameError) throw new TsigKeyError(`bad TSIG key name: ${e.message}`);
    throw e;
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A base64 secret; the error names the key, never the secret. */
function secretBytes(text: string, name: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean === '' || !BASE64.test(clean)) throw new TsigKeyError(`TSIG key ${name}: secret is not base64`);
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/** A key from its parts as written by an operator; throws TsigKeyError. */
export function makeKey(name: string, algorithm: string, secret: string): TsigKey {
  const n = keyName(name);
  return { name: n, algorithm: tsigAlgorithm(algorithm), secret: secretBytes(secret, n) };
}

/** "NAME:SECRET" (hmac-sha256) or "ALG:NAME:SECRET", as `dig -y` and `kdig -y` take. */
export function parseKeySpec(text: string): TsigKey {
  const parts = text.trim().split(':');
  if (parts.length === 2) return makeKey(parts[0] as string, DEFAULT_ALGORITHM, parts[1] as string);
  if (parts.length === 3) return makeKey(parts[1] as string, parts[0] as string, parts[2] as string);
  throw new TsigKeyError('bad TSIG key: expected NAME:SECRET or ALGORITHM:NAME:SECRET');
}

export function formatKeySpec(key: TsigKey): string {
  return `${key.algorithm.slice(0, -1)}:${key.name}:${Buffer.from(key.secret).toString('base64')}`;
}

/** The key as BIND's named.conf and nsupdate -k read it (tsig-keygen's output). */
export function formatBindKey(key: TsigKey): string {
  const secret = Buffer.from(key.secret).toString('base64');
  return `key "${key.name}" {\n\talgorithm ${key.algorithm.slice(0, -1)};\n\tsecret "${secret}";\n};\n`;
}

/**
 * The keys of a key file: BIND's `key "name" { algorithm …; secret "…"; };` statements
 * (other statements and comments are skipped, so a whole named.conf or ddns-confgen's
 * output reads too), or knot's `key:` YAML list (`- id:`, `algorithm:`, `secret:`).
 */
export function parseKeyFile(text: string): TsigKey[] {
  const keys = /^key:[ \t]*(?:#.*)?$/m.test(text) ? parseKnotKeys(text) : parseBindKeys(text);
  if (keys.length === 0) throw new TsigKeyError('no TSIG key found in the key file');
  return keys;
}

interface Token {
  text: string;
  quoted: boolean;
  line: number;
}

/** named.conf tokens: words, quoted strings and the punctuation { } ; — comments dropped. */
function bindTokens(text: string): Token[] {
  const out: Token[] = [];
  const re = /\s+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|"((?:[^"\\]|\\.)*)"|([{};])|([^\s{};"#]+)/g;
  let line = 1;
  for (const m of text.matchAll(re)) {
    if (m[1] !== undefined) out.push({ text: m[1].replace(/\\(.)/g, '$1'), quoted: true, line });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ text: m[0], quoted: false, line });
    for (const c of m[0]) if (c === '\n') line++;
  }
  return out;
}

function parseBindKeys(text: string): TsigKey[] {
  const toks = bindTokens(text);
  const keys: TsigKey[] = [];
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    if (!t.quoted && t.text === '{') depth++;
    else if (!t.quoted && t.text === '}') depth--;
    const name = toks[i + 1];
    if (depth !== 0 || t.quoted || t.text !== 'key' || !name || toks[i + 2]?.text !== '{') continue;
    // The clauses up to the matching brace.
    const clauses = new Map<string, string>();
    let j = i + 3;
    for (; j < toks.length && toks[j]?.text !== '}'; j++) {
      const word = toks[j] as Token;
      const value = toks[j + 1];
      if (value && toks[j + 2]?.text === ';') {
        clauses.set(word.text.toLowerCase(), value.text);
        j += 2;
      } else if (word.text !== ';') {
        throw new TsigKeyError(`line ${word.line}: unexpected "${word.text}" in key "${name.text}"`);
      }
    }
    if (j >= toks.length) throw new TsigKeyError(`line ${t.line}: key "${name.text}" is not closed`);
    const alg = clauses.get('algorithm');
    const secret = clauses.get('secret');
    if (alg === undefined || secret === undefined)
      throw new TsigKeyError(`line ${t.line}: key "${name.text}" needs an algorithm and a secret`);
    keys.push(makeKey(name.text, alg, secret));
    i = j;
  }
  return keys;
}

function yamlValue(raw: string): string {
  const v = raw.replace(/\s+#.*$/, '').trim();
  return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
}

/** knot's `key:` section: a list of mappings; every other section is skipped. */
function parseKnotKeys(text: string): TsigKey[] {
  const keys: TsigKey[] = [];
  let inKeys = false;
  let cur: { line: number; fields: Map<string, string> } | undefined;
  const flush = () => {
    if (!cur) return;
    const { id, algorithm, secret } = Object.fromEntries(cur.fields);
    if (id === undefined || secret === undefined)
      throw new TsigKeyError(`line ${cur.line}: key needs an id and a secret`);
    keys.push(makeKey(id, algorithm ?? DEFAULT_ALGORITHM, secret));
    cur = undefined;
  };
  for (const [n, line] of text.split('\n').entries()) {
    if (/^\s*(#|$)/.test(line)) continue;
    if (/^\S/.test(line)) {
      flush();
      inKeys = /^key:\s*(#.*)?$/.test(line);
      continue;
    }
    if (!inKeys) continue;
    const m = /^\s*(-\s+)?([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!m) throw new TsigKeyError(`line ${n + 1}: cannot read "${line.trim()}"`);
    if (m[1]) {
      flush();
      cur = { line: n + 1, fields: new Map() };
    }
    if (!cur) throw new TsigKeyError(`line ${n + 1}: key field outside a "- id:" item`);
    cur.fields.set((m[2] as string).toLowerCase(), yamlValue(m[3] as string));
  }
  flush();
  return keys;
}

// ---------------------------------------------------------------------------------------
// Wire pieces

function u16(v: number): Uint8Array {
  return Uint8Array.of(v >> 8, v & 0xff);
}

function u32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

function u48(v: number): Uint8Array {
  const hi = Math.floor(v / 2 ** 32);
  const lo = v >>> 0;
  return Uint8Array.of(hi >> 8, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
}

/** A name uncompressed; lowercased for the digest (RFC 8945 §4.3.3's canonical form). */
function nameWire(name: string, lower: boolean): Uint8Array {
  const labels = parseLabels(lower ? nameKey(name) : name);
  const out = new Uint8Array(labels.reduce((n, l) => n + l.length + 1, 1));
  let p = 0;
  for (const l of labels) {
    out[p++] = l.length;
    out.set(l, p);
    p += l.length;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** A MAC with its 2-byte length: how a request or prior MAC enters the digest. */
function withLength(mac: Uint8Array): Uint8Array {
  return concat([u16(mac.length), mac]);
}

interface TsigFields {
  keyName: string;
  /** CLASS and TTL of the record: ANY and 0 when we sign; as received when we verify. */
  class: number;
  ttl: number;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  error: number;
  other: Uint8Array;
}

/** The TSIG variables of RFC 8945 §4.3.3, or only the timers of §4.3.2 for later messages. */
function tsigVariables(t: TsigFields, timersOnly: boolean): Uint8Array {
  const timers = [u48(t.timeSigned), u16(t.fudge)];
  if (timersOnly) return concat(timers);
  return concat([
    nameWire(t.keyName, true),
    u16(t.class),
    u32(t.ttl),
    nameWire(t.algorithm, true),
    ...timers,
    u16(t.error),
    u16(t.other.length),
    t.other,
  ]);
}

/** The TSIG record as appended to a message: owner and algorithm names uncompressed. */
function tsigRecord(t: TsigFields, mac: Uint8Array, originalId: number): Uint8Array {
  const rdata = concat([
    nameWire(t.algorithm, false),
    u48(t.timeSigned),
    u16(t.fudge),
    withLength(mac),
    u16(originalId),
    u16(t.error),
    withLength(t.other),
  ]);
  return concat([
    nameWire(t.keyName, false),
    u16(TYPE.TSIG),
    u16(t.class),
    u32(t.ttl),
    u16(rdata.length),
    rdata,
  ]);
}

/** Bytes a TSIG record adds to a message: keep them free when fitting a UDP answer. */
export function tsigRecordSize(key: TsigKey, otherLength = 0): number {
  const size = algorithmOf(key.algorithm)?.size ?? 64;
  return nameWire(key.name, false).length + nameWire(key.algorithm, false).length + 26 + size + otherLength;
}

/** An algorithm by its name in any case; undefined when we do not implement it. */
function algorithmOf(name: string): { hash: string; size: number } | undefined {
  return TSIG_ALGORITHMS[nameKey(name)];
}

function hmac(key: TsigKey, parts: readonly Uint8Array[]): Uint8Array {
  const alg = algorithmOf(key.algorithm);
  if (!alg) throw new TsigKeyError(`unknown TSIG algorithm "${key.algorithm}"`);
  const h = createHmac(alg.hash, key.secret);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** RFC 8945 §5.2.2.1: a MAC shorter than max(10, half the hash) is malformed. */
function minMacLength(size: number): number {
  return Math.max(10, Math.ceil(size / 2));
}

/** The header with another id and additional count, on a copy. */
function withHeader(wire: Uint8Array, id: number, arcount: number): Uint8Array {
  const out = wire.slice();
  out.set(u16(id), 0);
  out.set(u16(arcount), 10);
  return out;
}

function arcountOf(wire: Uint8Array): number {
  return ((wire[10] as number) << 8) | (wire[11] as number);
}

/** What comes before the message in the digest, for each kind of message. */
interface Chain {
  /** The request's MAC, when this is a response (§4.3.1). */
  requestMac?: Uint8Array | undefined;
  /** The MAC of the previous signed message of the same response stream (§5.3.1). */
  previousMac?: Uint8Array | undefined;
  /** Must be true with previousMac (and only then): the digest ends with the timers only. */
  timersOnly?: boolean | undefined;
  /** Messages of the stream sent unsigned since the previous signed one, in order (§5.3.1). */
  unsigned?: readonly Uint8Array[] | undefined;
}

function chainParts(c: Chain): { prefix: Uint8Array[]; timersOnly: boolean } {
  if (c.previousMac) {
    if (c.timersOnly === false) throw new RangeError('a previous MAC goes with the timers-only digest');
    return { prefix: [withLength(c.previousMac), ...(c.unsigned ?? [])], timersOnly: true };
  }
  if (c.timersOnly) throw new RangeError('the timers-only digest needs the previous MAC');
  if (c.unsigned?.length) throw new RangeError('unsigned messages are chained only after a previous MAC');
  return { prefix: c.requestMac ? [withLength(c.requestMac)] : [], timersOnly: false };
}

// ---------------------------------------------------------------------------------------
// Signing

export interface SignOptions extends Chain {
  /** Seconds since the epoch; now when absent. */
  time?: number | undefined;
  fudge?: number | undefined;
  /** The TSIG error field (a server's BADTIME or BADTRUNC answer). */
  error?: number | undefined;
  other?: Uint8Array | undefined;
  /** Send only the first bytes of the MAC (RFC 8945 §5.2.2.1); at least max(10, half). */
  macLength?: number | undefined;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Appends a TSIG record to an encoded message (its additional count goes up by one) and
 * returns the new message and the MAC, which a response's signature or the next message
 * of a transfer chains to. The original id is the message's id. A server that answers
 * over UDP encodes with `maxSize` less tsigRecordSize(key) so the signature still fits.
 */
export function signMessage(
  wire: Uint8Array,
  key: TsigKey,
  opts: SignOptions = {},
): { wire: Uint8Array; mac: Uint8Array } {
  if (wire.length < 12) throw new RangeError('not a DNS message: shorter than a header');
  const alg = algorithmOf(key.algorithm);
  if (!alg) throw new TsigKeyError(`unknown TSIG algorithm "${key.algorithm}"`);
  const macLength = opts.macLength ?? alg.size;
  if (macLength > alg.size || macLength < minMacLength(alg.size))
    throw new RangeError(`MAC length ${macLength} out of range for ${key.algorithm}`);
  const t: TsigFields = {
    keyName: key.name,
    class: CLASS.ANY,
    ttl: 0,
    algorithm: key.algorithm,
    timeSigned: opts.time ?? now(),
    fudge: opts.fudge ?? DEFAULT_FUDGE,
    error: opts.error ?? 0,
    other: opts.other ?? new Uint8Array(0),
  };
  const { prefix, timersOnly } = chainParts(opts);
  const mac = hmac(key, [...prefix, wire, tsigVariables(t, timersOnly)]).slice(0, macLength);
  return { wire: appendTsig(wire, t, mac), mac };
}

function appendTsig(wire: Uint8Array, t: TsigFields, mac: Uint8Array): Uint8Array {
  const arcount = arcountOf(wire);
  if (arcount === 0xffff) throw new RangeError('additional section is full');
  const id = ((wire[0] as number) << 8) | (wire[1] as number);
  const out = concat([withHeader(wire, id, arcount + 1), tsigRecord(t, mac, id)]);
  if (out.length > 65535) throw new RangeError('DNS message longer than 65535 bytes');
  return out;
}

// ---------------------------------------------------------------------------------------
// Verifying

/** The errors of RFC 8945 §5.2 a receiver detects. */
export type TsigError = 'BADKEY' | 'BADSIG' | 'BADTIME' | 'BADTRUNC' | 'FORMERR';

export interface TsigVerified {
  ok: true;
  key: TsigKey;
  /** The MAC as received: what the response (or the next message) chains to. */
  mac: Uint8Array;
  /** Time Signed of the message. */
  time: number;
  tsig: TsigData;
}

export interface TsigFailed {
  ok: false;
  error: TsigError;
  /** The header RCODE of the answer: NOTAUTH, or FORMERR. */
  rcode: number;
  /** Set once the key was found (BADSIG, BADTIME, BADTRUNC). */
  key?: TsigKey;
  /** The received MAC once it checked (BADTIME, BADTRUNC): the error answer chains to it. */
  mac?: Uint8Array;
  time?: number;
  /** Name of the key the message named, and its TSIG (absent for FORMERR before it was read). */
  keyName?: string;
  tsig?: TsigData;
}

/** The message has no TSIG: fine for a plain query; an AXFR or UPDATE that needs a key is REFUSED. */
export interface TsigUnsigned {
  ok: false;
  error: 'unsigned';
  rcode: number;
}

/**
 * A response carrying the peer's TSIG error (RFC 8945 §5.3.2): BADKEY or BADSIG come with
 * an empty MAC (`authentic` false), BADTIME or BADTRUNC signed (`authentic` true).
 */
export interface TsigPeerError {
  ok: false;
  error: 'peer';
  /** The TSIG error field: RCODE.BADSIG, BADKEY, BADTIME, BADTRUNC, … */
  tsigError: number;
  rcode: number;
  authentic: boolean;
  key?: TsigKey;
  mac?: Uint8Array;
  tsig: TsigData;
}

export type TsigVerification = TsigVerified | TsigFailed | TsigUnsigned | TsigPeerError;

export interface VerifyOptions extends Chain {
  /** The key a message names, when known under that algorithm. */
  keys: (name: string, algorithm: string) => TsigKey | undefined;
  /** Seconds since the epoch; now when absent. */
  now?: number | undefined;
  /** The message already decoded (decodeMessage), to skip decoding it again. */
  message?: DecodedMessage | undefined;
  /** Local policy: shortest MAC accepted (BADTRUNC below it); RFC 8945's minimum when absent. */
  minMacLength?: number | undefined;
}

/** A lookup over a list of keys, matching the name case-insensitively and the algorithm. */
export function keyring(keys: readonly TsigKey[]): (name: string, algorithm: string) => TsigKey | undefined {
  return (name, algorithm) =>
    keys.find((k) => namesEqual(k.name, name) && namesEqual(k.algorithm, algorithm));
}

function failed(error: TsigError, extra: Omit<TsigFailed, 'ok' | 'error' | 'rcode'> = {}): TsigFailed {
  return { ok: false, error, rcode: error === 'FORMERR' ? RCODE.FORMERR : RCODE.NOTAUTH, ...extra };
}

/**
 * Checks the TSIG ending a message as RFC 8945 §5.2 orders it: a malformed or misplaced
 * TSIG is FORMERR; an unknown key or algorithm BADKEY; a MAC that does not check BADSIG;
 * a time outside Time Signed ± Fudge BADTIME; a MAC truncated below local policy BADTRUNC.
 * MACs are compared in constant time. Pass requestMac to check a response, previousMac
 * (with the unsigned messages since) for the later messages of a transfer.
 */
export function verifyMessage(wire: Uint8Array, opts: VerifyOptions): TsigVerification {
  let msg: DecodedMessage;
  try {
    msg = opts.message ?? decodeMessage(wire);
  } catch (e) {
    if (e instanceof DnsFormatError) return failed('FORMERR');
    throw e;
  }
  if ([...msg.answers, ...msg.authority].some((rr) => rr.type === TYPE.TSIG)) return failed('FORMERR');
  const at = msg.tsigOffset;
  const rr = msg.additional.at(-1);
  if (at === undefined || !rr || rr.type !== TYPE.TSIG)
    return { ok: false, error: 'unsigned', rcode: RCODE.REFUSED };
  const tsig = rr.data as TsigData;
  const named = { keyName: rr.name, tsig };
  if (rr.class !== CLASS.ANY) return failed('FORMERR', named);

  // A server's unsigned refusal (§5.3.2): nothing to check, the client reports it.
  if (tsig.mac.length === 0 && tsig.error !== 0 && msg.flags.qr)
    return { ok: false, error: 'peer', tsigError: tsig.error, rcode: RCODE.NOTAUTH, authentic: false, tsig };

  const alg = algorithmOf(tsig.algorithm);
  const key = alg ? opts.keys(rr.name, nameKey(tsig.algorithm)) : undefined;
  if (!alg || !key || !namesEqual(key.algorithm, tsig.algorithm) || !namesEqual(key.name, rr.name))
    return failed('BADKEY', named);

  if (tsig.mac.length > alg.size || tsig.mac.length < minMacLength(alg.size))
    return failed('FORMERR', { ...named, key });

  const t: TsigFields = { ...tsig, keyName: rr.name, class: rr.class, ttl: rr.ttl };
  const { prefix, timersOnly } = chainParts(opts);
  const unsignedMsg = withHeader(wire.subarray(0, at), tsig.originalId, arcountOf(wire) - 1);
  const expected = hmac(key, [...prefix, unsignedMsg, tsigVariables(t, timersOnly)]).subarray(
    0,
    tsig.mac.length,
  );
  if (!timingSafeEqual(expected, tsig.mac)) return failed('BADSIG', { ...named, key });

  const checked = { ...named, key, mac: tsig.mac, time: tsig.timeSigned };
  if (tsig.error !== 0 && msg.flags.qr)
    return {
      ok: false,
      error: 'peer',
      tsigError: tsig.error,
      rcode: RCODE.NOTAUTH,
      authentic: true,
      key,
      mac: tsig.mac,
      tsig,
    };
  if (Math.abs((opts.now ?? now()) - tsig.timeSigned) > tsig.fudge) return failed('BADTIME', checked);
  if (tsig.mac.length < (opts.minMacLength ?? 0)) return failed('BADTRUNC', checked);
  return { ok: true, key, mac: tsig.mac, time: tsig.timeSigned, tsig };
}

// ---------------------------------------------------------------------------------------
// A server's answer to a request whose TSIG failed

/**
 * Sets the header RCODE of an encoded error answer to the failure's and appends the TSIG
 * RFC 8945 §5.3.2 asks for:
 * - BADKEY, BADSIG: unsigned — an empty MAC, the error in the TSIG error field, the key
 *   and algorithm names the request used;
 * - BADTIME: signed, chained to the request's MAC, with the request's Time Signed and the
 *   server's time in Other Data (§5.2.3), so the client can verify it and see the skew;
 * - BADTRUNC: signed, chained to the request's MAC.
 * FORMERR (RCODE FORMERR) and an unsigned request (REFUSED) get no TSIG; a success or a
 * peer's error leave the response as it is.
 */
export function signedErrorResponse(
  response: Uint8Array,
  failure: TsigVerification,
  opts: { now?: number | undefined } = {},
): Uint8Array {
  if (failure.ok || failure.error === 'peer') return response;
  const wire = response.slice();
  wire[3] = ((wire[3] as number) & 0xf0) | (failure.rcode & 0xf);
  if (failure.error === 'unsigned' || failure.error === 'FORMERR') return wire;
  const { tsig, keyName } = failure;
  if (!tsig || keyName === undefined) return wire;
  const time = opts.now ?? now();
  const code = RCODE[failure.error];
  if (failure.key && failure.mac && (failure.error === 'BADTIME' || failure.error === 'BADTRUNC')) {
    const badTime = failure.error === 'BADTIME';
    return signMessage(wire, failure.key, {
      requestMac: failure.mac,
      time: badTime ? tsig.timeSigned : time,
      fudge: tsig.fudge,
      error: code,
      other: badTime ? u48(time) : undefined,
    }).wire;
  }
  const t: TsigFields = {
    keyName,
    class: CLASS.ANY,
    ttl: 0,
    algorithm: tsig.algorithm,
    timeSigned: time,
    fudge: tsig.fudge,
    error: code,
    other: new Uint8Array(0),
  };
  return appendTsig(wire, t, new Uint8Array(0));
}
