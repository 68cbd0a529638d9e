// answerQuery: the message an authoritative server sends for a standard query, as nsd 4
// does with minimal-responses — header flags, rcode and the three sections for every kind
// of lookup result, EDNS (DO, the UDP size, BADVERS), refusals, and the truncation of a
// UDP answer that does not fit.
import { describe, expect, it } from 'vitest';
import {
  answerQuery,
  EDNS_UDP_SIZE,
  makeNotify,
  negativeSoa,
  responseEdns,
  responseTo,
  udpLimit,
} from '../../src/dns/authority.js';
import { Catalog } from '../../src/dns/catalog.js';
import { CLASS, OPCODE, RCODE, TYPE } from '../../src/dns/constants.js';
import { type Edns, type Message, NO_FLAGS, type RR, txtData } from '../../src/dns/types.js';
import { decodeMessage, encodeMessage } from '../../src/dns/wire.js';
import { Zone } from '../../src/dns/zone.js';
import { parseZone } from '../../src/dns/zonefile.js';

function zoneOf(origin: string, text: string): Zone {
  return new Zone(origin, parseZone(text, { origin, file: 'test.zone' }).records);
}

const PARENT = `
$TTL 3600
@         IN SOA  ns1 hostmaster 2024010101 7200 3600 1209600 300
@         IN NS   ns1
@         IN NS   ns2
@         IN NS   ns.example.net.
@         IN MX   10 mail
ns1       IN A    192.0.2.1
ns1       IN AAAA 2001:db8::1
ns2       IN A    192.0.2.2
mail      IN A    192.0.2.25
www       IN A    192.0.2.10
alias     IN CNAME www
out       IN CNAME www.example.net.
dangling  IN CNAME nowhere
tocut     IN CNAME host.sub
_sip._tcp.deep IN SRV 0 5 5060 www
sub       IN NS   ns1.sub
sub       IN NS   ns.other
ns1.sub   IN A    192.0.2.53
other     IN NS   ns.other
ns.other  IN A    192.0.2.54
signed    IN NS   ns.example.net.
signed    IN DS   12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
child     IN NS   ns1.child
child     IN DS   54321 13 2 abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789
ns1.child IN A    192.0.2.60
*.wild    IN TXT  "wild"
`;

/** A child zone hosted by the same server as its parent. */
const CHILD = `
$TTL 600
@    IN SOA ns1 hostmaster 7 7200 3600 1209600 60
@    IN NS  ns1
ns1  IN A   192.0.2.60
www  IN A   192.0.2.61
`;

function catalog(): Catalog {
  return new Catalog([zoneOf('example.org.', PARENT), zoneOf('child.example.org.', CHILD)]);
}

function query(
  name: string,
  type: number,
  opts: { edns?: Partial<Edns>; id?: number; cls?: number } = {},
): Message {
  return {
    id: opts.id ?? 0x4242,
    flags: { ...NO_FLAGS, rd: true },
    rcode: RCODE.NOERROR,
    questions: [{ name, type, class: opts.cls ?? CLASS.IN }],
    answers: [],
    authority: [],
    additional: [],
    edns: opts.edns ? { udpSize: 1232, version: 0, do: false, options: [], ...opts.edns } : undefined,
  };
}

const ask = (name: string, type: number, opts?: Parameters<typeof query>[2]) =>
  answerQuery(catalog(), query(name, type, opts));

const names = (rrs: readonly RR[]) => rrs.map((r) => `${r.name} ${r.type}`);

describe('answerQuery: positive answers', () => {
  it('sets QR and AA, copies id, RD and the question, and adds nothing beyond the answer', () => {
    const res = ask('www.example.org.', TYPE.A, { id: 777 });
    expect(res.id).toBe(777);
    expect(res.flags).toEqual({ ...NO_FLAGS, qr: true, aa: true, rd: true });
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(res.questions).toEqual([{ name: 'www.example.org.', type: TYPE.A, class: CLASS.IN }]);
    expect(names(res.answers)).toEqual([`www.example.org. ${TYPE.A}`]);
    expect(res.authority).toEqual([]);
    expect(res.additional).toEqual([]);
    expect(res.edns).toBeUndefined();
  });

  it('gives an MX answer without the address of the exchange (minimal responses)', () => {
    const res = ask('example.org.', TYPE.MX);
    expect(names(res.answers)).toEqual([`example.org. ${TYPE.MX}`]);
    expect(res.additional).toEqual([]);
    expect(res.authority).toEqual([]);
  });

  it('adds the in-zone glue A and AAAA to an NS answer at the apex', () => {
    const res = ask('example.org.', TYPE.NS);
    expect(res.flags.aa).toBe(true);
    expect(res.answers.map((r) => r.data)).toEqual([
      'ns1.example.org.',
      'ns2.example.org.',
      'ns.example.net.',
    ]);
    expect(res.authority).toEqual([]);
    expect(res.additional.map((r) => `${r.name} ${r.data}`)).toEqual([
      'ns1.example.org. 192.0.2.1',
      'ns1.example.org. 2001:db8::1',
      'ns2.example.org. 192.0.2.2',
    ]);
  });

  it('copies CD and leaves RD off when the query had it off', () => {
    const q = query('www.example.org.', TYPE.A);
    q.flags = { ...NO_FLAGS, cd: true };
    const res = answerQuery(catalog(), q);
    expect(res.flags.rd).toBe(false);
    expect(res.flags.cd).toBe(true);
    expect(res.flags.ra).toBe(false);
  });

  it('answers class ANY queries from the IN data', () => {
    const res = ask('www.example.org.', TYPE.A, { cls: CLASS.ANY });
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(res.answers).toHaveLength(1);
  });

  it('answers from the most specific zone of the catalog', () => {
    const res = ask('www.child.example.org.', TYPE.A);
    expect(res.flags.aa).toBe(true);
    expect(res.answers.map((r) => r.data)).toEqual(['192.0.2.61']);
    const nx = ask('nope.child.example.org.', TYPE.A);
    expect(nx.rcode).toBe(RCODE.NXDOMAIN);
    expect(nx.authority.map((r) => r.name)).toEqual(['child.example.org.']);
  });

  it('synthesizes wildcard answers with the name asked', () => {
    const res = ask('Any.Wild.example.org.', TYPE.TXT);
    expect(res.flags.aa).toBe(true);
    expect(res.answers.map((r) => r.name)).toEqual(['Any.Wild.example.org.']);
    expect(res.answers[0]?.data).toEqual(txtData('wild'));
  });

  it('answers ANY with a single RRset (RFC 8482)', () => {
    const res = ask('example.org.', TYPE.ANY);
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(res.answers.length).toBeGreaterThan(0);
    expect(new Set(res.answers.map((r) => r.type)).size).toBe(1);
    expect(res.authority).toEqual([]);
    expect(res.additional).toEqual([]);
  });
});

describe('answerQuery: CNAMEs', () => {
  it('gives the CNAME and the target records, AA, nothing else', () => {
    const res = ask('alias.example.org.', TYPE.A);
    expect(res.flags.aa).toBe(true);
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(names(res.answers)).toEqual([`alias.example.org. ${TYPE.CNAME}`, `www.example.org. ${TYPE.A}`]);
    expect(res.authority).toEqual([]);
    expect(res.additional).toEqual([]);
  });

  it('gives just the CNAME, NOERROR, for a target outside the zone', () => {
    const res = ask('out.example.org.', TYPE.A);
    expect(res.flags.aa).toBe(true);
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(names(res.answers)).toEqual([`out.example.org. ${TYPE.CNAME}`]);
    expect(res.authority).toEqual([]);
    expect(res.additional).toEqual([]);
  });

  it('gives NXDOMAIN with the CNAME in the answer and the SOA in authority for a dangling in-zone CNAME', () => {
    const res = ask('dangling.example.org.', TYPE.A);
    expect(res.flags.aa).toBe(true);
    expect(res.rcode).toBe(RCODE.NXDOMAIN);
    expect(names(res.answers)).toEqual([`dangling.example.org. ${TYPE.CNAME}`]);
    expect(names(res.authority)).toEqual([`example.org. ${TYPE.SOA}`]);
    expect(res.authority[0]?.ttl).toBe(300);
  });

  it('gives NODATA with the CNAME for a missing type at the target', () => {
    const res = ask('alias.example.org.', TYPE.MX);
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(names(res.answers)).toEqual([`alias.example.org. ${TYPE.CNAME}`]);
    expect(names(res.authority)).toEqual([`example.org. ${TYPE.SOA}`]);
  });

  it('gives the CNAME then the referral when the chain enters a delegation', () => {
    const res = ask('tocut.example.org.', TYPE.A);
    expect(names(res.answers)).toEqual([`tocut.example.org. ${TYPE.CNAME}`]);
    expect(res.authority.map((r) => r.data)).toEqual(['ns1.sub.example.org.', 'ns.other.example.org.']);
  });
});

describe('answerQuery: DNAME (RFC 6672)', () => {
  const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example.net.`;
  const dn = () =>
    new Catalog([
      zoneOf(
        'example.org.',
        [
          '$TTL 3600',
          '@ SOA ns1 hostmaster 1 7200 3600 1209600 300',
          '@ NS ns1',
          'ns1 A 192.0.2.1',
          'old 300 DNAME new',
          'old A 192.0.2.7',
          'host.new A 192.0.2.8',
          'away 600 DNAME example.net.',
          `long DNAME ${long}`,
        ].join('\n'),
      ),
    ]);
  const askDn = (name: string, type: number) => answerQuery(dn(), query(name, type));

  it('gives the DNAME, a CNAME made from it with its TTL, and what the new name has', () => {
    const res = askDn('host.old.example.org.', TYPE.A);
    expect(res.flags.aa).toBe(true);
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(res.answers.map((r) => [r.name, r.type, r.ttl, r.data])).toEqual([
      ['old.example.org.', TYPE.DNAME, 300, 'new.example.org.'],
      ['host.old.example.org.', TYPE.CNAME, 300, 'host.new.example.org.'],
      ['host.new.example.org.', TYPE.A, 3600, '192.0.2.8'],
    ]);
  });

  it('answers a question for the CNAME with the DNAME and the CNAME alone, as nsd', () => {
    const res = askDn('host.old.example.org.', TYPE.CNAME);
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(names(res.answers)).toEqual([
      `old.example.org. ${TYPE.DNAME}`,
      `host.old.example.org. ${TYPE.CNAME}`,
    ]);
    expect(res.authority).toEqual([]);
  });

  it('leaves the owner’s own data alone, and answers the DNAME itself', () => {
    expect(askDn('old.example.org.', TYPE.A).answers.map((r) => r.data)).toEqual(['192.0.2.7']);
    expect(askDn('old.example.org.', TYPE.DNAME).answers.map((r) => r.data)).toEqual(['new.example.org.']);
  });

  it('keeps the query’s case in the CNAME, and follows out of the zone or to NXDOMAIN', () => {
    const mixed = askDn('HOST.Old.example.org.', TYPE.A);
    expect(mixed.answers[1]?.name).toBe('HOST.Old.example.org.');
    expect(mixed.answers[1]?.data).toBe('HOST.new.example.org.');
    const out = askDn('x.y.away.example.org.', TYPE.A);
    expect(out.rcode).toBe(RCODE.NOERROR);
    expect(out.answers.map((r) => [r.type, r.data])).toEqual([
      [TYPE.DNAME, 'example.net.'],
      [TYPE.CNAME, 'x.y.example.net.'],
    ]);
    const nx = askDn('nobody.old.example.org.', TYPE.A);
    expect(nx.rcode).toBe(RCODE.NXDOMAIN);
    expect(names(nx.answers)).toEqual([
      `old.example.org. ${TYPE.DNAME}`,
      `nobody.old.example.org. ${TYPE.CNAME}`,
    ]);
    expect(names(nx.authority)).toEqual([`example.org. ${TYPE.SOA}`]);
  });

  it('answers YXDOMAIN with the DNAME when the new name would pass 255 octets', () => {
    const res = askDn(`${'d'.repeat(60)}.long.example.org.`, TYPE.A);
    expect(res.rcode).toBe(RCODE.YXDOMAIN);
    expect(names(res.answers)).toEqual([`long.example.org. ${TYPE.DNAME}`]);
  });
});

describe('answerQuery: referrals', () => {
  it('has AA off, the child NS set in authority and the glue (sibling glue too) in additional', () => {
    const res = ask('host.sub.example.org.', TYPE.A);
    expect(res.flags.aa).toBe(false);
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(res.answers).toEqual([]);
    expect(res.authority.map((r) => `${r.name} ${r.type} ${r.data}`)).toEqual([
      `sub.example.org. ${TYPE.NS} ns1.sub.example.org.`,
      `sub.example.org. ${TYPE.NS} ns.other.example.org.`,
    ]);
    expect(res.additional.map((r) => `${r.name} ${r.data}`).sort()).toEqual([
      'ns.other.example.org. 192.0.2.54',
      'ns1.sub.example.org. 192.0.2.53',
    ]);
  });

  it('refers an NS query at the cut (it is the child’s data)', () => {
    const res = ask('sub.example.org.', TYPE.NS);
    expect(res.flags.aa).toBe(false);
    expect(res.answers).toEqual([]);
    expect(res.authority).toHaveLength(2);
  });

  it('refers a query for occluded glue below the cut', () => {
    const res = ask('ns1.sub.example.org.', TYPE.A);
    expect(res.flags.aa).toBe(false);
    expect(res.answers).toEqual([]);
    expect(names(res.authority)).toEqual([`sub.example.org. ${TYPE.NS}`, `sub.example.org. ${TYPE.NS}`]);
  });

  it('answers DS at a delegation point from the parent side: NODATA with the SOA when absent', () => {
    const res = ask('sub.example.org.', TYPE.DS);
    expect(res.flags.aa).toBe(true);
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(res.answers).toEqual([]);
    expect(names(res.authority)).toEqual([`example.org. ${TYPE.SOA}`]);
    expect(res.additional).toEqual([]);
  });

  it('answers DS at a delegation point from the parent side: the DS record when present', () => {
    const res = ask('signed.example.org.', TYPE.DS);
    expect(res.flags.aa).toBe(true);
    expect(names(res.answers)).toEqual([`signed.example.org. ${TYPE.DS}`]);
    expect(res.authority).toEqual([]);
  });

  // Regression: DS for a child apex served here comes from the parent (RFC 4035 §3.1.4.1), as nsd does.
  it('answers DS for a child apex hosted here from the parent zone (RFC 4035 §3.1.4.1)', () => {
    const res = ask('child.example.org.', TYPE.DS);
    expect(res.flags.aa).toBe(true);
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(names(res.answers)).toEqual([`child.example.org. ${TYPE.DS}`]);
  });
});

describe('answerQuery: negative answers', () => {
  it('NXDOMAIN: AA, the SOA in authority with TTL min(SOA TTL, MINIMUM)', () => {
    const res = ask('nope.example.org.', TYPE.A);
    expect(res.flags.aa).toBe(true);
    expect(res.rcode).toBe(RCODE.NXDOMAIN);
    expect(res.answers).toEqual([]);
    expect(names(res.authority)).toEqual([`example.org. ${TYPE.SOA}`]);
    expect(res.authority[0]?.ttl).toBe(300);
    expect(res.additional).toEqual([]);
  });

  it('NODATA: AA, NOERROR, the SOA in authority', () => {
    const res = ask('www.example.org.', TYPE.AAAA);
    expect(res.flags.aa).toBe(true);
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(res.answers).toEqual([]);
    expect(names(res.authority)).toEqual([`example.org. ${TYPE.SOA}`]);
  });

  it('an empty non-terminal is NODATA, not NXDOMAIN', () => {
    for (const name of ['deep.example.org.', '_tcp.deep.example.org.']) {
      const res = ask(name, TYPE.A);
      expect(res.rcode).toBe(RCODE.NOERROR);
      expect(res.answers).toEqual([]);
      expect(names(res.authority)).toEqual([`example.org. ${TYPE.SOA}`]);
    }
  });

  it('uses the SOA TTL when it is below MINIMUM, and does not change the stored SOA', () => {
    const z = zoneOf('example.com.', '@ 30 IN SOA ns hm 1 2 3 4 600\n');
    expect(negativeSoa(z).ttl).toBe(30);
    const low = zoneOf('example.com.', '@ 3600 IN SOA ns hm 1 2 3 4 600\n');
    expect(negativeSoa(low).ttl).toBe(600);
    expect(low.soa.ttl).toBe(3600);
  });
});

describe('answerQuery: refusals and errors', () => {
  it('REFUSED for names outside our zones, AA off, nothing else', () => {
    for (const name of ['www.example.net.', 'example.', '.', 'org.']) {
      const res = ask(name, TYPE.A);
      expect(res.rcode).toBe(RCODE.REFUSED);
      expect(res.flags.aa).toBe(false);
      expect(res.answers).toEqual([]);
      expect(res.authority).toEqual([]);
    }
    expect(answerQuery(new Catalog(), query('www.example.org.', TYPE.A)).rcode).toBe(RCODE.REFUSED);
  });

  it('REFUSED for another class (CHAOS)', () => {
    expect(ask('www.example.org.', TYPE.TXT, { cls: CLASS.CH }).rcode).toBe(RCODE.REFUSED);
  });

  it('NOTIMP for AXFR and IXFR (answerQuery is the UDP path)', () => {
    expect(ask('example.org.', TYPE.AXFR).rcode).toBe(RCODE.NOTIMP);
    expect(ask('example.org.', TYPE.IXFR).rcode).toBe(RCODE.NOTIMP);
  });

  it('NOTIMP for other opcodes, with the opcode copied', () => {
    for (const opcode of [OPCODE.IQUERY, OPCODE.STATUS, OPCODE.NOTIFY, OPCODE.UPDATE, 15]) {
      const q = query('example.org.', TYPE.SOA);
      q.flags = { ...q.flags, opcode };
      const res = answerQuery(catalog(), q);
      expect(res.rcode).toBe(RCODE.NOTIMP);
      expect(res.flags.opcode).toBe(opcode);
      expect(res.flags.qr).toBe(true);
    }
  });

  it('FORMERR without exactly one question', () => {
    const none = { ...query('example.org.', TYPE.A), questions: [] };
    expect(answerQuery(catalog(), none).rcode).toBe(RCODE.FORMERR);
    const two = query('example.org.', TYPE.A);
    two.questions.push({ name: 'www.example.org.', type: TYPE.A, class: CLASS.IN });
    const res = answerQuery(catalog(), two);
    expect(res.rcode).toBe(RCODE.FORMERR);
    expect(res.questions).toHaveLength(1);
  });

  it('FORMERR for a message with QR set', () => {
    const q = query('www.example.org.', TYPE.A);
    q.flags = { ...q.flags, qr: true };
    expect(answerQuery(catalog(), q).rcode).toBe(RCODE.FORMERR);
  });
});

describe('answerQuery: EDNS', () => {
  it('answers OPT with OPT: our size 1232, version 0, DO copied', () => {
    for (const d of [false, true]) {
      const res = ask('www.example.org.', TYPE.A, { edns: { udpSize: 4096, do: d } });
      expect(res.edns).toEqual({ udpSize: EDNS_UDP_SIZE, version: 0, do: d, options: [] });
    }
    expect(EDNS_UDP_SIZE).toBe(1232);
  });

  it('does not add OPT to a response to a query without it', () => {
    expect(responseEdns(query('www.example.org.', TYPE.A))).toBeUndefined();
  });

  it('gives BADVERS for an EDNS version above 0, with OPT version 0 and size 1232', () => {
    const res = ask('www.example.org.', TYPE.A, { edns: { version: 1, do: true } });
    expect(res.rcode).toBe(RCODE.BADVERS);
    expect(res.edns).toEqual({ udpSize: 1232, version: 0, do: true, options: [] });
    expect(res.answers).toEqual([]);
    expect(res.questions).toHaveLength(1);
    // On the wire: 0 in the header's 4 bits, 1 in OPT's extended rcode.
    const wire = encodeMessage(res);
    expect((wire[3] as number) & 0xf).toBe(0);
    const back = decodeMessage(wire);
    expect(back.rcode).toBe(RCODE.BADVERS);
    expect(back.edns?.version).toBe(0);
  });

  it('BADVERS comes before anything else: even for a name outside our zones', () => {
    expect(ask('www.example.net.', TYPE.A, { edns: { version: 3 } }).rcode).toBe(RCODE.BADVERS);
  });

  it('limits UDP answers to 512 without EDNS, else to the client size clamped to [512, 1232]', () => {
    expect(udpLimit(query('a.', TYPE.A))).toBe(512);
    expect(udpLimit(query('a.', TYPE.A, { edns: { udpSize: 4096 } }))).toBe(1232);
    expect(udpLimit(query('a.', TYPE.A, { edns: { udpSize: 1000 } }))).toBe(1000);
    expect(udpLimit(query('a.', TYPE.A, { edns: { udpSize: 100 } }))).toBe(512);
    expect(udpLimit(query('a.', TYPE.A, { edns: { udpSize: 0 } }))).toBe(512);
  });
});

describe('answerQuery and encodeMessage: truncation', () => {
  const bigZone = () => {
    let text =
      '@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.1\n';
    // Eight TXT records of 100 bytes: about 900 bytes, over 512 and under 1232.
    for (let i = 0; i < 8; i++) text += `big 3600 IN TXT "${String(i).repeat(100)}"\n`;
    return new Catalog([zoneOf('example.org.', text)]);
  };

  it('sets TC and drops the whole RRset when the answer does not fit 512 bytes', () => {
    const q = query('big.example.org.', TYPE.TXT);
    const res = answerQuery(bigZone(), q);
    expect(res.answers).toHaveLength(8);
    const wire = encodeMessage(res, { maxSize: udpLimit(q) });
    expect(wire.length).toBeLessThanOrEqual(512);
    const back = decodeMessage(wire);
    expect(back.flags.tc).toBe(true);
    expect(back.answers).toEqual([]);
    expect(back.questions).toEqual(q.questions);
    expect(back.id).toBe(q.id);
  });

  it('keeps OPT in a truncated answer and fits the answer within an EDNS size', () => {
    const small = query('big.example.org.', TYPE.TXT, { edns: { udpSize: 512 } });
    const cut = decodeMessage(encodeMessage(answerQuery(bigZone(), small), { maxSize: udpLimit(small) }));
    expect(cut.flags.tc).toBe(true);
    expect(cut.edns?.udpSize).toBe(1232);
    const q = query('big.example.org.', TYPE.TXT, { edns: { udpSize: 1232 } });
    const wire = encodeMessage(answerQuery(bigZone(), q), { maxSize: udpLimit(q) });
    expect(wire.length).toBeGreaterThan(512);
    expect(wire.length).toBeLessThanOrEqual(1232);
    const back = decodeMessage(wire);
    expect(back.flags.tc).toBe(false);
    expect(back.answers).toHaveLength(8);
  });

  it('sends the whole answer without a limit (TCP)', () => {
    const back = decodeMessage(encodeMessage(answerQuery(bigZone(), query('big.example.org.', TYPE.TXT))));
    expect(back.flags.tc).toBe(false);
    expect(back.answers).toHaveLength(8);
  });
});

describe('answerQuery on the wire: names and case', () => {
  it('keeps the case of the question, and the answer owner follows it (compressed to the question)', () => {
    const q = query('WWW.Example.ORG.', TYPE.A);
    const back = decodeMessage(encodeMessage(answerQuery(catalog(), q)));
    expect(back.questions[0]?.name).toBe('WWW.Example.ORG.');
    expect(back.answers.map((r) => r.name)).toEqual(['WWW.Example.ORG.']);
    expect(back.flags.aa).toBe(true);
  });
});

describe('responseTo and makeNotify', () => {
  it('responseTo copies id, opcode, RD, CD and the first question only', () => {
    const q = query('example.org.', TYPE.SOA);
    q.flags = { ...NO_FLAGS, opcode: OPCODE.UPDATE, rd: true, cd: true, aa: true, tc: true, ad: true };
    q.questions.push({ name: 'x.', type: 1, class: 1 });
    const r = responseTo(q, RCODE.REFUSED);
    expect(r.flags).toEqual({ ...NO_FLAGS, qr: true, opcode: OPCODE.UPDATE, rd: true, cd: true });
    expect(r.rcode).toBe(RCODE.REFUSED);
    expect(r.questions).toEqual([{ name: 'example.org.', type: TYPE.SOA, class: CLASS.IN }]);
  });

  it('makeNotify: opcode NOTIFY, AA, the SOA as question and answer (RFC 1996 §3.7)', () => {
    const soa = zoneOf('example.org.', PARENT).soa;
    const n = makeNotify(soa, 99);
    expect(n.id).toBe(99);
    expect(n.flags).toEqual({ ...NO_FLAGS, opcode: OPCODE.NOTIFY, aa: true });
    expect(n.questions).toEqual([{ name: 'example.org.', type: TYPE.SOA, class: CLASS.IN }]);
    expect(n.answers).toEqual([soa]);
    const back = decodeMessage(encodeMessage(makeNotify(soa)));
    expect(back.flags.opcode).toBe(OPCODE.NOTIFY);
    expect(back.id).toBeGreaterThanOrEqual(0);
    expect(back.id).toBeLessThan(0x10000);
  });
});
