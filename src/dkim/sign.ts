// Signing (RFC 6376 §5): one pass over the message computes the body hash of every
// canonicalization in use, then each key signs its header hash. The result is the
// DKIM-Signature fields to put on top of the message; the caller keeps (or spools) the
// message meanwhile, since the fields depend on its end.
import { createHash, sign as cryptoSign } from 'node:crypto';
import { BodyHashes } from './body-hash.js';
import { headerHashInput } from './header-hash.js';
import { defaultAlgorithm, loadSigningKey, type SigningKey } from './keys.js';
import { DEFAULT_MAX_HEADER_BYTES, feed, HeaderSplitter, type RawField, splitFields } from './message.js';
import { isDomainName } from './signature.js';
import { type Canon, type CanonPair, DkimError, type SigningAlgorithm } from './types.js';

/**
 * Fields signed by default when present: those a reader sees or that shape how the body is
 * read (RFC 6376 §5.4.1), plus the list and resent fields.
 */
export const DEFAULT_SIGNED_HEADERS: readonly string[] = [
  'from',
  'sender',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'to',
  'cc',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-id',
  'content-description',
  'content-disposition',
  'content-language',
  'in-reply-to',
  'references',
  'resent-date',
  'resent-from',
  'resent-sender',
  'resent-to',
  'resent-cc',
  'resent-message-id',
  'list-id',
  'list-help',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'list-subscribe',
  'list-post',
  'list-owner',
  'list-archive',
  'autocrypt',
  'openpgp',
];

/**
 * Over-signed fields (RFC 6376 §8.15): named once more than they occur, so that a copy added
 * anywhere breaks the signature instead of being shown to the reader unsigned. Those a
 * reader is deceived by are over-signed even when absent (adding a Reply-To is the classic
 * attack); those a relay may legitimately add when missing (Date, Message-ID, MIME fields)
 * only when present.
 */
export const OVERSIGNED_HEADERS: readonly string[] = ['from', 'reply-to', 'subject', 'to', 'cc'];
export const OVERSIGNED_IF_PRESENT: readonly string[] = [
  'sender',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'in-reply-to',
  'references',
];

export interface SignatureSpec {
  domain: string;
  selector: string;
  /** A loaded key, or the text of a PEM file (PKCS#8 or PKCS#1). */
  key: SigningKey | string | Uint8Array;
  /** Default: rsa-sha256 for an RSA key, ed25519-sha256 for an Ed25519 key. */
  algorithm?: SigningAlgorithm;
  /** header/body; a single word applies to both. Default relaxed/relaxed. */
  canonicalization?: CanonPair | Canon;
  /** Names of the fields to sign; default DEFAULT_SIGNED_HEADERS. From is always signed. */
  headers?: readonly string[];
  /** Over-sign those of OVERSIGNED_HEADERS and OVERSIGNED_IF_PRESENT that are signed (default true). */
  oversign?: boolean;
  /** i=: the agent or user signed for, in d= or a subdomain. */
  identity?: string;
  /** x= this many seconds after t=. */
  expiresIn?: number;
  /** Write t= (default true). */
  timestamp?: boolean;
}

export interface SignOptions {
  signatures: readonly SignatureSpec[];
  /** Signing time, seconds since the epoch (default: the clock). */
  now?: number;
  maxHeaderBytes?: number;
}

export interface Signer {
  push(chunk: Uint8Array): void;
  /** The DKIM-Signature fields, CRLF-terminated, in the order of the specs, to be put on top. */
  end(): Uint8Array;
}

interface Prepared {
  spec: SignatureSpec;
  key: SigningKey;
  algorithm: SigningAlgorithm;
  headerCanon: Canon;
  bodyCanon: Canon;
  names: string[];
  bodyHash: number;
}

function parseCanon(c: string | undefined): [Canon, Canon] {
  const m = /^(simple|relaxed)(?:\/(simple|relaxed))?$/.exec(c ?? 'relaxed/relaxed');
  if (!m)
    throw new DkimError('bad-option', `canonicalization must be simple or relaxed, as header/body: ${c}`);
  return [m[1] as Canon, (m[2] ?? m[1]) as Canon];
}

/** Names to sign, in lower case, From first, without repeats (DKIM-Signature is never one). */
function fieldNames(list: readonly string[]): string[] {
  const names: string[] = [];
  for (const n of ['from', ...list]) {
    const lower = n.trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(lower))
      throw new DkimError('bad-option', `not a header field name: ${n}`);
    if (lower !== 'dkim-signature' && !names.includes(lower)) names.push(lower);
  }
  return names;
}

const DEFAULT_NAMES = fieldNames(DEFAULT_SIGNED_HEADERS);

function prepare(spec: SignatureSpec, hashes: BodyHashes): Prepared {
  if (!isDomainName(spec.domain)) throw new DkimError('bad-option', `not a domain name: ${spec.domain}`);
  if (!isDomainName(spec.selector)) throw new DkimError('bad-option', `not a selector: ${spec.selector}`);
  const key =
    typeof spec.key === 'object' && 'type' in spec.key && 'bits' in spec.key
      ? (spec.key as SigningKey)
      : loadSigningKey(spec.key as string | Uint8Array);
  const algorithm = spec.algorithm ?? defaultAlgorithm(key.type);
  if (algorithm !== defaultAlgorithm(key.type))
    throw new DkimError(
      'bad-option',
      `${algorithm} needs ${algorithm.startsWith('rsa') ? 'an RSA' : 'an Ed25519'} key`,
    );
  const [headerCanon, bodyCanon] = parseCanon(spec.canonicalization);
  if (spec.identity !== undefined) {
    const at = spec.identity.lastIndexOf('@');
    const dom = spec.identity.slice(at + 1).toLowerCase();
    const d = spec.domain.toLowerCase();
    if (at < 0 || (dom !== d && !dom.endsWith(`.${d}`)) || /[\s;]/.test(spec.identity))
      throw new DkimError(
        'bad-option',
        `identity ${spec.identity} must be local-part@domain in ${spec.domain}`,
      );
  }
  if (spec.expiresIn !== undefined && !(Number.isInteger(spec.expiresIn) && spec.expiresIn > 0))
    throw new DkimError('bad-option', `expiration must be a positive number of seconds: ${spec.expiresIn}`);
  const names = spec.headers ? fieldNames(spec.headers) : DEFAULT_NAMES;
  return { spec, key, algorithm, headerCanon, bodyCanon, names, bodyHash: hashes.add(bodyCanon, 'sha256') };
}

const ALWAYS_OVER = new Set(OVERSIGNED_HEADERS);
const IF_PRESENT_OVER = new Set(OVERSIGNED_IF_PRESENT);

/** h=: each name as many times as it occurs, once more when over-signed, From at least once. */
function signedNames(p: Prepared, fields: readonly RawField[]): string[] {
  const counts = new Map<string, number>();
  for (const f of fields) counts.set(f.key, (counts.get(f.key) ?? 0) + 1);
  const oversign = p.spec.oversign !== false;
  const out: string[] = [];
  for (const name of p.names) {
    const present = counts.get(name) ?? 0;
    const over = oversign && (ALWAYS_OVER.has(name) || (present > 0 && IF_PRESENT_OVER.has(name))) ? 1 : 0;
    let n = present + over;
    if (name === 'from') n = Math.max(n, 1);
    for (let i = 0; i < n; i++) out.push(name);
  }
  return out;
}

/** Encodes i= in dkim-quoted-printable (RFC 6376 §2.11) where needed. */
function encodeIdentity(s: string): string {
  return Buffer.from(s, 'utf8')
    .toString('latin1')
    .replace(
      /[^\x21-\x3a\x3c\x3e-\x7e]/g,
      (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
    );
}

// The field is folded at 78 columns (a tab counted as 8), between tags, inside h= at
// colons, and inside the base64 of b=; b= comes last, so its value is the field's tail.
const WIDTH = 78;

class FieldWriter {
  text = 'DKIM-Signature:';
  private col = this.text.length;

  /** Appends a unit, after a space when `space`, or on a new line when it does not fit. */
  unit(s: string, space: boolean): void {
    if (this.col + (space ? 1 : 0) + s.length > WIDTH && this.col > 8) {
      this.text += `\r\n\t${s}`;
      this.col = 8 + s.length;
    } else {
      this.text += (space ? ' ' : '') + s;
      this.col += (space ? 1 : 0) + s.length;
    }
  }

  /** Appends base64 cut to fill the lines. */
  wrap(s: string): void {
    let i = 0;
    while (i < s.length) {
      let room = WIDTH - this.col;
      if (room <= 0) {
        this.text += '\r\n\t';
        this.col = 8;
        room = WIDTH - 8;
      }
      const piece = s.slice(i, i + room);
      this.text += piece;
      this.col += piece.length;
      i += piece.length;
    }
  }
}

function buildField(p: Prepared, names: string[], bh: string, now: number): FieldWriter {
  const w = new FieldWriter();
  const tags = [
    'v=1',
    `a=${p.algorithm}`,
    `c=${p.headerCanon}/${p.bodyCanon}`,
    `d=${p.spec.domain}`,
    `s=${p.spec.selector}`,
  ];
  if (p.spec.identity !== undefined) tags.push(`i=${encodeIdentity(p.spec.identity)}`);
  if (p.spec.timestamp !== false) tags.push(`t=${now}`);
  if (p.spec.expiresIn !== undefined) tags.push(`x=${now + p.spec.expiresIn}`);
  for (const t of tags) w.unit(`${t};`, true);
  names.forEach((n, i) => {
    const last = i === names.length - 1;
    w.unit(`${i === 0 ? 'h=' : ''}${n}${last ? ';' : ':'}`, i === 0);
  });
  w.unit(`bh=${bh};`, true);
  w.unit('b=', true);
  return w;
}

export function createSigner(opts: SignOptions): Signer {
  if (opts.signatures.length === 0) throw new DkimError('bad-option', 'no signature to make');
  const hashes = new BodyHashes();
  const prepared = opts.signatures.map((s) => prepare(s, hashes));
  const splitter = new HeaderSplitter(opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
  let ended = false;
  return {
    push(chunk) {
      if (ended) throw new Error('push after end');
      if (chunk.length === 0) return;
      if (splitter.done) {
        hashes.update(chunk);
        return;
      }
      const at = splitter.push(chunk);
      if (at >= 0 && at < chunk.length) hashes.update(chunk.subarray(at));
    },
    end() {
      ended = true;
      hashes.end();
      const fields = splitFields(splitter.bytes());
      const now = Math.floor(opts.now ?? Date.now() / 1000);
      const out: string[] = [];
      for (const p of prepared) {
        const names = signedNames(p, fields);
        const bh = Buffer.from(hashes.get(p.bodyHash).digest).toString('base64');
        const w = buildField(p, names, bh, now);
        const data = headerHashInput(fields, names, p.headerCanon, Buffer.from(w.text, 'latin1'));
        const b =
          p.algorithm === 'ed25519-sha256'
            ? cryptoSign(null, createHash('sha256').update(data).digest(), p.key.key)
            : cryptoSign('sha256', data, p.key.key);
        w.wrap(b.toString('base64'));
        out.push(`${w.text}\r\n`);
      }
      return Buffer.from(out.join(''), 'latin1');
    },
  };
}

/** The DKIM-Signature fields for a message given whole or as chunks. */
export async function sign(
  message: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: SignOptions,
): Promise<Uint8Array> {
  const signer = createSigner(opts);
  await feed(signer, message);
  return signer.end();
}

/** The signed message: the DKIM-Signature fields followed by the message. */
export function signMessage(message: Uint8Array, opts: SignOptions): Uint8Array {
  const signer = createSigner(opts);
  signer.push(message);
  return Buffer.concat([signer.end(), message]);
}
