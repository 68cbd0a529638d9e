import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runUserAdd } from '../../cli/run/store.js';

export default class UserAdd extends PosteCommand {
  static override summary = 'Add a user (an address and its password) to the store';
  static override description =
    'Adds ADDRESS, whose domain must be hosted (poste domain add), with the password read from the first ' +
    'line of --password-file, else of standard input (never from the command line). The password is ' +
    'kept as an scrypt hash in the users file of the store, the format of poste srv --users; the change ' +
    'is one git commit. Exits 65 when the user exists or the domain is not hosted, 66 when there is no ' +
    'store or no password, 75 when another change holds the lock.';
  static override examples = [
    "printf '%s\\n' 's3cret' | <%= config.bin %> user add ada@example.org",
    '<%= config.bin %> user add --store /srv/poste/store ada@example.org --password-file pw',
  ];
  static override args = {
    address: Args.string({ description: 'the address, local@domain', required: true }),
  };
  static override flags = {
    store: Flags.string({ description: 'the store directory (default: $POSTE_STORE, else ./store)' }),
    'password-file': Flags.string({ description: 'read the password from the first line of this file' }),
  };

  async run(): Promise<void> {
    const { flags, args } = await this.parse(UserAdd);
    await runUserAdd({ flags, args });
  }
}
