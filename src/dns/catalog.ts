// A set of zones and the in-memory Resolver over them (tests, `--zone FILE`).
import { TYPE } from './constants.js';
import { nameKey, normalizeName, parentName } from './name.js';
import type { Resolution, Resolver } from './resolver.js';
import type { RR } from './types.js';
import type { Zone } from './zone.js';

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
    const chain: RR[] = [];
    for (let hops = 0; hops < 8; hops++) {
      const zone = this.catalog.find(qname);
      if (!zone) return { kind: 'error', reason: `no zone holds ${qname}` };
      const res = zone.lookup(qname, type);
      chain.push(...res.chain);
      switch (res.kind) {
        case 'answer':
          return { kind: 'answer', records: res.records, chain, ttl: minTtl([...chain, ...res.records]) };
        case 'nodata':
          return { kind: 'nodata', ttl: zone.negativeTtl };
        case 'nxdomain':
          return { kind: 'nxdomain', ttl: zone.negativeTtl };
        case 'referral':
          return { kind: 'error', reason: `${qname} is delegated away from ${zone.origin}` };
        case 'out': {
          const last = res.chain.at(-1);
          if (!last || last.type !== TYPE.CNAME) return { kind: 'error', reason: `CNAME loop at ${qname}` };
          qname = last.data as string;
        }
      }
    }
    return { kind: 'error', reason: `CNAME chain too long at ${name}` };
  }
}

export function minTtl(records: readonly RR[]): number {
  let ttl = Number.POSITIVE_INFINITY;
  for (const r of records) if (r.ttl < ttl) ttl = r.ttl;
  return Number.isFinite(ttl) ? ttl : 0;
}
