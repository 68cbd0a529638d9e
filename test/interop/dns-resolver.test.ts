// The recursive resolver against unbound: the same loopback hierarchy (dns-hierarchy.ts,
// poste primaries and a root server), the same root hints, both asked the same questions;
// they must agree on the rcode and the answer RRsets (TTLs may differ, never above the
// zone's). unbound asks upstream servers on port 53 only, so the hierarchy runs there
// (127.0.0.21-25); where port 53 cannot be bound the test is skipped with a notice.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rcodeName, typeName } from '../../src/dns/constants.js';
import { exchange, makeQuery } from '../../src/dns/stub.js';
import type { RR } from '../../src/dns/types.js';
import { bin, repoRoot } from '../helpers/run-cli.js';
import { type Hierarchy, hierarchyQueries, startHierarchy } from '../services/dns-hierarchy.js';
import { freePort, LOOPBACK, sleep } from './dns-helpers.js';
import { requirePeer } from './helpers.js';

const HAVE = requirePeer('unbound');
const children: ChildProcess[] = [];
let h: Hierarchy | undefined;
let dir = '';
let unboundPort = 0;
let postePort = 0;

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  return exited.finally(() => clearTimeout(timer));
}
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function waitUp(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    try {
      await exchange({ host: LOOPBACK, port }, makeQuery('test.', 6, 1232), { timeoutMs: 300, attempts: 1 });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`not up on ${port}: ${log()}`);
}

async function hierarchyOn53(): Promise<Hierarchy | undefined> {
  try {
    return await startHierarchy({ base: 21, port: 53 });
  } catch (err) {
    process.stderr.write(
      `notice: cannot serve the hierarchy on port 53 (${(err as Error).message}); skipped\n`,
    );
    return undefined;
  }
}

beforeAll(async () => {
  if (!HAVE) return;
  h = await hierarchyOn53();
  if (!h) return;
  dir = mkdtempSync(join(tmpdir(), 'poste-unbound-'));
  writeFileSync(join(dir, 'root.hints'), h.rootHints);
  unboundPort = await freePort();
  writeFileSync(
    join(dir, 'unbound.conf'),
    [
      'server:',
      `  interface: ${LOOPBACK}@${unboundPort}`,
      '  do-ip6: no',
      '  do-not-query-localhost: no',
      `  root-hints: "${join(dir, 'root.hints')}"`,
      '  access-control: 127.0.0.0/8 allow',
      '  qname-minimisation: yes',
      '  module-config: "iterator"',
      '  username: ""',
      '  chroot: ""',
      `  directory: "${dir}"`,
      `  pidfile: "${join(dir, 'unbound.pid')}"`,
      '  use-syslog: no',
      '  logfile: ""',
      '  verbosity: 1',
      '  num-threads: 1',
      // test. is special-use (RFC 6761): unbound answers it locally unless told not to.
      '  local-zone: "test." nodefault',
      'remote-control:',
      '  control-enable: no',
      '',
    ].join('\n'),
  );
  let unboundLog = '';
  const unbound = spawn('unbound', ['-d', '-c', join(dir, 'unbound.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(unbound);
  unbound.stdout?.on('data', (c: Buffer) => {
    unboundLog += c.toString();
  });
  unbound.stderr?.on('data', (c: Buffer) => {
    unboundLog += c.toString();
  });
  await waitUp(unboundPort, unbound, () => unboundLog);
  postePort = await freePort();
  let posteLog = '';
  const poste = spawn(
    process.execPath,
    [
      bin,
      'dns',
      'resolver',
      '--listen',
      `${LOOPBACK}:${postePort}`,
      '--root-hints',
      join(dir, 'root.hints'),
      '--upstream-port',
      '53',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(poste);
  poste.stderr?.on('data', (c: Buffer) => {
    posteLog += c.toString();
  });
  await waitUp(postePort, poste, () => posteLog);
});

afterAll(async () => {
  for (const c of children.splice(0)) await stopChild(c);
  await h?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const rrsets = (rrs: RR[]) =>
  rrs
    .map((rr) => `${rr.name.toLowerCase()} ${typeName(rr.type)} ${JSON.stringify(rr.data)}`.toLowerCase())
    .sort();

describe.skipIf(!HAVE)('resolver differential against unbound', () => {
  it('gives the same rcode and answer RRsets for every question', async (ctx) => {
    if (!h) return ctx.skip();
    const hier = h;
    const diffs: string[] = [];
    let compared = 0;
    for (const q of hierarchyQueries()) {
      const [ours, theirs] = await Promise.all(
        [postePort, unboundPort].map((port) =>
          exchange({ host: LOOPBACK, port }, makeQuery(q.name, q.type, 1232), {
            timeoutMs: 5000,
            attempts: 2,
          }),
        ),
      );
      if (!ours || !theirs) throw new Error('no reply');
      const what = `${q.name} ${typeName(q.type)}`;
      if (ours.rcode !== theirs.rcode)
        diffs.push(`${what}: rcode ${rcodeName(ours.rcode)} vs unbound ${rcodeName(theirs.rcode)}`);
      const a = rrsets(ours.answers);
      const b = rrsets(theirs.answers);
      if (JSON.stringify(a) !== JSON.stringify(b))
        diffs.push(`${what}: answers\n  ${a.join('\n  ')}\nvs unbound\n  ${b.join('\n  ')}`);
      for (const rr of ours.answers) {
        const original = hier.ttls.get(`${rr.name.toLowerCase()} ${rr.type}`);
        if (original !== undefined && rr.ttl > original)
          diffs.push(`${what}: TTL ${rr.ttl} over ${original}`);
      }
      compared++;
    }
    expect(diffs).toEqual([]);
    expect(compared).toBe(hierarchyQueries().length);
  });
});
