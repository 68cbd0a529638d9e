// DNS UPDATE (RFC 2136) on a zone in memory: the zone section (§3.1), every prerequisite
// form of §3.2 and its rcode, the prescan of §3.4.1, the semantics of §3.4.2, the serial
// (bumped once per changing update, RFC 1982 arithmetic), scope refusal, and the promise
// that the zone handed in is never changed (a copy is returned).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLASS, OPCODE, RCODE, TYPE } from '../../src/dns/constants.js';
import {
  type Message,
  makeRR,
  NO_FLAGS,
  type Question,
  type RR,
  type SoaData,
  txtData,
} from '../../src/dns/types.js';
import { applyUpdate, bumpSerial, serialGreater, type UpdateOutcome } from '../../src/dns/update.js';
import { Zone } from '../../src/dns/zone.js';
import { formatZone, parseZone } from '../../src/dns/zonefile.js';
import { arbNameUnder, arbRData } from './arbitraries.js';

const ORIGIN = 'example.org.';
const SERIAL = 100;

const ZONE = `
$TTL 3600
@         IN SOA  ns1 hostmaster ${SERIAL} 7200 3600 1209600 300
@         IN NS   ns1
@         IN NS   ns2
@         IN MX   10 mail
ns1       IN A    192.0.2.1
ns2       IN A    192.0.2.2
mail      IN A    192.0.2.25
www       IN A    192.0.2.10
www       IN A    192.0.2.11
www       IN TXT  "hello"
alias     IN CNAME www
_sip._tcp.deep IN SRV 0 5 5060 www
`;

function zoneOf(text = ZONE, origin = ORIGIN): Zone {
  return new Zone(origin, parseZone(text, { origin, file: 'test.zone' }).records);
}

const EMPTY = new Uint8Array(0);
const rr = (name: string, type: number, ttl: number, data: RR['data'], cls: number = CLASS.IN): RR =>
  ({ name, type, class: cls, ttl, data }) as RR;

// Prerequisites (§2.4).
const nameInUse = (name: string) => rr(name, TYPE.ANY, 0, EMPTY, CLASS.ANY);
const nameNotInUse = (name: string) => rr(name, TYPE.ANY, 0, EMPTY, CLASS.NONE);
const rrsetExists = (name: string, type: number) => rr(name, type, 0, EMPTY, CLASS.ANY);
const rrsetNotExists = (name: string, type: number) => rr(name, type, 0, EMPTY, CLASS.NONE);
const rrsetIs = (name: string, type: number, data: RR['data']) => rr(name, type, 0, data, CLASS.IN);

// Updates (§2.5).
const add = (name: string, type: number, ttl: number, data: RR['data']) =>
  rr(name, type, ttl, data, CLASS.IN);
const deleteSet = (name: string, type: number) => rr(name, type, 0, EMPTY, CLASS.ANY);
const deleteName = (name: string) => rr(name, TYPE.ANY, 0, EMPTY, CLASS.ANY);
const deleteRR = (name: string, type: number, data: RR['data']) => rr(name, type, 0, data, CLASS.NONE);

function updateMsg(prereqs: RR[], updates: RR[], zoneSection?: Question[]): Message {
  return {
    id: 1,
    flags: { ...NO_FLAGS, opcode: OPCODE.UPDATE },
    rcode: RCODE.NOERROR,
    questions: zoneSection ?? [{ name: ORIGIN, type: TYPE.SOA, class: CLASS.IN }],
    answers: prereqs,
    authority: updates,
    additional: [],
  };
}

/** Everything about a zone that an update could change, deep-copied. */
function snapshot(z: Zone): { text: string; records: RR[]; size: number } {
  const records = [...z.records()];
  return { text: formatZone({ origin: z.origin, records }), records: structuredClone(records), size: z.size };
}

/** Applies an update and checks, whatever the outcome, that the zone handed in did not change. */
function run(
  z: Zone,
  prereqs: RR[],
  updates: RR[],
  may: (name: string) => boolean = () => true,
): UpdateOutcome {
  const before = snapshot(z);
  const out = applyUpdate(z, updateMsg(prereqs, updates), may);
  expect(snapshot(z)).toEqual(before);
  return out;
}

function expectFail(out: UpdateOutcome, rcode: number): void {
  expect(out.ok ? 'ok' : out.rcode).toBe(rcode);
}

function applied(out: UpdateOutcome): Zone {
  if (!out.ok) throw new Error(`update failed: ${out.rcode} ${out.reason}`);
  return out.zone;
}

const dataOfSet = (z: Zone, name: string, type: number) => z.rrset(name, type).map((r) => r.data);

describe('applyUpdate: the zone section (§3.1)', () => {
  const z = zoneOf();
  const soaQ = (name = ORIGIN, type: number = TYPE.SOA): Question => ({ name, type, class: CLASS.IN });

  it('FORMERR without exactly one zone, or when its type is not SOA', () => {
    for (const section of [[], [soaQ(), soaQ()], [soaQ(ORIGIN, TYPE.A)]]) {
      expectFail(
        applyUpdate(z, updateMsg([], [], section), () => true),
        RCODE.FORMERR,
      );
    }
  });

  it('NOTAUTH for a zone that is not this one (a subdomain or a parent too)', () => {
    for (const name of ['example.net.', 'sub.example.org.', 'org.']) {
      expectFail(
        applyUpdate(z, updateMsg([], [], [soaQ(name)]), () => true),
        RCODE.NOTAUTH,
      );
    }
  });

  it('accepts the zone name in any case', () => {
    const out = applyUpdate(z, updateMsg([], [], [soaQ('EXAMPLE.Org.')]), () => true);
    expect(out.ok).toBe(true);
  });
});

describe('applyUpdate: prerequisites (§3.2)', () => {
  const z = zoneOf();
  const change = [add('new.example.org.', TYPE.A, 300, '192.0.2.99')];

  it('"name is in use": passes for a name with records, else NXDOMAIN (an empty non-terminal too)', () => {
    expect(run(z, [nameInUse('www.example.org.')], change).ok).toBe(true);
    expect(run(z, [nameInUse('WWW.EXAMPLE.ORG.')], change).ok).toBe(true);
    expectFail(run(z, [nameInUse('nope.example.org.')], change), RCODE.NXDOMAIN);
    expectFail(run(z, [nameInUse('deep.example.org.')], change), RCODE.NXDOMAIN);
  });

  it('"name is not in use": YXDOMAIN for a name with records, else passes', () => {
    expectFail(run(z, [nameNotInUse('www.example.org.')], change), RCODE.YXDOMAIN);
    expectFail(run(z, [nameNotInUse(ORIGIN)], change), RCODE.YXDOMAIN);
    expect(run(z, [nameNotInUse('nope.example.org.')], change).ok).toBe(true);
    expect(run(z, [nameNotInUse('deep.example.org.')], change).ok).toBe(true);
  });

  it('"RRset exists (value independent)": passes when there is one, else NXRRSET', () => {
    expect(run(z, [rrsetExists('www.example.org.', TYPE.A)], change).ok).toBe(true);
    expectFail(run(z, [rrsetExists('www.example.org.', TYPE.MX)], change), RCODE.NXRRSET);
    expectFail(run(z, [rrsetExists('nope.example.org.', TYPE.A)], change), RCODE.NXRRSET);
  });

  it('"RRset does not exist": YXRRSET when there is one, else passes', () => {
    expectFail(run(z, [rrsetNotExists('www.example.org.', TYPE.A)], change), RCODE.YXRRSET);
    expect(run(z, [rrsetNotExists('www.example.org.', TYPE.MX)], change).ok).toBe(true);
    expect(run(z, [rrsetNotExists('nope.example.org.', TYPE.A)], change).ok).toBe(true);
  });

  it('"RRset exists (value dependent)": the whole set must match, in any order, TTL aside', () => {
    const both = [
      rrsetIs('www.example.org.', TYPE.A, '192.0.2.11'),
      rrsetIs('WWW.example.org.', TYPE.A, '192.0.2.10'),
    ];
    expect(run(z, both, change).ok).toBe(true);
    // A subset, a superset, other data, a missing set: NXRRSET.
    expectFail(run(z, [rrsetIs('www.example.org.', TYPE.A, '192.0.2.10')], change), RCODE.NXRRSET);
    expectFail(run(z, [...both, rrsetIs('www.example.org.', TYPE.A, '192.0.2.12')], change), RCODE.NXRRSET);
    expectFail(
      run(
        z,
        [
          rrsetIs('www.example.org.', TYPE.A, '192.0.2.10'),
          rrsetIs('www.example.org.', TYPE.A, '192.0.2.99'),
        ],
        change,
      ),
      RCODE.NXRRSET,
    );
    expectFail(run(z, [rrsetIs('nope.example.org.', TYPE.A, '192.0.2.10')], change), RCODE.NXRRSET);
  });

  it('compares names inside record data without case, and TXT bytes exactly', () => {
    expect(run(z, [rrsetIs('alias.example.org.', TYPE.CNAME, 'WWW.Example.ORG.')], change).ok).toBe(true);
    expect(run(z, [rrsetIs('www.example.org.', TYPE.TXT, txtData('hello'))], change).ok).toBe(true);
    expectFail(run(z, [rrsetIs('www.example.org.', TYPE.TXT, txtData('Hello'))], change), RCODE.NXRRSET);
  });

  it('checks every value-dependent set: one failing group fails the update', () => {
    const prereqs = [
      rrsetIs('www.example.org.', TYPE.A, '192.0.2.10'),
      rrsetIs('www.example.org.', TYPE.A, '192.0.2.11'),
      rrsetIs('mail.example.org.', TYPE.A, '192.0.2.26'),
    ];
    expectFail(run(z, prereqs, change), RCODE.NXRRSET);
  });

  it('FORMERR for a TTL other than 0, data in an existence check, or another class', () => {
    expectFail(run(z, [{ ...nameInUse('www.example.org.'), ttl: 1 }], change), RCODE.FORMERR);
    expectFail(
      run(
        z,
        [rrsetIs('www.example.org.', TYPE.A, '192.0.2.10')].map((r) => ({ ...r, ttl: 60 })),
        change,
      ),
      RCODE.FORMERR,
    );
    expectFail(run(z, [rr('www.example.org.', TYPE.A, 0, '192.0.2.10', CLASS.ANY)], change), RCODE.FORMERR);
    expectFail(run(z, [rr('www.example.org.', TYPE.A, 0, '192.0.2.10', CLASS.NONE)], change), RCODE.FORMERR);
    expectFail(run(z, [rr('www.example.org.', TYPE.A, 0, EMPTY, CLASS.CH)], change), RCODE.FORMERR);
  });

  it('NOTZONE for a prerequisite name outside the zone', () => {
    expectFail(run(z, [nameNotInUse('www.example.net.')], change), RCODE.NOTZONE);
  });

  it('applies nothing when a prerequisite fails', () => {
    const out = run(z, [nameInUse('nope.example.org.')], change);
    expect(out.ok).toBe(false);
    expect(z.exists('new.example.org.')).toBe(false);
  });
});

describe('applyUpdate: the prescan (§3.4.1)', () => {
  const z = zoneOf();

  it('NOTZONE for an update outside the zone', () => {
    expectFail(run(z, [], [add('www.example.net.', TYPE.A, 60, '192.0.2.1')]), RCODE.NOTZONE);
    expectFail(run(z, [], [deleteName('org.')]), RCODE.NOTZONE);
  });

  it('FORMERR for adding a meta or query type', () => {
    for (const type of [TYPE.ANY, TYPE.AXFR, TYPE.IXFR, TYPE.OPT, TYPE.TSIG, 253, 254]) {
      expectFail(run(z, [], [add('www.example.org.', type, 60, EMPTY)]), RCODE.FORMERR);
    }
  });

  it('FORMERR for an RRset delete with a TTL, data, or a query type other than ANY', () => {
    expectFail(run(z, [], [{ ...deleteSet('www.example.org.', TYPE.A), ttl: 60 }]), RCODE.FORMERR);
    expectFail(run(z, [], [rr('www.example.org.', TYPE.A, 0, '192.0.2.10', CLASS.ANY)]), RCODE.FORMERR);
    expectFail(run(z, [], [deleteSet('www.example.org.', TYPE.AXFR)]), RCODE.FORMERR);
    expect(run(z, [], [deleteSet('www.example.org.', TYPE.ANY)]).ok).toBe(true);
  });

  it('FORMERR for a single-record delete with a TTL or of type ANY', () => {
    expectFail(
      run(z, [], [{ ...deleteRR('www.example.org.', TYPE.A, '192.0.2.10'), ttl: 60 }]),
      RCODE.FORMERR,
    );
    expectFail(run(z, [], [deleteRR('www.example.org.', TYPE.ANY, EMPTY)]), RCODE.FORMERR);
  });

  it('FORMERR for an update record in another class', () => {
    expectFail(run(z, [], [rr('www.example.org.', TYPE.A, 60, '192.0.2.1', CLASS.CH)]), RCODE.FORMERR);
  });

  it('checks every record before changing anything', () => {
    const out = run(
      z,
      [],
      [add('ok.example.org.', TYPE.A, 60, '192.0.2.1'), add('bad.example.net.', TYPE.A, 60, '192.0.2.1')],
    );
    expectFail(out, RCODE.NOTZONE);
    const out2 = run(
      z,
      [],
      [add('ok.example.org.', TYPE.A, 60, '192.0.2.1'), deleteRR('x.example.org.', TYPE.ANY, EMPTY)],
    );
    expectFail(out2, RCODE.FORMERR);
  });

  // Regression: an add with empty data for a typed record is FORMERR (BIND agrees), never stored.
  it('FORMERR for an add with empty data of a type that has fields', () => {
    for (const type of [TYPE.A, TYPE.AAAA, TYPE.CNAME, TYPE.MX, TYPE.NS, TYPE.SRV]) {
      expectFail(run(z, [], [add('e.example.org.', type, 60, EMPTY)]), RCODE.FORMERR);
    }
  });
});

describe('applyUpdate: adding records (§3.4.2.2)', () => {
  it('adds a record and bumps the serial by one', () => {
    const z = zoneOf();
    const out = run(z, [], [add('new.example.org.', TYPE.A, 300, '192.0.2.99')]);
    const next = applied(out);
    expect(next).not.toBe(z);
    expect(dataOfSet(next, 'new.example.org.', TYPE.A)).toEqual(['192.0.2.99']);
    expect(next.serial).toBe(SERIAL + 1);
    expect(out.ok && out.changes).toEqual([
      { op: 'add', rr: add('new.example.org.', TYPE.A, 300, '192.0.2.99') },
    ]);
    expect(next.lookup('new.example.org.', TYPE.A).kind).toBe('answer');
  });

  it('ignores a duplicate: no change, the same zone object, the serial kept', () => {
    const z = zoneOf();
    const out = run(z, [], [add('WWW.example.org.', TYPE.A, 3600, '192.0.2.10')]);
    expect(out.ok && out.changes).toEqual([]);
    expect(out.ok && out.zone).toBe(z);
  });

  // Regression: a duplicate with a new TTL retimes the RRset (RFC 2136 §3.4.2.2, RFC 2181 §5.2).
  it('changes the TTL of an RRset when a record is re-added with another TTL', () => {
    const z = zoneOf();
    const next = applied(run(z, [], [add('www.example.org.', TYPE.A, 60, '192.0.2.10')]));
    expect(next.serial).toBe(SERIAL + 1);
    expect(next.rrset('www.example.org.', TYPE.A).map((r) => r.ttl)).toEqual([60, 60]);
  });

  it('gives the whole RRset the TTL of a new record (RFC 2181 §5.2)', () => {
    const z = zoneOf();
    const next = applied(run(z, [], [add('www.example.org.', TYPE.A, 120, '192.0.2.12')]));
    expect(next.rrset('www.example.org.', TYPE.A).map((r) => `${r.data}/${r.ttl}`)).toEqual([
      '192.0.2.10/120',
      '192.0.2.11/120',
      '192.0.2.12/120',
    ]);
    expect(z.rrset('www.example.org.', TYPE.A).map((r) => r.ttl)).toEqual([3600, 3600]);
  });

  it('ignores a CNAME at a name with other data, and other data at a CNAME', () => {
    const z = zoneOf();
    for (const u of [
      add('www.example.org.', TYPE.CNAME, 60, 'mail.example.org.'),
      add('alias.example.org.', TYPE.A, 60, '192.0.2.1'),
      add('alias.example.org.', TYPE.TXT, 60, txtData('x')),
    ]) {
      const out = run(z, [], [u]);
      expect(out.ok && out.changes).toEqual([]);
      expect(out.ok && out.zone).toBe(z);
    }
  });

  it('replaces a CNAME by a new one', () => {
    const z = zoneOf();
    const next = applied(run(z, [], [add('alias.example.org.', TYPE.CNAME, 60, 'mail.example.org.')]));
    expect(dataOfSet(next, 'alias.example.org.', TYPE.CNAME)).toEqual(['mail.example.org.']);
    expect(next.serial).toBe(SERIAL + 1);
  });

  // Regression: re-adding the CNAME a name has is a no-op (no serial bump, no commit).
  it('ignores a CNAME that is already there', () => {
    const z = zoneOf();
    const out = run(z, [], [add('alias.example.org.', TYPE.CNAME, 3600, 'www.example.org.')]);
    expect(out.ok && out.changes).toEqual([]);
    expect(out.ok && out.zone).toBe(z);
  });

  it('replaces the SOA only with a greater serial, and does not bump it again', () => {
    const z = zoneOf();
    const soa = (serial: number) =>
      add(ORIGIN, TYPE.SOA, 3600, { ...(z.soa.data as SoaData), serial, refresh: 999 });
    for (const serial of [SERIAL, SERIAL - 1, 0]) {
      const out = run(z, [], [soa(serial)]);
      expect(out.ok && out.zone).toBe(z);
    }
    const next = applied(run(z, [], [soa(SERIAL + 10)]));
    expect(next.serial).toBe(SERIAL + 10);
    expect(next.soa.data.refresh).toBe(999);
    expect([...next.records()].filter((r) => r.type === TYPE.SOA)).toHaveLength(1);
    // With other changes in the same update: the given serial, not one more.
    const both = applied(run(z, [], [soa(SERIAL + 10), add('n.example.org.', TYPE.A, 60, '192.0.2.1')]));
    expect(both.serial).toBe(SERIAL + 10);
  });

  it('ignores an SOA at a name other than the apex', () => {
    const z = zoneOf();
    const out = run(
      z,
      [],
      [add('www.example.org.', TYPE.SOA, 3600, { ...(z.soa.data as SoaData), serial: SERIAL + 1 })],
    );
    expect(out.ok && out.zone).toBe(z);
  });

  it('takes an SOA serial that is greater across the wrap (RFC 1982)', () => {
    const z = zoneOf(ZONE.replace(`hostmaster ${SERIAL}`, 'hostmaster 4294967295'));
    const next = applied(
      run(z, [], [add(ORIGIN, TYPE.SOA, 3600, { ...(z.soa.data as SoaData), serial: 5 })]),
    );
    expect(next.serial).toBe(5);
  });
});

describe('applyUpdate: deleting (§3.4.2.3, §3.4.2.4, §3.4.2.5)', () => {
  it('deletes an RRset and leaves the other sets at the name', () => {
    const z = zoneOf();
    const next = applied(run(z, [], [deleteSet('www.example.org.', TYPE.A)]));
    expect(next.rrset('www.example.org.', TYPE.A)).toEqual([]);
    expect(next.rrset('www.example.org.', TYPE.TXT)).toHaveLength(1);
    expect(next.serial).toBe(SERIAL + 1);
    expect(z.rrset('www.example.org.', TYPE.A)).toHaveLength(2);
  });

  it('deleting a missing RRset is a no-op', () => {
    const z = zoneOf();
    const out = run(z, [], [deleteSet('www.example.org.', TYPE.MX), deleteSet('nope.example.org.', TYPE.A)]);
    expect(out.ok && out.zone).toBe(z);
  });

  it('never deletes the SOA or NS RRset at the apex', () => {
    const z = zoneOf();
    for (const type of [TYPE.SOA, TYPE.NS]) {
      const out = run(z, [], [deleteSet(ORIGIN, type)]);
      expect(out.ok && out.zone).toBe(z);
    }
  });

  it('deletes every RRset of a name', () => {
    const z = zoneOf();
    const next = applied(run(z, [], [deleteName('WWW.example.org.')]));
    expect(next.exists('www.example.org.')).toBe(false);
    expect(next.lookup('www.example.org.', TYPE.A).kind).toBe('nxdomain');
    expect(next.serial).toBe(SERIAL + 1);
  });

  it('deleting the apex name keeps its SOA and NS', () => {
    const z = zoneOf();
    const next = applied(run(z, [], [deleteName(ORIGIN)]));
    expect(next.rrset(ORIGIN, TYPE.MX)).toEqual([]);
    expect(next.rrset(ORIGIN, TYPE.NS)).toHaveLength(2);
    expect(next.rrset(ORIGIN, TYPE.SOA)).toHaveLength(1);
    expect(next.serial).toBe(SERIAL + 1);
  });

  it('prunes the empty non-terminals of a deleted name', () => {
    const z = zoneOf();
    const next = applied(run(z, [], [deleteName('_sip._tcp.deep.example.org.')]));
    expect(next.lookup('deep.example.org.', TYPE.A).kind).toBe('nxdomain');
    expect(z.lookup('deep.example.org.', TYPE.A).kind).toBe('nodata');
  });

  it('deletes one record by value, names in data without case', () => {
    const z = zoneOf();
    const next = applied(run(z, [], [deleteRR('www.example.org.', TYPE.A, '192.0.2.10')]));
    expect(dataOfSet(next, 'www.example.org.', TYPE.A)).toEqual(['192.0.2.11']);
    const n2 = applied(run(z, [], [deleteRR('alias.example.org.', TYPE.CNAME, 'WWW.EXAMPLE.ORG.')]));
    expect(n2.exists('alias.example.org.')).toBe(false);
    const n3 = applied(
      run(z, [], [deleteRR(ORIGIN, TYPE.MX, { preference: 10, exchange: 'MAIL.example.org.' })]),
    );
    expect(n3.rrset(ORIGIN, TYPE.MX)).toEqual([]);
  });

  it('deleting a record that is not there is a no-op', () => {
    const z = zoneOf();
    const out = run(z, [], [deleteRR('www.example.org.', TYPE.A, '192.0.2.99')]);
    expect(out.ok && out.zone).toBe(z);
  });

  it('ignores a single-record delete of the SOA', () => {
    const z = zoneOf();
    const out = run(z, [], [deleteRR(ORIGIN, TYPE.SOA, z.soa.data)]);
    expect(out.ok && out.zone).toBe(z);
  });

  it('deletes an apex NS record but never the last one', () => {
    const z = zoneOf();
    const one = applied(run(z, [], [deleteRR(ORIGIN, TYPE.NS, 'ns2.example.org.')]));
    expect(dataOfSet(one, ORIGIN, TYPE.NS)).toEqual(['ns1.example.org.']);
    const last = run(one, [], [deleteRR(ORIGIN, TYPE.NS, 'ns1.example.org.')]);
    expect(last.ok && last.zone).toBe(one);
    // Both in one update: the first goes, the last stays.
    const both = applied(
      run(
        z,
        [],
        [deleteRR(ORIGIN, TYPE.NS, 'ns1.example.org.'), deleteRR(ORIGIN, TYPE.NS, 'ns2.example.org.')],
      ),
    );
    expect(both.rrset(ORIGIN, TYPE.NS)).toHaveLength(1);
  });

  it('applies the records in order: add then delete of one name', () => {
    const z = zoneOf();
    const next = applied(
      run(
        z,
        [],
        [
          add('t.example.org.', TYPE.A, 60, '192.0.2.1'),
          add('t.example.org.', TYPE.A, 60, '192.0.2.2'),
          deleteRR('t.example.org.', TYPE.A, '192.0.2.1'),
        ],
      ),
    );
    expect(dataOfSet(next, 't.example.org.', TYPE.A)).toEqual(['192.0.2.2']);
  });
});

describe('applyUpdate: the serial', () => {
  it('is bumped exactly once for an update with many changes', () => {
    const z = zoneOf();
    const next = applied(
      run(
        z,
        [],
        [
          add('a.example.org.', TYPE.A, 60, '192.0.2.1'),
          add('b.example.org.', TYPE.A, 60, '192.0.2.2'),
          deleteSet('www.example.org.', TYPE.TXT),
          deleteRR('www.example.org.', TYPE.A, '192.0.2.10'),
        ],
      ),
    );
    expect(next.serial).toBe(SERIAL + 1);
  });

  it('wraps from 2^32-1 to 0 (RFC 1982)', () => {
    const z = zoneOf(ZONE.replace(`hostmaster ${SERIAL}`, 'hostmaster 4294967295'));
    const next = applied(run(z, [], [add('a.example.org.', TYPE.A, 60, '192.0.2.1')]));
    expect(next.serial).toBe(0);
    expect(z.serial).toBe(4294967295);
  });

  it('serialGreater follows RFC 1982 §3.2', () => {
    expect(serialGreater(1, 0)).toBe(true);
    expect(serialGreater(0, 1)).toBe(false);
    expect(serialGreater(5, 5)).toBe(false);
    expect(serialGreater(0, 0xffffffff)).toBe(true);
    expect(serialGreater(0xffffffff, 0)).toBe(false);
    expect(serialGreater(0x7fffffff, 0)).toBe(true);
    // Exactly 2^31 apart: undefined, so not greater either way.
    expect(serialGreater(0x80000000, 0)).toBe(false);
    expect(serialGreater(0, 0x80000000)).toBe(false);
  });

  it('bumpSerial changes only the zone it is given', () => {
    const z = zoneOf();
    const c = z.clone();
    bumpSerial(c);
    expect(c.serial).toBe(SERIAL + 1);
    expect(z.serial).toBe(SERIAL);
  });
});

describe('applyUpdate: scope', () => {
  it('REFUSED when the key may not update one of the names, and nothing changes', () => {
    const z = zoneOf();
    const asked: string[] = [];
    const may = (name: string) => {
      asked.push(name);
      return name.toLowerCase().endsWith('home.example.org.');
    };
    const out = run(
      z,
      [],
      [
        add('pc.home.example.org.', TYPE.A, 60, '192.0.2.7'),
        add('www.example.org.', TYPE.A, 60, '192.0.2.8'),
      ],
      may,
    );
    expectFail(out, RCODE.REFUSED);
    expect(asked).toContain('www.example.org.');
    expect(z.exists('pc.home.example.org.')).toBe(false);
    const ok = applied(run(z, [], [add('pc.home.example.org.', TYPE.A, 60, '192.0.2.7')], may));
    expect(ok.exists('pc.home.example.org.')).toBe(true);
  });

  it('REFUSED for a delete out of scope too', () => {
    expectFail(
      run(zoneOf(), [], [deleteName('www.example.org.')], () => false),
      RCODE.REFUSED,
    );
  });
});

describe('applyUpdate: the zone handed in never changes (property)', () => {
  const NAMES = [
    ORIGIN,
    'www.example.org.',
    'WWW.Example.org.',
    'alias.example.org.',
    'mail.example.org.',
    'new.example.org.',
    'deep.example.org.',
    '_sip._tcp.deep.example.org.',
    'www.example.net.',
  ];
  const TYPES = [
    TYPE.A,
    TYPE.AAAA,
    TYPE.NS,
    TYPE.CNAME,
    TYPE.SOA,
    TYPE.MX,
    TYPE.TXT,
    TYPE.DS,
    TYPE.ANY,
    TYPE.AXFR,
  ];
  const arbName = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NAMES) },
    { weight: 1, arbitrary: arbNameUnder(ORIGIN) },
  );
  const arbUpdateRR: fc.Arbitrary<RR> = fc
    .record({
      name: arbName,
      type: fc.constantFrom(...TYPES),
      cls: fc.constantFrom<number>(CLASS.IN, CLASS.IN, CLASS.ANY, CLASS.NONE, CLASS.CH),
      ttl: fc.constantFrom(0, 0, 60, 3600),
      empty: fc.boolean(),
    })
    .chain(({ name, type, cls, ttl, empty }) =>
      (empty ? fc.constant<RR['data']>(EMPTY) : arbRData(type)).map((data) => rr(name, type, ttl, data, cls)),
    );
  const arbZoneSection = fc.oneof(
    { weight: 8, arbitrary: fc.constant<Question[]>([{ name: ORIGIN, type: TYPE.SOA, class: CLASS.IN }]) },
    {
      weight: 1,
      arbitrary: fc.array(
        fc.record({
          name: arbName,
          type: fc.constantFrom<number>(TYPE.SOA, TYPE.A),
          class: fc.constant<number>(CLASS.IN),
        }),
        { maxLength: 2 },
      ),
    },
  );
  const RCODES = new Set<number>([
    RCODE.FORMERR,
    RCODE.NXDOMAIN,
    RCODE.YXDOMAIN,
    RCODE.YXRRSET,
    RCODE.NXRRSET,
    RCODE.NOTAUTH,
    RCODE.NOTZONE,
    RCODE.REFUSED,
  ]);

  it('a refused or failing update (and a successful one) leaves the input zone as it was', () => {
    const base = zoneOf();
    fc.assert(
      fc.property(
        arbZoneSection,
        fc.array(arbUpdateRR, { maxLength: 4 }),
        fc.array(arbUpdateRR, { maxLength: 5 }),
        fc.oneof(
          fc.constant(() => true),
          fc.func(fc.boolean()),
        ),
        (section, prereqs, updates, may) => {
          const z = base.clone();
          const before = snapshot(z);
          const out = applyUpdate(z, updateMsg(prereqs, updates, section), (n) => may(n));
          expect(snapshot(z)).toEqual(before);
          if (!out.ok) {
            expect(RCODES.has(out.rcode)).toBe(true);
            expect(out.reason.length).toBeGreaterThan(0);
          } else if (out.changes.length === 0) {
            expect(out.zone).toBe(z);
          } else {
            expect(out.zone).not.toBe(z);
            const soaAdded = out.changes.some((c) => c.op === 'add' && c.rr.type === TYPE.SOA);
            if (!soaAdded) expect(out.zone.serial).toBe((z.serial + 1) >>> 0);
            else expect(serialGreater(out.zone.serial, z.serial)).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a refused update never changes the zone, whatever it holds', () => {
    fc.assert(
      fc.property(fc.array(arbUpdateRR, { minLength: 1, maxLength: 5 }), (updates) => {
        const z = zoneOf();
        const before = snapshot(z);
        const out = applyUpdate(z, updateMsg([], updates), () => false);
        expect(out.ok && out.changes.length > 0).toBe(false);
        expect(snapshot(z)).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('the Message passed to it is a plain input: an update with a TXT value keeps its bytes', () => {
    const z = zoneOf();
    const next = applied(run(z, [], [add('t.example.org.', TYPE.TXT, 60, txtData('v=spf1 -all'))]));
    expect(next.rrset('t.example.org.', TYPE.TXT)[0]?.data).toEqual(txtData('v=spf1 -all'));
    expect(makeRR('t.example.org.', TYPE.TXT, 60, txtData('x')).class).toBe(CLASS.IN);
  });
});
