// More processes reading one UDP socket. A Node.js process spends most of each DNS query in
// its own datagram path (one recvmsg, one sendmsg, a call into JS each way), so a DNS
// service answers from several processes to use several cores, as nsd forks server
// processes and unbound runs threads. The service's own process (the leader) binds the
// socket, keeps serving it, and hands the same socket to each worker, a child process
// (udp-worker.ts); the kernel gives each datagram to one of them. The leader keeps what must
// happen once: TCP, zone changes, UPDATE, NOTIFY, state. Workers answer queries, send what
// they cannot answer to the leader, report their counters, and exit when the leader goes.
import { type ChildProcess, fork } from 'node:child_process';
import type dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Field } from './config.js';
import type { Logger } from './log.js';

/** Messages between the leader and a worker (Node's "advanced" serialization: Maps, bytes). */
export type ToWorker =
  | { t: 'start'; kind: string; index: number; config: unknown }
  | { t: 'reply'; id: number; replies: Uint8Array[] }
  | { t: 'reload'; seq: number };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'ask'; id: number; bytes: Uint8Array; remote: string }
  | { t: 'reloaded'; seq: number }
  | { t: 'counters'; counters: Record<string, number> };

/** What a worker's service code sees of its leader. */
export interface LeaderLink {
  log: Logger;
  /** Has the leader answer a message (UPDATE, NOTIFY, a signed message: what changes state). */
  ask(bytes: Uint8Array, remote: string): Promise<Uint8Array[]>;
  /** What to do when the leader says the data changed; the leader waits for it. */
  onReload(fn: () => Promise<void>): void;
  /** The counters reported to the leader, which sums them into the service's state. */
  counters(fn: () => Record<string, number>): void;
}

export type WorkerMain = (config: never, udp: dgram.Socket, link: LeaderLink) => Promise<void>;

/** How often a worker reports its counters, in ms. */
export const COUNTERS_MS = 1000;
/** How long the leader waits for every worker to take a change before it goes on anyway. */
const RELOAD_WAIT_MS = 5000;
/** A worker that dies is started again after this long (not in a tight loop). */
const RESTART_MS = 1000;
const START_WAIT_MS = 30_000;

/** MAX_WORKERS bounds --workers: more processes than cores only compete for them. */
export const MAX_WORKERS = 64;

/** The `workers` key of a DNS service's config, with what its copies of the data are. */
export function workersSchemaEntry(doc: string): Field {
  return { type: 'integer', doc, default: 1, min: 1, max: MAX_WORKERS };
}

/**
 * `mine` plus the workers' counters of the same names (`prefix` + name in what they report):
 * a service's state over all its processes.
 */
export function withWorkers<T extends { [K in keyof T]: number }>(
  mine: T,
  theirs: Record<string, number> | undefined,
  prefix = '',
): T {
  const out = { ...mine };
  if (theirs)
    for (const k of Object.keys(out) as (keyof T & string)[]) (out[k] as number) += theirs[prefix + k] ?? 0;
  return out;
}

/** A --workers value (the fast path hands options over as text). Throws Error. */
export function parseWorkerCount(value: number | string | undefined): number {
  const n = Number(value ?? 1);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new Error(`--workers must be 1 to ${MAX_WORKERS}`);
  return n;
}

/**
 * The worker program next to this module: dist/services/udp-worker.js, or beside a
 * single-file bundle its own bundle, udp-worker.mjs (scripts/bundle.mjs).
 */
export function workerScript(): string {
  const candidates = ['./udp-worker.js', './udp-worker.mjs'].map((f) =>
    fileURLToPath(new URL(f, import.meta.url)),
  );
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`workers need ${candidates.join(' or ')}, which is not installed here`);
  return found;
}

export interface UdpWorkerOptions {
  /** Which service the workers run (udp-worker.ts dispatches on it). */
  kind: 'primary' | 'resolver';
  /** Worker processes besides the leader. */
  count: number;
  udp: dgram.Socket;
  /** What a worker needs to serve (structured-cloneable). */
  config: unknown;
  log: Logger;
  /** Answers what a worker passed on (the primary: UPDATE, NOTIFY, TSIG-signed messages). */
  ask?: (bytes: Uint8Array, remote: string) => Promise<Uint8Array[]>;
  /** The worker program; default workerScript(). */
  script?: string;
}

interface Slot {
  index: number;
  child?: ChildProcess | undefined;
  counters: Record<string, number>;
  ready: boolean;
  restart?: NodeJS.Timeout;
}

export class UdpWorkers {
  private readonly slots: Slot[] = [];
  private closing = false;
  private seq = 0;
  private readonly waiting = new Map<number, { pending: Set<number>; done: () => void }>();

  private constructor(private readonly opts: UdpWorkerOptions) {}

  /** Starts the workers and resolves once each serves the socket. */
  static async start(opts: UdpWorkerOptions): Promise<UdpWorkers> {
    const script = opts.script ?? workerScript();
    const pool = new UdpWorkers({ ...opts, script });
    try {
      await Promise.all(
        Array.from({ length: opts.count }, (_, index) => {
          const slot: Slot = { index, counters: {}, ready: false };
          pool.slots.push(slot);
          return pool.spawn(slot);
        }),
      );
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Worker counters summed (each as last reported). */
  counters(): Record<string, number> {
    const sum: Record<string, number> = {};
    for (const s of this.slots) for (const [k, v] of Object.entries(s.counters)) sum[k] = (sum[k] ?? 0) + v;
    return sum;
  }

  /** One counter of each worker, as last reported (0 for a worker not running). */
  each(key: string): number[] {
    return this.slots.map((s) => (s.ready ? (s.counters[key] ?? 0) : 0));
  }

  get running(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  /**
   * Tells every worker that the served data changed, and resolves when each has taken it
   * (an UPDATE is answered only then, so that no worker answers from before it).
   */
  reload(): Promise<void> {
    const seq = ++this.seq;
    const pending = new Set<number>();
    for (const s of this.slots) if (s.ready && s.child?.connected) pending.add(s.index);
    if (pending.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.opts.log('workers-reload-slow', { waiting: pending.size });
        finish();
      }, RELOAD_WAIT_MS);
      const finish = () => {
        clearTimeout(timer);
        this.waiting.delete(seq);
        resolve();
      };
      this.waiting.set(seq, { pending, done: finish });
      for (const s of this.slots) if (pending.has(s.index)) this.send(s, { t: 'reload', seq });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const w of this.waiting.values()) w.done();
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.restart) clearTimeout(s.restart);
        const child = s.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(force);
      }),
    );
  }

  private spawn(slot: Slot): Promise<void> {
    const { log } = this.opts;
    // The same node, flags (the sandbox's permissions among them) and environment.
    const child = fork(this.opts.script as string, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    slot.child = child;
    slot.ready = false;
    return new Promise<void>((resolve, reject) => {
      const startTimer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`udp worker ${slot.index} did not start`));
      }, START_WAIT_MS);
      child.on('message', (m: FromWorker) => {
        switch (m.t) {
          case 'ready':
            clearTimeout(startTimer);
            slot.ready = true;
            log('worker-ready', { worker: slot.index, pid: child.pid ?? null });
            resolve();
            break;
          case 'counters':
            slot.counters = m.counters;
            break;
          case 'reloaded': {
            const w = this.waiting.get(m.seq);
            if (w) {
              w.pending.delete(slot.index);
              if (w.pending.size === 0) w.done();
            }
            break;
          }
          case 'ask':
            void this.answer(slot, m.id, m.bytes, m.remote);
            break;
        }
      });
      child.once('error', (err) => log('worker-error', { worker: slot.index, error: err.message }));
      child.once('exit', (code, signal) => {
        clearTimeout(startTimer);
        const wasReady = slot.ready;
        slot.ready = false;
        slot.child = undefined;
        // Its share of a reload is no longer awaited.
        for (const w of this.waiting.values()) {
          w.pending.delete(slot.index);
          if (w.pending.size === 0) w.done();
        }
        if (this.closing) return;
        log('worker-exit', { worker: slot.index, code, signal });
        if (!wasReady)
          reject(new Error(`udp worker ${slot.index} exited (${signal ?? code}) before serving`));
        slot.restart = setTimeout(() => {
          slot.restart = undefined;
          if (!this.closing)
            this.spawn(slot).catch((err: Error) =>
              log('worker-restart-failed', { worker: slot.index, error: err.message }),
            );
        }, RESTART_MS);
      });
      const start: ToWorker = {
        t: 'start',
        kind: this.opts.kind,
        index: slot.index,
        config: this.opts.config,
      };
      child.send(start, this.opts.udp);
    });
  }

  private async answer(slot: Slot, id: number, bytes: Uint8Array, remote: string): Promise<void> {
    let replies: Uint8Array[] = [];
    try {
      replies = this.opts.ask ? await this.opts.ask(bytes, remote) : [];
    } catch (err) {
      this.opts.log('error', { remote, error: (err as Error).message });
    }
    this.send(slot, { t: 'reply', id, replies });
  }

  private send(slot: Slot, m: ToWorker): void {
    if (slot.child?.connected) slot.child.send(m);
  }
}
