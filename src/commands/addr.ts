import { Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { runAddr } from '../cli/run/addr.js';

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
    await runAddr({ flags });
  }
}
