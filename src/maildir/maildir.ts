// A maildir on disk: delivery that is durable before it is acknowledged, listing, reading
// and flag changes. Delivery writes tmp/NAME, fsyncs it, renames it into new/ and fsyncs
// new/ — the order qmail's spec and every MTA's "250 OK" rely on. Directory fsyncs of
// concurrent deliveries are grouped: one fsync covers every rename done before it started.
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DirSyncer } from '../fs/index.js';
import { changeFlags, parseName, uniqueName, withFlags } from './names.js';

export interface MaildirOptions {
  /** The host part of new names (default: the machine's name). */
  host?: string;
  pid?: number;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Skip fsync (tests, tmpfs); deliveries are then not crash-safe. */
  fsync?: boolean;
}

export interface MaildirEntry {
  /** The file name, info included. */
  name: string;
  unique: string;
  folder: 'new' | 'cur';
  flags: string;
  path: string;
  size: number;
  mtime: Date;
}

export class MaildirError extends Error {
  readonly code: 'ENOTMAILDIR' | 'ENOMSG' | 'EAMBIGUOUS' | 'EBADFLAGS';
  constructor(code: MaildirError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MaildirError';
    this.code = code;
  }
}

/** A delivery in progress: chunks go to tmp/, `commit` makes it durable in new/. */
export interface Delivery {
  readonly name: string;
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<{ name: string; path: string; size: number }>;
  abort(): Promise<void>;
}

let seq = 0;

export class Maildir {
  readonly dir: string;
  readonly #host: string;
  readonly #pid: number;
  readonly #now: () => number;
  readonly #fsync: boolean;
  readonly #syncers = new Map<string, DirSyncer>();

  constructor(dir: string, opts: MaildirOptions = {}) {
    this.dir = dir;
    this.#host = opts.host ?? hostname();
    this.#pid = opts.pid ?? process.pid;
    this.#now = opts.now ?? Date.now;
    this.#fsync = opts.fsync !== false;
  }

  /** Creates DIR/{tmp,new,cur} as needed (mode 0700), and the maildir object. */
  static async create(dir: string, opts: MaildirOptions = {}): Promise<Maildir> {
    for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
    return new Maildir(dir, opts);
  }

  /** Fails with ENOTMAILDIR unless tmp, new and cur are directories. */
  async check(): Promise<void> {
    for (const sub of ['tmp', 'new', 'cur']) {
      try {
        if (!(await stat(join(this.dir, sub))).isDirectory()) throw new Error(`${sub} is not a directory`);
      } catch (err) {
        throw new MaildirError('ENOTMAILDIR', `${this.dir} is not a maildir (no ${sub}/)`, { cause: err });
      }
    }
  }

  newName(): string {
    return uniqueName({ ms: this.#now(), pid: this.#pid, seq: seq++, host: this.#host });
  }

  async begin(): Promise<Delivery> {
    const name = this.newName();
    const tmp = join(this.dir, 'tmp', name);
    const fh: FileHandle = await open(tmp, 'wx', 0o600);
    let size = 0;
    let closed = false;
    const close = async () => {
      if (!closed) {
        closed = true;
        await fh.close();
      }
    };
    return {
      name,
      write: async (chunk) => {
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
        size += chunk.length;
      },
      commit: async () => {
        try {
          if (this.#fsync) await fh.sync();
        } finally {
          await close();
        }
        const path = join(this.dir, 'new', name);
        await rename(tmp, path);
        if (this.#fsync) await this.#syncDir(join(this.dir, 'new'));
        return { name, path, size };
      },
      abort: async () => {
        await close();
        await unlink(tmp).catch(() => {});
      },
    };
  }

  /** Delivers a whole message (bytes or a stream of chunks). */
  async deliver(
    message: Uint8Array | AsyncIterable<Uint8Array>,
  ): Promise<{ name: string; path: string; size: number }> {
    const d = await this.begin();
    try {
      if (message instanceof Uint8Array) await d.write(message);
      else for await (const c of message) await d.write(c);
      return await d.commit();
    } catch (err) {
      await d.abort();
      throw err;
    }
  }

  #syncDir(dir: string): Promise<void> {
    let s = this.#syncers.get(dir);
    if (!s) {
      s = new DirSyncer(dir);
      this.#syncers.set(dir, s);
    }
    return s.sync();
  }

  /** Messages in new/ and cur/, oldest first (by name, whose first field is the time). */
  async list(): Promise<MaildirEntry[]> {
    await this.check();
    const out: MaildirEntry[] = [];
    for (const folder of ['new', 'cur'] as const) {
      for (const name of await readdir(join(this.dir, folder))) {
        if (name.startsWith('.')) continue;
        const path = join(this.dir, folder, name);
        const st = await stat(path).catch(() => undefined);
        if (!st?.isFile()) continue;
        const { unique, flags } = parseName(name);
        out.push({ name, unique, folder, flags, path, size: st.size, mtime: st.mtime });
      }
    }
    return out.sort((a, b) => compareNames(a.unique, b.unique));
  }

  /** The message named by its unique part, its full name, or a unique prefix of either. */
  async find(key: string): Promise<MaildirEntry> {
    const all = await this.list();
    const exact = all.filter((e) => e.name === key || e.unique === key);
    const hits = exact.length ? exact : all.filter((e) => e.name.startsWith(key));
    if (hits.length === 0) throw new MaildirError('ENOMSG', `no message ${key} in ${this.dir}`);
    if (hits.length > 1)
      throw new MaildirError('EAMBIGUOUS', `${key} names ${hits.length} messages in ${this.dir}`);
    return hits[0] as MaildirEntry;
  }

  read(entry: MaildirEntry): AsyncIterable<Uint8Array> {
    return createReadStream(entry.path) as AsyncIterable<Uint8Array>;
  }

  /** Changes the flags (moving the message to cur/ as a client that saw it would). */
  async flag(key: string, change: string): Promise<MaildirEntry> {
    const e = await this.find(key);
    const flags = changeFlags(e.flags, change);
    if (flags === undefined)
      throw new MaildirError('EBADFLAGS', `bad flag change "${change}" (e.g. +S, -T, =FS)`);
    const name = withFlags(e.unique, flags);
    const path = join(this.dir, 'cur', name);
    if (path !== e.path) {
      await rename(e.path, path);
      if (this.#fsync) await this.#syncDir(join(this.dir, 'cur'));
    }
    return { ...e, name, folder: 'cur', flags, path };
  }
}

// Names start with seconds then ".M<usec>": order numerically on those, then by name.
function compareNames(a: string, b: string): number {
  const ka = /^(\d+)\.M(\d+)/.exec(a);
  const kb = /^(\d+)\.M(\d+)/.exec(b);
  if (ka && kb) {
    const d = Number(ka[1]) - Number(kb[1]) || Number(ka[2]) - Number(kb[2]);
    if (d) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
