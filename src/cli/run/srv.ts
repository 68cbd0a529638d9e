// `poste srv`: a receiving SMTP server that delivers into a maildir, in the foreground
// until SIGINT or SIGTERM (which let deliveries in progress finish).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseServer } from '../../dns/index.js';
import { Maildir } from '../../maildir/index.js';
import { createLogger } from '../../services/log.js';
import { startSmtpServer } from '../../services/smtp-server/index.js';
import { maildirHandlers } from '../../services/smtp-server/maildir-sink.js';
import { hashPassword, Users } from '../../services/smtp-server/users.js';
import { TlsFiles } from '../../services/tls-files.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readStdin, writeStdout } from '../io.js';

export interface SrvInput {
  flags: {
    listen: string;
    maildir: string;
    hostname?: string | undefined;
    'tls-cert'?: string | undefined;
    'tls-key'?: string | undefined;
    'tls-implicit'?: boolean | undefined;
    users?: string | undefined;
    'auth-plaintext-loopback'?: boolean | undefined;
    'require-auth'?: boolean | undefined;
    'max-recipients': string | number;
    'max-size': string | number;
    'max-errors': string | number;
    'max-line': string | number;
    timeout: string | number;
    'max-connections': string | number;
    'max-connections-per-client': string | number;
  };
}

function count(flags: SrvInput['flags'], name: keyof SrvInput['flags'], min: number): number {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(EXIT.usage, `--${name} must be an integer ≥ ${min}`);
  return n;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CliError(EXIT.noInput, `cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
}

export async function runSrv({ flags }: SrvInput): Promise<void> {
  if (!/:\d+$/.test(flags.listen))
    throw new CliError(EXIT.usage, '--listen needs ADDR:PORT (e.g. 127.0.0.1:2525)');
  let listen: { host: string; port: number };
  try {
    listen = parseServer(flags.listen, { listen: true });
  } catch (err) {
    throw new CliError(EXIT.usage, (err as Error).message);
  }
  if (!flags['tls-cert'] !== !flags['tls-key'])
    throw new CliError(EXIT.usage, '--tls-cert and --tls-key go together');
  if (flags['tls-implicit'] && !flags['tls-cert'])
    throw new CliError(EXIT.usage, '--tls-implicit needs --tls-cert and --tls-key');
  const limits = {
    maxRecipients: count(flags, 'max-recipients', 1),
    maxMessageSize: count(flags, 'max-size', 1),
    maxErrors: count(flags, 'max-errors', 0),
    maxLine: count(flags, 'max-line', 512),
    commandTimeoutMs: count(flags, 'timeout', 1) * 1000,
    dataTimeoutMs: count(flags, 'timeout', 1) * 1000,
  };
  const maxConnections = count(flags, 'max-connections', 1);
  const maxConnectionsPerClient = count(flags, 'max-connections-per-client', 1);
  // Watched files: a renewed certificate (poste acme) is served from the next connection on.
  let tlsFiles: TlsFiles | undefined;
  if (flags['tls-cert']) {
    readPem(flags['tls-cert'], 'certificate');
    readPem(flags['tls-key'] as string, 'key');
    try {
      tlsFiles = new TlsFiles({ keyFile: flags['tls-key'] as string, certFile: flags['tls-cert'] });
    } catch (err) {
      throw new CliError(EXIT.dataErr, `--tls-cert/--tls-key: ${(err as Error).message}`);
    }
  }
  let users: Users | undefined;
  if (flags.users) {
    let text: string;
    try {
      text = readFileSync(flags.users, 'utf8');
    } catch (err) {
      throw new CliError(EXIT.noInput, `cannot read --users ${flags.users}: ${(err as Error).message}`);
    }
    try {
      users = Users.parse(text);
    } catch (err) {
      throw new CliError(EXIT.dataErr, `--users ${flags.users}: ${(err as Error).message}`);
    }
  }
  let maildir: Maildir;
  try {
    maildir = await Maildir.create(flags.maildir);
  } catch (err) {
    throw new CliError(EXIT.noInput, `--maildir ${flags.maildir}: ${(err as Error).message}`);
  }
  const name = flags.hostname ?? hostname();
  const log = createLogger('srv');
  let server: Awaited<ReturnType<typeof startSmtpServer>>;
  try {
    server = await startSmtpServer({
      ...listen,
      hostname: name,
      tlsFiles,
      implicitTls: flags['tls-implicit'] === true,
      authPlaintextLoopback: flags['auth-plaintext-loopback'] === true,
      requireAuth: flags['require-auth'] === true,
      limits,
      maxConnections,
      maxConnectionsPerClient,
      handlers: maildirHandlers({ maildir, hostname: name, users }),
      log,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const code = e.code === 'EADDRINUSE' || e.code === 'EACCES' ? EXIT.unavailable : EXIT.software;
    throw new CliError(code, `cannot listen on ${flags.listen}: ${e.message}`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('stopping', { signal, sessions: server.sessions });
      void server.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** `poste srv hash-password`: the password (first line of stdin) as a users-file entry. */
export async function runSrvHashPassword({ flags }: { flags: { user?: string | undefined } }): Promise<void> {
  const password = (await readStdin()).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (password === '') throw new CliError(EXIT.noInput, 'no password on standard input');
  if (flags.user !== undefined && !/^[^\s:#][^\s:]*$/.test(flags.user)) {
    throw new CliError(EXIT.usage, '--user must not contain spaces or ":"');
  }
  const hash = await hashPassword(password);
  await writeStdout(`${flags.user !== undefined ? `${flags.user}:` : ''}${hash}\n`);
}
