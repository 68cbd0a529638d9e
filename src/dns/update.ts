// DNS UPDATE (RFC 2136 §3): the zone section, prerequisites, the prescan and the changes,
// applied to a copy of the zone so a refused or failing update changes nothing. Pure: the
// server checks TSIG first and passes the key's scope as `mayUpdate`.
import { CLASS, isMetaType, RCODE, TYPE } from './constants.js';
import { nameKey, namesEqual } from './name.js';
import { isKnownType, type Message, type RR, type SoaData } from './types.js';
import { dataKey, sameData, type Zone } from './zone.js';

export type UpdateOutcome =
  /** Applied (or a no-op when `changes` is empty); `zone` is the new zone, serial bumped when changed. */
  { ok: true; zone: Zone; changes: UpdateChange[] } | { ok: false; rcode: number; reason: string };

export interface UpdateChange {
  op: 'add' | 'delete';
  rr: RR;
}

const fail = (rcode: number, reason: string): UpdateOutcome => ({ ok: false, rcode, reason });

/**
 * Applies an UPDATE message to a zone. `mayUpdate(name)` says whether the signer may touch
 * a name (its TSIG scope); a name outside it refuses the whole update.
 */
export function applyUpdate(zone: Zone, msg: Message, mayUpdate: (name: string) => boolean): UpdateOutcome {
  // In UPDATE the sections are renamed: zone, prerequisite, update, additional (§2).
  const zq = msg.questions;
  if (zq.length !== 1 || zq[0]?.type !== TYPE.SOA)
    return fail(RCODE.FORMERR, 'the zone section must hold one SOA question');
  const zoneClass = zq[0].class;
  if (!namesEqual(zq[0].name, zone.origin)) return fail(RCODE.NOTAUTH, `not authoritative for ${zq[0].name}`);
  const prereqs = msg.answers;
  const updates = msg.authority;

  for (const rr of prereqs) {
    const bad = checkPrerequisite(zone, rr, zoneClass);
    if (bad) return bad;
  }
  const valueSets = checkValueSets(zone, prereqs, zoneClass);
  if (valueSets) return valueSets;

  for (const rr of updates) {
    if (!zone.contains(rr.name)) return fail(RCODE.NOTZONE, `${rr.name} is outside zone ${zone.origin}`);
    if (rr.class === zoneClass) {
      if (isMetaType(rr.type)) return fail(RCODE.FORMERR, `cannot add a record of meta type ${rr.type}`);
      // Empty data is only meaningful in deletes; an added A without an address is malformed.
      if (isEmpty(rr) && isKnownType(rr.type)) return fail(RCODE.FORMERR, `record ${rr.name} without data`);
    } else if (rr.class === CLASS.ANY) {
      if (rr.ttl !== 0 || !isEmpty(rr) || (isMetaType(rr.type) && rr.type !== TYPE.ANY)) {
        return fail(RCODE.FORMERR, 'a delete of an RRset must have TTL 0 and no data');
      }
    } else if (rr.class === CLASS.NONE) {
      if (rr.ttl !== 0 || isMetaType(rr.type))
        return fail(RCODE.FORMERR, 'a delete of a record must have TTL 0');
    } else {
      return fail(RCODE.FORMERR, `update record in class ${rr.class}`);
    }
    if (!mayUpdate(rr.name)) return fail(RCODE.REFUSED, `the key may not update ${rr.name}`);
  }

  const next = zone.clone();
  const changes: UpdateChange[] = [];
  for (const rr of updates) applyOne(next, rr, zoneClass, changes);
  if (changes.length === 0) return { ok: true, zone, changes };
  if (!changes.some((c) => c.rr.type === TYPE.SOA && c.op === 'add')) bumpSerial(next);
  return { ok: true, zone: next, changes };
}

function checkPrerequisite(zone: Zone, rr: RR, zoneClass: number): UpdateOutcome | undefined {
  if (rr.ttl !== 0) return fail(RCODE.FORMERR, 'a prerequisite must have TTL 0');
  if (!zone.contains(rr.name)) return fail(RCODE.NOTZONE, `prerequisite ${rr.name} is outside the zone`);
  const inUse = zone.recordsAt(rr.name).length > 0;
  if (rr.class === CLASS.ANY) {
    if (!isEmpty(rr)) return fail(RCODE.FORMERR, 'an existence prerequisite must have no data');
    if (rr.type === TYPE.ANY) return inUse ? undefined : fail(RCODE.NXDOMAIN, `${rr.name} is not in use`);
    return zone.rrset(rr.name, rr.type).length > 0
      ? undefined
      : fail(RCODE.NXRRSET, `no ${rr.type} RRset at ${rr.name}`);
  }
  if (rr.class === CLASS.NONE) {
    if (!isEmpty(rr)) return fail(RCODE.FORMERR, 'a non-existence prerequisite must have no data');
    if (rr.type === TYPE.ANY) return inUse ? fail(RCODE.YXDOMAIN, `${rr.name} is in use`) : undefined;
    return zone.rrset(rr.name, rr.type).length > 0
      ? fail(RCODE.YXRRSET, `${rr.type} RRset exists at ${rr.name}`)
      : undefined;
  }
  if (rr.class === zoneClass) return undefined; // value-dependent: compared as whole sets below
  return fail(RCODE.FORMERR, `prerequisite in class ${rr.class}`);
}

/** "RRset exists (value dependent)": the prerequisite records of a name and type equal the set (§3.2.3). */
function checkValueSets(zone: Zone, prereqs: RR[], zoneClass: number): UpdateOutcome | undefined {
  const groups = new Map<string, RR[]>();
  for (const rr of prereqs) {
    if (rr.class !== zoneClass) continue;
    const key = `${nameKey(rr.name)} ${rr.type}`;
    groups.set(key, [...(groups.get(key) ?? []), rr]);
  }
  for (const group of groups.values()) {
    const first = group[0] as RR;
    const have = new Set(zone.rrset(first.name, first.type).map(dataKey));
    const want = new Set(group.map(dataKey));
    if (have.size !== want.size || [...want].some((k) => !have.has(k))) {
      return fail(RCODE.NXRRSET, `the ${first.type} RRset at ${first.name} differs from the prerequisite`);
    }
  }
  return undefined;
}

function isEmpty(rr: RR): boolean {
  return rr.data instanceof Uint8Array && rr.data.length === 0;
}

/** One update record (§3.4.2), recording what really changed. */
function applyOne(zone: Zone, rr: RR, zoneClass: number, changes: UpdateChange[]): void {
  const apex = namesEqual(rr.name, zone.origin);
  if (rr.class === zoneClass) {
    if (rr.type === TYPE.SOA) {
      if (!apex) return;
      const old = zone.soa;
      if (!serialGreater((rr.data as SoaData).serial, old.data.serial)) return;
      zone.remove(old);
      changes.push({ op: 'delete', rr: old });
      zone.add(rr);
      changes.push({ op: 'add', rr });
      return;
    }
    const hasCname = zone.rrset(rr.name, TYPE.CNAME).length > 0;
    const hasOther = zone.recordsAt(rr.name).some((r) => r.type !== TYPE.CNAME);
    // A CNAME cannot share its name with other data (RFC 1034 §3.6.2; RFC 2136 §3.4.2.2).
    if (rr.type === TYPE.CNAME ? hasOther : hasCname) return;
    const existing = zone.rrset(rr.name, rr.type).find((x) => sameData(x, rr));
    if (existing && existing.ttl === rr.ttl) return; // a duplicate: nothing to do
    if (rr.type === TYPE.CNAME && hasCname && !existing) {
      // A name has one CNAME: a new target replaces the old one.
      for (const old of zone.removeSet(rr.name, TYPE.CNAME)) changes.push({ op: 'delete', rr: old });
    }
    if (existing) changes.push({ op: 'delete', rr: { ...existing } });
    zone.add({ ...rr });
    changes.push({ op: 'add', rr });
    return;
  }
  if (rr.class === CLASS.ANY) {
    const types = rr.type === TYPE.ANY ? [...new Set(zone.recordsAt(rr.name).map((r) => r.type))] : [rr.type];
    for (const t of types) {
      if (apex && (t === TYPE.SOA || t === TYPE.NS)) continue; // the apex keeps SOA and NS
      for (const old of zone.removeSet(rr.name, t)) changes.push({ op: 'delete', rr: old });
    }
    return;
  }
  // Class NONE: delete one record.
  if (rr.type === TYPE.SOA) return;
  if (apex && rr.type === TYPE.NS && zone.rrset(rr.name, TYPE.NS).length <= 1) return;
  const target = { ...rr, class: zoneClass } as RR;
  const old = zone.rrset(rr.name, rr.type).find((x) => sameData(x, target));
  if (old && zone.remove(old)) changes.push({ op: 'delete', rr: old });
}

/** RFC 1982 serial comparison: a is greater than b. */
export function serialGreater(a: number, b: number): boolean {
  return a !== b && ((a > b && a - b < 2 ** 31) || (a < b && b - a > 2 ** 31));
}

/** Increments the SOA serial (RFC 1982 addition: wraps at 2^32). */
export function bumpSerial(zone: Zone): void {
  const soa = zone.soa;
  const data: SoaData = soa.data;
  soa.data = { ...data, serial: (data.serial + 1) >>> 0 };
}
