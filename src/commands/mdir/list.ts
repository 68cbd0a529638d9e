import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runMdirList } from '../../cli/run/mdir.js';

export default class MdirList extends PosteCommand {
  static override summary = 'List the messages of a maildir';
  static override description =
    'One line per message in new/ and cur/, oldest first, tab-separated: file name, folder, flags (- for ' +
    'none), size, modification time, From and Subject (decoded). --json prints the same as an array.';
  static override examples = [
    '<%= config.bin %> mdir list ~/Maildir',
    '<%= config.bin %> mdir list --json box',
  ];
  static override args = { dir: Args.string({ description: 'the maildir', required: true }) };
  static override flags = { json: Flags.boolean({ description: 'print a JSON array' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MdirList);
    await runMdirList({ args, flags });
  }
}
