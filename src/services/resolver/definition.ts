// The resolver as a service definition: what `poste serve resolver --config FILE` runs. The
// config mirrors the flags of `poste dns resolver` (docs/commands/dns-resolver.md), plus
// `forwardOnly`: answer the forward zones and refuse everything else, with no root hints,
// so that nothing is ever asked outside the forwarders (the stack on loopback).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type ForwardZone,
  type Hints,
  normalizeName,
  parseRootHints,
  parseServer,
  type ServerAddress,
} from '../../dns/index.js';
import { parsePrefix } from '../allow.js';
import { ConfigError, keyed, type Schema } from '../config.js';
import type { RunningService, ServiceDefinition } from '../service.js';
import { workersSchemaEntry } from '../udp-workers.js';
import { startResolver } from './index.js';

export interface ResolverConfig {
  listen: ServerAddress;
  forward: string[];
  forwardOnly: boolean;
  rootHints?: string;
  allow: string[];
  upstreamPort: number;
  workers: number;
}

const schema: Schema = {
  listen: { type: 'address', doc: 'ADDR:PORT for UDP and TCP', default: '127.0.0.1:53' },
  forward: {
    type: 'string[]',
    doc: 'ZONE=ADDR:PORT: queries under ZONE go to that server (our own domains to the primary)',
    default: [],
  },
  forwardOnly: {
    type: 'boolean',
    doc: 'answer only names under a forward zone, REFUSE the rest, never ask the root servers',
    default: false,
  },
  rootHints: { type: 'string', doc: 'root hints file (named.root format); default: the IANA root servers' },
  allow: {
    type: 'string[]',
    doc: 'CIDR prefixes of the clients served; others get REFUSED',
    default: ['127.0.0.0/8', '::1/128'],
  },
  upstreamPort: {
    type: 'integer',
    doc: 'the port every upstream server is asked on',
    default: 53,
    min: 1,
    max: 65535,
  },
  workers: workersSchemaEntry(
    'processes answering UDP queries (this one and forked workers sharing its socket), each with its own cache',
  ),
};

/** ZONE=ADDR:PORT. Throws Error. */
export function parseForward(text: string): ForwardZone {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`expected ZONE=ADDR:PORT, got ${JSON.stringify(text)}`);
  return { zone: normalizeName(text.slice(0, eq)), server: parseServer(text.slice(eq + 1)) };
}

export const resolverService: ServiceDefinition<ResolverConfig> = {
  name: 'resolver',
  summary: 'the caching recursive resolver (or a forwarder to the primary only)',
  schema,
  async start(config, ctx): Promise<RunningService> {
    const forward = config.forward.map((f, i) => keyed(`resolver.forward[${i}]`, () => parseForward(f)));
    if (config.forwardOnly && forward.length === 0)
      throw new ConfigError('resolver.forwardOnly: needs at least one zone in resolver.forward');
    const allow = config.allow.map((a, i) => keyed(`resolver.allow[${i}]`, () => parsePrefix(a)));
    let rootHints: Hints | undefined;
    if (config.rootHints !== undefined && !config.forwardOnly) {
      const file = resolve(ctx.baseDir, config.rootHints);
      rootHints = keyed('resolver.rootHints', () => parseRootHints(readFileSync(file, 'utf8'), file));
    }
    const service = await startResolver({
      listen: config.listen,
      ...(rootHints ? { rootHints } : {}),
      forward,
      forwardOnly: config.forwardOnly,
      allow,
      upstreamPort: config.upstreamPort,
      workers: config.workers,
      log: ctx.log,
    });
    return {
      listeners: { dns: { host: service.address.host, port: service.address.port, protocol: 'dns' } },
      state() {
        const s = service.state();
        return {
          listen: s.listen,
          forwardOnly: config.forwardOnly,
          workers: s.workers,
          ...s.counters,
          answersCached: s.answersCached,
          lookups: s.resolver.lookups,
          resolverCacheHits: s.resolver.cacheHits,
          upstreamQueries: s.resolver.upstreamQueries,
          upstreamTimeouts: s.resolver.timeouts,
          upstreamLame: s.resolver.lame,
          upstreamFailures: s.resolver.failures,
          cacheEntries: s.resolver.cacheEntries,
        };
      },
      close: () => service.close(),
    };
  },
  paths(config, baseDir) {
    return {
      read: config.rootHints === undefined ? [] : [resolve(baseDir, config.rootHints)],
      write: [],
      // UDP workers are child processes.
      childProcess: config.workers > 1,
    };
  },
};
