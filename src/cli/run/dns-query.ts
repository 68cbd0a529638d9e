// `poste dns query`: a small dig. Asks a recursive server (--dns, else the first nameserver
// of /etc/resolv.conf) or answers from a zone file (--zone), prints the answer section as
// zone-file lines or the whole reply as JSON, and exits with a verdict: 0 records, 1 none
// (NXDOMAIN, NODATA), 75 no usable answer (timeout, SERVFAIL, REFUSED).
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
  type RR,
  rcodeName,
  StubResolver,
  toResolution,
  typeFromName,
  typeName,
} from '../../dns/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeStdout } from '../io.js';
import { chooseServer, loadZones } from '../resolver-choice.js';

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

/** What an authoritative server loaded with the zone file (one zone or several) would answer. */
async function answerFromZone(
  file: string,
  name: string,
  type: number,
): Promise<{ reply: Message; source: string }> {
  const zones = await loadZones(file, { requireSoa: true });
  const reply = answerQuery(new Catalog(zones), makeQuery(name, type, 1232));
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
