// The primary service: the authoritative server for the zones in a directory, on UDP and
// TCP at one address. Wires the zone directory (files, git, polling), the message handler,
// rate limiting and NOTIFY to secondaries; `poste dns serve` runs it.

import type dgram from 'node:dgram';
import {
  exchange,
  formatServer,
  isLoopback,
  makeNotify,
  RateLimiter,
  rcodeName,
  type ServerAddress,
  type TsigKey,
  type Zone,
} from '../../dns/index.js';
import { bindBoth, serveTcp } from '../dns-socket.js';
import type { Logger } from '../log.js';
import { type LeaderLink, UdpWorkers, withWorkers } from '../udp-workers.js';
import { type Counters, PrimaryHandler } from './handler.js';
import { ZoneDir } from './zone-dir.js';

export interface PrimaryOptions {
  zonesDir: string;
  listen: ServerAddress;
  /** Keys that may transfer and update every zone (--tsig-key). */
  keys: TsigKey[];
  /** Secondaries told of every change (RFC 1996). */
  notify: ServerAddress[];
  /** Responses per second per client network; 0 turns rate limiting off. */
  rateLimit: number;
  /** Apply the rate limit to loopback clients too (off by default: local peers are ours). */
  rateLimitLoopback: boolean;
  /** How often the directory is checked for changes by hand, in ms. */
  pollMs: number;
  /** Processes answering UDP queries, this one included (udp-workers.ts). Default 1. */
  workers?: number;
  log: Logger;
}

/** What a UDP worker needs to answer as the primary does. */
interface WorkerConfig {
  zonesDir: string;
  keys: TsigKey[];
  rateLimit: number;
  rateLimitLoopback: boolean;
}

export interface PrimaryState {
  listen: string;
  git: boolean;
  zones: { zone: string; serial: number; records: number }[];
  /** Summed over the processes answering (as each last reported). */
  counters: Counters;
  /** Processes answering UDP, this one included. */
  workers: number;
  /** Queries answered by each of them, this one first (how evenly the kernel spreads them). */
  queriesByProcess: number[];
}

export interface Primary {
  address: ServerAddress;
  state(): PrimaryState;
  close(): Promise<void>;
}

export async function startPrimary(opts: PrimaryOptions): Promise<Primary> {
  const { log } = opts;
  let handler: PrimaryHandler | undefined;
  const notifier = new Notifier(opts.notify, log);
  let workers: UdpWorkers | undefined;
  const zones = new ZoneDir({
    dir: opts.zonesDir,
    log,
    globalKeys: opts.keys,
    onChange: (origin, zone) => {
      handler?.invalidate();
      if (zone) notifier.notify(zone);
      else log('zone-dropped', { zone: origin });
      return workers?.reload();
    },
  });
  await zones.start(opts.pollMs);
  handler = new PrimaryHandler(zones, log);
  const h = handler;

  const { udp, tcp, address } = await bindBoth(opts.listen);
  let closed = false;
  serveUdp(udp, h, opts, log, () => closed);
  if ((opts.workers ?? 1) > 1) {
    try {
      const config: WorkerConfig = {
        zonesDir: opts.zonesDir,
        keys: opts.keys,
        rateLimit: opts.rateLimit,
        rateLimitLoopback: opts.rateLimitLoopback,
      };
      workers = await UdpWorkers.start({
        kind: 'primary',
        count: (opts.workers as number) - 1,
        udp,
        config,
        log,
        ask: (bytes, remote) => h.handleFully(bytes, 'udp', remote),
      });
    } catch (err) {
      zones.stop();
      udp.close();
      tcp.close();
      throw err;
    }
  }

  const sockets = serveTcp(tcp, {
    handle: (msg, remote) => h.handle(msg, 'tcp', remote),
    ordered: true,
    log,
  });

  log('listening', {
    address: formatServer(address),
    zones: zones.catalog.list().length,
    git: zones.isRepo,
    workers: opts.workers ?? 1,
  });

  return {
    address,
    state: () => ({
      listen: formatServer(address),
      git: zones.isRepo,
      zones: zones.catalog.list().map((z) => ({ zone: z.origin, serial: z.serial, records: z.size })),
      counters: withWorkers(h.counters, workers?.counters()),
      workers: 1 + (workers?.running ?? 0),
      queriesByProcess: [h.counters.queries, ...(workers?.each('queries') ?? [])],
    }),
    async close() {
      closed = true;
      zones.stop();
      notifier.stop();
      await workers?.close();
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((r) => udp.close(() => r())),
        new Promise<void>((r) => tcp.close(() => r())),
      ]);
    },
  };
}

/** UDP queries answered by one process (the leader or a worker): rate limit, cache, handler. */
function serveUdp(
  udp: dgram.Socket,
  h: PrimaryHandler,
  opts: { rateLimit: number; rateLimitLoopback: boolean },
  log: Logger,
  isClosed: () => boolean,
): void {
  // Each process limits what it sends: with workers, a client's budget is per process.
  const limiter = opts.rateLimit > 0 ? new RateLimiter({ perSecond: opts.rateLimit }) : undefined;
  const reply = (msg: Uint8Array, port: number, host: string) => {
    // An answer finished after close() (an update being written) has nowhere to go.
    if (!isClosed()) udp.send(msg, port, host);
  };
  udp.on('message', (msg, rinfo) => {
    if (limiter && (opts.rateLimitLoopback || !isLoopback(rinfo.address))) {
      const verdict = limiter.check(rinfo.address, Date.now());
      if (verdict === 'drop') {
        h.counters.rateLimited++;
        return;
      }
      if (verdict === 'slip') {
        // Truncated and empty: a real client retries over TCP, a spoofed victim gets little.
        h.counters.rateLimited++;
        const tc = slipReply(msg);
        if (tc) reply(tc, rinfo.port, rinfo.address);
        return;
      }
    }
    const hit = h.fromCache(msg, 'udp');
    if (hit) {
      reply(hit, rinfo.port, rinfo.address);
      return;
    }
    h.handleFully(msg, 'udp', rinfo.address).then(
      (replies) => {
        for (const r of replies) reply(r, rinfo.port, rinfo.address);
      },
      (err: Error) => log('error', { remote: rinfo.address, error: err.message }),
    );
  });
  udp.on('error', (err) => log('udp-error', { error: err.message }));
}

/**
 * A UDP worker of the primary (udp-worker.ts runs it): a read-only copy of the zones,
 * rescanned when the leader says they changed; what changes state goes to the leader.
 */
export async function primaryWorker(
  config: WorkerConfig,
  udp: dgram.Socket,
  link: LeaderLink,
): Promise<void> {
  let handler: PrimaryHandler | undefined;
  const zones = new ZoneDir({
    dir: config.zonesDir,
    log: link.log,
    globalKeys: config.keys,
    replica: true,
    onChange: () => handler?.invalidate(),
  });
  await zones.start(0);
  const h = new PrimaryHandler(zones, link.log, undefined, (bytes, _transport, remote) =>
    link.ask(bytes, remote),
  );
  handler = h;
  link.onReload(() => zones.poll());
  link.counters(() => ({ ...h.counters }));
  serveUdp(udp, h, config, link.log, () => false);
}

/** The header and question of a query with TC set and nothing else (RRL's "slip"). */
function slipReply(query: Uint8Array): Uint8Array | undefined {
  if (query.length < 12 || ((query[2] as number) & 0x80) !== 0) return undefined;
  let p = 12;
  while (p < query.length && query[p] !== 0 && (query[p] as number) < 64) p += (query[p] as number) + 1;
  if (p + 5 > query.length || query[4] !== 0 || query[5] !== 1) return undefined;
  const out = new Uint8Array(query.subarray(0, p + 5));
  out[2] = 0x80 | ((query[2] as number) & 0x79) | 0x02 | 0x04;
  out[3] = 0;
  out.fill(0, 6, 12);
  return out;
}

/** NOTIFY (RFC 1996) to the configured secondaries, retried until each answers. */
class Notifier {
  private stopped = false;
  constructor(
    private readonly targets: ServerAddress[],
    private readonly log: Logger,
  ) {}

  notify(zone: Zone): void {
    for (const target of this.targets) void this.send(zone, target);
  }

  stop(): void {
    this.stopped = true;
  }

  private async send(zone: Zone, target: ServerAddress): Promise<void> {
    const to = formatServer(target);
    for (let attempt = 1; attempt <= 5 && !this.stopped; attempt++) {
      try {
        const reply = await exchange(target, makeNotify(zone.soa), {
          timeoutMs: 2000 * attempt,
          attempts: 1,
        });
        this.log('notify', { zone: zone.origin, serial: zone.serial, to, rcode: rcodeName(reply.rcode) });
        return;
      } catch (err) {
        if (attempt === 5)
          this.log('notify-failed', { zone: zone.origin, to, error: (err as Error).message });
      }
    }
  }
}
