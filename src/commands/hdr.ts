import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { runHdr } from '../cli/run/hdr.js';

export default class Hdr extends PosteCommand {
  static override summary = 'Print header fields, decoded';
  static override description =
    'Reads an email on standard input and prints the value of each field named, unfolded and with ' +
    'RFC 2047 encoded words decoded, one per line (a field that occurs twice prints twice). Only the ' +
    'header is read. Exits 1 when none of the fields is present.';
  static override examples = [
    '<%= config.bin %> hdr Subject < message.eml',
    '<%= config.bin %> hdr --name From To Cc < message.eml',
  ];
  static override strict = false;
  static override args = {
    name: Args.string({
      description: 'field names (case does not matter)',
      required: true,
      ignoreStdin: true,
    }),
  };
  static override flags = {
    raw: Flags.boolean({ description: 'print values unfolded but not decoded' }),
    name: Flags.boolean({ description: 'prefix each value with its field name' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Hdr);
    await runHdr({ argv: argv as string[], flags });
  }
}
