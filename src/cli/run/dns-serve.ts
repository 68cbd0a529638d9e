// `poste dns serve`: the primary service in the foreground until SIGINT or SIGTERM.
import { statSync } from 'node:fs';
import { parseKeySpec, parseServer, type ServerAddress, type TsigKey } from '../../dns/index.js';
import { createLogger } from '../../services/log.js';
import { startPrimary } from '../../services/primary/index.js';
import { parseWorkerCount } from '../../services/udp-workers.js';
import { CliError, EXIT } from '../exit-codes.js';

export interface DnsServeInput {
  flags: {
    zones: string;
    listen: string;
    'tsig-key'?: string[] | undefined;
    notify?: string[] | undefined;
    rrl: number;
    'rrl-loopback'?: boolean | undefined;
    poll: number;
    workers?: number | string | undefined;
  };
}

function usage<T>(what: () => T): T {
  try {
    return what();
  } catch (err) {
    throw new CliError(EXIT.usage, (err as Error).message);
  }
}

export async function runDnsServe({ flags }: DnsServeInput): Promise<void> {
  try {
    if (!statSync(flags.zones).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new CliError(EXIT.noInput, `--zones ${flags.zones}: ${(err as Error).message}`);
  }
  const listen: ServerAddress = usage(() => parseServer(flags.listen, { listen: true }));
  const keys: TsigKey[] = usage(() => (flags['tsig-key'] ?? []).map(parseKeySpec));
  const notify = usage(() => (flags.notify ?? []).map((n) => parseServer(n)));
  if (!(flags.rrl >= 0)) throw new CliError(EXIT.usage, '--rrl must be 0 or more');
  if (!(flags.poll >= 0)) throw new CliError(EXIT.usage, '--poll must be 0 (never) or more seconds');
  const workers = usage(() => parseWorkerCount(flags.workers));
  const log = createLogger('primary');
  let primary: Awaited<ReturnType<typeof startPrimary>>;
  try {
    primary = await startPrimary({
      zonesDir: flags.zones,
      listen,
      keys,
      notify,
      rateLimit: flags.rrl,
      rateLimitLoopback: flags['rrl-loopback'] ?? false,
      pollMs: flags.poll > 0 ? flags.poll * 1000 : 0,
      workers,
      log,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const code = e.code === 'EADDRINUSE' || e.code === 'EACCES' ? EXIT.unavailable : EXIT.software;
    throw new CliError(code, `cannot serve on ${flags.listen}: ${e.message}`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('stopping', { signal });
      void primary.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // The service's state, on demand: zones, serials and counters in one line.
    process.on('SIGUSR1', () => log('state', { state: JSON.stringify(primary.state()) }));
  });
}
