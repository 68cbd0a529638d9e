// The filter as a service (filter.ts has the server): its config, and what
// `poste serve filter --config FILE` runs.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadSigningKey } from '../../dkim/index.js';
import type { ServerAddress } from '../../dns/index.js';
import { DEFAULT_MODEL_PATH, decodeModel } from '../../spam/index.js';
import { openStore } from '../../store/index.js';
import { allowList, DEFAULT_ALLOW, parsePrefix } from '../allow.js';
import { ConfigError, keyed, type Schema } from '../config.js';
import type { RunningService, ServiceContext, ServiceDefinition } from '../service.js';
import { type FilterOptions, startFilter } from './filter.js';

export { type Filter, type FilterOptions, mailboxDirName, startFilter } from './filter.js';

export { DEFAULT_MODEL_PATH };

export interface FilterConfig {
  hostname: string;
  listen: ServerAddress;
  store: string;
  maildirs: string;
  relay: ServerAddress;
  model?: string;
  authservId?: string;
  arc?: { domain: string; selector: string; key: string };
  allow: string[];
  maxSize: number;
}

export const filterSchema: Schema = {
  hostname: {
    type: 'string',
    doc: 'our host name: greeting, Received fields, EHLO to the relay',
    required: true,
  },
  listen: { type: 'address', doc: 'ADDR:PORT of the SMTP listener (internal)', default: '127.0.0.1:10025' },
  store: {
    type: 'string',
    doc: 'the store directory: users, aliases (where each recipient goes)',
    required: true,
  },
  maildirs: {
    type: 'string',
    doc: 'base directory of the maildirs: one per local user at BASE/<address>/, made on first delivery',
    required: true,
  },
  relay: { type: 'address', doc: 'ADDR:PORT of the relay, for forwards to other domains', required: true },
  model: { type: 'string', doc: 'spam model file (default: the built-in model of `poste spam classify`)' },
  authservId: {
    type: 'string',
    doc: "the receiver's authserv-id: its Authentication-Results are trusted and carried into ARC (default: hostname)",
  },
  arc: {
    type: 'object',
    doc: 'ARC-seal forwarded mail with this key (its public key published at SELECTOR._domainkey.DOMAIN)',
    fields: {
      domain: { type: 'string', doc: 'd= of the seal', required: true },
      selector: { type: 'string', doc: 's= of the seal', required: true },
      key: { type: 'string', doc: 'private key file (PEM, RSA or Ed25519)', required: true },
    },
  },
  allow: {
    type: 'string[]',
    doc: 'CIDR prefixes of the clients served (the receiver)',
    default: DEFAULT_ALLOW,
  },
  maxSize: {
    type: 'integer',
    doc: 'largest message accepted, in bytes',
    default: 50 * 1024 * 1024,
    min: 1024,
  },
};

export interface FilterDeps {
  store?: FilterOptions['store'];
  now?: () => Date;
  /** Skip fsync (tests on tmpfs). */
  fsync?: boolean;
}

/** The options of startFilter from a checked config: the model and the ARC key loaded, the store opened. */
export async function filterOptions(
  config: FilterConfig,
  ctx: ServiceContext,
  deps: FilterDeps = {},
): Promise<FilterOptions> {
  const authservId = config.authservId ?? config.hostname;
  const allow = allowList(config.allow.map((a, i) => keyed(`filter.allow[${i}]`, () => parsePrefix(a))));
  const modelPath = config.model === undefined ? DEFAULT_MODEL_PATH : resolve(ctx.baseDir, config.model);
  const modelBytes = await readFile(modelPath).catch((err: Error) => {
    throw new ConfigError(`filter.model: ${err.message}`);
  });
  const decoded = decodeModel(modelBytes);
  if (!decoded.ok) throw new ConfigError(`filter.model: ${modelPath}: ${decoded.reason}`);
  let arc: FilterOptions['arc'];
  if (config.arc) {
    const file = resolve(ctx.baseDir, config.arc.key);
    const pem = await readFile(file).catch((err: Error) => {
      throw new ConfigError(`filter.arc.key: ${err.message}`);
    });
    const key = keyed('filter.arc.key', () => loadSigningKey(pem));
    arc = { domain: config.arc.domain, selector: config.arc.selector, key };
  }
  let store = deps.store;
  if (!store) {
    try {
      store = await openStore(resolve(ctx.baseDir, config.store));
    } catch (err) {
      throw new ConfigError(`filter.store: ${(err as Error).message}`);
    }
  }
  return {
    host: config.listen.host,
    port: config.listen.port,
    hostname: config.hostname,
    store,
    maildirs: resolve(ctx.baseDir, config.maildirs),
    relay: config.relay,
    model: decoded.model,
    modelId: decoded.id.slice(0, 12),
    authservId,
    ...(arc ? { arc } : {}),
    allowClient: allow,
    maxMessageSize: config.maxSize,
    ...(deps.fsync === undefined ? {} : { fsync: deps.fsync }),
    ...(deps.now ? { now: deps.now } : {}),
    log: ctx.log,
  };
}

/** Starts the filter from a checked config; `deps` replaces the store or the clock (tests). */
export async function startFilterService(
  config: FilterConfig,
  ctx: ServiceContext,
  deps: FilterDeps = {},
): Promise<RunningService> {
  const filter = await startFilter(await filterOptions(config, ctx, deps));
  return {
    listeners: { smtp: { host: filter.address.host, port: filter.address.port, protocol: 'smtp' } },
    state: () => filter.state(),
    close: () => filter.close(),
  };
}

export const filterService: ServiceDefinition<FilterConfig> = {
  name: 'filter',
  summary: 'spam classification and X-Spam fields; delivery to maildirs, forwards (ARC-sealed) to the relay',
  schema: filterSchema,
  start: (config, ctx) => startFilterService(config, ctx),
  paths(config, baseDir) {
    const read = [
      resolve(baseDir, config.store),
      config.model === undefined ? DEFAULT_MODEL_PATH : resolve(baseDir, config.model),
    ];
    if (config.arc) read.push(resolve(baseDir, config.arc.key));
    const maildirs = resolve(baseDir, config.maildirs);
    // Opening the store reads its HEAD through git (a child process).
    return { read: [...read, maildirs], write: [maildirs], childProcess: true };
  },
};
