// Where mail for a domain goes (RFC 5321 §5.1): its MX hosts by preference, shuffled among
// equals; no MX record means the domain itself (implicit MX); a null MX (RFC 7505) means
// no mail at all. Each host's addresses follow, IPv6 first. Randomness comes in.
import { type Resolver, TYPE } from '../dns/index.js';

export interface MxHost {
  name: string;
  preference: number;
  addresses: string[];
}

export type MxRoute =
  | { kind: 'hosts'; hosts: MxHost[]; implicit: boolean }
  /** RFC 7505: the domain takes no mail; permanent. */
  | { kind: 'null-mx' }
  /** No such domain, or no host with an address; permanent. */
  | { kind: 'none'; reason: string }
  /** DNS failed; try later. */
  | { kind: 'temporary'; reason: string };

/** Shuffles in place (Fisher–Yates) with the given random number in [0, 1). */
function shuffle<T>(a: T[], random: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

async function addressesOf(resolver: Resolver, name: string): Promise<string[] | { error: string }> {
  const out: string[] = [];
  let error: string | undefined;
  for (const type of [TYPE.AAAA, TYPE.A]) {
    const r = await resolver.resolve(name, type);
    if (r.kind === 'answer') for (const rr of r.records) if (rr.type === type) out.push(rr.data as string);
    if (r.kind === 'error') error = r.reason;
  }
  return out.length === 0 && error ? { error } : out;
}

export async function mxRoute(domain: string, resolver: Resolver, random: () => number): Promise<MxRoute> {
  const mx = await resolver.resolve(domain, TYPE.MX);
  if (mx.kind === 'error') return { kind: 'temporary', reason: `MX of ${domain}: ${mx.reason}` };
  if (mx.kind === 'nxdomain') return { kind: 'none', reason: `${domain}: no such domain` };
  let hosts: { name: string; preference: number }[];
  let implicit = false;
  if (mx.kind === 'nodata') {
    hosts = [{ name: domain, preference: 0 }];
    implicit = true;
  } else {
    const records = mx.records.flatMap((rr) =>
      rr.type === TYPE.MX ? [rr.data as { preference: number; exchange: string }] : [],
    );
    // RFC 7505 §3: one MX, preference 0, exchange ".".
    if (records.some((r) => r.exchange === '.' || r.exchange === '')) return { kind: 'null-mx' };
    const byPref = new Map<number, string[]>();
    for (const r of records) byPref.set(r.preference, [...(byPref.get(r.preference) ?? []), r.exchange]);
    hosts = [...byPref.keys()]
      .sort((a, b) => a - b)
      .flatMap((p) => shuffle(byPref.get(p) as string[], random).map((name) => ({ name, preference: p })));
  }
  const out: MxHost[] = [];
  let lastError: string | undefined;
  for (const h of hosts) {
    const a = await addressesOf(resolver, h.name);
    if (Array.isArray(a)) {
      if (a.length) out.push({ ...h, addresses: a });
    } else lastError = a.error;
  }
  if (out.length) return { kind: 'hosts', hosts: out, implicit };
  if (lastError) return { kind: 'temporary', reason: lastError };
  return { kind: 'none', reason: `${domain}: no mail host with an address` };
}
