// The resolver service in-process over a real hierarchy on loopback (dns-hierarchy.ts):
// answers through UDP and TCP, the encoded-answer cache, the access list, and forged
// upstream replies that must never reach the cache or a client.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RCODE, TYPE } from '../../src/dns/constants.js';
import { RecursiveResolver } from '../../src/dns/recursive.js';
import { parseRootHints } from '../../src/dns/root-hints.js';
import { exchange, makeQuery } from '../../src/dns/stub.js';
import { makeRR, type RR } from '../../src/dns/types.js';
import { decodeMessage, encodeMessage } from '../../src/dns/wire.js';
import { parsePrefix } from '../../src/services/allow.js';
import { silentLogger } from '../../src/services/log.js';
import { ttlFields } from '../../src/services/resolver/handler.js';
import { type ResolverService, startResolver } from '../../src/services/resolver/index.js';
import { type Hierarchy, startHierarchy } from './dns-hierarchy.js';

let h: Hierarchy;
let service: ResolverService;
const cleanups: (() => Promise<void>)[] = [];

/** evil.test's server: forged datagrams first (wrong id, wrong port), then a real reply with extras about bank.test. */
async function startForger(host: string, port: number): Promise<() => Promise<void>> {
  const sock = dgram.createSocket('udp4');
  const other = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(port, host, () => r()));
  await new Promise<void>((r) => other.bind(0, host, () => r()));
  sock.on('message', (msg, rinfo) => {
    let q: ReturnType<typeof decodeMessage>;
    try {
      q = decodeMessage(msg);
    } catch {
      return;
    }
    const question = q.questions[0];
    if (!question) return;
    const reply = (id: number, answers: RR[], extra: Partial<{ authority: RR[]; additional: RR[] }> = {}) =>
      encodeMessage({
        id,
        flags: { ...q.flags, qr: true, aa: true },
        rcode: RCODE.NOERROR,
        questions: [question],
        answers,
        authority: extra.authority ?? [],
        additional: extra.additional ?? [],
      });
    const evil = [makeRR(question.name, TYPE.A, 86400, '6.6.6.6')];
    const bank = makeRR('www.bank.test.', TYPE.A, 86400, '6.6.6.6');
    sock.send(reply((q.id + 1) & 0xffff, evil), rinfo.port, rinfo.address);
    other.send(reply(q.id, evil), rinfo.port, rinfo.address);
    const real =
      question.name.toLowerCase() === 'www.evil.test.'
        ? [makeRR(question.name, TYPE.A, 300, '192.0.2.77')]
        : [];
    setTimeout(
      () =>
        sock.send(
          reply(q.id, [...real, bank], {
            authority: [makeRR('bank.test.', TYPE.NS, 86400, 'ns.evil.test.')],
            additional: [makeRR('ns.bank.test.', TYPE.A, 86400, '6.6.6.6')],
          }),
          rinfo.port,
          rinfo.address,
        ),
      20,
    );
  });
  return async () => {
    await new Promise<void>((r) => sock.close(() => r()));
    await new Promise<void>((r) => other.close(() => r()));
  };
}

beforeAll(async () => {
  h = await startHierarchy({ base: 31 });
  cleanups.push(() => h.stop());
  cleanups.push(await startForger(h.hosts.evil, h.port));
  service = await startResolver({
    listen: { host: '127.0.0.1', port: 0 },
    rootHints: parseRootHints(h.rootHints),
    upstreamPort: h.port,
    log: silentLogger,
  });
  cleanups.push(() => service.close());
});

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function ask(name: string, type: number, opts: { tcp?: boolean; rd?: boolean } = {}) {
  const q = makeQuery(name, type, 1232);
  if (opts.rd === false) q.flags.rd = false;
  return exchange(service.address, q, { timeoutMs: 5000, attempts: 2, tcp: opts.tcp });
}

const data = (rrs: RR[]) => rrs.map((rr) => `${rr.name} ${rr.type} ${JSON.stringify(rr.data)}`);

describe('resolver service over a loopback hierarchy', () => {
  it('answers A (two records), MX and TXT with RA set', async () => {
    const a = await ask('www.example.test.', TYPE.A);
    expect(a.rcode).toBe(RCODE.NOERROR);
    expect(a.flags.ra).toBe(true);
    expect(a.flags.aa).toBe(false);
    expect(a.answers.map((rr) => rr.data).sort()).toEqual(['192.0.2.1', '192.0.2.2']);
    const mx = await ask('example.test.', TYPE.MX);
    expect(mx.answers).toHaveLength(2);
    const txt = await ask('_dmarc.example.test.', TYPE.TXT);
    expect(txt.answers).toHaveLength(1);
  });

  it('follows a CNAME chain across zones', async () => {
    const r = await ask('chain.example.test.', TYPE.A);
    expect(data(r.answers)).toEqual([
      'chain.example.test. 5 "alias.example.test."',
      'alias.example.test. 5 "www.other.test."',
      'www.other.test. 5 "web.other.test."',
      'web.other.test. 1 "192.0.2.10"',
    ]);
  });

  it('gives NXDOMAIN and NODATA with the SOA', async () => {
    const nx = await ask('nope.example.test.', TYPE.A);
    expect(nx.rcode).toBe(RCODE.NXDOMAIN);
    expect(nx.authority[0]?.type).toBe(TYPE.SOA);
    const nodata = await ask('www.example.test.', TYPE.AAAA);
    expect(nodata.rcode).toBe(RCODE.NOERROR);
    expect(nodata.answers).toEqual([]);
    expect(nodata.authority[0]?.name).toBe('example.test.');
  });

  it('resolves a delegation without glue, and around a lame server', async () => {
    expect((await ask('www.glueless.test.', TYPE.A)).answers.map((rr) => rr.data)).toEqual(['192.0.2.20']);
    expect((await ask('www.lame.test.', TYPE.A)).answers.map((rr) => rr.data)).toEqual(['192.0.2.40']);
    // A fresh resolver knows no RTTs, so asks the lame server (listed first) first.
    const fresh = new RecursiveResolver({ rootHints: parseRootHints(h.rootHints), upstreamPort: h.port });
    const r = await fresh.lookup('www.lame.test.', TYPE.A);
    expect(r.kind === 'answer' && r.records.map((rr) => rr.data)).toEqual(['192.0.2.40']);
    expect(fresh.infra.isLame('lame.test.', h.hosts.leaf)).toBe(true);
    expect(fresh.stats().lame).toBe(1);
  });

  it('uses TCP upstream when an answer is truncated, and serves it over TCP', async () => {
    const udp = await ask('big.example.test.', TYPE.TXT);
    const tcp = await ask('big.example.test.', TYPE.TXT, { tcp: true });
    expect(tcp.answers).toHaveLength(10);
    expect(udp.answers).toHaveLength(10); // our exchange retried over TCP after TC
  });

  it('serves the second answer from the cache, its TTLs counted down', async () => {
    await ask('mail.example.test.', TYPE.A);
    const before = service.state();
    const again = await ask('MAIL.example.test.', TYPE.A);
    const after = service.state();
    expect(after.counters.cacheHits).toBe(before.counters.cacheHits + 1);
    expect(after.resolver.upstreamQueries).toBe(before.resolver.upstreamQueries);
    expect(again.questions[0]?.name).toBe('MAIL.example.test.');
    expect(again.answers[0]?.ttl).toBeLessThanOrEqual(3600);
  });

  it('answers a query without RD from the cache only', async () => {
    expect((await ask('www.example.test.', TYPE.A, { rd: false })).rcode).toBe(RCODE.NOERROR);
    expect((await ask('never.example.test.', TYPE.A, { rd: false })).rcode).toBe(RCODE.REFUSED);
  });

  it('never lets forged or out-of-bailiwick upstream records reach the cache or a client', async () => {
    const r = await ask('www.evil.test.', TYPE.A);
    expect(r.answers.map((rr) => rr.data)).toEqual(['192.0.2.77']);
    const bank = await ask('www.bank.test.', TYPE.A);
    expect(bank.answers.map((rr) => rr.data)).toEqual(['192.0.2.60']);
    const cached = service.resolver.cache.get('www.bank.test.', TYPE.A);
    expect(cached?.kind === 'answer' && cached.records.map((rr) => rr.data)).toEqual(['192.0.2.60']);
    expect(service.resolver.cache.get('bank.test.', TYPE.NS)?.kind).not.toBe('answer');
  });
});

describe('resolver service access list', () => {
  it('refuses clients outside --allow', async () => {
    const closed = await startResolver({
      listen: { host: '127.0.0.1', port: 0 },
      rootHints: parseRootHints(h.rootHints),
      upstreamPort: h.port,
      allow: [parsePrefix('10.0.0.0/8'), parsePrefix('::1')],
      log: silentLogger,
    });
    try {
      const r = await exchange(closed.address, makeQuery('www.example.test.', TYPE.A, 1232), {
        timeoutMs: 5000,
      });
      expect(r.rcode).toBe(RCODE.REFUSED);
      expect(r.answers).toEqual([]);
      expect(closed.state().resolver.upstreamQueries).toBe(0);
    } finally {
      await closed.close();
    }
  });
});

describe('ttlFields', () => {
  it('finds every TTL but OPT', () => {
    const msg = encodeMessage({
      ...makeQuery('a.example.', TYPE.A, 1232),
      answers: [
        makeRR('a.example.', TYPE.CNAME, 70, 'b.example.'),
        makeRR('b.example.', TYPE.A, 80, '192.0.2.1'),
      ],
    });
    expect(ttlFields(msg).map((t) => t.ttl)).toEqual([70, 80]);
  });
});
