// The OpenSPF test suites (../shared/testdata/spf, schema in SOURCES.md) turned into DNS
// data, following the driver conventions every implementation's driver follows (SOURCES.md,
// taken from pyspf's reference driver):
//   1. a name with SPF records and no TXT entry also answers TXT queries with the SPF strings;
//   2. {TXT: NONE} turns that off and adds nothing;
//   3. a bare TIMEOUT item times out a query when no record of the queried type came before
//      it in the name's list; {TYPE: TIMEOUT} times out that type;
//   4. a name not listed is NXDOMAIN, except that a name beginning "error." times out (in a
//      zone, a name above a listed one exists without records: NODATA, which SPF treats as it
//      treats NXDOMAIN);
//   5. lookups ignore case (the zones do); empty and over-long labels never reach the DNS here,
//      as the evaluator takes such names for non-existent before asking;
//   6. CNAMEs are followed (the zones follow whole chains; the data has none longer than one
//      but the loop of ptr-cname-loop, whose name fails validation either way).
// Records live in ordinary zones (one root zone in memory, one zone per top-level domain for
// the primary); the timeouts, which no server can serve, are a Resolver wrapped around them.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import {
  formatIP,
  makeRR,
  nameKey,
  normalizeName,
  parseIP,
  type Resolution,
  type Resolver,
  type RR,
  splitName,
  TYPE,
  Zone,
  ZoneResolver,
} from '../../src/dns/index.js';
import { checkSpf, type SpfResult } from '../../src/spf/index.js';

export interface SuiteTest {
  helo: string;
  host: string;
  mailfrom: string;
  result: string | string[];
  explanation?: string;
  spec?: string;
  description?: string;
  comment?: string;
}

type Entry = string | Record<string, unknown>;

export interface Scenario {
  description: string;
  tests: Record<string, SuiteTest>;
  zonedata: Record<string, Entry[]>;
}

export function loadSuite(file: string): Scenario[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as Scenario | null)
    .filter((s): s is Scenario => s !== null)
    .map((s) => ({ ...s, zonedata: s.zonedata ?? {} }));
}

/** The accepted results of a test ("any of them counts"). */
export function accepted(t: SuiteTest): string[] {
  return Array.isArray(t.result) ? t.result : [t.result];
}

const TYPES: Record<string, number> = {
  A: TYPE.A,
  AAAA: TYPE.AAAA,
  MX: TYPE.MX,
  PTR: TYPE.PTR,
  CNAME: TYPE.CNAME,
  TXT: TYPE.TXT,
  SPF: TYPE.SPF,
};

const TTL = 300;

function absolute(name: string): string {
  return normalizeName(name.endsWith('.') ? name : `${name}.`);
}

/** The character-strings of a TXT or SPF value: each string as UTF-8, split at 255 octets. */
function strings(value: unknown): Uint8Array[] {
  const list = Array.isArray(value) ? value : [value];
  const out: Uint8Array[] = [];
  for (const s of list) {
    const bytes = Buffer.from(String(s), 'utf8');
    if (bytes.length === 0) out.push(new Uint8Array(0));
    for (let i = 0; i < bytes.length; i += 255) out.push(new Uint8Array(bytes.subarray(i, i + 255)));
  }
  return out;
}

/** The scenario's records (convention 1 and 2 applied), every owner absolute. */
export function scenarioRecords(s: Scenario): RR[] {
  const out: RR[] = [];
  for (const [owner, entries] of Object.entries(s.zonedata)) {
    const name = absolute(owner);
    const spf: Uint8Array[][] = [];
    let hasTxt = false;
    for (const e of entries) {
      if (typeof e === 'string') continue; // a bare TIMEOUT
      for (const [t, v] of Object.entries(e)) {
        if (t === 'TXT') hasTxt = true;
        if (v === 'TIMEOUT' || v === 'NONE') continue;
        switch (t) {
          case 'TXT':
          case 'SPF':
            out.push(makeRR(name, TYPES[t] as 16, TTL, strings(v)));
            if (t === 'SPF') spf.push(strings(v));
            break;
          case 'A':
          case 'AAAA':
            out.push(makeRR(name, TYPES[t] as 1, TTL, formatIP(parseIP(String(v)) as Uint8Array)));
            break;
          case 'MX': {
            const [preference, exchange] = v as [number, string];
            out.push(
              makeRR(name, TYPE.MX, TTL, {
                preference,
                exchange: exchange === '' ? '.' : absolute(exchange),
              }),
            );
            break;
          }
          case 'PTR':
          case 'CNAME':
            out.push(makeRR(name, TYPES[t] as 12, TTL, absolute(String(v))));
            break;
          default:
            throw new Error(`unknown type ${t} at ${owner}`);
        }
      }
    }
    if (!hasTxt) for (const data of spf) out.push(makeRR(name, TYPE.TXT, TTL, data));
  }
  return out;
}

export const SOA_DATA = {
  mname: 'ns.test.',
  rname: 'hostmaster.test.',
  serial: 1,
  refresh: 3600,
  retry: 600,
  expire: 86400,
  minimum: TTL,
};

/** Conventions 3 and 4: whether the driver makes this query time out. */
export function timesOut(s: Scenario, name: string, type: number): boolean {
  const key = nameKey(name.endsWith('.') ? name.slice(0, -1) : name);
  const owner = Object.keys(s.zonedata).find((n) => nameKey(n.replace(/\.$/, '')) === key);
  if (owner === undefined) return key.startsWith('error.');
  let seen = false;
  for (const e of s.zonedata[owner] as Entry[]) {
    if (typeof e === 'string') {
      if (e === 'TIMEOUT' && !seen) return true;
      continue;
    }
    for (const [t, v] of Object.entries(e)) {
      if (TYPES[t] !== type) continue;
      if (v === 'TIMEOUT') return true;
      if (v !== 'NONE') seen = true;
    }
  }
  return false;
}

/**
 * A resolver applying the timeout conventions in front of another one; `timedOut` tells
 * whether a test met a timeout (such tests cannot be run against a real server).
 */
export class TimeoutResolver implements Resolver {
  timedOut = false;
  /** Every name asked, as asked. */
  readonly names: string[] = [];

  constructor(
    private readonly scenario: Scenario,
    private readonly inner: Resolver,
  ) {}

  async resolve(name: string, type: number): Promise<Resolution> {
    this.names.push(name);
    if (timesOut(this.scenario, name, type)) {
      this.timedOut = true;
      return { kind: 'error', reason: 'timeout (test data)' };
    }
    return this.inner.resolve(name, type);
  }
}

/** The in-memory resolver of a scenario: all of its records in one root zone. */
export function memoryResolver(s: Scenario): TimeoutResolver {
  const zone = new Zone('.', [makeRR('.', TYPE.SOA, TTL, SOA_DATA), ...scenarioRecords(s)]);
  return new TimeoutResolver(s, new ZoneResolver([zone]));
}

/** The top-level domains of some names (absolute or not), lower case. */
export function topLevelDomains(names: Iterable<string>): string[] {
  const tlds = new Set<string>();
  for (const n of names) {
    const labels = splitName(n.endsWith('.') ? n : absolute(n));
    if (labels.length > 0) tlds.add((labels.at(-1) as string).toLowerCase());
  }
  return [...tlds].sort();
}

/** One test through checkSpf, as the reference driver runs it. */
export function runTest(t: SuiteTest, resolver: Resolver): Promise<SpfResult> {
  return checkSpf(
    { ip: t.host, sender: t.mailfrom, helo: t.helo },
    // The reference driver sets the default explanation to "DEFAULT"; the suite expects it.
    { resolver, receiver: 'receiver.test', defaultExplanation: 'DEFAULT', now: 1_700_000_000 },
  );
}
