// The answer of an authoritative server to a standard query, as nsd gives it with minimal
// responses: AA on answers from our data, nothing extra on positive answers (glue only for an
// NS set), referrals with NS and glue and AA off, negative answers with the SOA in authority
// at min(SOA TTL, MINIMUM), REFUSED outside our zones (we never recurse). Pure: a decoded
// query in, a message out; the server adds transport, TSIG and transfers around it.
import { randomInt } from 'node:crypto';
import { type Catalog, lookupAcross } from './catalog.js';
import { CLASS, OPCODE, RCODE, TYPE } from './constants.js';
import { type Edns, type Message, NO_FLAGS, type RR } from './types.js';
import type { Zone } from './zone.js';

/** The UDP payload size we advertise and answer within (the DNS flag day 2020 value, as nsd). */
export const EDNS_UDP_SIZE = 1232;

/** The EDNS part of a response to a query that had OPT (RFC 6891 §6.1.1, §7). */
export function responseEdns(query: Message): Edns | undefined {
  if (!query.edns) return undefined;
  return { udpSize: EDNS_UDP_SIZE, version: 0, do: query.edns.do, options: [] };
}

/** Largest UDP response for a query: 512 without EDNS, else the client's size up to ours. */
export function udpLimit(query: Message): number {
  if (!query.edns) return 512;
  return Math.min(Math.max(512, query.edns.udpSize), EDNS_UDP_SIZE);
}

/** A response skeleton: the query's id, opcode, RD and CD and question, QR set. */
export function responseTo(query: Message, rcode: number = RCODE.NOERROR): Message {
  return {
    id: query.id,
    flags: {
      qr: true,
      opcode: query.flags.opcode,
      aa: false,
      tc: false,
      rd: query.flags.rd,
      ra: false,
      ad: false,
      cd: query.flags.cd,
    },
    rcode,
    questions: query.questions.slice(0, 1),
    answers: [],
    authority: [],
    additional: [],
    edns: responseEdns(query),
  };
}

/** Answers a standard query (opcode QUERY, one question) from the catalog. */
export function answerQuery(catalog: Catalog, query: Message): Message {
  if (query.edns && query.edns.version > 0) {
    // RFC 6891 §6.1.3: answer an unknown version with BADVERS and our version, 0.
    const res = responseTo(query, RCODE.BADVERS);
    res.questions = query.questions.slice(0, 1);
    return res;
  }
  if (query.flags.opcode !== OPCODE.QUERY) return responseTo(query, RCODE.NOTIMP);
  const q = query.questions[0];
  if (query.questions.length !== 1 || !q || query.flags.qr) return responseTo(query, RCODE.FORMERR);
  if (q.type === TYPE.AXFR || q.type === TYPE.IXFR) return responseTo(query, RCODE.NOTIMP); // not over UDP
  if (q.class !== CLASS.IN && q.class !== CLASS.ANY) return responseTo(query, RCODE.REFUSED);
  const hit = lookupAcross(catalog, q.name, q.type);
  if (!hit) return responseTo(query, RCODE.REFUSED);
  const { zone, found } = hit;
  const res = responseTo(query);
  res.answers = found.chain;
  switch (found.kind) {
    case 'answer':
      res.flags.aa = true;
      res.answers = found.chain.concat(found.records);
      if (q.type === TYPE.NS && found.records[0]?.type === TYPE.NS)
        res.additional = glueOf(zone, found.records);
      break;
    case 'out':
      res.flags.aa = true;
      break;
    case 'yxdomain':
      // The DNAME alone: the name it would make is too long (RFC 6672 §2.2).
      res.flags.aa = true;
      res.rcode = RCODE.YXDOMAIN;
      break;
    case 'nodata':
    case 'nxdomain':
      res.flags.aa = true;
      if (found.kind === 'nxdomain') res.rcode = RCODE.NXDOMAIN;
      res.authority = [negativeSoa(zone)];
      break;
    case 'referral':
      // AA stays on when a CNAME of ours led to the cut: the CNAME is authoritative data.
      res.flags.aa = found.chain.length > 0;
      res.authority = found.ns;
      res.additional = found.glue;
      break;
  }
  if (q.class === CLASS.ANY) {
    // QCLASS * answers are never authoritative (RFC 1035 §6.2), nor do they prove absence.
    res.flags.aa = false;
    if (found.kind === 'nodata' || found.kind === 'nxdomain') res.authority = [];
  }
  return res;
}

/** The SOA as it goes in the authority section of a negative answer (RFC 2308 §3). */
export function negativeSoa(zone: Zone): RR {
  const soa = zone.soa;
  return { ...soa, ttl: zone.negativeTtl };
}

function glueOf(zone: Zone, ns: RR[]): RR[] {
  const out: RR[] = [];
  for (const rr of ns) {
    const target = rr.data as string;
    if (!zone.contains(target)) continue;
    out.push(...zone.rrset(target, TYPE.A), ...zone.rrset(target, TYPE.AAAA));
  }
  return out;
}

/** A NOTIFY for a zone (RFC 1996 §3.7): AA set, the SOA as question and as answer. */
export function makeNotify(soa: RR, id = randomInt(0x10000)): Message {
  return {
    id,
    flags: { ...NO_FLAGS, opcode: OPCODE.NOTIFY, aa: true },
    rcode: RCODE.NOERROR,
    questions: [{ name: soa.name, type: TYPE.SOA, class: soa.class }],
    answers: [soa],
    authority: [],
    additional: [],
  };
}
