// Running issuance and renewal as a user or a service does: the client built from a
// certificate directory's configuration, transient failures retried with backoff,
// renewal only when due (or forced).
import { readFile } from 'node:fs/promises';
import { DnsExchangeError, parseKeySpec, parseServer } from '../dns/index.js';
import { AcmeClient, AcmeError } from './client.js';
import { DnsUpdateError, tsigUpdater } from './dns01.js';
import { HttpError, httpsTransport } from './http.js';
import { type AcmeLog, issueCertificate } from './issue.js';
import { certId, leafTimes, renewalDue } from './renewal.js';
import type { AcmeConfig, AcmeStore } from './store.js';

/** Failures worth another try later: the CA or the primary unreachable, overloaded, rate-limiting. */
export function isTransient(err: unknown): boolean {
  if (err instanceof AcmeError) return err.transient;
  if (err instanceof HttpError) return true;
  if (err instanceof DnsUpdateError) return /cannot (reach|add|remove)/.test(err.message);
  return err instanceof DnsExchangeError;
}

export async function clientFor(store: AcmeStore, config: AcmeConfig): Promise<AcmeClient> {
  let ca: string | undefined;
  if (config.directoryCa) {
    try {
      ca = await readFile(config.directoryCa, 'utf8');
    } catch (err) {
      throw new Error(`directory CA ${config.directoryCa}: ${(err as Error).message}`);
    }
  }
  return new AcmeClient({
    directoryUrl: config.directory,
    http: httpsTransport({ ca }),
    accountKey: await store.accountKey(),
    accountUrl: config.accountUrl,
  });
}

function publisherFor(config: AcmeConfig) {
  return tsigUpdater({ server: parseServer(config.dnsUpdate), key: parseKeySpec(config.tsigKey) });
}

/** One issuance with retries of transient failures (backoff doubling from `firstDelayMs`). */
export async function issueWithRetries(
  store: AcmeStore,
  config: AcmeConfig,
  opts: { attempts: number; firstDelayMs: number; log: AcmeLog },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const client = await clientFor(store, config);
      const issued = await issueCertificate({
        client,
        names: config.names,
        publisher: publisherFor(config),
        contact: config.contact,
        log: opts.log,
      });
      if (client.accountUrl && client.accountUrl !== config.accountUrl) {
        await store.writeConfig({ ...config, accountUrl: client.accountUrl });
      }
      await store.saveCertificate(issued.certKey, issued.fullchain);
      return;
    } catch (err) {
      if (!isTransient(err) || attempt >= opts.attempts) throw err;
      const delay = opts.firstDelayMs * 2 ** (attempt - 1);
      opts.log('retry', { attempt, delayMs: delay, error: (err as Error).message });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Renews the certificate of a directory when it is due (or forced); returns what happened. */
export async function renewIfDue(
  store: AcmeStore,
  opts: { force: boolean; attempts: number; firstDelayMs: number; log: AcmeLog; now?: Date },
): Promise<{ renewed: boolean; due?: Date | undefined }> {
  const config = await store.readConfig();
  const chain = await store.readChain();
  if (chain && !opts.force) {
    const client = await clientFor(store, config);
    const id = certId(chain);
    const window = id ? await client.renewalWindow(id).catch(() => undefined) : undefined;
    const due = renewalDue(leafTimes(chain), window);
    if (due > (opts.now ?? new Date())) return { renewed: false, due };
  }
  await issueWithRetries(store, config, opts);
  return { renewed: true };
}
