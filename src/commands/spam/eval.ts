import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runSpamEval } from '../../cli/run/spam-eval.js';

export default class SpamEval extends PosteCommand {
  static override summary = 'Measure the classifier by k-fold cross-validation';
  static override description =
    'Splits the labelled emails into --folds folds (stratified, shuffled deterministically by --seed), ' +
    'trains on all folds but one and classifies the one left out, in turn; prints accuracy, precision, ' +
    'recall, false-positive rate (hams marked spam) and the confusion matrix. Unsure counts as not spam.';
  static override examples = [
    '<%= config.bin %> spam eval --ham corpus/easy_ham --ham corpus/hard_ham --spam corpus/spam',
    '<%= config.bin %> spam eval --ham ham.mbox --spam spam.mbox --folds 10 --seed 7 --json',
  ];
  static override flags = {
    ham: Flags.string({ description: 'legitimate emails: a maildir, an mbox or a folder', multiple: true }),
    spam: Flags.string({ description: 'spams: a maildir, an mbox or a folder', multiple: true }),
    folds: Flags.string({ description: 'number of folds', default: '5' }),
    seed: Flags.string({ description: 'seed of the fold assignment', default: 'poste' }),
    json: Flags.boolean({ description: 'print the measures (overall and per fold) as JSON' }),
    quiet: Flags.boolean({ char: 'q', description: 'no progress on standard error' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SpamEval);
    await runSpamEval({ flags });
  }
}
