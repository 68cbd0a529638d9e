import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runAcmeRenew } from '../../cli/run/acme.js';

export default class AcmeRenew extends PosteCommand {
  static override summary = 'Renew a certificate obtained with acme issue, when due';
  static override description =
    'Reads the state `acme issue` left in --out and orders a new certificate (with a new key) when less ' +
    "than a third of the current one's lifetime is left, or when the CA's renewal window (RFC 9773) " +
    'has opened; otherwise says when it will be due. The files are replaced atomically, so TLS services ' +
    'that watch them switch without a restart.';
  static override examples = [
    '<%= config.bin %> acme renew --out /var/lib/poste/certs/example.org',
    '<%= config.bin %> acme renew --out certs/example.org --force --json',
  ];
  static override flags = {
    out: Flags.string({ description: 'the directory acme issue wrote', required: true }),
    force: Flags.boolean({ description: 'renew now, due or not' }),
    json: Flags.boolean({ description: 'print {"renewed": …, "due": …}' }),
    attempts: Flags.integer({ description: 'tries when the CA or the primary is unreachable', default: 3 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AcmeRenew);
    await runAcmeRenew({ flags });
  }
}
