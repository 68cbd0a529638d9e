import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runAcmeServe } from '../../cli/run/acme.js';

export default class AcmeServe extends PosteCommand {
  static override summary = 'The acme service: keep certificates renewed';
  static override description =
    'Checks each certificate directory (written by `acme issue`) at start and every --check-every ' +
    'minutes, and renews what is due. A failure is logged and retried with exponential backoff, from a ' +
    'minute up to the check interval. One JSON line per event on stderr; SIGUSR1 logs the state.';
  static override examples = [
    '<%= config.bin %> acme serve --out /var/lib/poste/certs/example.org --check-every 720',
  ];
  static override flags = {
    out: Flags.string({ description: 'a certificate directory; repeatable', required: true, multiple: true }),
    'check-every': Flags.integer({ description: 'minutes between checks', default: 720 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AcmeServe);
    await runAcmeServe({ flags });
  }
}
