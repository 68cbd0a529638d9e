// The three ARC header fields (RFC 8617 §4.1): their instance numbers, and the ARC-Seal and
// ARC-Message-Signature tag lists read into typed values or a reason. Tag-list syntax is
// DKIM's (src/dkim parseTagList); the rules on top are ARC's.
import { type DkimAlgorithm, isDomainName, parseTagList, type RawField } from '../dkim/index.js';
import type { ArcCv } from './types.js';

export const ARC_SEAL = 'arc-seal';
export const ARC_MESSAGE_SIGNATURE = 'arc-message-signature';
export const ARC_AUTHENTICATION_RESULTS = 'arc-authentication-results';

/** RFC 8617 §4.2.1: at most 50 sets. */
export const MAX_INSTANCE = 50;

export type ArcAlgorithm = Exclude<DkimAlgorithm, 'rsa-sha1'>;
const ALGORITHMS: readonly string[] = ['rsa-sha256', 'ed25519-sha256'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DIGITS = /^[0-9]{1,12}$/;
const INSTANCE = /^[1-9][0-9]{0,5}$/;

/** The value of a field: the text after the colon, as Latin-1 (one char per byte, offsets match). */
export function fieldValue(field: RawField): { text: string; offset: number } {
  const colon = field.raw.indexOf(0x3a);
  const offset = colon + 1;
  return {
    text: Buffer.from(field.raw.buffer, field.raw.byteOffset + offset, field.raw.length - offset).toString(
      'latin1',
    ),
    offset,
  };
}

function stripWs(s: string): string {
  return s.replace(/[ \t\r\n]+/g, '');
}

/**
 * The instance of an AAR: the value must begin with "i=N;" (RFC 8617 §4.1.1), and the rest
 * is an Authentication-Results payload.
 */
export function aarInstance(value: string): number | undefined {
  const m = /^[ \t\r\n]*i[ \t\r\n]*=[ \t\r\n]*([0-9]+)[ \t\r\n]*;/.exec(value);
  return m && INSTANCE.test(m[1] as string) ? Number(m[1]) : undefined;
}

interface Common {
  instance: number;
  algorithm: ArcAlgorithm;
  domain: string;
  selector: string;
  /** b= whitespace removed, and decoded. */
  b: string;
  signature: Uint8Array;
  timestamp?: number;
  /** Offsets of the b= value in the field's value text. */
  bFrom: number;
  bTo: number;
}

export interface Seal extends Common {
  cv: ArcCv;
}

export interface MessageSignature extends Common {
  bodyHash: Uint8Array;
  headerCanon: 'simple' | 'relaxed';
  bodyCanon: 'simple' | 'relaxed';
  headers: string[];
  expiration?: number;
}

export type Parsed<T> =
  | { ok: true; value: T }
  | { ok: false; reason: string; instance?: number; domain?: string; selector?: string };

type Tags = Map<string, { value: string; from: number; to: number }>;

/** The tags both signatures share (a, b, d, i, s, t); a reason when one is wrong. */
function common(tags: Tags, required: readonly string[]): Common | string {
  for (const t of required) if (!tags.has(t)) return `no ${t}= tag`;
  const i = tags.get('i')?.value as string;
  if (!INSTANCE.test(i) || Number(i) > MAX_INSTANCE)
    return `i=${i} is not an instance (1 to ${MAX_INSTANCE})`;
  const a = tags.get('a')?.value as string;
  if (!ALGORITHMS.includes(a)) return `unsupported algorithm a=${a}`;
  const d = tags.get('d')?.value as string;
  if (!isDomainName(d)) return `d=${d} is not a domain name`;
  const s = tags.get('s')?.value as string;
  if (!isDomainName(s)) return `s=${s} is not a selector`;
  const bTag = tags.get('b') as { value: string; from: number; to: number };
  const b = stripWs(bTag.value);
  if (b === '' || !BASE64.test(b)) return 'b= is not base64';
  const out: Common = {
    instance: Number(i),
    algorithm: a as ArcAlgorithm,
    domain: d,
    selector: s,
    b,
    signature: Buffer.from(b, 'base64'),
    bFrom: bTag.from,
    bTo: bTag.to,
  };
  const t = tags.get('t')?.value;
  if (t !== undefined) {
    if (!DIGITS.test(t)) return 't= is not a number';
    out.timestamp = Number(t);
  }
  return out;
}

function partial(tags: Tags | undefined, reason: string): Parsed<never> {
  const out: Parsed<never> = { ok: false, reason };
  const i = tags?.get('i')?.value;
  if (i !== undefined && INSTANCE.test(i)) out.instance = Number(i);
  const d = tags?.get('d')?.value;
  if (d !== undefined) out.domain = d;
  const s = tags?.get('s')?.value;
  if (s !== undefined) out.selector = s;
  return out;
}

/** ARC-Seal (RFC 8617 §4.1.3): a, b, cv, d, i, s, optional t; h= is not allowed. */
export function parseSeal(value: string): Parsed<Seal> {
  const list = parseTagList(value);
  if (!list.ok) return partial(undefined, `ARC-Seal syntax: ${list.reason}`);
  const tags = list.tags;
  const c = common(tags, ['a', 'b', 'cv', 'd', 'i', 's']);
  if (typeof c === 'string') return partial(tags, `ARC-Seal: ${c}`);
  if (tags.has('h')) return partial(tags, 'ARC-Seal: h= is not allowed in a seal');
  const cv = tags.get('cv')?.value as string;
  if (cv !== 'none' && cv !== 'pass' && cv !== 'fail')
    return partial(tags, `ARC-Seal: cv=${cv} is not none, pass or fail`);
  return { ok: true, value: { ...c, cv } };
}

/**
 * ARC-Message-Signature (RFC 8617 §4.1.2): a DKIM-Signature without v=, with i= the
 * instance; h= may not name ARC-Seal (§4.1.2).
 */
export function parseMessageSignature(value: string): Parsed<MessageSignature> {
  const list = parseTagList(value);
  if (!list.ok) return partial(undefined, `ARC-Message-Signature syntax: ${list.reason}`);
  const tags = list.tags;
  const c = common(tags, ['a', 'b', 'bh', 'd', 'h', 'i', 's']);
  const fail = (r: string) => partial(tags, `ARC-Message-Signature: ${r}`);
  if (typeof c === 'string') return fail(c);
  const bh = stripWs(tags.get('bh')?.value as string);
  if (bh === '' || !BASE64.test(bh)) return fail('bh= is not base64');
  // Without c=, relaxed/relaxed: what the ARC test suite (and dkimpy) expect, where DKIM
  // would say simple/simple (RFC 6376 §3.5); Mail::DKIM keeps DKIM's default.
  let headerCanon: 'simple' | 'relaxed' = 'relaxed';
  let bodyCanon: 'simple' | 'relaxed' = 'relaxed';
  const canon = tags.get('c')?.value;
  if (canon !== undefined) {
    const m = /^(simple|relaxed)(?:\/(simple|relaxed))?$/.exec(canon);
    if (!m) return fail(`unsupported canonicalization c=${canon}`);
    headerCanon = m[1] as 'simple' | 'relaxed';
    bodyCanon = (m[2] ?? 'simple') as 'simple' | 'relaxed'; // "relaxed" alone: relaxed/simple, as in DKIM
  }
  const h = tags.get('h')?.value as string;
  const headers = h.trim() === '' ? [] : h.split(':').map((n) => n.trim());
  // An empty name (h=from::to) selects no field, as in the ARC test suite.
  if (headers.some((n) => n !== '' && !/^[\x21-\x39\x3b-\x7e]+$/.test(n)))
    return fail('h= is not a list of field names');
  if (headers.some((n) => n.toLowerCase() === ARC_SEAL)) return fail('h= names ARC-Seal');
  const out: MessageSignature = {
    ...c,
    bodyHash: Buffer.from(bh, 'base64'),
    headerCanon,
    bodyCanon,
    headers,
  };
  const x = tags.get('x')?.value;
  if (x !== undefined) {
    if (!DIGITS.test(x)) return fail('x= is not a number');
    out.expiration = Number(x);
  }
  return { ok: true, value: out };
}

/** The instance of an ARC field whatever its kind, or undefined when it cannot be read. */
export function instanceOf(field: RawField): number | undefined {
  const { text } = fieldValue(field);
  if (field.key === ARC_AUTHENTICATION_RESULTS) return aarInstance(text);
  const list = parseTagList(text);
  if (!list.ok) return undefined;
  const i = list.tags.get('i')?.value;
  return i !== undefined && INSTANCE.test(i) && Number(i) <= MAX_INSTANCE ? Number(i) : undefined;
}
