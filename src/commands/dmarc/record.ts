import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runDmarcRecord } from '../../cli/run/dmarc-record.js';

export default class DmarcRecord extends PosteCommand {
  static override summary = 'Show the DMARC policy that mail From a domain meets';
  static override description =
    'Finds the DMARC policy record for a domain as a receiver would (RFC 9989): _dmarc.DOMAIN, else the ' +
    'DNS Tree Walk up to its Organizational Domain or Public Suffix Domain, at most eight queries, no ' +
    'public suffix list. Prints the policy that applies to the domain (p=, sp=, or np= when the domain ' +
    'does not exist), where it was found, the Organizational Domain and the parsed record. Asks --dns, ' +
    'reads --zone, else the first nameserver of /etc/resolv.conf. Exits 0 when a policy applies, 1 when ' +
    'none does (no record, or one without a usable policy), 75 when a DNS query failed.';
  static override examples = [
    '<%= config.bin %> dmarc record example.org',
    '<%= config.bin %> dmarc record --dns 127.0.0.1:5353 a.b.mail.example.co.uk',
    '<%= config.bin %> dmarc record --zone example.org.zone --json mail.example.org',
  ];
  static override args = {
    domain: Args.string({
      description: 'the RFC5322.From domain (an address is taken by its domain)',
      required: true,
      ignoreStdin: true,
    }),
  };
  static override flags = {
    dns: Flags.string({
      description: 'the DNS server to ask: IP, IP:PORT or [IPv6]:PORT',
      exclusive: ['zone'],
    }),
    zone: Flags.string({
      description: 'answer from this zone file (it may hold several zones) instead of the network',
      exclusive: ['dns'],
    }),
    json: Flags.boolean({ description: 'print the lookup as JSON' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DmarcRecord);
    await runDmarcRecord({ args, flags });
  }
}
