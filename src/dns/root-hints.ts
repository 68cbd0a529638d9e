// Root hints: where iteration starts. Read from a file in the usual named.root format (the
// root's NS set and its servers' addresses, as a master file) or taken from the IANA copy
// embedded below, so a package needs no data file beside its code.
import { TYPE } from './constants.js';
import { nameKey } from './name.js';
import type { RR } from './types.js';
import { parseZone } from './zonefile.js';

export class RootHintsError extends Error {
  override name = 'RootHintsError';
}

/** A delegation as the resolver holds it: the zone, its name servers and the addresses known. */
export interface Hints {
  zone: string;
  ns: string[];
  /** Addresses by name-server key (nameKey), IPv4 and IPv6. */
  addresses: Map<string, string[]>;
}

/** Parses a named.root-style file: NS records at the root, A/AAAA for the servers they name. */
export function parseRootHints(text: string, file = 'root hints'): Hints {
  let records: RR[];
  try {
    records = parseZone(text, { origin: '.', defaultTtl: 3_600_000, file }).records;
  } catch (err) {
    throw new RootHintsError((err as Error).message);
  }
  const ns = records.filter((rr) => rr.type === TYPE.NS && rr.name === '.').map((rr) => rr.data as string);
  if (ns.length === 0) throw new RootHintsError(`${file}: no NS records for the root`);
  const wanted = new Set(ns.map(nameKey));
  const addresses = new Map<string, string[]>();
  for (const rr of records) {
    if (rr.type !== TYPE.A && rr.type !== TYPE.AAAA) continue;
    const key = nameKey(rr.name);
    if (!wanted.has(key)) continue;
    addresses.set(key, [...(addresses.get(key) ?? []), rr.data as string]);
  }
  if (addresses.size === 0) throw new RootHintsError(`${file}: no addresses for the root's name servers`);
  return { zone: '.', ns, addresses };
}

/** Hints for any zone from its servers' addresses (forward zones, tests). */
export function hintsFor(zone: string, servers: { name: string; addresses: string[] }[]): Hints {
  const addresses = new Map<string, string[]>();
  for (const s of servers) addresses.set(nameKey(s.name), s.addresses);
  return { zone, ns: servers.map((s) => s.name), addresses };
}

const ROOT_SERVERS: [string, string, string][] = [
  ['A', '198.41.0.4', '2001:503:ba3e::2:30'],
  ['B', '170.247.170.2', '2801:1b8:10::b'],
  ['C', '192.33.4.12', '2001:500:2::c'],
  ['D', '199.7.91.13', '2001:500:2d::d'],
  ['E', '192.203.230.10', '2001:500:a8::e'],
  ['F', '192.5.5.241', '2001:500:2f::f'],
  ['G', '192.112.36.4', '2001:500:12::d0d'],
  ['H', '198.97.190.53', '2001:500:1::53'],
  ['I', '192.36.148.17', '2001:7fe::53'],
  ['J', '192.58.128.30', '2001:503:c27::2:30'],
  ['K', '193.0.14.129', '2001:7fd::1'],
  ['L', '199.7.83.42', '2001:500:9f::42'],
  ['M', '202.12.27.33', '2001:dc3::35'],
];

/** The IANA root hints (https://www.internic.net/domain/named.root), in that file's format. */
export const IANA_ROOT_HINTS: string = [
  ';       This file holds the information on root name servers needed to',
  ';       initialize cache of Internet domain name servers',
  ';       (e.g. reference this file in the "cache  .  <file>"',
  ';       configuration file of BIND domain name servers).',
  ';',
  ';       This file is made available by InterNIC under anonymous FTP as',
  ';           file                /domain/named.cache',
  ';           on server           FTP.INTERNIC.NET',
  ';       -OR-                    RS.INTERNIC.NET',
  ';',
  ...ROOT_SERVERS.flatMap(([l, v4, v6]) => [
    `.                        3600000      NS    ${l}.ROOT-SERVERS.NET.`,
    `${l}.ROOT-SERVERS.NET.      3600000      A     ${v4}`,
    `${l}.ROOT-SERVERS.NET.      3600000      AAAA  ${v6}`,
    ';',
  ]),
  '; End of file',
  '',
].join('\n');
