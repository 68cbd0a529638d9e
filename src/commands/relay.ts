import { Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { runRelay } from '../cli/run/relay.js';

export default class Relay extends PosteCommand {
  static override summary = 'Relay email: a durable queue delivering by MX, with retries and bounces';
  static override description =
    'An SMTP server for trusted clients (loopback by default; --allow adds networks) that writes every message ' +
    'into the spool — fsynced, file and directory, before the 250 — and delivers it to the MX hosts of each ' +
    'recipient domain (RFC 5321 §5: by preference, the next host when one is down; STARTTLS when offered). ' +
    'Temporary failures are retried with exponential backoff and jitter until --lifetime; permanent ones and ' +
    'expiry send a delivery status notification (RFC 3464) to the sender, and a delay notice goes once after ' +
    '--delay-warning; never a DSN to the null sender. A full disk answers 452. The pid goes to SPOOL/relay.pid ' +
    'for `poste queue`. One JSON line per event on stderr; SIGTERM lets transfers finish, then exits 0.';
  static override examples = [
    '<%= config.bin %> relay --spool /var/spool/poste --listen 127.0.0.1:10025',
    '<%= config.bin %> relay --spool spool --listen 127.0.0.1:2526 --dns 127.0.0.1:5353 --delivery-port 2525',
    '<%= config.bin %> relay --spool spool --listen 127.0.0.1:2526 --route "*=192.0.2.25:587"',
  ];
  static override flags = {
    spool: Flags.string({ description: 'the spool directory (created if missing)', required: true }),
    listen: Flags.string({ description: 'ADDR:PORT to accept mail on', default: '127.0.0.1:10025' }),
    hostname: Flags.string({
      description: 'our name in EHLO, Received fields and DSNs (default: the host name)',
    }),
    dns: Flags.string({
      description: 'the DNS server for MX lookups: IP, IP:PORT or [IPv6]:PORT',
      exclusive: ['zone'],
    }),
    zone: Flags.string({
      description: 'look MX and addresses up in this zone file instead',
      exclusive: ['dns'],
    }),
    'delivery-port': Flags.integer({ description: 'the port of remote MX hosts', default: 25 }),
    route: Flags.string({
      description:
        'DOMAIN=ADDR:PORT[,ADDR:PORT…]: send this domain there instead of its MX ("*" for all: a smarthost)',
      multiple: true,
    }),
    allow: Flags.string({
      description: 'a client network that may relay (CIDR; default loopback only)',
      multiple: true,
    }),
    'retry-min': Flags.string({ description: 'first retry interval (300, 30s, 5m, 1h)', default: '5m' }),
    'retry-max': Flags.string({ description: 'longest retry interval', default: '1h' }),
    lifetime: Flags.string({ description: 'how long a message is retried before it bounces', default: '5d' }),
    'delay-warning': Flags.string({
      description: 'when the sender is told of a delay (0: never)',
      default: '4h',
    }),
    concurrency: Flags.integer({ description: 'messages in delivery at once', default: 20 }),
    'per-destination': Flags.integer({ description: 'SMTP transactions at once per domain', default: 5 }),
    'connection-cache': Flags.string({
      description: 'how long a connection waits for another message to the same host (0: one per message)',
      default: '5s',
    }),
    'min-free': Flags.integer({ description: 'MiB of free disk under which new mail gets 452', default: 64 }),
    'max-size': Flags.integer({ description: 'message size in octets (SIZE), then 552', default: 52428800 }),
    'no-group-commit': Flags.boolean({
      description: 'one directory fsync per message instead of sharing them (benchmarks)',
    }),
    store: Flags.string({
      description:
        'the store (poste domain/user/alias): hosted recipients are expanded through aliases, unknown ones refused',
    }),
    'tls-cert': Flags.string({ description: 'PEM certificate: STARTTLS is offered to clients' }),
    'tls-key': Flags.string({ description: 'PEM private key of the certificate' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Relay);
    await runRelay({ flags });
  }
}
