import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runAliasList } from '../../cli/run/store.js';

export default class AliasList extends PosteCommand {
  static override summary = 'List the aliases of the store';
  static override description =
    'Prints every alias as in the aliases file, "ADDRESS: TARGET, TARGET", in file order; with --json, an ' +
    'array of {"address","targets"}.';
  static override examples = ['<%= config.bin %> alias list', '<%= config.bin %> alias list --json'];
  static override flags = {
    store: Flags.string({ description: 'the store directory (default: $POSTE_STORE, else ./store)' }),
    json: Flags.boolean({ description: 'print a JSON array' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AliasList);
    await runAliasList({ flags, args: {} });
  }
}
