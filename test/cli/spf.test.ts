// `poste spf check` and `poste spf stamp` as a user runs them (the built CLI, after `npm run
// build`): answers from a zone file holding several zones, and from poste's primary on
// loopback through --dns. The CLI runs asynchronously so that the primary in this process
// can answer it.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, Parser } from '@oclif/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManifestCommand, parseFast } from '../../src/cli/fast-path.js';
import SpfCheck from '../../src/commands/spf/check.js';
import SpfStamp from '../../src/commands/spf/stamp.js';
import { formatServer } from '../../src/dns/index.js';
import { type Primary, startPrimary } from '../../src/services/primary/index.js';
import { bin, repoRoot } from '../helpers/run-cli.js';

interface Run {
  status: number;
  stdout: Buffer;
  stderr: string;
}

function poste(args: string[], input: string | Buffer = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repoRoot, encoding: 'buffer', timeout: 60_000, maxBuffer: 1 << 28 },
      (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        resolve({
          status: typeof code === 'number' ? code : err ? -1 : 0,
          stdout,
          stderr: stderr.toString(),
        });
      },
    );
    child.stdin?.end(input);
  });
}

const text = (r: Run) => r.stdout.toString('utf8');

// Two zones in one file, one after the other, each after its $ORIGIN with its SOA.
const ZONES = `$TTL 300
$ORIGIN example.org.
@      SOA ns hostmaster 1 7200 900 1209600 300
@      TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all exp=why.%{d}"
why    TXT "%{i} may not send for %{d} (ask %{r})"
mail   A   192.0.2.25
mail   TXT "v=spf1 a -all"
broken TXT "v=spf1 ip4:192.0.2.0/33"
away   TXT "v=spf1 include:elsewhere.test"

$ORIGIN example.net.
@      SOA ns hostmaster 1 7200 900 1209600 300
_spf   TXT "v=spf1 ip6:2001:db8::/32 ?all"
soft   TXT "v=spf1 ~all"
`;

let dir: string;
let zoneFile: string;
let primary: Primary;
let dns: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'poste-spf-cli-'));
  zoneFile = join(dir, 'test.zone');
  writeFileSync(zoneFile, ZONES);
  // The primary reads one file per zone.
  const served = join(dir, 'served');
  const [org, net] = ZONES.split('\n\n');
  mkdirSync(served);
  writeFileSync(join(served, 'example.org.zone'), org as string);
  writeFileSync(join(served, 'example.net.zone'), `$TTL 300\n${net}`);
  primary = await startPrimary({
    zonesDir: served,
    listen: { host: '127.0.0.1', port: 0 },
    keys: [],
    notify: [],
    rateLimit: 0,
    rateLimitLoopback: false,
    pollMs: 0,
    log: () => {},
  });
  dns = formatServer(primary.address);
});

afterAll(async () => {
  await primary?.close();
  rmSync(dir, { recursive: true, force: true });
});

const check = (...args: string[]) =>
  poste(['spf', 'check', '--zone', zoneFile, '--receiver', 'mx.example.com', ...args]);

describe('poste spf check', () => {
  it('prints the result word, then why, and exits 0 for pass', async () => {
    const r = await check('--ip', '192.0.2.7', '--sender', 'alice@example.org');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(text(r)).toBe('pass example.org: ip4:192.0.2.0/24 matched\n');
    const inc = await check('--ip', '2001:db8::7', '--sender', 'alice@example.org');
    expect(text(inc)).toBe(
      'pass example.org: include:_spf.example.net matched (_spf.example.net: ip6:2001:db8::/32 matched)\n',
    );
  });

  it("exits 1 for the other results, with the domain's explanation of a fail", async () => {
    const fail = await check('--ip', '198.51.100.7', '--sender', 'alice@example.org');
    expect(fail.status).toBe(1);
    expect(text(fail)).toBe(
      'fail example.org: -all matched (explanation: "198.51.100.7 may not send for example.org (ask mx.example.com)")\n',
    );
    expect(fail.stderr).toBe('');
    const soft = await check('--ip', '198.51.100.7', '--sender', 'bob@soft.example.net');
    expect([soft.status, text(soft)]).toEqual([1, 'softfail soft.example.net: ~all matched\n']);
    const none = await check('--ip', '198.51.100.7', '--sender', 'bob@mail.example.net');
    expect([none.status, text(none)]).toEqual([1, 'none mail.example.net does not exist\n']);
    const perm = await check('--ip', '192.0.2.7', '--sender', 'x@broken.example.org');
    expect(perm.status).toBe(1);
    expect(text(perm)).toMatch(/^permerror broken\.example\.org: bad mechanism "ip4:192\.0\.2\.0\/33"/);
  });

  it('exits 75 for temperror (here: a name in no zone of the file)', async () => {
    const r = await check('--ip', '192.0.2.7', '--sender', 'x@away.example.org');
    expect(r.status).toBe(75);
    expect(text(r)).toMatch(
      /^temperror elsewhere\.test: DNS error looking up TXT: no zone holds elsewhere\.test\./,
    );
  });

  it('checks postmaster@HELO for an empty sender, and the HELO identity when asked', async () => {
    const r = await check('--ip', '192.0.2.25', '--sender', '', '--helo', 'mail.example.org');
    expect([r.status, text(r)]).toEqual([0, 'pass mail.example.org: a matched\n']);
    const helo = await check(
      '--ip',
      '192.0.2.7',
      '--sender',
      'a@example.org',
      '--helo',
      'mail.example.org',
      '--identity',
      'helo',
    );
    expect(helo.status).toBe(1);
    expect(text(helo)).toMatch(/^fail mail\.example\.org: -all matched/);
  });

  it('prints JSON whose result is the word, with the header texts', async () => {
    const r = await check(
      '--json',
      '--ip',
      '198.51.100.7',
      '--sender',
      'alice@example.org',
      '--helo',
      'h.example.org',
    );
    expect(r.status).toBe(1);
    const j = JSON.parse(text(r));
    expect(j).toMatchObject({
      result: 'fail',
      mechanism: '-all',
      identity: 'mailfrom',
      domain: 'example.org',
      ip: '198.51.100.7',
      sender: 'alice@example.org',
      helo: 'h.example.org',
      receiver: 'mx.example.com',
      lookups: 1,
      voidLookups: 0,
      explanation: '198.51.100.7 may not send for example.org (ask mx.example.com)',
    });
    expect(j.receivedSpf).toMatch(
      /^fail \(mx\.example\.com: domain of alice@example\.org does not designate/,
    );
    expect(j.authResults).toMatch(/^spf=fail \(.*\) smtp\.mailfrom=alice@example\.org$/);
  });

  it('asks a DNS server with --dns (here poste’s primary)', async () => {
    const r = await poste(['spf', 'check', '--dns', dns, '--ip', '2001:db8::1', '--sender', 'a@example.org']);
    expect([r.status, text(r), r.stderr]).toEqual([
      0,
      'pass example.org: include:_spf.example.net matched (_spf.example.net: ip6:2001:db8::/32 matched)\n',
      '',
    ]);
  });

  it('exits 64 on a bad command line, 65 on a bad zone file, 66 on a missing one', async () => {
    const ip = await check('--ip', '192.0.2', '--sender', 'a@example.org');
    expect([ip.status, ip.stderr]).toEqual([
      64,
      'poste spf check: --ip: not an IPv4 or IPv6 address: "192.0.2"\n',
    ]);
    const helo = await check('--ip', '192.0.2.1', '--sender', '');
    expect(helo.status).toBe(64);
    expect(helo.stderr).toMatch(/--helo is needed/);
    expect((await check('--ip', '192.0.2.1')).status).toBe(64);
    expect((await check('--ip', '192.0.2.1', '--sender', 'a@b.c', '--dns', dns)).status).toBe(64);
    expect((await check('--ip', '192.0.2.1', '--sender', 'a@b.c', '--identity', 'nope')).status).toBe(64);
    const bad = join(dir, 'bad.zone');
    writeFileSync(bad, 'example.org. 300 IN SOA ns. h. 1 1 1 1 1\nother.test. 300 IN TXT "x"\n');
    const stray = await poste([
      'spf',
      'check',
      '--zone',
      bad,
      '--ip',
      '192.0.2.1',
      '--sender',
      'a@example.org',
    ]);
    expect([stray.status, stray.stderr]).toEqual([
      65,
      `poste spf check: ${bad}: other.test. is outside every zone (no SOA above it)\n`,
    ]);
    writeFileSync(bad, 'example.org. 300 IN TXT "unterminated\n');
    expect(
      (await poste(['spf', 'check', '--zone', bad, '--ip', '192.0.2.1', '--sender', 'a@b.c'])).status,
    ).toBe(65);
    const missing = await poste([
      'spf',
      'check',
      '--zone',
      join(dir, 'nope'),
      '--ip',
      '192.0.2.1',
      '--sender',
      'a@b.c',
    ]);
    expect(missing.status).toBe(66);
  });
});

describe('poste spf stamp', () => {
  const stamp = (...args: string[]) => [
    'spf',
    'stamp',
    '--zone',
    zoneFile,
    '--receiver',
    'mx.example.com',
    '--helo',
    'h.example.org',
    ...args,
  ];
  const email = 'From: alice@example.org\r\nSubject: hi\r\n\r\nbody\r\n';

  it('prepends Received-SPF and leaves the email byte for byte', async () => {
    const r = await poste(stamp('--ip', '198.51.100.7', '--sender', 'alice@example.org'), email);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0); // whatever the verdict: the field records it
    expect(text(r)).toBe(
      'Received-SPF: fail (mx.example.com: domain of alice@example.org does not\r\n' +
        ' designate 198.51.100.7 as permitted sender) client-ip=198.51.100.7;\r\n' +
        ' envelope-from="alice@example.org"; helo=h.example.org;\r\n' +
        ' receiver=mx.example.com; identity=mailfrom; mechanism=-all\r\n' +
        email,
    );
  });

  it("follows the email's line ending and keeps an mbox From line first", async () => {
    const lf = await poste(stamp('--ip', '192.0.2.1', '--sender', 'a@example.org'), 'Subject: x\n\nbody\n');
    expect(text(lf)).toMatch(/^Received-SPF: pass [^\r]*\n [^\r]*\nSubject: x\n\nbody\n$/);
    const mbox = 'From a@example.org Thu Jan  1 00:00:00 2026\nSubject: x\n\nbody\n';
    const m = await poste(stamp('--ip', '192.0.2.1', '--sender', 'a@example.org'), mbox);
    expect(text(m).startsWith('From a@example.org Thu Jan  1 00:00:00 2026\nReceived-SPF: pass ')).toBe(true);
    expect(text(m).endsWith('\nSubject: x\n\nbody\n')).toBe(true);
  });

  it('streams a large email unchanged', async () => {
    const big = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.alloc(24 << 20, 0x61)]);
    const r = await poste(stamp('--ip', '192.0.2.1', '--sender', 'a@example.org'), big);
    expect(r.status).toBe(0);
    const at = r.stdout.indexOf('Subject: big');
    expect(r.stdout.subarray(0, at).toString()).toMatch(/^Received-SPF: pass /);
    expect(r.stdout.subarray(at).equals(big)).toBe(true);
  });

  it('needs --helo, and an email', async () => {
    expect(
      (await poste(['spf', 'stamp', '--zone', zoneFile, '--ip', '192.0.2.1', '--sender', 'a@b.c'], email))
        .status,
    ).toBe(64);
    const empty = await poste(stamp('--ip', '192.0.2.1', '--sender', 'a@example.org'), '');
    expect([empty.status, empty.stderr]).toEqual([65, 'poste spf stamp: no email on standard input\n']);
  });
});

describe('the fast path', () => {
  it('parses as oclif parses, or leaves the command line to oclif', async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, ManifestCommand>;
    };
    const cases: [string, Command.Class, string[]][] = [
      ['spf:check', SpfCheck, ['--ip', '192.0.2.1', '--sender', 'a@example.org']],
      ['spf:check', SpfCheck, ['--ip=192.0.2.1', '--sender=', '--helo', 'h.example', '--json']],
      ['spf:check', SpfCheck, ['--ip', '::1', '--sender', 'a@b.c', '--identity', 'helo', '--zone', 'z']],
      ['spf:check', SpfCheck, ['--ip', '::1', '--sender', 'a@b.c', '--zone', 'z', '--dns', '::1']],
      ['spf:check', SpfCheck, ['--ip', '::1']],
      ['spf:check', SpfCheck, ['--ip', '::1', '--sender', 'a@b.c', '--identity', 'x']],
      ['spf:stamp', SpfStamp, ['--ip', '192.0.2.1', '--sender', 'a@b.c', '--helo', 'h', '--receiver', 'r']],
      ['spf:stamp', SpfStamp, ['--ip', '192.0.2.1', '--sender', 'a@b.c']],
    ];
    const strip = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== false));
    let taken = 0;
    for (const [id, cls, argv] of cases) {
      const fast = parseFast(argv, manifest.commands[id] as ManifestCommand);
      let slow: { flags: Record<string, unknown> } | 'error';
      try {
        slow = await Parser.parse(argv, { flags: cls.flags, args: {}, strict: true, context: undefined });
      } catch {
        slow = 'error';
      }
      if (!fast) continue;
      taken++;
      expect(slow, argv.join(' ')).not.toBe('error');
      if (slow !== 'error') expect(strip(fast.flags), argv.join(' ')).toEqual(strip(slow.flags));
    }
    expect(taken).toBe(4);
  });
});
