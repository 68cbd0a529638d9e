// The acme service: keeps the certificates of some directories renewed. Each directory is
// checked on a schedule; a failure is logged and retried with exponential backoff (a
// minute, doubling, never more than the check interval), so a CA outage is never a crash
// loop and never a storm of orders.
import { AcmeStore, renewIfDue } from '../../acme/index.js';
import type { Logger } from '../log.js';

export interface AcmeServiceOptions {
  dirs: string[];
  checkEveryMs: number;
  /** First retry delay after a failure. */
  retryMs?: number;
  log: Logger;
}

export interface AcmeService {
  state(): { dir: string; failures: number; next: string; due?: string | undefined }[];
  close(): void;
}

export function startAcme(opts: AcmeServiceOptions): AcmeService {
  const retryMs = opts.retryMs ?? 60_000;
  const timers = new Map<string, NodeJS.Timeout>();
  const status = new Map<string, { failures: number; next: number; due?: Date | undefined }>();
  let closed = false;

  const schedule = (dir: string, delay: number) => {
    if (closed) return;
    const s = status.get(dir) ?? { failures: 0, next: 0 };
    s.next = Date.now() + delay;
    status.set(dir, s);
    const t = setTimeout(() => void cycle(dir), delay);
    t.unref?.();
    timers.set(dir, t);
  };

  const cycle = async (dir: string) => {
    const s = status.get(dir) ?? { failures: 0, next: 0 };
    try {
      const r = await renewIfDue(new AcmeStore(dir), {
        force: false,
        attempts: 1,
        firstDelayMs: retryMs,
        log: (event, fields) => opts.log(event, { dir, ...fields }),
      });
      s.failures = 0;
      s.due = r.due;
      opts.log(r.renewed ? 'renewed' : 'not-due', { dir, due: r.due?.toISOString() });
      schedule(dir, opts.checkEveryMs);
    } catch (err) {
      s.failures++;
      const delay = Math.min(opts.checkEveryMs, retryMs * 2 ** (s.failures - 1));
      opts.log('renew-failed', {
        dir,
        failures: s.failures,
        retryInMs: delay,
        error: (err as Error).message,
      });
      schedule(dir, delay);
    }
    status.set(dir, s);
  };

  for (const dir of opts.dirs) schedule(dir, 0);
  return {
    state: () =>
      [...status].map(([dir, s]) => ({
        dir,
        failures: s.failures,
        next: new Date(s.next).toISOString(),
        due: s.due?.toISOString(),
      })),
    close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
    },
  };
}
