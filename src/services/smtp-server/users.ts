// The users file of `poste srv --users`: one "name:$scrypt$N=16384,r=8,p=1$SALT$HASH" line
// per user (salt and hash in base64), "#" comments; the store's users file is one too. The
// hashing (scrypt, constant-time comparison, an unknown user costing the same work as a
// wrong password) lives in the store (src/store/password.ts).
import { readFile } from 'node:fs/promises';
import { checkPassword, type PasswordHash, parsePasswordHash } from '../../store/index.js';

export { hashPassword, type ScryptParams } from '../../store/index.js';

export class Users {
  readonly #users: Map<string, PasswordHash>;

  private constructor(users: Map<string, PasswordHash>) {
    this.#users = users;
  }

  /** Parses the file's text; every bad line is reported at once, with its number. */
  static parse(text: string): Users {
    const users = new Map<string, PasswordHash>();
    const errors: string[] = [];
    text.split(/\r?\n/).forEach((line, i) => {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) return;
      const colon = t.indexOf(':');
      const name = colon > 0 ? t.slice(0, colon) : '';
      const entry = colon > 0 ? parsePasswordHash(t.slice(colon + 1)) : undefined;
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
    return checkPassword(password, this.#users.get(name.toLowerCase()));
  }
}
