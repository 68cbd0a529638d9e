// The root zone is served from `root.zone` (no file can be named after ".").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { exchange, makeQuery, RCODE, TYPE } from '../../src/dns/index.js';
import { startPrimary } from '../../src/services/primary/index.js';
import { fileOfOrigin, originOfFile } from '../../src/services/primary/zone-dir.js';

it('maps root.zone to the root and back', () => {
  expect(originOfFile('root.zone')).toBe('.');
  expect(originOfFile('example.org.zone')).toBe('example.org.');
  expect(fileOfOrigin('.')).toBe('root.zone');
  expect(fileOfOrigin('example.org.')).toBe('example.org.zone');
});

it('serves the root zone with its delegations', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'poste-root-'));
  writeFileSync(
    join(dir, 'root.zone'),
    '. 86400 IN SOA a.root. nstld. 1 1800 900 604800 86400\n. 518400 IN NS a.root.\na.root. 518400 IN A 127.0.0.1\n' +
      'test. 172800 IN NS ns.test.\nns.test. 172800 IN A 127.0.0.2\n',
  );
  const primary = await startPrimary({
    zonesDir: dir,
    listen: { host: '127.0.0.1', port: 0 },
    keys: [],
    notify: [],
    rateLimit: 0,
    rateLimitLoopback: false,
    pollMs: 0,
    log: () => {},
  });
  try {
    const soa = await exchange(primary.address, makeQuery('.', TYPE.SOA, 1232));
    expect(soa.flags.aa).toBe(true);
    expect(soa.answers[0]?.type).toBe(TYPE.SOA);
    const referral = await exchange(primary.address, makeQuery('www.example.test.', TYPE.A, 1232));
    expect(referral.rcode).toBe(RCODE.NOERROR);
    expect(referral.authority.map((r) => r.data)).toEqual(['ns.test.']);
    expect(referral.additional.map((r) => r.data)).toEqual(['127.0.0.2']);
  } finally {
    await primary.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
