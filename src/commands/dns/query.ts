import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runDnsQuery } from '../../cli/run/dns-query.js';

export default class DnsQuery extends PosteCommand {
  static override summary = 'Look up DNS records, like a small dig';
  static override description =
    'Asks a recursive DNS server for the records of one type at a name and prints the answer section, ' +
    'one zone-file line per record (names are taken as absolute). The server is --dns, else the first ' +
    'nameserver of /etc/resolv.conf; with --zone, the answer comes from a zone file instead. Exits 0 ' +
    'when records of the type were found, 1 for NXDOMAIN or NODATA, 75 when no usable answer came ' +
    '(timeout, SERVFAIL, REFUSED).';
  static override examples = [
    '<%= config.bin %> dns query example.org MX',
    '<%= config.bin %> dns query --dns 127.0.0.1:5353 --tcp mail.example.org AAAA',
    `<%= config.bin %> dns query --json _dmarc.example.org TXT | jq -r '.answer[].data'`,
    '<%= config.bin %> dns query --zone example.org.zone www.example.org',
  ];
  static override args = {
    name: Args.string({ description: 'the domain name to look up', required: true, ignoreStdin: true }),
    type: Args.string({
      description: 'record type: A, AAAA, MX, TXT, … or TYPE123 (default: A)',
      ignoreStdin: true,
    }),
  };
  static override flags = {
    dns: Flags.string({ description: 'the server to ask: IP, IP:PORT or [IPv6]:PORT', exclusive: ['zone'] }),
    zone: Flags.string({
      description: 'answer from this zone file instead of the network',
      exclusive: ['dns'],
    }),
    tcp: Flags.boolean({ description: 'ask over TCP (otherwise UDP, and TCP when truncated)' }),
    json: Flags.boolean({ description: 'print the whole reply as JSON' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DnsQuery);
    await runDnsQuery({ args, flags });
  }
}
