// One writer at a time: a lock file created with O_EXCL, holding who took it. A waiter
// retries until its timeout; a lock whose process is gone (same host, no such pid) or that
// is older than `staleMs` is stale and taken over: renamed aside first, so that two waiters
// cannot both remove it, then checked to be the one judged stale.
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { StoreError } from './errors.js';

export interface LockOptions {
  /** How long to wait for a busy lock (default 10 s); 0: try once. */
  timeoutMs?: number;
  /** Age after which a lock is stale whoever holds it (default 10 minutes). */
  staleMs?: number;
  /** Pause between attempts (default 25 ms, growing to 200 ms). */
  retryMs?: number;
}

export interface Lock {
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
  nonce: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(
  path: string,
): Promise<{ text: string; holder?: Holder; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([fs.readFile(path, 'utf8'), fs.stat(path)]);
    let holder: Holder | undefined;
    try {
      holder = JSON.parse(text) as Holder;
    } catch {
      holder = undefined; // being written, or garbage: judged by age only
    }
    return { text, holder, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

/** Takes the lock at `path`; throws StoreError lock-busy when it stays held past the timeout. */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<Lock> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const staleMs = opts.staleMs ?? 10 * 60_000;
  let pause = opts.retryMs ?? 25;
  const me: Holder = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex') };
  const mine = JSON.stringify(me);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        await fh.writeFile(mine);
      } finally {
        await fh.close();
      }
      return {
        async release() {
          const now = await readHolder(path);
          if (now?.text === mine) await fs.rm(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = await readHolder(path);
    if (held && isStale(held, staleMs) && (await takeOver(path, held.text))) continue;
    if (Date.now() >= deadline) {
      const who = held?.holder ? ` by process ${held.holder.pid} on ${held.holder.host}` : '';
      throw new StoreError('lock-busy', `the store is locked${who} (${path}); try again later`);
    }
    await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(1, deadline - Date.now()))));
    pause = Math.min(pause * 2, 200);
  }
}

function isStale(held: { holder?: Holder; mtimeMs: number }, staleMs: number): boolean {
  if (Date.now() - held.mtimeMs > staleMs) return true;
  const h = held.holder;
  return h !== undefined && h.host === hostname() && typeof h.pid === 'number' && !alive(h.pid);
}

/** Removes a stale lock; false when someone else changed it first. */
async function takeOver(path: string, judged: string): Promise<boolean> {
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(path, aside);
  } catch {
    return false; // gone already: retry
  }
  const text = await fs.readFile(aside, 'utf8').catch(() => '');
  if (text !== judged) {
    // A fresh lock was taken between our look and the rename: put it back.
    await fs.link(aside, path).catch(() => undefined);
  }
  await fs.rm(aside, { force: true });
  return true;
}
