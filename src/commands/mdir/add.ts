import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runMdirAdd } from '../../cli/run/mdir.js';

export default class MdirAdd extends PosteCommand {
  static override summary = 'Deliver the email on stdin into a maildir';
  static override description =
    'Writes the email into DIR/tmp, fsyncs it, renames it into DIR/new and fsyncs DIR/new, so the message ' +
    'survives a crash once the command returns. Prints the new file name.';
  static override examples = [
    '<%= config.bin %> mdir add ~/Maildir < message.eml',
    '<%= config.bin %> mdir add --create box < m.eml',
  ];
  static override args = { dir: Args.string({ description: 'the maildir', required: true }) };
  static override flags = {
    create: Flags.boolean({ description: 'create DIR/tmp, new and cur when missing' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MdirAdd);
    await runMdirAdd({ args, flags });
  }
}
