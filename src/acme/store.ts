// The state of one certificate, kept in its directory: acme.json (what to ask for and where:
// directory, names, the primary and its TSIG key, the account URL; mode 0600 as it holds a
// secret), account.pem, key.pem and fullchain.pem. TLS services read key.pem and
// fullchain.pem; each is replaced atomically, the key before the chain that needs it.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../fs/index.js';

export interface AcmeConfig {
  directory: string;
  /** PEM file of an extra CA to trust for the directory's HTTPS (a test CA). */
  directoryCa?: string | undefined;
  names: string[];
  /** ADDR:PORT of the primary taking the challenge UPDATEs. */
  dnsUpdate: string;
  /** The TSIG key as NAME:SECRET or ALG:NAME:SECRET. */
  tsigKey: string;
  contact?: string[] | undefined;
  accountUrl?: string | undefined;
}

export const FILES = {
  config: 'acme.json',
  account: 'account.pem',
  key: 'key.pem',
  chain: 'fullchain.pem',
} as const;

export class AcmeStore {
  constructor(readonly dir: string) {}

  async readConfig(): Promise<AcmeConfig> {
    const text = await fs.readFile(join(this.dir, FILES.config), 'utf8');
    const c = JSON.parse(text) as AcmeConfig;
    if (!c.directory || !Array.isArray(c.names) || !c.dnsUpdate || !c.tsigKey) {
      throw new Error(`${join(this.dir, FILES.config)} lacks directory, names, dnsUpdate or tsigKey`);
    }
    return c;
  }

  async writeConfig(c: AcmeConfig): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileDurably(join(this.dir, FILES.config), `${JSON.stringify(c, null, 2)}\n`, 0o600);
  }

  /** The account key, created (P-256) on first use. */
  async accountKey(): Promise<KeyObject> {
    const file = join(this.dir, FILES.account);
    try {
      return createPrivateKey(await fs.readFile(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileDurably(file, key.export({ type: 'pkcs8', format: 'pem' }), 0o600);
    return key;
  }

  async saveAccountKey(key: KeyObject): Promise<void> {
    await writeFileDurably(
      join(this.dir, FILES.account),
      key.export({ type: 'pkcs8', format: 'pem' }),
      0o600,
    );
  }

  async readChain(): Promise<string | undefined> {
    try {
      return await fs.readFile(join(this.dir, FILES.chain), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Installs a new key and chain. A reader between the two renames sees the new key with
   * the old chain for an instant; TLS services reload on the chain's change, which is last. */
  async saveCertificate(certKey: KeyObject, fullchain: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileDurably(
      join(this.dir, FILES.key),
      certKey.export({ type: 'pkcs8', format: 'pem' }),
      0o600,
    );
    await writeFileDurably(join(this.dir, FILES.chain), fullchain, 0o644);
  }
}
