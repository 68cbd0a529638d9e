import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runUserList } from '../../cli/run/store.js';

export default class UserList extends PosteCommand {
  static override summary = 'List the users of the store';
  static override description =
    'Prints the address of every user, one a line, in the order of the users file; with --json, an ' +
    'array of {"address","domain"}. Password hashes are never printed.';
  static override examples = ['<%= config.bin %> user list', '<%= config.bin %> user list --json'];
  static override flags = {
    store: Flags.string({ description: 'the store directory (default: $POSTE_STORE, else ./store)' }),
    json: Flags.boolean({ description: 'print a JSON array' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(UserList);
    await runUserList({ flags, args: {} });
  }
}
