// The in-memory zone: RFC 1034 §4.3.2 lookup (exact answers, CNAMEs, zone cuts with glue,
// negative answers), RFC 4592 wildcards with its own §2.2.1 example, RFC 8482 ANY, names
// compared without case, and the bookkeeping of empty non-terminals as records come and go.
import { describe, expect, it } from 'vitest';
import { TYPE } from '../../src/dns/constants.js';
import { makeRR, type RR, type SoaData, txtData } from '../../src/dns/types.js';
import { dataKey, sameData, Zone, ZoneError } from '../../src/dns/zone.js';
import { parseZone } from '../../src/dns/zonefile.js';

function zoneOf(origin: string, text: string): Zone {
  return new Zone(origin, parseZone(text, { origin, file: 'test.zone' }).records);
}

/** "name TYPE data" of records, for compact comparisons. */
function show(records: readonly RR[]): string[] {
  return records.map((r) => `${r.name} ${r.type} ${dataKey(r)}`);
}

const ZONE = `
$TTL 3600
@         IN SOA  ns1 hostmaster 2024010101 7200 3600 1209600 300
@         IN NS   ns1
@         IN NS   ns2.example.net.
@         IN MX   10 mail
ns1       IN A    192.0.2.1
ns1       IN AAAA 2001:db8::1
mail      IN A    192.0.2.25
www       IN A    192.0.2.10
www       IN A    192.0.2.11
www       IN AAAA 2001:db8::10
Mixed.Case IN A   192.0.2.12
alias     IN CNAME www
chain1    IN CNAME chain2
chain2    IN CNAME alias
out       IN CNAME www.example.net.
dangling  IN CNAME nowhere
loop1     IN CNAME loop2
loop2     IN CNAME loop1
self      IN CNAME self
tocut     IN CNAME host.sub
_sip._tcp.deep IN SRV 0 5 5060 www
; a delegation with in-bailiwick glue and sibling glue (other's name server)
sub       IN NS   ns1.sub
sub       IN NS   ns.other
ns1.sub   IN A    192.0.2.53
ns1.sub   IN AAAA 2001:db8::53
occluded.sub IN TXT "below the cut"
other     IN NS   ns.other
ns.other  IN A    192.0.2.54
; a signed delegation: DS on the parent side
signed    IN NS   ns.example.net.
signed    IN DS   12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
*.wild    IN TXT  "wild"
*.wild    IN MX   10 mail
exists.wild IN A  192.0.2.30
*.cw      IN CNAME www
`;

const zone = () => zoneOf('example.org.', ZONE);

describe('Zone: exact answers', () => {
  it('answers an RRset at its name, with nothing else', () => {
    const l = zone().lookup('www.example.org.', TYPE.A);
    expect(l).toEqual({ kind: 'answer', chain: [], records: expect.any(Array) });
    if (l.kind !== 'answer') return;
    expect(l.records.map((r) => r.data)).toEqual(['192.0.2.10', '192.0.2.11']);
  });

  it('answers NODATA for a missing type at an existing name', () => {
    expect(zone().lookup('www.example.org.', TYPE.MX)).toEqual({ kind: 'nodata', chain: [] });
    expect(zone().lookup('mail.example.org.', TYPE.AAAA)).toEqual({ kind: 'nodata', chain: [] });
  });

  it('answers NXDOMAIN for a name that does not exist', () => {
    expect(zone().lookup('nope.example.org.', TYPE.A)).toEqual({ kind: 'nxdomain', chain: [] });
    expect(zone().lookup('a.b.nope.example.org.', TYPE.A)).toEqual({ kind: 'nxdomain', chain: [] });
  });

  it('answers the apex SOA and NS (the apex NS is not a zone cut)', () => {
    const z = zone();
    const soa = z.lookup('example.org.', TYPE.SOA);
    expect(soa.kind).toBe('answer');
    if (soa.kind === 'answer') expect(soa.records).toHaveLength(1);
    const ns = z.lookup('example.org.', TYPE.NS);
    expect(ns.kind).toBe('answer');
    if (ns.kind === 'answer')
      expect(ns.records.map((r) => r.data)).toEqual(['ns1.example.org.', 'ns2.example.net.']);
  });

  it('matches names without regard to case and keeps the stored case in the records', () => {
    const z = zone();
    const l = z.lookup('WWW.EXAMPLE.ORG.', TYPE.A);
    expect(l.kind).toBe('answer');
    if (l.kind === 'answer')
      expect(l.records.map((r) => r.name)).toEqual(['www.example.org.', 'www.example.org.']);
    const m = z.lookup('mixed.case.example.org.', TYPE.A);
    expect(m.kind).toBe('answer');
    if (m.kind === 'answer') expect(m.records[0]?.name).toBe('Mixed.Case.example.org.');
    expect(z.lookup('MIXED.case.Example.Org.', TYPE.MX).kind).toBe('nodata');
    expect(z.exists('MIXED.CASE.EXAMPLE.ORG.')).toBe(true);
  });

  it('treats an empty non-terminal as existing: NODATA, never NXDOMAIN (RFC 8020)', () => {
    const z = zone();
    // deep.example.org. and _tcp.deep.example.org. own nothing but lead to _sip._tcp.deep.
    expect(z.exists('deep.example.org.')).toBe(true);
    expect(z.exists('_tcp.deep.example.org.')).toBe(true);
    expect(z.recordsAt('deep.example.org.')).toEqual([]);
    expect(z.lookup('deep.example.org.', TYPE.A)).toEqual({ kind: 'nodata', chain: [] });
    expect(z.lookup('_tcp.deep.example.org.', TYPE.SRV)).toEqual({ kind: 'nodata', chain: [] });
    expect(z.lookup('deep.example.org.', TYPE.ANY)).toEqual({ kind: 'nodata', chain: [] });
    expect(z.lookup('_udp.deep.example.org.', TYPE.SRV)).toEqual({ kind: 'nxdomain', chain: [] });
    expect(z.lookup('_sip._tcp.deep.example.org.', TYPE.SRV).kind).toBe('answer');
  });

  it('says a name outside the zone is out, with no chain', () => {
    expect(zone().lookup('www.example.net.', TYPE.A)).toEqual({ kind: 'out', chain: [] });
    expect(zone().lookup('example.org.evil.', TYPE.A)).toEqual({ kind: 'out', chain: [] });
  });
});

describe('Zone: CNAMEs', () => {
  it('follows a CNAME inside the zone and puts it in the chain', () => {
    const l = zone().lookup('alias.example.org.', TYPE.A);
    expect(l.kind).toBe('answer');
    if (l.kind !== 'answer') return;
    expect(show(l.chain)).toEqual([`alias.example.org. 5 "www.example.org."`]);
    expect(l.records.map((r) => r.data)).toEqual(['192.0.2.10', '192.0.2.11']);
  });

  it('follows a chain of CNAMEs in order', () => {
    const l = zone().lookup('chain1.example.org.', TYPE.AAAA);
    expect(l.kind).toBe('answer');
    if (l.kind !== 'answer') return;
    expect(l.chain.map((r) => r.name)).toEqual([
      'chain1.example.org.',
      'chain2.example.org.',
      'alias.example.org.',
    ]);
    expect(l.records.map((r) => r.data)).toEqual(['2001:db8::10']);
  });

  it('answers the CNAME itself for type CNAME, and NODATA at the target for a missing type', () => {
    const z = zone();
    const c = z.lookup('alias.example.org.', TYPE.CNAME);
    expect(c.kind).toBe('answer');
    if (c.kind === 'answer') expect(c.chain).toEqual([]);
    if (c.kind === 'answer') expect(show(c.records)).toEqual([`alias.example.org. 5 "www.example.org."`]);
    const n = z.lookup('alias.example.org.', TYPE.MX);
    expect(n.kind).toBe('nodata');
    expect(n.chain.map((r) => r.name)).toEqual(['alias.example.org.']);
  });

  it('gives NXDOMAIN with the chain for a CNAME dangling inside the zone', () => {
    const l = zone().lookup('dangling.example.org.', TYPE.A);
    expect(l.kind).toBe('nxdomain');
    expect(show(l.chain)).toEqual([`dangling.example.org. 5 "nowhere.example.org."`]);
  });

  it('stops at a CNAME leading out of the zone: the chain is the whole answer', () => {
    const l = zone().lookup('out.example.org.', TYPE.A);
    expect(l.kind).toBe('out');
    expect(show(l.chain)).toEqual([`out.example.org. 5 "www.example.net."`]);
  });

  it('stops on a CNAME loop without repeating it', () => {
    const l = zone().lookup('loop1.example.org.', TYPE.A);
    expect(l.kind).toBe('out');
    expect(l.chain.map((r) => r.name)).toEqual(['loop1.example.org.', 'loop2.example.org.']);
    const s = zone().lookup('self.example.org.', TYPE.TXT);
    expect(s.kind).toBe('out');
    expect(s.chain.map((r) => r.name)).toEqual(['self.example.org.']);
  });

  it('stops a very long chain (more than 16 links)', () => {
    const recs: RR[] = [soaRR('example.org.')];
    for (let i = 0; i < 40; i++)
      recs.push(makeRR(`c${i}.example.org.`, TYPE.CNAME, 60, `c${i + 1}.example.org.`));
    recs.push(makeRR('c40.example.org.', TYPE.A, 60, '192.0.2.1'));
    const l = new Zone('example.org.', recs).lookup('c0.example.org.', TYPE.A);
    expect(l.kind).toBe('out');
    expect(l.chain.length).toBeGreaterThan(0);
    expect(l.chain.length).toBeLessThanOrEqual(17);
  });

  it('follows a CNAME into a delegation and returns the referral after the chain', () => {
    const l = zone().lookup('tocut.example.org.', TYPE.A);
    expect(l.kind).toBe('referral');
    if (l.kind !== 'referral') return;
    expect(l.chain.map((r) => r.name)).toEqual(['tocut.example.org.']);
    expect(l.ns.map((r) => r.data)).toEqual(['ns1.sub.example.org.', 'ns.other.example.org.']);
  });
});

describe('Zone: delegations', () => {
  it('refers a name below a cut to the child NS set with glue, sibling glue included', () => {
    const l = zone().lookup('host.sub.example.org.', TYPE.A);
    expect(l.kind).toBe('referral');
    if (l.kind !== 'referral') return;
    expect(l.chain).toEqual([]);
    expect(l.ns.map((r) => `${r.name} ${r.data}`)).toEqual([
      'sub.example.org. ns1.sub.example.org.',
      'sub.example.org. ns.other.example.org.',
    ]);
    expect(l.glue.map((r) => `${r.name} ${r.data}`).sort()).toEqual([
      'ns.other.example.org. 192.0.2.54',
      'ns1.sub.example.org. 192.0.2.53',
      'ns1.sub.example.org. 2001:db8::53',
    ]);
  });

  it('refers the cut itself, whatever the type (NS, A, ANY)', () => {
    for (const t of [TYPE.NS, TYPE.A, TYPE.ANY, TYPE.SOA]) {
      expect(zone().lookup('sub.example.org.', t).kind).toBe('referral');
    }
  });

  it('occludes data below a cut: glue and other names are referrals, not answers', () => {
    const z = zone();
    expect(z.lookup('ns1.sub.example.org.', TYPE.A).kind).toBe('referral');
    expect(z.lookup('occluded.sub.example.org.', TYPE.TXT).kind).toBe('referral');
    expect(z.lookup('nothing.here.sub.example.org.', TYPE.A).kind).toBe('referral');
    // The occluded data is still stored (AXFR and zone files keep it).
    expect(z.rrset('occluded.sub.example.org.', TYPE.TXT)).toHaveLength(1);
  });

  it('answers DS at a cut from the parent side: the record, or NODATA', () => {
    const z = zone();
    const ds = z.lookup('signed.example.org.', TYPE.DS);
    expect(ds.kind).toBe('answer');
    if (ds.kind === 'answer') expect(ds.records.map((r) => r.type)).toEqual([TYPE.DS]);
    expect(z.lookup('sub.example.org.', TYPE.DS)).toEqual({ kind: 'nodata', chain: [] });
    // Below the cut, DS is the child's business: a referral.
    expect(z.lookup('x.signed.example.org.', TYPE.DS).kind).toBe('referral');
    // Other types at the signed cut are still referrals.
    expect(z.lookup('signed.example.org.', TYPE.A).kind).toBe('referral');
  });

  it('gives glue only for name servers inside the zone', () => {
    const l = zone().lookup('www.signed.example.org.', TYPE.A);
    expect(l.kind).toBe('referral');
    if (l.kind === 'referral') expect(l.glue).toEqual([]);
  });
});

describe('Zone: wildcards (RFC 4592)', () => {
  it('synthesizes from *.wild with the name asked', () => {
    const l = zone().lookup('Host3.wild.example.org.', TYPE.TXT);
    expect(l.kind).toBe('answer');
    if (l.kind !== 'answer') return;
    expect(l.records.map((r) => r.name)).toEqual(['Host3.wild.example.org.']);
    expect(l.records[0]?.data).toEqual(txtData('wild'));
  });

  it('synthesizes deeper names whose closest encloser is wild', () => {
    const l = zone().lookup('a.b.wild.example.org.', TYPE.MX);
    expect(l.kind).toBe('answer');
    if (l.kind === 'answer') expect(l.records[0]?.name).toBe('a.b.wild.example.org.');
  });

  it('answers NODATA for a type the wildcard lacks, and does not apply to existing names', () => {
    const z = zone();
    expect(z.lookup('host3.wild.example.org.', TYPE.A)).toEqual({ kind: 'nodata', chain: [] });
    expect(z.lookup('exists.wild.example.org.', TYPE.TXT)).toEqual({ kind: 'nodata', chain: [] });
    // Below an existing name, the wildcard does not reach (closest encloser exists.wild has no *).
    expect(z.lookup('x.exists.wild.example.org.', TYPE.TXT)).toEqual({ kind: 'nxdomain', chain: [] });
  });

  it('does not rewrite the stored wildcard records', () => {
    const z = zone();
    z.lookup('synth.wild.example.org.', TYPE.TXT);
    expect(z.rrset('*.wild.example.org.', TYPE.TXT)[0]?.name).toBe('*.wild.example.org.');
  });

  it('answers ANY at a synthesized name with one RRset', () => {
    const l = zone().lookup('any.wild.example.org.', TYPE.ANY);
    expect(l.kind).toBe('answer');
    if (l.kind !== 'answer') return;
    expect(new Set(l.records.map((r) => r.type)).size).toBe(1);
    expect(l.records.every((r) => r.name === 'any.wild.example.org.')).toBe(true);
  });

  it('synthesizes a wildcard CNAME with the name asked and follows it', () => {
    const l = zone().lookup('foo.cw.example.org.', TYPE.A);
    expect(l.kind).toBe('answer');
    if (l.kind !== 'answer') return;
    expect(show(l.chain)).toEqual([`foo.cw.example.org. 5 "www.example.org."`]);
    expect(l.records.map((r) => r.data)).toEqual(['192.0.2.10', '192.0.2.11']);
    const c = zone().lookup('bar.cw.example.org.', TYPE.CNAME);
    expect(c.kind).toBe('answer');
    if (c.kind === 'answer') expect(c.records[0]?.name).toBe('bar.cw.example.org.');
  });

  describe('the example of RFC 4592 §2.2.1', () => {
    const rfc = () =>
      zoneOf(
        'example.',
        `
example.                 3600 IN  SOA   ns.example.com. hostmaster.example. 1 2 3 4 5
example.                 3600     NS    ns.example.com.
example.                 3600     NS    ns.example.net.
*.example.               3600     TXT   "this is a wildcard"
*.example.               3600     MX    10 host1.example.
sub.*.example.           3600     TXT   "this is not a wildcard"
host1.example.           3600     A     192.0.2.1
_ssh._tcp.host1.example. 3600     SRV   0 0 22 host1.example.
_ssh._tcp.host2.example. 3600     SRV   0 0 22 host2.example.
subdel.example.          3600     NS    ns.example.com.
subdel.example.          3600     NS    ns.example.net.
`,
      );

    it('host3.example. MX is synthesized from *.example.', () => {
      const l = rfc().lookup('host3.example.', TYPE.MX);
      expect(l.kind).toBe('answer');
      if (l.kind === 'answer')
        expect(show(l.records)).toEqual([`host3.example. 15 {"preference":10,"exchange":"host1.example."}`]);
    });

    it('host3.example. A is NODATA (the wildcard matches, without A)', () => {
      expect(rfc().lookup('host3.example.', TYPE.A).kind).toBe('nodata');
    });

    it('foo.bar.example. TXT is synthesized (closest encloser example.)', () => {
      const l = rfc().lookup('foo.bar.example.', TYPE.TXT);
      expect(l.kind).toBe('answer');
      if (l.kind === 'answer') expect(l.records[0]?.name).toBe('foo.bar.example.');
    });

    it('host1.example. MX is NODATA: the name exists, the wildcard does not apply', () => {
      expect(rfc().lookup('host1.example.', TYPE.MX).kind).toBe('nodata');
    });

    it('sub.*.example. MX is NODATA: an existing name containing a star is not a wildcard', () => {
      expect(rfc().lookup('sub.*.example.', TYPE.MX).kind).toBe('nodata');
    });

    it('_telnet._tcp.host1.example. SRV is NXDOMAIN: closest encloser _tcp.host1 has no wildcard', () => {
      expect(rfc().lookup('_telnet._tcp.host1.example.', TYPE.SRV).kind).toBe('nxdomain');
    });

    it('host.subdel.example. A is a referral: wildcards do not reach below a cut', () => {
      expect(rfc().lookup('host.subdel.example.', TYPE.A).kind).toBe('referral');
    });

    it('ghost.*.example. MX is NXDOMAIN: closest encloser *.example. has no *.*.example.', () => {
      expect(rfc().lookup('ghost.*.example.', TYPE.MX).kind).toBe('nxdomain');
    });

    it('the empty non-terminals host2.example. and _tcp.host2.example. block the wildcard', () => {
      const z = rfc();
      expect(z.lookup('host2.example.', TYPE.MX).kind).toBe('nodata');
      expect(z.lookup('host2.example.', TYPE.TXT).kind).toBe('nodata');
      expect(z.lookup('_tcp.host2.example.', TYPE.TXT).kind).toBe('nodata');
      // Below host2 the closest encloser is host2 (no *.host2): NXDOMAIN, not the apex wildcard.
      expect(z.lookup('www.host2.example.', TYPE.TXT).kind).toBe('nxdomain');
    });

    it('the wildcard itself answers when asked by its own name', () => {
      const l = rfc().lookup('*.example.', TYPE.TXT);
      expect(l.kind).toBe('answer');
      if (l.kind === 'answer') expect(l.records[0]?.name).toBe('*.example.');
    });
  });
});

describe('Zone: ANY (RFC 8482)', () => {
  it('answers a single RRset at a name with several', () => {
    for (const name of ['example.org.', 'www.example.org.', 'ns1.example.org.']) {
      const l = zone().lookup(name, TYPE.ANY);
      expect(l.kind).toBe('answer');
      if (l.kind !== 'answer') continue;
      expect(l.records.length).toBeGreaterThan(0);
      expect(new Set(l.records.map((r) => r.type)).size).toBe(1);
    }
  });

  it('answers NXDOMAIN for a missing name', () => {
    expect(zone().lookup('missing.example.org.', TYPE.ANY).kind).toBe('nxdomain');
  });
});

function soaRR(origin: string, serial = 1, ttl = 3600, minimum = 300): RR {
  return makeRR(origin, TYPE.SOA, ttl, {
    mname: `ns1.${origin}`,
    rname: `hostmaster.${origin}`,
    serial,
    refresh: 7200,
    retry: 3600,
    expire: 1209600,
    minimum,
  });
}

describe('Zone: the SOA and negative TTL', () => {
  it('gives the SOA, serial and min(SOA TTL, MINIMUM) (RFC 2308 §5)', () => {
    const z = new Zone('example.org.', [soaRR('example.org.', 7, 3600, 300)]);
    expect(z.serial).toBe(7);
    expect(z.negativeTtl).toBe(300);
    expect(new Zone('example.org.', [soaRR('example.org.', 7, 60, 300)]).negativeTtl).toBe(60);
  });

  it('throws ZoneError for a zone without SOA', () => {
    const z = new Zone('example.org.', [makeRR('www.example.org.', TYPE.A, 60, '192.0.2.1')]);
    expect(() => z.soa).toThrow(ZoneError);
  });

  it('refuses a record outside the zone', () => {
    const z = new Zone('example.org.', [soaRR('example.org.')]);
    expect(() => z.add(makeRR('www.example.net.', TYPE.A, 60, '192.0.2.1'))).toThrow(ZoneError);
    expect(() => z.add(makeRR('badexample.org.', TYPE.A, 60, '192.0.2.1'))).toThrow(ZoneError);
  });

  it('lists every record with the SOA first', () => {
    const z = zone();
    const all = [...z.records()];
    expect(all[0]?.type).toBe(TYPE.SOA);
    expect(all.filter((r) => r.type === TYPE.SOA)).toHaveLength(1);
    expect(all).toHaveLength(z.size);
  });
});

describe('Zone: add, remove, removeSet', () => {
  const base = () => new Zone('example.org.', [soaRR('example.org.')]);
  const a = (name: string, addr: string, ttl = 60) => makeRR(name, TYPE.A, ttl, addr);

  it('ignores a duplicate (same name, type, class, data; name case and TTL aside)', () => {
    const z = base();
    expect(z.add(a('www.example.org.', '192.0.2.1'))).toBe(true);
    expect(z.add(a('WWW.example.org.', '192.0.2.1'))).toBe(false);
    expect(z.rrset('www.example.org.', TYPE.A)).toHaveLength(1);
    expect(z.add(makeRR('x.example.org.', TYPE.CNAME, 60, 'WWW.example.org.'))).toBe(true);
    expect(z.add(makeRR('x.example.org.', TYPE.CNAME, 60, 'www.EXAMPLE.org.'))).toBe(false);
  });

  it('keeps one TTL per RRset: the newest record sets it (RFC 2181 §5.2)', () => {
    const z = base();
    z.add(a('www.example.org.', '192.0.2.1', 300));
    z.add(a('www.example.org.', '192.0.2.2', 60));
    expect(z.rrset('www.example.org.', TYPE.A).map((r) => r.ttl)).toEqual([60, 60]);
  });

  it('creates the empty non-terminals above a new name and prunes them when it goes', () => {
    const z = base();
    const deep = a('a.b.c.example.org.', '192.0.2.1');
    z.add(deep);
    expect(z.exists('b.c.example.org.')).toBe(true);
    expect(z.exists('c.example.org.')).toBe(true);
    expect(z.remove(deep)).toBe(true);
    expect(z.exists('a.b.c.example.org.')).toBe(false);
    expect(z.exists('b.c.example.org.')).toBe(false);
    expect(z.exists('c.example.org.')).toBe(false);
    expect(z.lookup('c.example.org.', TYPE.A).kind).toBe('nxdomain');
    expect(z.exists('example.org.')).toBe(true);
  });

  it('keeps an empty non-terminal that still leads to another name', () => {
    const z = base();
    const one = a('one.b.example.org.', '192.0.2.1');
    const two = a('two.b.example.org.', '192.0.2.2');
    z.add(one);
    z.add(two);
    z.remove(one);
    expect(z.exists('b.example.org.')).toBe(true);
    expect(z.lookup('b.example.org.', TYPE.A).kind).toBe('nodata');
    z.remove(two);
    expect(z.exists('b.example.org.')).toBe(false);
  });

  it('keeps a name that owned records as an empty non-terminal when it still has children', () => {
    const z = base();
    z.add(a('b.example.org.', '192.0.2.1'));
    z.add(a('x.b.example.org.', '192.0.2.2'));
    expect(z.removeSet('b.example.org.', TYPE.A)).toHaveLength(1);
    expect(z.exists('b.example.org.')).toBe(true);
    expect(z.lookup('b.example.org.', TYPE.A).kind).toBe('nodata');
    expect(z.removeSet('x.b.example.org.', TYPE.ANY)).toHaveLength(1);
    expect(z.exists('b.example.org.')).toBe(false);
  });

  it('removes one record by value, ignoring case and TTL, and reports a missing one', () => {
    const z = base();
    z.add(a('www.example.org.', '192.0.2.1'));
    z.add(a('www.example.org.', '192.0.2.2'));
    expect(z.remove(a('WWW.EXAMPLE.ORG.', '192.0.2.1', 9999))).toBe(true);
    expect(z.remove(a('www.example.org.', '192.0.2.1'))).toBe(false);
    expect(z.remove(a('nope.example.org.', '192.0.2.1'))).toBe(false);
    expect(z.rrset('www.example.org.', TYPE.A).map((r) => r.data)).toEqual(['192.0.2.2']);
  });

  it('removeSet of ANY removes every set at the name, and returns what it removed', () => {
    const z = base();
    z.add(a('www.example.org.', '192.0.2.1'));
    z.add(makeRR('www.example.org.', TYPE.TXT, 60, txtData('hello')));
    expect(z.removeSet('www.example.org.', TYPE.ANY)).toHaveLength(2);
    expect(z.exists('www.example.org.')).toBe(false);
    expect(z.removeSet('www.example.org.', TYPE.ANY)).toEqual([]);
    expect(z.removeSet('www.example.org.', TYPE.A)).toEqual([]);
  });

  it('never prunes the apex, even with no records left', () => {
    const z = new Zone('example.org.', [soaRR('example.org.')]);
    z.removeSet('example.org.', TYPE.ANY);
    expect(z.exists('example.org.')).toBe(true);
    expect(z.size).toBe(0);
  });

  it('counts records in size', () => {
    expect(zone().size).toBe([...zone().records()].length);
  });
});

describe('Zone: clone', () => {
  it('gives a copy whose changes do not reach the original, and the reverse', () => {
    const z = zone();
    const before = JSON.stringify([...z.records()]);
    const c = z.clone();
    expect(JSON.stringify([...c.records()])).toBe(before);
    c.add(makeRR('new.example.org.', TYPE.A, 60, '192.0.2.99'));
    c.removeSet('www.example.org.', TYPE.A);
    c.remove(makeRR('ns1.example.org.', TYPE.AAAA, 3600, '2001:db8::1'));
    // A TTL change through add() rewrites the set's records: only the clone's.
    c.add(makeRR('mail.example.org.', TYPE.A, 5, '192.0.2.26'));
    expect(JSON.stringify([...z.records()])).toBe(before);
    expect(z.exists('new.example.org.')).toBe(false);
    expect(z.rrset('mail.example.org.', TYPE.A).map((r) => r.ttl)).toEqual([3600]);

    z.add(makeRR('orig.example.org.', TYPE.A, 60, '192.0.2.98'));
    expect(c.exists('orig.example.org.')).toBe(false);
    expect(c.origin).toBe(z.origin);
  });

  it('keeps the SOA apart: a serial change on the clone leaves the original', () => {
    const z = zone();
    const c = z.clone();
    c.soa.data = { ...(c.soa.data as SoaData), serial: 99 };
    expect(z.serial).toBe(2024010101);
    expect(c.serial).toBe(99);
    c.soa.ttl = 1;
    expect(z.soa.ttl).toBe(3600);
  });
});

describe('sameData and dataKey', () => {
  it('compare names in data without case, bytes exactly, TTL aside', () => {
    const x = makeRR('a.example.org.', TYPE.MX, 60, { preference: 10, exchange: 'Mail.Example.org.' });
    const y = makeRR('A.EXAMPLE.ORG.', TYPE.MX, 300, { preference: 10, exchange: 'mail.example.org.' });
    expect(sameData(x, y)).toBe(true);
    expect(sameData(x, { ...y, class: 3 } as RR)).toBe(false);
    const t1 = makeRR('a.example.org.', TYPE.TXT, 60, txtData('Hello'));
    const t2 = makeRR('a.example.org.', TYPE.TXT, 60, txtData('hello'));
    expect(sameData(t1, t2)).toBe(false);
  });
});
