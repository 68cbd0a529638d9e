// Delivery from the spool: each due message is tried once per attempt, its pending
// recipients grouped by domain, each group sent to that domain's hosts in order (RFC 5321
// §5: the next MX when one cannot be reached). The outcome is recorded the moment a
// server accepts (RFC 5321 §6.1 leaves a window between its 250 and our record: keep it
// short), failures are reported to the sender in one DSN, and what is left is retried
// with backoff until the lifetime runs out. Concurrency is limited overall and per
// destination. Timers and the clock come in, so tests drive time.

import { buildDsn, type DsnRecipient, statusOf } from './dsn.js';
import { DueHeap } from './due-heap.js';
import {
  type DeliveryStatus,
  pendingRecipients,
  type QueuedRecipient,
  type RecipientState,
} from './envelope.js';
import type { MailQueue, QueuedMessage, SpooledMessage } from './mail-queue.js';
import { DEFAULT_RETRY, delayWarningDue, expired, type RetryPolicy, retryDelay } from './schedule.js';
import { type ReplyLine, replyString, type Transport } from './transport.js';

export interface RouteHost {
  host: string;
  address: string;
  port: number;
}

export type RouteResult =
  | { kind: 'hosts'; hosts: RouteHost[] }
  /** No mail for this domain (no such domain, null MX): the recipients fail now. */
  | { kind: 'permanent'; reason: string; status: string }
  | { kind: 'temporary'; reason: string };

export type Router = (domain: string) => Promise<RouteResult>;

export type LogFn = (event: string, fields: Record<string, unknown>) => void;

export interface SchedulerOptions {
  queue: MailQueue;
  transport: Transport;
  route: Router;
  /** Our name, in DSNs. */
  hostname: string;
  policy?: Partial<RetryPolicy>;
  /** Messages in delivery at once (default 20). */
  concurrency?: number;
  /** SMTP transactions at once per destination domain (default 5). */
  perDestination?: number;
  /** DSNs return the whole message under RET=FULL up to this size (default 1 MiB). */
  returnFullLimit?: number;
  now?: () => number;
  random?: () => number;
  randomBytes?: (n: number) => Uint8Array;
  log?: LogFn;
}

interface Entry {
  msg: QueuedMessage;
  due: number;
  busy: boolean;
  writes: Promise<void>;
  /** Bumped each time the entry is put in the due heap: an older node there is stale. */
  version: number;
}

interface Waiting {
  entry: Entry;
  version: number;
}

export interface SchedulerStats {
  queued: number;
  held: number;
  inFlight: number;
  delivered: number;
  bounced: number;
  deferred: number;
  dsns: number;
}

class Semaphore {
  #free: number;
  #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((r) => this.#waiting.push(r));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
  get idle(): boolean {
    return this.#waiting.length === 0;
  }
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function wants(r: QueuedRecipient, what: 'FAILURE' | 'DELAY'): boolean {
  return r.notify === undefined ? true : r.notify.includes(what);
}

const MAX_TIMER = 3_600_000;

export class DeliveryScheduler {
  readonly #o: SchedulerOptions;
  readonly #policy: RetryPolicy;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #entries = new Map<string, Entry>();
  /** The entries waiting for their time (queued, not in delivery), and stale nodes. */
  readonly #waiting = new DueHeap<Waiting>();
  readonly #destinations = new Map<string, Semaphore>();
  readonly #inFlight = new Set<Promise<void>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #counts = { delivered: 0, bounced: 0, deferred: 0, dsns: 0 };

  constructor(o: SchedulerOptions) {
    this.#o = o;
    this.#policy = { ...DEFAULT_RETRY, ...o.policy };
    this.#now = o.now ?? Date.now;
    this.#random = o.random ?? Math.random;
  }

  #log(event: string, fields: Record<string, unknown>): void {
    this.#o.log?.(event, fields);
  }

  /** Loads the spool (after MailQueue.open) and starts delivering. */
  async start(): Promise<void> {
    await this.rescan();
  }

  /**
   * Re-reads the spool: messages held, released or deleted by `poste queue` are noticed.
   * Only new files are read: the status of those known is ours (we write it), so for them
   * the folder the directory listing gives is all that can have changed.
   */
  async rescan(): Promise<void> {
    const onCorrupt = (id: string, reason: string) => this.#log('corrupt', { id, reason });
    // Those added while the directories are read are not in the listing, and stay.
    const known = new Set(this.#entries.keys());
    const listed = await this.#o.queue.ids();
    for (const { id, folder } of listed) {
      const e = this.#entries.get(id);
      if (e) {
        e.msg.folder = folder;
        continue;
      }
      const msg = await this.#o.queue.load(id, folder, onCorrupt);
      // Unless gone, corrupt, or added meanwhile.
      if (msg && !this.#entries.has(id)) this.#entries.set(id, this.#entry(msg));
    }
    const present = new Set(listed.map((m) => m.id));
    for (const id of known) {
      const e = this.#entries.get(id);
      if (e && !present.has(id) && !e.busy) this.#entries.delete(id);
    }
    this.#rebuild();
    this.#kick();
  }

  #entry(msg: QueuedMessage): Entry {
    return {
      msg,
      due: msg.status.nextAttempt ?? this.#now(),
      busy: false,
      writes: Promise.resolve(),
      version: 0,
    };
  }

  /** Puts an entry that waits for its time in the heap (after its due time changed). */
  #wait(e: Entry): void {
    if (e.busy || e.msg.folder !== 'queue' || this.#entries.get(e.msg.id) !== e) return;
    e.version++;
    this.#waiting.push({ entry: e, version: e.version }, e.due);
  }

  #current(w: Waiting): boolean {
    const e = w.entry;
    return (
      w.version === e.version && !e.busy && e.msg.folder === 'queue' && this.#entries.get(e.msg.id) === e
    );
  }

  /** The heap made again from the entries: after a rescan or a flush, or when stale nodes pile up. */
  #rebuild(): void {
    this.#waiting.clear();
    for (const e of this.#entries.values()) this.#wait(e);
  }

  /** The first waiting entry (stale nodes on top dropped), or undefined. */
  #first(): { value: Waiting; due: number } | undefined {
    for (;;) {
      const top = this.#waiting.peek();
      if (!top || this.#current(top.value)) return top;
      this.#waiting.pop();
    }
  }

  /** A message just queued: deliver it now. */
  add(msg: QueuedMessage): void {
    const e = this.#entry(msg);
    this.#entries.set(msg.id, e);
    this.#wait(e);
    this.#kick();
  }

  /** Everything queued (not held) is due now. */
  flush(): void {
    const now = this.#now();
    for (const e of this.#entries.values()) if (!e.busy) e.due = now;
    this.#rebuild();
    this.#kick();
  }

  stats(): SchedulerStats {
    let held = 0;
    for (const e of this.#entries.values()) if (e.msg.folder === 'hold') held++;
    return {
      queued: this.#entries.size - held,
      held,
      inFlight: this.#inFlight.size,
      ...this.#counts,
    };
  }

  /** Starts whatever is due by the clock now (a test's clock, or after the clock jumped). */
  poll(): void {
    this.#kick();
  }

  /** Resolves once nothing is in flight and nothing is due now. */
  async idle(): Promise<void> {
    for (;;) {
      while (this.#inFlight.size) await Promise.all([...this.#inFlight]);
      const first = this.#first();
      if (!first || first.due > this.#now() || this.#stopped) return;
      this.#kick();
    }
  }

  /** Stops starting attempts and waits for those in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#inFlight.size) await Promise.all([...this.#inFlight]);
  }

  #kick(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = this.#now();
    const limit = this.#o.concurrency ?? 20;
    // Nodes go stale as entries are delivered, held or rescheduled; past twice the queue,
    // the heap is made again so that it stays in proportion to what is queued.
    if (this.#waiting.size > 2 * this.#entries.size + 1024) this.#rebuild();
    let next: number | undefined;
    for (;;) {
      const first = this.#first();
      if (!first) break;
      if (first.due > now) {
        next = first.due;
        break;
      }
      if (this.#inFlight.size >= limit) break;
      this.#waiting.pop();
      const e = first.value.entry;
      e.busy = true;
      const p = this.#attempt(e).finally(() => {
        e.busy = false;
        this.#inFlight.delete(p);
        this.#wait(e);
        this.#kick();
      });
      this.#inFlight.add(p);
    }
    if (next !== undefined) {
      this.#timer = setTimeout(() => this.#kick(), Math.min(MAX_TIMER, Math.max(0, next - now)));
      this.#timer.unref?.();
    }
  }

  #destination(domain: string): Semaphore {
    let s = this.#destinations.get(domain);
    if (!s) {
      s = new Semaphore(this.#o.perDestination ?? 5);
      this.#destinations.set(domain, s);
    }
    return s;
  }

  /** Serializes status writes of one message: the last state written is the last state. */
  #record(e: Entry): Promise<void> {
    const status = structuredClone(e.msg.status);
    e.writes = e.writes.then(() => this.#o.queue.writeStatus(e.msg.id, status));
    return e.writes;
  }

  async #attempt(e: Entry): Promise<void> {
    const { id, envelope } = e.msg;
    const status = e.msg.status;
    let message: SpooledMessage;
    try {
      message = await this.#o.queue.source(id);
    } catch (err) {
      // Held or deleted by hand since the last scan.
      if ((err as { code?: string }).code === 'ENOMSG') {
        this.#entries.delete(id);
        return;
      }
      throw err;
    }
    try {
      const pending = pendingRecipients(envelope, status);
      const groups = new Map<string, QueuedRecipient[]>();
      for (const r of pending) {
        const d = domainOf(r.address);
        groups.set(d, [...(groups.get(d) ?? []), r]);
      }
      const done = await Promise.all(
        [...groups].map(([domain, rcpts]) => this.#deliverGroup(e, domain, rcpts, message)),
      );
      if (done.includes('gone')) return;
      await this.#settle(e);
    } catch (err) {
      const now = this.#now();
      this.#log('attempt-error', { id, error: (err as Error).message });
      e.due = now + this.#policy.retryMin;
    } finally {
      await message.close().catch(() => {});
    }
  }

  async #deliverGroup(
    e: Entry,
    domain: string,
    rcpts: QueuedRecipient[],
    message: SpooledMessage,
  ): Promise<'ok' | 'gone'> {
    const sem = this.#destination(domain);
    await sem.acquire();
    try {
      const status = e.msg.status;
      const set = (r: QueuedRecipient, s: RecipientState) => {
        status.recipients[r.address] = s;
      };
      const route = await this.#o.route(domain);
      if (route.kind === 'permanent') {
        for (const r of rcpts)
          set(r, { state: 'failed', reply: route.reason, at: this.#now(), status: route.status });
        return 'ok';
      }
      if (route.kind === 'temporary') {
        for (const r of rcpts) set(r, { state: 'pending', lastReply: route.reason });
        return 'ok';
      }
      let last = 'no mail host could be reached';
      for (const h of route.hosts) {
        const res = await this.#o.transport({
          host: h.host,
          address: h.address,
          port: h.port,
          from: e.msg.envelope.from,
          recipients: rcpts.map((r) => r.address),
          message,
        });
        if (res.kind === 'unreachable') {
          last = `${h.host}[${h.address}]: ${res.reason}`;
          this.#log('unreachable', { id: e.msg.id, host: h.host, address: h.address, reason: res.reason });
          continue;
        }
        if (res.kind === 'refused') {
          last = `${h.host}[${h.address}] said: ${replyString(res.reply)}`;
          if (res.reply.code < 500) continue;
          for (const r of rcpts)
            set(r, {
              state: 'failed',
              reply: replyString(res.reply),
              host: h.host,
              at: this.#now(),
              status: statusOf(res.reply.code, res.reply.enhanced),
            });
          return 'ok';
        }
        const now = this.#now();
        let delivered = 0;
        for (const r of rcpts) {
          const rr = res.recipients[r.address];
          const outcome = this.#outcome(rr, res.data);
          if (outcome.code < 300) {
            set(r, { state: 'delivered', reply: replyString(outcome), host: h.host, at: now });
            delivered++;
          } else if (outcome.code >= 500)
            set(r, {
              state: 'failed',
              reply: replyString(outcome),
              host: h.host,
              at: now,
              status: statusOf(outcome.code, outcome.enhanced),
            });
          else set(r, { state: 'pending', lastReply: replyString(outcome), host: h.host });
        }
        this.#log('sent', {
          id: e.msg.id,
          host: h.host,
          address: h.address,
          delivered,
          of: rcpts.length,
          reply: res.data ? replyString(res.data) : undefined,
        });
        if (delivered > 0) {
          this.#counts.delivered += delivered;
          // Record at once: the window of RFC 5321 §6.1 is this await.
          if (this.#finished(e.msg.status)) {
            await this.#o.queue.complete(e.msg.id);
            this.#entries.delete(e.msg.id);
            this.#log('done', { id: e.msg.id });
            return 'gone';
          }
          await this.#record(e);
        }
        return 'ok';
      }
      for (const r of rcpts) set(r, { state: 'pending', lastReply: last });
      return 'ok';
    } finally {
      sem.release();
    }
  }

  /** The reply that decides a recipient: its RCPT reply unless accepted, then the data reply. */
  #outcome(rcpt: ReplyLine | undefined, data: ReplyLine | undefined): ReplyLine {
    if (!rcpt) return { code: 451, text: 'no reply to RCPT' };
    if (rcpt.code >= 300) return rcpt;
    return data ?? { code: 451, text: 'the message was not accepted' };
  }

  /** Every recipient delivered, or failed and already reported: nothing left to do. */
  #finished(s: DeliveryStatus): boolean {
    const reported = new Set(s.reported ?? []);
    return Object.entries(s.recipients).every(
      ([a, r]) => r.state === 'delivered' || (r.state === 'failed' && reported.has(a)),
    );
  }

  /** After an attempt: bounce what failed, then finish, or schedule the next try. */
  async #settle(e: Entry): Promise<void> {
    const { id, envelope } = e.msg;
    const s = e.msg.status;
    const now = this.#now();
    s.attempts++;
    s.lastAttempt = now;
    let pending = pendingRecipients(envelope, s);
    if (pending.length && expired(envelope.arrived, now, this.#policy)) {
      for (const r of pending) {
        const st = s.recipients[r.address];
        const why = st?.state === 'pending' && st.lastReply ? `: ${st.lastReply}` : '';
        s.recipients[r.address] = {
          state: 'failed',
          reply: `delivery time expired${why}`,
          at: now,
          status: '4.4.7',
        };
      }
      pending = [];
    }
    const reported = new Set(s.reported ?? []);
    const failed = envelope.recipients.filter(
      (r) => s.recipients[r.address]?.state === 'failed' && !reported.has(r.address),
    );
    if (failed.length) {
      await this.#bounce(e, failed, 'failed');
      s.reported = [...reported, ...failed.map((r) => r.address)];
      this.#counts.bounced += failed.length;
    }
    if (pending.length === 0) {
      await e.writes;
      await this.#o.queue.complete(id);
      this.#entries.delete(id);
      this.#log('done', { id });
      return;
    }
    if (delayWarningDue(envelope.arrived, now, s.warned === true, this.#policy)) {
      await this.#bounce(e, pending, 'delayed');
      s.warned = true;
    }
    const wait = retryDelay(s.attempts, this.#policy, this.#random);
    s.nextAttempt = now + wait;
    e.due = s.nextAttempt;
    this.#counts.deferred++;
    this.#log('deferred', { id, pending: pending.length, retryInMs: wait, attempts: s.attempts });
    await this.#record(e);
  }

  /** Queues a DSN to the sender; never for the null sender (no bounce loops). */
  async #bounce(e: Entry, rcpts: QueuedRecipient[], action: 'failed' | 'delayed'): Promise<void> {
    const { envelope, id } = e.msg;
    const wanted = rcpts.filter((r) => wants(r, action === 'failed' ? 'FAILURE' : 'DELAY'));
    if (envelope.from === '' || wanted.length === 0) {
      this.#log('no-dsn', { id, action, reason: envelope.from === '' ? 'null sender' : 'NOTIFY' });
      return;
    }
    const s = e.msg.status;
    const recipients: DsnRecipient[] = wanted.map((r) => {
      const st = s.recipients[r.address];
      const d: DsnRecipient = { recipient: r, action, status: '4.0.0' };
      if (st?.state === 'failed') {
        d.status = st.status;
        d.diagnostic = st.reply;
        if (st.host) d.remoteMta = st.host;
        d.lastAttempt = st.at;
      } else if (st?.state === 'pending') {
        if (st.lastReply) d.diagnostic = st.lastReply;
        if (st.host) d.remoteMta = st.host;
        if (s.lastAttempt !== undefined) d.lastAttempt = s.lastAttempt;
        const code = Number(st.lastReply?.slice(0, 3));
        d.status = statusOf(Number.isFinite(code) && code >= 400 ? code : 400, st.lastReply?.split(' ')[1]);
      }
      return d;
    });
    const now = this.#now();
    const full =
      envelope.ret === 'FULL' && e.msg.size <= (this.#o.returnFullLimit ?? 1 << 20)
        ? await this.#o.queue.message(id)
        : undefined;
    const random = this.#o.randomBytes ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)));
    const dsn = buildDsn({
      envelope,
      recipients,
      originalHeader: await this.#o.queue.header(id),
      ...(full ? { originalMessage: full } : {}),
      reportingMta: this.#o.hostname,
      now,
      ...(action === 'delayed' ? { willRetryUntil: envelope.arrived + this.#policy.lifetime } : {}),
      random,
    });
    const queued = await this.#o.queue.enqueue(
      { from: '', recipients: [{ address: envelope.from, notify: ['NEVER'] }], arrived: now },
      dsn,
    );
    this.#counts.dsns++;
    this.#log('dsn', { id, dsn: queued.id, action, to: envelope.from, recipients: wanted.length });
    this.add(queued);
  }
}
