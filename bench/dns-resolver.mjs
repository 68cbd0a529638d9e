// bench/dns-resolver: cached queries per second of `poste dns resolver` against unbound,
// measured by dnsperf on loopback. Both resolve the same hierarchy (a root, test. and
// example.test. on 127.0.0.41-43, port 53, served in this process by the library's
// authoritative answers) from the same root hints; the query file is sent once to each to
// warm the caches, then the runs alternate (unbound, poste, node-echo, …) with the same
// dnsperf settings. All children are stopped by their PID whatever happens.
//
//   npm run build && node bench/dns-resolver.mjs [--duration 10] [--runs 2] [--clients 4] [--threads 2]
//
// Needs unbound and dnsperf (Debian packages), and port 53 on 127.0.0.41-43 (root, or
// CAP_NET_BIND_SERVICE): unbound asks upstream servers on port 53 only.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../bin/run.js');
const dns = await import(resolve(here, '../dist/dns/index.js'));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const DURATION = arg('duration', 10);
const RUNS = arg('runs', 2);
const CLIENTS = arg('clients', 4);
const THREADS = arg('threads', 2);
const OUTSTANDING = arg('outstanding', 200);
const HOSTS = arg('hosts', 2000);
const HOST = '127.0.0.1';
const [ROOT, TLD, LEAF] = ['127.0.0.41', '127.0.0.42', '127.0.0.43'];

for (const cmd of ['unbound', 'dnsperf']) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`${cmd} is not installed (bash test/interop/install-peers.sh installs it)`);
    process.exit(1);
  }
}

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

const sockets = [];
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
  sockets.push(s);
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
// Children

const children = new Set();
const kill = (c, sig) => {
  if (c.exitCode === null && c.signalCode === null) {
    try {
      process.kill(-c.pid, sig);
    } catch {
      c.kill(sig);
    }
  }
};
async function stop(c) {
  if (c.exitCode === null && c.signalCode === null) {
    const exited = new Promise((r) => c.once('exit', r));
    kill(c, 'SIGTERM');
    const t = setTimeout(() => kill(c, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
  children.delete(c);
}
process.once('exit', () => {
  for (const c of children) kill(c, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    for (const c of children) kill(c, 'SIGKILL');
    process.exit(130);
  });
}

async function freePort() {
  const tcp = createServer();
  const port = await new Promise((res) => tcp.listen(0, HOST, () => res(tcp.address().port)));
  await new Promise((r) => tcp.close(r));
  return port;
}

function start(cmd, args) {
  const c = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(c);
  let err = '';
  c.stderr.on('data', (d) => {
    if (err.length < 65536) err += d;
  });
  return { c, log: () => err };
}

async function waitUp(port, child, what) {
  for (let i = 0; i < 100 && child.c.exitCode === null; i++) {
    try {
      await dns.exchange({ host: HOST, port }, dns.makeQuery('example.test.', 6, 1232), {
        timeoutMs: 300,
        attempts: 1,
      });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not come up on ${port}\n${child.log()}`);
}

function dnsperf(port, file, seconds) {
  const args = ['-s', HOST, '-p', String(port), '-d', file, '-l', String(seconds), '-c', String(CLIENTS)];
  args.push('-T', String(THREADS), '-q', String(OUTSTANDING), '-t', '2');
  return new Promise((res, rej) => {
    const p = spawn('dnsperf', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(p);
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      out += d;
    });
    const t = setTimeout(() => kill(p, 'SIGKILL'), (seconds + 30) * 1000);
    p.on('exit', (code) => {
      clearTimeout(t);
      children.delete(p);
      if (code !== 0) return rej(new Error(`dnsperf failed (${code}): ${out}`));
      const num = (re) => Number(re.exec(out)?.[1]);
      res({
        qps: num(/Queries per second:\s+([\d.]+)/),
        sent: num(/Queries sent:\s+(\d+)/),
        lost: num(/Queries lost:\s+(\d+)/),
        latency: num(/Average Latency \(s\):\s+([\d.]+)/),
        rcodes: /Response codes:\s+(.*)/.exec(out)?.[1] ?? '',
      });
    });
  });
}

const ECHO = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => { m[2] |= 0x80; s.send(m, r.port, r.address); });
s.bind(Number(process.argv[1]), '${HOST}');
`;

const work = mkdtempSync(join(tmpdir(), 'poste-bench-resolver-'));
try {
  for (const [host, z] of Object.entries(zones)) await serve(host, z);
  const hints = join(work, 'root.hints');
  writeFileSync(hints, `. 3600000 NS a.root-servers.test.\na.root-servers.test. 3600000 A ${ROOT}\n`);
  const queries = join(work, 'queries.txt');
  writeFileSync(queries, queryFile());
  const ports = { unbound: await freePort(), poste: await freePort(), 'node-echo': await freePort() };
  writeFileSync(
    join(work, 'unbound.conf'),
    [
      'server:',
      `  interface: ${HOST}@${ports.unbound}`,
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
      `  pidfile: "${join(work, 'unbound.pid')}"`,
      '  use-syslog: no',
      '  num-threads: 1',
      '  ratelimit: 0',
      'remote-control:',
      '  control-enable: no',
      '',
    ].join('\n'),
  );
  const servers = {
    unbound: start('unbound', ['-d', '-c', join(work, 'unbound.conf')]),
    poste: start(process.execPath, [
      bin,
      'dns',
      'resolver',
      '--listen',
      `${HOST}:${ports.poste}`,
      '--root-hints',
      hints,
    ]),
    'node-echo': start(process.execPath, ['-e', ECHO, String(ports['node-echo'])]),
  };
  await waitUp(ports.unbound, servers.unbound, 'unbound');
  await waitUp(ports.poste, servers.poste, 'poste dns resolver');
  await waitUp(ports['node-echo'], servers['node-echo'], 'node echo');
  console.log(
    `## dns-resolver: cached answers, ${HOSTS} hosts in example.test, 10,000 queries (A 50%, AAAA 20%, TXT 10%, MX 5%, NXDOMAIN 15%), UDP on loopback`,
  );
  console.log(
    `dnsperf -c ${CLIENTS} -T ${THREADS} -q ${OUTSTANDING} -l ${DURATION}, ${RUNS} runs each, alternating, after warm-up; ${cpus().length} CPUs`,
  );
  console.log('unbound: num-threads 1, iterator only, qname-minimisation; poste: one Node.js process');
  console.log(
    'node-echo: one Node.js process that sends every datagram back: the ceiling of Node UDP here\n',
  );
  const names = ['unbound', 'poste', 'node-echo'];
  // Warm-up: every question of the file once (one client, few outstanding: the hierarchy is in this process).
  for (const name of ['unbound', 'poste']) {
    const args = ['-s', HOST, '-p', String(ports[name]), '-d', queries, '-n', '1', '-q', '20', '-t', '5'];
    await new Promise((r) => spawn('dnsperf', args, { stdio: 'ignore' }).on('exit', r));
  }
  for (const name of names) await dnsperf(ports[name], queries, 2);
  const results = { unbound: [], poste: [], 'node-echo': [] };
  for (let i = 0; i < RUNS; i++) {
    for (const name of names) {
      const res = await dnsperf(ports[name], queries, DURATION);
      results[name].push(res);
      console.log(
        `run ${i + 1} ${name.padEnd(9)} ${res.qps.toFixed(0).padStart(8)} q/s, latency ${(res.latency * 1000).toFixed(2)} ms, lost ${res.lost}/${res.sent}, ${res.rcodes}`,
      );
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b.qps, 0) / xs.length;
  const [a, b, c] = [mean(results.unbound), mean(results.poste), mean(results['node-echo'])];
  console.log('\n| server | queries/s (mean) | × unbound | × node-echo |\n|---|---:|---:|---:|');
  console.log(`| unbound 1 thread | ${a.toFixed(0)} | 1.00 | |`);
  console.log(`| poste | ${b.toFixed(0)} | ${(b / a).toFixed(2)} | ${(b / c).toFixed(2)} |`);
  console.log(`| node-echo (no DNS work) | ${c.toFixed(0)} | ${(c / a).toFixed(2)} | 1.00 |`);
  await Promise.allSettled(Object.values(servers).map((s) => stop(s.c)));
} finally {
  for (const c of children) kill(c, 'SIGKILL');
  for (const s of sockets) s.close();
  rmSync(work, { recursive: true, force: true });
}
