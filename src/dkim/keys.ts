// Private keys for signing: loading (PEM PKCS#8 or PKCS#1, or dkimpy's bare base64 Ed25519
// seed), generation, and the public half as a key record in zone-file syntax.
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { DkimError, type KeyType, type SigningAlgorithm } from './types.js';

export interface SigningKey {
  type: KeyType;
  /** RSA modulus bits; 256 for Ed25519. */
  bits: number;
  key: KeyObject;
}

/** RSA keys under this many bits are refused (RFC 8301 §3.2). */
export const MIN_RSA_BITS = 1024;

// DER prefixes around a raw 32-byte Ed25519 key (RFC 8410): PKCS#8 private, SPKI public.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
export const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function text(data: string | Uint8Array): string {
  return typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
}

/**
 * Keys read from text, by that text: importing an RSA key costs OpenSSL about as much as a
 * signature with it (0.75 ms against 1 ms here), and a caller that passes the same PEM for
 * every message would pay it each time. The most recently used last.
 */
const loaded = new Map<string, SigningKey>();
const LOADED_MAX = 32;

/** Reads a private key; throws DkimError (bad-key, weak-key) for anything else. */
export function loadSigningKey(data: string | Uint8Array | KeyObject): SigningKey {
  if (typeof data === 'object' && 'asymmetricKeyType' in data) return checkSigningKey(data as KeyObject);
  const s = text(data as string | Uint8Array).trim();
  const hit = loaded.get(s);
  if (hit) {
    loaded.delete(s);
    loaded.set(s, hit);
    return hit;
  }
  const k = checkSigningKey(importSigningKey(s));
  loaded.set(s, k);
  if (loaded.size > LOADED_MAX) loaded.delete(loaded.keys().next().value as string);
  return k;
}

function importSigningKey(s: string): KeyObject {
  let key: KeyObject;
  try {
    if (s.includes('-----BEGIN')) {
      if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(s))
        throw new DkimError('bad-key', 'this is a public key; signing needs the private key');
      if (s.includes('ENCRYPTED')) throw new DkimError('bad-key', 'encrypted private keys are not supported');
      key = createPrivateKey(s);
    } else {
      const der = Buffer.from(s.replace(/\s+/g, ''), 'base64');
      key =
        der.length === 32
          ? createPrivateKey({
              key: Buffer.concat([ED25519_PKCS8_PREFIX, der]),
              format: 'der',
              type: 'pkcs8',
            })
          : createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    }
  } catch (e) {
    if (e instanceof DkimError) throw e;
    throw new DkimError('bad-key', `not a private key: ${(e as Error).message}`);
  }
  return key;
}

function checkSigningKey(key: KeyObject): SigningKey {
  if (key.type !== 'private') throw new DkimError('bad-key', 'signing needs a private key');
  if (key.asymmetricKeyType === 'ed25519') return { type: 'ed25519', bits: 256, key };
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new DkimError(
        'weak-key',
        `RSA key of ${bits} bits: DKIM needs at least ${MIN_RSA_BITS} (RFC 8301)`,
      );
    return { type: 'rsa', bits, key };
  }
  throw new DkimError(
    'bad-key',
    `unsupported key type ${key.asymmetricKeyType}: DKIM signs with RSA or Ed25519 keys`,
  );
}

export function defaultAlgorithm(type: KeyType): SigningAlgorithm {
  return type === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256';
}

/** The key record (TXT value) publishing the public half: `v=DKIM1; k=rsa; p=…`. */
export function publicKeyRecord(key: SigningKey | KeyObject): string {
  const k = 'key' in key ? key.key : key;
  const spki = createPublicKey(k).export({ format: 'der', type: 'spki' });
  if (k.asymmetricKeyType === 'ed25519') {
    // RFC 8463 §4.2: p= is the bare 32-byte public key, not SubjectPublicKeyInfo.
    return `v=DKIM1; k=ed25519; p=${spki.subarray(ED25519_SPKI_PREFIX.length).toString('base64')}`;
  }
  return `v=DKIM1; k=rsa; p=${spki.toString('base64')}`;
}

export type KeygenAlgorithm = 'rsa-2048' | 'rsa-4096' | 'ed25519';

export interface GeneratedKey {
  algorithm: KeygenAlgorithm;
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  key: SigningKey;
  /** The TXT value to publish at `<selector>._domainkey.<domain>`. */
  record: string;
}

const generate = promisify(generateKeyPair);

export async function generateKey(algorithm: KeygenAlgorithm): Promise<GeneratedKey> {
  const pair =
    algorithm === 'ed25519'
      ? await generate('ed25519')
      : await generate('rsa', {
          modulusLength: algorithm === 'rsa-4096' ? 4096 : 2048,
          publicExponent: 65537,
        });
  const privateKeyPem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const key = loadSigningKey(pair.privateKey);
  return { algorithm, privateKeyPem, key, record: publicKeyRecord(key) };
}

/**
 * The record in zone-file syntax, its TXT value cut into character-strings of at most 255
 * bytes (RFC 1035 §3.3.14; resolvers join them, RFC 6376 §3.6.2.2).
 */
export function zoneTxtRecord(selector: string, domain: string, record: string, ttl = 3600): string {
  const owner = `${selector}._domainkey.${domain.replace(/\.$/, '')}.`;
  const strings: string[] = [];
  for (let i = 0; i < record.length; i += 255) strings.push(`"${record.slice(i, i + 255)}"`);
  if (strings.length === 1) return `${owner}\t${ttl}\tIN\tTXT\t${strings[0]}\n`;
  return `${owner}\t${ttl}\tIN\tTXT\t( ${strings.join('\n\t\t\t\t')} )\n`;
}
