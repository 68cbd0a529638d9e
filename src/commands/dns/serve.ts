import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runDnsServe } from '../../cli/run/dns-serve.js';

export default class DnsServe extends PosteCommand {
  static override summary = 'Serve zones as the authoritative primary (UDP and TCP)';
  static override description =
    'Serves every `*.zone` master file of a directory (example.org.zone holds example.org.) on UDP and ' +
    'TCP at one address: authoritative answers as nsd gives them with minimal responses, AXFR and ' +
    'dynamic UPDATE authorized by TSIG keys, NOTIFY to secondaries on every change. When the directory ' +
    'is a git repository, each update is one commit; files changed or committed by hand are served ' +
    'within a poll interval. Logs one JSON line per event on stderr; SIGUSR1 logs the state.';
  static override examples = [
    '<%= config.bin %> dns serve --zones /var/lib/poste/zones --listen 127.0.0.1:5300',
    '<%= config.bin %> dns serve --zones /var/lib/poste/zones --listen 127.0.0.1:53 --workers 2',
    '<%= config.bin %> dns serve --zones zones --listen [::1]:53 --tsig-key signer.:c2VjcmV0IHNlY3JldCBzZWNyZXQ= --notify 127.0.0.2:53',
  ];
  static override flags = {
    zones: Flags.string({ description: 'directory of *.zone master files (and tsig.keys)', required: true }),
    listen: Flags.string({ description: 'address and port for UDP and TCP', default: '127.0.0.1:53' }),
    'tsig-key': Flags.string({
      description: 'NAME:SECRET or ALGORITHM:NAME:SECRET (base64), allowed AXFR and UPDATE of every zone',
      multiple: true,
    }),
    notify: Flags.string({
      description: 'HOST:PORT of a secondary to NOTIFY on every change',
      multiple: true,
    }),
    rrl: Flags.integer({
      description: 'responses per second per client network (0: no rate limit)',
      default: 200,
    }),
    'rrl-loopback': Flags.boolean({ description: 'rate-limit loopback clients too (exempt by default)' }),
    poll: Flags.integer({
      description: 'seconds between checks of the directory for changes by hand (0: never)',
      default: 1,
    }),
    workers: Flags.integer({
      description: 'processes answering UDP queries, this one included (1 to 64)',
      default: 1,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DnsServe);
    await runDnsServe({ flags });
  }
}
