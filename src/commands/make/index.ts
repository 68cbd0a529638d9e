import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { CliError, EXIT } from '../../cli/exit-codes.js';
import { readInputFile, readStdin, writeStdout } from '../../cli/io.js';
import { randomSource } from '../../cli/random.js';
import { BuildError, createMessage, parseDate, serialize, type TransferEncoding } from '../../mime/index.js';

export default class Make extends PosteCommand {
  static override summary = 'Craft a new email from a body';
  static override description =
    'Reads the body from FILE or standard input (LF line ends become CRLF) and writes a complete ' +
    'email on standard output: Date, From, To, Cc, Bcc, Subject, Message-ID, MIME-Version and the ' +
    'content fields, with encoded words for non-ASCII text and a transfer encoding chosen by content.';
  static override examples = [
    `echo 'Hello' | <%= config.bin %> make --from 'Me <me@example.org>' --to you@example.net --subject 'Hi'`,
    `<%= config.bin %> make --from me@example.org --to a@example.net --to b@example.net --type 'text/html; charset=utf-8' page.html`,
    `echo x | <%= config.bin %> make --from me@example.org --to you@example.net --date 2026-01-01T00:00:00Z --seed 1`,
  ];
  static override args = {
    file: Args.string({
      description: 'the body (default: standard input)',
      required: false,
      ignoreStdin: true,
    }),
  };
  static override flags = {
    from: Flags.string({ description: 'the From address ("Name <addr>" or addr)' }),
    to: Flags.string({ description: 'a To address (repeatable)', multiple: true }),
    cc: Flags.string({ description: 'a Cc address (repeatable)', multiple: true }),
    bcc: Flags.string({
      description: 'a Bcc address (repeatable; `poste submit` strips the field)',
      multiple: true,
    }),
    'reply-to': Flags.string({ description: 'a Reply-To address (repeatable)', multiple: true }),
    subject: Flags.string({ description: 'the Subject (any Unicode text)' }),
    date: Flags.string({ description: 'the Date, ISO 8601 or RFC 5322 (default: now)' }),
    'message-id': Flags.string({
      description: 'the Message-ID, without angle brackets (default: generated)',
    }),
    header: Flags.string({ description: "an extra field 'Name: value' (repeatable)", multiple: true }),
    type: Flags.string({ description: 'the Content-Type of the body', default: 'text/plain; charset=utf-8' }),
    encoding: Flags.string({
      description: 'the Content-Transfer-Encoding (default: chosen by content)',
      options: ['7bit', '8bit', 'binary', 'quoted-printable', 'base64'],
    }),
    seed: Flags.string({
      description: 'seed for the Message-ID and boundaries (reproducible output, for tests)',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Make);
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
        type: flags.type,
        headers,
        ...(flags.from !== undefined ? { from: flags.from } : {}),
        ...(flags.to ? { to: flags.to } : {}),
        ...(flags.cc ? { cc: flags.cc } : {}),
        ...(flags.bcc ? { bcc: flags.bcc } : {}),
        ...(flags['reply-to'] ? { replyTo: flags['reply-to'] } : {}),
        ...(flags.subject !== undefined ? { subject: flags.subject } : {}),
        ...(flags['message-id'] !== undefined
          ? { messageId: flags['message-id'].replace(/^<|>$/g, '') }
          : {}),
        ...(flags.encoding ? { encoding: flags.encoding as TransferEncoding } : {}),
      });
      await writeStdout(serialize(message));
    } catch (e) {
      if (e instanceof BuildError) throw new CliError(EXIT.usage, e.message, { cause: e });
      throw e;
    }
  }
}

/** ISO 8601 (with its offset kept) or an RFC 5322 date. */
function parseUserDate(text: string): { date: Date; offsetMinutes: number } | null {
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      text.trim(),
    );
  if (iso) {
    const date = new Date(text.trim().replace(' ', 'T'));
    if (Number.isNaN(date.getTime())) return null;
    let offsetMinutes = 0;
    const z = iso[7];
    if (z && z.toUpperCase() !== 'Z') {
      const d = z.replace(':', '');
      offsetMinutes = (d[0] === '-' ? -1 : 1) * (Number(d.slice(1, 3)) * 60 + Number(d.slice(3, 5)));
    }
    return { date, offsetMinutes };
  }
  return parseDate(text);
}
