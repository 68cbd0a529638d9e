import { Args } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runMdirCat } from '../../cli/run/mdir.js';

export default class MdirCat extends PosteCommand {
  static override summary = 'Print one message of a maildir';
  static override description =
    'Writes the message named by MESSAGE (its file name, its unique part without the :2, flags, or a ' +
    'unique prefix of the name) to standard output, byte for byte.';
  static override examples = ['<%= config.bin %> mdir cat ~/Maildir 1700000000.M1P2Q3.host | poste descr'];
  static override args = {
    dir: Args.string({ description: 'the maildir', required: true }),
    message: Args.string({ description: 'file name, unique part, or a unique prefix', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(MdirCat);
    await runMdirCat({ args });
  }
}
