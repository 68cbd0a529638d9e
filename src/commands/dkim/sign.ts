import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runDkimSign } from '../../cli/run/dkim-sign.js';

export default class DkimSign extends PosteCommand {
  static override summary = 'Sign an email with DKIM';
  static override description =
    'Reads an email on standard input and writes it signed: DKIM-Signature fields on top, the message ' +
    'unchanged below (bare LF line ends become CRLF, as on the wire). Several keys sign in one pass: ' +
    'repeat --key, and give --selector (and --domain, --algorithm, --identity) once for all keys or once ' +
    'per key, in the same order. The algorithm follows the key: rsa-sha256 for RSA (1024 bits or more), ' +
    'ed25519-sha256 for Ed25519. From, To, Cc, Subject, Date and the other fields a reader sees are ' +
    'over-signed, so that a copy added later breaks the signature. Large messages are spooled to a ' +
    'temporary file, so memory stays bounded.';
  static override examples = [
    '<%= config.bin %> dkim sign --domain example.org --selector s1 --key s1.pem < msg.eml > signed.eml',
    '<%= config.bin %> dkim sign -d example.org -k rsa.pem -s rsa1 -k ed.pem -s ed1 < msg.eml',
    '<%= config.bin %> dkim sign -d example.org -s s1 -k s1.pem --canon simple/simple --expire 604800 < msg.eml',
  ];
  static override flags = {
    key: Flags.string({
      char: 'k',
      description: 'private key file (PEM, PKCS#8 or PKCS#1); repeat to sign with several keys',
      required: true,
      multiple: true,
    }),
    selector: Flags.string({
      char: 's',
      description: 'selector (s=): once, or once per --key',
      required: true,
      multiple: true,
    }),
    domain: Flags.string({
      char: 'd',
      description: 'signing domain (d=): once, or once per --key',
      required: true,
      multiple: true,
    }),
    algorithm: Flags.string({
      char: 'a',
      description: 'a= (default: from the key type): once, or once per --key',
      options: ['rsa-sha256', 'ed25519-sha256'],
      multiple: true,
    }),
    canon: Flags.string({
      char: 'c',
      description: 'canonicalization, header/body',
      options: ['relaxed/relaxed', 'relaxed/simple', 'simple/relaxed', 'simple/simple', 'relaxed', 'simple'],
      default: 'relaxed/relaxed',
    }),
    headers: Flags.string({
      description: 'fields to sign, colon-separated (default: the usual ones; From is always signed)',
    }),
    'no-oversign': Flags.boolean({ description: 'sign each field only as often as it occurs' }),
    expire: Flags.string({ description: 'x=: the signature expires this many seconds after signing' }),
    identity: Flags.string({
      char: 'i',
      description: 'i=: the identity signed for (user@domain, in d=): once, or once per --key',
      multiple: true,
    }),
    time: Flags.string({ description: 'signing time t=, seconds since the epoch (default: now)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DkimSign);
    await runDkimSign({ flags });
  }
}
