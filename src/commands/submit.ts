import { Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { runSubmit } from '../cli/run/submit.js';

export default class Submit extends PosteCommand {
  static override summary = 'Send the email on stdin to a submission server';
  static override description =
    'Connects to HOST (port 587 with STARTTLS when offered, --starttls to require it, --tls for port 465), ' +
    'authenticates with --user and the first line of --password-file, and sends the email. The envelope comes ' +
    'from the header (Sender or From; To, Cc and Bcc) unless --from/--to are given; Bcc is removed from the ' +
    'message sent. 8-bit bodies are converted to quoted-printable or base64 when the server lacks 8BITMIME. ' +
    'Exits 0 when every recipient was accepted, 1 when something was refused for good (each named on ' +
    'stderr), 75 on a temporary failure, 69 when the server cannot be reached or TLS is unavailable.';
  static override examples = [
    '<%= config.bin %> submit --host mail.example.org --user ann --password-file ~/.pw < message.eml',
    '<%= config.bin %> submit --host mail.example.org --tls --user ann --password-file pw < message.eml',
    '<%= config.bin %> submit --host 127.0.0.1 --port 2525 --to bob@example.net --dry-run < message.eml',
  ];
  static override flags = {
    host: Flags.string({ description: 'the submission server', required: true }),
    port: Flags.integer({ description: 'port (default 587, or 465 with --tls)' }),
    starttls: Flags.boolean({
      description: 'require STARTTLS (by default it is used when offered)',
      exclusive: ['tls'],
    }),
    tls: Flags.boolean({ description: 'TLS from the first byte (port 465)', exclusive: ['starttls'] }),
    user: Flags.string({ description: 'user name for AUTH (PLAIN, or LOGIN)' }),
    'password-file': Flags.string({ description: 'file whose first line is the password' }),
    from: Flags.string({ description: 'envelope sender ("" for the null sender)' }),
    to: Flags.string({ description: 'envelope recipient (repeatable); replaces To/Cc/Bcc', multiple: true }),
    helo: Flags.string({ description: 'our name in EHLO (default: the host name)' }),
    ca: Flags.string({ description: 'PEM file of CA certificates to trust besides the system ones' }),
    insecure: Flags.boolean({ description: 'do not check the server certificate' }),
    timeout: Flags.integer({ description: 'seconds to wait for the server', default: 300 }),
    'dry-run': Flags.boolean({
      description: 'print the SMTP transcript that would be sent, without connecting',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Submit);
    await runSubmit({ flags });
  }
}
