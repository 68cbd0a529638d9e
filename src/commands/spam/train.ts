import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runSpamTrain } from '../../cli/run/spam-train.js';

export default class SpamTrain extends PosteCommand {
  static override summary = 'Train a spam model from hams and spams';
  static override description =
    'Learns the emails of --ham and --spam (each a maildir, an mbox file or a folder of email files; ' +
    'both may be repeated) into the model file. An existing model file is trained further unless --new ' +
    'is given. Progress goes to standard error.';
  static override examples = [
    '<%= config.bin %> spam train --ham ~/Maildir/.Archive --spam ~/Maildir/.Junk --model my.model',
    '<%= config.bin %> spam train --new --ham ham.mbox --spam spam.mbox --model my.model --min-count 2',
  ];
  static override flags = {
    ham: Flags.string({ description: 'legitimate emails: a maildir, an mbox or a folder', multiple: true }),
    spam: Flags.string({ description: 'spams: a maildir, an mbox or a folder', multiple: true }),
    model: Flags.string({
      description: 'the model file to write (trained further if it exists)',
      required: true,
    }),
    new: Flags.boolean({ description: 'start from an empty model even if the file exists' }),
    'min-count': Flags.string({
      description: 'drop tokens seen in fewer emails than this (default 1: keep all)',
    }),
    quiet: Flags.boolean({ char: 'q', description: 'no progress or summary on standard error' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SpamTrain);
    await runSpamTrain({ flags });
  }
}
