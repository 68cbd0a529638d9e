import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runDomainAdd } from '../../cli/run/store.js';

export default class DomainAdd extends PosteCommand {
  static override summary = 'Host a domain: its DKIM keys, TSIG key and zone';
  static override description =
    'Adds DOMAIN to the store (made with git init when the directory is not a store yet), generates its ' +
    'DKIM keys (RSA 2048 as selector r<yyyymm>, Ed25519 as e<yyyymm>) and a TSIG key update.DOMAIN. scoped ' +
    'to its zone, and writes zones/DOMAIN.zone: SOA, NS and MX naming --mx-host (default mail.DOMAIN), its ' +
    'A/AAAA records from --ip, SPF "v=spf1 mx -all", DMARC at _dmarc (p=quarantine) and the two DKIM key ' +
    'records, ready for poste dns serve --zones STORE/zones. One git commit. Exits 65 when the domain is ' +
    'hosted already.';
  static override examples = [
    '<%= config.bin %> domain add example.org --ip 192.0.2.25 --ip 2001:db8::25',
    '<%= config.bin %> domain add example.net --mx-host mail.example.org',
  ];
  static override args = {
    domain: Args.string({ description: 'the domain to host', required: true }),
  };
  static override flags = {
    store: Flags.string({ description: 'the store directory (default: $POSTE_STORE, else ./store)' }),
    'mx-host': Flags.string({ description: 'the host named by NS and MX (default mail.DOMAIN)' }),
    ip: Flags.string({
      description: 'an IPv4 or IPv6 address of the mail host, when it is inside DOMAIN; repeatable',
      multiple: true,
    }),
  };

  async run(): Promise<void> {
    const { flags, args } = await this.parse(DomainAdd);
    await runDomainAdd({ flags, args });
  }
}
