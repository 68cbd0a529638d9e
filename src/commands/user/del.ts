import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runUserDel } from '../../cli/run/store.js';

export default class UserDel extends PosteCommand {
  static override summary = 'Remove a user from the store';
  static override description =
    'Removes ADDRESS and its password hash from the users file; one git commit. Aliases naming the ' +
    'user are left as they are (list them with poste alias list). Exits 65 when there is no such user.';
  static override examples = ['<%= config.bin %> user del ada@example.org'];
  static override args = {
    address: Args.string({ description: 'the address, local@domain', required: true }),
  };
  static override flags = {
    store: Flags.string({ description: 'the store directory (default: $POSTE_STORE, else ./store)' }),
  };

  async run(): Promise<void> {
    const { flags, args } = await this.parse(UserDel);
    await runUserDel({ flags, args });
  }
}
