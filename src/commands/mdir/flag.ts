import { Args } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runMdirFlag } from '../../cli/run/mdir.js';

export default class MdirFlag extends PosteCommand {
  static override summary = 'Change the flags of a maildir message';
  static override description =
    'Adds (+), removes (-) or sets (=) maildir flags — D draft, F flagged, P passed, R replied, S seen, ' +
    'T trashed — and moves the message to cur/ as a mail reader does. Prints the new file name.';
  static override examples = [
    '<%= config.bin %> mdir flag ~/Maildir 1700000000.M1P2Q3.host +S',
    '<%= config.bin %> mdir flag box 1700000000 +F-S',
    '<%= config.bin %> mdir flag box 1700000000 =',
  ];
  static override args = {
    dir: Args.string({ description: 'the maildir', required: true }),
    message: Args.string({ description: 'file name, unique part, or a unique prefix', required: true }),
    flags: Args.string({ description: 'the change: +S, -T, +F-S, =DS, = (none)', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(MdirFlag);
    await runMdirFlag({ args });
  }
}
