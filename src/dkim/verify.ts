// Verification (RFC 6376 §6): every DKIM-Signature checked on its own, in one pass. At the
// end of the header the signatures are read, their header hash inputs taken and their key
// lookups started, so DNS runs while the body streams through the body hashes; at the end
// of the message each signature is judged.
import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { type Resolution, type Resolver, TYPE, txtString } from '../dns/index.js';
import { BodyHashes } from './body-hash.js';
import { headerHashInput } from './header-hash.js';
import { importPublicKey, type KeyRecord, parseKeyRecord } from './key-record.js';
import { MIN_RSA_BITS } from './keys.js';
import { DEFAULT_MAX_HEADER_BYTES, feed, HeaderSplitter, type RawField, splitFields } from './message.js';
import { parseSignature, type Signature } from './signature.js';
import { DkimError, type DkimResult } from './types.js';

export interface VerifyOptions {
  resolver: Resolver;
  /** Verification time, seconds since the epoch (default: the clock). */
  now?: number;
  /** Seconds of tolerance for t= in the future and x= in the past (default 300). */
  clockSkew?: number;
  /** RSA keys shorter than this give `policy` (default 1024, RFC 8301 §3.2). */
  minRsaBits?: number;
  /** Signatures beyond this many are not checked: permerror (default 16). */
  maxSignatures?: number;
  maxHeaderBytes?: number;
}

export interface Verifier {
  push(chunk: Uint8Array): void;
  /** One result per DKIM-Signature field, top to bottom; [] when there is none. */
  end(): Promise<DkimResult[]>;
}

interface Pending {
  sig: Signature;
  result: DkimResult;
  data: Uint8Array;
  bodyHash: number;
  key: Promise<Resolution>;
  keyName: string;
}

export function createVerifier(opts: VerifyOptions): Verifier {
  const splitter = new HeaderSplitter(opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
  const hashes = new BodyHashes();
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const skew = opts.clockSkew ?? 300;
  const maxSignatures = opts.maxSignatures ?? 16;
  const lookups = new Map<string, Promise<Resolution>>();
  const results: DkimResult[] = [];
  const pending: Pending[] = [];
  let failure: string | undefined;
  let headerSeen = false;

  const lookup = (name: string): Promise<Resolution> => {
    const k = name.toLowerCase();
    let p = lookups.get(k);
    if (!p) {
      p = Promise.resolve()
        .then(() => opts.resolver.resolve(name, TYPE.TXT))
        .catch(
          (e: unknown): Resolution => ({ kind: 'error', reason: e instanceof Error ? e.message : String(e) }),
        );
      lookups.set(k, p);
    }
    return p;
  };

  const onHeader = (fields: RawField[]): void => {
    headerSeen = true;
    let index = 0;
    fields.forEach((field, fi) => {
      if (field.key !== 'dkim-signature') return;
      const result: DkimResult = { result: 'permerror', reason: '', index: index++ };
      results.push(result);
      if (result.index >= maxSignatures) {
        result.reason = `not checked: more than ${maxSignatures} signatures`;
        return;
      }
      const colon = field.raw.indexOf(0x3a);
      const value = Buffer.from(
        field.raw.buffer,
        field.raw.byteOffset + colon + 1,
        field.raw.length - colon - 1,
      );
      const parsed = parseSignature(value.toString('latin1'));
      if (!parsed.ok) {
        const { domain, selector, algorithm, b } = parsed.partial;
        if (domain !== undefined) result.domain = domain;
        if (selector !== undefined) result.selector = selector;
        if (algorithm !== undefined) result.algorithm = algorithm;
        if (b !== undefined) result.signature = b;
        result.reason = parsed.reason;
        return;
      }
      const sig = parsed.signature;
      describe(result, sig);
      if (sig.expiration !== undefined && sig.expiration + skew < now) {
        result.result = 'policy';
        result.policy = 'expired';
        result.reason = `signature expired at ${isoTime(sig.expiration)} (x=)`;
        return;
      }
      if (sig.timestamp !== undefined && sig.timestamp > now + skew) {
        result.result = 'policy';
        result.policy = 'future';
        result.reason = `signature made in the future, at ${isoTime(sig.timestamp)} (t=)`;
        return;
      }
      // The field as signed: the b= value emptied (RFC 6376 §3.5 b=, §3.7).
      const from = colon + 1 + sig.bFrom;
      const to = colon + 1 + sig.bTo;
      const stripped = Buffer.concat([field.raw.subarray(0, from), field.raw.subarray(to)]);
      const keyName = `${sig.selector}._domainkey.${sig.domain}`;
      pending.push({
        sig,
        result,
        data: headerHashInput(fields, sig.headers, sig.headerCanon, stripped, fi),
        bodyHash: hashes.add(sig.bodyCanon, sig.hash, sig.bodyLength),
        key: lookup(keyName),
        keyName,
      });
    });
  };

  return {
    push(chunk) {
      if (failure !== undefined || chunk.length === 0) return;
      if (splitter.done) {
        hashes.update(chunk);
        return;
      }
      let at: number;
      try {
        at = splitter.push(chunk);
      } catch (e) {
        if (!(e instanceof DkimError)) throw e;
        failure = e.message;
        return;
      }
      if (at < 0) return;
      onHeader(splitFields(splitter.bytes()));
      if (at < chunk.length) hashes.update(chunk.subarray(at));
    },
    async end() {
      if (failure !== undefined) return [{ result: 'permerror', reason: failure, index: 0 }];
      if (!headerSeen) onHeader(splitFields(splitter.bytes()));
      hashes.end();
      const minBits = opts.minRsaBits ?? MIN_RSA_BITS;
      for (const p of pending) judge(p, await p.key, hashes, minBits);
      return results;
    },
  };
}

function describe(r: DkimResult, sig: Signature): void {
  r.domain = sig.domain;
  r.selector = sig.selector;
  r.algorithm = sig.algorithm;
  r.canonicalization = `${sig.headerCanon}/${sig.bodyCanon}`;
  r.signature = sig.b;
  if (sig.identity !== undefined) r.identity = sig.identity;
  if (sig.timestamp !== undefined) r.timestamp = sig.timestamp;
  if (sig.expiration !== undefined) r.expiration = sig.expiration;
  if (sig.bodyLength !== undefined) r.bodyLength = sig.bodyLength;
}

function isoTime(t: number): string {
  const d = new Date(t * 1000);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().replace('.000Z', 'Z');
}

/** The key record of a signature, or the verdict that ends its check. */
function keyFor(
  p: Pending,
  res: Resolution,
): { record: KeyRecord; key: KeyObject; bits: number } | Pick<DkimResult, 'result' | 'reason'> {
  const { sig, keyName } = p;
  if (res.kind === 'error') return { result: 'temperror', reason: `key lookup ${keyName}: ${res.reason}` };
  if (res.kind !== 'answer')
    return { result: 'permerror', reason: `no key record at ${keyName} (${res.kind})` };
  const txt = res.records.filter((r) => r.type === TYPE.TXT);
  if (txt.length === 0) return { result: 'permerror', reason: `no key record at ${keyName}` };
  if (txt.length > 1)
    return {
      result: 'permerror',
      reason: `${txt.length} TXT records at ${keyName}: a selector needs exactly one`,
    };
  const parsed = parseKeyRecord(txtString(txt[0]?.data as Uint8Array[]));
  if (!parsed.ok) return { result: 'permerror', reason: `${keyName}: ${parsed.reason}` };
  const record = parsed.record;
  if (record.revoked) return { result: 'permerror', reason: `${keyName}: the key is revoked (empty p=)` };
  if (record.keyType !== 'rsa' && record.keyType !== 'ed25519')
    return { result: 'permerror', reason: `${keyName}: unsupported key type k=${record.keyType}` };
  if (record.keyType !== sig.keyType)
    return {
      result: 'permerror',
      reason: `${keyName}: k=${record.keyType} key cannot check a=${sig.algorithm}`,
    };
  if (record.hashes && !record.hashes.includes(sig.hash))
    return {
      result: 'permerror',
      reason: `${keyName}: the key allows h=${record.hashes.join(':')}, not ${sig.hash}`,
    };
  if (!record.services.includes('*') && !record.services.includes('email'))
    return {
      result: 'permerror',
      reason: `${keyName}: the key is for s=${record.services.join(':')}, not email`,
    };
  if (record.flags.includes('s') && sig.identity !== undefined) {
    const idom = sig.identity.slice(sig.identity.lastIndexOf('@') + 1).toLowerCase();
    if (idom !== sig.domain.toLowerCase())
      return {
        result: 'permerror',
        reason: `${keyName}: the key has t=s, so i= must be in d= itself, not ${idom}`,
      };
  }
  const imported = importPublicKey(record.keyType, record.publicKey);
  if (!imported.ok) return { result: 'permerror', reason: `${keyName}: ${imported.reason}` };
  return { record, key: imported.key, bits: imported.bits };
}

function judge(p: Pending, res: Resolution, hashes: BodyHashes, minBits: number): void {
  const { sig, result } = p;
  const k = keyFor(p, res);
  if ('result' in k) {
    result.result = k.result;
    result.reason = k.reason;
    return;
  }
  if (k.record.flags.includes('y')) result.testing = true;
  result.keyBits = k.bits;
  const body = hashes.get(p.bodyHash);
  if (sig.bodyLength !== undefined) {
    if (sig.bodyLength > body.length) {
      result.result = 'fail';
      result.reason = `l=${sig.bodyLength} is longer than the body (${body.length} bytes)`;
      return;
    }
    result.bodyLengthUnsigned = body.length - sig.bodyLength;
  }
  if (!Buffer.from(body.digest).equals(Buffer.from(sig.bodyHash))) {
    result.result = 'fail';
    result.reason = 'body hash mismatch: the body was changed';
    return;
  }
  let ok: boolean;
  try {
    ok =
      sig.keyType === 'ed25519'
        ? cryptoVerify(null, createHash('sha256').update(p.data).digest(), k.key, sig.signature)
        : cryptoVerify(sig.hash, p.data, k.key, sig.signature);
  } catch {
    ok = false;
  }
  if (!ok) {
    result.result = 'fail';
    result.reason =
      'signature does not verify: a signed header field was changed, or the key is not the signer’s';
    return;
  }
  if (sig.algorithm === 'rsa-sha1') {
    result.result = 'policy';
    result.policy = 'rsa-sha1';
    result.reason = 'the rsa-sha1 signature verifies, but SHA-1 is not acceptable (RFC 8301 §3.1)';
    return;
  }
  if (sig.keyType === 'rsa' && k.bits < minBits) {
    result.result = 'policy';
    result.policy = 'short-key';
    result.reason = `the signature verifies, but the RSA key has ${k.bits} bits, under ${minBits} (RFC 8301 §3.2)`;
    return;
  }
  result.result = 'pass';
  result.reason =
    result.bodyLengthUnsigned !== undefined && result.bodyLengthUnsigned > 0
      ? `signature verified; l=: the last ${result.bodyLengthUnsigned} body bytes are not signed`
      : 'signature verified';
}

/** Verifies every signature of a message given whole or as chunks. */
export async function verify(
  message: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: VerifyOptions,
): Promise<DkimResult[]> {
  const v = createVerifier(opts);
  await feed(v, message);
  return v.end();
}
