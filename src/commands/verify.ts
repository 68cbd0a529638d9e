import { Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { runVerify } from '../cli/run/verify.js';

export default class Verify extends PosteCommand {
  static override summary =
    'Judge an email as a receiver would: SPF, DKIM, DMARC and ARC in one Authentication-Results';
  static override description =
    'Reads an email on standard input (streamed, any size) with the envelope it came with (--ip, --helo, ' +
    '--sender), checks SPF (RFC 7208), every DKIM signature (RFC 6376), the ARC chain (RFC 8617) and DMARC ' +
    '(RFC 9989: policy found by the DNS tree walk, alignment of SPF and DKIM with the From domain), and writes ' +
    'the email back with one Authentication-Results field (RFC 8601) on top. Fields that claim our authserv-id ' +
    'are removed first: they are forged. With --json, the verdicts instead. DNS answers come from --dns, from ' +
    '--zone (the file taken as the whole DNS), else the first nameserver of /etc/resolv.conf. Exits 0 when ' +
    'DMARC passes or the domain has no policy, 1 on fail or permerror, 75 on temperror.';
  static override examples = [
    '<%= config.bin %> verify --ip 192.0.2.25 --helo mail.example.org --sender ada@example.org < message.eml',
    '<%= config.bin %> verify --ip 192.0.2.25 --helo mx.example.org --sender ada@example.org --zone world.zone --authserv-id mx.example.net --json < message.eml',
  ];
  static override flags = {
    ip: Flags.string({ description: "the SMTP client's address", required: true }),
    helo: Flags.string({ description: 'the HELO/EHLO name the client gave' }),
    sender: Flags.string({ description: 'the MAIL FROM address (empty for the null reverse-path)' }),
    'authserv-id': Flags.string({
      description: 'our name in Authentication-Results (default: the host name)',
    }),
    dns: Flags.string({
      description: 'the DNS server to ask: IP, IP:PORT or [IPv6]:PORT',
      exclusive: ['zone'],
    }),
    zone: Flags.string({
      description: 'answer from this zone file, taken as the whole DNS',
      exclusive: ['dns'],
    }),
    json: Flags.boolean({ description: 'print the verdicts as JSON instead of the email' }),
    time: Flags.string({ description: 'check signature times against this time, seconds since the epoch' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Verify);
    await runVerify({ flags });
  }
}
