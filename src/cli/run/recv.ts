// `poste recv`: the route of an email from its Received fields (a table, a graphviz digraph,
// or JSON lines), and `poste recv stamp`: the email with a Received field prepended.
import { isIP } from 'node:net';
import { foldField } from '../../mime/index.js';
import { parseAddress, type RouteHop, receivedValue, traceRoute } from '../../smtp/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { stdinChunks, writeStdout } from '../io.js';
import { readTopHeader } from '../message-input.js';
import { prependField } from './spf-stamp.js';

export interface RecvInput {
  flags: { dot?: boolean | undefined; json?: boolean | undefined };
}

export async function runRecv({ flags }: RecvInput): Promise<void> {
  const header = await readTopHeader();
  const values = header.getAll('received');
  if (values.length === 0) throw new CliError(EXIT.verdict, 'no Received field');
  const route = traceRoute(values);
  let out: string;
  if (flags.json) out = route.map((h) => `${JSON.stringify(h)}\n`).join('');
  else if (flags.dot) out = routeDot(route);
  else out = routeTable(route);
  await writeStdout(out);
}

function fromCell(h: RouteHop): string {
  const name = h.from ?? h.rdns;
  if (name === undefined) return h.ip === undefined ? '-' : `[${h.ip}]`;
  return h.ip === undefined || name.includes(h.ip) ? name : `${name} [${h.ip}]`;
}

/** A table: hop, from, by, with, date, delay (seconds since the previous dated hop). */
export function routeTable(route: readonly RouteHop[]): string {
  const rows = [['hop', 'from', 'by', 'with', 'date', 'delay']];
  for (const h of route) {
    rows.push([
      String(h.hop),
      fromCell(h),
      h.by ?? '-',
      h.with ?? '-',
      h.date ?? '-',
      h.delay === undefined ? '-' : String(h.delay),
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  return rows
    .map(
      (r) =>
        `${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] as number))).join('  ')}\n`,
    )
    .join('');
}

function nodeName(s: string): string {
  return s.replace(/\.$/, '').toLowerCase();
}

function dotString(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, ' ')}"`;
}

/** A graphviz digraph: hosts are nodes, each hop an edge labelled with protocol and delay. */
export function routeDot(route: readonly RouteHop[]): string {
  const lines = ['digraph route {', '  rankdir=LR;', '  node [shape=box];'];
  let prevBy: string | undefined;
  for (const h of route) {
    const src = h.rdns ?? h.from ?? (h.ip === undefined ? undefined : `[${h.ip}]`);
    const from = src === undefined ? prevBy : nodeName(src);
    const by = h.by === undefined ? undefined : nodeName(h.by);
    const label = [`${h.hop}`, h.with, h.delay === undefined ? undefined : `${h.delay}s`]
      .filter((x) => x !== undefined)
      .join(' ');
    if (from !== undefined && by !== undefined) {
      lines.push(`  ${dotString(from)} -> ${dotString(by)} [label=${dotString(label)}];`);
    } else if (from !== undefined || by !== undefined) {
      lines.push(`  ${dotString((from ?? by) as string)};`);
    }
    prevBy = by ?? prevBy;
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export interface RecvStampInput {
  flags: {
    by: string;
    from?: string | undefined;
    ip?: string | undefined;
    with?: string | undefined;
    id?: string | undefined;
    for?: string | undefined;
  };
}

const ATOM = /^[\x21-\x27\x2a-\x3a\x3c-\x7e\u0080-\uffff]+$/; // printable, no ( ) ;

export async function runRecvStamp({ flags }: RecvStampInput): Promise<void> {
  const ip = flags.ip ?? '';
  if (ip !== '' && isIP(ip) === 0) throw new CliError(EXIT.usage, `--ip: not an IP address: ${ip}`);
  for (const name of ['by', 'from', 'with', 'id'] as const) {
    const v = flags[name];
    if (v !== undefined && !(name === 'with' ? /^[A-Za-z0-9 ._-]+$/ : ATOM).test(v)) {
      throw new CliError(EXIT.usage, `--${name}: not a valid ${name === 'with' ? 'protocol' : 'name'}: ${v}`);
    }
  }
  const rcpt = flags.for === undefined ? undefined : parseAddress(flags.for.replace(/^<(.*)>$/, '$1'));
  if (flags.for !== undefined && rcpt === undefined) {
    throw new CliError(EXIT.usage, `--for: not an address: ${flags.for}`);
  }
  const value = receivedValue({
    helo: flags.from ?? '',
    ip,
    by: flags.by,
    esmtp: true,
    tls: false,
    authenticated: false,
    smtputf8: false,
    protocol: flags.with ?? 'ESMTP',
    id: flags.id,
    for: rcpt,
    date: new Date(),
  });
  await prependField(foldField('Received', value), stdinChunks());
}
