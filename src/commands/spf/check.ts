import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runSpfCheck } from '../../cli/run/spf-check.js';

/** The flags `spf check` and `spf stamp` share: the transaction, this host, the DNS source. */
export const spfFlags = {
  ip: Flags.string({ description: 'the SMTP client address, IPv4 or IPv6', required: true }),
  sender: Flags.string({
    description: 'the MAIL FROM address; "" for the null reverse-path (checks postmaster@HELO)',
    required: true,
  }),
  helo: Flags.string({ description: 'the HELO/EHLO name (%{h}; itself checked with --identity helo)' }),
  identity: Flags.string({
    description: 'which identity to check (RFC 7208 §2.3, §2.4)',
    options: ['mailfrom', 'helo'],
    default: 'mailfrom',
  }),
  receiver: Flags.string({
    description: "this host's name, for %{r} and receiver= (default: the hostname)",
  }),
  dns: Flags.string({
    description: 'the DNS server to ask: IP, IP:PORT or [IPv6]:PORT',
    exclusive: ['zone'],
  }),
  zone: Flags.string({
    description: 'answer from this zone file (it may hold several zones) instead of the network',
    exclusive: ['dns'],
  }),
};

export default class SpfCheck extends PosteCommand {
  static override summary = 'Check whether a client address may send mail for a sender (SPF)';
  static override description =
    "Evaluates the sender domain's SPF policy (RFC 7208) for the SMTP client address, as a receiver " +
    'does at MAIL FROM, and prints the result word first (pass, fail, softfail, neutral, none, ' +
    "temperror, permerror), then which term decided or what went wrong, with the domain's explanation " +
    'of a fail. An empty --sender (the null reverse-path) checks postmaster@HELO. Records are looked up ' +
    'with --dns, in a zone file with --zone, else through the first nameserver of /etc/resolv.conf. ' +
    'Exits 0 for pass, 1 for any other result, 75 for temperror.';
  static override examples = [
    '<%= config.bin %> spf check --ip 192.0.2.10 --sender alice@example.org --helo mail.example.org',
    '<%= config.bin %> spf check --ip 2001:db8::25 --sender bounce@example.net --dns 127.0.0.1:5353 --json',
    "<%= config.bin %> spf check --ip 192.0.2.10 --sender '' --helo mail.example.org --zone test.zone",
  ];
  static override flags = {
    ...spfFlags,
    json: Flags.boolean({
      description: 'print the result as JSON, with its Received-SPF and Authentication-Results text',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SpfCheck);
    await runSpfCheck({ flags });
  }
}
