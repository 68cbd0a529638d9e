import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runAliasDel } from '../../cli/run/store.js';

export default class AliasDel extends PosteCommand {
  static override summary = 'Remove an alias, or some of its targets';
  static override description =
    'Without TARGET, removes the alias ADDRESS; with targets, removes those (and the alias when none is ' +
    'left). One git commit. Exits 65 when there is no such alias or target.';
  static override examples = [
    '<%= config.bin %> alias del info@example.org',
    '<%= config.bin %> alias del info@example.org bob@example.org',
  ];
  static override strict = false;
  static override args = {
    address: Args.string({ description: 'local@domain, @domain (catch-all) or postmaster', required: true }),
    target: Args.string({ description: 'targets to remove; several may follow (default: the whole alias)' }),
  };
  static override flags = {
    store: Flags.string({ description: 'the store directory (default: $POSTE_STORE, else ./store)' }),
  };

  async run(): Promise<void> {
    const { flags, args, argv } = await this.parse(AliasDel);
    await runAliasDel({ flags, args, argv: argv as string[] });
  }
}
