// `poste relay`: the relay service in the foreground — an SMTP server for trusted clients
// whose mail goes into a durable spool, delivered by MX with retries and bounces. Writes
// its pid to SPOOL/relay.pid so `poste queue` can signal it: SIGHUP re-reads the spool
// (hold, release, delete), SIGUSR2 re-reads it and tries everything now, SIGUSR1 logs the
// state; SIGINT/SIGTERM let transfers finish, then exit 0.
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseServer } from '../../dns/index.js';
import type { RouteHost } from '../../queue/index.js';
import { allowList, parsePrefix } from '../../services/allow.js';
import { parseDurationMs } from '../../services/config.js';
import { createLogger } from '../../services/log.js';
import { parseRoute } from '../../services/relay/definition.js';
import { type Relay, startRelay } from '../../services/relay/index.js';
import { TlsFiles } from '../../services/tls-files.js';
import { openStore, type Store } from '../../store/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { chooseResolver } from '../resolver-choice.js';

export interface RelayInput {
  flags: {
    spool: string;
    listen: string;
    hostname?: string | undefined;
    dns?: string | undefined;
    zone?: string | undefined;
    'delivery-port': number | string;
    route?: string[] | undefined;
    allow?: string[] | undefined;
    'retry-min': string;
    'retry-max': string;
    lifetime: string;
    'delay-warning': string;
    concurrency: number | string;
    'per-destination': number | string;
    'connection-cache'?: string | undefined;
    'min-free': number | string;
    'max-size': number | string;
    'no-group-commit'?: boolean | undefined;
    'tls-cert'?: string | undefined;
    'tls-key'?: string | undefined;
    store?: string | undefined;
  };
}

/** "300" (seconds), "250ms", "30s", "5m", "4h", "5d" → ms. */
export function parseDuration(name: string, text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined)
    throw new CliError(EXIT.usage, `--${name} must be a duration like 300, 30s, 5m, 4h or 5d: ${text}`);
  return ms;
}

function integer(name: string, v: number | string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(EXIT.usage, `--${name} must be an integer from ${min} to ${max}`);
  return n;
}

function route(text: string): [string, RouteHost[]] {
  try {
    return parseRoute(text);
  } catch (err) {
    throw new CliError(EXIT.usage, `bad --route "${text}": ${(err as Error).message}`);
  }
}

export async function runRelay({ flags }: RelayInput): Promise<void> {
  if (!/:\d+$/.test(flags.listen))
    throw new CliError(EXIT.usage, '--listen needs ADDR:PORT (e.g. 127.0.0.1:2526)');
  let listen: { host: string; port: number };
  try {
    listen = parseServer(flags.listen, { listen: true });
  } catch (err) {
    throw new CliError(EXIT.usage, (err as Error).message);
  }
  const policy = {
    retryMin: parseDuration('retry-min', flags['retry-min']),
    retryMax: parseDuration('retry-max', flags['retry-max']),
    lifetime: parseDuration('lifetime', flags.lifetime),
    delayWarning: parseDuration('delay-warning', flags['delay-warning']),
  };
  const routes = new Map((flags.route ?? []).map(route));
  let allow: ((a: string) => boolean) | undefined;
  try {
    if (flags.allow?.length) allow = allowList(flags.allow.map(parsePrefix));
  } catch (err) {
    throw new CliError(EXIT.usage, (err as Error).message);
  }
  if (!flags['tls-cert'] !== !flags['tls-key'])
    throw new CliError(EXIT.usage, '--tls-cert and --tls-key go together');
  let tlsFiles: TlsFiles | undefined;
  if (flags['tls-cert']) {
    try {
      readFileSync(flags['tls-cert']);
      tlsFiles = new TlsFiles({ keyFile: flags['tls-key'] as string, certFile: flags['tls-cert'] });
    } catch (err) {
      throw new CliError(EXIT.noInput, `--tls-cert/--tls-key: ${(err as Error).message}`);
    }
  }
  const { resolver } = await chooseResolver(flags);
  let store: Store | undefined;
  if (flags.store !== undefined) {
    try {
      store = await openStore(flags.store);
    } catch (err) {
      throw new CliError(EXIT.noInput, `--store ${flags.store}: ${(err as Error).message}`);
    }
  }
  const log = createLogger('relay');
  let relay: Relay;
  try {
    relay = await startRelay({
      spool: flags.spool,
      ...listen,
      hostname: flags.hostname ?? hostname(),
      resolver,
      deliveryPort: integer('delivery-port', flags['delivery-port'], 1, 65535),
      routes,
      ...(allow ? { allowClient: allow } : {}),
      policy,
      concurrency: integer('concurrency', flags.concurrency, 1),
      perDestination: integer('per-destination', flags['per-destination'], 1),
      connectionCacheMs: parseDuration('connection-cache', flags['connection-cache'] ?? '5s'),
      minFreeBytes: integer('min-free', flags['min-free'], 0) * 1024 * 1024,
      maxMessageSize: integer('max-size', flags['max-size'], 1),
      groupCommit: flags['no-group-commit'] !== true,
      ...(tlsFiles ? { tlsFiles } : {}),
      ...(store ? { store } : {}),
      log,
    });
  } catch (err) {
    if (err instanceof CliError) throw err;
    const e = err as NodeJS.ErrnoException;
    const code =
      e.code === 'EADDRINUSE' || e.code === 'EACCES'
        ? EXIT.unavailable
        : e.code === 'ENOENT' || e.code === 'ENOTDIR'
          ? EXIT.noInput
          : EXIT.software;
    throw new CliError(code, `cannot start the relay: ${e.message}`);
  }
  const pidFile = join(flags.spool, 'relay.pid');
  await writeFile(pidFile, `${process.pid}\n`);
  // Changes made by `poste queue` without a signal are seen within a minute.
  const rescan = setInterval(() => void relay.scheduler.rescan().catch(() => {}), 60_000);
  rescan.unref();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('stopping', { signal });
      clearInterval(rescan);
      void relay
        .close()
        .then(() => rm(pidFile, { force: true }))
        .then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGHUP', () => void relay.scheduler.rescan().then(() => log('rescanned', {})));
    process.on(
      'SIGUSR2',
      () =>
        void relay.scheduler.rescan().then(() => {
          relay.scheduler.flush();
          log('flushed', {});
        }),
    );
    process.on('SIGUSR1', () =>
      log('state', { ...relay.scheduler.stats(), sessions: relay.server.sessions }),
    );
  });
}
