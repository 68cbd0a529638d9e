// Shared pieces of the DNS interop tests and their servers: our primary (`poste dns serve`)
// and nsd, each started on a free loopback port and stopped by its PID (its whole process
// group) whatever happens; a deterministic, realistic zone as master-file text; the query
// set the differential test sends; raw UDP and TCP exchanges that leave TC and the bytes alone.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLASS, TYPE } from '../../src/dns/constants.js';
import { bin, repoRoot } from '../helpers/run-cli.js';

export const LOOPBACK = '127.0.0.1';

// ---------------------------------------------------------------------------------------
// Processes

/** Every server a test started and has not stopped yet: killed on exit whatever happens. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the process group: nsd forks xfrd and its servers
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Stops a child: SIGTERM to its group, SIGKILL after `graceMs`; resolves once it exited. */
async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Children of the group that outlived the leader (nsd's server processes).
  if (child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is empty
    }
  }
  running.delete(child);
}

export interface RunningServer {
  host: string;
  port: number;
  pid: number;
  /** Everything the server wrote on stderr (ours: JSON lines) so far. */
  log(): string;
  stop(): Promise<void>;
}

/** A port free for both UDP and TCP on loopback right now (the system picks it). */
export async function freePort(host = LOOPBACK): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, host, () => resolve((tcp.address() as { port: number }).port));
    });
    const udp = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, host, () => resolve(true));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (ok) return port;
  }
  throw new Error('no free port on loopback for both UDP and TCP');
}

export interface PosteOptions {
  zonesDir: string;
  /** hmac-sha256:NAME:SECRET specs for --tsig-key. */
  keys?: string[];
  /** --poll in seconds (default 1). */
  poll?: number;
  /** --rrl (default 0: no rate limiting). */
  rrl?: number;
  notify?: string[];
}

/**
 * Starts `poste dns serve` on a free loopback port and waits for its `listening` event.
 * `--listen 127.0.0.1:0` is refused by the command (parseServer wants a port of 1 or more),
 * so the port is picked here; a lost race for it is retried.
 */
export async function startPoste(opts: PosteOptions): Promise<RunningServer> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      return await spawnPoste(opts, port);
    } catch (err) {
      lastError = err as Error;
      if (!/EADDRINUSE|cannot serve/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError as Error;
}

async function spawnPoste(opts: PosteOptions, port: number): Promise<RunningServer> {
  const args = [
    bin,
    'dns',
    'serve',
    '--zones',
    opts.zonesDir,
    '--listen',
    `${LOOPBACK}:${port}`,
    '--rrl',
    String(opts.rrl ?? 0),
    '--poll',
    String(opts.poll ?? 1),
  ];
  for (const k of opts.keys ?? []) args.push('--tsig-key', k);
  for (const n of opts.notify ?? []) args.push('--notify', n);
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  const ready = new Promise<{ host: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`poste dns serve: no "listening" within 20 s\n${stderr}`)),
      20_000,
    );
    let listening = false;
    let scanned = 0; // complete lines before this offset were read
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      if (listening) return;
      const end = stderr.lastIndexOf('\n') + 1;
      for (const line of stderr.slice(scanned, end).split('\n')) {
        let ev: { event?: string; address?: string };
        try {
          ev = JSON.parse(line);
        } catch {
          continue; // not one of the service's JSON lines
        }
        const m = ev.event === 'listening' ? /^(.*):(\d+)$/.exec(ev.address ?? '') : null;
        if (m) {
          listening = true;
          clearTimeout(timer);
          resolve({ host: m[1] as string, port: Number(m[2]) });
        }
      }
      scanned = end;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`poste dns serve exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
  try {
    const at = await ready;
    return {
      host: at.host,
      port: at.port,
      pid: child.pid as number,
      log: () => stderr,
      stop: () => stopChild(child),
    };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

export interface NsdZone {
  origin: string;
  /** The master file's text. */
  text: string;
}

export interface NsdOptions {
  zones: NsdZone[];
  /** server-count (nsd's default is 1). */
  serverCount?: number;
  /** Extra `server:` lines. */
  extra?: string[];
}

export function nsdConfig(dir: string, port: number, opts: NsdOptions): string {
  const lines = [
    'server:',
    `  ip-address: ${LOOPBACK}@${port}`,
    '  do-ip6: no',
    `  server-count: ${opts.serverCount ?? 1}`,
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
    '  round-robin: no',
    // nsd rate-limits by default (200 answers/s per /24 and name): off, as for ours (--rrl 0).
    '  rrl-ratelimit: 0',
    '  rrl-whitelist-ratelimit: 0',
    ...(opts.extra ?? []).map((l) => `  ${l}`),
    'remote-control:',
    '  control-enable: no',
  ];
  for (const z of opts.zones) {
    lines.push('zone:', `  name: "${z.origin}"`, `  zonefile: "${z.origin.replace(/\.$/, '')}.zone"`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Starts nsd in the foreground (-d) with its own configuration, files and zones in a fresh
 * temporary directory, on a free loopback port; resolves once it answers the first zone's
 * SOA. Nothing of the system's nsd (its service, /etc/nsd) is used.
 */
export async function startNsd(opts: NsdOptions): Promise<RunningServer & { dir: string }> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'poste-nsd-'));
    const port = await freePort();
    for (const z of opts.zones) writeFileSync(join(dir, `${z.origin.replace(/\.$/, '')}.zone`), z.text);
    const conf = join(dir, 'nsd.conf');
    writeFileSync(conf, nsdConfig(dir, port, opts));
    const check = spawnSync('nsd-checkconf', [conf], { encoding: 'utf8' });
    if (check.status !== 0 && check.error === undefined) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nsd-checkconf: ${check.stdout}${check.stderr}`);
    }
    const child = spawn('nsd', ['-d', '-c', conf], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let output = '';
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const log = () => {
      let file = '';
      try {
        file = readFileSync(join(dir, 'nsd.log'), 'utf8');
      } catch {
        // not written yet
      }
      return `${output}${file}`;
    };
    const stop = async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    };
    const probe = encodeProbe((opts.zones[0] as NsdZone).origin);
    let up = false;
    for (let i = 0; i < 100 && !up && child.exitCode === null; i++) {
      up =
        (await udpExchange(port, probe, { timeoutMs: 200, attempts: 1 }).catch(() => undefined)) !==
        undefined;
      if (!up) await sleep(100);
    }
    if (up) return { host: LOOPBACK, port, pid: child.pid as number, dir, log, stop };
    lastError = new Error(`nsd did not come up on ${LOOPBACK}@${port}: ${log()}`);
    await stop();
    if (!/address already in use|bind/i.test(lastError.message)) break;
  }
  throw lastError as Error;
}

/** A minimal SOA query for `origin` (no EDNS), as bytes. */
function encodeProbe(origin: string): Uint8Array {
  const labels = origin.replace(/\.$/, '').split('.');
  const parts = [Buffer.from([0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'ascii'));
  parts.push(Buffer.from([0, 0, TYPE.SOA, 0, CLASS.IN]));
  return new Uint8Array(Buffer.concat(parts));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------
// Raw exchanges: the bytes go as given, the reply comes back undecoded (TC left alone)

export interface RawOptions {
  timeoutMs?: number;
  attempts?: number;
  host?: string;
}

/** One UDP query to host:port, the first datagram back with the same id (retransmitted on timeout). */
export function udpExchange(port: number, query: Uint8Array, opts: RawOptions = {}): Promise<Uint8Array> {
  const host = opts.host ?? LOOPBACK;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const attempts = opts.attempts ?? 3;
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (err?: Error, reply?: Uint8Array) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(reply as Uint8Array);
    };
    sock.on('error', (e) => finish(e));
    sock.on('message', (msg) => {
      if (msg.length >= 2 && msg[0] === query[0] && msg[1] === query[1])
        finish(undefined, new Uint8Array(msg));
    });
    const send = () => {
      if (sent === attempts)
        return finish(new Error(`no UDP reply from ${host}:${port} after ${attempts} tries`));
      sent++;
      sock.send(query, port, host, (err) => err && finish(err));
      timer = setTimeout(send, timeoutMs);
    };
    sock.bind(0, host, send);
  });
}

/**
 * One TCP connection: sends the query and collects reply messages until `until` says the
 * last one came (default: after the first), the server closes, or the time is up.
 */
export function tcpExchange(
  port: number,
  query: Uint8Array,
  opts: RawOptions & { until?: (msgs: Uint8Array[]) => boolean } = {},
): Promise<Uint8Array[]> {
  const host = opts.host ?? LOOPBACK;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const until = opts.until ?? ((m) => m.length >= 1);
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = Buffer.alloc(0);
    const msgs: Uint8Array[] = [];
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err && msgs.length === 0) reject(err);
      else resolve(msgs);
    };
    const timer = setTimeout(
      () => finish(new Error(`no TCP reply from ${host}:${port} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        msgs.push(new Uint8Array(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        if (until(msgs)) return finish();
      }
    });
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish(new Error(`${host}:${port} closed the connection without a reply`)));
  });
}

// ---------------------------------------------------------------------------------------
// A realistic zone, generated deterministically

/** xorshift32: the same sequence for the same seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export interface GeneratedZone {
  origin: string;
  /** The master file. */
  text: string;
  /** The generated hosts (relative names), each with an A and some an AAAA, MX or TXT. */
  hosts: string[];
}

export const ZONE_SERIAL = 2024060101;

/**
 * example.org (or `origin`) with what an authoritative server must get right: SOA; apex NS,
 * MX, TXT, CAA, A and AAAA; hosts with A/AAAA; CNAME chains in and out of the zone and a
 * dangling one; wildcards at several depths (one a CNAME) and names that block them; empty
 * non-terminals; a delegation with in-bailiwick, sibling and out-of-bailiwick name servers
 * and a DS, a second one without DS; TXT with several strings, with quotes and semicolons,
 * and TXT sets too big for 512 and for 1232 bytes; SRV, CAA, TLSA; owners in odd case.
 */
export function generateZone(opts: { origin?: string; hosts?: number; seed?: number } = {}): GeneratedZone {
  const origin = opts.origin ?? 'example.org.';
  const r = rng(opts.seed ?? 7);
  const byte = () => Math.floor(r() * 254) + 1;
  const hex = (n: number) =>
    Array.from({ length: n }, () =>
      Math.floor(r() * 256)
        .toString(16)
        .padStart(2, '0'),
    ).join('');
  const word = (n: number) =>
    Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(r() * 36)]).join('');
  const lines = [
    `$ORIGIN ${origin}`,
    '$TTL 3600',
    `@\t3600\tIN\tSOA\tns1 hostmaster ( ${ZONE_SERIAL} 7200 900 1209600 300 )`,
    '@\tNS\tns1',
    '@\tNS\tns2',
    '@\tNS\tns.example.net.',
    '@\tMX\t10 mail',
    '@\tMX\t20 mail2.example.net.',
    '@\tTXT\t"v=spf1 mx ip4:192.0.2.0/24 -all"',
    '@\tCAA\t0 issue "letsencrypt.org"',
    '@\tCAA\t0 iodef "mailto:security@example.org"',
    '@\t600\tA\t192.0.2.10',
    '@\t600\tAAAA\t2001:db8::10',
    'ns1\tA\t192.0.2.1',
    'ns1\tAAAA\t2001:db8::1',
    'ns2\tA\t192.0.2.2',
    'mail\t300\tA\t192.0.2.3',
    'mail\t300\tAAAA\t2001:db8::3',
    'mail\tTXT\t"a mail host; with \\"quotes\\" and a semicolon"',
    '_25._tcp.mail\tTLSA\t3 1 1 ' + hex(32),
    '_443._tcp.www\tTLSA\t2 0 1 ' + hex(32),
    // CNAME chains: in zone (alias -> www -> web), out of zone, in then out, dangling.
    'web\tA\t192.0.2.20',
    'web\tA\t192.0.2.21',
    'web\tAAAA\t2001:db8::20',
    'www\t300\tCNAME\tweb',
    'alias\t120\tCNAME\twww',
    'out\tCNAME\twww.example.net.',
    'chain-out\tCNAME\tout',
    'dangling\tCNAME\tnowhere',
    'to-wild\tCNAME\tanything.wild',
    'to-sub\tCNAME\thost.sub',
    'to-big\tCNAME\tbig',
    // DNAME (RFC 6672): a subtree redirected inside the zone (its owner keeps its own data)
    // and one redirected out of it.
    'old\t300\tDNAME\tweb-tree',
    'old\tA\t192.0.2.70',
    'host.web-tree\tA\t192.0.2.71',
    'away\tDNAME\texample.net.',
    // Wildcards: one level below the apex, deeper (under an empty non-terminal), a CNAME one.
    '*.wild\tA\t192.0.2.30',
    '*.wild\tTXT\t"synthesized"',
    'exists.wild\tA\t192.0.2.31',
    'a.b.wild\tTXT\t"b.wild is empty, and blocks *.wild below it"',
    '*.lvl2.ent-wild\tAAAA\t2001:db8::40',
    '*.lvl2.ent-wild\tMX\t5 mail',
    '*.cw\tCNAME\tweb',
    '*.cwo\tCNAME\tsomewhere.example.net.',
    // Empty non-terminals: ent and deep.ent exist only for leaf.deep.ent.
    'leaf.deep.ent\tA\t192.0.2.50',
    'leaf.deep.ent\tTXT\t"leaf"',
    // A delegation: in-bailiwick glue, a sibling name server and one out of bailiwick; DS.
    'sub\t86400\tNS\tns1.sub',
    'sub\t86400\tNS\tns.sibling',
    'sub\t86400\tNS\tns.example.net.',
    'sub\tDS\t12345 13 2 ' + hex(32),
    'ns1.sub\tA\t192.0.2.60',
    'ns1.sub\tAAAA\t2001:db8::60',
    'ns.sibling\tA\t192.0.2.61',
    // A delegation to a zone the same server also serves (generateChildZone): answers below
    // it come from the child, DS at its apex from here.
    'child\tNS\tns1.child',
    'child\tNS\tns2',
    'child\tDS\t54321 8 2 ' + hex(32),
    'ns1.child\tA\t192.0.2.90',
    'to-child\tCNAME\twww.child',
    // A second delegation, its only name server in bailiwick, no DS.
    'nods\tNS\tns.nods',
    'ns.nods\tA\t192.0.2.62',
    // TXT: several strings in one record, several records, big sets.
    'multi\tTXT\t"first" "second" "third string with spaces"',
    'multi\tTXT\t"another record"',
    'empty-txt\tTXT\t""',
    `big\tTXT\t${Array.from({ length: 6 }, () => `"${word(250)}"`).join(' ')}`,
    ...Array.from({ length: 10 }, (_, i) => `big-set\tTXT\t"record ${i} ${word(70)}"`),
    `medium\tTXT\t"${word(240)}" "${word(240)}"`,
    // Services.
    '_sip._tcp\tSRV\t10 60 5060 sip',
    '_sip._tcp\tSRV\t20 40 5061 sip2.example.net.',
    'sip\tA\t192.0.2.70',
    '_imaps._tcp\tSRV\t0 0 993 mail',
    'ca\tCAA\t128 issue "ca.example.net; account=1234"',
    // Odd case in owners and data.
    'MiXeD.CaSe\tA\t192.0.2.80',
    'UPPER\tTXT\t"UPPER"',
    'upper-target\tCNAME\tMiXeD.CaSe',
  ];
  const hosts: string[] = [];
  for (let i = 0; i < (opts.hosts ?? 40); i++) {
    const h = `host${i}`;
    hosts.push(h);
    lines.push(`${h}\t${[300, 3600, 86400][i % 3]}\tA\t10.${byte()}.${byte()}.${byte()}`);
    if (i % 2 === 0) lines.push(`${h}\tAAAA\t2001:db8:${i.toString(16)}::${byte().toString(16)}`);
    if (i % 5 === 0) lines.push(`${h}\tMX\t10 ${h}`);
    if (i % 7 === 0) lines.push(`${h}\tTXT\t"host ${i}" "${word(20)}"`);
  }
  return { origin, text: `${lines.join('\n')}\n`, hosts };
}

/** child.example.org, delegated from generateZone's example.org, for a server serving both. */
export function generateChildZone(): GeneratedZone {
  const origin = 'child.example.org.';
  const lines = [
    `$ORIGIN ${origin}`,
    '$TTL 1800',
    '@\tSOA\tns1 hostmaster.example.org. ( 7 3600 600 604800 60 )',
    '@\tNS\tns1',
    '@\tNS\tns2.example.org.',
    '@\tMX\t10 mx',
    '@\tA\t192.0.2.91',
    'ns1\tA\t192.0.2.90',
    'mx\tA\t192.0.2.92',
    'www\tCNAME\t@',
    'up\tCNAME\tweb.example.org.',
    '*.any\tTXT\t"child wildcard"',
    'grandchild\tNS\tns.grandchild',
    'ns.grandchild\tA\t192.0.2.93',
  ];
  return { origin, text: `${lines.join('\n')}\n`, hosts: [] };
}

export interface QuerySpec {
  name: string;
  type: number;
  /** What the query exercises. */
  why: string;
}

/** Mixes the case of a name's letters, deterministically. */
export function mixCase(name: string, seed: number): string {
  const r = rng(seed);
  return [...name].map((c) => (r() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

/**
 * The query set for a zone from generateZone: every kind of answer an authoritative server
 * gives. With `child`, the server also serves generateChildZone's zone.
 */
export function generateQueries(zone: GeneratedZone, opts: { child?: boolean } = {}): QuerySpec[] {
  const o = zone.origin;
  const n = (rel: string) => (rel === '@' ? o : `${rel}.${o}`);
  const q: QuerySpec[] = [];
  const add = (rel: string, types: number[], why: string) => {
    for (const type of types) q.push({ name: n(rel), type, why });
  };
  const { A, AAAA, NS, CNAME, SOA, MX, TXT, SRV, CAA, TLSA, DS, ANY, PTR, DNAME } = TYPE;
  add('@', [SOA, NS, MX, TXT, CAA, A, AAAA, SRV, DS, ANY], 'apex');
  add('ns1', [A, AAAA, MX], 'name server');
  add('ns2', [A, AAAA], 'name server with A only');
  add('mail', [A, AAAA, TXT, MX, ANY], 'host');
  add('_25._tcp.mail', [TLSA, A], 'TLSA');
  add('_443._tcp.www', [TLSA], 'TLSA under a CNAME owner');
  add('_tcp.mail', [A, TLSA], 'empty non-terminal under a host');
  add('web', [A, AAAA, TXT], 'address set of two');
  add('www', [A, AAAA, CNAME, TXT, MX, ANY], 'CNAME in zone');
  add('alias', [A, AAAA, CNAME, ANY], 'CNAME chain of two');
  add('out', [A, CNAME], 'CNAME out of zone');
  add('chain-out', [A, AAAA], 'CNAME chain leaving the zone');
  add('dangling', [A, CNAME, TXT], 'dangling CNAME');
  add('to-wild', [A, TXT, AAAA], 'CNAME to a wildcard');
  add('to-sub', [A, NS], 'CNAME into a delegation');
  add('to-big', [TXT, A], 'CNAME to a big TXT set');
  add('old', [A, DNAME, TXT], 'a DNAME owner: its own data');
  add('host.old', [A, AAAA, CNAME, DNAME], 'below a DNAME: a CNAME made from it');
  add('x.y.old', [A], 'below a DNAME, NXDOMAIN at the new name');
  add('x.away', [A, MX], 'below a DNAME out of the zone');
  add('anything.wild', [A, TXT, AAAA, MX, ANY], 'under a wildcard');
  add('two.labels.wild', [A, TXT], 'two labels under a wildcard');
  add('*.wild', [A, TXT, AAAA], 'the wildcard itself');
  add('exists.wild', [A, TXT], 'a name that blocks the wildcard');
  add('below.exists.wild', [A], 'below a blocking name: no wildcard there');
  add('b.wild', [A, TXT], 'empty non-terminal beside a wildcard');
  add('x.b.wild', [A], 'below an empty non-terminal that blocks the wildcard');
  add('wild', [A, TXT], 'the parent of a wildcard (empty non-terminal)');
  add('x.lvl2.ent-wild', [AAAA, MX, A], 'a deeper wildcard');
  add('y.x.lvl2.ent-wild', [AAAA], 'two labels under a deeper wildcard');
  add('lvl2.ent-wild', [AAAA], 'empty non-terminal above a deeper wildcard');
  add('nope.ent-wild', [AAAA], 'NXDOMAIN beside a deeper wildcard');
  add('host.cw', [A, AAAA, CNAME, TXT], 'a wildcard CNAME');
  add('x.y.cw', [A], 'two labels under a wildcard CNAME');
  add('host.cwo', [A, CNAME], 'a wildcard CNAME out of zone');
  add('ent', [A, TXT, ANY], 'empty non-terminal');
  add('deep.ent', [A, NS], 'empty non-terminal, deeper');
  add('leaf.deep.ent', [A, TXT, AAAA], 'below empty non-terminals');
  add('nothere.deep.ent', [A], 'NXDOMAIN under an empty non-terminal');
  add('sub', [NS, A, DS, SOA, TXT, ANY], 'the delegation point');
  add('host.sub', [A, AAAA, DS], 'below the delegation');
  add('ns1.sub', [A, AAAA], 'in-bailiwick glue');
  add('deep.below.sub', [MX], 'deep below the delegation');
  add('ns.sibling', [A, AAAA], 'sibling glue (authoritative data)');
  add('sibling', [A], 'empty non-terminal above sibling glue');
  add('nods', [NS, DS, A], 'a delegation without DS');
  add('ns.nods', [A], 'glue of a delegation without DS');
  add('multi', [TXT], 'TXT with several strings and records');
  add('empty-txt', [TXT], 'TXT with an empty string');
  add('big', [TXT, A], 'one TXT record over 1232 bytes');
  add('big-set', [TXT], 'a TXT set over 512 bytes');
  add('medium', [TXT], 'a TXT record between 512 and 1232 bytes');
  add('_sip._tcp', [SRV, A], 'SRV');
  add('_imaps._tcp', [SRV], 'SRV to an in-zone host');
  add('_tcp', [SRV], 'empty non-terminal above SRV');
  add('sip', [A], 'SRV target');
  add('ca', [CAA], 'CAA with the critical flag');
  add('mixed.case', [A, TXT], 'owner written in odd case, asked in lowercase');
  add('MIXED.CASE', [A], 'owner written in odd case, asked in uppercase');
  add('upper', [TXT], 'owner written in uppercase');
  add('upper-target', [A, CNAME], 'CNAME to an odd-case name');
  add('nxdomain', [A, AAAA, TXT, MX, ANY], 'NXDOMAIN');
  add('a.b.c.nxdomain', [A], 'NXDOMAIN, deeper');
  add('_dmarc', [TXT], 'NXDOMAIN of a usual TXT name');
  add('mail', [PTR, SRV, CAA], 'NODATA of a host');
  for (const h of zone.hosts.slice(0, 20)) add(h, [A, AAAA, MX, TXT], 'generated host');
  if (opts.child) {
    add('child', [SOA, NS, DS, A, MX, AAAA, ANY], 'apex of a child zone served too (DS from the parent)');
    add('ns1.child', [A, AAAA], 'name server of the child: the child answers, not the glue');
    add('www.child', [A, CNAME], 'CNAME to the child apex');
    add('up.child', [A], 'CNAME from the child into the parent zone');
    add('x.any.child', [TXT], 'wildcard in the child');
    add('nx.child', [A], 'NXDOMAIN in the child');
    add('grandchild.child', [NS, DS, A], 'delegation from the child');
    add('to-child', [A, CNAME], 'CNAME from the parent into the child zone');
    add('host.grandchild.child', [A], 'below a delegation from the child');
  } else {
    add('child', [SOA, NS, DS, A], 'delegation to a zone not served');
    add('www.child', [A], 'below a delegation to a zone not served');
    add('to-child', [A], 'CNAME into a delegation to a zone not served');
  }
  // The same questions in mixed case.
  const plain = q.slice();
  for (const [i, x] of plain.entries()) {
    if (i % 4 === 0) q.push({ name: mixCase(x.name, i + 1), type: x.type, why: `${x.why}, in mixed case` });
  }
  // Names outside the zone: REFUSED.
  for (const name of ['example.net.', 'www.example.net.', 'org.', '.', 'example.com.', 'xexample.org.']) {
    q.push({ name, type: A, why: 'outside our zones' });
  }
  q.push({ name: 'example.net.', type: SOA, why: 'outside our zones' });
  return q;
}
