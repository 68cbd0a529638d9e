// The recursive resolver against an in-memory network: each server address maps to the
// zones it serves, answered by answerQuery (an authoritative server, as the primary is), or
// to a handler that misbehaves on purpose (lame, silent, forged, out of bailiwick).
import { describe, expect, it } from 'vitest';
import { answerQuery, responseTo } from '../../src/dns/authority.js';
import { Catalog } from '../../src/dns/catalog.js';
import { RCODE, TYPE } from '../../src/dns/constants.js';
import { InfraCache } from '../../src/dns/infra-cache.js';
import { isSubdomain, parentName } from '../../src/dns/name.js';
import {
  childToward,
  type RecursiveOptions,
  RecursiveResolver,
  type RecursiveResult,
  substitute,
  type Transport,
} from '../../src/dns/recursive.js';
import { IANA_ROOT_HINTS, parseRootHints } from '../../src/dns/root-hints.js';
import { DnsExchangeError } from '../../src/dns/stub.js';
import { type Message, makeRR, txtString } from '../../src/dns/types.js';
import { decodeMessage, encodeMessage } from '../../src/dns/wire.js';
import { Zone } from '../../src/dns/zone.js';
import { parseZone } from '../../src/dns/zonefile.js';

function zone(origin: string, lines: string[]): Zone {
  const soa = `@ 3600 SOA ns.${origin === '.' ? 'root.' : origin} hostmaster.${origin === '.' ? '' : origin} 1 3600 600 86400 300`;
  return new Zone(origin, parseZone([soa, ...lines].join('\n'), { origin, defaultTtl: 3600 }).records);
}

const ROOT = zone('.', [
  '@ NS a.root-servers.test.',
  'a.root-servers.test. A 10.0.0.1',
  'test. NS ns1.nic.test.',
  'test. NS ns2.nic.test.',
  'ns1.nic.test. A 10.0.1.1',
  'ns2.nic.test. A 10.0.1.2',
]);

const TLD = zone('test.', [
  '@ NS ns1.nic',
  '@ NS ns2.nic',
  'ns1.nic A 10.0.1.1',
  'ns2.nic A 10.0.1.2',
  'a.root-servers A 10.0.0.1',
  'example NS ns1.example',
  'ns1.example A 10.0.2.1',
  'other NS ns.other',
  'ns.other A 10.0.3.1',
  'glueless NS ns.hosting.other.test.',
  'lame NS ns-refused.lame',
  'lame NS ns-upward.lame',
  'lame NS ns-good.lame',
  'ns-refused.lame A 10.0.4.1',
  'ns-upward.lame A 10.0.4.2',
  'ns-good.lame A 10.0.4.3',
  'loop-a NS ns.loop-b.test.',
  'loop-b NS ns.loop-a.test.',
  'slow NS ns1.slow',
  'slow NS ns2.slow',
  'ns1.slow A 10.0.5.1',
  'ns2.slow A 10.0.5.2',
  'bank NS ns.bank',
  'ns.bank A 10.0.6.1',
  'dname NS ns.dname',
  'ns.dname A 10.0.8.1',
  'ent NS ns.ent',
  'ns.ent A 10.0.9.1',
  'evil NS ns.evil',
  'ns.evil A 10.0.10.1',
  'forged NS ns1.forged',
  'forged NS ns2.forged',
  'ns1.forged A 10.0.12.1',
  'ns2.forged A 10.0.12.2',
]);

const EXAMPLE = zone('example.test.', [
  '@ NS ns1',
  'ns1 A 10.0.2.1',
  'www A 192.0.2.1',
  '@ MX 10 mail',
  'mail A 192.0.2.2',
  '@ TXT "v=spf1 mx -all"',
  'alias CNAME www.other.test.',
  'chain CNAME alias',
  'short 30 A 192.0.2.3',
  'a.b.c.deep A 192.0.2.4',
]);

const OTHER = zone('other.test.', [
  '@ NS ns',
  'ns A 10.0.3.1',
  'www CNAME web',
  'web A 192.0.2.10',
  'ns.hosting A 10.0.7.1',
]);

const simple = (origin: string, lines: string[]) => new Catalog([zone(origin, lines)]);

type Handler = (q: Message) => Message | undefined;

interface Seen {
  server: string;
  name: string;
  type: number;
  rd: boolean;
}

/** The network: addresses to catalogs or handlers; every query it carries, in order. */
function network(extra: Record<string, Catalog | Handler> = {}) {
  const servers: Record<string, Catalog | Handler> = {
    '10.0.0.1': new Catalog([ROOT]),
    '10.0.1.1': new Catalog([TLD]),
    '10.0.1.2': new Catalog([TLD]),
    '10.0.2.1': new Catalog([EXAMPLE]),
    '10.0.3.1': new Catalog([OTHER]),
    '10.0.7.1': simple('glueless.test.', ['@ NS ns.hosting.other.test.', 'www A 192.0.2.20']),
    '10.0.4.1': (q) => responseTo(q, RCODE.REFUSED),
    '10.0.4.2': (q) => ({
      ...responseTo(q),
      authority: [makeRR('.', TYPE.NS, 3600, 'a.root-servers.test.')],
      additional: [makeRR('a.root-servers.test.', TYPE.A, 3600, '10.0.0.1')],
    }),
    '10.0.4.3': simple('lame.test.', ['@ NS ns-good', 'ns-good A 10.0.4.3', 'www A 192.0.2.40']),
    '10.0.5.2': simple('slow.test.', ['@ NS ns2', 'ns2 A 10.0.5.2', 'www A 192.0.2.50']),
    '10.0.6.1': simple('bank.test.', ['@ NS ns', 'ns A 10.0.6.1', 'www A 192.0.2.60']),
    '10.0.8.1': dnameServer(simple('dname.test.', ['@ NS ns', 'ns A 10.0.8.1', 'old DNAME example.test.'])),
    '10.0.9.1': brokenEnt(simple('ent.test.', ['@ NS ns', 'ns A 10.0.9.1', 'a.b.c A 192.0.2.70'])),
    '10.0.10.1': evilServer,
    '10.0.12.2': simple('forged.test.', [
      '@ NS ns1',
      '@ NS ns2',
      'ns1 A 10.0.12.1',
      'ns2 A 10.0.12.2',
      'www A 192.0.2.80',
    ]),
    ...extra,
  };
  const seen: Seen[] = [];
  const transport: Transport = async (server, query) => {
    const q = query.questions[0];
    if (!q) throw new Error('no question');
    seen.push({ server: server.host, name: q.name, type: q.type, rd: query.flags.rd });
    const s = servers[server.host];
    if (!s) throw new DnsExchangeError(`no reply from ${server.host}`, 'timeout');
    const reply = s instanceof Catalog ? answerQuery(s, query) : s(query);
    if (!reply) throw new DnsExchangeError(`no reply from ${server.host}`, 'timeout');
    return decodeMessage(encodeMessage(reply)); // what the wire would carry
  };
  return { seen, transport, servers };
}

const HINTS = parseRootHints('. 3600000 NS a.root-servers.test.\na.root-servers.test. 3600000 A 10.0.0.1\n');

function resolver(net: { transport: Transport }, opts: RecursiveOptions = {}): RecursiveResolver {
  return new RecursiveResolver({ rootHints: HINTS, transport: net.transport, ...opts });
}

/** A server that synthesizes from DNAMEs (RFC 6672), as nsd does; the primary does not. */
function dnameServer(catalog: Catalog): Handler {
  return (q) => {
    const question = q.questions[0];
    const z = question ? catalog.find(question.name) : undefined;
    if (question && z) {
      for (let n = parentName(question.name); isSubdomain(n, z.origin); n = parentName(n)) {
        const dname = z.rrset(n, TYPE.DNAME)[0];
        if (dname) {
          const res = responseTo(q);
          res.flags.aa = true;
          const target = substitute(question.name, n, dname.data as string) as string;
          res.answers = [dname, makeRR(question.name, TYPE.CNAME, dname.ttl, target)];
          return res;
        }
        if (n === z.origin) break;
      }
    }
    return answerQuery(catalog, q);
  };
}

/** A server that answers NXDOMAIN for its empty non-terminals (RFC 9156 §2.3's broken case). */
function brokenEnt(catalog: Catalog): Handler {
  return (q) => {
    const res = answerQuery(catalog, q);
    const name = q.questions[0]?.name ?? '';
    if (/^(c|b\.c)\.ent\.test\.$/i.test(name)) res.rcode = RCODE.NXDOMAIN;
    return res;
  };
}

/** evil.test's server: answers with records about bank.test, and refers with foreign glue. */
function evilServer(q: Message): Message {
  const question = q.questions[0];
  const res = responseTo(q);
  const name = question?.name.toLowerCase() ?? '';
  if (name === 'www.evil.test.') {
    res.flags.aa = true;
    res.answers = [
      makeRR('www.evil.test.', TYPE.CNAME, 3600, 'www.bank.test.'),
      makeRR('www.bank.test.', TYPE.A, 3600, '6.6.6.6'),
    ];
    res.authority = [makeRR('bank.test.', TYPE.NS, 3600, 'ns.evil.test.')];
    res.additional = [makeRR('ns.bank.test.', TYPE.A, 3600, '6.6.6.6')];
  } else if (name.endsWith('sub.evil.test.')) {
    res.authority = [makeRR('sub.evil.test.', TYPE.NS, 3600, 'ns.bank.test.')];
    res.additional = [makeRR('ns.bank.test.', TYPE.A, 3600, '6.6.6.6')];
  } else if (name === 'evil.test.' || name === 'ns.evil.test.') {
    res.flags.aa = true;
  } else {
    res.rcode = RCODE.REFUSED;
  }
  return res;
}

function addresses(r: RecursiveResult): string[] {
  return r.kind === 'answer' ? r.records.map((rr) => rr.data as string) : [];
}

describe('RecursiveResolver: answers', () => {
  it('resolves A, MX and TXT from the root down', async () => {
    const net = network();
    const res = resolver(net);
    expect(addresses(await res.lookup('www.example.test', TYPE.A))).toEqual(['192.0.2.1']);
    const mx = await res.lookup('example.test.', TYPE.MX);
    expect(mx.kind === 'answer' && mx.records[0]?.data).toEqual({
      preference: 10,
      exchange: 'mail.example.test.',
    });
    const txt = await res.lookup('example.test.', TYPE.TXT);
    expect(txt.kind === 'answer' && txtString(txt.records[0]?.data as Uint8Array[])).toBe('v=spf1 mx -all');
    // Through the Resolver interface too.
    const r = await res.resolve('www.example.test.', TYPE.A);
    expect(r.kind).toBe('answer');
  });

  it('follows a CNAME chain across zones', async () => {
    const res = resolver(network());
    const r = await res.lookup('chain.example.test.', TYPE.A);
    expect(r.kind).toBe('answer');
    if (r.kind !== 'answer') return;
    expect(r.chain.map((rr) => `${rr.name} ${rr.data}`)).toEqual([
      'chain.example.test. alias.example.test.',
      'alias.example.test. www.other.test.',
      'www.other.test. web.other.test.',
    ]);
    expect(addresses(r)).toEqual(['192.0.2.10']);
  });

  it('follows a DNAME, with the CNAME synthesized', async () => {
    const res = resolver(network());
    const r = await res.lookup('www.old.dname.test.', TYPE.A);
    expect(r.kind === 'answer' && r.chain.map((rr) => rr.type)).toEqual([TYPE.DNAME, TYPE.CNAME]);
    expect(addresses(r)).toEqual(['192.0.2.1']);
  });

  it('gives NXDOMAIN and NODATA with the SOA and its negative TTL', async () => {
    const res = resolver(network());
    const nx = await res.lookup('nope.example.test.', TYPE.A);
    expect(nx.kind).toBe('nxdomain');
    expect(nx.kind === 'nxdomain' && nx.soa?.name).toBe('example.test.');
    expect(nx.kind === 'nxdomain' && nx.ttl).toBe(300);
    const nodata = await res.lookup('www.example.test.', TYPE.AAAA);
    expect(nodata.kind).toBe('nodata');
    expect((await res.resolve('nope.example.test.', TYPE.A)).kind).toBe('nxdomain');
  });

  it('resolves a glueless delegation by looking up its name server first', async () => {
    const net = network();
    const r = await resolver(net).lookup('www.glueless.test.', TYPE.A);
    expect(addresses(r)).toEqual(['192.0.2.20']);
    expect(net.seen.some((s) => s.server === '10.0.3.1' && s.name === 'ns.hosting.other.test.')).toBe(true);
  });

  it('follows a forward zone with RD set', async () => {
    const net = network({
      '10.9.9.9': simple('fwd.test.', ['@ NS ns', 'ns A 10.9.9.9', 'www A 192.0.2.99']),
    });
    const res = resolver(net, { forward: [{ zone: 'fwd.test', server: { host: '10.9.9.9', port: 5300 } }] });
    expect(addresses(await res.lookup('www.fwd.test.', TYPE.A))).toEqual(['192.0.2.99']);
    expect(net.seen).toEqual([{ server: '10.9.9.9', name: 'www.fwd.test.', type: TYPE.A, rd: true }]);
  });
});

describe('RecursiveResolver: servers', () => {
  it('skips lame servers (REFUSED, upward referral) and remembers them', async () => {
    const net = network();
    const res = resolver(net);
    expect(addresses(await res.lookup('www.lame.test.', TYPE.A))).toEqual(['192.0.2.40']);
    expect(res.infra.isLame('lame.test.', '10.0.4.1')).toBe(true);
    expect(res.infra.isLame('lame.test.', '10.0.4.2')).toBe(true);
    expect(res.infra.isLame('lame.test.', '10.0.4.3')).toBe(false);
    const before = net.seen.length;
    await res.lookup('nope.lame.test.', TYPE.A);
    expect(net.seen.slice(before).map((s) => s.server)).toEqual(['10.0.4.3']);
  });

  it('moves to the next server on a timeout, and prefers the one that answered', async () => {
    const net = network();
    const res = resolver(net);
    expect(addresses(await res.lookup('www.slow.test.', TYPE.A))).toEqual(['192.0.2.50']);
    expect(res.stats().timeouts).toBe(1);
    expect(res.infra.rtt('10.0.5.1')).toBeGreaterThan(res.infra.rtt('10.0.5.2'));
    const before = net.seen.length;
    await res.lookup('other.slow.test.', TYPE.A);
    expect(net.seen.slice(before).map((s) => s.server)).toEqual(['10.0.5.2']);
  });

  it('ignores replies with a wrong id or question, and asks another server', async () => {
    let forged = 0;
    const net = network({
      '10.0.12.1': (q) => {
        forged++;
        const real = answerQuery(simple('forged.test.', ['@ NS ns1', 'www A 6.6.6.6']), q);
        return forged === 1
          ? { ...real, id: (q.id + 1) & 0xffff }
          : { ...real, questions: [{ name: 'www.bank.test.', type: TYPE.A, class: 1 }] };
      },
    });
    const res = resolver(net);
    expect(addresses(await res.lookup('www.forged.test.', TYPE.A))).toEqual(['192.0.2.80']);
    expect(addresses(await res.lookup('mail.forged.test.', TYPE.A))).toEqual([]);
    expect(forged).toBeGreaterThanOrEqual(1);
    expect(res.stats().failures).toBeGreaterThanOrEqual(1);
  });

  it('ends a delegation loop with an error, within its work limits', async () => {
    const net = network();
    const r = await resolver(net).lookup('www.loop-a.test.', TYPE.A);
    expect(r.kind).toBe('error');
    expect(net.seen.length).toBeLessThanOrEqual(64);
  });

  it('stops at the query budget', async () => {
    const net = network();
    const r = await resolver(net, { limits: { maxQueries: 2 } }).lookup('www.example.test.', TYPE.A);
    expect(r.kind === 'error' && r.reason).toMatch(/more than 2 upstream queries/);
    expect(net.seen.length).toBe(2);
  });

  it('fails when every server is silent', async () => {
    const net = network();
    delete net.servers['10.0.2.1'];
    const r = await resolver(net).lookup('www.example.test.', TYPE.A);
    expect(r.kind).toBe('error');
  });
});

describe('RecursiveResolver: QNAME minimisation (RFC 9156)', () => {
  it('shows each server only one label more than its zone', async () => {
    const net = network();
    await resolver(net).lookup('www.example.test.', TYPE.MX);
    expect(net.seen.map((s) => `${s.server} ${s.name} ${s.type}`)).toEqual([
      `10.0.0.1 test. ${TYPE.A}`,
      `10.0.1.1 example.test. ${TYPE.A}`,
      `10.0.2.1 www.example.test. ${TYPE.MX}`,
    ]);
  });

  it('walks down empty non-terminals one label at a time', async () => {
    const net = network();
    const r = await resolver(net).lookup('a.b.c.deep.example.test.', TYPE.A);
    expect(addresses(r)).toEqual(['192.0.2.4']);
    expect(net.seen.filter((s) => s.server === '10.0.2.1').map((s) => s.name)).toEqual([
      'deep.example.test.',
      'c.deep.example.test.',
      'b.c.deep.example.test.',
      'a.b.c.deep.example.test.',
    ]);
  });

  it('falls back to the full name after NXDOMAIN for an empty non-terminal (§2.3)', async () => {
    const net = network();
    const r = await resolver(net).lookup('a.b.c.ent.test.', TYPE.A);
    expect(addresses(r)).toEqual(['192.0.2.70']);
    expect(net.seen.filter((s) => s.server === '10.0.9.1').map((s) => s.name)).toEqual([
      'c.ent.test.',
      'a.b.c.ent.test.',
    ]);
  });

  it('can be turned off', async () => {
    const net = network();
    await resolver(net, { qnameMinimisation: false }).lookup('www.example.test.', TYPE.A);
    expect(net.seen.every((s) => s.name === 'www.example.test.')).toBe(true);
  });

  it('childToward and substitute', () => {
    expect(childToward('a.b.c.', '.')).toBe('c.');
    expect(childToward('a.b.c.', 'b.c.')).toBe('a.b.c.');
    expect(childToward('a.b.c.', 'a.b.c.')).toBe('a.b.c.');
    expect(substitute('x.old.dname.test.', 'old.dname.test.', 'example.test.')).toBe('x.example.test.');
    expect(substitute('x.y.', 'y.', '.')).toBe('x.');
  });
});

describe('RecursiveResolver: cache', () => {
  it('answers again from the cache, negative answers too', async () => {
    const net = network();
    const res = resolver(net);
    await res.lookup('www.example.test.', TYPE.A);
    await res.lookup('nope.example.test.', TYPE.A);
    await res.lookup('www.example.test.', TYPE.AAAA);
    await res.lookup('chain.example.test.', TYPE.A);
    const before = net.seen.length;
    expect(addresses(await res.lookup('WWW.example.test.', TYPE.A))).toEqual(['192.0.2.1']);
    expect((await res.lookup('nope.example.test.', TYPE.A)).kind).toBe('nxdomain');
    // NXDOMAIN covers every type at the name (RFC 2308 §5).
    expect((await res.lookup('nope.example.test.', TYPE.MX)).kind).toBe('nxdomain');
    expect((await res.lookup('www.example.test.', TYPE.AAAA)).kind).toBe('nodata');
    const chain = await res.lookup('chain.example.test.', TYPE.A);
    expect(chain.kind === 'answer' && chain.chain.length).toBe(3);
    expect(net.seen.length).toBe(before);
    expect(res.stats().cacheHits).toBe(5);
    // Known delegations are used: a new name in example.test goes straight to its server.
    await res.lookup('mail.example.test.', TYPE.A);
    expect(net.seen.slice(before).map((s) => s.server)).toEqual(['10.0.2.1']);
  });

  it('counts TTLs down and forgets at expiry', async () => {
    let now = 1_000_000;
    const net = network();
    const res = resolver(net, { now: () => now });
    await res.lookup('short.example.test.', TYPE.A);
    now += 20_000;
    const r = await res.lookup('short.example.test.', TYPE.A);
    expect(r.kind === 'answer' && r.records[0]?.ttl).toBe(10);
    const before = net.seen.length;
    now += 11_000;
    await res.lookup('short.example.test.', TYPE.A);
    expect(net.seen.length).toBe(before + 1);
  });

  it('clamps TTLs between the minimum and the maximum', async () => {
    const res = resolver(network(), { minTtl: 100, maxTtl: 200 });
    const short = await res.lookup('short.example.test.', TYPE.A);
    const long = await res.lookup('www.example.test.', TYPE.A);
    expect(short.kind === 'answer' && short.records[0]?.ttl).toBe(100);
    expect(long.kind === 'answer' && long.records[0]?.ttl).toBe(200);
  });

  it('shares one resolution between concurrent askers', async () => {
    const net = network();
    const res = resolver(net);
    await Promise.all([1, 2, 3].map(() => res.lookup('www.example.test.', TYPE.A)));
    expect(net.seen.length).toBe(3);
  });
});

describe('RecursiveResolver: bailiwick', () => {
  it('never caches nor returns records a server gives outside its zone', async () => {
    const net = network();
    const res = resolver(net);
    const r = await res.lookup('www.evil.test.', TYPE.A);
    expect(r.kind === 'answer' && r.chain.length).toBe(1);
    expect(addresses(r)).toEqual(['192.0.2.60']); // from bank.test's own server
    const cached = res.cache.get('www.bank.test.', TYPE.A);
    expect(cached?.kind === 'answer' && cached.records.map((rr) => rr.data)).toEqual(['192.0.2.60']);
    expect(net.seen.some((s) => s.server === '10.0.6.1')).toBe(true);
  });

  it('ignores glue outside the referring zone', async () => {
    const net = network();
    const res = resolver(net);
    const r = await res.lookup('www.sub.evil.test.', TYPE.A);
    // ns.bank.test is looked up at bank.test (which is not authoritative for sub.evil.test).
    expect(r.kind).toBe('error');
    expect(net.seen.some((s) => s.server === '6.6.6.6')).toBe(false);
    expect(addresses(await res.lookup('ns.bank.test.', TYPE.A))).toEqual(['10.0.6.1']);
  });
});

describe('root hints and the infrastructure cache', () => {
  it('parses the embedded IANA hints', () => {
    const hints = parseRootHints(IANA_ROOT_HINTS);
    expect(hints.ns).toHaveLength(13);
    expect(hints.addresses.get('a.root-servers.net.')).toEqual(['198.41.0.4', '2001:503:ba3e::2:30']);
  });

  it('rejects hints without servers', () => {
    expect(() => parseRootHints('; nothing\n')).toThrow(/no NS records/);
  });

  it('smooths RTTs, backs off on timeouts and orders by speed', () => {
    let now = 0;
    const infra = new InfraCache({ now: () => now });
    infra.reply('a', 100);
    infra.reply('b', 10);
    expect(infra.order('z.', ['a', 'b', 'c'])).toEqual(['b', 'a', 'c']);
    infra.timedOut('b');
    infra.timedOut('b');
    infra.timedOut('b');
    expect(infra.rtt('b')).toBe(80);
    infra.markLame('z.', 'a');
    expect(infra.order('z.', ['a', 'b'])).toEqual(['b']);
    expect(infra.order('y.', ['a', 'b'])).toEqual(['b', 'a']);
    now += 16 * 60_000;
    expect(infra.isLame('z.', 'a')).toBe(false);
    expect(infra.timeout('b', 400, 3000)).toBe(1128); // forgotten: the initial guess
  });
});
