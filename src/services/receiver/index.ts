// The receiver as a service (receiver.ts has the server): its config, and what
// `poste serve receiver --config FILE` runs.
import { resolve } from 'node:path';
import { type ServerAddress, StubResolver } from '../../dns/index.js';
import { openStore } from '../../store/index.js';
import { ConfigError, type Schema } from '../config.js';
import type { RunningService, ServiceContext, ServiceDefinition } from '../service.js';
import { TlsFiles } from '../tls-files.js';
import { type ReceiverOptions, startReceiver } from './receiver.js';

export { type Receiver, type ReceiverOptions, startReceiver } from './receiver.js';

export interface ReceiverConfig {
  hostname: string;
  listen: ServerAddress;
  tls?: { cert: string; key: string };
  store: string;
  dns: ServerAddress;
  next: ServerAddress;
  authservId?: string;
  rejectOnDmarc: boolean;
  maxSize: number;
}

export const receiverSchema: Schema = {
  hostname: {
    type: 'string',
    doc: 'our host name: greeting, Received fields, EHLO to the filter',
    required: true,
  },
  listen: { type: 'address', doc: 'ADDR:PORT of the SMTP listener', default: '0.0.0.0:25' },
  tls: {
    type: 'object',
    doc: 'certificate and key (PEM files, reloaded when renewed): STARTTLS is offered',
    fields: {
      cert: { type: 'string', doc: 'certificate chain file (fullchain.pem)', required: true },
      key: { type: 'string', doc: 'private key file (key.pem)', required: true },
    },
  },
  store: { type: 'string', doc: 'the store directory: hosted domains, users, aliases', required: true },
  dns: { type: 'address', doc: 'ADDR:PORT of the resolver (SPF, DKIM, DMARC, ARC lookups)', required: true },
  next: { type: 'address', doc: 'ADDR:PORT of the filter, where accepted mail goes', required: true },
  authservId: {
    type: 'string',
    doc: 'the authserv-id of our Authentication-Results (default: hostname); the filter must use the same',
  },
  rejectOnDmarc: {
    type: 'boolean',
    doc: 'refuse (550 5.7.1) mail failing DMARC under p=reject; false: mark it for the filter',
    default: true,
  },
  maxSize: {
    type: 'integer',
    doc: 'largest message accepted, in bytes (SIZE)',
    default: 50 * 1024 * 1024,
    min: 1024,
  },
};

/** What tests (and embedders) may pass instead of what the config names. */
export interface ReceiverDeps {
  resolver?: ReceiverOptions['resolver'];
  store?: ReceiverOptions['store'];
  now?: () => Date;
}

/** The options of startReceiver from a checked config. */
export async function receiverOptions(
  config: ReceiverConfig,
  ctx: ServiceContext,
  deps: ReceiverDeps = {},
): Promise<ReceiverOptions> {
  const authservId = config.authservId ?? config.hostname;
  if (!/^[\x21-\x7e]+$/.test(authservId) || /[;()"\\]/.test(authservId))
    throw new ConfigError(
      `receiver.authservId: expected a token (a host name), got ${JSON.stringify(authservId)}`,
    );
  let tlsFiles: TlsFiles | undefined;
  if (config.tls) {
    try {
      tlsFiles = new TlsFiles({
        certFile: resolve(ctx.baseDir, config.tls.cert),
        keyFile: resolve(ctx.baseDir, config.tls.key),
        onReload: (info) => ctx.log('tls-files', info),
      });
    } catch (err) {
      throw new ConfigError(`receiver.tls: ${(err as Error).message}`);
    }
  }
  let store = deps.store;
  if (!store) {
    try {
      store = await openStore(resolve(ctx.baseDir, config.store));
    } catch (err) {
      throw new ConfigError(`receiver.store: ${(err as Error).message}`);
    }
  }
  return {
    host: config.listen.host,
    port: config.listen.port,
    hostname: config.hostname,
    authservId,
    ...(tlsFiles ? { tlsFiles } : {}),
    store,
    resolver: deps.resolver ?? new StubResolver({ server: config.dns }),
    next: config.next,
    rejectOnDmarc: config.rejectOnDmarc,
    maxMessageSize: config.maxSize,
    ...(deps.now ? { now: deps.now } : {}),
    log: ctx.log,
  };
}

/** Starts the receiver from a checked config; `deps` replaces the resolver or store (tests). */
export async function startReceiverService(
  config: ReceiverConfig,
  ctx: ServiceContext,
  deps: ReceiverDeps = {},
): Promise<RunningService> {
  const receiver = await startReceiver(await receiverOptions(config, ctx, deps));
  return {
    listeners: { smtp: { host: receiver.address.host, port: receiver.address.port, protocol: 'smtp' } },
    state: () => receiver.state(),
    close: () => receiver.close(),
  };
}

export const receiverService: ServiceDefinition<ReceiverConfig> = {
  name: 'receiver',
  summary:
    'inbound SMTP for the hosted domains: SPF, DKIM, DMARC, ARC, Authentication-Results; on to the filter',
  schema: receiverSchema,
  start: (config, ctx) => startReceiverService(config, ctx),
  paths(config, baseDir) {
    const read = [resolve(baseDir, config.store)];
    if (config.tls) read.push(resolve(baseDir, config.tls.cert), resolve(baseDir, config.tls.key));
    // Opening the store reads its HEAD through git (a child process).
    return { read, write: [], childProcess: true };
  },
};
