// check_host() on what the OpenSPF suite leaves out: the HELO identity, the identity and
// sender defaults, the limits as options, the time limit, the default explanation, the
// receiver's letters, null MX, IDN, and how void lookups are counted (per term).
import { describe, expect, it } from 'vitest';
import { parseZone, type Resolution, type Resolver, Zone, ZoneResolver } from '../../src/dns/index.js';
import { checkHost, checkSpf, type SpfOptions } from '../../src/spf/index.js';

/** Resolver over one root zone given as master-file lines (names absolute). */
function zone(lines: string[]): ZoneResolver {
  const { records } = parseZone(['$TTL 300', '. SOA ns. host. 1 1 1 1 300', ...lines].join('\n'));
  return new ZoneResolver([new Zone('.', records)]);
}

/** Counts the queries, and can fail some. */
class Spy implements Resolver {
  asked: string[] = [];
  constructor(
    private readonly inner: Resolver,
    private readonly fail: (name: string) => boolean = () => false,
  ) {}
  resolve(name: string, type: number): Promise<Resolution> {
    this.asked.push(`${name}/${type}`);
    if (this.fail(name)) return Promise.resolve({ kind: 'error', reason: 'SERVFAIL' });
    return this.inner.resolve(name, type);
  }
}

const DNS = zone([
  'example.org. TXT "v=spf1 ip4:192.0.2.0/24 mx:mx.example.org -all"',
  'mail.example.org. TXT "v=spf1 a -all"',
  'mail.example.org. A 192.0.2.25',
  'mx.example.org. MX 10 mail.example.org.',
  'null.example.org. TXT "v=spf1 mx ?all"',
  'null.example.org. MX 0 .',
  'voids.example.org. TXT "v=spf1 mx:many.example.org mx:many.example.org mx:many.example.org ?all"',
  'many.example.org. MX 10 gone1.example.org.',
  'many.example.org. MX 20 gone2.example.org.',
  'many.example.org. MX 30 gone3.example.org.',
  'exp.example.org. TXT "v=spf1 -all exp=why.example.org"',
  'why.example.org. TXT "%{c} refused by %{r} at %{t} for %{o}, helo %{h}"',
  'xn--bcher-kva.example. TXT "v=spf1 +all"',
  'deep.example.org. TXT "v=spf1 include:d1.example.org -all"',
  'mixed.example.org. TXT "v=spf1 mx -all"',
  'mixed.example.org. MX 10 down.example.org.',
  'mixed.example.org. MX 20 mail.example.org.',
  'ptr.example.org. TXT "v=spf1 ptr -all"',
  '25.2.0.192.in-addr.arpa. PTR down.ptr.example.org.',
  '25.2.0.192.in-addr.arpa. PTR mail.ptr.example.org.',
  'mail.ptr.example.org. A 192.0.2.25',
  'd1.example.org. TXT "v=spf1 include:d2.example.org -all"',
  'd2.example.org. TXT "v=spf1 include:d3.example.org -all"',
  'd3.example.org. TXT "v=spf1 ip4:192.0.2.0/24 -all"',
]);

const opts: SpfOptions = { resolver: DNS, receiver: 'mx.example.net', now: 1_700_000_000 };

describe('identities', () => {
  it('checks MAIL FROM, and postmaster@HELO for the null reverse-path (§2.4)', async () => {
    const r = await checkSpf({ ip: '192.0.2.1', sender: 'alice@example.org', helo: 'x.example.net' }, opts);
    expect(r).toMatchObject({
      result: 'pass',
      identity: 'mailfrom',
      domain: 'example.org',
      mechanism: 'ip4:192.0.2.0/24',
    });
    const nul = await checkSpf({ ip: '192.0.2.25', sender: '', helo: 'mail.example.org' }, opts);
    expect(nul).toMatchObject({ result: 'pass', identity: 'helo', domain: 'mail.example.org', sender: '' });
    expect(
      (await checkSpf({ ip: '192.0.2.25', sender: '<>', helo: 'mail.example.org' }, opts)).identity,
    ).toBe('helo');
  });

  it('checks the HELO name when asked (§2.3), and none without a usable one', async () => {
    const r = await checkSpf(
      { ip: '198.51.100.1', sender: 'alice@example.org', helo: 'mail.example.org', identity: 'helo' },
      opts,
    );
    expect(r).toMatchObject({ result: 'fail', identity: 'helo', domain: 'mail.example.org' });
    expect((await checkSpf({ ip: '192.0.2.1', sender: '' }, opts)).result).toBe('none');
    expect((await checkSpf({ ip: '192.0.2.1', sender: '', helo: '[192.0.2.1]' }, opts)).result).toBe('none');
  });

  it('takes a sender without "@" as a domain, with the local-part postmaster', async () => {
    const r = await checkSpf({ ip: '198.51.100.1', sender: 'exp.example.org', helo: 'h.example' }, opts);
    expect(r.explanation).toBe(
      '198.51.100.1 refused by mx.example.net at 1700000000 for exp.example.org, helo h.example',
    );
  });

  it('checks an IPv4-mapped client as IPv4', async () => {
    const r = await checkSpf({ ip: '::ffff:192.0.2.9', sender: 'a@example.org' }, opts);
    expect(r).toMatchObject({ result: 'pass', ip: '192.0.2.9' });
  });

  it('checks an internationalized domain as its A-label', async () => {
    const r = await checkSpf({ ip: '192.0.2.1', sender: 'a@bücher.example' }, opts);
    expect(r.result).toBe('pass');
  });

  it('throws for a client address that is not one (a caller error)', async () => {
    await expect(checkSpf({ ip: '192.0.2', sender: 'a@example.org' }, opts)).rejects.toThrow(TypeError);
  });
});

describe('explanations', () => {
  it('gives the default explanation on a fail without exp=, or none when told', async () => {
    const r = await checkSpf({ ip: '198.51.100.1', sender: 'a@example.org' }, opts);
    expect(r.explanation).toBe("198.51.100.1 is not one of example.org's designated mail servers");
    const none = await checkSpf(
      { ip: '198.51.100.1', sender: 'a@example.org' },
      { ...opts, defaultExplanation: null },
    );
    expect(none.explanation).toBeUndefined();
    const pass = await checkSpf({ ip: '192.0.2.1', sender: 'a@example.org' }, opts);
    expect(pass.explanation).toBeUndefined();
  });
});

describe('limits', () => {
  it('counts a void lookup per term, not per address query of an mx', async () => {
    const r = await checkSpf({ ip: '198.51.100.1', sender: 'a@voids.example.org' }, opts);
    expect(r).toMatchObject({ result: 'neutral', lookups: 3, voidLookups: 0 });
  });

  it('skips a null MX', async () => {
    const spy = new Spy(DNS);
    const r = await checkSpf(
      { ip: '198.51.100.1', sender: 'a@null.example.org' },
      { ...opts, resolver: spy },
    );
    expect(r.result).toBe('neutral');
    expect(spy.asked.some((q) => q.startsWith('./'))).toBe(false);
  });

  it('matches an mx host whatever happens to the others, and is a temperror only without a match', async () => {
    const spy = new Spy(DNS, (n) => n.startsWith('down.'));
    const o = { ...opts, resolver: spy };
    expect((await checkSpf({ ip: '192.0.2.25', sender: 'a@mixed.example.org' }, o)).result).toBe('pass');
    const r = await checkSpf({ ip: '192.0.2.26', sender: 'a@mixed.example.org' }, o);
    expect(r).toMatchObject({
      result: 'temperror',
      reason: 'mx: DNS error looking up down.example.org: SERVFAIL',
    });
  });

  it('skips a PTR name whose address lookup fails (§5.5)', async () => {
    const spy = new Spy(DNS, (n) => n.startsWith('down.'));
    const r = await checkSpf({ ip: '192.0.2.25', sender: 'a@ptr.example.org' }, { ...opts, resolver: spy });
    expect(r).toMatchObject({ result: 'pass', mechanism: 'ptr' });
  });

  it('takes other limits as options', async () => {
    const r = await checkSpf(
      { ip: '192.0.2.1', sender: 'a@deep.example.org' },
      { ...opts, limits: { lookups: 2 } },
    );
    expect(r).toMatchObject({
      result: 'permerror',
      reason: 'more than 2 DNS-querying terms (at include:d3.example.org)',
    });
    expect((await checkSpf({ ip: '192.0.2.1', sender: 'a@deep.example.org' }, opts)).result).toBe('pass');
  });

  it('turns a DNS failure into temperror with the failing query named', async () => {
    const spy = new Spy(DNS, (n) => n.startsWith('d2.'));
    const r = await checkSpf({ ip: '192.0.2.1', sender: 'a@deep.example.org' }, { ...opts, resolver: spy });
    expect(r).toMatchObject({
      result: 'temperror',
      reason: 'd2.example.org: DNS error looking up TXT: SERVFAIL',
    });
  });

  it('ends with temperror once the signal is aborted (the time limit of §4.6.4)', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await checkSpf(
      { ip: '192.0.2.1', sender: 'a@example.org' },
      { ...opts, signal: controller.signal },
    );
    expect(r).toMatchObject({ result: 'temperror', reason: 'time limit for the check reached' });
  });
});

describe('checkHost', () => {
  it('is check_host(<ip>, <domain>, <sender>) itself', async () => {
    const r = await checkHost('2001:db8::1', 'example.org', 'bob@example.org', opts);
    expect(r).toMatchObject({
      result: 'fail',
      ip: '2001:db8::1',
      sender: 'bob@example.org',
      identity: 'mailfrom',
    });
  });
});

describe('names', () => {
  it('asks for a name as written, backslashes and spaces included', async () => {
    const spy = new Spy(DNS);
    await checkSpf({ ip: '192.0.2.1', sender: 'a@back\\slash.example.org' }, { ...opts, resolver: spy });
    expect(spy.asked).toContain('back\\\\slash.example.org./16');
    const s2 = new Spy(zone(['sp.example.org. TXT "v=spf1 include:a%_b.example.org -all"']));
    await checkSpf({ ip: '192.0.2.1', sender: 'a@sp.example.org' }, { ...opts, resolver: s2 });
    expect(s2.asked).toContain('a b.example.org./16');
  });
});
