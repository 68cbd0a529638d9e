import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runSpfStamp } from '../../cli/run/spf-stamp.js';
import { spfFlags } from './check.js';

export default class SpfStamp extends PosteCommand {
  static override summary = 'Prepend a Received-SPF field with the SPF verdict to an email';
  static override description =
    'Checks SPF as `poste spf check` does and writes the email from standard input to standard output ' +
    'with a Received-SPF field (RFC 7208 §9.1) before its header, the rest unchanged byte for byte. ' +
    'Streamed: any size in bounded memory. The field takes the line ending of the email. Exits 0 ' +
    'whatever the verdict (the field records it).';
  static override examples = [
    '<%= config.bin %> spf stamp --ip 192.0.2.10 --sender alice@example.org --helo mail.example.org < in.eml > out.eml',
    '<%= config.bin %> spf stamp --ip 192.0.2.10 --sender alice@example.org --helo mx.example.org --receiver mx.example.net | poste hdr Received-SPF',
  ];
  static override flags = {
    ...spfFlags,
    helo: Flags.string({
      description: 'the HELO/EHLO name (%{h}; itself checked with --identity helo)',
      required: true,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SpfStamp);
    await runSpfStamp({ flags });
  }
}
