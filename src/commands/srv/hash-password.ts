import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runSrvHashPassword } from '../../cli/run/srv.js';

export default class SrvHashPassword extends PosteCommand {
  static override summary = 'Hash a password for the --users file of poste srv';
  static override description =
    'Reads a password (the first line of standard input) and prints its scrypt hash as ' +
    '$scrypt$N=16384,r=8,p=1$SALT$HASH, preceded by NAME: with --user, ready to append to a users file.';
  static override examples = [
    "printf '%s\\n' 's3cret' | <%= config.bin %> srv hash-password --user ann >> users",
  ];
  static override flags = { user: Flags.string({ description: 'print NAME:HASH, a whole users-file line' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(SrvHashPassword);
    await runSrvHashPassword({ flags });
  }
}
