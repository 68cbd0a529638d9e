// The zone a new hosted domain starts with (docs/store.md): SOA, NS and MX naming the mail
// host, its addresses when it lies inside the domain, SPF (RFC 7208), DMARC (RFC 7489) and
// the DKIM key records (RFC 6376 §3.6.1). Pure: the caller gives the keys and the clock.
import {
  CLASS,
  formatIP,
  formatZone,
  isSubdomain,
  normalizeName,
  parseIP,
  type RR,
  TYPE,
} from '../dns/index.js';

export interface ZoneSpec {
  domain: string;
  /** The host named by NS and MX (absolute or not; default mail.<domain>). */
  mxHost: string;
  /** Its IPv4 and IPv6 addresses, written as A and AAAA when it is inside the domain. */
  ips: string[];
  /** Selector → DKIM key record (the TXT value). */
  dkim: { selector: string; record: string }[];
  /** The SOA serial (YYYYMMDDnn). */
  serial: number;
  ttl?: number;
}

export const SPF_RECORD = 'v=spf1 mx -all';

export function dmarcRecord(domain: string): string {
  return `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain}; adkim=r; aspf=r`;
}

/** A TXT value cut into character-strings of at most 255 bytes (RFC 1035 §3.3.14). */
function txt(value: string): Uint8Array[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(new Uint8Array(bytes.subarray(i, i + 255)));
  return out;
}

/** The serial of a zone made at `now`: YYYYMMDD01 (RFC 1912 §2.2). */
export function serialFor(now: Date): number {
  const d = now.toISOString().slice(0, 10).replace(/-/g, '');
  return Number(d) * 100 + 1;
}

/** The zone file's text. Throws RangeError for an IP that does not parse or that cannot go in the zone. */
export function buildZone(spec: ZoneSpec): string {
  const ttl = spec.ttl ?? 3600;
  const origin = normalizeName(`${spec.domain}.`);
  const host = normalizeName(spec.mxHost.endsWith('.') ? spec.mxHost : `${spec.mxHost}.`);
  const rr = <T extends number>(name: string, type: T, data: unknown): RR =>
    ({ name, type, class: CLASS.IN, ttl, data }) as RR;
  const records: RR[] = [
    rr(origin, TYPE.SOA, {
      mname: host,
      rname: normalizeName(`hostmaster.${origin}`),
      serial: spec.serial,
      refresh: 3600,
      retry: 900,
      expire: 1209600,
      minimum: 300,
    }),
    rr(origin, TYPE.NS, host),
    rr(origin, TYPE.MX, { preference: 10, exchange: host }),
  ];
  const inZone = isSubdomain(host, origin);
  for (const text of spec.ips) {
    const bytes = parseIP(text);
    if (!bytes) throw new RangeError(`not an IP address: ${text}`);
    if (!inZone) throw new RangeError(`${host} is outside ${origin}: its addresses belong to its own zone`);
    records.push(rr(host, bytes.length === 4 ? TYPE.A : TYPE.AAAA, formatIP(bytes)));
  }
  records.push(rr(origin, TYPE.TXT, txt(SPF_RECORD)));
  records.push(rr(normalizeName(`_dmarc.${origin}`), TYPE.TXT, txt(dmarcRecord(spec.domain))));
  for (const k of spec.dkim) {
    records.push(rr(normalizeName(`${k.selector}._domainkey.${origin}`), TYPE.TXT, txt(k.record)));
  }
  return formatZone({ origin, defaultTtl: ttl, records });
}
