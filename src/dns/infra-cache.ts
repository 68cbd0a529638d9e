// What the resolver learns about upstream servers: a smoothed round-trip time per address
// (the estimator of RFC 6298, as resolvers use it to pick the fastest server of a zone),
// backed off on timeouts, and the servers found lame for a zone (REFUSED, not
// authoritative, an upward referral), skipped for a while. Pure: the clock is passed.

export interface InfraCacheOptions {
  /** RTT assumed for a server never asked, in ms: low enough that each gets tried. Default 376 (as unbound). */
  initialRttMs?: number;
  /** Ceiling of the backed-off RTT, in ms. Default 12 000. */
  maxRttMs?: number;
  /** How long a lame server stays skipped for its zone, in ms. Default 15 minutes. */
  lameMs?: number;
  /** How long what is known of an address is kept, in ms. Default 15 minutes. */
  hostMs?: number;
  /** Addresses tracked at once; the oldest go first. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

interface Host {
  srtt: number;
  rttvar: number;
  /** Consecutive timeouts: each doubles the timeout (exponential back-off). */
  timeouts: number;
  seen: number;
}

export class InfraCache {
  private readonly hosts = new Map<string, Host>();
  private readonly lame = new Map<string, number>();
  private readonly initial: number;
  private readonly maxRtt: number;
  private readonly lameMs: number;
  private readonly hostMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: InfraCacheOptions = {}) {
    this.initial = opts.initialRttMs ?? 376;
    this.maxRtt = opts.maxRttMs ?? 12_000;
    this.lameMs = opts.lameMs ?? 15 * 60_000;
    this.hostMs = opts.hostMs ?? 15 * 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** The smoothed RTT of an address in ms (the initial guess when unknown or forgotten). */
  rtt(addr: string): number {
    const h = this.host(addr);
    return h ? Math.min(this.maxRtt, h.srtt * 2 ** h.timeouts) : this.initial;
  }

  /** How long to wait for this address: RTO = SRTT + 4·RTTVAR, backed off, within bounds. */
  timeout(addr: string, minMs: number, maxMs: number): number {
    const h = this.host(addr);
    const rto = h ? (h.srtt + 4 * h.rttvar) * 2 ** h.timeouts : this.initial * 3;
    return Math.round(Math.min(maxMs, Math.max(minMs, rto)));
  }

  /** Records a reply after `ms`. */
  reply(addr: string, ms: number): void {
    const h = this.host(addr);
    if (!h) {
      this.put(addr, { srtt: ms, rttvar: ms / 2, timeouts: 0, seen: this.now() });
      return;
    }
    h.rttvar = 0.75 * h.rttvar + 0.25 * Math.abs(h.srtt - ms);
    h.srtt = 0.875 * h.srtt + 0.125 * ms;
    h.timeouts = 0;
    h.seen = this.now();
  }

  /** Records a timeout (or a network error): the address looks slower until it answers. */
  timedOut(addr: string): void {
    const h = this.host(addr) ?? { srtt: this.initial, rttvar: this.initial / 2, timeouts: 0, seen: 0 };
    h.timeouts = Math.min(h.timeouts + 1, 6);
    h.seen = this.now();
    this.put(addr, h);
  }

  markLame(zone: string, addr: string): void {
    this.lame.set(`${zone.toLowerCase()} ${addr}`, this.now() + this.lameMs);
    if (this.lame.size > this.maxEntries) this.lame.delete(this.lame.keys().next().value as string);
  }

  isLame(zone: string, addr: string): boolean {
    const key = `${zone.toLowerCase()} ${addr}`;
    const until = this.lame.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.lame.delete(key);
    return false;
  }

  /** The addresses not lame for the zone, fastest first (ties keep the given order). */
  order(zone: string, addrs: readonly string[]): string[] {
    return addrs
      .filter((a) => !this.isLame(zone, a))
      .map((a, i) => ({ a, i, rtt: this.rtt(a) }))
      .sort((x, y) => x.rtt - y.rtt || x.i - y.i)
      .map((x) => x.a);
  }

  get size(): number {
    return this.hosts.size;
  }

  private host(addr: string): Host | undefined {
    const h = this.hosts.get(addr);
    if (h && this.now() - h.seen > this.hostMs) {
      this.hosts.delete(addr);
      return undefined;
    }
    return h;
  }

  private put(addr: string, h: Host): void {
    this.hosts.delete(addr);
    this.hosts.set(addr, h);
    if (this.hosts.size > this.maxEntries) this.hosts.delete(this.hosts.keys().next().value as string);
  }
}
