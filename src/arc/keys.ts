// Keys for ARC signatures: the DKIM key record at <s>._domainkey.<d> (RFC 8617 §4.1.2,
// §4.1.3 use DKIM's), looked up once per name, read with src/dkim, and the signature checked.
import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { importPublicKey, MIN_RSA_BITS, parseKeyRecord } from '../dkim/index.js';
import { type Resolution, type Resolver, TYPE, txtString } from '../dns/index.js';
import type { ArcAlgorithm } from './fields.js';
import type { ArcSignatureResult } from './types.js';

export type KeyLookup = (selector: string, domain: string) => Promise<Resolution>;

/** Lookups shared by every signature of a message (a chain often reuses one key). */
export function keyLookup(resolver: Resolver): KeyLookup {
  const cache = new Map<string, Promise<Resolution>>();
  return (selector, domain) => {
    const name = `${selector}._domainkey.${domain}`;
    const k = name.toLowerCase();
    let p = cache.get(k);
    if (!p) {
      p = Promise.resolve()
        .then(() => resolver.resolve(name, TYPE.TXT))
        .catch(
          (e: unknown): Resolution => ({ kind: 'error', reason: e instanceof Error ? e.message : String(e) }),
        );
      cache.set(k, p);
    }
    return p;
  };
}

export type KeyVerdict =
  | { ok: true; key: KeyObject }
  | { ok: false; result: Pick<ArcSignatureResult, 'result' | 'reason'> };

/** The public key from a lookup's answer, judged as RFC 6376 §6.1.2 and RFC 8301 say. */
export function keyFrom(
  res: Resolution,
  name: string,
  algorithm: ArcAlgorithm,
  minRsaBits = MIN_RSA_BITS,
): KeyVerdict {
  const no = (result: ArcSignatureResult['result'], reason: string): KeyVerdict => ({
    ok: false,
    result: { result, reason },
  });
  if (res.kind === 'error') return no('temperror', `key lookup ${name}: ${res.reason}`);
  if (res.kind !== 'answer') return no('permerror', `no key record at ${name} (${res.kind})`);
  const txt = res.records.filter((r) => r.type === TYPE.TXT);
  if (txt.length !== 1) return no('permerror', `${txt.length} TXT records at ${name}: a selector needs one`);
  const parsed = parseKeyRecord(txtString(txt[0]?.data as Uint8Array[]));
  if (!parsed.ok) return no('permerror', `${name}: ${parsed.reason}`);
  const record = parsed.record;
  if (record.revoked) return no('permerror', `${name}: the key is revoked (empty p=)`);
  const keyType = algorithm === 'ed25519-sha256' ? 'ed25519' : 'rsa';
  if (record.keyType !== keyType)
    return no('permerror', `${name}: k=${record.keyType} key cannot check a=${algorithm}`);
  if (record.hashes && !record.hashes.includes('sha256'))
    return no('permerror', `${name}: the key allows h=${record.hashes.join(':')}, not sha256`);
  if (!record.services.includes('*') && !record.services.includes('email'))
    return no('permerror', `${name}: the key is for s=${record.services.join(':')}, not email`);
  const imported = importPublicKey(record.keyType, record.publicKey);
  if (!imported.ok) return no('permerror', `${name}: ${imported.reason}`);
  if (keyType === 'rsa' && imported.bits < minRsaBits)
    return no('fail', `${name}: RSA key of ${imported.bits} bits, under ${minRsaBits} (RFC 8301)`);
  return { ok: true, key: imported.key };
}

/** Checks a signature over `data` (the header hash input). */
export function checkSignature(
  algorithm: ArcAlgorithm,
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return algorithm === 'ed25519-sha256'
      ? cryptoVerify(null, createHash('sha256').update(data).digest(), key, signature)
      : cryptoVerify('sha256', data, key, signature);
  } catch {
    return false;
  }
}
