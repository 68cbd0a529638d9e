import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runCorpusRoundtrip } from '../../cli/run/corpus.js';

export default class CorpusRoundtrip extends PosteCommand {
  static override summary = 'Prove that parsing and encoding alter no email';
  static override description =
    'For every email of DIR (maildir, .eml files or .mbox files, searched recursively), or of a generated ' +
    'corpus: parse it; check that re-serializing reproduces it byte for byte; encode its meaning afresh, ' +
    'parse that, and check the meaning is the same and the new encoding well-formed. Prints "N messages, ' +
    'K failures" with per-kind counts, writes each failing email with its difference into --failures, ' +
    'and exits 1 when K > 0. Uses every core; memory stays flat.';
  static override examples = [
    '<%= config.bin %> corpus roundtrip --generate 1000000 --seed 1',
    '<%= config.bin %> corpus roundtrip ~/Maildir',
    '<%= config.bin %> corpus roundtrip --generate 10000 --seed 2 --wild --json',
  ];
  static override args = {
    dir: Args.string({
      description: 'a folder of emails (maildir, .eml, .mbox)',
      required: false,
      ignoreStdin: true,
    }),
  };
  static override flags = {
    generate: Flags.integer({ description: 'round-trip N generated emails instead of a folder', min: 0 }),
    seed: Flags.integer({ description: 'seed of the generated emails', default: 1 }),
    wild: Flags.boolean({ description: 'generate wild emails (obsolete and broken forms)' }),
    failures: Flags.string({
      description: 'where failing emails and their differences go',
      default: 'roundtrip-failures',
    }),
    threads: Flags.integer({ description: 'worker threads (default: one per core)', min: 1 }),
    quiet: Flags.boolean({ description: 'no progress on stderr' }),
    json: Flags.boolean({ description: 'print the summary as JSON' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(CorpusRoundtrip);
    await runCorpusRoundtrip({ args, flags });
  }
}
