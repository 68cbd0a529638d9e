// The DNS side of DMARC: the TXT query at _dmarc.<domain> (RFC 9989 §4.10 steps 1-2), the
// existence test behind np= (§3.2.13, Appendix A.4), and the DNS Tree Walk (§4.10), with
// every answer kept for the evaluation it serves, so that the walks of the Author Domain and
// of each Authenticated Identifier ask each name once.
import { dataOf, type Resolver, TYPE, txtString } from '../dns/index.js';
import { type DmarcRecord, isDmarcRecord, parseRecord } from './record.js';

/** What one _dmarc query found. */
export type RecordLookup =
  | { kind: 'record'; domain: string; text: string; record: DmarcRecord }
  /** No DMARC record there: no such name, no TXT, no TXT starting with v=DMARC1, or several (all discarded). */
  | { kind: 'none'; domain: string; why: string }
  | { kind: 'error'; domain: string; reason: string };

/** The records found by one walk, longest name first, and where it stopped. */
export interface TreeWalk {
  start: string;
  /** Every name asked, in order, with what it gave. */
  steps: RecordLookup[];
  found: Extract<RecordLookup, { kind: 'record' }>[];
  /** The first DNS failure, which ends the walk (the caller's temperror). */
  error?: Extract<RecordLookup, { kind: 'error' }> | undefined;
}

/** The most names one walk asks (§4.10: no more than eight queries whatever the labels). */
export const MAX_WALK_QUERIES = 8;

/**
 * The names a walk from `domain` asks, in order (§4.10 steps 3-7): the domain itself, then,
 * if it has eight labels or more, its last seven, then each parent down to the top label.
 */
export function treeWalkNames(domain: string): string[] {
  const labels = domain.split('.');
  const out = [domain];
  for (let n = labels.length >= MAX_WALK_QUERIES ? MAX_WALK_QUERIES - 1 : labels.length - 1; n >= 1; n--)
    out.push(labels.slice(-n).join('.'));
  return out;
}

/** The DMARC queries of one evaluation over a Resolver, each name asked once. */
export class DmarcDns {
  /** Queries sent to the resolver (answers from this object's memory not counted). */
  queries = 0;
  private readonly records = new Map<string, Promise<RecordLookup>>();
  private readonly existence = new Map<string, Promise<boolean | string>>();

  constructor(readonly resolver: Resolver) {}

  /** The DMARC record at _dmarc.<domain> (a normalized domain). */
  record(domain: string): Promise<RecordLookup> {
    let p = this.records.get(domain);
    if (!p) {
      p = this.ask(domain);
      this.records.set(domain, p);
    }
    return p;
  }

  /** Whether the domain exists (anything but NXDOMAIN), or the reason the answer failed. */
  exists(domain: string): Promise<boolean | string> {
    let p = this.existence.get(domain);
    if (!p) {
      this.queries++;
      // Any type does: NXDOMAIN is about the name (RFC 8020), NODATA means it exists.
      p = this.resolver
        .resolve(`${domain}.`, TYPE.A)
        .then((res) => (res.kind === 'error' ? res.reason : res.kind !== 'nxdomain'));
      this.existence.set(domain, p);
    }
    return p;
  }

  private async ask(domain: string): Promise<RecordLookup> {
    const name = `_dmarc.${domain}.`;
    if (name.length > 254) return { kind: 'none', domain, why: `${name} is too long to ask` };
    this.queries++;
    const res = await this.resolver.resolve(name, TYPE.TXT);
    if (res.kind === 'error') return { kind: 'error', domain, reason: `${name}: ${res.reason}` };
    if (res.kind === 'nxdomain') return { kind: 'none', domain, why: `${name} does not exist` };
    const texts: string[] = [];
    for (const rr of res.kind === 'answer' ? res.records : []) {
      const data = dataOf(rr, TYPE.TXT);
      // §4.5: the strings of one TXT record are joined; records not starting with v=DMARC1 are not DMARC's.
      if (data && isDmarcRecord(txtString(data))) texts.push(txtString(data));
    }
    if (texts.length === 0) return { kind: 'none', domain, why: `no DMARC record at ${name}` };
    if (texts.length > 1)
      return {
        kind: 'none',
        domain,
        why: `${texts.length} DMARC records at ${name}, all discarded (RFC 9989 §4.10)`,
      };
    const text = texts[0] as string;
    const parsed = parseRecord(text);
    // isDmarcRecord passed, so the parse cannot fail; kept total for the type.
    if (!parsed.ok) return { kind: 'none', domain, why: parsed.reason };
    return { kind: 'record', domain, text, record: parsed.record };
  }
}

/**
 * The DNS Tree Walk (§4.10) from `start`, skipping its first `skip` names (policy discovery
 * has asked the Author Domain already). Stops at a record with psd=y or psd=n, or at the
 * first DNS failure.
 */
export async function treeWalk(start: string, dns: DmarcDns, skip = 0): Promise<TreeWalk> {
  const walk: TreeWalk = { start, steps: [], found: [] };
  for (const name of treeWalkNames(start).slice(skip)) {
    const r = await dns.record(name);
    walk.steps.push(r);
    if (r.kind === 'error') {
      walk.error = r;
      return walk;
    }
    if (r.kind === 'record') {
      walk.found.push(r);
      if (r.record.psd !== 'u') return walk;
    }
  }
  return walk;
}
