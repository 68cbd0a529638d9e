// The acme service as a service definition: what `poste serve acme --config FILE` runs. The
// config mirrors the flags of `poste acme serve` (docs/commands/acme-serve.md): the
// certificate directories written by `poste acme issue`, renewed when due.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AcmeStore } from '../../acme/index.js';
import { ConfigError, type Schema } from '../config.js';
import type { RunningService, ServiceDefinition } from '../service.js';
import { startAcme } from './index.js';

export interface AcmeConfig {
  dirs: string[];
  checkEvery: number;
  retry: number;
}

const schema: Schema = {
  dirs: {
    type: 'string[]',
    doc: 'certificate directories written by `poste acme issue --out DIR`',
    default: [],
  },
  checkEvery: { type: 'duration', doc: 'time between checks of each certificate', default: '12h' },
  retry: {
    type: 'duration',
    doc: 'first retry after a failure, doubling up to checkEvery',
    default: '1m',
  },
};

export const acmeService: ServiceDefinition<AcmeConfig> = {
  name: 'acme',
  summary: 'keeps TLS certificates renewed through ACME DNS-01 on the primary',
  schema,
  async start(config, ctx): Promise<RunningService> {
    // No directory is an idle service, not an error: a stack whose certificates come from a
    // local CA runs it with nothing to renew until `poste acme issue` adds one.
    if (config.dirs.length === 0) ctx.log('idle', { reason: 'no certificate directory to renew' });
    if (config.checkEvery < 60_000) throw new ConfigError('acme.checkEvery: expected at least 1m');
    const dirs = config.dirs.map((d) => resolve(ctx.baseDir, d));
    for (const [i, dir] of dirs.entries()) {
      try {
        await new AcmeStore(dir).readConfig();
      } catch (err) {
        throw new ConfigError(
          `acme.dirs[${i}]: ${dir}: ${(err as Error).message}; run poste acme issue first`,
        );
      }
    }
    const service = startAcme({ dirs, checkEveryMs: config.checkEvery, retryMs: config.retry, log: ctx.log });
    return {
      listeners: {},
      state() {
        const s = service.state();
        const dues = s.flatMap((d) => (d.due ? [Date.parse(d.due) / 1000] : []));
        return {
          certificates: dirs.length,
          failing: s.filter((d) => d.failures > 0).length,
          failures: s.reduce((n, d) => n + d.failures, 0),
          ...(dues.length ? { earliestDueSeconds: Math.min(...dues) } : {}),
        };
      },
      async close() {
        service.close();
      },
    };
  },
  paths(config, baseDir) {
    const dirs = config.dirs.map((d) => resolve(baseDir, d));
    const read = [...dirs];
    // An extra CA for the ACME directory's HTTPS (a test CA) is named in each acme.json.
    for (const dir of dirs) {
      try {
        const ca = (JSON.parse(readFileSync(join(dir, 'acme.json'), 'utf8')) as { directoryCa?: unknown })
          .directoryCa;
        if (typeof ca === 'string') read.push(resolve(ca)); // read from the working directory
      } catch {
        // Reported by start().
      }
    }
    return { read, write: dirs };
  },
};
