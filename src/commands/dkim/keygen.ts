import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runDkimKeygen } from '../../cli/run/dkim-keygen.js';

export default class DkimKeygen extends PosteCommand {
  static override summary = 'Make a DKIM signing key and its DNS record';
  static override description =
    'Generates a private key, writes it to --out (PEM, PKCS#8, mode 0600; an existing file is kept ' +
    'unless --force), and prints the TXT record to publish at <selector>._domainkey.<domain>, in ' +
    'zone-file syntax with the value cut into strings of at most 255 bytes.';
  static override examples = [
    '<%= config.bin %> dkim keygen --selector s1 --domain example.org --out s1.pem >> example.org.zone',
    '<%= config.bin %> dkim keygen --algorithm ed25519 --selector ed1 --domain example.org --out ed1.pem',
  ];
  static override flags = {
    algorithm: Flags.string({
      char: 'a',
      description: 'key type and size',
      options: ['rsa-2048', 'rsa-4096', 'ed25519'],
      default: 'rsa-2048',
    }),
    selector: Flags.string({ char: 's', description: 'the selector (s=)', required: true }),
    domain: Flags.string({ char: 'd', description: 'the signing domain (d=)', required: true }),
    out: Flags.string({ char: 'o', description: 'where to write the private key', required: true }),
    force: Flags.boolean({ description: 'replace --out if it exists' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DkimKeygen);
    await runDkimKeygen({ flags });
  }
}
