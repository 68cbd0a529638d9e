// `poste dns resolver`: the caching recursive resolver in the foreground until SIGINT or SIGTERM.
import { readFileSync } from 'node:fs';
import { type Hints, parseRootHints, parseServer, type ServerAddress } from '../../dns/index.js';
import { parsePrefix } from '../../services/allow.js';
import { createLogger } from '../../services/log.js';
import { parseForward } from '../../services/resolver/definition.js';
import { type ResolverService, startResolver } from '../../services/resolver/index.js';
import { parseWorkerCount } from '../../services/udp-workers.js';
import { CliError, EXIT } from '../exit-codes.js';

export interface DnsResolverInput {
  flags: {
    listen: string;
    'root-hints'?: string | undefined;
    forward?: string[] | undefined;
    allow?: string[] | undefined;
    'upstream-port': number | string;
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

export async function runDnsResolver({ flags }: DnsResolverInput): Promise<void> {
  const listen: ServerAddress = usage(() => parseServer(flags.listen, { listen: true }));
  const forward = (flags.forward ?? []).map((f) =>
    usage(() => {
      try {
        return parseForward(f);
      } catch (err) {
        throw new Error(`bad --forward "${f}": ${(err as Error).message}`);
      }
    }),
  );
  const allow = flags.allow?.length ? usage(() => (flags.allow ?? []).map(parsePrefix)) : undefined;
  // The fast path passes option values as text.
  const port = Number(flags['upstream-port']);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new CliError(EXIT.usage, '--upstream-port must be 1 to 65535');
  const workers = usage(() => parseWorkerCount(flags.workers));
  let rootHints: Hints | undefined;
  if (flags['root-hints'] !== undefined) {
    const file = flags['root-hints'];
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(EXIT.noInput, `--root-hints ${file}: ${(err as Error).message}`);
    }
    rootHints = usage(() => parseRootHints(text, file));
  }
  const log = createLogger('resolver');
  let service: ResolverService;
  try {
    service = await startResolver({ listen, rootHints, forward, allow, upstreamPort: port, workers, log });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const code = e.code === 'EADDRINUSE' || e.code === 'EACCES' ? EXIT.unavailable : EXIT.software;
    throw new CliError(code, `cannot serve on ${flags.listen}: ${e.message}`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('stopping', { signal });
      void service.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGUSR1', () => log('state', { state: JSON.stringify(service.state()) }));
  });
}
