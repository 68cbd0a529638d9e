import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runMake } from '../../cli/run/make.js';

export default class Make extends PosteCommand {
  static override summary = 'Craft a new email from a body';
  static override description =
    'Reads the body from FILE or standard input (LF line ends become CRLF) and writes a complete ' +
    'email on standard output: Date, From, To, Cc, Bcc, Subject, Message-ID, MIME-Version and the ' +
    'content fields, with encoded words for non-ASCII text and a transfer encoding chosen by content.';
  static override examples = [
    `echo 'Hello' | <%= config.bin %> make --from 'Me <me@example.org>' --to you@example.net --subject 'Hi'`,
    `<%= config.bin %> make --from me@example.org --to a@example.net --to b@example.net --type 'text/html; charset=utf-8' page.html`,
    `echo x | <%= config.bin %> make --from me@example.org --to you@example.net --date 2026-01-01T00:00:00Z --seed 1`,
  ];
  static override args = {
    file: Args.string({
      description: 'the body (default: standard input)',
      required: false,
      ignoreStdin: true,
    }),
  };
  static override flags = {
    from: Flags.string({ description: 'the From address ("Name <addr>" or addr)' }),
    to: Flags.string({ description: 'a To address (repeatable)', multiple: true }),
    cc: Flags.string({ description: 'a Cc address (repeatable)', multiple: true }),
    bcc: Flags.string({
      description: 'a Bcc address (repeatable; `poste submit` strips the field)',
      multiple: true,
    }),
    'reply-to': Flags.string({ description: 'a Reply-To address (repeatable)', multiple: true }),
    subject: Flags.string({ description: 'the Subject (any Unicode text)' }),
    date: Flags.string({ description: 'the Date, ISO 8601 or RFC 5322 (default: now)' }),
    'message-id': Flags.string({
      description: 'the Message-ID, without angle brackets (default: generated)',
    }),
    header: Flags.string({ description: "an extra field 'Name: value' (repeatable)", multiple: true }),
    type: Flags.string({ description: 'the Content-Type of the body', default: 'text/plain; charset=utf-8' }),
    encoding: Flags.string({
      description: 'the Content-Transfer-Encoding (default: chosen by content)',
      options: ['7bit', '8bit', 'binary', 'quoted-printable', 'base64'],
    }),
    seed: Flags.string({
      description: 'seed for the Message-ID and boundaries (reproducible output, for tests)',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Make);
    await runMake({ args, flags });
  }
}
