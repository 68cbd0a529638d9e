// What bench/dns-primary.mjs and bench/dns-resolver.mjs share: child processes stopped by
// their process group whatever happens, free loopback ports, waiting for a server to
// answer, dnsperf runs alternating between servers, and the table of ratios.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';

export const HOST = '127.0.0.1';

/** `--name value` from the command line as a number, else the default. */
export function numberArg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

/** `--name 1,2` as a list of numbers, else the default. */
export function listArg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1].split(',').map(Number) : def;
}

/** The settings both benches take: --duration, --runs, dnsperf's --clients, --threads, --outstanding, --processes. */
export const OPTIONS = {
  seconds: numberArg('duration', 10),
  runs: numberArg('runs', 2),
  perf: {
    clients: numberArg('clients', 4),
    threads: numberArg('threads', 2),
    outstanding: numberArg('outstanding', 200),
  },
  processes: listArg('processes', [1, 2]),
};

export function requireCommands(...cmds) {
  for (const cmd of cmds) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
      console.error(`${cmd} is not installed (bash test/interop/install-peers.sh installs it)`);
      process.exit(1);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Children: each in a process group of its own, so that its own children (nsd's servers,
// poste's UDP workers) go with it.

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

export async function stop(child) {
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

export function stopAll() {
  return Promise.allSettled([...children].map(stop));
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

/** Starts a server process; `log()` is what it wrote on stderr (the first 64 KiB). */
export function startChild(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  children.add(child);
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c) => {
    if (err.length < 65536) err += c;
  });
  return { child, log: () => err };
}

/** A port free for both UDP and TCP on HOST. */
export async function freePort() {
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

/** A query for `name`'s SOA, as bytes. */
function soaQuery(name) {
  const labels = name.split('.').filter(Boolean);
  const parts = [Buffer.from([0xbe, 0xef, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l));
  parts.push(Buffer.from([0, 0, 6, 0, 1]));
  return Buffer.concat(parts);
}

/** True once something answers `name`'s SOA over UDP. */
function probe(port, name) {
  return new Promise((res) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      res(false);
    }, 300);
    s.on('message', () => {
      clearTimeout(t);
      s.close();
      res(true);
    });
    s.send(soaQuery(name), port, HOST);
  });
}

export async function waitUp({ child, log }, port, what, name = 'example.org') {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await probe(port, name)) return;
  }
  throw new Error(`${what} did not come up on ${HOST}:${port}\n${log()}`);
}

// The ceiling of Node.js UDP here: a server that does no DNS work at all (it sets QR and
// sends each datagram back), in `processes` processes reading one socket as poste's
// --workers do. Not a DNS server: a yardstick.
const ECHO = `
const dgram = require('node:dgram');
const { fork } = require('node:child_process');
const serve = (s) => s.on('message', (m, r) => { m[2] |= 0x80; s.send(m, r.port, r.address); });
if (process.env.ECHO_WORKER) process.once('message', (_, s) => serve(s));
else {
  const s = dgram.createSocket('udp4');
  s.bind(Number(process.argv[2]), '${HOST}', () => {
    for (let i = 1; i < Number(process.argv[3]); i++)
      fork(__filename, [], { env: { ECHO_WORKER: '1' } }).send('udp', s);
    serve(s);
  });
}
`;

/** The echo yardstick in `processes` processes; `dir` holds its script (fork needs a file). */
export async function startEcho(port, processes, dir) {
  const file = join(dir, 'echo.cjs');
  writeFileSync(file, ECHO);
  const server = startChild(process.execPath, [file, String(port), String(processes)]);
  await waitUp(server, port, 'node echo');
  return server;
}

// ---------------------------------------------------------------------------------------
// dnsperf

export function dnsperf(port, file, seconds, { clients = 4, threads = 2, outstanding = 200 } = {}) {
  const args = ['-s', HOST, '-p', String(port), '-d', file, '-l', String(seconds)];
  args.push('-c', String(clients), '-T', String(threads), '-q', String(outstanding), '-t', '2');
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
    const t = setTimeout(() => killGroup(p, 'SIGKILL'), (seconds + 30) * 1000);
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

/**
 * Runs dnsperf against each server in turn, `runs` times (alternating, so that a slow
 * moment of the machine is shared), after a 2 s warm-up each; prints each run and returns
 * the mean queries per second by name.
 */
export async function compare(servers, file, { runs, seconds, ...perf }) {
  for (const s of servers) await dnsperf(s.port, file, 2, perf);
  const qps = new Map(servers.map((s) => [s.name, []]));
  const width = Math.max(...servers.map((s) => s.name.length));
  for (let i = 0; i < runs; i++) {
    for (const s of servers) {
      const r = await dnsperf(s.port, file, seconds, perf);
      qps.get(s.name).push(r.qps);
      console.log(
        `run ${i + 1} ${s.name.padEnd(width)} ${r.qps.toFixed(0).padStart(8)} q/s, latency ${(r.latency * 1000).toFixed(2)} ms, lost ${r.lost}/${r.sent}, ${r.rcodes}`,
      );
    }
  }
  return new Map([...qps].map(([name, xs]) => [name, xs.reduce((a, b) => a + b, 0) / xs.length]));
}

/** A Node echo server of each process count of OPTIONS, added to `servers` as "node-echo N". */
export async function addEchoes(servers, dir) {
  for (const n of OPTIONS.processes) {
    const port = await freePort();
    await startEcho(port, n, dir);
    servers.push({ name: `node-echo ${n}`, port });
  }
}

/**
 * The runs (OPTIONS' settings, after the bench's own description), then the table of each
 * server's mean against `peer` with its first process count, and best poste against best peer.
 */
export async function report(servers, queries, peer) {
  const { seconds, runs, perf } = OPTIONS;
  console.log(
    `dnsperf -c ${perf.clients} -T ${perf.threads} -q ${perf.outstanding} -l ${seconds}, ${runs} runs each, alternating, after warm-up; ${cpus().length} CPUs (dnsperf runs on them too)`,
  );
  console.log(
    'node-echo N: N Node.js processes reading one socket, sending every datagram back: no DNS work\n',
  );
  const means = await compare(servers, queries, { runs, seconds, ...perf });
  const ref = means.get(`${peer} ${OPTIONS.processes[0]}`);
  console.log(`\n| server | queries/s (mean) | × ${peer} ${OPTIONS.processes[0]} |\n|---|---:|---:|`);
  for (const [name, q] of means) console.log(`| ${name} | ${q.toFixed(0)} | ${(q / ref).toFixed(2)} |`);
  const best = (prefix) =>
    Math.max(...[...means].filter(([n]) => n.startsWith(`${prefix} `)).map(([, q]) => q));
  console.log(`\nbest poste / best ${peer}: ${(best('poste') / best(peer)).toFixed(2)}`);
}
