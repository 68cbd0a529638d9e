// poste's SPF against python3-spf (pyspf, Debian's python3-spf) on generated policies: small
// worlds of domains with SPF records of ip4, ip6, a, mx, include, exists, ptr, all and
// redirect, with qualifiers, CIDR lengths and a few macros; hosts with addresses or without
// (or timing out), MX sets, PTR names, missing and duplicate records. Both are given the same
// DNS data (pyspf through its DNSLookup hook) and must reach the same result word, but for
// the differences listed in KNOWN, each a reading of RFC 7208 where pyspf reads otherwise.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  makeRR,
  normalizeName,
  parseIP,
  type Resolution,
  type Resolver,
  type RR,
  reverseName,
  TYPE,
  txtData,
  Zone,
  ZoneResolver,
} from '../../src/dns/index.js';
import { checkSpf, type SpfResult } from '../../src/spf/index.js';
import { PYTHON, requirePeer, runPython } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const DRIVER = join(here, 'py', 'spf_check.py');

type Rdata = ['TXT', string[]] | ['A' | 'AAAA' | 'PTR', string] | ['MX', [number, string]];

interface Case {
  zone: Record<string, Rdata[]>;
  /** Names whose queries time out. */
  down: string[];
  ip: string;
  sender: string;
  helo: string;
}

interface PyResult {
  result: string;
  explanation: string;
}

// ---------------------------------------------------------------------------------------
// The worlds

const V4 = ['192.0.2.1', '192.0.2.2', '192.0.2.130', '198.51.100.7'];
const V6 = ['2001:db8::1', '2001:db8::2', '2001:db8:1::1'];
const DOMAINS = ['example.test', 'a.example.test', 'b.example.test', 'other.test', 'third.test'];
const HOSTS = [
  'h1.example.test',
  'h2.example.test',
  'h3.other.test',
  'user.example.test', // a:%{l}.example.test
  'gone.example.test', // does not exist
  'down.other.test', // times out
];

const qualifier = fc.constantFrom('', '+', '-', '~', '?');
const cidr4 = fc.option(fc.constantFrom(32, 25, 24, 16, 0), { nil: undefined });
const cidr6 = fc.option(fc.constantFrom(128, 64, 48, 32, 0), { nil: undefined });
const slash = (n: number | undefined, sep = '/') => (n === undefined ? '' : `${sep}${n}`);

const mechanism = fc.oneof(
  { weight: 1, arbitrary: fc.constant('all') },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...V4), cidr4).map(([a, n]) => `ip4:${a}${slash(n)}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...V6), cidr6).map(([a, n]) => `ip6:${a}${slash(n)}`) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.option(fc.constantFrom(...HOSTS, ...DOMAINS), { nil: undefined }), cidr4, cidr6)
      .map(([d, n, m]) => `a${d ? `:${d}` : ''}${slash(n)}${slash(m, '//')}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.option(fc.constantFrom(...DOMAINS), { nil: undefined }), cidr4, cidr6)
      .map(([d, n, m]) => `mx${d ? `:${d}` : ''}${slash(n)}${slash(m, '//')}`),
  },
  { weight: 2, arbitrary: fc.constantFrom(...DOMAINS).map((d) => `include:${d}`) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTS).map((h) => `exists:${h}`) },
  { weight: 1, arbitrary: fc.constantFrom('ptr', 'ptr:example.test', 'ptr:other.test', 'ptr:%{d}') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('exists:%{ir}.%{v}.bl.test', 'a:%{l}.example.test', 'include:%{d2}', 'a:%{h}'),
  },
);

const record = fc
  .tuple(
    fc.array(
      fc.tuple(qualifier, mechanism).map(([q, m]) => q + m),
      { maxLength: 6 },
    ),
    fc.option(fc.constantFrom(...DOMAINS), { nil: undefined }),
  )
  .map(([terms, redirect]) => ['v=spf1', ...terms, ...(redirect ? [`redirect=${redirect}`] : [])].join(' '));

/** A domain's TXT records: usually one SPF record, sometimes none, two, or other text beside it. */
const txt = fc.tuple(fc.nat(99), record, record, fc.boolean()).map(([roll, r1, r2, other]): string[][] => {
  // Two equal records would be one: an RRset holds a record once (RFC 2181 §5).
  const out: string[][] = roll < 15 ? [] : roll < 20 && r1 !== r2 ? [[r1], [r2]] : [[r1]];
  if (other) out.push(['google-site-verification=abc']);
  return out;
});

const addresses = (pool: string[]) => fc.subarray(pool, { maxLength: 2 });
const mxSet = fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.constantFrom(...HOSTS, ...DOMAINS)), {
  maxLength: 3,
});

const world: fc.Arbitrary<Case> = fc
  .tuple(
    fc.array(fc.tuple(txt, mxSet, addresses(V4), addresses(V6)), {
      minLength: DOMAINS.length,
      maxLength: DOMAINS.length,
    }),
    fc.array(fc.tuple(addresses(V4), addresses(V6)), { minLength: HOSTS.length, maxLength: HOSTS.length }),
    fc.constantFrom(...V4, ...V6),
    fc.oneof({ weight: 9, arbitrary: fc.constant('user@example.test') }, fc.constant('')),
    fc.subarray([...HOSTS, ...DOMAINS], { maxLength: 3 }),
    fc.boolean(),
  )
  .map(([domains, hosts, ip, sender, ptrs, listed]) => {
    const zone: Record<string, Rdata[]> = {};
    const add = (name: string, rd: Rdata) => {
      zone[name] ??= [];
      zone[name].push(rd);
    };
    DOMAINS.forEach((d, i) => {
      const [records, mx, a, aaaa] = domains[i] as [string[][], [number, string][], string[], string[]];
      for (const r of records) add(d, ['TXT', r]);
      for (const m of mx) add(d, ['MX', m]);
      for (const x of a) add(d, ['A', x]);
      for (const x of aaaa) add(d, ['AAAA', x]);
    });
    HOSTS.forEach((h, i) => {
      if (h.startsWith('gone.') || h.startsWith('down.')) return; // no such name; a name that times out
      const [a, aaaa] = hosts[i] as [string[], string[]];
      for (const x of a) add(h, ['A', x]);
      for (const x of aaaa) add(h, ['AAAA', x]);
    });
    // The client's PTR names, and its entry in a DNS list (exists:%{ir}.%{v}.bl.test).
    const reverse = reverseName(parseIP(ip) as Uint8Array).slice(0, -1);
    for (const p of ptrs) add(reverse, ['PTR', p]);
    if (listed) add(`${reverse.replace(/\.(in-addr|ip6)\.arpa$/, '.$1')}.bl.test`, ['A', '127.0.0.2']);
    return { zone, down: ['down.other.test'], ip, sender, helo: 'example.test' };
  });

// ---------------------------------------------------------------------------------------
// poste's side

const SOA = makeRR('.', TYPE.SOA, 300, {
  mname: 'ns.test.',
  rname: 'hostmaster.test.',
  serial: 1,
  refresh: 3600,
  retry: 600,
  expire: 86400,
  minimum: 300,
});

/** The world's records in one root zone; its "down" names time out. `timedOut` tells if one was asked. */
function resolverFor(c: Case): Resolver & { timedOut: boolean } {
  const records: RR[] = [SOA];
  for (const [name, rds] of Object.entries(c.zone)) {
    const owner = normalizeName(`${name}.`);
    for (const [type, data] of rds) {
      if (type === 'TXT')
        records.push(
          makeRR(
            owner,
            TYPE.TXT,
            300,
            data.flatMap((s) => txtData(s)),
          ),
        );
      else if (type === 'PTR') records.push(makeRR(owner, TYPE.PTR, 300, normalizeName(`${data}.`)));
      else if (type === 'MX')
        records.push(
          makeRR(owner, TYPE.MX, 300, { preference: data[0], exchange: normalizeName(`${data[1]}.`) }),
        );
      else records.push(makeRR(owner, TYPE[type], 300, data));
    }
  }
  const zone = new ZoneResolver([new Zone('.', records)]);
  const down = new Set(c.down.map((n) => `${n}.`));
  const r = {
    timedOut: false,
    resolve(name: string, type: number): Promise<Resolution> {
      if (!down.has(name.toLowerCase())) return zone.resolve(name, type);
      r.timedOut = true;
      return Promise.resolve({ kind: 'error', reason: 'timeout' });
    },
  };
  return r;
}

async function ours(c: Case): Promise<{ r: SpfResult; timedOut: boolean }> {
  const resolver = resolverFor(c);
  const r = await checkSpf(
    { ip: c.ip, sender: c.sender, helo: c.helo },
    { resolver, receiver: 'receiver.test' },
  );
  return { r, timedOut: resolver.timedOut };
}

// ---------------------------------------------------------------------------------------
// Known differences: each a predicate on one disagreement, with the reason.

interface Disagreement {
  c: Case;
  ours: SpfResult;
  /** Our evaluation met a timeout and went on: only the mx rule below does that in these worlds. */
  oursTimedOut: boolean;
  theirs: PyResult;
}

const KNOWN: { why: string; applies: (d: Disagreement) => boolean }[] = [
  {
    why:
      'void lookups: pyspf counts every query that finds nothing, the address lookups of the hosts ' +
      'of an mx and of the names of a ptr included; we count a term once, by its own query ' +
      '(RFC 7208 §4.6.4 limits "terms" whose queries find nothing), so pyspf reaches its limit sooner',
    applies: (d) =>
      d.theirs.result === 'permerror' &&
      /Void lookup limit/.test(d.theirs.explanation) &&
      d.ours.voidLookups <= 2,
  },
  {
    why:
      'self-include: pyspf rejects a record whose include names its own domain as soon as it reads ' +
      'the record, reached or not; RFC 7208 has no such rule (a loop ends at the 10-lookup limit when ' +
      'it is evaluated, §4.6.4), so we give a permerror only when that include is evaluated',
    applies: (d) =>
      /include has trivial recursion/.test(d.theirs.explanation) && selfIncludes(d.c).length > 0,
  },
  {
    why:
      'an mx whose hosts cover the client while one of them times out: pyspf looks every host up ' +
      'first and gives temperror; we give the match, as an evaluation that stops at the first match ' +
      'may (RFC 7208 §5.4 orders neither), whatever the order of the MX records',
    applies: (d) =>
      swallowedTimeout(d) && records(d.c, 'MX').some((v) => d.c.down.includes((v as [number, string])[1])),
  },
  {
    why:
      'a PTR name whose address lookup times out: pyspf gives temperror; RFC 7208 §5.5 says "if a DNS ' +
      'error occurs while doing an A RR lookup, then that domain name is skipped and the search ' +
      'continues", which we do (for ptr and %{p} alike; and ptr validates only the names inside its ' +
      'target, which pyspf validates all)',
    applies: (d) =>
      d.theirs.result === 'temperror' &&
      d.ours.result !== 'temperror' &&
      records(d.c, 'PTR').some((v) => d.c.down.includes(v as string)),
  },
  {
    why:
      'redirect counted when read: pyspf counts a redirect= against the 10 lookups as soon as it ' +
      'reads the record, followed or not; we count the terms evaluated, as the limit says "during SPF ' +
      'evaluation" (RFC 7208 §4.6.4; the OpenSPF suite leaves the moment open, mech-over-limit)',
    applies: (d) =>
      /Too many DNS lookups/.test(d.theirs.explanation) &&
      d.ours.lookups <= 10 &&
      Object.values(d.c.zone).some((rds) =>
        rds.some(([t, v]) => t === 'TXT' && / redirect=/.test((v as string[]).join(''))),
      ),
  },
];

/** pyspf met a timeout and stopped; we met it and went on (only §5.4 and §5.5 let us). */
function swallowedTimeout(d: Disagreement): boolean {
  return d.theirs.result === 'temperror' && d.ours.result !== 'temperror' && d.oursTimedOut;
}

function records(c: Case, type: Rdata[0]): Rdata[1][] {
  return Object.values(c.zone).flatMap((rds) => rds.filter(([t]) => t === type).map(([, v]) => v));
}

/** The domains of a world whose SPF record includes the domain itself (%{d2} expanded). */
function selfIncludes(c: Case): string[] {
  return Object.entries(c.zone)
    .filter(([name, rds]) =>
      rds.some(
        ([type, data]) =>
          type === 'TXT' &&
          (data as string[])
            .join('')
            .split(' ')
            .some(
              (t) =>
                t.replace(/^[-+~?]/, '').replace('%{d2}', name.split('.').slice(-2).join('.')) ===
                `include:${name}`,
            ),
      ),
    )
    .map(([name]) => name);
}

// ---------------------------------------------------------------------------------------

// SPF_RUNS and SPF_SEED explore further by hand; the committed run is seed 7208, 300 worlds.
const RUNS = Number(process.env.SPF_RUNS ?? 300);

describe.skipIf(!requirePeer(PYTHON) || !hasPyspf())('SPF against python3-spf', () => {
  it(`reaches the same result on ${RUNS} generated policies`, async () => {
    const cases = fc.sample(world, { seed: Number(process.env.SPF_SEED ?? 7208), numRuns: RUNS });
    const theirs = JSON.parse(runPython(DRIVER, JSON.stringify(cases))) as PyResult[];
    expect(theirs).toHaveLength(RUNS);
    const unexplained: string[] = [];
    const tally = new Map<string, number>();
    const results = new Map<string, number>();
    let agreed = 0;
    for (const [i, c] of cases.entries()) {
      const { r: mine, timedOut } = await ours(c);
      const py = theirs[i] as PyResult;
      results.set(mine.result, (results.get(mine.result) ?? 0) + 1);
      if (mine.result === py.result) {
        agreed++;
        continue;
      }
      const known = KNOWN.find((k) => k.applies({ c, ours: mine, oursTimedOut: timedOut, theirs: py }));
      if (known) tally.set(known.why, (tally.get(known.why) ?? 0) + 1);
      else
        unexplained.push(
          `#${i} ours ${mine.result} (${mine.reason}), pyspf ${py.result} (${py.explanation})\n  ${JSON.stringify(c)}`,
        );
    }
    for (const [why, n] of tally) process.stderr.write(`notice: ${n} case(s) differ as known: ${why}\n`);
    expect(unexplained).toEqual([]);
    // The worlds must reach every result, and mostly agree, or the comparison says little.
    expect([...results.keys()].sort()).toEqual([
      'fail',
      'neutral',
      'none',
      'pass',
      'permerror',
      'softfail',
      'temperror',
    ]);
    expect(agreed).toBeGreaterThan(RUNS * 0.9);
  });
});

function hasPyspf(): boolean {
  try {
    runPython(join(here, 'py', 'spf_check.py'), '[]');
    return true;
  } catch {
    if (process.env.POSTE_REQUIRE_TESTDATA === '1')
      throw new Error('python3-spf missing (apt-get install python3-spf)');
    process.stderr.write('notice: python3-spf not installed; its tests are skipped\n');
    return false;
  }
}
