// `poste acme issue|renew|serve`: certificates through DNS-01 on our own primary. issue
// records what it asked for in the output directory, so renew and serve need only that.
import {
  type AcmeConfig,
  AcmeError,
  AcmeStore,
  DnsUpdateError,
  issueWithRetries,
  isTransient,
  renewIfDue,
} from '../../acme/index.js';
import { parseKeySpec, parseServer } from '../../dns/index.js';
import { startAcme } from '../../services/acme/index.js';
import { createLogger } from '../../services/log.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readInputFile, writeStdout } from '../io.js';

/** A failure as the one line and exit code the user sees. */
function asCliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (isTransient(err)) return new CliError(EXIT.tempFail, (err as Error).message);
  if (err instanceof AcmeError || err instanceof DnsUpdateError)
    return new CliError(EXIT.verdict, err.message);
  return err;
}

export interface AcmeIssueInput {
  flags: {
    directory: string;
    'directory-ca'?: string | undefined;
    domain: string[];
    'dns-update': string;
    'tsig-key': string;
    out: string;
    email?: string[] | undefined;
    attempts: number;
  };
}

export async function runAcmeIssue({ flags }: AcmeIssueInput): Promise<void> {
  const config: AcmeConfig = {
    directory: flags.directory,
    directoryCa: flags['directory-ca'],
    names: flags.domain.map((d) => d.toLowerCase().replace(/\.$/, '')),
    dnsUpdate: flags['dns-update'],
    tsigKey: flags['tsig-key'],
    contact: flags.email?.map((e) => (e.startsWith('mailto:') ? e : `mailto:${e}`)),
  };
  try {
    parseServer(config.dnsUpdate);
    parseKeySpec(config.tsigKey);
    new URL(config.directory);
  } catch (err) {
    throw new CliError(EXIT.usage, (err as Error).message);
  }
  if (config.directoryCa) await readInputFile(config.directoryCa);
  const store = new AcmeStore(flags.out);
  await store.writeConfig(config);
  const log = createLogger('acme');
  try {
    await issueWithRetries(store, config, { attempts: Math.max(1, flags.attempts), firstDelayMs: 2000, log });
  } catch (err) {
    throw asCliError(err);
  }
  await writeStdout(`issued ${config.names.join(' ')} into ${flags.out}\n`);
}

export interface AcmeRenewInput {
  flags: { out: string; force?: boolean | undefined; json?: boolean | undefined; attempts: number };
}

export async function runAcmeRenew({ flags }: AcmeRenewInput): Promise<void> {
  const store = new AcmeStore(flags.out);
  try {
    await store.readConfig();
  } catch (err) {
    throw new CliError(
      EXIT.noInput,
      `${flags.out}: no certificate to renew (${(err as Error).message}); run acme issue first`,
    );
  }
  let result: { renewed: boolean; due?: Date | undefined };
  try {
    result = await renewIfDue(store, {
      force: flags.force ?? false,
      attempts: Math.max(1, flags.attempts),
      firstDelayMs: 2000,
      log: createLogger('acme'),
    });
  } catch (err) {
    throw asCliError(err);
  }
  if (flags.json)
    await writeStdout(`${JSON.stringify({ renewed: result.renewed, due: result.due?.toISOString() })}\n`);
  else if (result.renewed) await writeStdout(`renewed ${flags.out}\n`);
  else await writeStdout(`not due until ${result.due?.toISOString()}\n`);
}

export interface AcmeServeInput {
  flags: { out: string[]; 'check-every': number };
}

export async function runAcmeServe({ flags }: AcmeServeInput): Promise<void> {
  for (const dir of flags.out) {
    try {
      await new AcmeStore(dir).readConfig();
    } catch (err) {
      throw new CliError(EXIT.noInput, `${dir}: ${(err as Error).message}; run acme issue first`);
    }
  }
  if (!(flags['check-every'] > 0)) throw new CliError(EXIT.usage, '--check-every must be at least 1 minute');
  const log = createLogger('acme');
  const service = startAcme({ dirs: flags.out, checkEveryMs: flags['check-every'] * 60_000, log });
  log('started', { dirs: flags.out, checkEveryMinutes: flags['check-every'] });
  // Keep the process alive between checks (the service's timers do not hold it).
  const alive = setInterval(() => {}, 1 << 30);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('stopping', { signal });
      service.close();
      clearInterval(alive);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGUSR1', () => log('state', { state: JSON.stringify(service.state()) }));
  });
}
