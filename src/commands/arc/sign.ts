import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runArcSign } from '../../cli/run/arc-sign.js';

export default class ArcSign extends PosteCommand {
  static override summary = 'Seal an email with a new ARC set';
  static override description =
    'Reads an email on standard input and writes it with a new ARC set on top (RFC 8617): ' +
    'ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results, with the instance i= one more ' +
    'than the chain it carries. The ARC-Authentication-Results copies the results of the ' +
    'Authentication-Results fields of --authserv-id (as poste verify writes them), and the seal ' +
    'states the arc= result found there as cv=. A message whose chain already failed is passed on ' +
    'unsealed. The algorithm follows the key: rsa-sha256 for RSA, ed25519-sha256 for Ed25519 (not ' +
    'in RFC 8617). Large messages are spooled to a temporary file, so memory stays bounded.';
  static override examples = [
    '<%= config.bin %> arc sign --domain lists.example.org --selector arc1 --key arc1.pem --authserv-id lists.example.org < verified.eml',
    '<%= config.bin %> arc sign -d lists.example.org -s arc1 -k arc1.pem --authserv-id mx.lists.example.org --headers from:to:subject:date < verified.eml',
  ];
  static override flags = {
    domain: Flags.string({ char: 'd', description: 'signing domain (d=)', required: true }),
    selector: Flags.string({ char: 's', description: 'selector (s=)', required: true }),
    key: Flags.string({
      char: 'k',
      description: 'private key file (PEM, PKCS#8 or PKCS#1; RSA of 1024 bits or more, or Ed25519)',
      required: true,
    }),
    'authserv-id': Flags.string({
      description: 'our authserv-id: whose Authentication-Results go into the ARC-Authentication-Results',
      required: true,
    }),
    headers: Flags.string({
      description: 'fields for the ARC-Message-Signature to sign, colon-separated (default: the usual ones)',
    }),
    time: Flags.string({ description: 'signing time t=, seconds since the epoch (default: now)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ArcSign);
    await runArcSign({ flags });
  }
}
