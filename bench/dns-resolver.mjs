// bench/dns-resolver: cached queries per second of `poste dns resolver` against unbound,
// measured by dnsperf on loopback. Both resolve the same hierarchy (a root, test. and
// example.test. on 127.0.0.41-43, port 53, served in this process by the library's
// authoritative answers) from the same root hints; each is measured with 1 and 2 processes
// or threads (poste's --workers, unbound's num-threads), beside a Node.js echo server (the
// ceiling of Node's UDP here). The query file is sent once to each to warm the caches
// (each of poste's processes has its own cache: it is sent once per process), then the runs
// alternate with the same dnsperf settings. All children are stopped by their process
// group whatever happens.
//
//   npm run build && node bench/dns-resolver.mjs [--duration 10] [--runs 2] [--clients 4] [--threads 2] [--processes 1,2]
//
// Needs unbound and dnsperf (Debian packages), and port 53 on 127.0.0.41-43 (root, or
// CAP_NET_BIND_SERVICE): unbound asks upstream servers on port 53 only.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
const dns = await import(resolve(here, '../dist/dns/index.js'));
const PROCESSES = OPTIONS.processes;
const HOSTS = numberArg('hosts', 2000);
const [ROOT, TLD, LEAF] = ['127.0.0.41', '127.0.0.42', '127.0.0.43'];

requireCommands('unbound', 'dnsperf');

// ---------------------------------------------------------------------------------------
// The hierarchy, in this process

function zone(origin, lines) {
  const soa = `@ 3600 SOA ns.${origin === '.' ? 'test.' : origin} hostmaster.test. 1 3600 600 86400 300`;
  return new dns.Zone(
    origin,
    dns.parseZone([soa, ...lines].join('\n'), { origin, defaultTtl: 3600 }).records,
  );
}

const leafLines = ['@ NS ns1', `ns1 A ${LEAF}`, '@ MX 10 mail', 'mail A 192.0.2.3'];
for (let i = 0; i < HOSTS; i++) {
  leafLines.push(`host${i} A 10.0.${(i >> 8) & 255}.${i & 255}`);
  if (i % 2 === 0) leafLines.push(`host${i} AAAA 2001:db8::${i.toString(16)}`);
  if (i % 4 === 0) leafLines.push(`host${i} TXT "v=spf1 -all"`);
}
const zones = {
  [ROOT]: zone('.', [
    '@ NS a.root-servers.test.',
    `a.root-servers.test. A ${ROOT}`,
    'test. NS ns.test.',
    `ns.test. A ${TLD}`,
  ]),
  [TLD]: zone('test.', ['@ NS ns', `ns A ${TLD}`, 'example NS ns1.example', `ns1.example A ${LEAF}`]),
  [LEAF]: zone('example.test.', leafLines),
};

/** One authoritative server of the hierarchy on HOST:53, in this process; returns its socket. */
async function serve(host, z) {
  const catalog = new dns.Catalog([z]);
  const s = createSocket('udp4');
  s.on('message', (m, r) => {
    try {
      const q = dns.decodeMessage(m);
      s.send(dns.encodeMessage(dns.answerQuery(catalog, q), { maxSize: dns.udpLimit(q) }), r.port, r.address);
    } catch {
      // not a query
    }
  });
  await new Promise((res, rej) => {
    s.once('error', rej);
    s.bind(53, host, res);
  });
  return s;
}

/** A fixed set: A 50%, AAAA 20%, TXT 10%, MX 5%, NXDOMAIN 15% (from 200 names, so cached too). */
function queryFile() {
  let s = 42;
  const r = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const out = [];
  for (let i = 0; i < 10_000; i++) {
    const host = `host${Math.floor(r() * HOSTS)}.example.test`;
    const x = r();
    if (x < 0.5) out.push(`${host} A`);
    else if (x < 0.7) out.push(`${host} AAAA`);
    else if (x < 0.8) out.push(`${host} TXT`);
    else if (x < 0.85) out.push('example.test MX');
    else out.push(`nx${Math.floor(r() * 200)}.example.test A`);
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------
// The resolvers

function unboundConf(work, port, hints, threads) {
  return [
    'server:',
    `  interface: ${HOST}@${port}`,
    '  do-ip6: no',
    '  do-not-query-localhost: no',
    `  root-hints: "${hints}"`,
    '  access-control: 127.0.0.0/8 allow',
    '  qname-minimisation: yes',
    '  module-config: "iterator"',
    '  local-zone: "test." nodefault',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${work}"`,
    `  pidfile: "${join(work, `unbound-${port}.pid`)}"`,
    '  use-syslog: no',
    `  num-threads: ${threads}`,
    '  ratelimit: 0',
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
}

/** Every question of the file `times` times, one client, few outstanding (the hierarchy is in this process). */
async function warm(port, file, times) {
  const args = ['-s', HOST, '-p', String(port), '-d', file, '-n', String(times), '-q', '20', '-t', '5'];
  await new Promise((r) => spawn('dnsperf', args, { stdio: 'ignore' }).on('exit', r));
}

const work = mkdtempSync(join(tmpdir(), 'poste-bench-resolver-'));
const sockets = [];
try {
  for (const [host, z] of Object.entries(zones)) sockets.push(await serve(host, z));
  const hints = join(work, 'root.hints');
  writeFileSync(hints, `. 3600000 NS a.root-servers.test.\na.root-servers.test. 3600000 A ${ROOT}\n`);
  const queries = join(work, 'queries.txt');
  writeFileSync(queries, queryFile());
  const servers = [];
  for (const n of PROCESSES) {
    const port = await freePort();
    const conf = join(work, `unbound-${port}.conf`);
    writeFileSync(conf, unboundConf(work, port, hints, n));
    await waitUp(startChild('unbound', ['-d', '-c', conf]), port, 'unbound', 'example.test');
    await warm(port, queries, 1);
    servers.push({ name: `unbound ${n}`, port });
  }
  for (const n of PROCESSES) {
    const port = await freePort();
    const args = [
      'dns',
      'resolver',
      '--listen',
      `${HOST}:${port}`,
      '--root-hints',
      hints,
      '--workers',
      String(n),
    ];
    await waitUp(startChild(process.execPath, [bin, ...args]), port, 'poste dns resolver', 'example.test');
    // Whichever process reads a query answers it: enough rounds that each has seen each name.
    await warm(port, queries, 3 * n);
    servers.push({ name: `poste ${n}`, port });
  }
  await addEchoes(servers, work);
  console.log(
    `## dns-resolver: cached answers, ${HOSTS} hosts in example.test, 10,000 queries (A 50%, AAAA 20%, TXT 10%, MX 5%, NXDOMAIN 15%), UDP on loopback`,
  );
  console.log(
    'unbound N: num-threads N, iterator only, qname-minimisation; poste N: `poste dns resolver --workers N`',
  );
  await report(servers, queries, 'unbound');
} finally {
  await stopAll();
  for (const s of sockets) s.close();
  rmSync(work, { recursive: true, force: true });
}
