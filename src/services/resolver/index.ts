// The resolver service: the caching recursive resolver on UDP and TCP at one address, for
// the clients of its access list only. Wires the library's RecursiveResolver to sockets, the
// encoded-answer cache (handler.ts) and a log that summarizes upstream trouble once a
// minute instead of once a query; `poste dns resolver` runs it.

import type dgram from 'node:dgram';
import {
  type ForwardZone,
  formatServer,
  type Hints,
  isSubdomain,
  type RecursiveOptions,
  RecursiveResolver,
  type RecursiveStats,
  type ServerAddress,
  type UpstreamEvent,
} from '../../dns/index.js';
import { allowList, DEFAULT_ALLOW, type Prefix, parsePrefix } from '../allow.js';
import { bindBoth, serveTcp } from '../dns-socket.js';
import type { Logger } from '../log.js';
import { type LeaderLink, UdpWorkers, withWorkers } from '../udp-workers.js';
import { type ResolverCounters, ResolverHandler } from './handler.js';

export interface ResolverServiceOptions {
  listen: ServerAddress;
  /** Default: the IANA root servers. */
  rootHints?: Hints;
  forward?: ForwardZone[];
  /**
   * Answer only names at or below a forward zone and REFUSE the rest; the root hints are
   * dropped, so no query ever goes anywhere but the forwarders (`poste stack`'s resolver
   * never sends a packet off loopback). Default off.
   */
  forwardOnly?: boolean;
  /** Clients served; default loopback only. */
  allow?: Prefix[];
  upstreamPort?: number;
  log: Logger;
  /** How often upstream trouble is summarized in the log, in ms. Default 60 000. */
  summaryMs?: number;
  /** More settings of the resolver itself (TTL bounds, limits, a transport for tests). */
  resolver?: Omit<RecursiveOptions, 'rootHints' | 'forward' | 'upstreamPort' | 'onUpstream'>;
  /**
   * Processes answering UDP queries, this one included (udp-workers.ts); each has a cache
   * of its own. Default 1. Not with `resolver.transport` or `resolver.now` (functions).
   */
  workers?: number;
}

export interface ResolverState {
  listen: string;
  /** Summed over the processes answering (as each last reported). */
  counters: ResolverCounters;
  resolver: RecursiveStats;
  answersCached: number;
  /** Processes answering UDP, this one included. */
  workers: number;
  /** Queries answered by each of them, this one first. */
  queriesByProcess: number[];
}

export interface ResolverService {
  address: ServerAddress;
  resolver: RecursiveResolver;
  state(): ResolverState;
  close(): Promise<void>;
}

/** One process's resolver: the library's, its answer cache, and a summary of upstream trouble. */
function createResolver(opts: ResolverServiceOptions, log: Logger) {
  const trouble = new TroubleSummary();
  const resolver = new RecursiveResolver({
    ...opts.resolver,
    rootHints: opts.forwardOnly ? { zone: '.', ns: [], addresses: new Map() } : opts.rootHints,
    forward: opts.forward,
    upstreamPort: opts.upstreamPort,
    onUpstream: (e) => trouble.add(e),
  });
  const zones = (opts.forward ?? []).map((f) => f.zone);
  const inScope = opts.forwardOnly ? (name: string) => zones.some((z) => isSubdomain(name, z)) : undefined;
  const handler = new ResolverHandler(
    resolver,
    allowList(opts.allow ?? DEFAULT_ALLOW.map(parsePrefix)),
    Date.now,
    inScope,
  );
  const timer = setInterval(() => {
    const summary = trouble.take();
    if (summary) log('upstream-trouble', summary);
  }, opts.summaryMs ?? 60_000);
  timer.unref();
  return { resolver, handler, timer };
}

function serveUdp(udp: dgram.Socket, handler: ResolverHandler, log: Logger, isClosed: () => boolean): void {
  udp.on('message', (msg, rinfo) => {
    const hit = handler.fromCache(msg, 'udp', rinfo.address);
    if (hit) {
      udp.send(hit, rinfo.port, rinfo.address);
      return;
    }
    handler.handle(msg, 'udp', rinfo.address).then(
      (reply) => {
        if (reply && !isClosed()) udp.send(reply, rinfo.port, rinfo.address);
      },
      (err: Error) => log('error', { remote: rinfo.address, error: err.message }),
    );
  });
  udp.on('error', (err) => log('udp-error', { error: err.message }));
}

/** What a worker reports: the handler's counters and the resolver's, prefixed. */
function workerCounters(handler: ResolverHandler, resolver: RecursiveResolver): Record<string, number> {
  const out: Record<string, number> = { ...handler.counters, answersCached: handler.cacheSize };
  for (const [k, v] of Object.entries(resolver.stats())) out[`resolver.${k}`] = v;
  return out;
}

/** A UDP worker of the resolver (udp-worker.ts runs it): a whole resolver with a cache of its own. */
export async function resolverWorker(
  config: Omit<ResolverServiceOptions, 'log'>,
  udp: dgram.Socket,
  link: LeaderLink,
): Promise<void> {
  const { resolver, handler } = createResolver({ ...config, log: link.log }, link.log);
  link.counters(() => workerCounters(handler, resolver));
  serveUdp(udp, handler, link.log, () => false);
}

export async function startResolver(opts: ResolverServiceOptions): Promise<ResolverService> {
  const { log } = opts;
  const { resolver, handler, timer } = createResolver(opts, log);
  const { udp, tcp, address } = await bindBoth(opts.listen);
  let closed = false;
  serveUdp(udp, handler, log, () => closed);
  let workers: UdpWorkers | undefined;
  if ((opts.workers ?? 1) > 1) {
    const { log: _log, workers: _workers, ...config } = opts;
    try {
      workers = await UdpWorkers.start({
        kind: 'resolver',
        count: (opts.workers as number) - 1,
        udp,
        config,
        log,
      });
    } catch (err) {
      clearInterval(timer);
      udp.close();
      tcp.close();
      throw err;
    }
  }

  const sockets = serveTcp(tcp, {
    handle: async (msg, remote) => {
      const reply = await handler.handle(msg, 'tcp', remote);
      return reply ? [reply] : [];
    },
    ordered: false,
    log,
  });

  log('listening', {
    address: formatServer(address),
    forward: (opts.forward ?? []).map((f) => `${f.zone}=${formatServer(f.server)}`),
    forwardOnly: opts.forwardOnly ?? false,
    allow: (opts.allow ?? DEFAULT_ALLOW.map(parsePrefix)).length,
    upstreamPort: opts.upstreamPort ?? 53,
    workers: opts.workers ?? 1,
  });

  return {
    address,
    resolver,
    state: () => {
      const theirs = workers?.counters() ?? {};
      return {
        listen: formatServer(address),
        counters: withWorkers(handler.counters, theirs),
        resolver: withWorkers(resolver.stats(), theirs, 'resolver.'),
        answersCached: handler.cacheSize + (theirs.answersCached ?? 0),
        workers: 1 + (workers?.running ?? 0),
        queriesByProcess: [handler.counters.queries, ...(workers?.each('queries') ?? [])],
      };
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await workers?.close();
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((r) => udp.close(() => r())),
        new Promise<void>((r) => tcp.close(() => r())),
      ]);
    },
  };
}

/** Upstream timeouts, lame servers and failures counted between two log lines. */
class TroubleSummary {
  private counts = new Map<string, number>();
  private total = 0;

  add(e: UpstreamEvent): void {
    const key = `${e.kind} ${e.server} ${e.zone}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.total++;
    if (this.counts.size > 1000) this.counts.delete(this.counts.keys().next().value as string);
  }

  /** The fields of one log line (the ten most frequent), or undefined when all was well. */
  take(): Record<string, number | string[]> | undefined {
    if (this.total === 0) return undefined;
    const top = [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([k, n]) => `${k} ×${n}`);
    const out = { events: this.total, top };
    this.counts = new Map();
    this.total = 0;
    return out;
  }
}
