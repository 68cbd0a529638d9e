// The resolver service: the caching recursive resolver on UDP and TCP at one address, for
// the clients of its access list only. Wires the library's RecursiveResolver to sockets, the
// encoded-answer cache (handler.ts) and a log that summarizes upstream trouble once a
// minute instead of once a query; `poste dns resolver` runs it.
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
}

export interface ResolverState {
  listen: string;
  counters: ResolverCounters;
  resolver: RecursiveStats;
  answersCached: number;
}

export interface ResolverService {
  address: ServerAddress;
  resolver: RecursiveResolver;
  state(): ResolverState;
  close(): Promise<void>;
}

export async function startResolver(opts: ResolverServiceOptions): Promise<ResolverService> {
  const { log } = opts;
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
  const { udp, tcp, address } = await bindBoth(opts.listen);
  let closed = false;

  udp.on('message', (msg, rinfo) => {
    const hit = handler.fromCache(msg, 'udp', rinfo.address);
    if (hit) {
      udp.send(hit, rinfo.port, rinfo.address);
      return;
    }
    handler.handle(msg, 'udp', rinfo.address).then(
      (reply) => {
        if (reply && !closed) udp.send(reply, rinfo.port, rinfo.address);
      },
      (err: Error) => log('error', { remote: rinfo.address, error: err.message }),
    );
  });
  udp.on('error', (err) => log('udp-error', { error: err.message }));

  const sockets = serveTcp(tcp, {
    handle: async (msg, remote) => {
      const reply = await handler.handle(msg, 'tcp', remote);
      return reply ? [reply] : [];
    },
    ordered: false,
    log,
  });

  const timer = setInterval(() => {
    const summary = trouble.take();
    if (summary) log('upstream-trouble', summary);
  }, opts.summaryMs ?? 60_000);
  timer.unref();

  log('listening', {
    address: formatServer(address),
    forward: (opts.forward ?? []).map((f) => `${f.zone}=${formatServer(f.server)}`),
    forwardOnly: opts.forwardOnly ?? false,
    allow: (opts.allow ?? DEFAULT_ALLOW.map(parsePrefix)).length,
    upstreamPort: opts.upstreamPort ?? 53,
  });

  return {
    address,
    resolver,
    state: () => ({
      listen: formatServer(address),
      counters: { ...handler.counters },
      resolver: resolver.stats(),
      answersCached: handler.cacheSize,
    }),
    async close() {
      closed = true;
      clearInterval(timer);
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
