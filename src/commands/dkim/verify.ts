import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runDkimVerify } from '../../cli/run/dkim-verify.js';

export default class DkimVerify extends PosteCommand {
  static override summary = 'Verify the DKIM signatures of an email';
  static override description =
    'Reads an email on standard input (streamed, any size) and checks every DKIM-Signature on its own, ' +
    'printing one line per signature: the result (pass, fail, policy, temperror, permerror), ' +
    'the domain, selector and algorithm, and the reason when it did not pass. Keys are looked up with ' +
    '--dns, in a zone file with --zone, else through the first nameserver of /etc/resolv.conf. Exits 0 ' +
    'when there is at least one signature and all pass, 75 when a key lookup failed temporarily, else 1.';
  static override examples = [
    '<%= config.bin %> dkim verify < signed.eml',
    '<%= config.bin %> dkim verify --dns 127.0.0.1:5353 --json < signed.eml',
    '<%= config.bin %> dkim verify --zone keys.zone --auth-results < signed.eml',
  ];
  static override flags = {
    dns: Flags.string({
      description: 'the DNS server to ask: IP, IP:PORT or [IPv6]:PORT',
      exclusive: ['zone'],
    }),
    zone: Flags.string({ description: 'look keys up in this zone file instead', exclusive: ['dns'] }),
    json: Flags.boolean({ description: 'print the results as a JSON array', exclusive: ['auth-results'] }),
    'auth-results': Flags.boolean({
      description: 'print Authentication-Results method entries (dkim=pass header.d=…)',
      exclusive: ['json'],
    }),
    time: Flags.string({ description: 'check t= and x= against this time, seconds since the epoch' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DkimVerify);
    await runDkimVerify({ flags });
  }
}
