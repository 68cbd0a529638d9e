// A DNS hierarchy on loopback for the resolver's tests: a root, a TLD and leaf zones, each
// level on its own 127.0.0.x address and all on one port. The TLD and leaves are served by
// poste's primary in-process; the root by a few lines around answerQuery (the primary's
// zones directory has no file name for the root zone). Everything started is stopped by
// stop(), whatever happened.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerQuery, udpLimit } from '../../src/dns/authority.js';
import { Catalog } from '../../src/dns/catalog.js';
import { TYPE } from '../../src/dns/constants.js';
import { TcpFramer, tcpFrame } from '../../src/dns/stub.js';
import { decodeMessage, encodeMessage } from '../../src/dns/wire.js';
import { Zone } from '../../src/dns/zone.js';
import { parseZone } from '../../src/dns/zonefile.js';
import { bindBoth } from '../../src/services/dns-socket.js';
import { silentLogger } from '../../src/services/log.js';
import { type Primary, startPrimary } from '../../src/services/primary/index.js';

export interface Hierarchy {
  port: number;
  /** Addresses: root, tld, leaf (example/other/bank.test), extra (glueless.test, lame.test's good server), evil (nobody). */
  hosts: { root: string; tld: string; leaf: string; extra: string; evil: string };
  /** named.root-style text pointing at the root server. */
  rootHints: string;
  /** Original TTL of each RRset, by "name type" (lowercase), for TTL checks. */
  ttls: Map<string, number>;
  stop(): Promise<void>;
}

const SOA = (ns: string) => `@ 3600 SOA ${ns} hostmaster 1 3600 600 86400 300`;

export function hierarchyZones(h: Hierarchy['hosts']): Record<string, string[]> {
  return {
    '.': [
      '@ 3600 SOA a.root-servers.test. hostmaster.test. 1 3600 600 86400 300',
      '@ 86400 NS a.root-servers.test.',
      'test. 86400 NS ns1.nic.test.',
      `ns1.nic.test. 86400 A ${h.tld}`,
      `a.root-servers.test. 86400 A ${h.root}`,
    ],
    'test.': [
      SOA('ns1.nic'),
      '@ NS ns1.nic',
      `ns1.nic A ${h.tld}`,
      `a.root-servers A ${h.root}`,
      'example NS ns1.example',
      `ns1.example A ${h.leaf}`,
      'other NS ns.other',
      `ns.other A ${h.leaf}`,
      'bank NS ns.bank',
      `ns.bank A ${h.leaf}`,
      'glueless NS ns.hosting.other.test.',
      'lame NS ns-refused.lame',
      'lame NS ns-good.lame',
      `ns-refused.lame A ${h.leaf}`,
      `ns-good.lame A ${h.extra}`,
      // Served by no one here; the spoofing test puts its forger there.
      'evil NS ns.evil',
      `ns.evil A ${h.evil}`,
    ],
    'example.test.': [
      SOA('ns1'),
      '@ NS ns1',
      `ns1 A ${h.leaf}`,
      'www 600 A 192.0.2.1',
      'www 600 A 192.0.2.2',
      '@ MX 10 mail',
      '@ MX 20 mail2.other.test.',
      'mail A 192.0.2.3',
      '@ TXT "v=spf1 mx -all"',
      '_dmarc TXT "v=DMARC1; p=reject"',
      'alias CNAME www.other.test.',
      'chain 300 CNAME alias',
      'a.b.c.deep A 192.0.2.4',
      ...Array.from({ length: 10 }, (_, i) => `big TXT "${String(i).repeat(150)}"`),
    ],
    'other.test.': [
      SOA('ns'),
      '@ NS ns',
      `ns A ${h.leaf}`,
      'www CNAME web',
      'web A 192.0.2.10',
      'mail2 A 192.0.2.11',
      `ns.hosting A ${h.extra}`,
    ],
    'bank.test.': [SOA('ns'), '@ NS ns', `ns A ${h.leaf}`, 'www A 192.0.2.60'],
    'glueless.test.': [SOA('ns.hosting.other.test.'), '@ NS ns.hosting.other.test.', 'www A 192.0.2.20'],
    'lame.test.': [SOA('ns-good'), '@ NS ns-good', `ns-good A ${h.extra}`, 'www A 192.0.2.40'],
  };
}

/** Where each zone is served. */
const PLACES: Record<string, keyof Hierarchy['hosts']> = {
  'test.': 'tld',
  'example.test.': 'leaf',
  'other.test.': 'leaf',
  'bank.test.': 'leaf',
  'glueless.test.': 'extra',
  'lame.test.': 'extra',
};

/** The hierarchy on 127.0.0.{base..base+3}, on `port` (or a free one, tried until all four bind). */
export async function startHierarchy(opts: { base?: number; port?: number } = {}): Promise<Hierarchy> {
  const base = opts.base ?? 11;
  const hosts = {
    root: `127.0.0.${base}`,
    tld: `127.0.0.${base + 1}`,
    leaf: `127.0.0.${base + 2}`,
    extra: `127.0.0.${base + 3}`,
    evil: `127.0.0.${base + 4}`,
  };
  const zones = hierarchyZones(hosts);
  const ttls = new Map<string, number>();
  const parsed: Record<string, Zone> = {};
  for (const [origin, lines] of Object.entries(zones)) {
    const z = new Zone(origin, parseZone(lines.join('\n'), { origin, defaultTtl: 3600 }).records);
    parsed[origin] = z;
    for (const rr of z.records()) ttls.set(`${rr.name.toLowerCase()} ${rr.type}`, rr.ttl);
  }
  const dirs: Record<string, string> = {};
  for (const place of ['tld', 'leaf', 'extra'] as const) {
    dirs[place] = mkdtempSync(join(tmpdir(), `poste-hierarchy-${place}-`));
  }
  for (const [origin, place] of Object.entries(PLACES)) {
    writeFileSync(
      join(dirs[place] as string, `${origin}zone`),
      `${(zones[origin] as string[]).join('\n')}\n`,
    );
  }
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = opts.port ?? 20_000 + Math.floor(Math.random() * 30_000);
    try {
      const root = await serveZones({ host: hosts.root, port }, [parsed['.'] as Zone]);
      stops.push(root);
      for (const place of ['tld', 'leaf', 'extra'] as const) {
        const p: Primary = await startPrimary({
          zonesDir: dirs[place] as string,
          listen: { host: hosts[place], port },
          keys: [],
          notify: [],
          rateLimit: 0,
          rateLimitLoopback: false,
          pollMs: 0,
          log: silentLogger,
        });
        stops.push(() => p.close());
      }
      stops.push(async () => {
        for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true });
      });
      const rootHints = `. 3600000 NS a.root-servers.test.\na.root-servers.test. 3600000 A ${hosts.root}\n`;
      return { port, hosts, rootHints, ttls, stop };
    } catch (err) {
      await stop();
      const code = (err as NodeJS.ErrnoException).code;
      if (opts.port !== undefined || (code !== 'EADDRINUSE' && code !== 'EACCES')) {
        for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true });
        throw err;
      }
    }
  }
  throw new Error('no port free on all the hierarchy addresses');
}

/** A bare authoritative server for zones in memory, on UDP and TCP; resolves to its stop function. */
export async function serveZones(
  at: { host: string; port: number },
  zones: Zone[],
): Promise<() => Promise<void>> {
  const catalog = new Catalog(zones);
  const answer = (bytes: Uint8Array, udp: boolean): Uint8Array | undefined => {
    try {
      const q = decodeMessage(bytes);
      if (q.flags.qr) return undefined;
      return encodeMessage(answerQuery(catalog, q), { maxSize: udp ? udpLimit(q) : 65535 });
    } catch {
      return undefined;
    }
  };
  const { udp, tcp } = await bindBoth(at);
  const sockets = new Set<net.Socket>();
  udp.on('message', (msg, rinfo) => {
    const out = answer(msg, true);
    if (out) udp.send(out, rinfo.port, rinfo.address);
  });
  tcp.on('connection', (sock) => {
    sockets.add(sock);
    const framer = new TcpFramer();
    sock.on('data', (chunk) => {
      for (const m of framer.push(chunk)) {
        const out = answer(m, false);
        if (out) sock.write(tcpFrame(out));
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => sockets.delete(sock));
  });
  return async () => {
    for (const s of sockets) s.destroy();
    await Promise.all([
      new Promise<void>((r) => udp.close(() => r())),
      new Promise<void>((r) => tcp.close(() => r())),
    ]);
  };
}

export interface Question {
  name: string;
  type: number;
}

/** The questions both resolvers are asked: every kind of outcome the hierarchy has. */
export function hierarchyQueries(): Question[] {
  const { A, AAAA, MX, TXT, CNAME, NS, SOA } = TYPE;
  const q = (name: string, ...types: number[]) => types.map((type) => ({ name, type }));
  return [
    ...q('www.example.test.', A, AAAA, MX, TXT),
    ...q('example.test.', MX, TXT, NS, SOA, A),
    ...q('mail.example.test.', A, AAAA),
    ...q('_dmarc.example.test.', TXT),
    ...q('big.example.test.', TXT),
    ...q('alias.example.test.', A, CNAME, TXT),
    ...q('chain.example.test.', A, AAAA),
    ...q('a.b.c.deep.example.test.', A),
    ...q('c.deep.example.test.', A),
    ...q('nope.example.test.', A, MX),
    ...q('x.y.nope.example.test.', TXT),
    ...q('www.other.test.', A, CNAME),
    ...q('mail2.other.test.', A),
    ...q('www.bank.test.', A),
    ...q('www.glueless.test.', A, AAAA),
    ...q('nope.glueless.test.', A),
    ...q('www.lame.test.', A),
    ...q('nope.test.', A),
    ...q('test.', SOA, NS),
    ...q('nosuchtld.', A),
  ];
}
