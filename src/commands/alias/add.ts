import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runAliasAdd } from '../../cli/run/store.js';

export default class AliasAdd extends PosteCommand {
  static override summary = 'Add an alias, or targets to an alias';
  static override description =
    'Makes mail for ADDRESS go to each TARGET: users, other aliases, or remote addresses (forwarding). ' +
    'ADDRESS is local@domain, @domain for the catch-all of a hosted domain (its targets may be @other.domain ' +
    'to keep the local part), or postmaster for the postmaster of every hosted domain. An alias may name ' +
    'itself to keep a copy in its own mailbox. A target in a hosted domain must exist, and a change that ' +
    'would make aliases loop is refused (exit 65). One git commit.';
  static override examples = [
    '<%= config.bin %> alias add info@example.org ada@example.org bob@example.org',
    '<%= config.bin %> alias add ada@example.org ada@example.org ada@elsewhere.net',
    '<%= config.bin %> alias add @example.org ada@example.org',
    '<%= config.bin %> alias add postmaster ada@example.org',
  ];
  static override strict = false;
  static override args = {
    address: Args.string({ description: 'local@domain, @domain (catch-all) or postmaster', required: true }),
    target: Args.string({ description: 'addresses to deliver to; several may follow (at least one)' }),
  };
  static override flags = {
    store: Flags.string({ description: 'the store directory (default: $POSTE_STORE, else ./store)' }),
  };

  async run(): Promise<void> {
    const { flags, args, argv } = await this.parse(AliasAdd);
    await runAliasAdd({ flags, args, argv: argv as string[] });
  }
}
