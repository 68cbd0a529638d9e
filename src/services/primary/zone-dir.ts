// The zones directory: one master file per zone (`example.org.zone` holds example.org.),
// plus an optional `tsig.keys`. Loaded at start, polled for changes (an edit or a commit by
// hand is served within a poll interval, no restart), and written back atomically after an
// update (file and directory fsynced, then one git commit when the directory is a repository).
import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import {
  Catalog,
  formatZone,
  KEYS_FILE,
  type KeyPolicy,
  keyPolicy,
  normalizeName,
  parseKeysFile,
  parseZone,
  type TsigKey,
  Zone,
} from '../../dns/index.js';
import { type GitRepo, openRepo, writeFileDurably } from '../../fs/index.js';
import type { Logger } from '../log.js';

interface Loaded {
  file: string;
  signature: string;
  defaultTtl?: number | undefined;
}

export interface ZoneDirOptions {
  dir: string;
  log: Logger;
  /** Keys from the command line: they may transfer and update every zone. */
  globalKeys: TsigKey[];
  /**
   * Called after a zone was added, changed or removed (NOTIFY, caches, UDP workers); an
   * update is answered only once what it returns has settled.
   */
  onChange?: (origin: string, zone: Zone | undefined) => void | Promise<void>;
  /** A read-only copy (a UDP worker's): no git, never written; the leader says when to rescan. */
  replica?: boolean;
}

export class ZoneDir {
  readonly catalog = new Catalog();
  policy: KeyPolicy;
  private loaded = new Map<string, Loaded>();
  private keysSignature = '';
  private repo: GitRepo | undefined;
  private head: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly opts: ZoneDirOptions) {
    this.policy = keyPolicy(opts.globalKeys, []);
  }

  get isRepo(): boolean {
    return this.repo !== undefined;
  }

  /** Loads every zone; a zone that fails to parse is logged and left out (the others are served). */
  async start(pollMs = 1000): Promise<void> {
    this.repo = this.opts.replica ? undefined : await openRepo(this.opts.dir);
    this.head = await this.repo?.head();
    await this.scan();
    if (pollMs > 0) this.timer = setInterval(() => void this.poll(), pollMs);
    this.timer?.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One poll: rescan when any file changed or HEAD moved. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const head = await this.repo?.head();
      if (head !== this.head) {
        this.opts.log('git-head-moved', { from: this.head ?? null, to: head ?? null });
        this.head = head;
      }
      await this.scan();
    } catch (err) {
      this.opts.log('poll-failed', { error: (err as Error).message });
    } finally {
      this.polling = false;
    }
  }

  private async scan(): Promise<void> {
    const names = await fs.readdir(this.opts.dir);
    const seen = new Set<string>();
    for (const name of names) {
      if (!name.endsWith('.zone') || name.startsWith('.')) continue;
      const file = join(this.opts.dir, name);
      let origin: string;
      try {
        origin = originOfFile(name);
      } catch (err) {
        this.opts.log('zone-skipped', { file, error: (err as Error).message });
        continue;
      }
      seen.add(origin.toLowerCase());
      const signature = await fileSignature(file);
      if (signature === undefined || this.loaded.get(origin.toLowerCase())?.signature === signature) continue;
      await this.loadZone(origin, file, signature);
    }
    for (const [key, l] of this.loaded) {
      if (seen.has(key)) continue;
      this.loaded.delete(key);
      const z = this.catalog.get(key);
      this.catalog.delete(key);
      this.opts.log('zone-removed', { zone: z?.origin ?? key, file: l.file });
      await this.opts.onChange?.(z?.origin ?? key, undefined);
    }
    await this.loadKeys();
  }

  private async loadZone(origin: string, file: string, signature: string): Promise<void> {
    const key = origin.toLowerCase();
    try {
      const text = await fs.readFile(file, 'utf8');
      const parsed = parseZone(text, { origin, file: basename(file) });
      const zone = new Zone(origin, parsed.records);
      void zone.soa; // a zone without SOA is refused here, not at the first query
      const before = this.catalog.get(origin);
      this.catalog.set(zone);
      this.loaded.set(key, { file, signature, defaultTtl: parsed.defaultTtl });
      this.opts.log(before ? 'zone-reloaded' : 'zone-loaded', {
        zone: origin,
        serial: zone.serial,
        records: zone.size,
      });
      await this.opts.onChange?.(origin, zone);
    } catch (err) {
      // Keep serving the previous version; remember the signature so we do not log every poll.
      const prev = this.loaded.get(key);
      this.loaded.set(key, { file, signature, defaultTtl: prev?.defaultTtl });
      this.opts.log('zone-load-failed', { zone: origin, file, error: (err as Error).message });
    }
  }

  private async loadKeys(): Promise<void> {
    const file = join(this.opts.dir, KEYS_FILE);
    const signature = (await fileSignature(file)) ?? '';
    if (signature === this.keysSignature) return;
    this.keysSignature = signature;
    try {
      const scoped = signature === '' ? [] : parseKeysFile(await fs.readFile(file, 'utf8'), KEYS_FILE);
      this.policy = keyPolicy(this.opts.globalKeys, scoped);
      this.opts.log('keys-loaded', { file: KEYS_FILE, keys: scoped.length });
    } catch (err) {
      this.opts.log('keys-load-failed', { file: KEYS_FILE, error: (err as Error).message });
    }
  }

  /**
   * Makes an updated zone durable and current: the master file is replaced atomically
   * (written, fsynced, renamed, directory fsynced), committed when in git, then served.
   */
  async commitZone(zone: Zone, message: string): Promise<void> {
    if (this.opts.replica) throw new Error('a replica of the zones directory is never written');
    const key = zone.origin.toLowerCase();
    const prev = this.loaded.get(key);
    const file = prev?.file ?? join(this.opts.dir, fileOfOrigin(zone.origin));
    const text = formatZone({
      origin: zone.origin,
      defaultTtl: prev?.defaultTtl,
      records: [...zone.records()],
    });
    await writeFileDurably(file, text);
    this.loaded.set(key, {
      file,
      signature: (await fileSignature(file)) ?? '',
      defaultTtl: prev?.defaultTtl,
    });
    if (this.repo) {
      const commit = await this.repo.commit([basename(file)], message);
      this.head = commit;
      this.opts.log('zone-committed', { zone: zone.origin, serial: zone.serial, commit: commit ?? null });
    }
    this.catalog.set(zone);
    await this.opts.onChange?.(zone.origin, zone);
  }
}

/** The zone a file holds: `example.org.zone` holds example.org.; `root.zone` the root, as IANA names it. */
export function originOfFile(name: string): string {
  const stem = name.slice(0, -'.zone'.length);
  return stem === 'root' ? '.' : normalizeName(`${stem}.`);
}

export function fileOfOrigin(origin: string): string {
  return origin === '.' ? 'root.zone' : `${origin.slice(0, -1)}.zone`;
}

/** Size, mtime and inode: enough to notice an edit, a rename over it, or a checkout. */
async function fileSignature(file: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(file);
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return undefined;
  }
}
