// `poste dns query`: a small dig. Asks a recursive server (--dns, else the first nameserver
// of /etc/resolv.conf) or answers from a zone file (--zone), prints the answer section as
// zone-file lines or the whole reply as JSON, and exits with a verdict: 0 records, 1 none
// (NXDOMAIN, NODATA), 75 no usable answer (timeout, SERVFAIL, REFUSED).
import { readFile } from 'node:fs/promises';
import {
  answerQuery,
  Catalog,
  className,
  DnsExchangeError,
  type Flags,
  formatRData,
  formatRR,
  formatServer,
  type Message,
  makeQuery,
  NameError,
  normalizeName,
  parseServer,
  parseZone,
  type RR,
  rcodeName,
  type ServerAddress,
  ServerAddressError,
  StubResolver,
  TYPE,
  toResolution,
  typeFromName,
  typeName,
  Zone,
  ZoneError,
  ZoneFileError,
} from '../../dns/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readInputFile, writeStdout } from '../io.js';

export interface DnsQueryInput {
  args: { name?: string | undefined; type?: string | undefined };
  flags: {
    dns?: string | undefined;
    zone?: string | undefined;
    tcp?: boolean | undefined;
    json?: boolean | undefined;
  };
}

export async function runDnsQuery({ args, flags }: DnsQueryInput): Promise<void> {
  const type = typeFromName(args.type ?? 'A');
  if (type === undefined) throw new CliError(EXIT.usage, `unknown record type "${args.type}"`);
  let name: string;
  try {
    name = normalizeName(args.name ?? '');
  } catch (e) {
    if (e instanceof NameError) throw new CliError(EXIT.dataErr, e.message);
    throw e;
  }
  const asked = `${name} ${typeName(type)}`;
  let reply: Message;
  let source: string;
  if (flags.zone !== undefined) {
    ({ reply, source } = await answerFromZone(flags.zone, name, type));
  } else {
    const server = await chooseServer(flags.dns);
    source = formatServer(server);
    try {
      reply = await new StubResolver({ server, tcp: flags.tcp ?? false, cache: false }).query(name, type);
    } catch (e) {
      if (e instanceof DnsExchangeError) throw new CliError(EXIT.tempFail, `${asked}: ${e.message}`);
      throw e;
    }
  }
  if (flags.json) await writeStdout(`${JSON.stringify(replyJson(reply, source, name, type), null, 2)}\n`);
  else if (reply.answers.length > 0)
    await writeStdout(`${reply.answers.map((rr) => formatRR(rr)).join('\n')}\n`);
  const res = toResolution(reply, name, type, source);
  switch (res.kind) {
    case 'answer':
      return;
    case 'nodata':
    case 'nxdomain':
      throw new CliError(EXIT.verdict, `${asked}: ${res.kind === 'nodata' ? 'NODATA' : 'NXDOMAIN'}`);
    case 'error':
      throw new CliError(EXIT.tempFail, `${asked}: ${res.reason}`);
  }
}

/** The server of --dns, else the first nameserver of resolv.conf. */
async function chooseServer(flag: string | undefined): Promise<ServerAddress> {
  if (flag !== undefined) {
    try {
      return parseServer(flag);
    } catch (e) {
      if (e instanceof ServerAddressError) throw new CliError(EXIT.usage, `--dns: ${e.message}`);
      throw e;
    }
  }
  // POSTE_RESOLV_CONF lets tests (and odd systems) point elsewhere.
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

/** What an authoritative server loaded with the zone file would answer. */
async function answerFromZone(
  file: string,
  name: string,
  type: number,
): Promise<{ reply: Message; source: string }> {
  const text = (await readInputFile(file)).toString('utf8');
  let zone: Zone;
  try {
    const { records } = parseZone(text, { file });
    // The apex is where the SOA is: a file without $ORIGIN writes its names absolute.
    const soa = records.find((rr) => rr.type === TYPE.SOA);
    if (!soa) throw new CliError(EXIT.dataErr, `${file}: no SOA record`);
    zone = new Zone(soa.name, records);
  } catch (e) {
    if (e instanceof ZoneFileError || e instanceof ZoneError) throw new CliError(EXIT.dataErr, e.message);
    throw e;
  }
  const reply = answerQuery(new Catalog([zone]), makeQuery(name, type, 1232));
  return { reply, source: file };
}

const FLAG_NAMES = ['qr', 'aa', 'tc', 'rd', 'ra', 'ad', 'cd'] as const;

function replyJson(reply: Message, source: string, name: string, type: number) {
  const record = (rr: RR) => ({
    name: rr.name,
    type: typeName(rr.type),
    class: className(rr.class),
    ttl: rr.ttl,
    data: formatRData(rr),
  });
  return {
    server: source,
    question: { name, type: typeName(type), class: className(1) },
    rcode: rcodeName(reply.rcode),
    flags: FLAG_NAMES.filter((f) => reply.flags[f as keyof Flags]),
    answer: reply.answers.map(record),
    authority: reply.authority.map(record),
    additional: reply.additional.map(record),
  };
}
