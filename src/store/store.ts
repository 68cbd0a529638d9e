// The store: a git repository of plain-text files (docs/store.md) holding the hosted domains,
// users, aliases, DKIM keys, TSIG keys and zones. Reads come from a snapshot parsed at open
// and on reload; every change takes the lock, re-reads the files, writes them durably and
// makes one commit, or puts everything back as it was. A journal in the git directory names
// the files a change is writing: a change cut short by a crash is undone by the next writer.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import {
  generateKey as generateDkimKey,
  loadSigningKey,
  type SigningAlgorithm,
  type SigningKey,
} from '../dkim/index.js';
import {
  formatIP,
  generateKey as generateTsigKey,
  KEYS_FILE,
  nameKey,
  parseIP,
  parseKeysFile,
  type ScopedKey,
} from '../dns/index.js';
import { type GitRepo, initRepo, openRepo, readHead, writeFileDurably } from '../fs/index.js';
import { type Address, addressKey, formatAddress, parseAddress, parseDomain } from './address.js';
import { StoreError } from './errors.js';
import {
  type AliasEntry,
  type AliasKey,
  aliasKeyId,
  appendLine,
  describeProblems,
  formatAliasKey,
  formatAliasLine,
  formatTarget,
  formatUserLine,
  parseAliases,
  parseAliasKey,
  parseDomains,
  parseTarget,
  parseUsers,
  replaceLine,
  type Target,
  targetKey,
} from './files.js';
import { acquireLock, type LockOptions } from './lock.js';
import { checkPassword, DEFAULT_SCRYPT, hashPassword, type ScryptParams } from './password.js';
import {
  buildSnapshot,
  type Recipient,
  type ResolveLimits,
  resolveRecipient,
  type Snapshot,
} from './resolve.js';
import { buildZone, serialFor } from './zone.js';

/** Paths inside the store. */
export const STORE_FILES = Object.freeze({
  domains: 'domains',
  users: 'users',
  aliases: 'aliases',
  zones: 'zones',
  dkim: 'dkim',
  /** In the zones directory, where `poste dns serve --zones STORE/zones` reads it. */
  tsigKeys: `zones/${KEYS_FILE}`,
});

const LOCK_FILE = 'poste-store.lock';
const JOURNAL_FILE = 'poste-store.txn';

export interface StoreOptions {
  /** Make the directory a new store (git init) when it is not one yet. */
  create?: boolean;
  lock?: LockOptions;
  /** The clock (DKIM selectors, SOA serials). */
  now?: () => Date;
  /** scrypt parameters of new password hashes (default N=16384, r=8, p=1). */
  scrypt?: ScryptParams;
  resolveLimits?: ResolveLimits;
}

export interface Change {
  /** The commit made. */
  commit: string;
  /** Its message, e.g. "user add ada@example.org". */
  message: string;
}

export interface DomainOptions {
  /** The host of NS and MX (default mail.<domain>). */
  mxHost?: string | undefined;
  /** Its IPv4/IPv6 addresses (A/AAAA), when it is inside the domain. */
  ips?: readonly string[] | undefined;
}

export interface DomainAdded extends Change {
  domain: string;
  mxHost: string;
  /** Relative to the store. */
  zoneFile: string;
  dkim: { selector: string; algorithm: SigningAlgorithm; file: string; record: string }[];
  /** The name of the new TSIG key, in zones/tsig.keys. */
  tsigKey: string;
}

export interface DkimKey {
  domain: string;
  selector: string;
  algorithm: SigningAlgorithm;
  key: SigningKey;
  /** Relative to the store. */
  file: string;
}

export interface AliasInfo {
  /** local@domain, @domain (catch-all) or postmaster. */
  address: string;
  targets: string[];
}

interface Texts {
  domains: string;
  users: string;
  aliases: string;
}

interface Write {
  path: string;
  /** The new content; null removes the file. */
  data: string | Uint8Array | null;
}

/** Secrets are 0600: password hashes, private keys, TSIG secrets. */
function modeFor(path: string): number {
  return path === STORE_FILES.users ||
    path === STORE_FILES.tsigKeys ||
    path.startsWith(`${STORE_FILES.dkim}/`)
    ? 0o600
    : 0o644;
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '') ?? text;
}

/** Opens the store in `dir`; with `create`, makes it first when it is not a store yet. */
export async function openStore(dir: string, opts: StoreOptions = {}): Promise<Store> {
  return Store.open(dir, opts);
}

export class Store {
  readonly dir: string;
  readonly #repo: GitRepo;
  readonly #opts: StoreOptions;
  #texts: Texts = { domains: '', users: '', aliases: '' };
  #snap: Snapshot = buildSnapshot([], [], []);
  #signature = '';
  #dkim = new Map<string, Promise<DkimKey[]>>();

  private constructor(dir: string, repo: GitRepo, opts: StoreOptions) {
    this.dir = dir;
    this.#repo = repo;
    this.#opts = opts;
  }

  static async open(dir: string, opts: StoreOptions = {}): Promise<Store> {
    const abs = resolvePath(dir);
    const repoOpts = {
      identity: { name: 'poste store', email: 'store@localhost' },
      topLevel: true,
      commitConfig: ['core.fsync=committed'],
    };
    let repo = (await exists(abs)) ? await openRepo(abs, repoOpts) : undefined;
    if (!repo) {
      if (!opts.create) throw new StoreError('no-store', `${dir} is not a store (a git repository)`);
      try {
        repo = await initRepo(abs, repoOpts);
      } catch (e) {
        throw new StoreError('io', `cannot create a store in ${dir}: ${firstLine((e as Error).message)}`, {
          cause: e,
        });
      }
    }
    const store = new Store(abs, repo, opts);
    await store.reload();
    if ((await repo.head()) === undefined && opts.create) await store.#init();
    return store;
  }

  // -------------------------------------------------------------------------------------
  // Reading

  /** Hosted domains, in file order. */
  domains(): string[] {
    return [...this.#snap.domains];
  }

  /** User addresses, as written, in file order. */
  users(): string[] {
    return [...this.#snap.users.values()].map((u) => formatAddress(u.address));
  }

  aliases(): AliasInfo[] {
    return parseAliases(this.#texts.aliases).entries.map((a) => ({
      address: formatAliasKey(a.key),
      targets: a.targets.map(formatTarget),
    }));
  }

  /** Case-insensitive; a final dot and U-labels are fine. */
  isHostedDomain(domain: string): boolean {
    const d = parseDomain(domain);
    return d !== undefined && this.#snap.hosted.has(d);
  }

  hasUser(address: string): boolean {
    const a = parseAddress(address);
    return a !== undefined && this.#snap.users.has(addressKey(a));
  }

  /** Whether the password is the user's; an unknown user costs the same scrypt work. */
  verifyPassword(address: string, password: string): Promise<boolean> {
    const a = parseAddress(address);
    return checkPassword(password, a && this.#snap.users.get(addressKey(a))?.hash);
  }

  /** Where mail for the address goes (docs/store.md, "Resolving an address"). Never throws. */
  resolveRecipient(address: string): Recipient {
    return resolveRecipient(this.#snap, address, this.#opts.resolveLimits);
  }

  /**
   * The DKIM signing keys of a hosted domain, newest selector first (RSA before Ed25519 for
   * one date): `dkim/<domain>/<selector>.pem`. Throws StoreError bad-data for a key that
   * does not load.
   */
  dkimKeys(domain: string): Promise<DkimKey[]> {
    const d = parseDomain(domain);
    if (!d || !this.#snap.hosted.has(d)) return Promise.resolve([]);
    let keys = this.#dkim.get(d);
    if (!keys) {
      keys = this.#loadDkim(d);
      keys.catch(() => this.#dkim.delete(d));
      this.#dkim.set(d, keys);
    }
    return keys;
  }

  async #loadDkim(domain: string): Promise<DkimKey[]> {
    const dir = join(STORE_FILES.dkim, domain);
    let names: string[];
    try {
      names = (await fs.readdir(join(this.dir, dir))).filter((n) => n.endsWith('.pem')).sort();
    } catch {
      return [];
    }
    const keys: DkimKey[] = [];
    for (const name of names) {
      const file = `${dir}/${name}`;
      try {
        const key = loadSigningKey(await fs.readFile(join(this.dir, file)));
        const algorithm: SigningAlgorithm = key.type === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256';
        keys.push({ domain, selector: name.slice(0, -4), algorithm, key, file });
      } catch (e) {
        throw new StoreError('bad-data', `${file}: ${(e as Error).message}`, { cause: e });
      }
    }
    const date = (s: string) => s.replace(/^\D+/, '');
    return keys.sort(
      (a, b) =>
        date(b.selector).localeCompare(date(a.selector)) ||
        (a.key.type === b.key.type ? 0 : a.key.type === 'rsa' ? -1 : 1) ||
        a.selector.localeCompare(b.selector),
    );
  }

  /** The TSIG keys of zones/tsig.keys, with their scopes. */
  async tsigKeys(): Promise<ScopedKey[]> {
    const text = await readText(join(this.dir, STORE_FILES.tsigKeys));
    try {
      return parseKeysFile(text, STORE_FILES.tsigKeys);
    } catch (e) {
      throw new StoreError('bad-data', (e as Error).message, { cause: e });
    }
  }

  /** The commit HEAD points at. */
  head(): Promise<string | undefined> {
    return this.#repo.head();
  }

  /**
   * Reads the files again now. Throws StoreError bad-data (every bad line named) and keeps
   * the previous state when a file does not parse.
   */
  async reload(): Promise<void> {
    const signature = await this.#currentSignature();
    const [domains, users, aliases] = await Promise.all([
      readText(join(this.dir, STORE_FILES.domains)),
      readText(join(this.dir, STORE_FILES.users)),
      readText(join(this.dir, STORE_FILES.aliases)),
    ]);
    const d = parseDomains(domains);
    const u = parseUsers(users);
    const a = parseAliases(aliases);
    const problems = [
      describeProblems(STORE_FILES.domains, d.problems),
      describeProblems(STORE_FILES.users, u.problems),
      describeProblems(STORE_FILES.aliases, a.problems),
    ].filter((p) => p !== '');
    if (problems.length > 0) throw new StoreError('bad-data', problems.join('; '));
    this.#texts = { domains, users, aliases };
    this.#snap = buildSnapshot(
      d.entries.map((e) => e.domain),
      u.entries,
      a.entries,
    );
    this.#dkim.clear();
    this.#signature = signature;
  }

  /**
   * Reloads when another process changed the store since (HEAD moved, or domains, users
   * or aliases changed on disk): a few stat calls, cheap enough before every lookup burst.
   * Returns whether it reloaded.
   */
  async refresh(): Promise<boolean> {
    if ((await this.#currentSignature()) === this.#signature) return false;
    await this.reload();
    return true;
  }

  async #currentSignature(): Promise<string> {
    const parts = [(await readHead(this.#repo.gitDir)) ?? '-'];
    for (const f of [STORE_FILES.domains, STORE_FILES.users, STORE_FILES.aliases]) {
      const st = await fs.stat(join(this.dir, f)).catch(() => undefined);
      parts.push(st ? `${st.ino}:${st.size}:${st.mtimeMs}` : '-');
    }
    return parts.join('|');
  }

  // -------------------------------------------------------------------------------------
  // Changes: each one commit

  async #init(): Promise<void> {
    const start: [string, string][] = [
      [STORE_FILES.domains, '# hosted domains, one a line (poste domain add)\n'],
      [STORE_FILES.users, '# local@domain:$scrypt$… (poste user add)\n'],
      [
        STORE_FILES.aliases,
        '# local@domain: target, …   @domain: target   postmaster: target (poste alias add)\n',
      ],
    ];
    await this.#change(async () => ({
      message: 'store init',
      // Files already there (a directory made a store) are committed as they are.
      writes: await Promise.all(
        start.map(async ([path, text]) => ({
          path,
          data: (await exists(join(this.dir, path))) ? await fs.readFile(join(this.dir, path)) : text,
        })),
      ),
    }));
  }

  /** Adds a user of a hosted domain. */
  async addUser(address: string, password: string): Promise<Change> {
    const a = this.#address(address);
    const hash = await hashPassword(password, this.#opts.scrypt ?? DEFAULT_SCRYPT);
    return this.#change(async () => {
      this.#mustHost(a.domain, address);
      if (this.#snap.users.has(addressKey(a))) throw new StoreError('exists', `user ${address} exists`);
      return {
        message: `user add ${formatAddress(a)}`,
        writes: [{ path: STORE_FILES.users, data: appendLine(this.#texts.users, formatUserLine(a, hash)) }],
      };
    });
  }

  async deleteUser(address: string): Promise<Change> {
    const a = this.#address(address);
    return this.#change(async () => {
      const user = this.#user(a, address);
      return {
        message: `user del ${formatAddress(user.address)}`,
        writes: [{ path: STORE_FILES.users, data: replaceLine(this.#texts.users, user.index, undefined) }],
      };
    });
  }

  async setPassword(address: string, password: string): Promise<Change> {
    const a = this.#address(address);
    const hash = await hashPassword(password, this.#opts.scrypt ?? DEFAULT_SCRYPT);
    return this.#change(async () => {
      const user = this.#user(a, address);
      return {
        message: `user passwd ${formatAddress(user.address)}`,
        writes: [
          {
            path: STORE_FILES.users,
            data: replaceLine(this.#texts.users, user.index, formatUserLine(user.address, hash)),
          },
        ],
      };
    });
  }

  /**
   * Adds targets to an alias (made when missing): `local@domain`, `@domain` (catch-all) or
   * `postmaster`. A target in a hosted domain must resolve; a change that makes an alias
   * loop is refused.
   */
  async addAlias(address: string, targets: readonly string[]): Promise<Change> {
    const key = this.#aliasKey(address);
    const wanted = this.#targets(key, targets);
    if (wanted.length === 0) throw new StoreError('invalid', 'give at least one target');
    return this.#change(async () => {
      if (key.kind !== 'postmaster')
        this.#mustHost(key.kind === 'address' ? key.address.domain : key.domain, address);
      for (const t of wanted) {
        if (t.local === '' || !this.#snap.hosted.has(t.domain)) continue;
        const self = key.kind === 'address' && addressKey(key.address) === addressKey(t);
        if (
          self
            ? !this.#snap.users.has(addressKey(t))
            : this.resolveRecipient(formatAddress(t)).kind === 'unknown'
        )
          throw new StoreError('not-found', `no user or alias ${formatAddress(t)}`);
      }
      const existing = this.#aliasEntry(key);
      const have = new Set(existing?.targets.map(targetKey));
      const added = wanted.filter((t) => !have.has(targetKey(t)));
      if (added.length === 0) throw new StoreError('exists', `${address} already has ${targets.join(', ')}`);
      const line = formatAliasLine(key, [...(existing?.targets ?? []), ...added]);
      const text = existing
        ? replaceLine(this.#texts.aliases, existing.index, line)
        : appendLine(this.#texts.aliases, line);
      this.#refuseNewLoops(text);
      return {
        message: `alias add ${formatAliasKey(key)} -> ${added.map(formatTarget).join(', ')}`,
        writes: [{ path: STORE_FILES.aliases, data: text }],
      };
    });
  }

  /** Removes the given targets of an alias, or the whole alias when none is given (or none is left). */
  async deleteAlias(address: string, targets: readonly string[] = []): Promise<Change> {
    const key = this.#aliasKey(address);
    const gone = this.#targets(key, targets);
    return this.#change(async () => {
      const existing = this.#aliasEntry(key);
      if (!existing) throw new StoreError('not-found', `no alias ${address}`);
      const have = new Set(existing.targets.map(targetKey));
      const missing = gone.filter((t) => !have.has(targetKey(t)));
      if (missing.length > 0)
        throw new StoreError('not-found', `${address} has no target ${missing.map(formatTarget).join(', ')}`);
      const drop = new Set(gone.map(targetKey));
      const left = existing.targets.filter((t) => !drop.has(targetKey(t)));
      const line = gone.length === 0 || left.length === 0 ? undefined : formatAliasLine(key, left);
      const text = replaceLine(this.#texts.aliases, existing.index, line);
      this.#refuseNewLoops(text);
      return {
        message: `alias del ${formatAliasKey(key)}${gone.length > 0 ? ` -> ${gone.map(formatTarget).join(', ')}` : ''}`,
        writes: [{ path: STORE_FILES.aliases, data: text }],
      };
    });
  }

  /**
   * Hosts a new domain: DKIM keys (RSA 2048 `r<yyyymm>`, Ed25519 `e<yyyymm>`), a TSIG key
   * `update.<domain>.` scoped to its zone, and the zone `zones/<domain>.zone`.
   */
  async addDomain(domainText: string, opts: DomainOptions = {}): Promise<DomainAdded> {
    const domain = parseDomain(domainText);
    if (!domain) throw new StoreError('invalid', `not a domain name: ${domainText}`);
    const mxHost = opts.mxHost === undefined ? `mail.${domain}` : parseDomain(opts.mxHost);
    if (!mxHost) throw new StoreError('invalid', `not a host name: ${opts.mxHost}`);
    const ips = (opts.ips ?? []).map((ip) => {
      const bytes = parseIP(ip);
      if (!bytes) throw new StoreError('invalid', `not an IP address: ${ip}`);
      return formatIP(bytes);
    });
    if (ips.length > 0 && mxHost !== domain && !mxHost.endsWith(`.${domain}`))
      throw new StoreError(
        'invalid',
        `--ip: ${mxHost} is outside ${domain}, its addresses go in its own zone`,
      );
    const now = (this.#opts.now ?? (() => new Date()))();
    const month = now.toISOString().slice(0, 7).replace('-', '');
    // The slow part (an RSA key) before taking the lock.
    const [rsa, ed] = await Promise.all([generateDkimKey('rsa-2048'), generateDkimKey('ed25519')]);
    const keys = [
      { selector: `r${month}`, algorithm: 'rsa-sha256' as const, generated: rsa },
      { selector: `e${month}`, algorithm: 'ed25519-sha256' as const, generated: ed },
    ].map((k) => ({
      ...k,
      file: `${STORE_FILES.dkim}/${domain}/${k.selector}.pem`,
      record: k.generated.record,
    }));
    const tsig = generateTsigKey(`update.${domain}.`);
    const zoneFile = `${STORE_FILES.zones}/${domain}.zone`;
    const zone = buildZone({
      domain,
      mxHost,
      ips,
      dkim: keys.map((k) => ({ selector: k.selector, record: k.record })),
      serial: serialFor(now),
    });
    const change = await this.#change(async () => {
      if (this.#snap.hosted.has(domain)) throw new StoreError('exists', `${domain} is hosted already`);
      for (const f of [zoneFile, ...keys.map((k) => k.file)])
        if (await exists(join(this.dir, f))) throw new StoreError('exists', `${f} exists`);
      const keysText = await readText(join(this.dir, STORE_FILES.tsigKeys));
      let scoped: ScopedKey[];
      try {
        scoped = parseKeysFile(keysText, STORE_FILES.tsigKeys);
      } catch (e) {
        throw new StoreError('bad-data', (e as Error).message, { cause: e });
      }
      if (scoped.some((s) => nameKey(s.key.name) === nameKey(tsig.name)))
        throw new StoreError('exists', `TSIG key ${tsig.name} exists in ${STORE_FILES.tsigKeys}`);
      const keyLine = `${tsig.name} ${tsig.algorithm.slice(0, -1)} ${Buffer.from(tsig.secret).toString('base64')} ${domain}.`;
      return {
        message: `domain add ${domain}`,
        // The domain is listed last: a reader that sees it finds its keys and zone there.
        writes: [
          ...keys.map((k) => ({ path: k.file, data: k.generated.privateKeyPem })),
          { path: zoneFile, data: zone },
          { path: STORE_FILES.tsigKeys, data: appendLine(keysText, keyLine) },
          { path: STORE_FILES.domains, data: appendLine(this.#texts.domains, domain) },
        ],
      };
    });
    return {
      ...change,
      domain,
      mxHost,
      zoneFile,
      dkim: keys.map((k) => ({
        selector: k.selector,
        algorithm: k.algorithm,
        file: k.file,
        record: k.record,
      })),
      tsigKey: tsig.name,
    };
  }

  /**
   * Adds DKIM private keys of a hosted domain (a rotation): `dkim/<domain>/<selector>.pem`,
   * one commit. The zone is not touched: the signer publishes the records by DNS UPDATE.
   */
  async addDkimKeys(
    domainText: string,
    keys: readonly { selector: string; privateKeyPem: string }[],
  ): Promise<Change> {
    const domain = parseDomain(domainText);
    if (!domain) throw new StoreError('invalid', `not a domain name: ${domainText}`);
    if (keys.length === 0) throw new StoreError('invalid', 'give at least one key');
    for (const k of keys) {
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(k.selector))
        throw new StoreError('invalid', `not a selector: ${k.selector}`);
      try {
        loadSigningKey(k.privateKeyPem);
      } catch (e) {
        throw new StoreError('invalid', `${k.selector}: ${(e as Error).message}`, { cause: e });
      }
    }
    const files = keys.map((k) => ({ file: `${STORE_FILES.dkim}/${domain}/${k.selector}.pem`, k }));
    return this.#change(async () => {
      this.#mustHost(domain, domainText);
      for (const f of files)
        if (await exists(join(this.dir, f.file))) throw new StoreError('exists', `${f.file} exists`);
      return {
        message: `dkim add ${domain} ${keys.map((k) => k.selector).join(' ')}`,
        writes: files.map((f) => ({ path: f.file, data: f.k.privateKeyPem })),
      };
    });
  }

  /** Removes a DKIM private key of a domain (a retired selector), one commit. */
  async removeDkimKey(domainText: string, selector: string): Promise<Change> {
    const domain = parseDomain(domainText);
    if (!domain) throw new StoreError('invalid', `not a domain name: ${domainText}`);
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(selector))
      throw new StoreError('invalid', `not a selector: ${selector}`);
    const file = `${STORE_FILES.dkim}/${domain}/${selector}.pem`;
    return this.#change(async () => {
      if (!(await exists(join(this.dir, file)))) throw new StoreError('not-found', `no key ${file}`);
      return { message: `dkim del ${domain} ${selector}`, writes: [{ path: file, data: null }] };
    });
  }

  // -------------------------------------------------------------------------------------
  // Helpers of changes

  #address(text: string): Address {
    const a = parseAddress(text);
    if (!a) throw new StoreError('invalid', `not an address: ${text}`);
    return a;
  }

  #mustHost(domain: string, what: string): void {
    if (!this.#snap.hosted.has(domain))
      throw new StoreError(
        'not-hosted',
        `${domain} is not a hosted domain (${what}): poste domain add ${domain}`,
      );
  }

  #user(a: Address, text: string) {
    const user = this.#snap.users.get(addressKey(a));
    if (!user) throw new StoreError('not-found', `no user ${text}`);
    return user;
  }

  #aliasKey(text: string): AliasKey {
    const key = parseAliasKey(text);
    if (!key)
      throw new StoreError('invalid', `not an alias address (local@domain, @domain or postmaster): ${text}`);
    return key;
  }

  #targets(key: AliasKey, texts: readonly string[]): Target[] {
    return texts.map((t) => {
      const target = parseTarget(t, key);
      if (!target)
        throw new StoreError(
          'invalid',
          t.trim().startsWith('@')
            ? `@domain targets are for catch-all aliases only: ${t}`
            : `not an address: ${t}`,
        );
      return target;
    });
  }

  #aliasEntry(key: AliasKey): AliasEntry | undefined {
    const id = aliasKeyId(key);
    return parseAliases(this.#texts.aliases).entries.find((e) => aliasKeyId(e.key) === id);
  }

  /**
   * Throws StoreError loop when the aliases text makes an address loop (or nest too deep or
   * wide) that did not before. A target left dangling by a removal is allowed, as after
   * `user del`: the expansion reports it as unresolved.
   */
  #refuseNewLoops(aliasesText: string): void {
    const parsed = parseAliases(aliasesText);
    const after = buildSnapshot(this.#snap.domains, [...this.#snap.users.values()], parsed.entries);
    const probes = new Set<string>();
    for (const e of parsed.entries) if (e.key.kind === 'address') probes.add(formatAddress(e.key.address));
    for (const d of this.#snap.domains) {
      probes.add(`postmaster@${d}`);
      probes.add(`poste-probe-${randomBytes(4).toString('hex')}@${d}`);
    }
    for (const p of probes) {
      const r = resolveRecipient(after, p, this.#opts.resolveLimits);
      if (
        r.kind === 'error' &&
        r.cause !== 'nowhere' &&
        resolveRecipient(this.#snap, p, this.#opts.resolveLimits).kind !== 'error'
      )
        throw new StoreError('loop', `refused: ${r.reason}`);
    }
  }

  /**
   * One change: under the lock, with the files re-read, `plan` says what to write; the
   * files are written durably and committed, or restored when anything fails.
   */
  async #change(plan: () => Promise<{ message: string; writes: Write[] }>): Promise<Change> {
    const lock = await acquireLock(join(this.#repo.gitDir, LOCK_FILE), this.#opts.lock);
    try {
      await this.#recover();
      await this.reload();
      const { message, writes } = await plan();
      const paths = writes.map((w) => w.path);
      const old = await Promise.all(paths.map((p) => fs.readFile(join(this.dir, p)).catch(() => undefined)));
      const journal = join(this.#repo.gitDir, JOURNAL_FILE);
      await writeFileDurably(journal, `${JSON.stringify({ message, paths })}\n`, 0o600);
      let commit: string | undefined;
      try {
        for (const w of writes) {
          const file = join(this.dir, w.path);
          if (w.data === null) await fs.rm(file, { force: true });
          else {
            await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
            await writeFileDurably(file, w.data, modeFor(w.path));
          }
        }
        commit = await this.#repo.commit(paths, message);
      } catch (e) {
        await this.#restore(paths, old).catch(() => undefined);
        await fs.rm(journal, { force: true });
        throw new StoreError(
          'io',
          `${message}: failed, nothing changed: ${firstLine((e as Error).message)}`,
          {
            cause: e,
          },
        );
      }
      await fs.rm(journal, { force: true });
      await this.reload();
      return { commit: commit ?? '', message };
    } finally {
      await lock.release();
    }
  }

  /** Puts files back as they were (removing those that were not there) and unstages them. */
  async #restore(paths: string[], old: (Buffer | undefined)[]): Promise<void> {
    for (const [i, p] of paths.entries()) {
      const file = join(this.dir, p);
      const before = old[i];
      if (before === undefined) {
        await fs.rm(file, { force: true });
        await fs.rmdir(dirname(file)).catch(() => undefined); // a directory made for it, if empty
      } else await writeFileDurably(file, before, modeFor(p));
    }
    await this.#repo.git(['reset', '-q', '--', ...paths]).catch(() => undefined);
  }

  /** Undoes a change a crash cut short: its files back to HEAD's. */
  async #recover(): Promise<void> {
    const journal = join(this.#repo.gitDir, JOURNAL_FILE);
    let paths: string[];
    try {
      paths = (JSON.parse(await fs.readFile(journal, 'utf8')) as { paths: string[] }).paths;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      paths = [];
    }
    for (const p of paths) {
      const tracked = await this.#repo.git(['cat-file', '-e', `HEAD:${p}`]).then(
        () => true,
        () => false,
      );
      if (tracked) {
        await this.#repo.git(['checkout', '-q', 'HEAD', '--', p]);
        await fs.chmod(join(this.dir, p), modeFor(p));
      } else await fs.rm(join(this.dir, p), { force: true });
    }
    if (paths.length > 0) await this.#repo.git(['reset', '-q', '--', ...paths]).catch(() => undefined);
    await fs.rm(journal, { force: true });
  }
}
