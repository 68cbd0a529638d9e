import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runRecvStamp } from '../../cli/run/recv.js';

export default class RecvStamp extends PosteCommand {
  static override summary = 'Prepend a Received field to an email';
  static override description =
    'Writes the email from standard input to standard output with a Received trace field (RFC 5321 ' +
    '§4.4) before its header, dated now, the rest unchanged byte for byte (after an mbox "From " line ' +
    'if there is one). Streamed: any size in bounded memory. The field takes the line ending of the email.';
  static override examples = [
    '<%= config.bin %> recv stamp --by mx.example.net --from mail.example.org --ip 192.0.2.25 < in.eml > out.eml',
    '<%= config.bin %> recv stamp --by mx.example.net --with LMTP --id 4fQ2 --for ann@example.net < in.eml',
  ];
  static override flags = {
    by: Flags.string({ description: 'the receiving host (our name)', required: true }),
    from: Flags.string({ description: 'the sending host, as it named itself in HELO/EHLO' }),
    ip: Flags.string({ description: "the sending host's IP address" }),
    with: Flags.string({
      description: 'the protocol (SMTP, ESMTP, ESMTPS, ESMTPSA, LMTP, HTTP…)',
      default: 'ESMTP',
    }),
    id: Flags.string({ description: 'the queue or message id given by the receiving host' }),
    for: Flags.string({ description: 'the recipient (local@domain)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RecvStamp);
    await runRecvStamp({ flags });
  }
}
