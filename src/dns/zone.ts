// One authoritative zone in memory and the lookup of RFC 1034 §4.3.2: zone cuts become
// referrals, CNAMEs are followed inside the zone, empty non-terminals exist (RFC 8020's
// NXDOMAIN-cut reading), and wildcards synthesize answers as RFC 4592 says. Pure data: the
// server, the UPDATE processor and the in-memory Resolver all read it.
import { TYPE } from './constants.js';
import { isSubdomain, nameKey, namesEqual, parentName, parseLabels, splitName } from './name.js';
import type { RR, SoaData } from './types.js';

export class ZoneError extends Error {
  override name = 'ZoneError';
}

interface Node {
  name: string;
  /** RRsets by type; an empty map is an empty non-terminal. */
  sets: Map<number, RR[]>;
}

export type Lookup =
  /** Records of the type at the name (or synthesized from a wildcard), after `chain`'s CNAMEs. */
  | { kind: 'answer'; chain: RR[]; records: RR[] }
  /** The name exists without the type. */
  | { kind: 'nodata'; chain: RR[] }
  | { kind: 'nxdomain'; chain: RR[] }
  /** The name is at or below a zone cut: the child's NS set and the glue we hold for it. */
  | { kind: 'referral'; chain: RR[]; ns: RR[]; glue: RR[] }
  /** A CNAME led out of this zone: `chain` is the whole answer. */
  | { kind: 'out'; chain: RR[] }
  /** A DNAME would make a name longer than 255 octets (RFC 6672 §2.2): YXDOMAIN. */
  | { kind: 'yxdomain'; chain: RR[] };

const MAX_CHAIN = 16;

export class Zone {
  readonly origin: string;
  private nodes = new Map<string, Node>();
  private apexKey: string;
  private apexLabels: number;

  constructor(origin: string, records: Iterable<RR> = []) {
    this.origin = origin;
    this.apexKey = nameKey(origin);
    this.apexLabels = splitName(origin).length;
    this.nodes.set(this.apexKey, { name: origin, sets: new Map() });
    for (const rr of records) this.add(rr);
  }

  /** The zone's SOA record; a zone is not servable without one. */
  get soa(): RR & { data: SoaData } {
    const soa = this.nodes.get(this.apexKey)?.sets.get(TYPE.SOA)?.[0];
    if (!soa) throw new ZoneError(`zone ${this.origin} has no SOA record`);
    return soa as RR & { data: SoaData };
  }

  get serial(): number {
    return this.soa.data.serial;
  }

  /** TTL of negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §5). */
  get negativeTtl(): number {
    const soa = this.soa;
    return Math.min(soa.ttl, soa.data.minimum);
  }

  contains(name: string): boolean {
    return isSubdomain(name, this.origin);
  }

  /** Adds a record; a duplicate (same name, type, class and data) only sets the TTL. Returns whether anything changed. */
  add(rr: RR): boolean {
    if (!this.contains(rr.name)) throw new ZoneError(`${rr.name} is outside zone ${this.origin}`);
    const node = this.ensureNode(rr.name);
    let set = node.sets.get(rr.type);
    if (!set) {
      set = [];
      node.sets.set(rr.type, set);
    }
    // One TTL per RRset (RFC 2181 §5.2): the newest record's TTL wins for the whole set.
    const retimed = set.length > 0 && set[0]?.ttl !== rr.ttl;
    if (retimed) for (const x of set) x.ttl = rr.ttl;
    if (set.some((x) => sameData(x, rr))) return retimed;
    set.push(rr);
    return true;
  }

  /** Removes one record by value; returns whether it was there. */
  remove(rr: RR): boolean {
    const node = this.nodes.get(nameKey(rr.name));
    const set = node?.sets.get(rr.type);
    if (!node || !set) return false;
    const i = set.findIndex((x) => sameData(x, rr));
    if (i < 0) return false;
    set.splice(i, 1);
    if (set.length === 0) node.sets.delete(rr.type);
    this.prune(node);
    return true;
  }

  /** Removes an RRset (or every set at the name when type is ANY); returns the records removed. */
  removeSet(name: string, type: number): RR[] {
    const node = this.nodes.get(nameKey(name));
    if (!node) return [];
    let removed: RR[] = [];
    if (type === TYPE.ANY) {
      for (const set of node.sets.values()) removed = removed.concat(set);
      node.sets.clear();
    } else {
      removed = node.sets.get(type) ?? [];
      node.sets.delete(type);
    }
    this.prune(node);
    return removed;
  }

  /** The RRset of a type at a name, as stored (no CNAME, wildcard or cut processing). */
  rrset(name: string, type: number): RR[] {
    return this.nodes.get(nameKey(name))?.sets.get(type) ?? [];
  }

  /** Every record at a name, as stored. */
  recordsAt(name: string): RR[] {
    const node = this.nodes.get(nameKey(name));
    return node ? [...node.sets.values()].flat() : [];
  }

  /** True when the name owns records or is an empty non-terminal. */
  exists(name: string): boolean {
    return this.nodes.has(nameKey(name));
  }

  /** Every record, SOA first, then by name in insertion order (AXFR and zone files). */
  *records(): IterableIterator<RR> {
    yield this.soa;
    for (const node of this.nodes.values()) {
      for (const [type, set] of node.sets) {
        if (type === TYPE.SOA && node === this.nodes.get(this.apexKey)) continue;
        yield* set;
      }
    }
  }

  get size(): number {
    let n = 0;
    for (const node of this.nodes.values()) for (const set of node.sets.values()) n += set.length;
    return n;
  }

  /** A deep enough copy for a transaction: records are shared, sets are not. */
  clone(): Zone {
    const z = new Zone(this.origin);
    z.nodes = new Map();
    for (const [k, node] of this.nodes) {
      z.nodes.set(k, {
        name: node.name,
        sets: new Map([...node.sets].map(([t, s]) => [t, s.map((r) => ({ ...r }))])),
      });
    }
    return z;
  }

  /** Answers a question the way an authoritative server does (RFC 1034 §4.3.2, RFC 4592). */
  lookup(qname: string, qtype: number): Lookup {
    const chain: RR[] = [];
    let name = qname;
    const seen = new Set<string>();
    for (let step = 0; step <= MAX_CHAIN; step++) {
      if (!this.contains(name)) return { kind: 'out', chain };
      const cut = this.findCut(name, qtype);
      if (cut) return { kind: 'referral', chain, ns: cut, glue: this.glue(cut) };
      const dname = this.dnameAbove(name);
      if (dname) {
        // RFC 6672 §3.2: the DNAME, then a CNAME made from it, with its TTL; on from there.
        const owner = dname.name;
        const target = dname.data as string;
        const prefix = name.slice(0, name.length - owner.length);
        const next = target === '.' ? prefix : `${prefix}${target}`;
        chain.push(dname);
        if (!isWireName(next)) return { kind: 'yxdomain', chain };
        const cname: RR = { name, type: TYPE.CNAME, class: dname.class, ttl: dname.ttl, data: next };
        // Asked for the CNAME itself: that is the answer, as for a CNAME held in the zone.
        if (qtype === TYPE.CNAME) return { kind: 'answer', chain, records: [cname] };
        chain.push(cname);
        const key = nameKey(name);
        if (seen.has(key)) return { kind: 'out', chain };
        seen.add(key);
        name = next;
        continue;
      }
      let node = this.nodes.get(nameKey(name));
      let synthesized = false;
      if (!node) {
        const wild = this.wildcardFor(name);
        if (!wild) return { kind: 'nxdomain', chain };
        node = wild;
        synthesized = true;
      }
      const own = (set: RR[]) => (synthesized ? set.map((r) => ({ ...r, name })) : set);
      if (qtype === TYPE.ANY) {
        // RFC 8482 §4.2: answer ANY with one RRset rather than all of them.
        const first = [...node.sets.values()][0];
        return first ? { kind: 'answer', chain, records: own(first) } : { kind: 'nodata', chain };
      }
      const set = node.sets.get(qtype);
      if (set) return { kind: 'answer', chain, records: own(set) };
      const cname = node.sets.get(TYPE.CNAME);
      if (!cname || qtype === TYPE.CNAME) return { kind: 'nodata', chain };
      const key = nameKey(name);
      if (seen.has(key)) return { kind: 'out', chain }; // a loop: stop where it closes
      seen.add(key);
      chain.push(...own(cname));
      name = cname[0]?.data as string;
    }
    return { kind: 'out', chain };
  }

  /** The NS set of the zone cut at or above `name` (strictly below the apex), if any. */
  private findCut(name: string, qtype: number): RR[] | undefined {
    const labels = splitName(name);
    // Walk from just below the apex down to the name itself.
    for (let i = labels.length - this.apexLabels - 1; i >= 0; i--) {
      const at = `${labels.slice(i).join('.')}.`;
      const node = this.nodes.get(nameKey(at));
      if (!node) return undefined; // nothing deeper can exist
      const ns = node.sets.get(TYPE.NS);
      // DS lives on the parent side of the cut (RFC 4035 §3.1.4.1).
      if (ns && !(i === 0 && qtype === TYPE.DS)) return ns;
    }
    return undefined;
  }

  /**
   * The DNAME of an ancestor of `name` (the apex included, `name` itself not): everything
   * below its owner is redirected (RFC 6672 §2.3). The highest one wins, as nothing below
   * it can be reached.
   */
  private dnameAbove(name: string): RR | undefined {
    const labels = splitName(name);
    for (let i = labels.length - this.apexLabels; i >= 1; i--) {
      const at = i === labels.length ? '.' : `${labels.slice(i).join('.')}.`;
      const node = this.nodes.get(nameKey(at));
      if (!node) return undefined; // nothing deeper can exist
      const set = node.sets.get(TYPE.DNAME);
      if (set?.[0]) return set[0];
    }
    return undefined;
  }

  /** Addresses held for the targets of a referral, sibling glue included. */
  private glue(ns: RR[]): RR[] {
    const out: RR[] = [];
    for (const rr of ns) {
      const target = rr.data as string;
      if (!this.contains(target)) continue;
      out.push(...this.rrset(target, TYPE.A), ...this.rrset(target, TYPE.AAAA));
    }
    return out;
  }

  /** The wildcard node that synthesizes `name` (RFC 4592 §3.3.1), if any. */
  private wildcardFor(name: string): Node | undefined {
    // The closest encloser: the longest existing ancestor.
    let encloser = parentName(name);
    while (!this.nodes.has(nameKey(encloser))) {
      if (namesEqual(encloser, this.origin)) break;
      encloser = parentName(encloser);
    }
    return this.nodes.get(nameKey(`*.${encloser === '.' ? '' : encloser}`));
  }

  private ensureNode(name: string): Node {
    const key = nameKey(name);
    let node = this.nodes.get(key);
    if (node) return node;
    node = { name, sets: new Map() };
    this.nodes.set(key, node);
    // Empty non-terminals between the name and the apex exist too.
    for (
      let p = parentName(name);
      !namesEqual(p, this.origin) && !this.nodes.has(nameKey(p));
      p = parentName(p)
    ) {
      this.nodes.set(nameKey(p), { name: p, sets: new Map() });
    }
    return node;
  }

  /** Drops a node left empty, and empty non-terminals above it that no longer lead anywhere. */
  private prune(node: Node): void {
    let cur: Node | undefined = node;
    while (cur && cur.sets.size === 0 && nameKey(cur.name) !== this.apexKey && !this.hasChildren(cur.name)) {
      this.nodes.delete(nameKey(cur.name));
      cur = this.nodes.get(nameKey(parentName(cur.name)));
    }
  }

  private hasChildren(name: string): boolean {
    const suffix = `.${nameKey(name)}`;
    for (const k of this.nodes.keys())
      if (k.endsWith(suffix) && isSubdomain(k, name) && k !== nameKey(name)) return true;
    return false;
  }
}

/** Same owner, type, class and data (TTL ignored), as RFC 2136 compares records. */
export function sameData(a: RR, b: RR): boolean {
  if (a.type !== b.type || a.class !== b.class || !namesEqual(a.name, b.name)) return false;
  return dataKey(a) === dataKey(b);
}

/** A comparable form of record data: names case-folded, bytes as hex. */
export function dataKey(rr: RR): string {
  return JSON.stringify(rr.data, (_k, v) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
    return typeof v === 'string' && NAME_TYPES.has(rr.type) ? v.toLowerCase() : v;
  });
}

const NAME_TYPES = new Set<number>([TYPE.NS, TYPE.CNAME, TYPE.PTR, TYPE.DNAME, TYPE.MX, TYPE.SOA, TYPE.SRV]);

/** True when a name fits the wire (255 octets, labels of 63). */
function isWireName(name: string): boolean {
  try {
    parseLabels(name);
    return true;
  } catch {
    return false;
  }
}
