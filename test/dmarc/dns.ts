// In-memory DNS for the DMARC tests: one root zone from master-file lines (names absolute),
// answered by a ZoneResolver, and a spy that counts the queries and can fail some names.
import { parseZone, type Resolution, type Resolver, Zone, ZoneResolver } from '../../src/dns/index.js';

export function zone(lines: string[]): ZoneResolver {
  const { records } = parseZone(['$TTL 300', '. SOA ns. host. 1 1 1 1 300', ...lines].join('\n'));
  return new ZoneResolver([new Zone('.', records)]);
}

/** `_dmarc.<domain>` TXT lines for a map of domain → record text. */
export function dmarcZone(records: Record<string, string | string[]>, extra: string[] = []): ZoneResolver {
  const lines = Object.entries(records).flatMap(([domain, text]) =>
    (Array.isArray(text) ? text : [text]).map((t) => `_dmarc.${domain}. TXT ${JSON.stringify(t)}`),
  );
  return zone([...lines, ...extra]);
}

export class Spy implements Resolver {
  asked: string[] = [];
  constructor(
    private readonly inner: Resolver,
    private readonly fail: (name: string) => boolean = () => false,
  ) {}
  resolve(name: string, type: number): Promise<Resolution> {
    this.asked.push(`${name.replace(/\.$/, '')}/${type}`);
    if (this.fail(name)) return Promise.resolve({ kind: 'error', reason: 'SERVFAIL' });
    return this.inner.resolve(name, type);
  }
  /** The _dmarc names asked (TXT queries), without the prefix. */
  get walked(): string[] {
    return this.asked
      .filter((a) => a.endsWith('/16'))
      .map((a) => a.replace(/^_dmarc\./, '').replace(/\/16$/, ''));
  }
}
