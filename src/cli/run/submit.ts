// `poste submit`: sends the email on stdin to a submission server (RFC 6409), the envelope
// taken from the header unless given; Bcc is removed from what is transmitted.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { type Header, mailboxes, parseAddressList, parseMessage, serialize } from '../../mime/index.js';
import { ConnectError, type DeliverOutcome, deliver, dryRun } from '../../services/smtp-client/index.js';
import { type Address, formatAddress, parseAddress, replyText } from '../../smtp/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readStdin, writeStdout } from '../io.js';

export interface SubmitInput {
  flags: {
    host: string;
    port?: string | number | undefined;
    starttls?: boolean | undefined;
    tls?: boolean | undefined;
    user?: string | undefined;
    'password-file'?: string | undefined;
    from?: string | undefined;
    to?: string[] | undefined;
    helo?: string | undefined;
    ca?: string | undefined;
    insecure?: boolean | undefined;
    timeout?: string | number | undefined;
    'dry-run'?: boolean | undefined;
  };
}

function address(text: string, what: string): Address {
  const a = parseAddress(text.trim());
  if (!a) throw new CliError(EXIT.usage, `${what}: not an address: ${text}`);
  return a;
}

function headerAddresses(header: Header, names: string[]): Address[] {
  const out: Address[] = [];
  for (const name of names) {
    for (const value of header.getAll(name)) {
      for (const m of mailboxes(parseAddressList(value).items)) {
        const a = parseAddress(m.address);
        if (a) out.push(a);
      }
    }
  }
  return out;
}

/** The message to transmit (Bcc removed) and its envelope. */
export function envelopeOf(
  bytes: Uint8Array,
  from: string | undefined,
  to: string[] | undefined,
): { message: Uint8Array; from: Address | null; recipients: Address[] } {
  const { root } = parseMessage(bytes);
  const header = root.header;
  const sender =
    from !== undefined
      ? from === ''
        ? null
        : address(from, '--from')
      : headerAddresses(header, ['Sender', 'From'])[0];
  if (sender === undefined)
    throw new CliError(EXIT.dataErr, 'no sender: the message has no From (give --from)');
  const listed = to?.length
    ? to.map((t) => address(t, '--to'))
    : headerAddresses(header, ['To', 'Cc', 'Bcc']);
  const seen = new Set<string>();
  const recipients = listed.filter((a) => {
    const k = formatAddress(a).toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (recipients.length === 0)
    throw new CliError(EXIT.dataErr, 'no recipient: the message has no To, Cc or Bcc (give --to)');
  let message = bytes;
  if (header.has('Bcc')) {
    header.remove('Bcc');
    message = serialize(root);
  }
  return { message, from: sender, recipients };
}

function readPassword(path: string): string {
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/)[0] ?? '';
  } catch (err) {
    throw new CliError(EXIT.noInput, `cannot read --password-file ${path}: ${(err as Error).message}`);
  }
}

/** Maps an outcome to the sysexits code and the lines to say (see docs/commands/submit.md). */
export function judge(o: DeliverOutcome): { code: number; lines: string[] } {
  const lines: string[] = [];
  if (o.failure) {
    const f = o.failure;
    lines.push(`${f.stage}: ${f.message}${f.reply ? ` (${replyText(f.reply)})` : ''}`);
    if (!f.reply) return { code: EXIT.tempFail, lines };
    return { code: f.reply.code >= 500 ? EXIT.verdict : EXIT.tempFail, lines };
  }
  const r = o.result;
  if (!r) return { code: EXIT.tempFail, lines: ['the session ended without a result'] };
  if (r.mail.code >= 400) {
    lines.push(`sender refused: ${replyText(r.mail)}`);
    return { code: r.mail.code >= 500 ? EXIT.verdict : EXIT.tempFail, lines };
  }
  let temp = false;
  let perm = false;
  for (const x of r.recipients) {
    if (x.reply.code < 400) continue;
    lines.push(`${formatAddress(x.address)}: ${replyText(x.reply)}`);
    if (x.reply.code >= 500) perm = true;
    else temp = true;
  }
  if (r.data && r.data.code >= 400) {
    lines.push(`message refused: ${replyText(r.data)}`);
    if (r.data.code >= 500) perm = true;
    else temp = true;
  }
  return { code: temp ? EXIT.tempFail : perm ? EXIT.verdict : EXIT.ok, lines };
}

export async function runSubmit({ flags }: SubmitInput): Promise<void> {
  if (flags.starttls && flags.tls) throw new CliError(EXIT.usage, '--starttls and --tls exclude each other');
  if (flags['password-file'] && !flags.user)
    throw new CliError(EXIT.usage, '--password-file goes with --user');
  if (flags.user && !flags['password-file']) throw new CliError(EXIT.usage, '--user needs --password-file');
  const port = Number(flags.port ?? (flags.tls ? 465 : 587));
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new CliError(EXIT.usage, `bad --port ${flags.port}`);
  const timeout = Number(flags.timeout ?? 300);
  const bytes = await readStdin();
  if (bytes.length === 0) throw new CliError(EXIT.noInput, 'no message on standard input');
  const env = envelopeOf(bytes, flags.from, flags.to);
  const auth = flags.user
    ? { username: flags.user, password: readPassword(flags['password-file'] as string) }
    : undefined;
  let ca: Buffer | undefined;
  if (flags.ca) {
    try {
      ca = readFileSync(flags.ca);
    } catch (err) {
      throw new CliError(EXIT.noInput, `cannot read --ca ${flags.ca}: ${(err as Error).message}`);
    }
  }
  const transcript: string[] = [];
  const opts = {
    host: flags.host,
    port,
    tls: flags.tls
      ? ('implicit' as const)
      : flags.starttls
        ? ('required' as const)
        : ('opportunistic' as const),
    verifyCertificate: flags.insecure ? false : undefined,
    ca,
    auth,
    hostname: flags.helo ?? hostname(),
    ...env,
    timeoutMs: timeout * 1000,
    transcript: (who: 'C' | 'S', line: string) => void transcript.push(`${who}: ${line}`),
  };
  if (flags['dry-run']) {
    await dryRun(opts);
    await writeStdout(`${transcript.join('\n')}\n`);
    return;
  }
  let outcome: DeliverOutcome;
  try {
    outcome = await deliver(opts);
  } catch (err) {
    if (err instanceof ConnectError) {
      const code =
        err.code === 'ETLS' || err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND'
          ? EXIT.unavailable
          : EXIT.tempFail;
      throw new CliError(code, err.message, { cause: err });
    }
    throw err;
  }
  const { code, lines } = judge(outcome);
  if (outcome.failure?.stage === 'starttls' && code !== EXIT.ok) {
    throw new CliError(EXIT.unavailable, lines.join('; '));
  }
  for (const l of lines.slice(0, -1)) process.stderr.write(`poste submit: ${l}\n`);
  if (code !== EXIT.ok) throw new CliError(code, lines.at(-1) as string);
}
