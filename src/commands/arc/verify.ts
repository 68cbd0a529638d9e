import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runArcVerify } from '../../cli/run/arc-verify.js';

export default class ArcVerify extends PosteCommand {
  static override summary = 'Validate the ARC chain of an email';
  static override description =
    'Reads an email on standard input (streamed, any size) and validates its Authenticated Received ' +
    'Chain (RFC 8617): the structure of the ARC sets, the newest ARC-Message-Signature, and every ' +
    'ARC-Seal. Prints the chain validation status (none, pass or fail) with oldest-pass and one line ' +
    'per set. Keys are looked up with --dns, in a zone file with --zone, else through the first ' +
    'nameserver of /etc/resolv.conf. Exits 0 on pass and on none (no chain), 1 on fail, 75 when a key ' +
    'lookup failed temporarily.';
  static override examples = [
    '<%= config.bin %> arc verify < forwarded.eml',
    '<%= config.bin %> arc verify --dns 127.0.0.1:5353 --json < forwarded.eml',
    '<%= config.bin %> arc verify --zone keys.zone --auth-results < forwarded.eml',
  ];
  static override flags = {
    dns: Flags.string({
      description: 'the DNS server to ask: IP, IP:PORT or [IPv6]:PORT',
      exclusive: ['zone'],
    }),
    zone: Flags.string({ description: 'look keys up in this zone file instead', exclusive: ['dns'] }),
    json: Flags.boolean({ description: 'print the result as JSON', exclusive: ['auth-results'] }),
    'auth-results': Flags.boolean({
      description: 'print an Authentication-Results method entry (arc=pass header.oldest-pass=0)',
      exclusive: ['json'],
    }),
    time: Flags.string({ description: 'check x= against this time, seconds since the epoch' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ArcVerify);
    await runArcVerify({ flags });
  }
}
