import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runUserPasswd } from '../../cli/run/store.js';

export default class UserPasswd extends PosteCommand {
  static override summary = "Change a user's password";
  static override description =
    'Replaces the password of ADDRESS with the first line of --password-file, else of standard input ' +
    '(never from the command line); one git commit, whose message names the user, never the password. ' +
    'Exits 65 when there is no such user.';
  static override examples = [
    "printf '%s\\n' 'n3w' | <%= config.bin %> user passwd ada@example.org",
    '<%= config.bin %> user passwd ada@example.org --password-file pw',
  ];
  static override args = {
    address: Args.string({ description: 'the address, local@domain', required: true }),
  };
  static override flags = {
    store: Flags.string({ description: 'the store directory (default: $POSTE_STORE, else ./store)' }),
    'password-file': Flags.string({ description: 'read the password from the first line of this file' }),
  };

  async run(): Promise<void> {
    const { flags, args } = await this.parse(UserPasswd);
    await runUserPasswd({ flags, args });
  }
}
