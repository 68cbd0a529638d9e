// Password hashes: "$scrypt$N=16384,r=8,p=1$SALT$HASH" (salt and hash in base64), the text
// of the users file of the store and of `poste srv --users`. scrypt from node:crypto;
// comparison in constant time; checking against no hash at all costs the same work, so an
// unknown user cannot be told from a wrong password by timing.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 16384, r: 8, p: 1 });
const KEYLEN = 32;

export interface PasswordHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, params: ScryptParams, keylen = KEYLEN): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      keylen,
      { ...params, maxmem: 256 * params.N * params.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** A new hash of the password, with a random salt: `$scrypt$N=…,r=…,p=…$SALT$HASH`. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, params);
  return `$scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Reads a hash; undefined when it is not one we accept (never throws). */
export function parsePasswordHash(text: string): PasswordHash | undefined {
  const m = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(text);
  if (!m) return undefined;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // N a power of two, and bounds that keep a bad file from exhausting memory.
  if (
    params.N < 2 ||
    params.N > 2 ** 20 ||
    (params.N & (params.N - 1)) !== 0 ||
    params.r < 1 ||
    params.r > 32 ||
    params.p < 1 ||
    params.p > 16
  ) {
    return undefined;
  }
  const hash = Buffer.from(m[5] as string, 'base64');
  if (hash.length < 16) return undefined;
  return { params, salt: Buffer.from(m[4] as string, 'base64'), hash };
}

const DUMMY: PasswordHash = {
  params: { ...DEFAULT_SCRYPT },
  salt: Buffer.alloc(16),
  hash: Buffer.alloc(KEYLEN),
};

/**
 * Whether the password matches the hash, compared in constant time. With no hash (an
 * unknown user) the same scrypt work is done against a dummy and the answer is false.
 */
export async function checkPassword(password: string, entry: PasswordHash | undefined): Promise<boolean> {
  const e = entry ?? DUMMY;
  const key = await derive(password, e.salt, e.params, e.hash.length);
  return timingSafeEqual(key, e.hash) && entry !== undefined;
}
