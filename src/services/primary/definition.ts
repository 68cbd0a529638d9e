// The primary as a service definition: what `poste serve primary --config FILE` runs. The
// config mirrors the flags of `poste dns serve` (docs/commands/dns-serve.md).
import { resolve } from 'node:path';
import { parseKeySpec, parseServer, type ServerAddress, type TsigKey } from '../../dns/index.js';
import { keyed, type Schema } from '../config.js';
import type { RunningService, ServiceDefinition } from '../service.js';
import { workersSchemaEntry } from '../udp-workers.js';
import { startPrimary } from './index.js';

export interface PrimaryConfig {
  listen: ServerAddress;
  zones: string;
  tsigKeys: string[];
  notify: string[];
  rateLimit: number;
  rateLimitLoopback: boolean;
  poll: number;
  workers: number;
}

const schema: Schema = {
  listen: { type: 'address', doc: 'ADDR:PORT for UDP and TCP', default: '127.0.0.1:53' },
  zones: {
    type: 'string',
    doc: 'directory of `*.zone` master files (and tsig.keys); a git repository commits each UPDATE',
    required: true,
  },
  tsigKeys: {
    type: 'string[]',
    doc: 'NAME:SECRET or ALGORITHM:NAME:SECRET (base64): keys allowed AXFR and UPDATE of every zone',
    default: [],
  },
  notify: { type: 'string[]', doc: 'ADDR:PORT of each secondary told of every change', default: [] },
  rateLimit: {
    type: 'integer',
    doc: 'responses per second per client network (0: no rate limit)',
    default: 200,
    min: 0,
  },
  rateLimitLoopback: { type: 'boolean', doc: 'rate-limit loopback clients too', default: false },
  poll: {
    type: 'duration',
    doc: 'how often the directory is checked for changes made by hand (0: never)',
    default: '1s',
  },
  workers: workersSchemaEntry(
    'processes answering UDP queries (this one and forked workers sharing its socket)',
  ),
};

export const primaryService: ServiceDefinition<PrimaryConfig> = {
  name: 'primary',
  summary: 'the authoritative DNS server of the hosted zones (UPDATE with TSIG, NOTIFY, AXFR)',
  schema,
  async start(config, ctx): Promise<RunningService> {
    const keys: TsigKey[] = config.tsigKeys.map((k, i) =>
      keyed(`primary.tsigKeys[${i}]`, () => parseKeySpec(k)),
    );
    const notify = config.notify.map((n, i) => keyed(`primary.notify[${i}]`, () => parseServer(n)));
    const primary = await startPrimary({
      zonesDir: resolve(ctx.baseDir, config.zones),
      listen: config.listen,
      keys,
      notify,
      rateLimit: config.rateLimit,
      rateLimitLoopback: config.rateLimitLoopback,
      pollMs: config.poll,
      workers: config.workers,
      log: ctx.log,
    });
    return {
      listeners: { dns: { host: primary.address.host, port: primary.address.port, protocol: 'dns' } },
      state() {
        const s = primary.state();
        return {
          listen: s.listen,
          git: s.git,
          zones: s.zones.length,
          records: s.zones.reduce((n, z) => n + z.records, 0),
          workers: s.workers,
          ...s.counters,
        };
      },
      close: () => primary.close(),
    };
  },
  paths(config, baseDir) {
    const zones = resolve(baseDir, config.zones);
    // UPDATEs rewrite zone files and commit them with git (a child process).
    return { read: [zones], write: [zones], childProcess: true };
  },
};
