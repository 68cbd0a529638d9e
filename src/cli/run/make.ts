// `poste make`: a new email from a body.
import { BuildError, createMessage, parseDate, serialize, type TransferEncoding } from '../../mime/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readInputFile, readStdin, writeStdout } from '../io.js';
import { randomSource } from '../random.js';

export interface MakeInput {
  args: { file?: string | undefined };
  flags: {
    from?: string | undefined;
    to?: string[] | undefined;
    cc?: string[] | undefined;
    bcc?: string[] | undefined;
    'reply-to'?: string[] | undefined;
    subject?: string | undefined;
    date?: string | undefined;
    'message-id'?: string | undefined;
    header?: string[] | undefined;
    type?: string | undefined;
    encoding?: string | undefined;
    seed?: string | undefined;
  };
}

export async function runMake({ args, flags }: MakeInput): Promise<void> {
  const body = args.file === undefined ? await readStdin() : await readInputFile(args.file);
  const headers: [string, string][] = [];
  for (const h of flags.header ?? []) {
    const m = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:[ \t]*(.*)$/s.exec(h);
    if (!m || /[\r\n]/.test(h))
      throw new CliError(EXIT.usage, `--header wants 'Name: value', got ${JSON.stringify(h)}`);
    headers.push([m[1] as string, m[2] as string]);
  }
  let date = new Date();
  let dateOffset = 0;
  if (flags.date !== undefined) {
    const parsed = parseUserDate(flags.date);
    if (!parsed)
      throw new CliError(EXIT.usage, `--date: cannot read a date in ${JSON.stringify(flags.date)}`);
    date = parsed.date;
    dateOffset = parsed.offsetMinutes;
  }
  try {
    const message = createMessage({
      body,
      date,
      dateOffset,
      random: randomSource(flags.seed),
      type: flags.type ?? 'text/plain; charset=utf-8',
      headers,
      ...(flags.from !== undefined ? { from: flags.from } : {}),
      ...(flags.to ? { to: flags.to } : {}),
      ...(flags.cc ? { cc: flags.cc } : {}),
      ...(flags.bcc ? { bcc: flags.bcc } : {}),
      ...(flags['reply-to'] ? { replyTo: flags['reply-to'] } : {}),
      ...(flags.subject !== undefined ? { subject: flags.subject } : {}),
      ...(flags['message-id'] !== undefined ? { messageId: flags['message-id'].replace(/^<|>$/g, '') } : {}),
      ...(flags.encoding ? { encoding: flags.encoding as TransferEncoding } : {}),
    });
    await writeStdout(serialize(message));
  } catch (e) {
    if (e instanceof BuildError) throw new CliError(EXIT.usage, e.message, { cause: e });
    throw e;
  }
}

/** ISO 8601 (with its offset kept) or an RFC 5322 date. */
function parseUserDate(text: string): { date: Date; offsetMinutes: number } | null {
  const t = text.trim();
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      t,
    );
  if (iso) {
    const date = new Date(t.replace(' ', 'T'));
    if (Number.isNaN(date.getTime())) return null;
    let offsetMinutes = 0;
    const z = iso[7];
    if (z && z.toUpperCase() !== 'Z') {
      const d = z.replace(':', '');
      offsetMinutes = (d[0] === '-' ? -1 : 1) * (Number(d.slice(1, 3)) * 60 + Number(d.slice(3, 5)));
    }
    return { date, offsetMinutes };
  }
  return parseDate(t);
}
