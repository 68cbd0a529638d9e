// Our primary (`poste dns serve`) as the usual tools see it: knot's kdig and BIND's dig ask
// it over UDP, TCP and EDNS (buffer sizes, DO) and transfer the zone with a TSIG key (and
// are refused without one or with a wrong one); BIND's nsupdate adds and deletes records
// with a TSIG key (given with -y or in a key file with -k), each change landing in the zone
// file and as one commit in the zones directory, which is a git repository; a wrong key
// changes nothing. A commit made by hand in that directory is served within a few seconds.
// The server listens on 127.0.0.1 only, on a free port, and is stopped by its PID afterwards.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { className, TYPE, typeName } from '../../src/dns/constants.js';
import { formatRData } from '../../src/dns/rdata-text.js';
import { formatBindKey, parseKeySpec } from '../../src/dns/tsig.js';
import type { RR } from '../../src/dns/types.js';
import { parseZone } from '../../src/dns/zonefile.js';
import { generateZone, type RunningServer, sleep, startPoste } from './dns-helpers.js';
import { requirePeer } from './helpers.js';

const KEY = 'hmac-sha256:xfr.example.org:Uo8pMfzfp2jxabjOajqaYMOdUpbDkM/8r8PAqmRjvoU=';
/** The same key name with another secret. */
const BAD_KEY = 'hmac-sha256:xfr.example.org:aPFdq9F85zDD9o0TRhchz1JCpnLwaPHs3Fw2W37pJO0=';
const ZONE_FILE = 'example.org.zone';

const haveKdig = requirePeer('kdig');
const haveDig = requirePeer('dig');
const haveNsupdate = requirePeer('nsupdate');
const haveGit = requirePeer('git');
const haveCheckzone = requirePeer('nsd-checkzone');

interface Run {
  code: number;
  out: string;
}

function run(cmd: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function git(dir: string, ...args: string[]): string {
  const r = spawnSync(
    'git',
    ['-C', dir, '-c', 'user.name=Test', '-c', 'user.email=test@localhost', ...args],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A record as comparable text: owner lowercased, names in data lowercased. */
function rrText(rr: RR): string {
  const data = formatRData(rr);
  const names = new Set<number>([TYPE.NS, TYPE.CNAME, TYPE.SOA, TYPE.MX, TYPE.SRV, TYPE.PTR]);
  return `${rr.name.toLowerCase()} ${rr.ttl} ${className(rr.class)} ${typeName(rr.type)} ${
    names.has(rr.type) ? data.toLowerCase() : data
  }`;
}

/** The records kdig or dig printed (their answer lines are master-file lines), TSIG left out. */
function printedRecords(out: string): string[] {
  const lines = out.split('\n').filter((l) => l.trim() !== '' && !/^\s*;/.test(l) && !/\sTSIG\s/.test(l));
  return parseZone(lines.join('\n'), { origin: '.' }).records.map(rrText);
}

function status(out: string): string | undefined {
  return /status: ([A-Z]+)/.exec(out)?.[1];
}

/** The header flags kdig ("Flags: qr aa") or dig ("flags: qr aa;") printed. */
function flags(out: string): string[] {
  const m = /^;; [Ff]lags: ([a-z ]*)[;]/m.exec(out);
  return (m?.[1] ?? '').trim().split(/\s+/).filter(Boolean).sort();
}

const zone = generateZone({ hosts: 30 });
const expected = (name: string, type: number): string[] =>
  parseZone(zone.text, { origin: zone.origin })
    .records.filter((r) => r.name.toLowerCase() === name && r.type === type)
    .map(rrText)
    .sort();

let server: RunningServer | undefined;
let dir = '';

beforeAll(async () => {
  if (!(haveKdig || haveDig || haveNsupdate)) return;
  dir = mkdtempSync(join(tmpdir(), 'poste-zones-'));
  writeFileSync(join(dir, ZONE_FILE), zone.text);
  if (haveGit) {
    git(dir, 'init', '-q');
    git(dir, 'add', ZONE_FILE);
    git(dir, 'commit', '-q', '-m', 'example.org: initial zone');
  }
  server = await startPoste({ zonesDir: dir, keys: [KEY], poll: 1 });
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Tool = (...args: string[]) => Promise<Run>;
const srv = () => server as RunningServer;
const kdig: Tool = (...args) =>
  run('kdig', [`@${srv().host}`, '-p', String(srv().port), '+retry=0', '+timeout=5', ...args]);
const dig: Tool = (...args) =>
  run('dig', [`@${srv().host}`, '-p', String(srv().port), '+tries=1', '+time=5', ...args]);

for (const [name, tool, present] of [
  ['kdig', kdig, haveKdig],
  ['dig', dig, haveDig],
] as const) {
  describe(`${name} against poste dns serve`, () => {
    if (!present) return;
    // Both spell these the same: no retry over TCP after TC, no OPT record.
    const noTcpFallback = '+ignore';
    const noEdns = '+noedns';

    it('gets authoritative answers over UDP: a CNAME chain, NXDOMAIN, NODATA, a referral', async () => {
      const www = await tool('alias.example.org', 'A', noEdns);
      expect(status(www.out)).toBe('NOERROR');
      expect(flags(www.out)).toContain('aa');
      expect(www.out).toMatch(/\(UDP\)/);
      expect(printedRecords(www.out).sort()).toEqual(
        [
          ...expected('alias.example.org.', TYPE.CNAME),
          ...expected('www.example.org.', TYPE.CNAME),
          ...expected('web.example.org.', TYPE.A),
        ].sort(),
      );

      const nx = await tool('nothing-here.example.org', 'A');
      expect(status(nx.out)).toBe('NXDOMAIN');
      expect(flags(nx.out)).toContain('aa');
      expect(printedRecords(nx.out)).toEqual([
        'example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 2024060101 7200 900 1209600 300',
      ]);

      const nodata = await tool('mail.example.org', 'SRV');
      expect(status(nodata.out)).toBe('NOERROR');
      expect(printedRecords(nodata.out)).toHaveLength(1); // the SOA in authority

      const referral = await tool('host.sub.example.org', 'A');
      expect(status(referral.out)).toBe('NOERROR');
      expect(flags(referral.out)).not.toContain('aa');
      const recs = printedRecords(referral.out);
      expect(recs).toEqual(expect.arrayContaining(expected('sub.example.org.', TYPE.NS)));
      expect(recs).toEqual(expect.arrayContaining(expected('ns1.sub.example.org.', TYPE.A)));

      const wild = await tool('Some.Thing.WILD.example.org', 'TXT');
      expect(printedRecords(wild.out)).toEqual(['some.thing.wild.example.org. 3600 IN TXT "synthesized"']);

      const refused = await tool('example.net', 'A');
      expect(status(refused.out)).toBe('REFUSED');
    });

    it('gets the same answers over TCP (+tcp)', async () => {
      for (const [qname, qtype] of [
        ['multi.example.org', 'TXT'],
        ['_sip._tcp.example.org', 'SRV'],
        ['example.org', 'MX'],
        ['_25._tcp.mail.example.org', 'TLSA'],
        ['example.org', 'CAA'],
      ] as const) {
        const udp = await tool(qname, qtype);
        const tcp = await tool(qname, qtype, '+tcp');
        expect(tcp.out).toMatch(/\(TCP\)/);
        expect(status(tcp.out)).toBe('NOERROR');
        expect(printedRecords(tcp.out).sort()).toEqual(printedRecords(udp.out).sort());
        expect(printedRecords(tcp.out).sort()).toEqual(expected(`${qname}.`, TYPE[qtype]));
      }
    });

    it('speaks EDNS: buffer sizes, DO echoed, TC when the answer does not fit, TCP then', async () => {
      const dnssec = await tool('example.org', 'SOA', '+dnssec', '+bufsize=4096');
      expect(status(dnssec.out)).toBe('NOERROR');
      // kdig: ";; Version: 0; flags: do; UDP size: 1232 B"; dig: "; EDNS: version: 0, flags: do; udp: 1232".
      expect(dnssec.out).toMatch(/flags: do; (UDP size|udp): 1232/);

      const plain = await tool('example.org', 'SOA', '+bufsize=1232');
      expect(plain.out).toMatch(/flags: ?; (UDP size|udp): 1232/);

      // 10 TXT records of ~80 bytes: over 512 without EDNS, under 1232 with it.
      const small = await tool('big-set.example.org', 'TXT', noEdns, noTcpFallback);
      expect(flags(small.out)).toContain('tc');
      const fits = await tool('big-set.example.org', 'TXT', '+bufsize=1232', noTcpFallback);
      expect(flags(fits.out)).not.toContain('tc');
      expect(printedRecords(fits.out).sort()).toEqual(expected('big-set.example.org.', TYPE.TXT));

      // One TXT record of 1.5 kB: truncated even at 1232; the tool then retries over TCP.
      const big = await tool('big.example.org', 'TXT', '+bufsize=4096', '+dnssec', noTcpFallback);
      expect(flags(big.out)).toContain('tc');
      expect(printedRecords(big.out)).toEqual([]);
      const retried = await tool('big.example.org', 'TXT', '+bufsize=4096', '+dnssec');
      expect(flags(retried.out)).not.toContain('tc');
      expect(printedRecords(retried.out)).toEqual(expected('big.example.org.', TYPE.TXT));
    });

    it('transfers the zone with the TSIG key (AXFR): every record of the file', async () => {
      const r = await tool('-y', KEY, 'example.org', 'AXFR');
      expect(r.out).not.toMatch(/failed|BADSIG|BADKEY|NOTAUTH|REFUSED|couldn't|verify/i);
      const got = printedRecords(r.out);
      // SOA first and last (RFC 5936 §2.2); in between, the zone.
      const soa = expected('example.org.', TYPE.SOA);
      expect(got[0]).toBe(soa[0]);
      expect(got.at(-1)).toBe(soa[0]);
      const want = parseZone(zone.text, { origin: zone.origin }).records.map(rrText);
      expect(got.slice(0, -1).sort()).toEqual(want.sort());
    });

    it('is refused a transfer without a key, and with a wrong secret', async () => {
      const events = () =>
        srv()
          .log()
          .split('\n')
          .flatMap((l): Record<string, string>[] => {
            try {
              return [JSON.parse(l)];
            } catch {
              return []; // not a JSON line, or one still being written
            }
          });
      const seen = events().length;
      const none = await tool('example.org', 'AXFR');
      // kdig prints the rcode; dig only "; Transfer failed.".
      expect(none.out).toMatch(name === 'kdig' ? /REFUSED/ : /Transfer failed/);
      expect(printedRecords(none.out)).toEqual([]);
      const bad = await tool('-y', BAD_KEY, 'example.org', 'AXFR');
      expect(bad.out).toMatch(/NOTAUTH|BADSIG|tsig verify failure|failed/i);
      expect(printedRecords(bad.out).filter((r) => !/\sSOA\s/.test(r))).toEqual([]);
      // What the server saw: an unsigned transfer refused, then a bad signature.
      const after = events().slice(seen);
      expect(after).toContainEqual(
        expect.objectContaining({ event: 'transfer-refused', reason: 'zone transfers need a TSIG key' }),
      );
      expect(after).toContainEqual(expect.objectContaining({ event: 'tsig-failed', error: 'BADSIG' }));
      expect(after.filter((e) => e.event === 'transfer')).toEqual([]);
    });
  });
}

describe('nsupdate against poste dns serve, zones in git', () => {
  if (!haveNsupdate || !haveDig || !haveGit) return;

  const nsupdate = (args: string[], commands: string[]) =>
    run(
      'nsupdate',
      ['-t', '10', ...args],
      `${[`server ${srv().host} ${srv().port}`, 'zone example.org', ...commands, 'send', 'quit'].join('\n')}\n`,
    );
  const answer = async (qname: string, qtype: string) =>
    printedRecords((await dig(qname, qtype, '+noall', '+answer')).out);
  const serial = async () => Number((await answer('example.org', 'SOA'))[0]?.split(' ')[6]);
  const commits = () => git(dir, 'log', '--format=%s').trim().split('\n');
  const zoneFile = () => readFileSync(join(dir, ZONE_FILE), 'utf8');

  it('adds records with -y KEY: served, written to the file, one commit each', async () => {
    const before = commits().length;
    const serial0 = await serial();
    const r = await nsupdate(
      ['-y', KEY],
      [
        'update add new.example.org. 300 IN A 192.0.2.99',
        'update add new.example.org. 300 IN TXT "added by nsupdate"',
      ],
    );
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
    expect(await answer('new.example.org', 'A')).toEqual(['new.example.org. 300 IN A 192.0.2.99']);
    expect(await answer('new.example.org', 'TXT')).toEqual([
      'new.example.org. 300 IN TXT "added by nsupdate"',
    ]);
    expect(await serial()).toBeGreaterThan(serial0);
    const file = parseZone(zoneFile(), { origin: 'example.org.' }).records.map(rrText);
    expect(file).toContain('new.example.org. 300 IN A 192.0.2.99');
    expect(file).toContain('new.example.org. 300 IN TXT "added by nsupdate"');
    expect(commits()).toHaveLength(before + 1);
    expect(commits()[0]).toMatch(/^update example\.org\. serial \d+ by xfr\.example\.org\.$/);
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').trim()).toBe(ZONE_FILE);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('deletes records with a key file (-k): gone from answers, file and a new commit', async () => {
    const keyFile = join(dir, '..', `${dir.split('/').at(-1)}.key`);
    writeFileSync(keyFile, formatBindKey(parseKeySpec(KEY)));
    try {
      const before = commits().length;
      const r = await nsupdate(['-k', keyFile], ['update delete new.example.org. A']);
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
      expect(await answer('new.example.org', 'A')).toEqual([]);
      expect(await answer('new.example.org', 'TXT')).toHaveLength(1);
      const r2 = await nsupdate(['-k', keyFile], ['update delete new.example.org.']);
      expect(r2.code).toBe(0);
      expect(status((await dig('new.example.org', 'TXT')).out)).toBe('NXDOMAIN');
      expect(zoneFile()).not.toMatch(/^new\b/m);
      expect(commits()).toHaveLength(before + 2);
      // Two deletes in one message: an RRset, and one record of a set of two.
      const r3 = await nsupdate(
        ['-k', keyFile],
        ['update delete host2.example.org. AAAA', 'update delete web.example.org. A 192.0.2.21'],
      );
      expect(r3.code).toBe(0);
      expect(await answer('web.example.org', 'A')).toEqual(['web.example.org. 3600 IN A 192.0.2.20']);
      expect(await answer('host2.example.org', 'AAAA')).toEqual([]);
      expect(await answer('host2.example.org', 'A')).toHaveLength(1);
      expect(commits()).toHaveLength(before + 3);
    } finally {
      rmSync(keyFile, { force: true });
    }
  });

  it('is refused with a wrong secret or no key: neither the file nor the history change', async () => {
    const file = zoneFile();
    const log = git(dir, 'log', '--format=%H');
    const bad = await nsupdate(['-y', BAD_KEY], ['update add evil.example.org. 300 IN A 192.0.2.66']);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/NOTAUTH|BADSIG|tsig verify failure/i);
    const unsigned = await nsupdate([], ['update add evil.example.org. 300 IN A 192.0.2.66']);
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.out).toMatch(/REFUSED/);
    expect(status((await dig('evil.example.org', 'A')).out)).toBe('NXDOMAIN');
    expect(zoneFile()).toBe(file);
    expect(git(dir, 'log', '--format=%H')).toBe(log);
  });

  it.skipIf(!haveCheckzone)('writes back a zone file that nsd-checkzone accepts', () => {
    const r = spawnSync('nsd-checkzone', ['example.org', join(dir, ZONE_FILE)], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toMatch(/zone example\.org is ok/);
    expect(r.status).toBe(0);
  });

  it('serves a commit made by hand within a few seconds (--poll 1)', async () => {
    const now = await serial();
    const text = zoneFile().replace(/(SOA\s+\S+\s+\S+\s+)\d+/, `$1${now + 10}`);
    expect(text).not.toBe(zoneFile());
    writeFileSync(join(dir, ZONE_FILE), `${text}by-hand\t600\tIN\tA\t192.0.2.123\n`);
    git(dir, 'commit', '-q', '-am', 'by hand: add by-hand, bump the serial');
    let served: string[] = [];
    for (let i = 0; i < 50 && served.length === 0; i++) {
      served = await answer('by-hand.example.org', 'A');
      if (served.length === 0) await sleep(200);
    }
    expect(served).toEqual(['by-hand.example.org. 600 IN A 192.0.2.123']);
    expect(await serial()).toBe(now + 10);
  });
});
