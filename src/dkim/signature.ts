// The DKIM-Signature header field (RFC 6376 §3.5): read into a typed signature, or a
// permerror reason naming the tag at fault.
import { colonList, parseTagList, stripWs, type Tag } from './tag-list.js';
import type { Canon, DkimAlgorithm, HashAlgorithm, KeyType } from './types.js';

export interface Signature {
  algorithm: DkimAlgorithm;
  keyType: KeyType;
  hash: HashAlgorithm;
  /** b= and bh=, whitespace removed, and decoded. */
  b: string;
  signature: Uint8Array;
  bodyHash: Uint8Array;
  headerCanon: Canon;
  bodyCanon: Canon;
  domain: string;
  selector: string;
  /** h= names as written. */
  headers: string[];
  /** i= decoded; undefined when absent (it then defaults to "@" d=). */
  identity?: string;
  bodyLength?: number;
  timestamp?: number;
  expiration?: number;
  /** Offsets of the b= value in the parsed text (from just after "=" to the ";" or the end). */
  bFrom: number;
  bTo: number;
}

/** What could be read of a signature that is not valid, for the report. */
export interface PartialSignature {
  domain?: string;
  selector?: string;
  algorithm?: string;
  b?: string;
}

export type ParsedSignature =
  | { ok: true; signature: Signature }
  | { ok: false; reason: string; partial: PartialSignature };

const ALGORITHMS: Record<string, [KeyType, HashAlgorithm]> = {
  'rsa-sha256': ['rsa', 'sha256'],
  'rsa-sha1': ['rsa', 'sha1'],
  'ed25519-sha256': ['ed25519', 'sha256'],
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DIGITS = /^[0-9]{1,76}$/;
// sub-domain labels (RFC 5321 Let-dig [Ldh-str]); "_" is let through, as DNS allows it.
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** A dot-separated domain name of LDH labels (d=, s=); no trailing dot. */
export function isDomainName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  return s.split('.').every((l) => LABEL.test(l));
}

/** Decodes dkim-quoted-printable (RFC 6376 §2.11): =XX escapes, FWS removed. */
export function decodeDkimQp(s: string): string | undefined {
  const t = stripWs(s);
  if (/=(?![0-9A-Fa-f]{2})/.test(t)) return undefined;
  const bytes = Buffer.from(
    t.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
    'latin1',
  );
  return bytes.toString('utf8');
}

/** Parses the value of a DKIM-Signature field (the text after the colon, folding included). */
export function parseSignature(value: string): ParsedSignature {
  const list = parseTagList(value);
  if (!list.ok) return { ok: false, reason: `signature syntax: ${list.reason}`, partial: {} };
  const tags = list.tags;
  const get = (name: string): Tag | undefined => tags.get(name);
  const partial: PartialSignature = {};
  const d = get('d')?.value;
  const s = get('s')?.value;
  const a = get('a')?.value;
  const bTag = get('b');
  if (d !== undefined) partial.domain = d;
  if (s !== undefined) partial.selector = s;
  if (a !== undefined) partial.algorithm = a;
  if (bTag) partial.b = stripWs(bTag.value);
  const fail = (reason: string): ParsedSignature => ({ ok: false, reason, partial });

  for (const t of ['v', 'a', 'b', 'bh', 'd', 'h', 's'])
    if (!tags.has(t)) return fail(`the signature has no ${t}= tag`);
  const v = get('v')?.value;
  if (v !== '1') return fail(`unsupported signature version v=${v}`);
  const alg = ALGORITHMS[a as string];
  if (!alg) return fail(`unsupported algorithm a=${a}`);
  if (!isDomainName(d as string)) return fail(`d=${d} is not a domain name`);
  if (!isDomainName(s as string)) return fail(`s=${s} is not a selector`);

  const b = stripWs((bTag as Tag).value);
  if (!BASE64.test(b) || b.length === 0) return fail('b= is not base64');
  const bh = stripWs(get('bh')?.value as string);
  if (!BASE64.test(bh) || bh.length === 0) return fail('bh= is not base64');

  let headerCanon: Canon = 'simple';
  let bodyCanon: Canon = 'simple';
  const c = get('c')?.value;
  if (c !== undefined) {
    const m = /^(simple|relaxed)(?:\/(simple|relaxed))?$/.exec(c);
    if (!m) return fail(`unsupported canonicalization c=${c}`);
    headerCanon = m[1] as Canon;
    bodyCanon = (m[2] ?? 'simple') as Canon;
  }

  const q = get('q')?.value;
  // §3.5: use the recognized methods in order, ignore the others. "dns" alone is how
  // drafts before RFC 4871 wrote dns/txt.
  if (q !== undefined && !colonList(q).some((m) => m === 'dns/txt' || m === 'dns'))
    return fail(`no supported key query method in q=${q}`);

  const headers = colonList(get('h')?.value as string);
  if (headers.some((h) => !/^[\x21-\x39\x3b-\x7e]+$/.test(h))) return fail('h= is not a list of field names');
  if (!headers.some((h) => h.toLowerCase() === 'from')) return fail('h= does not include From');

  let identity: string | undefined;
  const i = get('i')?.value;
  if (i !== undefined) {
    identity = decodeDkimQp(i);
    const at = identity?.lastIndexOf('@') ?? -1;
    if (identity === undefined || at < 0) return fail(`i=${i} is not an identity (local-part@domain)`);
    const idom = identity.slice(at + 1).toLowerCase();
    const dl = (d as string).toLowerCase();
    if (idom !== dl && !idom.endsWith(`.${dl}`)) return fail(`i=${identity} is not in d=${d}`);
  }

  const num = (name: string): number | undefined | null => {
    const t = get(name)?.value;
    if (t === undefined) return undefined;
    return DIGITS.test(t) ? Number(t) : null;
  };
  const l = num('l');
  if (l === null) return fail('l= is not a number');
  const t = num('t');
  if (t === null) return fail('t= is not a number');
  const x = num('x');
  if (x === null) return fail('x= is not a number');
  if (t !== undefined && x !== undefined && x < t) return fail(`x= (${x}) is before t= (${t})`);

  const signature: Signature = {
    algorithm: a as DkimAlgorithm,
    keyType: alg[0],
    hash: alg[1],
    b,
    signature: Buffer.from(b, 'base64'),
    bodyHash: Buffer.from(bh, 'base64'),
    headerCanon,
    bodyCanon,
    domain: d as string,
    selector: s as string,
    headers,
    bFrom: (bTag as Tag).from,
    bTo: (bTag as Tag).to,
  };
  if (identity !== undefined) signature.identity = identity;
  if (l !== undefined) signature.bodyLength = l;
  if (t !== undefined) signature.timestamp = t;
  if (x !== undefined) signature.expiration = x;
  return { ok: true, signature };
}
