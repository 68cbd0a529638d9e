import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runDnsResolver } from '../../cli/run/dns-resolver.js';

export default class DnsResolver extends PosteCommand {
  static override summary = 'Serve a caching recursive resolver (UDP and TCP)';
  static override description =
    'Resolves names iteratively from the root hints (referrals, glue, CNAME and DNAME chains, QNAME ' +
    'minimisation), caches the answers and serves them on UDP and TCP at one address to the clients of ' +
    'the access list only (loopback by default; others get REFUSED). Forward zones send the queries ' +
    'under a name to one server instead (our own domains to the primary). Logs one JSON line per ' +
    'event on stderr; SIGUSR1 logs the state.';
  static override examples = [
    '<%= config.bin %> dns resolver --listen 127.0.0.1:5353',
    '<%= config.bin %> dns resolver --listen 127.0.0.1:53 --forward example.org=127.0.0.1:5300 --allow 10.0.0.0/8',
    '<%= config.bin %> dns resolver --listen 127.0.0.1:5353 --root-hints test.root --upstream-port 5300',
  ];
  static override flags = {
    listen: Flags.string({ description: 'address and port for UDP and TCP', default: '127.0.0.1:53' }),
    'root-hints': Flags.string({ description: 'root hints file (named.root format); default: IANA root' }),
    forward: Flags.string({
      description: 'ZONE=ADDR:PORT: queries under ZONE go to that server (RD set); repeatable',
      multiple: true,
    }),
    allow: Flags.string({
      description: 'CIDR prefix of clients served; repeatable (default 127.0.0.0/8 and ::1)',
      multiple: true,
    }),
    'upstream-port': Flags.integer({ description: 'port every upstream server is asked on', default: 53 }),
    workers: Flags.integer({
      description: 'processes answering UDP queries, this one included, each with its own cache (1 to 64)',
      default: 1,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DnsResolver);
    await runDnsResolver({ flags });
  }
}
