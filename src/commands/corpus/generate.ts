import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runCorpusGenerate } from '../../cli/run/corpus.js';

export default class CorpusGenerate extends PosteCommand {
  static override summary = 'Generate a corpus of valid emails';
  static override description =
    'Writes COUNT emails into a folder: the same bytes for the same seed, whatever the number of threads. ' +
    'They cover what real mail holds (addresses in many scripts, every date zone, encoded words in many ' +
    'charsets, RFC 2231 parameters, nested multiparts, message/rfc822, quoted-printable, base64, 8bit, ' +
    'long folded lines, internationalised addresses). --wild adds what the world sends but the RFCs call ' +
    'obsolete or wrong, for the tolerant parser.';
  static override examples = [
    '<%= config.bin %> corpus generate --count 1000 --seed 1 --out /tmp/corpus',
    '<%= config.bin %> corpus generate --count 100000 --seed 7 --out /tmp/mbox --format mbox',
    '<%= config.bin %> corpus generate --count 500 --seed 3 --out /tmp/wild --wild --format maildir',
  ];
  static override flags = {
    count: Flags.integer({ description: 'how many emails', required: true, min: 0 }),
    seed: Flags.integer({ description: 'the seed (same seed, same bytes)', default: 1 }),
    out: Flags.string({ description: 'the folder to write into (created if needed)', required: true }),
    format: Flags.string({
      description: 'eml: one file each; maildir: out/new/; mbox: out/corpus.mbox',
      options: ['eml', 'maildir', 'mbox'],
      default: 'eml',
    }),
    wild: Flags.boolean({ description: 'obsolete and broken forms, as real mail has them' }),
    threads: Flags.integer({ description: 'worker threads (default: one per core)', min: 1 }),
    quiet: Flags.boolean({ description: 'no progress on stderr' }),
    json: Flags.boolean({ description: 'print the summary as JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(CorpusGenerate);
    await runCorpusGenerate({ flags });
  }
}
