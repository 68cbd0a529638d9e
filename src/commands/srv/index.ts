import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runSrv } from '../../cli/run/srv.js';

export default class Srv extends PosteCommand {
  static override summary = 'Receive email over SMTP into a maildir';
  static override description =
    'An SMTP server (RFC 5321 with PIPELINING, SIZE, 8BITMIME, SMTPUTF8, CHUNKING, DSN, ENHANCEDSTATUSCODES, ' +
    'STARTTLS and AUTH PLAIN/LOGIN) that delivers every accepted message into DIR/new, fsynced before the 250. ' +
    'Without --users it accepts any recipient; with it, recipients must be users (or the client must ' +
    'authenticate). Without --tls-* it runs in plain text. One JSON line per event on stderr; SIGTERM lets ' +
    'deliveries in progress finish, then exits 0.';
  static override examples = [
    '<%= config.bin %> srv --listen 127.0.0.1:2525 --maildir ~/Maildir',
    '<%= config.bin %> srv --listen [::]:25 --maildir /var/mail/box --tls-cert cert.pem --tls-key key.pem --users users',
    '<%= config.bin %> srv --listen 0.0.0.0:465 --maildir box --tls-cert c.pem --tls-key k.pem --tls-implicit --users users --require-auth',
  ];
  static override flags = {
    listen: Flags.string({
      description: 'ADDR:PORT to listen on ([v6]:PORT for IPv6; port 0 picks one)',
      default: '127.0.0.1:25',
    }),
    maildir: Flags.string({ description: 'the maildir messages go to (created if missing)', required: true }),
    hostname: Flags.string({
      description: 'our name in the greeting and Received fields (default: the host name)',
    }),
    'tls-cert': Flags.string({ description: 'PEM certificate (chain): STARTTLS is offered' }),
    'tls-key': Flags.string({ description: 'PEM private key of the certificate' }),
    'tls-implicit': Flags.boolean({ description: 'TLS from the first byte (port 465) instead of STARTTLS' }),
    users: Flags.string({
      description: 'file of name:$scrypt$… lines (poste srv hash-password): AUTH, and the local recipients',
    }),
    'auth-plaintext-loopback': Flags.boolean({ description: 'offer AUTH without TLS to loopback clients' }),
    'require-auth': Flags.boolean({
      description: 'refuse MAIL until the client has authenticated (submission)',
    }),
    'max-recipients': Flags.integer({ description: 'recipients per message, then 452', default: 100 }),
    'max-size': Flags.integer({ description: 'message size in octets (SIZE), then 552', default: 52428800 }),
    'max-errors': Flags.integer({
      description: 'refused commands per session, then 421 and close',
      default: 20,
    }),
    'max-line': Flags.integer({ description: 'command line length in octets, then 500', default: 2048 }),
    timeout: Flags.integer({
      description: 'seconds a client may stay silent (command or data), then 421',
      default: 300,
    }),
    'max-connections': Flags.integer({ description: 'sessions at once', default: 1000 }),
    'max-connections-per-client': Flags.integer({
      description: 'sessions at once from one address',
      default: 50,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Srv);
    await runSrv({ flags });
  }
}
