import { Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { CliError, EXIT } from '../cli/exit-codes.js';
import { writeStdout } from '../cli/io.js';
import { readTopHeader } from '../cli/message-input.js';
import { formatMailbox, mailboxes, parseAddressList } from '../mime/index.js';

const FIELDS = ['from', 'sender', 'to', 'cc', 'bcc', 'reply-to'];

export default class Addr extends PosteCommand {
  static override summary = 'Print the addresses of an email';
  static override description =
    'Reads an email on standard input and prints the mailboxes of its From, Sender, To, Cc, Bcc and ' +
    'Reply-To fields (or of the fields given with --field), one per line, display names decoded. ' +
    'Exits 1 when there is none.';
  static override examples = [
    '<%= config.bin %> addr < message.eml',
    '<%= config.bin %> addr --address-only --field to --field cc < message.eml',
  ];
  static override flags = {
    'address-only': Flags.boolean({
      char: 'a',
      description: 'print only the addr-spec, without the display name',
    }),
    field: Flags.string({
      description: 'a field to read (repeatable; default: all address fields)',
      multiple: true,
    }),
    json: Flags.boolean({ description: 'print JSON lines: {"field","name","address"}' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Addr);
    const wanted = (flags.field ?? FIELDS).map((f) => f.toLowerCase());
    const header = await readTopHeader();
    const out: string[] = [];
    for (const f of header?.fields ?? []) {
      const field = f.name.toLowerCase();
      if (!wanted.includes(field)) continue;
      for (const m of mailboxes(parseAddressList(f.value).items)) {
        if (flags.json) out.push(JSON.stringify({ field, name: m.name, address: m.address }));
        else out.push(flags['address-only'] || m.name === '' ? m.address : formatMailbox(m, { utf8: true }));
      }
    }
    if (out.length === 0) throw new CliError(EXIT.verdict, 'no addresses');
    await writeStdout(`${out.join('\n')}\n`);
  }
}
