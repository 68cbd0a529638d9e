import dgram from 'node:dgram';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DnsCache } from '../../src/dns/cache.js';
import { RCODE, TYPE } from '../../src/dns/constants.js';
import type { Resolution } from '../../src/dns/resolver.js';
import {
  DnsExchangeError,
  exchange,
  formatServer,
  makeQuery,
  parseServer,
  StubResolver,
  type StubResolverOptions,
  TcpFramer,
  tcpFrame,
  toResolution,
} from '../../src/dns/stub.js';
import { makeRR, type RR } from '../../src/dns/types.js';
import { encodeMessage } from '../../src/dns/wire.js';
import { type FakeServer, type Handler, reply, startFakeServer } from './fake-server.js';

const SOA = makeRR('example.org.', TYPE.SOA, 3600, {
  mname: 'ns1.example.org.',
  rname: 'hostmaster.example.org.',
  serial: 1,
  refresh: 7200,
  retry: 900,
  expire: 1209600,
  minimum: 300,
});
const a = (name: string, addr: string, ttl = 300): RR => makeRR(name, TYPE.A, ttl, addr);
const cname = (name: string, target: string, ttl = 300): RR => makeRR(name, TYPE.CNAME, ttl, target);

let servers: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(handler: Handler): Promise<FakeServer> {
  const s = await startFakeServer(handler);
  servers.push(s);
  return s;
}

function stub(s: FakeServer, opts: Partial<StubResolverOptions> = {}): StubResolver {
  // A generous timeout: counting queries must not be upset by a retransmission on a slow machine.
  return new StubResolver({ server: { host: s.host, port: s.port }, timeoutMs: 5000, cache: false, ...opts });
}

/** A zone of a recursive server's answers, by "name type". */
function answering(data: Record<string, { rcode?: number; answers?: RR[]; authority?: RR[] }>): Handler {
  return (q) => {
    const question = q.questions[0];
    const key = `${question?.name.toLowerCase()} ${question?.type}`;
    return reply(q, data[key] ?? { rcode: RCODE.NXDOMAIN, authority: [SOA] });
  };
}

describe('StubResolver: mapping replies to Resolutions', () => {
  it('returns the records of the type with the smallest TTL', async () => {
    const s = await serve(
      answering({
        [`www.example.org. ${TYPE.A}`]: {
          answers: [a('www.example.org.', '192.0.2.1', 300), a('www.example.org.', '192.0.2.2', 60)],
        },
      }),
    );
    const res = await stub(s).resolve('WWW.example.org', TYPE.A);
    expect(res.kind).toBe('answer');
    if (res.kind !== 'answer') return;
    expect(res.records.map((r) => r.data)).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(res.chain).toEqual([]);
    expect(res.ttl).toBe(60);
    const q = s.queries[0]?.message;
    expect(q?.flags.rd).toBe(true);
    expect(q?.edns?.udpSize).toBe(1232);
    expect(q?.questions).toEqual([{ name: 'WWW.example.org.', type: TYPE.A, class: 1 }]);
  });

  it('maps NOERROR without records to nodata, with the negative TTL of the SOA', async () => {
    const s = await serve(answering({ [`example.org. ${TYPE.AAAA}`]: { authority: [SOA] } }));
    expect(await stub(s).resolve('example.org.', TYPE.AAAA)).toEqual({ kind: 'nodata', ttl: 300 });
  });

  it('maps NXDOMAIN to nxdomain: min(SOA TTL, MINIMUM), or 0 without a SOA', async () => {
    const lowTtl = { ...SOA, ttl: 60 } as RR;
    const s = await serve(
      answering({
        [`gone.example.org. ${TYPE.A}`]: { rcode: RCODE.NXDOMAIN, authority: [lowTtl] },
        [`bare.example.org. ${TYPE.A}`]: { rcode: RCODE.NXDOMAIN },
      }),
    );
    const r = stub(s);
    expect(await r.resolve('gone.example.org.', TYPE.A)).toEqual({ kind: 'nxdomain', ttl: 60 });
    expect(await r.resolve('bare.example.org.', TYPE.A)).toEqual({ kind: 'nxdomain', ttl: 0 });
    expect(await r.resolve('other.example.org.', TYPE.A)).toEqual({ kind: 'nxdomain', ttl: 300 });
  });

  it('follows a CNAME chain inside the answer', async () => {
    const answers = [
      cname('www.example.org.', 'alias.example.net.', 120),
      cname('alias.example.net.', 'host.example.com.', 600),
      a('host.example.com.', '192.0.2.7', 300),
    ];
    const s = await serve(answering({ [`www.example.org. ${TYPE.A}`]: { answers } }));
    const res = await stub(s).resolve('www.example.org.', TYPE.A);
    expect(res).toEqual({ kind: 'answer', records: [answers[2]], chain: answers.slice(0, 2), ttl: 120 });
  });

  it('answers a CNAME query with the CNAME itself', async () => {
    const answers = [cname('www.example.org.', 'host.example.com.')];
    const s = await serve(answering({ [`www.example.org. ${TYPE.CNAME}`]: { answers } }));
    const res = await stub(s).resolve('www.example.org.', TYPE.CNAME);
    expect(res).toMatchObject({ kind: 'answer', records: answers, chain: [] });
  });

  it('treats a chain that ends without the type as nodata', async () => {
    const answers = [cname('www.example.org.', 'host.example.com.')];
    const s = await serve(answering({ [`www.example.org. ${TYPE.MX}`]: { answers, authority: [SOA] } }));
    expect(await stub(s).resolve('www.example.org.', TYPE.MX)).toEqual({ kind: 'nodata', ttl: 300 });
  });

  it('reports a CNAME loop and a chain longer than 8 as errors', async () => {
    const loop = [cname('a.example.org.', 'b.example.org.'), cname('b.example.org.', 'a.example.org.')];
    const long = Array.from({ length: 10 }, (_, i) => cname(`c${i}.example.org.`, `c${i + 1}.example.org.`));
    long.push(a('c10.example.org.', '192.0.2.1'));
    const s = await serve(
      answering({
        [`a.example.org. ${TYPE.A}`]: { answers: loop },
        [`c0.example.org. ${TYPE.A}`]: { answers: long },
      }),
    );
    const r = stub(s);
    expect(await r.resolve('a.example.org.', TYPE.A)).toEqual({
      kind: 'error',
      reason: 'CNAME loop at a.example.org.',
    });
    const res = await r.resolve('c0.example.org.', TYPE.A);
    expect(res.kind === 'error' && res.reason).toMatch(/longer than 8/);
  });

  it('maps SERVFAIL, REFUSED and NOTIMP to errors naming the server', async () => {
    const codes = [RCODE.SERVFAIL, RCODE.REFUSED, RCODE.NOTIMP];
    const s = await serve((q, { n }) => reply(q, { rcode: codes[n] as number }));
    const r = stub(s);
    for (const name of ['SERVFAIL', 'REFUSED', 'NOTIMP']) {
      const res = await r.resolve('example.org.', TYPE.A);
      expect(res).toEqual({ kind: 'error', reason: `${s.address} answered ${name}` });
    }
  });

  it('returns an error for a name that cannot be a domain name', async () => {
    const s = await serve(() => undefined);
    const res = await stub(s).resolve(`${'x'.repeat(64)}.example.`, TYPE.A);
    expect(res.kind).toBe('error');
    expect(s.queries).toHaveLength(0);
  });

  it('toResolution is pure and takes ANY as any type', () => {
    const q = makeQuery('example.org.', TYPE.ANY, 1232, 1);
    const mx = makeRR('example.org.', TYPE.MX, 50, { preference: 10, exchange: 'mx.example.org.' });
    const res = toResolution(reply(q, { answers: [SOA, mx] }), 'example.org.', TYPE.ANY);
    expect(res).toEqual({ kind: 'answer', records: [SOA, mx], chain: [], ttl: 50 });
  });
});

describe('StubResolver: transport', () => {
  it('retries over TCP when the UDP reply is truncated, reading a reply split across chunks', async () => {
    const answers = [a('big.example.org.', '192.0.2.1')];
    const s = await serve((q, { transport }) => reply(q, transport === 'udp' ? { tc: true } : { answers }));
    s.splitTcp = true;
    const res = await stub(s).resolve('big.example.org.', TYPE.A);
    expect(res).toMatchObject({ kind: 'answer', records: answers });
    expect(s.queries.map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('goes to TCP when a truncated datagram was cut in the middle of a record', async () => {
    const answers = [a('cut.example.org.', '192.0.2.1'), a('cut.example.org.', '192.0.2.2')];
    const s = await serve((q, { transport }) => {
      if (transport === 'tcp') return reply(q, { answers });
      const whole = encodeMessage(reply(q, { answers, tc: true, edns: false }));
      return whole.subarray(0, whole.length - 3);
    });
    const res = await stub(s).resolve('cut.example.org.', TYPE.A);
    expect(res).toMatchObject({ kind: 'answer', records: answers });
    expect(s.queries.map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('uses TCP only when told', async () => {
    const answers = [a('x.example.org.', '192.0.2.1')];
    const s = await serve((q) => reply(q, { answers }));
    const res = await stub(s, { tcp: true }).resolve('x.example.org.', TYPE.A);
    expect(res).toMatchObject({ kind: 'answer', records: answers });
    expect(s.queries.map((q) => q.transport)).toEqual(['tcp']);
  });

  it('retransmits after a timeout, with the same id', async () => {
    const answers = [a('slow.example.org.', '192.0.2.1')];
    const s = await serve((q, { n }) => (n === 0 ? undefined : reply(q, { answers })));
    const res = await stub(s, { timeoutMs: 200, attempts: 5 }).resolve('slow.example.org.', TYPE.A);
    expect(res).toMatchObject({ kind: 'answer', records: answers });
    expect(s.queries.length).toBeGreaterThanOrEqual(2);
    expect(new Set(s.queries.map((q) => q.message.id)).size).toBe(1);
  });

  it('gives up after `attempts` transmissions', async () => {
    const s = await serve(() => undefined);
    const res = await stub(s, { timeoutMs: 50, attempts: 2 }).resolve('example.org.', TYPE.A);
    expect(res).toEqual({ kind: 'error', reason: `no reply from ${s.address} (2 attempts of 50 ms)` });
  });

  it('ignores replies whose id, question or source do not match', async () => {
    const answers = [a('www.example.org.', '192.0.2.1')];
    const forger = dgram.createSocket('udp4');
    try {
      const s = await serve((q, { client }) => {
        const forged = reply(q, { answers: [a('www.example.org.', '203.0.113.66')] });
        // From another port: the connected socket never sees it; if it did, the source check would drop it.
        forger.send(encodeMessage(forged), client.port, client.address);
        const question = q.questions[0] as (typeof q.questions)[0];
        return [
          reply(q, { id: (q.id + 1) & 0xffff, answers: forged.answers }),
          reply(q, { answers: forged.answers, questions: [{ ...question, name: 'evil.example.org.' }] }),
          reply(q, { answers: forged.answers, questions: [{ ...question, type: TYPE.AAAA }] }),
          reply(q, { answers: forged.answers, questions: [] }),
          { ...reply(q, { answers: forged.answers }), flags: { ...reply(q).flags, qr: false } },
          new Uint8Array([1, 2, 3]),
          reply(q, { answers }),
        ];
      });
      const res = await stub(s).resolve('WWW.EXAMPLE.ORG.', TYPE.A);
      // Compression makes the owner name take the question's case.
      expect(res.kind === 'answer' && res.records.map((r) => r.data)).toEqual(['192.0.2.1']);
    } finally {
      forger.close();
    }
  });

  it('believes an error reply without a question', async () => {
    const s = await serve((q) => reply(q, { rcode: RCODE.SERVFAIL, questions: [] }));
    const res = await stub(s).resolve('example.org.', TYPE.A);
    expect(res).toEqual({ kind: 'error', reason: `${s.address} answered SERVFAIL` });
  });

  it('asks again without EDNS when the server answers FORMERR without OPT', async () => {
    const answers = [a('old.example.org.', '192.0.2.1')];
    const s = await serve((q) =>
      q.edns ? reply(q, { rcode: RCODE.FORMERR, edns: false }) : reply(q, { answers }),
    );
    const res = await stub(s).resolve('old.example.org.', TYPE.A);
    expect(res).toMatchObject({ kind: 'answer', records: answers });
    expect(s.queries.map((q) => q.message.edns !== undefined)).toEqual([true, false]);
  });

  it('does not ask again when FORMERR comes with an OPT', async () => {
    const s = await serve((q) => reply(q, { rcode: RCODE.FORMERR }));
    const res = await stub(s).resolve('example.org.', TYPE.A);
    expect(res).toEqual({ kind: 'error', reason: `${s.address} answered FORMERR` });
    expect(s.queries).toHaveLength(1);
  });

  it('reports a matching reply that does not decode as malformed', async () => {
    const s = await serve((q) => {
      const bytes = encodeMessage(reply(q, { answers: [a('example.org.', '192.0.2.1')], edns: false }));
      bytes[bytes.length - 5] = 9; // the rdlength of the A record: now runs past the end
      return bytes;
    });
    const res = await stub(s).resolve('example.org.', TYPE.A);
    expect(res.kind === 'error' && res.reason).toMatch(/^malformed reply from 127\.0\.0\.1:\d+: /);
  });

  it('reports a closed port as refused without waiting for the timeout', async () => {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = new StubResolver({ server: { host: '127.0.0.1', port }, timeoutMs: 60_000, cache: false });
    const res = await r.resolve('example.org.', TYPE.A);
    expect(res).toEqual({ kind: 'error', reason: `127.0.0.1:${port}: connection refused (ECONNREFUSED)` });
  });

  it('exchange returns any reply as it came, and keeps the id it was given', async () => {
    const s = await serve((q) => reply(q, { rcode: RCODE.REFUSED, aa: true }));
    const q = makeQuery('example.org.', TYPE.SOA, undefined, 4242);
    const r = await exchange({ host: s.host, port: s.port }, q);
    expect(r.id).toBe(4242);
    expect(r.rcode).toBe(RCODE.REFUSED);
    expect(r.flags.aa).toBe(true);
    expect(s.queries[0]?.message.edns).toBeUndefined();
    await expect(
      exchange({ host: s.host, port: s.port }, encodeMessage(q), { tcp: true }),
    ).resolves.toMatchObject({
      id: 4242,
    });
  });

  it('exchange throws DnsExchangeError on timeout', async () => {
    const s = await serve(() => undefined);
    const q = makeQuery('example.org.', TYPE.A, 1232);
    const err = await exchange({ host: s.host, port: s.port }, q, { timeoutMs: 30, attempts: 1 }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(DnsExchangeError);
    expect(err.kind).toBe('timeout');
  });
});

describe('StubResolver: cache', () => {
  function clock() {
    const c = { t: 1_000_000, now: () => c.t };
    return c;
  }

  it('answers a repeated question from the cache: the server sees one query', async () => {
    const answers = [a('www.example.org.', '192.0.2.1')];
    const s = await serve((q) => reply(q, { answers }));
    const r = stub(s, { cache: new DnsCache() });
    const first = await r.resolve('www.example.org.', TYPE.A);
    const second = await r.resolve('WWW.example.org', TYPE.A);
    const [third, fourth] = await Promise.all([
      r.resolve('mail.example.org.', TYPE.A),
      r.resolve('mail.example.org.', TYPE.A),
    ]);
    expect(second).toEqual(first);
    expect(fourth).toEqual(third);
    expect(s.queries).toHaveLength(2);
  });

  it('keeps a negative answer for min(SOA TTL, MINIMUM)', async () => {
    const c = clock();
    const s = await serve((q) => reply(q, { rcode: RCODE.NXDOMAIN, authority: [SOA] }));
    const r = stub(s, { cache: new DnsCache({ now: c.now }) });
    expect(await r.resolve('gone.example.org.', TYPE.A)).toEqual({ kind: 'nxdomain', ttl: 300 });
    c.t += 299_999;
    expect(await r.resolve('gone.example.org.', TYPE.A)).toEqual({ kind: 'nxdomain', ttl: 1 });
    expect(s.queries).toHaveLength(1);
    c.t += 1;
    expect(await r.resolve('gone.example.org.', TYPE.A)).toEqual({ kind: 'nxdomain', ttl: 300 });
    expect(s.queries).toHaveLength(2);
  });

  it('hands out TTLs lowered by the time spent in the cache', async () => {
    const c = clock();
    const answers = [
      cname('www.example.org.', 'host.example.org.', 600),
      a('host.example.org.', '192.0.2.1', 300),
    ];
    const s = await serve((q) => reply(q, { answers }));
    const r = stub(s, { cache: new DnsCache({ now: c.now }) });
    await r.resolve('www.example.org.', TYPE.A);
    c.t += 100_500;
    const res = (await r.resolve('www.example.org.', TYPE.A)) as Extract<Resolution, { kind: 'answer' }>;
    expect(res.ttl).toBe(200);
    expect(res.records[0]?.ttl).toBe(200);
    expect(res.chain[0]?.ttl).toBe(200); // capped by the entry's life: 600 - 100 > 200
    expect(answers[1]?.ttl).toBe(300); // the cached data itself is untouched
  });

  it('does not cache errors', async () => {
    const s = await serve((q) => reply(q, { rcode: RCODE.SERVFAIL }));
    const r = stub(s, { cache: new DnsCache() });
    await r.resolve('example.org.', TYPE.A);
    await r.resolve('example.org.', TYPE.A);
    expect(s.queries).toHaveLength(2);
  });

  it('evicts the least recently used entry beyond its bound', async () => {
    const s = await serve((q) => reply(q, { answers: [a(q.questions[0]?.name as string, '192.0.2.1')] }));
    const r = stub(s, { cache: new DnsCache({ maxEntries: 2 }) });
    const ask = (n: string) => r.resolve(`${n}.example.org.`, TYPE.A);
    await ask('a');
    await ask('b');
    await ask('a'); // hit: b is now the oldest
    await ask('c'); // evicts b
    expect(s.queries).toHaveLength(3);
    await ask('a');
    await ask('c');
    expect(s.queries).toHaveLength(3);
    await ask('b');
    expect(s.queries).toHaveLength(4);
    expect(r.cache?.size).toBe(2);
  });
});

describe('parseServer', () => {
  it('reads IP, IP:PORT, [IPv6]:PORT and bare IPv6', () => {
    expect(parseServer('192.0.2.1')).toEqual({ host: '192.0.2.1', port: 53 });
    expect(parseServer('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353 });
    expect(parseServer('[2001:DB8:0::1]:853')).toEqual({ host: '2001:db8::1', port: 853 });
    expect(parseServer('[::1]')).toEqual({ host: '::1', port: 53 });
    expect(parseServer('2001:db8::53')).toEqual({ host: '2001:db8::53', port: 53 });
    expect(formatServer(parseServer('[::1]:5300'))).toBe('[::1]:5300');
    expect(formatServer(parseServer('192.0.2.1'))).toBe('192.0.2.1:53');
  });

  it('refuses anything else with a clear message', () => {
    for (const bad of [
      '',
      'dns.example.org',
      '1.2.3.4:',
      '1.2.3.4:0',
      '1.2.3.4:65536',
      '[1.2.3.4]:53',
      '[::1]x',
      '::g',
    ]) {
      expect(() => parseServer(bad), bad).toThrow(
        /^bad DNS server ".*": .* \(expected IP, IP:PORT or \[IPv6\]:PORT\)$/,
      );
    }
  });
});

describe('TCP framing', () => {
  it('reassembles messages however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => tcpFrame(m)));
          const framer = new TcpFramer();
          const got: Uint8Array[] = [];
          for (let p = 0, i = 0; p < stream.length; i++) {
            const n = cuts[i % cuts.length] as number;
            got.push(...framer.push(stream.subarray(p, p + n)));
            p += n;
          }
          expect(got.map((m) => Buffer.from(m).toString('hex'))).toEqual(
            messages.map((m) => Buffer.from(m).toString('hex')),
          );
          expect(framer.pending).toBe(0);
        },
      ),
    );
  });
});
