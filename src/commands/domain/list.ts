import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runDomainList } from '../../cli/run/store.js';

export default class DomainList extends PosteCommand {
  static override summary = 'List the hosted domains';
  static override description =
    'Prints every hosted domain, one a line; with --json, an array of {"domain","users","dkim"}, dkim ' +
    'listing the selectors and algorithms of its signing keys, newest first.';
  static override examples = ['<%= config.bin %> domain list', '<%= config.bin %> domain list --json'];
  static override flags = {
    store: Flags.string({ description: 'the store directory (default: $POSTE_STORE, else ./store)' }),
    json: Flags.boolean({ description: 'print a JSON array' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DomainList);
    await runDomainList({ flags, args: {} });
  }
}
