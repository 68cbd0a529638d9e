// The caching recursive resolver: iterative resolution from the root hints (RFC 1034 §5.3.3)
// through referrals, glue and glueless delegations, CNAME and DNAME chains, with QNAME
// minimisation (RFC 9156) and the defences against poisoning that a resolver owes its
// clients: random ids and ports (exchange), replies matched on id and question, and the
// bailiwick rule — a server is believed only about names inside the zone it was asked as
// the authority for; anything else it says is dropped, never cached, never returned.
// Work is bounded per resolution (queries, referrals, chain length, nested lookups of name
// servers). I/O goes through a Transport, so the whole algorithm runs against an in-memory
// network in tests.
import { DnsCache } from './cache.js';
import { CLASS, RCODE, rcodeName, TYPE } from './constants.js';
import { InfraCache } from './infra-cache.js';
import { isSubdomain, labelCount, NameError, nameKey, namesEqual, normalizeName, splitName } from './name.js';
import type { Resolution, Resolver } from './resolver.js';
import { type Hints, IANA_ROOT_HINTS, parseRootHints } from './root-hints.js';
import { exchange, formatServer, randomId, type ServerAddress } from './stub.js';
import { dataOf, type Message, NO_FLAGS, type RR } from './types.js';

/** Sends one query to one server and returns its (matching) reply; throws on no usable reply. */
export type Transport = (server: ServerAddress, query: Message, timeoutMs: number) => Promise<Message>;

/** The real network: UDP from a fresh random port, TCP when truncated (stub.ts's exchange). */
export const socketTransport: Transport = (server, query, timeoutMs) =>
  exchange(server, query, { timeoutMs, attempts: 1 });

export interface ForwardZone {
  /** Queries at or below this name go to `server` (with RD set) instead of being iterated. */
  zone: string;
  server: ServerAddress;
}

/** Something wrong upstream, for the service's summary (not an error of the resolution). */
export interface UpstreamEvent {
  kind: 'timeout' | 'lame' | 'failure';
  server: string;
  zone: string;
  detail: string;
}

export interface RecursiveLimits {
  /** Upstream queries per resolution, name-server lookups included. Default 64. */
  maxQueries?: number;
  /** Referrals followed per name. Default 16. */
  maxReferrals?: number;
  /** CNAMEs and DNAMEs followed. Default 12. */
  maxChain?: number;
  /** Nesting of name-server address lookups (glueless delegations). Default 4. */
  maxDepth?: number;
  /** Minimised queries per name before asking the full name (RFC 9156 §2.3). Default 10. */
  maxMinimise?: number;
}

export interface RecursiveOptions {
  /** Where iteration starts. Default: the IANA root servers. */
  rootHints?: Hints;
  forward?: ForwardZone[];
  /** The port every upstream server is asked on (a test hierarchy on loopback). Default 53. */
  upstreamPort?: number;
  transport?: Transport;
  /** TTLs of cached records are raised to this (seconds). Default 0. */
  minTtl?: number;
  /** And lowered to this. Default one day. */
  maxTtl?: number;
  /** Longest life of a negative answer (RFC 2308 §5). Default one hour. */
  maxNegativeTtl?: number;
  /** RRsets and negative answers kept. Default 100 000. */
  maxEntries?: number;
  /** RFC 9156. Default on. */
  qnameMinimisation?: boolean;
  /** Ask servers over IPv6 too (AAAA glue). Default off. */
  ipv6?: boolean;
  /** Bounds of the per-server wait, in ms (the RTT estimate decides between). Default 400..3000. */
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  limits?: RecursiveLimits;
  /** The clock in ms (caches, RTTs). Default Date.now. */
  now?: () => number;
  onUpstream?: (event: UpstreamEvent) => void;
}

/** A resolution with what a server needs to answer a client: the chain and, when negative, the SOA. */
export type RecursiveResult =
  | { kind: 'answer'; records: RR[]; chain: RR[]; ttl: number }
  | { kind: 'nodata' | 'nxdomain'; chain: RR[]; soa?: RR | undefined; ttl: number }
  | { kind: 'error'; reason: string };

export interface RecursiveStats {
  lookups: number;
  cacheHits: number;
  upstreamQueries: number;
  timeouts: number;
  lame: number;
  failures: number;
  cacheEntries: number;
}

/** Where a name is asked: a zone and its servers. */
interface Delegation {
  zone: string;
  ns: string[];
  /** Addresses by name-server key; an empty list once a lookup found none. */
  addresses: Map<string, string[]>;
  /** A forward zone: one server, asked with RD, its answers need not be authoritative. */
  forward?: ServerAddress;
}

/** The state of one client resolution, shared by its nested name-server lookups. */
interface Work {
  queries: number;
  depth: number;
  /** Questions being resolved up the stack: asking one again is a delegation loop. */
  pending: Set<string>;
}

/** What one name's iteration ends with: a final result, or an alias to follow afresh. */
type Step = { final: RecursiveResult } | { alias: RR[]; target: string };

/** Negative entries for a whole name (NXDOMAIN) use this type number, which no RRset has. */
const NXNAME = 0;

export class RecursiveResolver implements Resolver {
  readonly cache: DnsCache;
  readonly infra: InfraCache;
  private readonly glue: DnsCache;
  private readonly hints: Hints;
  private readonly forwards: ForwardZone[];
  private readonly port: number;
  private readonly transport: Transport;
  private readonly minTtl: number;
  private readonly maxTtl: number;
  private readonly qmin: boolean;
  private readonly ipv6: boolean;
  private readonly minTimeout: number;
  private readonly maxTimeout: number;
  private readonly limits: Required<RecursiveLimits>;
  private readonly now: () => number;
  private readonly onUpstream: (e: UpstreamEvent) => void;
  private readonly inflight = new Map<string, Promise<RecursiveResult>>();
  private readonly counters = {
    lookups: 0,
    cacheHits: 0,
    upstreamQueries: 0,
    timeouts: 0,
    lame: 0,
    failures: 0,
  };

  constructor(opts: RecursiveOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.minTtl = opts.minTtl ?? 0;
    this.maxTtl = Math.max(this.minTtl, opts.maxTtl ?? 86_400);
    const cacheOpts = {
      maxEntries: opts.maxEntries ?? 100_000,
      maxTtl: this.maxTtl,
      maxNegativeTtl: opts.maxNegativeTtl ?? 3600,
      now: this.now,
    };
    this.cache = new DnsCache(cacheOpts);
    // Referral data (NS sets and glue) is kept apart: good enough to find servers, never
    // an answer to a client (RFC 2181 §5.4.1 ranks it below authoritative data).
    this.glue = new DnsCache(cacheOpts);
    this.infra = new InfraCache({ now: this.now });
    this.hints = opts.rootHints ?? parseRootHints(IANA_ROOT_HINTS);
    this.forwards = (opts.forward ?? []).map((f) => ({ zone: normalizeName(f.zone), server: f.server }));
    this.port = opts.upstreamPort ?? 53;
    this.transport = opts.transport ?? socketTransport;
    this.qmin = opts.qnameMinimisation ?? true;
    this.ipv6 = opts.ipv6 ?? false;
    this.minTimeout = opts.minTimeoutMs ?? 400;
    this.maxTimeout = Math.max(this.minTimeout, opts.maxTimeoutMs ?? 3000);
    this.limits = {
      maxQueries: 64,
      maxReferrals: 16,
      maxChain: 12,
      maxDepth: 4,
      maxMinimise: 10,
      ...opts.limits,
    };
    this.onUpstream = opts.onUpstream ?? (() => {});
  }

  stats(): RecursiveStats {
    return { ...this.counters, cacheEntries: this.cache.size };
  }

  async resolve(name: string, type: number): Promise<Resolution> {
    const r = await this.lookup(name, type);
    if (r.kind === 'nodata' || r.kind === 'nxdomain') return { kind: r.kind, ttl: r.ttl };
    return r;
  }

  /** Resolves (name, type) in class IN: from the cache, else by iteration. */
  async lookup(name: string, type: number): Promise<RecursiveResult> {
    let qname: string;
    try {
      qname = normalizeName(name);
    } catch (e) {
      return { kind: 'error', reason: (e as Error).message };
    }
    this.counters.lookups++;
    const cached = this.fromCache(qname, type);
    if ('final' in cached) {
      this.counters.cacheHits++;
      return cached.final;
    }
    const key = `${nameKey(qname)} ${type}`;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const work: Work = { queries: 0, depth: 0, pending: new Set() };
    const p = this.iterate(qname, type, work).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** The answer the cache alone gives (a query without RD), or undefined. */
  cached(name: string, type: number): RecursiveResult | undefined {
    let qname: string;
    try {
      qname = normalizeName(name);
    } catch {
      return undefined;
    }
    const hit = this.fromCache(qname, type);
    return 'final' in hit ? hit.final : undefined;
  }

  // -------------------------------------------------------------------------------------
  // Chains: follow aliases, from the cache where it can, by iteration where it must

  private async iterate(qname: string, qtype: number, work: Work): Promise<RecursiveResult> {
    const chain: RR[] = [];
    const seen = new Set<string>([nameKey(qname)]);
    let name = qname;
    for (;;) {
      const cached = this.fromCache(name, qtype);
      let step: Step;
      if ('final' in cached) step = cached;
      else if (cached.alias.length > 0) step = cached;
      else step = await this.resolveName(name, qtype, work);
      if ('final' in step) return withChain(chain, step.final);
      for (const rr of step.alias) chain.push(rr);
      if (chain.length > this.limits.maxChain)
        return { kind: 'error', reason: `alias chain from ${qname} longer than ${this.limits.maxChain}` };
      name = step.target;
      if (seen.has(nameKey(name))) return { kind: 'error', reason: `CNAME loop at ${name}` };
      seen.add(nameKey(name));
    }
  }

  /** The cached answer, or the CNAMEs cached from the name on and where they lead. */
  private fromCache(name: string, qtype: number): Step {
    const alias: RR[] = [];
    let cur = name;
    for (let i = 0; i <= this.limits.maxChain; i++) {
      const hit = this.cache.get(cur, qtype);
      if (hit?.kind === 'answer') return { final: withChain(alias, { ...hit, chain: [] }) };
      if (hit?.kind === 'nodata') return { final: withChain(alias, this.negative('nodata', cur, hit.ttl)) };
      const nx = this.cache.get(cur, NXNAME);
      if (nx?.kind === 'nxdomain') return { final: withChain(alias, this.negative('nxdomain', cur, nx.ttl)) };
      if (qtype === TYPE.CNAME) break;
      const cname = this.cache.get(cur, TYPE.CNAME);
      if (cname?.kind !== 'answer') break;
      const rr = cname.records[0] as RR;
      alias.push(rr);
      cur = rr.data as string;
      if (namesEqual(cur, name)) break;
    }
    return { alias, target: cur };
  }

  /** A cached negative answer, with the zone's SOA when still cached (for a client's cache). */
  private negative(kind: 'nodata' | 'nxdomain', name: string, ttl: number): RecursiveResult {
    const labels = splitName(name);
    for (let i = 0; i <= labels.length; i++) {
      const apex = i === labels.length ? '.' : `${labels.slice(i).join('.')}.`;
      const soa = this.cache.get(apex, TYPE.SOA);
      if (soa?.kind === 'answer') return { kind, chain: [], soa: { ...(soa.records[0] as RR), ttl }, ttl };
    }
    return { kind, chain: [], ttl };
  }

  // -------------------------------------------------------------------------------------
  // Iteration for one name, down the delegations

  private async resolveName(name: string, qtype: number, work: Work): Promise<Step> {
    // DS lives on the parent side of a cut (RFC 4035 §3.1.4.1).
    const start = qtype === TYPE.DS && name !== '.' ? parentOf(name) : name;
    let dp = this.closestDelegation(start);
    let minimise = this.qmin && dp.forward === undefined;
    let known = dp.zone; // the deepest name known to exist without a cut below dp.zone
    let referrals = 0;
    let minimised = 0;
    for (;;) {
      let qn = name;
      let qt = qtype;
      if (minimise && minimised < this.limits.maxMinimise) {
        qn = childToward(name, known);
        // RFC 9156 §2.1: QTYPE A for the minimised queries (NS gets bad answers from some servers).
        if (!namesEqual(qn, name)) {
          qt = TYPE.A;
          minimised++;
        }
      }
      const asked = await this.ask(dp, qn, qt, work);
      if ('error' in asked) return { final: { kind: 'error', reason: asked.error } };
      const reply = asked.reply;
      const cut = referralOf(reply);
      if (cut) {
        // ask() let through only referrals downwards, towards qn.
        if (qtype === TYPE.DS && namesEqual(cut.zone, name)) {
          if (!namesEqual(qn, name) || qt !== qtype) {
            minimise = false; // ask the parent for the DS itself
            continue;
          }
          return { final: { kind: 'nodata', chain: [], ttl: 0 } };
        }
        if (++referrals > this.limits.maxReferrals)
          return {
            final: { kind: 'error', reason: `more than ${this.limits.maxReferrals} referrals for ${name}` },
          };
        dp = this.takeReferral(dp, cut.zone, reply);
        known = dp.zone;
        continue;
      }
      if (!namesEqual(qn, name) || qt !== qtype) {
        // A minimised query answered. NXDOMAIN there may be a broken server's answer for an
        // empty non-terminal, an alias cannot be descended: ask the full name (§2.3).
        const aliased = reply.answers.some((rr) => rr.type === TYPE.CNAME || rr.type === TYPE.DNAME);
        if (reply.rcode !== RCODE.NOERROR || aliased) minimise = false;
        else known = qn;
        continue;
      }
      return this.takeAnswer(reply, dp.zone, name, qtype);
    }
  }

  /** The closest enclosing zone whose servers are known: forward zones, the caches, the hints. */
  private closestDelegation(name: string): Delegation {
    const labels = splitName(name);
    for (let i = 0; i <= labels.length; i++) {
      const zone = i === labels.length ? '.' : `${labels.slice(i).join('.')}.`;
      const fwd = this.forwards.find((f) => namesEqual(f.zone, zone));
      if (fwd) return { zone, ns: [], addresses: new Map(), forward: fwd.server };
      if (zone === '.') break;
      const ns = this.glue.get(zone, TYPE.NS) ?? this.cache.get(zone, TYPE.NS);
      if (ns?.kind === 'answer')
        return { zone, ns: ns.records.map((rr) => rr.data as string), addresses: new Map() };
    }
    return { zone: '.', ns: [...this.hints.ns], addresses: new Map(this.hints.addresses) };
  }

  /** Follows a referral: its NS set and the glue in the asked zone's bailiwick, cached apart. */
  private takeReferral(from: Delegation, zone: string, reply: Message): Delegation {
    const nsRecords = reply.authority.filter(
      (rr) => rr.type === TYPE.NS && rr.class === CLASS.IN && namesEqual(rr.name, zone),
    );
    const ns = nsRecords.map((rr) => rr.data as string);
    this.store(this.glue, nsRecords);
    const addresses = new Map<string, string[]>();
    const wanted = new Set(ns.map(nameKey));
    const glue = reply.additional.filter(
      (rr) =>
        (rr.type === TYPE.A || (rr.type === TYPE.AAAA && this.ipv6)) &&
        rr.class === CLASS.IN &&
        wanted.has(nameKey(rr.name)) &&
        isSubdomain(rr.name, from.zone),
    );
    for (const rr of glue) {
      const key = nameKey(rr.name);
      addresses.set(key, [...(addresses.get(key) ?? []), rr.data as string]);
    }
    for (const set of groupRRsets(glue)) this.store(this.glue, set);
    return { zone, ns, addresses };
  }

  /** Reads the authoritative answer for (name, qtype) from a server of `zone`, within its bailiwick. */
  private takeAnswer(reply: Message, zone: string, name: string, qtype: number): Step {
    const chain: RR[] = [];
    let cur = name;
    for (;;) {
      // Out of the server's authority: whatever it added there is not believed.
      if (!isSubdomain(cur, zone)) return { alias: chain, target: cur };
      const dname =
        qtype === TYPE.DNAME
          ? undefined
          : reply.answers.find(
              (rr) =>
                rr.type === TYPE.DNAME &&
                rr.class === CLASS.IN &&
                isSubdomain(cur, rr.name) &&
                !namesEqual(cur, rr.name) &&
                isSubdomain(rr.name, zone),
            );
      if (dname) {
        // RFC 6672 §3.2: the CNAME is synthesized here, whatever the server sent along.
        const target = substitute(cur, dname.name, dname.data as string);
        if (!target) return { final: { kind: 'error', reason: `DNAME substitution of ${cur} is too long` } };
        const synth: RR = { name: cur, type: TYPE.CNAME, class: CLASS.IN, ttl: dname.ttl, data: target };
        this.store(this.cache, [dname]);
        this.store(this.cache, [synth]);
        chain.push(dname, synth);
        cur = target;
        if (chain.length > 2 * this.limits.maxChain) break;
        continue;
      }
      const here = reply.answers.filter((rr) => rr.class === CLASS.IN && namesEqual(rr.name, cur));
      const records = here.filter((rr) => rr.type === qtype || qtype === TYPE.ANY);
      if (records.length > 0) {
        for (const set of groupRRsets(records)) this.store(this.cache, set);
        const stored = records.map((rr) => this.clamp(rr));
        return { final: { kind: 'answer', records: stored, chain, ttl: minTtlOf([...stored, ...chain]) } };
      }
      const cname = here.find((rr) => rr.type === TYPE.CNAME);
      if (!cname || chain.length > 2 * this.limits.maxChain) break;
      this.store(this.cache, [cname]);
      chain.push(cname);
      cur = cname.data as string;
      if (namesEqual(cur, name) || chain.some((rr) => namesEqual(rr.name, cur))) {
        return { final: { kind: 'error', reason: `CNAME loop at ${cur}` } };
      }
    }
    // Nothing more for `cur` here. After an alias, ask for the target itself: the server may
    // have stopped at a cut or at a zone of its own we do not take its word for.
    if (chain.length > 0 && reply.rcode === RCODE.NOERROR) return { alias: chain, target: cur };
    const soaRR = reply.authority.find(
      (rr) =>
        rr.type === TYPE.SOA &&
        rr.class === CLASS.IN &&
        isSubdomain(cur, rr.name) &&
        isSubdomain(rr.name, zone),
    );
    const soaData = soaRR ? dataOf(soaRR, TYPE.SOA) : undefined;
    const ttl = soaRR && soaData ? Math.min(soaRR.ttl, soaData.minimum) : 0;
    const soa = soaRR ? { ...soaRR, ttl } : undefined;
    if (soaRR) this.store(this.cache, [soaRR]);
    if (reply.rcode === RCODE.NXDOMAIN) {
      this.cache.set(cur, NXNAME, { kind: 'nxdomain', ttl });
      return { final: { kind: 'nxdomain', chain, soa, ttl } };
    }
    if (reply.rcode === RCODE.NOERROR) {
      this.cache.set(cur, qtype, { kind: 'nodata', ttl });
      return { final: { kind: 'nodata', chain, soa, ttl } };
    }
    return { final: { kind: 'error', reason: `answer ${rcodeName(reply.rcode)} for ${cur}` } };
  }

  // -------------------------------------------------------------------------------------
  // Asking a zone's servers

  /**
   * Asks the zone's servers, fastest first, until one gives a usable reply: an answer with
   * authority (or from a forwarder) or a referral downwards. Lame servers are marked and
   * skipped; name servers without glue are looked up on the way, as nested resolutions.
   */
  private async ask(
    dp: Delegation,
    qname: string,
    qtype: number,
    work: Work,
  ): Promise<{ reply: Message } | { error: string }> {
    const tried = new Set<string>();
    const looked = new Set<string>();
    let last = `no server of ${dp.zone} could be reached`;
    for (;;) {
      const candidates = dp.forward
        ? tried.size === 0
          ? [dp.forward.host]
          : []
        : this.infra.order(
            dp.zone,
            this.addressesOf(dp).filter((a) => !tried.has(a)),
          );
      const addr = candidates[0];
      if (addr === undefined) {
        if (dp.forward || !(await this.lookUpServer(dp, looked, work))) return { error: last };
        continue;
      }
      tried.add(addr);
      if (++work.queries > this.limits.maxQueries)
        return { error: `more than ${this.limits.maxQueries} upstream queries for one resolution` };
      const server = dp.forward ?? { host: addr, port: this.port };
      const outcome = await this.send(server, dp, qname, qtype);
      if ('reply' in outcome) return outcome;
      last = outcome.problem;
    }
  }

  /** One query to one server, judged: a usable reply, or the problem (already accounted). */
  private async send(
    server: ServerAddress,
    dp: Delegation,
    qname: string,
    qtype: number,
  ): Promise<{ reply: Message } | { problem: string }> {
    const addr = server.host;
    const where = formatServer(server);
    const problem = (kind: UpstreamEvent['kind'], detail: string) => {
      if (kind === 'lame') {
        this.infra.markLame(dp.zone, addr);
        this.counters.lame++;
      } else if (kind === 'timeout') {
        this.infra.timedOut(addr);
        this.counters.timeouts++;
      } else this.counters.failures++;
      this.onUpstream({ kind, server: where, zone: dp.zone, detail });
      return { problem: `${where}: ${detail}` };
    };
    let reply: Message | undefined;
    for (const edns of [true, false]) {
      const query = upstreamQuery(qname, qtype, dp.forward !== undefined, edns);
      const started = this.now();
      const timeout = this.infra.timeout(addr, this.minTimeout, this.maxTimeout);
      this.counters.upstreamQueries++;
      try {
        reply = await this.transport(server, query, timeout);
      } catch (e) {
        const err = e as Error & { kind?: string };
        return problem(err.kind === 'timeout' ? 'timeout' : 'failure', err.message);
      }
      // The transport matched the reply already; a second look costs nothing.
      const q = reply.questions[0];
      if (
        reply.id !== query.id ||
        !reply.flags.qr ||
        (q && (!namesEqual(q.name, qname) || q.type !== qtype || q.class !== CLASS.IN))
      ) {
        return problem('failure', 'a reply that does not match the query');
      }
      this.infra.reply(addr, Math.max(0, this.now() - started));
      // RFC 6891 §7: a server that does not know EDNS answers FORMERR without OPT.
      if (!(edns && reply.rcode === RCODE.FORMERR && !reply.edns)) break;
    }
    const r = reply as Message;
    if (r.rcode === RCODE.SERVFAIL) return problem('failure', 'SERVFAIL');
    if (r.rcode !== RCODE.NOERROR && r.rcode !== RCODE.NXDOMAIN) return problem('lame', rcodeName(r.rcode));
    const cut = referralOf(r);
    if (cut) {
      // A referral must lead down, towards the name: upwards or sideways is a lame server.
      if (
        dp.forward ||
        namesEqual(cut.zone, dp.zone) ||
        !isSubdomain(cut.zone, dp.zone) ||
        !isSubdomain(qname, cut.zone)
      )
        return problem('lame', `referral to ${cut.zone} from a server of ${dp.zone}`);
      return { reply: r };
    }
    if (!r.flags.aa && !dp.forward) return problem('lame', `not authoritative for ${dp.zone}`);
    return { reply: r };
  }

  /** Known addresses of the zone's servers: from the referral, the glue cache, the answer cache. */
  private addressesOf(dp: Delegation): string[] {
    const out: string[] = [];
    for (const ns of dp.ns) {
      const key = nameKey(ns);
      let addrs = dp.addresses.get(key);
      if (addrs === undefined) {
        addrs = [];
        for (const type of this.ipv6 ? [TYPE.A, TYPE.AAAA] : [TYPE.A]) {
          const hit = this.glue.get(ns, type) ?? this.cache.get(ns, type);
          if (hit?.kind === 'answer') for (const rr of hit.records) addrs.push(rr.data as string);
        }
        if (addrs.length > 0) dp.addresses.set(key, addrs);
      }
      for (const a of addrs) if (!out.includes(a)) out.push(a);
    }
    return out;
  }

  /**
   * A glueless delegation: resolves the address of one more name server, as a nested
   * resolution sharing this one's budget. False when none is left to try.
   */
  private async lookUpServer(dp: Delegation, looked: Set<string>, work: Work): Promise<boolean> {
    if (work.depth >= this.limits.maxDepth) return false;
    for (const ns of dp.ns) {
      const key = nameKey(ns);
      if (looked.has(key) || dp.addresses.get(key)?.length) continue;
      looked.add(key);
      // In the zone itself without glue: only the zone's own servers could tell.
      if (isSubdomain(ns, dp.zone) && dp.zone !== '.') continue;
      const question = `${key} ${TYPE.A}`;
      if (work.pending.has(question)) continue; // a delegation loop
      work.pending.add(question);
      const nested: Work = { queries: work.queries, depth: work.depth + 1, pending: work.pending };
      let res: RecursiveResult;
      try {
        res = await this.iterate(normalizeName(ns), TYPE.A, nested);
      } catch (e) {
        if (!(e instanceof NameError)) throw e;
        continue;
      } finally {
        work.pending.delete(question);
        work.queries = nested.queries;
      }
      const addrs = res.kind === 'answer' ? res.records.map((rr) => rr.data as string) : [];
      dp.addresses.set(key, addrs);
      return true;
    }
    return false;
  }

  // -------------------------------------------------------------------------------------
  // The cache

  private clamp(rr: RR): RR {
    const ttl = Math.min(this.maxTtl, Math.max(this.minTtl, rr.ttl));
    return ttl === rr.ttl ? rr : { ...rr, ttl };
  }

  /** Stores one RRset (records of one owner and type) with clamped TTLs. */
  private store(cache: DnsCache, records: RR[]): void {
    const first = records[0];
    if (!first) return;
    const clamped = records.map((rr) => this.clamp(rr));
    cache.set(first.name, first.type, {
      kind: 'answer',
      records: clamped,
      chain: [],
      ttl: minTtlOf(clamped),
    });
  }
}

// ---------------------------------------------------------------------------------------
// Pure helpers

/** A non-recursive query (RD only for a forwarder), with a random id and EDNS0 at 1232 bytes. */
export function upstreamQuery(name: string, type: number, rd: boolean, edns = true): Message {
  return {
    id: randomId(),
    flags: { ...NO_FLAGS, rd },
    rcode: RCODE.NOERROR,
    questions: [{ name, type, class: CLASS.IN }],
    answers: [],
    authority: [],
    additional: [],
    edns: edns ? { udpSize: 1232, version: 0, do: false, options: [] } : undefined,
  };
}

/** The zone a reply refers to, when it is a referral: no answer, no authority, NS in authority. */
export function referralOf(reply: Message): { zone: string } | undefined {
  if (reply.rcode !== RCODE.NOERROR || reply.flags.aa || reply.answers.length > 0) return undefined;
  if (reply.authority.some((rr) => rr.type === TYPE.SOA)) return undefined;
  const ns = reply.authority.find((rr) => rr.type === TYPE.NS && rr.class === CLASS.IN);
  return ns ? { zone: ns.name } : undefined;
}

/** The name one label below `above` on the way to `name` (RFC 9156's next minimised QNAME). */
export function childToward(name: string, above: string): string {
  const labels = splitName(name);
  const keep = Math.min(labels.length, labelCount(above) + 1);
  return keep === 0 ? '.' : `${labels.slice(labels.length - keep).join('.')}.`;
}

/** RFC 6672 §2.2: `name` with its suffix `owner` replaced by `target`; undefined when too long. */
export function substitute(name: string, owner: string, target: string): string | undefined {
  const labels = splitName(name);
  const prefix = labels.slice(0, labels.length - labelCount(owner)).join('.');
  try {
    return normalizeName(target === '.' ? `${prefix}.` : `${prefix}.${target}`);
  } catch {
    return undefined;
  }
}

function parentOf(name: string): string {
  const labels = splitName(name);
  return labels.length <= 1 ? '.' : `${labels.slice(1).join('.')}.`;
}

function groupRRsets(records: RR[]): RR[][] {
  const sets = new Map<string, RR[]>();
  for (const rr of records) {
    const key = `${nameKey(rr.name)} ${rr.type}`;
    const set = sets.get(key);
    if (set) set.push(rr);
    else sets.set(key, [rr]);
  }
  return [...sets.values()];
}

function minTtlOf(records: readonly RR[]): number {
  let ttl = Number.POSITIVE_INFINITY;
  for (const rr of records) ttl = Math.min(ttl, rr.ttl);
  return Number.isFinite(ttl) ? ttl : 0;
}

/** A result reached after `chain`: the aliases come first, and bound the TTL. */
function withChain(chain: RR[], res: RecursiveResult): RecursiveResult {
  if (chain.length === 0 || res.kind === 'error') return res;
  const all = [...chain, ...res.chain];
  if (res.kind === 'answer') return { ...res, chain: all, ttl: minTtlOf([...all, ...res.records]) };
  return { ...res, chain: all, ttl: Math.min(res.ttl, minTtlOf(all)) };
}
