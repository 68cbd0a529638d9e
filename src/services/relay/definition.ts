// The relay as a service definition: what `poste serve relay --config FILE` runs. The config
// mirrors the flags of `poste relay` (docs/commands/relay.md). Like `poste relay`, it writes
// its pid to SPOOL/relay.pid for `poste queue`, re-reads the spool on SIGHUP and flushes it
// on SIGUSR2.
import { rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseServer, type ServerAddress, StubResolver } from '../../dns/index.js';
import type { RouteHost } from '../../queue/index.js';
import { openStore, type Store } from '../../store/index.js';
import { allowList, parsePrefix } from '../allow.js';
import { ConfigError, keyed, type Schema } from '../config.js';
import type { RunningService, ServiceDefinition } from '../service.js';
import { TlsFiles } from '../tls-files.js';
import { startRelay } from './index.js';

export interface RelayConfig {
  listen: ServerAddress;
  spool: string;
  hostname?: string;
  resolver: ServerAddress;
  deliveryPort: number;
  routes: string[];
  allow: string[];
  retryMin: number;
  retryMax: number;
  lifetime: number;
  delayWarning: number;
  concurrency: number;
  perDestination: number;
  connectionCache: number;
  minFree: number;
  maxSize: number;
  groupCommit: boolean;
  store?: string;
  tlsCert?: string;
  tlsKey?: string;
}

const schema: Schema = {
  listen: { type: 'address', doc: 'ADDR:PORT to accept mail on', default: '127.0.0.1:10025' },
  spool: { type: 'string', doc: 'the spool directory (created if missing)', required: true },
  hostname: { type: 'string', doc: 'our name in EHLO, Received fields and DSNs (default: the host name)' },
  resolver: {
    type: 'address',
    doc: 'ADDR:PORT of the DNS resolver for MX lookups (the resolver service)',
    default: '127.0.0.1:53',
  },
  deliveryPort: { type: 'integer', doc: 'the port of remote MX hosts', default: 25, min: 1, max: 65535 },
  routes: {
    type: 'string[]',
    doc: 'DOMAIN=ADDR:PORT[,ADDR:PORT…]: this domain goes there instead of its MX ("*": every domain)',
    default: [],
  },
  allow: {
    type: 'string[]',
    doc: 'CIDR prefixes of the clients that may relay',
    default: ['127.0.0.0/8', '::1/128'],
  },
  retryMin: { type: 'duration', doc: 'first retry interval', default: '5m' },
  retryMax: { type: 'duration', doc: 'longest retry interval', default: '1h' },
  lifetime: { type: 'duration', doc: 'how long a message is retried before it bounces', default: '5d' },
  delayWarning: { type: 'duration', doc: 'when the sender is told of a delay (0: never)', default: '4h' },
  concurrency: { type: 'integer', doc: 'messages in delivery at once', default: 20, min: 1 },
  perDestination: { type: 'integer', doc: 'SMTP transactions at once per domain', default: 5, min: 1 },
  connectionCache: {
    type: 'duration',
    doc: 'how long a connection waits for another message to the same host (0: one per message)',
    default: '5s',
  },
  minFree: { type: 'integer', doc: 'MiB of free disk under which new mail gets 452', default: 64, min: 0 },
  maxSize: { type: 'integer', doc: 'largest message in octets (SIZE), then 552', default: 52428800, min: 1 },
  groupCommit: {
    type: 'boolean',
    doc: 'share directory fsyncs between messages arriving together',
    default: true,
  },
  store: {
    type: 'string',
    doc: 'the store: hosted recipients are expanded through aliases, unknown ones refused',
  },
  tlsCert: { type: 'string', doc: 'PEM certificate: STARTTLS is offered to clients (with tlsKey)' },
  tlsKey: { type: 'string', doc: 'PEM private key of tlsCert' },
};

/** DOMAIN=ADDR:PORT[,ADDR:PORT…]; DOMAIN "*" is every domain (a smarthost). Throws Error. */
export function parseRoute(text: string): [string, RouteHost[]] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`expected DOMAIN=ADDR:PORT, got ${JSON.stringify(text)}`);
  const domain = text.slice(0, eq).toLowerCase().replace(/\.$/, '');
  const hosts = text
    .slice(eq + 1)
    .split(',')
    .map((h) => {
      const s = parseServer(h);
      if (!isIP(s.host)) throw new Error(`${s.host} is not an IP address`);
      return { host: s.host, address: s.host, port: s.port };
    });
  return [domain, hosts];
}

export const relayService: ServiceDefinition<RelayConfig> = {
  name: 'relay',
  summary: 'the durable queue: accepts mail from trusted clients, delivers by MX with retries and DSNs',
  schema,
  async start(config, ctx): Promise<RunningService> {
    const at = (p: string) => resolve(ctx.baseDir, p);
    const routes = new Map(config.routes.map((r, i) => keyed(`relay.routes[${i}]`, () => parseRoute(r))));
    const allow = allowList(config.allow.map((a, i) => keyed(`relay.allow[${i}]`, () => parsePrefix(a))));
    if ((config.tlsCert === undefined) !== (config.tlsKey === undefined))
      throw new ConfigError(
        `relay.${config.tlsCert === undefined ? 'tlsCert' : 'tlsKey'}: missing (tlsCert and tlsKey go together)`,
      );
    let tlsFiles: TlsFiles | undefined;
    if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
      const certFile = at(config.tlsCert);
      const keyFile = at(config.tlsKey);
      tlsFiles = keyed('relay.tlsCert', () => new TlsFiles({ certFile, keyFile }));
    }
    let store: Store | undefined;
    if (config.store !== undefined) {
      const dir = at(config.store);
      try {
        store = await openStore(dir);
      } catch (err) {
        throw new ConfigError(`relay.store: ${dir}: ${(err as Error).message}`);
      }
    }
    const spool = at(config.spool);
    const relay = await startRelay({
      spool,
      host: config.listen.host,
      port: config.listen.port,
      hostname: config.hostname ?? osHostname(),
      resolver: new StubResolver({ server: config.resolver, tcp: false }),
      deliveryPort: config.deliveryPort,
      routes,
      allowClient: allow,
      policy: {
        retryMin: config.retryMin,
        retryMax: config.retryMax,
        lifetime: config.lifetime,
        delayWarning: config.delayWarning,
      },
      concurrency: config.concurrency,
      perDestination: config.perDestination,
      connectionCacheMs: config.connectionCache,
      minFreeBytes: config.minFree * 1024 * 1024,
      maxMessageSize: config.maxSize,
      groupCommit: config.groupCommit,
      ...(tlsFiles ? { tlsFiles } : {}),
      ...(store ? { store } : {}),
      log: ctx.log,
    });
    // `poste queue` finds us through the pid file and signals changes; without a signal,
    // they are seen within a minute.
    const pidFile = join(spool, 'relay.pid');
    writeFileSync(pidFile, `${process.pid}\n`);
    const rescan = () =>
      void relay.scheduler.rescan().then(
        () => ctx.log('rescanned', {}),
        () => {},
      );
    const flush = () =>
      void relay.scheduler.rescan().then(
        () => {
          relay.scheduler.flush();
          ctx.log('flushed', {});
        },
        () => {},
      );
    const timer = setInterval(() => void relay.scheduler.rescan().catch(() => {}), 60_000);
    timer.unref();
    process.on('SIGHUP', rescan);
    process.on('SIGUSR2', flush);
    const address = relay.server.address;
    return {
      listeners: { smtp: { host: address.host, port: address.port, protocol: 'smtp' } },
      state: () => {
        const c = relay.transport.stats();
        return {
          ...relay.scheduler.stats(),
          sessions: relay.server.sessions,
          connectionsOpened: c.opened,
          connectionsReused: c.reused,
          connectionsWaiting: c.waiting,
        };
      },
      async close() {
        clearInterval(timer);
        process.off('SIGHUP', rescan);
        process.off('SIGUSR2', flush);
        await relay.close();
        rmSync(pidFile, { force: true });
      },
    };
  },
  paths(config, baseDir) {
    const at = (p: string) => resolve(baseDir, p);
    const read = [at(config.spool)];
    if (config.store !== undefined) read.push(at(config.store));
    if (config.tlsCert !== undefined) read.push(at(config.tlsCert));
    if (config.tlsKey !== undefined) read.push(at(config.tlsKey));
    // The store is a git repository, opened with git (a child process).
    return { read, write: [at(config.spool)], childProcess: config.store !== undefined };
  },
};
