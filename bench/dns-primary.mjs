// bench/dns-primary: queries per second of `poste dns serve` against nsd, measured by dnsperf
// on loopback, the same zone and the same query file for both. The zone has 10,000 hosts
// (A, some AAAA, MX and TXT); the queries mix A, AAAA, MX, TXT and NXDOMAIN names. Each
// server gets a warm-up, then runs alternate (nsd, poste, nsd, poste, …) with the same
// dnsperf settings; both are stopped by their PID whatever happens.
//
//   npm run build && node bench/dns-primary.mjs [--duration 10] [--runs 2] [--clients 4] [--threads 2]
//
// Needs nsd and dnsperf (Debian packages; test/interop/install-peers.sh installs them).
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../bin/run.js');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const DURATION = arg('duration', 10);
const RUNS = arg('runs', 2);
const CLIENTS = arg('clients', 4);
const THREADS = arg('threads', 2);
const OUTSTANDING = arg('outstanding', 200);
const HOSTS = arg('hosts', 10_000);
const QUERIES = arg('queries', 10_000);
const HOST = '127.0.0.1';
const ORIGIN = 'example.org.';

for (const cmd of ['nsd', 'dnsperf']) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`${cmd} is not installed (bash test/interop/install-peers.sh installs it)`);
    process.exit(1);
  }
}

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

const children = new Set();

function killGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // gone
    }
  }
}

async function stop(child) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  try {
    process.kill(-child.pid, 'SIGKILL'); // whatever of the group outlived its leader
  } catch {
    // the group is empty
  }
  children.delete(child);
}

process.once('exit', () => {
  for (const c of children) killGroup(c, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    for (const c of children) killGroup(c, 'SIGKILL');
    process.exit(130);
  });
}

async function freePort() {
  for (let i = 0; i < 20; i++) {
    const tcp = createServer();
    const port = await new Promise((res, rej) => {
      tcp.once('error', rej);
      tcp.listen(0, HOST, () => res(tcp.address().port));
    });
    const udp = createSocket('udp4');
    const ok = await new Promise((res) => {
      udp.once('error', () => res(false));
      udp.bind(port, HOST, () => res(true));
    });
    await new Promise((r) => udp.close(r));
    await new Promise((r) => tcp.close(r));
    if (ok) return port;
  }
  throw new Error('no free port');
}

/** True once the server answers an SOA query over UDP. */
function probe(port) {
  const q = Buffer.from([
    0xbe,
    0xef,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    7,
    ...Buffer.from('example'),
    3,
    ...Buffer.from('org'),
    0,
    0,
    6,
    0,
    1,
  ]);
  return new Promise((res) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      res(false);
    }, 200);
    s.on('message', () => {
      clearTimeout(t);
      s.close();
      res(true);
    });
    s.send(q, port, HOST);
  });
}

async function waitUp(child, port, what, log) {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) break;
    if (await probe(port)) return;
  }
  throw new Error(`${what} did not come up on ${HOST}:${port}\n${log()}`);
}

async function startNsd(dir, zone) {
  const port = await freePort();
  writeFileSync(join(dir, 'example.org.zone'), zone);
  const conf = join(dir, 'nsd.conf');
  writeFileSync(
    conf,
    [
      'server:',
      `  ip-address: ${HOST}@${port}`,
      '  do-ip6: no',
      '  server-count: 1',
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
  const child = spawn('nsd', ['-d', '-c', conf], { cwd: dir, detached: true, stdio: 'ignore' });
  children.add(child);
  const log = () => {
    try {
      return readFileSync(join(dir, 'nsd.log'), 'utf8');
    } catch {
      return '';
    }
  };
  await waitUp(child, port, 'nsd', log);
  return { child, port };
}

async function startPoste(dir, zone) {
  const port = await freePort();
  writeFileSync(join(dir, 'example.org.zone'), zone);
  const child = spawn(
    process.execPath,
    [bin, 'dns', 'serve', '--zones', dir, '--listen', `${HOST}:${port}`, '--rrl', '0'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(child);
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c) => {
    if (err.length < 65536) err += c;
  });
  await waitUp(child, port, 'poste dns serve', () => err);
  return { child, port };
}

// The ceiling of any single-process Node.js UDP server on this machine: one that does no DNS
// work at all (it sets QR and sends each datagram back). Not a DNS server: a yardstick.
const ECHO = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => { m[2] |= 0x80; s.send(m, r.port, r.address); });
s.bind(Number(process.argv[1]), '${HOST}');
`;

async function startEcho() {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', ECHO, String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  await waitUp(child, port, 'node echo', () => '');
  return { child, port };
}

// ---------------------------------------------------------------------------------------
// dnsperf

function dnsperf(port, file, seconds) {
  const args = [
    '-s',
    HOST,
    '-p',
    String(port),
    '-d',
    file,
    '-l',
    String(seconds),
    '-c',
    String(CLIENTS),
    '-T',
    String(THREADS),
    '-q',
    String(OUTSTANDING),
    '-t',
    '2',
  ];
  const r = spawnSync('dnsperf', args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`dnsperf failed (${r.status}): ${r.stderr}${r.stdout}`);
  const num = (re) => Number(re.exec(r.stdout)?.[1]);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    sent: num(/Queries sent:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    latency: num(/Average Latency \(s\):\s+([\d.]+)/),
    rcodes: /Response codes:\s+(.*)/.exec(r.stdout)?.[1] ?? '',
  };
}

const r = rng(42);
const zone = zoneText(r);
const work = mkdtempSync(join(tmpdir(), 'poste-bench-dns-'));
const queries = join(work, 'queries.txt');
writeFileSync(queries, queryFile(r));

let nsd;
let poste;
let echo;
try {
  const nsdDir = mkdtempSync(join(work, 'nsd-'));
  const posteDir = mkdtempSync(join(work, 'poste-'));
  nsd = await startNsd(nsdDir, zone);
  poste = await startPoste(posteDir, zone);
  echo = await startEcho();
  const servers = { nsd, poste, 'node-echo': echo };
  console.log(
    `## dns-primary: ${HOSTS} hosts, ${QUERIES} queries (A 40%, AAAA 20%, MX 10%, TXT 10%, NXDOMAIN 20%), UDP on loopback`,
  );
  console.log(
    `dnsperf -c ${CLIENTS} -T ${THREADS} -q ${OUTSTANDING} -l ${DURATION}, ${RUNS} runs each, alternating, after a 2 s warm-up; ${cpus().length} CPUs`,
  );
  console.log('nsd: server-count 1 (one server process), rrl-ratelimit 0, minimal-responses, refuse-any no');
  console.log('poste: one Node.js process (`poste dns serve --rrl 0`, answer cache on)');
  console.log(
    'node-echo: one Node.js process that sends every datagram back: the ceiling of Node UDP here\n',
  );
  const names = ['nsd', 'poste', 'node-echo'];
  for (const name of names) dnsperf(servers[name].port, queries, 2);
  const results = { nsd: [], poste: [], 'node-echo': [] };
  for (let i = 0; i < RUNS; i++) {
    for (const name of names) {
      const res = dnsperf(servers[name].port, queries, DURATION);
      results[name].push(res);
      console.log(
        `run ${i + 1} ${name.padEnd(9)} ${res.qps.toFixed(0).padStart(8)} q/s, latency ${(res.latency * 1000).toFixed(2)} ms, lost ${res.lost}/${res.sent}, ${res.rcodes}`,
      );
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b.qps, 0) / xs.length;
  const [a, b, c] = [mean(results.nsd), mean(results.poste), mean(results['node-echo'])];
  console.log('\n| server | queries/s (mean) | × nsd | × node-echo |\n|---|---:|---:|---:|');
  console.log(`| nsd 1 process | ${a.toFixed(0)} | 1.00 | |`);
  console.log(`| poste | ${b.toFixed(0)} | ${(b / a).toFixed(2)} | ${(b / c).toFixed(2)} |`);
  console.log(`| node-echo (no DNS work) | ${c.toFixed(0)} | ${(c / a).toFixed(2)} | 1.00 |`);
} finally {
  await Promise.allSettled([nsd && stop(nsd.child), poste && stop(poste.child), echo && stop(echo.child)]);
  rmSync(work, { recursive: true, force: true });
}
