// What the resolver service does with one client message, transport aside: the access
// list first, then a cache of encoded answers (the fast path: no decoding, no allocation
// beyond one copy), else the recursive resolver. A cached answer stores when it was made
// and when it expires; each copy served has its TTLs lowered by the seconds since.
import {
  type DecodedMessage,
  decodeMessage,
  encodeMessage,
  isMetaType,
  type Message,
  OPCODE,
  RCODE,
  type RecursiveResolver,
  type RecursiveResult,
  responseTo,
  TYPE,
  udpLimit,
} from '../../dns/index.js';
import { cacheKey, KEY_PREFIX, type Transport } from '../dns-socket.js';

export interface ResolverCounters {
  queries: number;
  cacheHits: number;
  refused: number;
  servfail: number;
  formerr: number;
}

interface Cached {
  wire: Uint8Array;
  /** Where each TTL field is (OPT's excepted), and its value when stored. */
  ttls: { at: number; ttl: number }[];
  stored: number;
  expires: number;
}

const CACHE_MAX = 100_000;

export class ResolverHandler {
  readonly counters: ResolverCounters = { queries: 0, cacheHits: 0, refused: 0, servfail: 0, formerr: 0 };
  private readonly answers = new Map<string, Cached>();

  constructor(
    private readonly resolver: RecursiveResolver,
    private readonly allowed: (address: string) => boolean,
    private readonly now: () => number = Date.now,
    /** Names this resolver answers for; others are REFUSED (a forward-only resolver). Default: all. */
    private readonly inScope?: (name: string) => boolean,
  ) {}

  get cacheSize(): number {
    return this.answers.size;
  }

  /** The cached answer to a plain query from an allowed client, synchronously, or undefined. */
  fromCache(bytes: Uint8Array, transport: Transport, remote: string): Uint8Array | undefined {
    if (this.answers.size === 0 || !this.allowed(remote)) return undefined;
    const key = cacheKey(bytes, transport);
    if (key === undefined) return undefined;
    const hit = this.answers.get(key);
    if (!hit) return undefined;
    const now = this.now();
    if (now >= hit.expires) {
      this.answers.delete(key);
      return undefined;
    }
    this.counters.queries++;
    this.counters.cacheHits++;
    const out = Buffer.allocUnsafe(hit.wire.length);
    out.set(hit.wire);
    // This query's id, RD and CD, and its question (the case of its name).
    out[0] = bytes[0] as number;
    out[1] = bytes[1] as number;
    out[2] = ((out[2] as number) & ~0x01) | ((bytes[2] as number) & 0x01);
    out[3] = ((out[3] as number) & ~0x10) | ((bytes[3] as number) & 0x10);
    out.set(bytes.subarray(12, 12 + key.length - KEY_PREFIX), 12);
    const elapsed = Math.floor((now - hit.stored) / 1000);
    if (elapsed > 0) for (const t of hit.ttls) out.writeUInt32BE(Math.max(0, t.ttl - elapsed), t.at);
    return out;
  }

  /** Answers one message; undefined to stay silent (a response, or garbage without an id). */
  async handle(bytes: Uint8Array, transport: Transport, remote: string): Promise<Uint8Array | undefined> {
    const fast = this.fromCache(bytes, transport, remote);
    if (fast) return fast;
    let query: DecodedMessage;
    try {
      query = decodeMessage(bytes);
    } catch {
      this.counters.formerr++;
      return formerr(bytes);
    }
    if (query.flags.qr) return undefined;
    this.counters.queries++;
    const finish = (res: Message) =>
      encodeMessage(res, { maxSize: transport === 'udp' ? udpLimit(query) : 65535 });
    const fail = (rcode: number) => {
      if (rcode === RCODE.REFUSED) this.counters.refused++;
      const res = responseTo(query, rcode);
      res.flags.ra = true;
      return finish(res);
    };
    // Never an open resolver: others learn nothing, not even whether a name is cached.
    if (!this.allowed(remote)) return fail(RCODE.REFUSED);
    if (query.edns && query.edns.version > 0) return fail(RCODE.BADVERS);
    if (query.flags.opcode !== OPCODE.QUERY) return fail(RCODE.NOTIMP);
    const q = query.questions[0];
    if (!q || query.questions.length !== 1) {
      this.counters.formerr++;
      return fail(RCODE.FORMERR);
    }
    if (q.class !== 1 || (isMetaType(q.type) && q.type !== TYPE.ANY)) return fail(RCODE.REFUSED);
    if (this.inScope && !this.inScope(q.name)) return fail(RCODE.REFUSED);
    // RD clear: the cache alone (a client checking what we hold), else REFUSED.
    const result = query.flags.rd
      ? await this.resolver.lookup(q.name, q.type)
      : this.resolver.cached(q.name, q.type);
    if (!result) return fail(RCODE.REFUSED);
    if (result.kind === 'error') {
      this.counters.servfail++;
      return fail(RCODE.SERVFAIL);
    }
    const wire = finish(responseOf(query, result));
    const key = query.additional.length === 0 ? cacheKey(bytes, transport) : undefined;
    if (key !== undefined && result.ttl > 0) {
      if (this.answers.size >= CACHE_MAX) this.answers.delete(this.answers.keys().next().value as string);
      const now = this.now();
      this.answers.set(key, { wire, ttls: ttlFields(wire), stored: now, expires: now + result.ttl * 1000 });
    }
    return wire;
  }
}

/** The response to a query from a resolution: RA set, the chain first, the SOA of a negative answer. */
export function responseOf(query: Message, result: Exclude<RecursiveResult, { kind: 'error' }>): Message {
  const res = responseTo(query);
  res.flags.ra = true;
  if (result.kind === 'answer') {
    res.answers = [...result.chain, ...result.records];
  } else {
    res.answers = result.chain;
    if (result.soa) res.authority = [result.soa];
    if (result.kind === 'nxdomain') res.rcode = RCODE.NXDOMAIN;
  }
  return res;
}

/** Header only: the id, the opcode, RD, and FORMERR (RFC 1035 §4.1.1); nothing for a response. */
function formerr(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < 12 || ((bytes[2] as number) & 0x80) !== 0) return undefined;
  const out = new Uint8Array(12);
  out[0] = bytes[0] as number;
  out[1] = bytes[1] as number;
  out[2] = 0x80 | ((bytes[2] as number) & 0x79);
  out[3] = 0x80 | RCODE.FORMERR;
  return out;
}

/** Offsets and values of the TTL fields of an encoded message's records, OPT excepted. */
export function ttlFields(wire: Uint8Array): { at: number; ttl: number }[] {
  const u16 = (p: number) => ((wire[p] as number) << 8) | (wire[p + 1] as number);
  const skipName = (p: number): number => {
    for (;;) {
      const len = wire[p] as number;
      if (len === 0) return p + 1;
      if ((len & 0xc0) === 0xc0) return p + 2;
      p += len + 1;
    }
  };
  let p = 12;
  for (let i = u16(4); i > 0; i--) p = skipName(p) + 4;
  const out: { at: number; ttl: number }[] = [];
  const records = u16(6) + u16(8) + u16(10);
  for (let i = 0; i < records && p < wire.length; i++) {
    p = skipName(p);
    const type = u16(p);
    const at = p + 4;
    if (type !== TYPE.OPT) {
      const ttl = ((u16(at) << 16) | u16(at + 2)) >>> 0;
      out.push({ at, ttl });
    }
    p = at + 4 + 2 + u16(at + 4);
  }
  return out;
}
