// An in-memory Resolver for DKIM tests: TXT values by name, answered by a ZoneResolver over
// one root zone (so NXDOMAIN and NODATA are real answers), plus names whose lookup fails.
import {
  type Resolution,
  type Resolver,
  type RR,
  TYPE,
  txtData,
  Zone,
  ZoneResolver,
} from '../../src/dns/index.js';

export type FakeEntry = string | string[] | { error: string } | 'NXDOMAIN';

export function fakeResolver(entries: Record<string, FakeEntry>): Resolver & { asked: string[] } {
  const records: RR[] = [
    {
      name: '.',
      type: TYPE.SOA,
      class: 1,
      ttl: 0,
      data: { mname: '.', rname: '.', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 0 },
    } as RR,
  ];
  const errors = new Map<string, string>();
  for (const [name, entry] of Object.entries(entries)) {
    const owner = `${name.toLowerCase().replace(/\.$/, '')}.`;
    if (entry === 'NXDOMAIN') continue;
    if (typeof entry === 'object' && !Array.isArray(entry)) {
      errors.set(owner, entry.error);
      continue;
    }
    for (const value of Array.isArray(entry) ? entry : [entry])
      records.push({ name: owner, type: TYPE.TXT, class: 1, ttl: 300, data: txtData(value) } as RR);
  }
  const zones = new ZoneResolver([new Zone('.', records)]);
  const asked: string[] = [];
  return {
    asked,
    async resolve(name: string, type: number): Promise<Resolution> {
      const owner = `${name.toLowerCase().replace(/\.$/, '')}.`;
      asked.push(owner);
      const error = errors.get(owner);
      if (error !== undefined) return { kind: 'error', reason: error };
      return zones.resolve(name, type);
    },
  };
}

/** FAKE_DNS.dat of Mail::DKIM: `name  rdata` lines; NXDOMAIN, ~~timeouts~~ and "" (an empty TXT). */
export function parseFakeDns(text: string): Record<string, FakeEntry> {
  const out: Record<string, FakeEntry> = {};
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.*?)\s*$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const [, name, rdata] = m as unknown as [string, string, string];
    if (rdata === 'NXDOMAIN') out[name] = 'NXDOMAIN';
    else if (/^~~.*~~$/.test(rdata)) out[name] = { error: rdata.slice(2, -2) };
    else if (rdata === '""') out[name] = '';
    else out[name] = rdata;
  }
  return out;
}
