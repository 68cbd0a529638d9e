// A set of zones and the in-memory Resolver over them (tests, `--zone FILE`).
import { TYPE } from './constants.js';
import { nameKey, normalizeName, parentName } from './name.js';
import type { Resolution, Resolver } from './resolver.js';
import type { RR } from './types.js';
import type { Lookup, Zone } from './zone.js';

export class Catalog {
  private zones = new Map<string, Zone>();

  constructor(zones: Iterable<Zone> = []) {
    for (const z of zones) this.set(z);
  }

  set(zone: Zone): void {
    this.zones.set(nameKey(zone.origin), zone);
  }

  delete(origin: string): boolean {
    return this.zones.delete(nameKey(origin));
  }

  get(origin: string): Zone | undefined {
    return this.zones.get(nameKey(origin));
  }

  /** The zone with the longest origin that contains the name. */
  find(name: string): Zone | undefined {
    if (this.zones.size === 0) return undefined;
    for (let n = name; ; n = parentName(n)) {
      const z = this.zones.get(nameKey(n));
      if (z) return z;
      if (n === '.') return undefined;
    }
  }

  list(): Zone[] {
    return [...this.zones.values()];
  }
}

/** A Resolver answering from zones in memory, as an authoritative server would. */
export class ZoneResolver implements Resolver {
  readonly catalog: Catalog;

  constructor(zones: Catalog | Iterable<Zone>) {
    this.catalog = zones instanceof Catalog ? zones : new Catalog(zones);
  }

  async resolve(name: string, type: number): Promise<Resolution> {
    return this.resolveSync(name, type);
  }

  resolveSync(name: string, type: number): Resolution {
    let qname: string;
    try {
      qname = normalizeName(name.endsWith('.') ? name : `${name}.`);
    } catch (err) {
      return { kind: 'error', reason: (err as Error).message };
    }
    const hit = lookupAcross(this.catalog, qname, type);
    if (!hit) return { kind: 'error', reason: `no zone holds ${qname}` };
    const { zone, found } = hit;
    switch (found.kind) {
      case 'answer':
        return {
          kind: 'answer',
          records: found.records,
          chain: found.chain,
          ttl: minTtl([...found.chain, ...found.records]),
        };
      case 'nodata':
        return { kind: 'nodata', ttl: zone.negativeTtl };
      case 'nxdomain':
        return { kind: 'nxdomain', ttl: zone.negativeTtl };
      case 'referral':
        return { kind: 'error', reason: `${qname} is delegated away from ${zone.origin}` };
      default:
        return { kind: 'error', reason: `the CNAME chain of ${qname} leaves the zones held or loops` };
    }
  }
}

/** The zone that answers a question: the closest enclosing one, but DS at a child's apex is the parent's (RFC 4035 §3.1.4.1). */
export function zoneFor(catalog: Catalog, name: string, type: number): Zone | undefined {
  const zone = catalog.find(name);
  if (zone && type === TYPE.DS && name !== '.' && nameKey(zone.origin) === nameKey(name)) {
    return catalog.find(parentName(name)) ?? zone;
  }
  return zone;
}

/**
 * RFC 1034 §4.3.2 over every zone held: a CNAME that leaves one zone for another of ours,
 * or leads below a cut into a child we also serve, is followed there (step 3a starts the
 * search again from the top). Undefined when no zone holds the name.
 */
export function lookupAcross(
  catalog: Catalog,
  qname: string,
  qtype: number,
): { zone: Zone; found: Lookup } | undefined {
  let zone = zoneFor(catalog, qname, qtype);
  if (!zone) return undefined;
  let found = zone.lookup(qname, qtype);
  let chain = found.chain;
  for (let hops = 0; hops < 8 && (found.kind === 'out' || found.kind === 'referral'); hops++) {
    const last = found.chain.at(-1);
    if (last?.type !== TYPE.CNAME) break;
    const target = last.data as string;
    const next = zoneFor(catalog, target, qtype);
    // Stop outside our zones, and where the zone would not change (a loop, or a real referral).
    if (!next || next === zone) break;
    zone = next;
    found = zone.lookup(target, qtype);
    chain = chain.concat(found.chain);
  }
  return { zone, found: { ...found, chain } };
}

export function minTtl(records: readonly RR[]): number {
  let ttl = Number.POSITIVE_INFINITY;
  for (const r of records) if (r.ttl < ttl) ttl = r.ttl;
  return Number.isFinite(ttl) ? ttl : 0;
}
