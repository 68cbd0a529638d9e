import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runSpamClassify } from '../../cli/run/spam-classify.js';

export default class SpamClassify extends PosteCommand {
  static override summary = 'Classify an email as ham, spam or unsure';
  static override description =
    'Reads an email on standard input and writes it to standard output with X-Spam-Status, X-Spam-Score ' +
    'and X-Spam-Flag prepended; the email itself passes through unchanged. Exits 0 for ham or unsure, ' +
    '1 for spam. Given files, classifies each and prints one line per file (with --json: ' +
    '{"file","verdict","score"}); exits 1 when any is spam. The model is the one shipped with poste ' +
    'unless --model names another (see poste spam train).';
  static override examples = [
    '<%= config.bin %> spam classify < message.eml > stamped.eml',
    '<%= config.bin %> spam classify --json ~/Maildir/new/*',
    '<%= config.bin %> spam classify --model my.model < message.eml || echo spam',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({ description: 'emails to classify (otherwise standard input)', ignoreStdin: true }),
  };
  static override flags = {
    model: Flags.string({ description: 'the model file (default: the model shipped with poste)' }),
    json: Flags.boolean({ description: 'print the verdict as JSON instead of the stamped email' }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(SpamClassify);
    await runSpamClassify({ flags, argv: argv as string[] });
  }
}
