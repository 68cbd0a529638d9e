import { Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { runSend } from '../cli/run/send.js';

export default class Send extends PosteCommand {
  static override summary = "Deliver the email on stdin to each recipient domain's mail servers";
  static override description =
    'Looks up the MX records of each recipient domain (RFC 5321 §5: by preference, random among equals, the ' +
    'domain itself without MX, no mail at all with a null MX), and delivers with opportunistic STARTTLS, trying ' +
    'the next host when one cannot be reached or answers 4xx. The envelope comes from the header unless ' +
    '--from/--to are given; Bcc is removed. Prints one line per recipient: address, sent|refused|deferred, host, ' +
    'reply. Exits 0 when all were sent, 1 when some were refused, 75 when some must be retried.';
  static override examples = [
    '<%= config.bin %> send < message.eml',
    '<%= config.bin %> send --dns 127.0.0.1:5300 --port 2525 --to bob@example.net < message.eml',
    '<%= config.bin %> send --zone example.net.zone --port 2525 < message.eml',
  ];
  static override flags = {
    dns: Flags.string({
      description: 'DNS server HOST:PORT for MX lookups (default: resolv.conf)',
      exclusive: ['zone'],
    }),
    zone: Flags.string({
      description: 'answer MX/A/AAAA lookups from this zone file instead',
      exclusive: ['dns'],
    }),
    port: Flags.integer({ description: 'SMTP port of the mail hosts', default: 25 }),
    from: Flags.string({ description: 'envelope sender ("" for the null sender)' }),
    to: Flags.string({ description: 'envelope recipient (repeatable); replaces To/Cc/Bcc', multiple: true }),
    helo: Flags.string({ description: 'our name in EHLO (default: the host name)' }),
    timeout: Flags.integer({ description: 'seconds to wait for each server', default: 300 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Send);
    await runSend({ flags });
  }
}
