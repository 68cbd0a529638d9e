// Where a command's DNS answers come from: --dns HOST:PORT (a recursive server), --zone FILE
// (answers from a zone file, as `poste dns serve` would give them), else the first
// nameserver of /etc/resolv.conf. Shared by the commands that need a Resolver.
import { readFile } from 'node:fs/promises';
import {
  isSubdomain,
  labelCount,
  nameKey,
  parseServer,
  parseZone,
  type Resolver,
  type RR,
  type ServerAddress,
  ServerAddressError,
  StubResolver,
  TYPE,
  Zone,
  ZoneError,
  ZoneFileError,
  ZoneResolver,
} from '../dns/index.js';
import { CliError, EXIT } from './exit-codes.js';
import { readInputFile } from './io.js';

export interface ResolverFlags {
  dns?: string | undefined;
  zone?: string | undefined;
}

/** The server of --dns, else the first nameserver of resolv.conf (POSTE_RESOLV_CONF names another file). */
export async function chooseServer(flag: string | undefined): Promise<ServerAddress> {
  if (flag !== undefined) {
    try {
      return parseServer(flag);
    } catch (e) {
      if (e instanceof ServerAddressError) throw new CliError(EXIT.usage, `--dns: ${e.message}`);
      throw e;
    }
  }
  const path = process.env.POSTE_RESOLV_CONF || '/etc/resolv.conf';
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // A missing file is the same as one without a nameserver.
  }
  const first = /^[ \t]*nameserver[ \t]+(\S+)/m.exec(text)?.[1];
  if (first === undefined) throw new CliError(EXIT.usage, `no nameserver in ${path}: give --dns HOST:PORT`);
  try {
    return parseServer(first);
  } catch {
    throw new CliError(EXIT.usage, `cannot use nameserver ${first} of ${path}: give --dns HOST:PORT`);
  }
}

/**
 * The zones of a master file. A file may hold several zones one after another, each after
 * its own $ORIGIN with its SOA: every SOA starts a zone at its owner, and each record goes to
 * the zone with the longest apex above it (a record under none is an error). A file without
 * a SOA (a few records pasted, such as the TXT line of `poste dkim keygen`) is read as a zone
 * at the root, so that any name in it answers, unless `requireSoa` (then it is an error).
 */
export async function loadZones(file: string, opts: { requireSoa?: boolean } = {}): Promise<Zone[]> {
  const text = (await readInputFile(file)).toString('utf8');
  try {
    const { records } = parseZone(text, { file, defaultTtl: 3600 });
    if (records.some((rr) => rr.type === TYPE.SOA)) return zonesOf(records, file);
    if (opts.requireSoa) throw new CliError(EXIT.dataErr, `${file}: no SOA record`);
    const root: RR = {
      name: '.',
      type: TYPE.SOA,
      class: 1,
      ttl: 0,
      data: { mname: '.', rname: '.', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 0 },
    } as RR;
    return [new Zone('.', [root, ...records])];
  } catch (e) {
    if (e instanceof ZoneFileError || e instanceof ZoneError) throw new CliError(EXIT.dataErr, e.message);
    throw e;
  }
}

/** The first zone of a file (see loadZones). */
export async function loadZone(file: string): Promise<Zone> {
  return (await loadZones(file))[0] as Zone;
}

/** Records split into zones at their SOAs; throws ZoneError for a record outside all of them. */
export function zonesOf(records: readonly RR[], file = '<zone>'): Zone[] {
  const apexes = records.filter((rr) => rr.type === TYPE.SOA).map((rr) => rr.name);
  const byApex = new Map<string, RR[]>();
  for (const apex of apexes) {
    if (byApex.has(nameKey(apex))) throw new ZoneError(`${file}: two SOA records for ${apex}`);
    byApex.set(nameKey(apex), []);
  }
  for (const rr of records) {
    let best: string | undefined;
    for (const apex of apexes) {
      if (isSubdomain(rr.name, apex) && (best === undefined || labelCount(apex) > labelCount(best)))
        best = apex;
    }
    if (best === undefined)
      throw new ZoneError(`${file}: ${rr.name} is outside every zone (no SOA above it)`);
    byApex.get(nameKey(best))?.push(rr);
  }
  return apexes.map((apex) => new Zone(apex, byApex.get(nameKey(apex))));
}

/** The Resolver the flags ask for; `source` names it for messages. */
export async function chooseResolver(
  flags: ResolverFlags,
  opts: { tcp?: boolean; wholeWorld?: boolean } = {},
): Promise<{ resolver: Resolver; source: string }> {
  if (flags.zone !== undefined) {
    const zones = await loadZones(flags.zone);
    const inner = new ZoneResolver(zones);
    if (!opts.wholeWorld) return { resolver: inner, source: flags.zone };
    // The file taken as the whole DNS: names above or beside its zones (co.uk, uk, which
    // DMARC's tree walk climbs to) do not exist, rather than fail.
    const resolver: Resolver = {
      resolve: (name, type) =>
        zones.some((z) => isSubdomain(name.endsWith('.') ? name : `${name}.`, z.origin))
          ? inner.resolve(name, type)
          : Promise.resolve({ kind: 'nxdomain', ttl: 0 }),
    };
    return { resolver, source: flags.zone };
  }
  const server = await chooseServer(flags.dns);
  return {
    resolver: new StubResolver({ server, tcp: opts.tcp ?? false }),
    source: flags.dns ?? 'resolv.conf',
  };
}
