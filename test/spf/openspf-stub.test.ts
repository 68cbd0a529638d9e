// The OpenSPF RFC 7208 suite over the network: each scenario's records written as zone files
// (one zone per top-level domain, since the primary serves no root zone), served by poste's
// primary on 127.0.0.1, and asked through the stub client. Every test must give what the
// in-memory run gives: result, mechanism, explanation and the lookup counts.
//
// Skipped here, and said so: the tests that meet a TIMEOUT entry (or an "error." name) of
// the test data. A real server cannot be told to time out; the in-memory run covers them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatZone, makeRR, type RR, StubResolver, splitName, TYPE } from '../../src/dns/index.js';
import { type Primary, startPrimary } from '../../src/services/primary/index.js';
import type { SpfResult } from '../../src/spf/index.js';
import { describeWithTestdata } from '../helpers/testdata.js';
import {
  loadSuite,
  memoryResolver,
  runTest,
  type Scenario,
  SOA_DATA,
  scenarioRecords,
  topLevelDomains,
} from './openspf.js';

/**
 * The scenario as zone files, `<tld>.zone`, in a fresh directory: a zone for the top-level
 * domain of every name of the data and every name the in-memory run asked, so that what is
 * NXDOMAIN there is NXDOMAIN here too (and not REFUSED for want of a zone).
 */
function writeZones(s: Scenario, asked: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'poste-spf-zones-'));
  const records = scenarioRecords(s);
  const byTld = new Map<string, RR[]>();
  for (const tld of topLevelDomains([...records.map((r) => r.name), ...asked]))
    byTld.set(tld, [makeRR(`${tld}.`, TYPE.SOA, 300, SOA_DATA)]);
  for (const rr of records) {
    const tld = (splitName(rr.name).at(-1) as string).toLowerCase();
    // A TXT record of no strings cannot be written in a zone file (RFC 1035 §3.3.14 wants
    // one or more); one empty string means the same to SPF ("null-text").
    const data =
      rr.type === TYPE.TXT && (rr.data as Uint8Array[]).length === 0 ? [new Uint8Array(0)] : rr.data;
    byTld.get(tld)?.push({ ...rr, data } as RR);
  }
  for (const [tld, zone] of byTld) {
    writeFileSync(join(dir, `${tld}.zone`), formatZone({ origin: `${tld}.`, records: zone }));
  }
  return dir;
}

const pick = (r: SpfResult) => ({
  result: r.result,
  mechanism: r.mechanism,
  explanation: r.explanation,
  lookups: r.lookups,
  voidLookups: r.voidLookups,
});

describeWithTestdata(
  'OpenSPF RFC 7208 suite (stub resolver against the primary on loopback)',
  ['spf', 'rfc7208-tests.yml'],
  (path) => {
    for (const s of loadSuite(path)) {
      describe(s.description, () => {
        let primary: Primary | undefined;
        let dir = '';
        /** The in-memory result of each test, or undefined when it met a timeout. */
        const want = new Map<string, SpfResult | undefined>();

        beforeAll(async () => {
          const asked: string[] = [];
          for (const [id, t] of Object.entries(s.tests)) {
            const memory = memoryResolver(s);
            const r = await runTest(t, memory);
            want.set(id, memory.timedOut ? undefined : r);
            asked.push(...memory.names);
          }
          dir = writeZones(s, asked);
          const failures: string[] = [];
          primary = await startPrimary({
            zonesDir: dir,
            listen: { host: '127.0.0.1', port: 0 },
            keys: [],
            notify: [],
            rateLimit: 0,
            rateLimitLoopback: false,
            pollMs: 0,
            log: (event, fields) => {
              if (event === 'zone-load-failed') failures.push(String(fields?.error));
            },
          });
          expect(failures).toEqual([]);
        });

        afterAll(async () => {
          await primary?.close();
          if (dir) rmSync(dir, { recursive: true, force: true });
        });

        for (const [id, t] of Object.entries(s.tests)) {
          it(id, async (ctx) => {
            const expected = want.get(id);
            if (!expected) {
              ctx.skip('meets a TIMEOUT of the test data, which a real server cannot serve');
              return;
            }
            const stub = new StubResolver({ server: (primary as Primary).address, attempts: 2 });
            const got = await runTest(t, stub);
            expect(pick(got), `${id}: ${got.reason}`).toEqual(pick(expected));
          });
        }
      });
    }
  },
);
