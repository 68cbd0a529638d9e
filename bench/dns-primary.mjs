// bench/dns-primary: queries per second of `poste dns serve` against nsd, measured by dnsperf
// on loopback, the same zone and the same query file for both. The zone has 10,000 hosts
// (A, some AAAA, MX and TXT); the queries mix A, AAAA, MX, TXT and NXDOMAIN names. Each
// server is measured with 1 and 2 processes (nsd's server-count, poste's --workers), and
// beside them a Node.js echo server, the ceiling of Node's UDP here. After a warm-up the
// runs alternate between the servers with the same dnsperf settings; every server is
// stopped by its process group whatever happens.
//
//   npm run build && node bench/dns-primary.mjs [--duration 10] [--runs 2] [--clients 4] [--threads 2] [--processes 1,2]
//
// Needs nsd and dnsperf (Debian packages; test/interop/install-peers.sh installs them).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addEchoes,
  freePort,
  HOST,
  numberArg,
  OPTIONS,
  report,
  requireCommands,
  startChild,
  stopAll,
  waitUp,
} from './lib/dns-bench.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../bin/run.js');
const PROCESSES = OPTIONS.processes;
const HOSTS = numberArg('hosts', 10_000);
const QUERIES = numberArg('queries', 10_000);
const ORIGIN = 'example.org.';

requireCommands('nsd', 'dnsperf');

// ---------------------------------------------------------------------------------------
// The zone and the queries, deterministic

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function zoneText(r) {
  const byte = () => Math.floor(r() * 254) + 1;
  const lines = [
    `$ORIGIN ${ORIGIN}`,
    '$TTL 3600',
    '@ IN SOA ns1 hostmaster ( 2024060101 7200 900 1209600 300 )',
    '@ NS ns1',
    '@ NS ns2',
    '@ MX 10 mail',
    '@ TXT "v=spf1 mx -all"',
    'ns1 A 192.0.2.1',
    'ns2 A 192.0.2.2',
    'mail A 192.0.2.3',
  ];
  for (let i = 0; i < HOSTS; i++) {
    lines.push(`host${i} A 10.${byte()}.${byte()}.${byte()}`);
    if (i % 2 === 0) lines.push(`host${i} AAAA 2001:db8:${(i >> 8).toString(16)}::${(i & 255).toString(16)}`);
    if (i % 3 === 0) lines.push(`host${i} MX 10 mail`);
    if (i % 4 === 0) lines.push(`host${i} TXT "host ${i}" "v=spf1 -all"`);
  }
  return `${lines.join('\n')}\n`;
}

/** 40% A, 20% AAAA, 10% MX, 10% TXT (some NODATA among them), 20% NXDOMAIN. */
function queryFile(r) {
  const out = [];
  for (let i = 0; i < QUERIES; i++) {
    const host = `host${Math.floor(r() * HOSTS)}.example.org`;
    const x = r();
    if (x < 0.4) out.push(`${host} A`);
    else if (x < 0.6) out.push(`${host} AAAA`);
    else if (x < 0.7) out.push(`${host} MX`);
    else if (x < 0.8) out.push(`${host} TXT`);
    else out.push(`nx${Math.floor(r() * 1e6)}.example.org ${['A', 'AAAA', 'MX'][i % 3]}`);
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------
// Servers

async function startNsd(dir, zone, processes) {
  const port = await freePort();
  writeFileSync(join(dir, 'example.org.zone'), zone);
  const conf = join(dir, 'nsd.conf');
  writeFileSync(
    conf,
    [
      'server:',
      `  ip-address: ${HOST}@${port}`,
      '  do-ip6: no',
      `  server-count: ${processes}`,
      '  username: ""',
      '  chroot: ""',
      `  zonesdir: "${dir}"`,
      '  database: ""',
      `  pidfile: "${join(dir, 'nsd.pid')}"`,
      `  xfrdfile: "${join(dir, 'xfrd.state')}"`,
      `  zonelistfile: "${join(dir, 'zone.list')}"`,
      `  xfrdir: "${dir}"`,
      `  logfile: "${join(dir, 'nsd.log')}"`,
      '  verbosity: 1',
      '  minimal-responses: yes',
      '  refuse-any: no',
      // nsd rate-limits by default (200 answers/s per /24 and name): off, as poste's --rrl 0.
      '  rrl-ratelimit: 0',
      '  rrl-whitelist-ratelimit: 0',
      'remote-control:',
      '  control-enable: no',
      'zone:',
      `  name: "${ORIGIN}"`,
      '  zonefile: "example.org.zone"',
      '',
    ].join('\n'),
  );
  const server = startChild('nsd', ['-d', '-c', conf], { cwd: dir });
  const log = () => {
    try {
      return readFileSync(join(dir, 'nsd.log'), 'utf8');
    } catch {
      return '';
    }
  };
  await waitUp({ child: server.child, log }, port, 'nsd');
  return port;
}

async function startPoste(dir, zone, processes) {
  const port = await freePort();
  writeFileSync(join(dir, 'example.org.zone'), zone);
  const args = ['dns', 'serve', '--zones', dir, '--listen', `${HOST}:${port}`, '--rrl', '0'];
  const server = startChild(process.execPath, [bin, ...args, '--workers', String(processes)]);
  await waitUp(server, port, 'poste dns serve');
  return port;
}

const r = rng(42);
const zone = zoneText(r);
const work = mkdtempSync(join(tmpdir(), 'poste-bench-dns-'));
const queries = join(work, 'queries.txt');
writeFileSync(queries, queryFile(r));

try {
  const servers = [];
  const dir = () => mkdtempSync(join(work, 's-'));
  for (const n of PROCESSES) servers.push({ name: `nsd ${n}`, port: await startNsd(dir(), zone, n) });
  for (const n of PROCESSES) servers.push({ name: `poste ${n}`, port: await startPoste(dir(), zone, n) });
  await addEchoes(servers, dir());
  console.log(
    `## dns-primary: ${HOSTS} hosts, ${QUERIES} queries (A 40%, AAAA 20%, MX 10%, TXT 10%, NXDOMAIN 20%), UDP on loopback`,
  );
  console.log('nsd N: server-count N, rrl-ratelimit 0, minimal-responses, refuse-any no');
  console.log('poste N: `poste dns serve --rrl 0 --workers N` (answer cache on)');
  await report(servers, queries, 'nsd');
} finally {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}
