// Key records (RFC 6376 §3.6.1, RFC 8463 §4.2): the TXT value at <selector>._domainkey.<d>,
// read into a usable public key or a permerror reason.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ED25519_SPKI_PREFIX } from './keys.js';
import { colonList, parseTagList, stripWs } from './tag-list.js';

export interface KeyRecord {
  /** k=, default rsa; other values are kept so that the check against a= can name them. */
  keyType: string;
  /** h=: acceptable hash algorithms; undefined means any. */
  hashes?: string[];
  /** s=: service types, default ["*"]. */
  services: string[];
  /** t= flags: y (testing), s (i= must be in d= exactly). */
  flags: string[];
  /** p= decoded; empty when the key is revoked. */
  publicKey: Uint8Array;
  revoked: boolean;
}

export type ParsedKeyRecord = { ok: true; record: KeyRecord } | { ok: false; reason: string };

export function parseKeyRecord(text: string): ParsedKeyRecord {
  const list = parseTagList(text);
  if (!list.ok) return { ok: false, reason: `key record syntax: ${list.reason}` };
  const tags = list.tags;
  const v = tags.get('v');
  if (v) {
    if (v.value !== 'DKIM1') return { ok: false, reason: `key record version v=${v.value} is not DKIM1` };
    if (tags.keys().next().value !== 'v')
      return { ok: false, reason: 'v= is not the first tag of the key record' };
  }
  const p = tags.get('p');
  if (!p) return { ok: false, reason: 'the key record has no p= tag' };
  const b64 = stripWs(p.value);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return { ok: false, reason: 'p= is not base64' };
  const record: KeyRecord = {
    keyType: tags.get('k')?.value ?? 'rsa',
    services: tags.has('s') ? colonList(tags.get('s')?.value as string) : ['*'],
    flags: tags.has('t') ? colonList(tags.get('t')?.value as string) : [],
    publicKey: Buffer.from(b64, 'base64'),
    revoked: b64.length === 0,
  };
  const h = tags.get('h');
  if (h) record.hashes = colonList(h.value);
  return { ok: true, record };
}

export type ImportedKey = { ok: true; key: KeyObject; bits: number } | { ok: false; reason: string };

// Parsing a public key costs more than verifying a signature with it, and a receiver sees
// the same few keys again and again: the last ones imported are kept (keyed by their bytes).
const CACHE_SIZE = 256;
const cache = new Map<string, ImportedKey>();

/** The public key of a record, for k=rsa (SubjectPublicKeyInfo, or a bare RSAPublicKey) or k=ed25519. */
export function importPublicKey(keyType: string, data: Uint8Array): ImportedKey {
  const id = `${keyType}:${Buffer.from(data.buffer, data.byteOffset, data.length).toString('base64')}`;
  let k = cache.get(id);
  if (k) {
    cache.delete(id); // most recently used last
  } else {
    k = importUncached(keyType, data);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  cache.set(id, k);
  return k;
}

function importUncached(keyType: string, data: Uint8Array): ImportedKey {
  const der = Buffer.from(data.buffer, data.byteOffset, data.length);
  if (keyType === 'ed25519') {
    // RFC 8463 §4.2: the bare 32-byte key; a wrapped one is not valid.
    if (der.length !== 32) return { ok: false, reason: `Ed25519 key of ${der.length} bytes (needs 32)` };
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, der]),
      format: 'der',
      type: 'spki',
    });
    return { ok: true, key, bits: 256 };
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    // RFC 6376 §3.6.1 names RSAPublicKey; SubjectPublicKeyInfo is what everyone publishes.
    try {
      key = createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
    } catch {
      return { ok: false, reason: 'p= is not an RSA public key' };
    }
  }
  if (key.asymmetricKeyType !== 'rsa')
    return { ok: false, reason: `p= holds a ${key.asymmetricKeyType} key, not RSA` };
  return { ok: true, key, bits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
}
