// Differential test of our authoritative answers against nsd's: the same generated zones
// (example.org and child.example.org, delegated from it) are served by nsd (minimal-responses,
// refuse-any off, rate limiting off) and by `poste dns serve`, each on a free loopback port.
// Every query of the generated set goes to both over UDP (no EDNS, EDNS at 512 and 1232
// bytes, EDNS with DO at 4096) and over TCP (plain, and EDNS with DO), RD set on every other
// query; then a small edge set (CD, AD, classes CH and ANY, EDNS version 1, an unknown EDNS
// option, meta types). The replies are decoded with our codec and compared field by field:
// rcode, opcode, every header flag, the question as echoed (its case too), OPT (size,
// version, DO, option codes), and the answer, authority and additional sections as
// multisets of records (owner names and names inside data compared case-insensitively, RFC
// 4343; TTLs and everything else exactly). Any difference fails, listing the query and both
// answers, unless KNOWN_DIFFERENCES explains it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASS, className, rcodeName, TYPE, typeName } from '../../src/dns/constants.js';
import { formatRData } from '../../src/dns/rdata-text.js';
import { NO_FLAGS, type RR } from '../../src/dns/types.js';
import { type DecodedMessage, decodeMessage, encodeMessage } from '../../src/dns/wire.js';
import {
  generateChildZone,
  generateQueries,
  generateZone,
  type QuerySpec,
  type RunningServer,
  startNsd,
  startPoste,
  tcpExchange,
  udpExchange,
} from './dns-helpers.js';
import { requirePeer } from './helpers.js';

interface Variant {
  id: string;
  tcp: boolean;
  /** EDNS UDP size, undefined for no OPT. */
  edns?: number;
  do?: boolean;
}

const VARIANTS: Variant[] = [
  { id: 'udp', tcp: false },
  { id: 'udp edns 512', tcp: false, edns: 512 },
  { id: 'udp edns 1232', tcp: false, edns: 1232 },
  { id: 'udp edns 4096 do', tcp: false, edns: 4096, do: true },
  { id: 'tcp', tcp: true },
  { id: 'tcp edns do', tcp: true, edns: 1232, do: true },
];

/** Types whose data holds domain names, compared case-insensitively. */
const NAME_DATA = new Set<number>([TYPE.NS, TYPE.CNAME, TYPE.SOA, TYPE.MX, TYPE.SRV, TYPE.PTR, TYPE.DNAME]);

function rrText(rr: RR): string {
  const data = formatRData(rr);
  return `${rr.name.toLowerCase()} ${rr.ttl} ${className(rr.class)} ${typeName(rr.type)} ${
    NAME_DATA.has(rr.type) ? data.toLowerCase() : data
  }`;
}

/** A reply as comparable fields. */
function view(m: DecodedMessage): Record<string, string> {
  const f = m.flags;
  const flags = (['qr', 'aa', 'tc', 'rd', 'ra', 'ad', 'cd'] as const).filter((k) => f[k]).join(' ');
  const section = (rrs: RR[]) => rrs.map(rrText).sort().join('\n      ');
  return {
    rcode: rcodeName(m.rcode),
    opcode: String(f.opcode),
    flags,
    question: m.questions.map((q) => `${q.name} ${className(q.class)} ${typeName(q.type)}`).join(', '),
    answer: section(m.answers),
    authority: section(m.authority),
    additional: section(m.additional),
    edns: m.edns ? `udp ${m.edns.udpSize} version ${m.edns.version}${m.edns.do ? ' do' : ''}` : 'none',
    'edns options': (m.edns?.options ?? []).map((o) => String(o.code)).join(' '),
  };
}

/** The fields that differ, as text for the failure message. */
function differences(nsd: Record<string, string>, ours: Record<string, string>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(nsd)) {
    if (nsd[k] !== ours[k])
      out.push(`  ${k}:\n    nsd:   ${nsd[k] || '(empty)'}\n    poste: ${ours[k] || '(empty)'}`);
  }
  return out;
}

/** A query of the edge set: header bits, classes and EDNS variations on top of a question. */
interface EdgeSpec extends QuerySpec {
  class?: number;
  cd?: boolean;
  ad?: boolean;
  /** EDNS version and options, used when the variant sends EDNS. */
  ednsVersion?: number;
  options?: { code: number; data: Uint8Array }[];
}

type View = Record<string, string>;

/**
 * Differences we keep on purpose, each defensible by an RFC. Each names the fields that may
 * differ and checks the exact shape of the difference; an entry that matches no query any
 * more is stale and fails the test, so the list cannot outlive the behaviour.
 */
interface KnownDifference {
  why: string;
  applies: (q: EdgeSpec, v: Variant) => boolean;
  fields: string[];
  shape: (nsd: View, ours: View) => boolean;
}

const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    why:
      'nsd adds an Extended DNS Error to a REFUSED answer (20 Not Authoritative outside its zones, ' +
      '21 Not Supported for class CH); EDE is optional (RFC 8914: a server MAY include it), we send none',
    applies: () => true,
    fields: ['edns options'],
    shape: (nsd, ours) =>
      nsd.rcode === 'REFUSED' &&
      ours.rcode === 'REFUSED' &&
      nsd['edns options'] === '15' &&
      ours['edns options'] === '',
  },
  {
    why:
      'nsd 4.6 clears CD in its answers; RFC 4035 §3.1.6 says the name server MUST copy CD from ' +
      'the query to the response, as we do',
    applies: (q) => q.cd === true,
    fields: ['flags'],
    shape: (nsd, ours) =>
      `${nsd.flags} cd`.split(' ').sort().join(' ') === ours.flags?.split(' ').sort().join(' '),
  },
  {
    why:
      'to an EDNS version it does not know nsd answers BADVERS with DO cleared; RFC 3225 §3 says the ' +
      'DO bit of the query MUST be copied in the response, as we do',
    applies: (q, v) => q.ednsVersion !== undefined && v.do === true,
    fields: ['edns'],
    shape: (nsd, ours) =>
      nsd.rcode === 'BADVERS' && ours.rcode === 'BADVERS' && `${nsd.edns} do` === ours.edns,
  },
];

function queryBytes(q: EdgeSpec, v: Variant, id: number, rd: boolean): Uint8Array {
  return encodeMessage({
    id,
    flags: { ...NO_FLAGS, rd, cd: q.cd ?? false, ad: q.ad ?? false },
    rcode: 0,
    questions: [{ name: q.name, type: q.type, class: q.class ?? CLASS.IN }],
    answers: [],
    authority: [],
    additional: [],
    edns:
      v.edns === undefined
        ? undefined
        : { udpSize: v.edns, version: q.ednsVersion ?? 0, do: v.do ?? false, options: q.options ?? [] },
  });
}

/** Header bits, classes and EDNS variations the query set does not vary. */
const EDGE: EdgeSpec[] = [
  { name: 'www.example.org.', type: TYPE.A, cd: true, why: 'CD set' },
  { name: 'nxdomain.example.org.', type: TYPE.A, cd: true, why: 'CD set, NXDOMAIN' },
  { name: 'www.example.org.', type: TYPE.A, ad: true, why: 'AD set in the query (RFC 6840 §5.7)' },
  { name: 'example.org.', type: TYPE.SOA, class: CLASS.CH, why: 'class CH' },
  { name: 'example.org.', type: TYPE.SOA, ednsVersion: 1, why: 'EDNS version 1: BADVERS' },
  { name: 'example.net.', type: TYPE.A, ednsVersion: 1, why: 'EDNS version 1 outside our zones' },
  {
    name: 'example.org.',
    type: TYPE.SOA,
    options: [{ code: 10, data: new Uint8Array(8).fill(7) }],
    why: 'an EDNS option we do not know (a client cookie)',
  },
  { name: 'example.org.', type: TYPE.RRSIG, why: 'RRSIG of an unsigned zone' },
  { name: 'example.org.', type: 0, why: 'type 0' },
  { name: 'example.org.', type: TYPE.OPT, why: 'type OPT as a question' },
  { name: 'www.example.org.', type: TYPE.A, class: CLASS.ANY, why: 'QCLASS ANY (RFC 1035 §6.2)' },
  { name: 'example.org.', type: TYPE.SOA, class: CLASS.ANY, why: 'QCLASS ANY (RFC 1035 §6.2)' },
  {
    name: 'nxdomain.example.org.',
    type: TYPE.A,
    class: CLASS.ANY,
    why: 'QCLASS ANY, NXDOMAIN (RFC 1035 §6.2)',
  },
];

async function ask(server: RunningServer, bytes: Uint8Array, v: Variant): Promise<DecodedMessage> {
  if (v.tcp) {
    const [reply] = await tcpExchange(server.port, bytes);
    return decodeMessage(reply as Uint8Array);
  }
  return decodeMessage(await udpExchange(server.port, bytes));
}

describe('poste answers as nsd does', () => {
  if (!requirePeer('nsd')) return;
  const zone = generateZone();
  const child = generateChildZone();
  const queries = generateQueries(zone, { child: true });
  let nsd: RunningServer | undefined;
  let poste: RunningServer | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'poste-diff-'));
  const used = new Set<KnownDifference>();
  let compared = 0;

  beforeAll(async () => {
    writeFileSync(join(dir, 'example.org.zone'), zone.text);
    writeFileSync(join(dir, 'child.example.org.zone'), child.text);
    nsd = await startNsd({
      zones: [
        { origin: zone.origin, text: zone.text },
        { origin: child.origin, text: child.text },
      ],
    });
    poste = await startPoste({ zonesDir: dir });
  });

  afterAll(async () => {
    await Promise.allSettled([nsd?.stop(), poste?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends each query to both servers and lists the differences not known. */
  async function compare(list: EdgeSpec[], v: Variant): Promise<string[]> {
    const failures: string[] = [];
    for (const [i, q] of list.entries()) {
      const rd = i % 2 === 1;
      const bytes = queryBytes(q, v, (i * 7919 + 1) & 0xffff, rd);
      const [a, b] = await Promise.all([
        ask(nsd as RunningServer, bytes, v),
        ask(poste as RunningServer, bytes, v),
      ]);
      const [x, y] = [view(a), view(b)];
      let diff = differences(x, y);
      const known = KNOWN_DIFFERENCES.filter((k) => k.applies(q, v) && k.shape(x, y));
      if (known.length > 0 && diff.length > 0) {
        for (const k of known) used.add(k);
        const fields = new Set(known.flatMap((k) => k.fields));
        const keep = (w: View) => Object.fromEntries(Object.entries(w).filter(([f]) => !fields.has(f)));
        diff = differences(keep(x), keep(y));
      }
      if (diff.length > 0) {
        const cls = q.class === undefined ? '' : ` ${className(q.class)}`;
        failures.push(
          `${q.name}${cls} ${typeName(q.type)} (${q.why}) over ${v.id}, rd=${rd}:\n${diff.join('\n')}`,
        );
      }
    }
    return failures;
  }

  for (const v of VARIANTS) {
    it(`gives the same ${queries.length} answers over ${v.id}`, async () => {
      const failures = await compare(queries, v);
      compared++;
      expect(failures, failures.join('\n\n')).toEqual([]);
    });
  }

  it(`gives the same answers to ${EDGE.length} header, class and EDNS variations, over each transport`, async () => {
    const failures: string[] = [];
    for (const v of VARIANTS) failures.push(...(await compare(EDGE, v)));
    compared++;
    expect(failures, failures.join('\n\n')).toEqual([]);
  });

  it('has no stale known differences', (ctx) => {
    if (compared < VARIANTS.length + 1) ctx.skip(); // only meaningful after every comparison ran
    const stale = KNOWN_DIFFERENCES.filter((k) => !used.has(k)).map((k) => k.why);
    expect(stale).toEqual([]);
  });
});
