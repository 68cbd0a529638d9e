// The users file of `poste srv --users`: one "name:$scrypt$N=16384,r=8,p=1$SALT$HASH" line
// per user (salt and hash in base64), "#" comments. scrypt from node:crypto; comparison in
// constant time; an unknown user costs the same work as a wrong password.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

const DEFAULT: ScryptParams = { N: 16384, r: 8, p: 1 };
const KEYLEN = 32;

interface Entry {
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

export async function hashPassword(password: string, params: ScryptParams = DEFAULT): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, params);
  return `$scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function parseHash(text: string): Entry | undefined {
  const m = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(text);
  if (!m) return undefined;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // N a power of two, and bounds that keep a bad file from exhausting memory.
  if (
    params.N < 2 ||
    params.N > 2 ** 20 ||
    (params.N & (params.N - 1)) !== 0 ||
    params.r > 32 ||
    params.p > 16
  ) {
    return undefined;
  }
  const hash = Buffer.from(m[5] as string, 'base64');
  if (hash.length < 16) return undefined;
  return { params, salt: Buffer.from(m[4] as string, 'base64'), hash };
}

export class Users {
  readonly #users: Map<string, Entry>;
  readonly #dummy: Entry = { params: DEFAULT, salt: Buffer.alloc(16), hash: Buffer.alloc(KEYLEN) };

  private constructor(users: Map<string, Entry>) {
    this.#users = users;
  }

  /** Parses the file's text; every bad line is reported at once, with its number. */
  static parse(text: string): Users {
    const users = new Map<string, Entry>();
    const errors: string[] = [];
    text.split(/\r?\n/).forEach((line, i) => {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) return;
      const colon = t.indexOf(':');
      const name = colon > 0 ? t.slice(0, colon) : '';
      const entry = colon > 0 ? parseHash(t.slice(colon + 1)) : undefined;
      if (!name || !entry) errors.push(`line ${i + 1}: expected name:$scrypt$N=…,r=…,p=…$SALT$HASH`);
      else users.set(name.toLowerCase(), entry);
    });
    if (errors.length) throw new Error(errors.join('; '));
    return new Users(users);
  }

  static async load(path: string): Promise<Users> {
    return Users.parse(await readFile(path, 'utf8'));
  }

  has(name: string): boolean {
    return this.#users.has(name.toLowerCase());
  }

  get size(): number {
    return this.#users.size;
  }

  async verify(name: string, password: string): Promise<boolean> {
    const e = this.#users.get(name.toLowerCase());
    const entry = e ?? this.#dummy;
    const key = await derive(password, entry.salt, entry.params, entry.hash.length);
    return timingSafeEqual(key, entry.hash) && e !== undefined;
  }
}
