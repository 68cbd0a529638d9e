// `poste dkim keygen | sign | verify` as a user runs them (the built CLI, after `npm run
// build`): keys and zone files in a temporary directory, DNS from a zone file or from a
// fake server in this process (so the CLI runs asynchronously), and a 50 MB message
// streamed through both pipes with their peak memory read from /proc.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, Parser } from '@oclif/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManifestCommand, parseFast } from '../../src/cli/fast-path.js';
import DkimKeygen from '../../src/commands/dkim/keygen.js';
import DkimSign from '../../src/commands/dkim/sign.js';
import DkimVerify from '../../src/commands/dkim/verify.js';
import { RCODE, TYPE } from '../../src/dns/constants.js';
import { makeRR, txtData } from '../../src/dns/types.js';
import { type FakeServer, reply, startFakeServer } from '../dns/fake-server.js';
import { bin, repoRoot } from '../helpers/run-cli.js';

interface Run {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs poste with `input` on stdin (a buffer, or chunks written with back-pressure). */
function poste(
  args: string[],
  input: Uint8Array | string | Iterable<Uint8Array> = '',
  opts: { env?: NodeJS.ProcessEnv; node?: string[] } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.node ?? []), bin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...opts.env },
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.on('error', () => {}); // a child that exits early closes its stdin
    (async () => {
      const chunks = typeof input === 'string' || input instanceof Uint8Array ? [Buffer.from(input)] : input;
      for (const c of chunks) {
        if (!child.stdin.write(c)) await new Promise((r) => child.stdin.once('drain', r));
      }
      child.stdin.end();
    })().catch(reject);
  });
}

const MESSAGE =
  'From: Joe <joe@example.org>\n' +
  'To: Suzie <suzie@example.net>\n' +
  'Subject: dinner\n' +
  'Date: Tue, 14 Nov 2023 22:13:20 +0000\n' +
  'Message-ID: <1@example.org>\n' +
  '\n' +
  'Are you hungry yet?  \n' +
  '\n';

let dir: string;
let zone: string;
let server: FakeServer;
let keyRecords: Map<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'poste-dkim-cli-'));
  const rsa = await poste(['dkim', 'keygen', '-s', 'rsa1', '-d', 'example.org', '-o', join(dir, 'rsa.pem')]);
  const ed = await poste([
    'dkim',
    'keygen',
    '-a',
    'ed25519',
    '-s',
    'ed1',
    '-d',
    'example.org',
    '-o',
    join(dir, 'ed.pem'),
  ]);
  expect([rsa.status, ed.status]).toEqual([0, 0]);
  zone = join(dir, 'keys.zone');
  writeFileSync(zone, Buffer.concat([rsa.stdout, ed.stdout]));
  // The same records served over DNS, read back from the keygen output.
  keyRecords = new Map();
  for (const [text, name] of [
    [rsa.stdout.toString(), 'rsa1._domainkey.example.org.'],
    [ed.stdout.toString(), 'ed1._domainkey.example.org.'],
  ] as const) {
    keyRecords.set(name, [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join(''));
  }
  server = await startFakeServer((q) => {
    const question = q.questions[0];
    const name = question?.name.toLowerCase() ?? '';
    if (name.endsWith('.broken.example.')) return reply(q, { rcode: RCODE.SERVFAIL });
    const record = keyRecords.get(name);
    if (record === undefined || question?.type !== TYPE.TXT) return reply(q, { rcode: RCODE.NXDOMAIN });
    return reply(q, { answers: [makeRR(name, TYPE.TXT, 300, txtData(record))] });
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sign = (args: string[], input: string | Uint8Array = MESSAGE) =>
  poste(['dkim', 'sign', '-d', 'example.org', ...args], input);

describe('poste dkim keygen', () => {
  it('writes the private key with mode 0600 and prints the record in zone syntax', () => {
    expect(statSync(join(dir, 'rsa.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'ed.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const text = readFileSync(zone, 'utf8');
    expect(text).toMatch(/^rsa1\._domainkey\.example\.org\.\t3600\tIN\tTXT\t\( "v=DKIM1; k=rsa; p=MIIB/);
    expect(text).toMatch(
      /\ned1\._domainkey\.example\.org\.\t3600\tIN\tTXT\t"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="\n$/,
    );
  });
  it('keeps an existing key unless --force; refuses a bad selector', async () => {
    const again = await poste(['dkim', 'keygen', '-s', 'x', '-d', 'example.org', '-o', join(dir, 'rsa.pem')]);
    expect(again.status, again.stderr).toBe(64);
    expect(again.stderr).toMatch(/exists: give --force/);
    const bad = await poste(['dkim', 'keygen', '-s', 'a b', '-d', 'example.org', '-o', join(dir, 'x.pem')]);
    expect(bad.status, bad.stderr).toBe(64);
  });
});

describe('poste dkim sign | poste dkim verify', () => {
  it('signs with two keys in one pass; verify --zone says pass twice and exits 0', async () => {
    const signed = await sign([
      '-k',
      join(dir, 'rsa.pem'),
      '-s',
      'rsa1',
      '-k',
      join(dir, 'ed.pem'),
      '-s',
      'ed1',
    ]);
    expect(signed.status, signed.stderr).toBe(0);
    const text = signed.stdout.toString('latin1');
    expect(text.match(/^DKIM-Signature: /gm)).toHaveLength(2);
    expect(text).toMatch(/\r\nFrom: Joe <joe@example\.org>\r\n/); // LF made CRLF
    const v = await poste(['dkim', 'verify', '--zone', zone], signed.stdout);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.toString()).toMatch(
      /^pass d=example\.org s=rsa1 a=rsa-sha256 c=relaxed\/relaxed b=\S{8}\npass d=example\.org s=ed1 a=ed25519-sha256 c=relaxed\/relaxed b=\S{8}\n$/,
    );
  });

  it('--json, --auth-results, and the keys over DNS (--dns)', async () => {
    const signed = await sign([
      '-k',
      join(dir, 'ed.pem'),
      '-s',
      'ed1',
      '--canon',
      'simple/simple',
      '--time',
      '1700000000',
    ]);
    const j = await poste(
      ['dkim', 'verify', '--dns', server.address, '--json', '--time', '1700000100'],
      signed.stdout,
    );
    expect(j.status, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout.toString())).toMatchObject([
      {
        result: 'pass',
        domain: 'example.org',
        selector: 'ed1',
        algorithm: 'ed25519-sha256',
        canonicalization: 'simple/simple',
        timestamp: 1700000000,
        index: 0,
      },
    ]);
    const ar = await poste(['dkim', 'verify', '--zone', zone, '--auth-results'], signed.stdout);
    expect(ar.stdout.toString()).toMatch(
      /^dkim=pass header\.d=example\.org header\.s=ed1 header\.a=ed25519-sha256 header\.b=\S+\n$/,
    );
  });

  it('exits 1 for a tampered message, and for one without signatures', async () => {
    const signed = await sign(['-k', join(dir, 'rsa.pem'), '-s', 'rsa1']);
    const tampered = Buffer.from(signed.stdout.toString('latin1').replace('hungry', 'angry!'), 'latin1');
    const v = await poste(['dkim', 'verify', '--zone', zone], tampered);
    expect(v.status, v.stderr).toBe(1);
    expect(v.stdout.toString()).toMatch(/^fail d=example\.org s=rsa1 .* reason="body hash mismatch/);
    const none = await poste(['dkim', 'verify', '--zone', zone], MESSAGE);
    expect(none).toMatchObject({ status: 1, stderr: '' });
    expect(none.stdout.toString()).toBe('none\n');
  });

  it('exits 75 when the key lookup fails temporarily, 1 when the key does not exist', async () => {
    const signed = await poste(
      ['dkim', 'sign', '-k', join(dir, 'rsa.pem'), '-s', 'rsa1', '-d', 'broken.example'],
      MESSAGE,
    );
    expect(signed.status, signed.stderr).toBe(0);
    const v = await poste(['dkim', 'verify', '--dns', server.address], signed.stdout);
    expect(v.status, v.stderr).toBe(75);
    expect(v.stdout.toString()).toMatch(/^temperror d=broken\.example s=rsa1 .*SERVFAIL/);
    const other = await sign(['-k', join(dir, 'rsa.pem'), '-s', 'nokey']);
    const n = await poste(['dkim', 'verify', '--dns', server.address], other.stdout);
    expect(n.status, n.stderr).toBe(1);
    expect(n.stdout.toString()).toMatch(/^permerror .*no key record/);
  });

  it('exits 64 on a bad command line', async () => {
    const pem = join(dir, 'rsa.pem');
    const twoKeys = await sign(['-k', pem, '-k', pem, '-s', 'a', '-s', 'b', '-s', 'c']);
    expect(twoKeys.status, twoKeys.stderr).toBe(64);
    expect(twoKeys.stderr).toMatch(/--selector is given 3 times for 2 keys/);
    expect((await sign(['-k', pem, '-s', 'rsa1', '-a', 'ed25519-sha256'])).status).toBe(64);
    expect((await sign(['-k', pem, '-s', 'rsa1', '--canon', 'loose'])).status).toBe(64);
    expect((await sign(['-k', pem, '-s', 'rsa1', '--expire', 'soon'])).status).toBe(64);
    expect((await poste(['dkim', 'verify', '--dns', 'not-an-ip'], MESSAGE)).status).toBe(64);
    expect((await poste(['dkim', 'sign', '-k', pem], MESSAGE)).status).toBe(64);
  });

  it('exits 65 for a key that is not a usable private key, 66 for a missing one', async () => {
    writeFileSync(join(dir, 'pub.pem'), readFileSync(zone));
    const bad = await sign(['-k', join(dir, 'pub.pem'), '-s', 'x']);
    expect(bad.status, bad.stderr).toBe(65);
    expect(bad.stderr).toMatch(/^poste dkim sign: .*pub\.pem: not a private key/);
    expect((await sign(['-k', join(dir, 'missing.pem'), '-s', 'x'])).status).toBe(66);
  });
});

describe('a 50 MB message, streamed', () => {
  // Peak memory of the child, read at exit (VmHWM: the high-water mark of its RSS).
  const hook = () => {
    const file = join(dir, 'vmhwm.mjs');
    writeFileSync(
      file,
      [
        "import { readFileSync, writeSync } from 'node:fs';",
        "const peak = () => /VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];",
        "process.on('exit', () => writeSync(2, 'VmHWM ' + peak() + '\\n'));",
        '',
      ].join('\n'),
    );
    return ['--import', file];
  };
  const peakMiB = (stderr: string) => Number(/VmHWM (\d+)/.exec(stderr)?.[1]) / 1024;

  function* bigMessage(): Iterable<Uint8Array> {
    yield Buffer.from('From: a@example.org\r\nTo: b@example.net\r\nSubject: big\r\n\r\n');
    const line = Buffer.from(
      `${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1'}\r\n`,
    );
    const block = Buffer.concat(Array(13_000).fill(line)); // ~1 MB
    for (let i = 0; i < 50; i++) yield block;
  }

  it('signs through a temporary file and verifies in one pass, with bounded memory', async () => {
    const spool = mkdtempSync(join(dir, 'tmp-'));
    const created: string[] = [];
    const watcher = watch(spool, (_event, name) => {
      if (name) created.push(name);
    });
    const size = [...bigMessage()].reduce((n, c) => n + c.length, 0);
    const signed = await poste(
      ['dkim', 'sign', '-d', 'example.org', '-s', 'rsa1', '-k', join(dir, 'rsa.pem')],
      bigMessage(),
      { node: hook(), env: { TMPDIR: spool } },
    );
    expect(signed.status, signed.stderr).toBe(0);
    expect(signed.stdout.length).toBeGreaterThan(size);
    watcher.close();
    expect(created.some((n) => n.startsWith('poste-spool-'))).toBe(true); // spooled to a file,
    expect(readdirSync(spool)).toEqual([]); // which is gone
    const signPeak = peakMiB(signed.stderr);
    const verified = await poste(['dkim', 'verify', '--zone', zone], signed.stdout, { node: hook() });
    expect(verified.stdout.toString()).toMatch(/^pass /);
    const verifyPeak = peakMiB(verified.stderr);
    // Node itself takes ~50 MB, and stdin chunks wait for the GC a while (~35 MB, as with
    // `poste descr`); a message held whole would add its 50 MB on top.
    expect(signPeak).toBeLessThan(110);
    expect(verifyPeak).toBeLessThan(110);
  });
});

describe('the fast path parses the dkim commands as oclif does', () => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, ManifestCommand>;
  };
  const strip = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== false));
  const cases: [string, Command.Class, string[][]][] = [
    [
      'dkim:sign',
      DkimSign,
      [
        ['-d', 'example.org', '-s', 's1', '-k', 'k.pem'],
        ['-d', 'example.org', '-k', 'a.pem', '-s', 'a', '-k', 'b.pem', '-s', 'b', '--canon', 'simple/simple'],
        [
          '--domain=example.org',
          '--selector=s',
          '--key=k',
          '--headers',
          'from:to',
          '--no-oversign',
          '--expire',
          '60',
        ],
        ['-d', 'x', '-s', 's', '-k', 'k', '-a', 'ed25519-sha256', '-i', 'a@x', '--time', '5'],
        ['-d', 'x', '-s', 's', '-k', 'k', '--canon', 'loose'],
        ['-d', 'x', '-s', 's'],
      ],
    ],
    [
      'dkim:verify',
      DkimVerify,
      [
        [],
        ['--zone', 'z'],
        ['--dns', '127.0.0.1:53', '--json'],
        ['--auth-results', '--time', '7'],
        ['--json', '--auth-results'],
      ],
    ],
    [
      'dkim:keygen',
      DkimKeygen,
      [
        ['-s', 's', '-d', 'd', '-o', 'f'],
        ['--algorithm', 'ed25519', '--selector', 's', '--domain', 'd', '--out', 'f', '--force'],
        ['-a', 'dsa', '-s', 's', '-d', 'd', '-o', 'f'],
      ],
    ],
  ];
  for (const [id, cls, argvs] of cases) {
    it(id, async () => {
      let taken = 0;
      for (const argv of argvs) {
        const fast = parseFast(argv, manifest.commands[id] as ManifestCommand);
        let slow: { flags: Record<string, unknown> } | 'error';
        try {
          slow = await Parser.parse(argv, {
            flags: cls.flags,
            args: cls.args,
            strict: true,
            context: undefined,
          });
        } catch {
          slow = 'error';
        }
        if (!fast) continue;
        taken++;
        expect(slow, argv.join(' ')).not.toBe('error');
        if (slow !== 'error') expect(strip(fast.flags), argv.join(' ')).toEqual(strip(slow.flags));
      }
      expect(taken).toBeGreaterThan(1);
    });
  }
});
