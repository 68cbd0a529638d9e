// A cache of Resolutions, keyed by (name, type). Entries live for the TTL the Resolution
// carries (the smallest TTL of the RRset and the CNAMEs followed; for a negative answer the
// RFC 2308 §5 value min(SOA TTL, SOA MINIMUM), computed by whoever built it), capped; what
// comes out has its TTLs lowered by the time spent in the cache, so a consumer that caches
// in turn never holds a record longer than its owner allowed.
//
// Errors (timeout, SERVFAIL, …) are not cached unless `errorTtl` says so: RFC 2308 §7
// allows up to five minutes, but a stub in front of a nearby recursive server gains little
// from remembering a failure and would turn a blip into minutes of temperrors.
import { nameKey } from './name.js';
import type { Resolution } from './resolver.js';

export interface DnsCacheOptions {
  /** Most entries kept; the least recently used goes first. Default 10 000. */
  maxEntries?: number;
  /** Longest life of a positive entry, in seconds. Default one day. */
  maxTtl?: number;
  /** Longest life of a negative entry (RFC 2308 §5 suggests one to three hours). Default 3 h. */
  maxNegativeTtl?: number;
  /** Life of an error entry in seconds, at most 300 (RFC 2308 §7.1). Default 0: not cached. */
  errorTtl?: number;
  /** The clock, in milliseconds (tests pass a fake one). Default Date.now. */
  now?: () => number;
}

interface Entry {
  res: Resolution;
  stored: number;
  /** Life in whole seconds from `stored`. */
  ttl: number;
}

const DAY = 86_400;

export class DnsCache {
  readonly maxEntries: number;
  readonly maxTtl: number;
  readonly maxNegativeTtl: number;
  readonly errorTtl: number;
  private readonly now: () => number;
  // A Map iterates in insertion order: re-inserting on each hit keeps it in LRU order.
  private readonly entries = new Map<string, Entry>();

  constructor(opts: DnsCacheOptions = {}) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 10_000);
    this.maxTtl = opts.maxTtl ?? DAY;
    this.maxNegativeTtl = opts.maxNegativeTtl ?? 3 * 3600;
    this.errorTtl = Math.min(300, Math.max(0, opts.errorTtl ?? 0));
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached Resolution with its TTLs counted down, or undefined (absent or expired). */
  get(name: string, type: number): Resolution | undefined {
    const key = cacheKey(name, type);
    const e = this.entries.get(key);
    if (!e) return undefined;
    const elapsed = Math.floor(Math.max(0, this.now() - e.stored) / 1000);
    const left = e.ttl - elapsed;
    if (left <= 0) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    return aged(e.res, elapsed, left);
  }

  /** Stores a Resolution; one whose life is zero (or an error, by default) is not kept. */
  set(name: string, type: number, res: Resolution): void {
    const ttl = this.lifeOf(res);
    const key = cacheKey(name, type);
    this.entries.delete(key);
    if (ttl <= 0) return;
    this.entries.set(key, { res, stored: this.now(), ttl });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(name: string, type: number): void {
    this.entries.delete(cacheKey(name, type));
  }

  clear(): void {
    this.entries.clear();
  }

  private lifeOf(res: Resolution): number {
    switch (res.kind) {
      case 'answer':
        return Math.min(res.ttl, this.maxTtl);
      case 'nodata':
      case 'nxdomain':
        return Math.min(res.ttl, this.maxNegativeTtl);
      case 'error':
        return this.errorTtl;
    }
  }
}

/** Names are canonical absolute presentation strings (see name.ts); case does not matter. */
function cacheKey(name: string, type: number): string {
  return `${nameKey(name)} ${type}`;
}

/** A copy of `res` as seen `elapsed` seconds after it was stored, `left` seconds before expiry. */
function aged(res: Resolution, elapsed: number, left: number): Resolution {
  switch (res.kind) {
    case 'answer': {
      // Each record keeps its own TTL (capped by the entry's life), counted down.
      const down = <T extends { ttl: number }>(rr: T): T => ({
        ...rr,
        ttl: Math.max(0, Math.min(left, rr.ttl - elapsed)),
      });
      return { kind: 'answer', records: res.records.map(down), chain: res.chain.map(down), ttl: left };
    }
    case 'nodata':
    case 'nxdomain':
      return { kind: res.kind, ttl: left };
    case 'error':
      return res;
  }
}
