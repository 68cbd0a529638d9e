// The spool on disk. A message and its envelope are one file: written in incoming/,
// fsynced, renamed into queue/, and queue/ fsynced — only then is it acknowledged. Delivery
// state lives beside it in status/ID.json, replaced atomically (write, fsync, rename, fsync
// the directory). A finished message is unlinked from queue/ first (the commit of "done"),
// its status after. So a crash at any instant leaves each message queued (whole, with the
// last recorded state) or gone because it was delivered; start-up sweeps what a crash left
// half-done: files in incoming/ (never acknowledged) and status files without a message.
// hold/ keeps messages out of delivery (poste queue hold) without changing them.
import { randomBytes } from 'node:crypto';
import { constants, unlinkSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DirSyncer, syncDirectory } from '../fs/index.js';
import { type MessageShape, type MessageSource, scanSource } from '../smtp/index.js';
import {
  type DeliveryStatus,
  formatEnvelope,
  formatStatus,
  freshStatus,
  parseEnvelope,
  parseStatus,
  type QueueEnvelope,
  SpoolFormatError,
} from './envelope.js';

export interface MailQueueOptions {
  /** fsync files and directories (default true; off only for tests on tmpfs). */
  fsync?: boolean;
  /** Share directory fsyncs among concurrent commits (default true). */
  groupCommit?: boolean;
  now?: () => number;
}

export type QueueFolder = 'queue' | 'hold';

/** The envelope line is read up to this length; a file without one by then is corrupt. */
const MAX_ENVELOPE = 1 << 20;

export interface QueuedMessage {
  id: string;
  folder: QueueFolder;
  envelope: QueueEnvelope;
  status: DeliveryStatus;
  /** Bytes of the message (without our envelope line). */
  size: number;
}

/** Out of disk space or quota: the SMTP answer is 452 (RFC 5321 §4.2.2), nothing is lost. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export class QueueError extends Error {
  override name = 'QueueError';
  readonly code: 'ENOMSG' | 'EBADSPOOL';
  constructor(code: QueueError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** A message being received: chunks go to incoming/, `commit` makes it queued and durable. */
export interface Incoming {
  readonly id: string;
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<QueuedMessage>;
  abort(): Promise<void>;
}

const ID = /^[0-9a-z]{9}\.[0-9a-f]{12}$/;
const NOSPACE = new Set(['ENOSPC', 'EDQUOT']);

function isNoSpace(e: unknown): boolean {
  return NOSPACE.has((e as NodeJS.ErrnoException).code ?? '');
}

/** Sortable by arrival: base-36 milliseconds, then 48 random bits. */
export function newQueueId(now: number): string {
  return `${now.toString(36).padStart(9, '0')}.${randomBytes(6).toString('hex')}`;
}

export function isQueueId(s: string): boolean {
  return ID.test(s);
}

export class MailQueue {
  readonly dir: string;
  readonly #fsync: boolean;
  readonly #group: boolean;
  readonly #now: () => number;
  readonly #syncers = new Map<string, DirSyncer>();

  constructor(dir: string, opts: MailQueueOptions = {}) {
    this.dir = dir;
    this.#fsync = opts.fsync !== false;
    this.#group = opts.groupCommit !== false;
    this.#now = opts.now ?? Date.now;
  }

  #path(folder: string, name: string): string {
    return join(this.dir, folder, name);
  }

  async #syncDir(folder: string): Promise<void> {
    if (!this.#fsync) return;
    const dir = join(this.dir, folder);
    if (!this.#group) return syncDirectory(dir);
    let s = this.#syncers.get(dir);
    if (!s) {
      s = new DirSyncer(dir);
      this.#syncers.set(dir, s);
    }
    return s.sync();
  }

  /** Directory fsyncs issued so far (group commit shares them). */
  get dirSyncs(): number {
    let n = 0;
    for (const s of this.#syncers.values()) n += s.syncs;
    return n;
  }

  /** Creates the folders and sweeps what a crash left half-done. Returns what it removed. */
  async open(): Promise<{ incoming: number; orphanStatus: number }> {
    for (const f of ['incoming', 'queue', 'hold', 'status', 'corrupt'])
      await mkdir(join(this.dir, f), { recursive: true });
    let incoming = 0;
    for (const name of await readdir(join(this.dir, 'incoming'))) {
      await unlink(this.#path('incoming', name)).catch(() => {});
      incoming++;
    }
    const present = new Set([
      ...(await readdir(join(this.dir, 'queue'))),
      ...(await readdir(join(this.dir, 'hold'))),
    ]);
    let orphanStatus = 0;
    for (const name of await readdir(join(this.dir, 'status'))) {
      const id = name.replace(/\.json$/, '');
      if (name.endsWith('.json') && present.has(id)) continue;
      await unlink(this.#path('status', name)).catch(() => {});
      orphanStatus++;
    }
    return { incoming, orphanStatus };
  }

  /** Free bytes for us on the spool's file system. */
  async freeBytes(): Promise<number> {
    const s = await statfs(this.dir);
    return s.bavail * s.bsize;
  }

  async begin(envelope: QueueEnvelope): Promise<Incoming> {
    const id = newQueueId(this.#now());
    const tmp = this.#path('incoming', id);
    let fh: FileHandle | undefined;
    let size = 0;
    let failure: unknown;
    const fail = (e: unknown) => {
      failure ??= e;
    };
    try {
      fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await fh.write(formatEnvelope(envelope));
    } catch (e) {
      await fh?.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      if (isNoSpace(e)) throw new QueueFullError('the spool is full');
      throw e;
    }
    const file = fh;
    // Writes go on even after a failure is seen, as no-ops: the SMTP transfer must be read
    // to its end before the one reply (452 or 451) can be given.
    return {
      id,
      write: async (chunk) => {
        if (failure) return;
        try {
          await file.write(chunk);
          size += chunk.length;
        } catch (e) {
          fail(e);
        }
      },
      commit: async () => {
        try {
          if (failure) throw failure;
          if (this.#fsync) await file.sync();
          await file.close();
          await rename(tmp, this.#path('queue', id));
          await this.#syncDir('queue');
        } catch (e) {
          await file.close().catch(() => {});
          await unlink(tmp).catch(() => {});
          if (isNoSpace(e)) throw new QueueFullError('the spool is full');
          throw e;
        }
        return { id, folder: 'queue', envelope, status: freshStatus(envelope), size };
      },
      abort: async () => {
        await file.close().catch(() => {});
        await unlink(tmp).catch(() => {});
      },
    };
  }

  /** Queues a whole message at once (a DSN). */
  async enqueue(envelope: QueueEnvelope, message: Uint8Array): Promise<QueuedMessage> {
    const inc = await this.begin(envelope);
    await inc.write(message);
    return inc.commit();
  }

  async #folderOf(id: string): Promise<QueueFolder> {
    if (!isQueueId(id)) throw new QueueError('ENOMSG', `not a queue id: ${id}`);
    for (const folder of ['queue', 'hold'] as const) {
      try {
        const fh = await open(this.#path(folder, id), 'r');
        await fh.close();
        return folder;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    throw new QueueError('ENOMSG', `no message ${id} in the queue`);
  }

  /** The envelope line and the offset where the message starts. */
  async #head(
    folder: QueueFolder,
    id: string,
  ): Promise<{ envelope: QueueEnvelope; offset: number; size: number }> {
    const fh = await open(this.#path(folder, id), 'r');
    try {
      const size = (await fh.stat()).size;
      // The envelope line is short but for long recipient lists: read 4 KiB first, then
      // more, rather than a megabyte of every message (a rescan reads them all).
      const max = Math.min(size, MAX_ENVELOPE);
      for (let want = Math.min(max, 4096); ; want = Math.min(max, want * 8)) {
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, 0);
        const nl = buf.subarray(0, bytesRead).indexOf(10);
        if (nl >= 0) {
          const envelope = parseEnvelope(buf.subarray(0, nl).toString('utf8'));
          return { envelope, offset: nl + 1, size: size - nl - 1 };
        }
        if (bytesRead < want || want >= max) throw new SpoolFormatError('no envelope line');
      }
    } finally {
      await fh.close();
    }
  }

  async #status(id: string, envelope: QueueEnvelope): Promise<DeliveryStatus> {
    try {
      return parseStatus(await readFile(this.#path('status', `${id}.json`), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return freshStatus(envelope);
      throw e;
    }
  }

  async get(id: string): Promise<QueuedMessage> {
    const folder = await this.#folderOf(id);
    const { envelope, size } = await this.#head(folder, id);
    return { id, folder, envelope, status: await this.#status(id, envelope), size };
  }

  /**
   * Every message, oldest first. A file that does not parse is moved to corrupt/ and
   * reported through `onCorrupt`, so one bad file never stops the queue.
   */
  async list(onCorrupt?: (id: string, reason: string) => void): Promise<QueuedMessage[]> {
    const out: QueuedMessage[] = [];
    for (const { id, folder } of await this.ids()) {
      const m = await this.load(id, folder, onCorrupt);
      if (m) out.push(m);
    }
    return out;
  }

  /** The id and folder of every message, oldest first: the directories alone, no file read. */
  async ids(): Promise<{ id: string; folder: QueueFolder }[]> {
    const out: { id: string; folder: QueueFolder }[] = [];
    for (const folder of ['queue', 'hold'] as const)
      for (const id of await readdir(join(this.dir, folder))) if (isQueueId(id)) out.push({ id, folder });
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * One message as `list` reads it: undefined when it is gone (delivered meanwhile) or
   * corrupt (then moved to corrupt/ and reported through `onCorrupt`).
   */
  async load(
    id: string,
    folder: QueueFolder,
    onCorrupt?: (id: string, reason: string) => void,
  ): Promise<QueuedMessage | undefined> {
    try {
      const { envelope, size } = await this.#head(folder, id);
      return { id, folder, envelope, status: await this.#status(id, envelope), size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (!(e instanceof SpoolFormatError) && !(e instanceof SyntaxError)) throw e;
      await rename(this.#path(folder, id), this.#path('corrupt', id)).catch(() => {});
      onCorrupt?.(id, (e as Error).message);
      return undefined;
    }
  }

  /**
   * The message (without our envelope line) as a source read from its file in chunks: a
   * delivery holds a chunk in memory, not the message. The file stays open (so a hold or a
   * rename meanwhile changes nothing) until `close()`.
   */
  async source(id: string): Promise<SpooledMessage> {
    const folder = await this.#folderOf(id);
    const { offset, size } = await this.#head(folder, id);
    const fh = await open(this.#path(folder, id), 'r');
    return new SpooledMessage(fh, offset, size);
  }

  /** The message bytes (without our envelope line). */
  async message(id: string): Promise<Buffer> {
    const folder = await this.#folderOf(id);
    const data = await readFile(this.#path(folder, id));
    const nl = data.indexOf(10);
    if (nl < 0) throw new QueueError('EBADSPOOL', `${id}: no envelope line`);
    return data.subarray(nl + 1);
  }

  /** The header section of the message (through the empty line), at most `limit` bytes. */
  async header(id: string, limit = 256 * 1024): Promise<Buffer> {
    const folder = await this.#folderOf(id);
    const { offset } = await this.#head(folder, id);
    const fh = await open(this.#path(folder, id), 'r');
    try {
      const buf = Buffer.alloc(limit);
      const { bytesRead } = await fh.read(buf, 0, limit, offset);
      const data = buf.subarray(0, bytesRead);
      const end = data.indexOf('\r\n\r\n');
      return end < 0 ? data : data.subarray(0, end + 2);
    } finally {
      await fh.close();
    }
  }

  /** Records delivery state durably (write, fsync, rename, fsync the directory). */
  async writeStatus(id: string, status: DeliveryStatus): Promise<void> {
    const file = this.#path('status', `${id}.json`);
    const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await fh.writeFile(formatStatus(status));
      if (this.#fsync) await fh.sync();
    } catch (e) {
      await fh.close();
      await unlink(tmp).catch(() => {});
      throw e;
    }
    await fh.close();
    await rename(tmp, file);
    await this.#syncDir('status');
  }

  /**
   * Done with a message (every recipient delivered or reported): it leaves the queue. The
   * unlink is synchronous on purpose: it is the record that the remote said 250, and in
   * libuv's thread pool it would wait behind other messages' fsyncs, widening the window
   * in which a crash makes us deliver twice. (Against power loss, the directory fsync after.)
   */
  async complete(id: string): Promise<void> {
    for (const folder of ['queue', 'hold'] as const) {
      try {
        unlinkSync(this.#path(folder, id));
        await this.#syncDir(folder);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    await unlink(this.#path('status', `${id}.json`)).catch(() => {});
  }

  async hold(id: string): Promise<void> {
    await this.#move(id, 'queue', 'hold');
  }

  async release(id: string): Promise<void> {
    await this.#move(id, 'hold', 'queue');
  }

  async #move(id: string, from: QueueFolder, to: QueueFolder): Promise<void> {
    const folder = await this.#folderOf(id);
    if (folder !== from) throw new QueueError('ENOMSG', `${id} is not in ${from}`);
    await rename(this.#path(from, id), this.#path(to, id));
    await this.#syncDir(to);
    await this.#syncDir(from);
  }

  /** Deletes a message without delivering it (poste queue delete). */
  async remove(id: string): Promise<void> {
    await this.#folderOf(id);
    await this.complete(id);
  }
}

/** How much of a spooled message is read at a time. */
const SOURCE_CHUNK = 64 * 1024;

/** A spooled message read from its open file, from its offset, a chunk at a time. */
export class SpooledMessage implements MessageSource {
  #shape: Promise<MessageShape> | undefined;
  constructor(
    private readonly fh: FileHandle,
    private readonly offset: number,
    readonly size: number,
  ) {}

  shape(): Promise<MessageShape> {
    this.#shape ??= scanSource(this);
    return this.#shape;
  }

  async *chunks(): AsyncIterable<Uint8Array> {
    for (let at = 0; at < this.size; ) {
      const want = Math.min(SOURCE_CHUNK, this.size - at);
      // A buffer per chunk: the one before may still be in a socket's queue.
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.fh.read(buf, 0, want, this.offset + at);
      if (bytesRead === 0) throw new QueueError('EBADSPOOL', 'the spool file is shorter than its message');
      at += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}
