// poste user|alias|domain, run as a user would (npm run build first).
import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, poste, repoRoot } from '../helpers/run-cli.js';

let root: string;
let store: string;

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'poste-cli-store-'));
  store = join(root, 'store');
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

const out = (r: { stdout: Buffer }) => r.stdout.toString('utf8');
const log = (dir: string) =>
  execFileSync('git', ['-C', dir, 'log', '--format=%s'], { encoding: 'utf8' }).trim().split('\n');

/** Runs poste without waiting, for parallel runs. */
function posteAsync(args: string[], input: string): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stderr }));
    child.stdin.end(input);
  });
}

describe('poste domain|user|alias', () => {
  it('domain add makes the store, the keys and the zone', () => {
    const r = poste(['domain', 'add', 'example.org', '--store', store]);
    expect(r.stderr).toContain('mail.example.org has no address in the zone: give --ip');
    expect(r.status).toBe(0);
    expect(out(r)).toMatch(
      /^domain add example.org \[[0-9a-f]{7}\]\nzone {2}zones\/example.org.zone \(NS and MX mail.example.org\)\ndkim {2}r\d{6} rsa-sha256 dkim\/example.org\/r\d{6}.pem\ndkim {2}e\d{6} ed25519-sha256 dkim\/example.org\/e\d{6}.pem\ntsig {2}update.example.org. in zones\/tsig.keys\n$/,
    );
    const second = poste(['domain', 'add', 'example.net', '--store', store, '--mx-host', 'mx.example.org']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toBe('');
    expect(out(poste(['domain', 'list', '--store', store]))).toBe('example.org\nexample.net\n');
    const json = JSON.parse(out(poste(['domain', 'list', '--store', store, '--json'])));
    expect(json[0]).toMatchObject({ domain: 'example.org', users: 0 });
    expect(json[0].dkim.map((k: { algorithm: string }) => k.algorithm)).toEqual([
      'rsa-sha256',
      'ed25519-sha256',
    ]);
    const again = poste(['domain', 'add', 'example.org', '--store', store]);
    expect(again.status).toBe(65);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('user add reads the password from stdin or a file, never argv', async () => {
    const r = poste(['user', 'add', 'Ada@example.org', '--store', store], 'correct horse\n');
    expect(r.status, r.stderr).toBe(0);
    expect(out(r)).toMatch(/^user add Ada@example.org \[[0-9a-f]{7}\]\n$/);
    const pw = join(root, 'pw');
    await fs.writeFile(pw, 'battery staple\n');
    expect(poste(['user', 'add', 'bob@example.org', '--store', store, '--password-file', pw]).status).toBe(0);
    expect(poste(['user', 'passwd', 'bob@example.org', '--store', store], 'n3w\n').status).toBe(0);
    expect(out(poste(['user', 'list', '--store', store]))).toBe('Ada@example.org\nbob@example.org\n');
    expect(JSON.parse(out(poste(['user', 'list', '--store', store, '--json'])))).toEqual([
      { address: 'Ada@example.org', domain: 'example.org' },
      { address: 'bob@example.org', domain: 'example.org' },
    ]);
    const users = await fs.readFile(join(store, 'users'), 'utf8');
    expect(users).toMatch(/^Ada@example.org:\$scrypt\$N=16384,r=8,p=1\$/m);
    expect(users).not.toContain('correct horse');
  });

  const failures: [string[], string | undefined, number, RegExp][] = [
    [['user', 'add', 'ada@example.org'], 'x\n', 65, /user ada@example.org exists/],
    [['user', 'add', 'ada@elsewhere.test'], 'x\n', 65, /elsewhere.test is not a hosted domain/],
    [['user', 'add', 'not-an-address'], 'x\n', 64, /not an address/],
    [['user', 'add', 'zed@example.org'], '', 66, /no password on standard input/],
    [['user', 'del', 'zed@example.org'], undefined, 65, /no user zed@example.org/],
    [
      ['alias', 'add', 'x@example.org', 'ghost@example.org'],
      undefined,
      65,
      /no user or alias ghost@example.org/,
    ],
    [['alias', 'del', 'x@example.org'], undefined, 65, /no alias x@example.org/],
    [['alias', 'add', 'x@example.org'], undefined, 64, /give at least one TARGET/],
  ];
  it.each(failures)('reports failures in one line with the exit code: %j', (args, input, status, message) => {
    const r = poste([...args, '--store', store], input);
    expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(status);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  });

  it('reports a missing store and password file', () => {
    const none = poste(['user', 'list', '--store', join(root, 'none')]);
    expect(none.status).toBe(66);
    expect(none.stderr).toMatch(/is not a store/);
    const pw = poste([
      'user',
      'add',
      'zed@example.org',
      '--store',
      store,
      '--password-file',
      join(root, 'nope'),
    ]);
    expect(pw.status).toBe(66);
    expect(pw.stderr).toMatch(/cannot read --password-file/);
  });

  it('alias add, list and del; loops refused', () => {
    const ok = (args: string[]) => {
      const r = poste([...args, '--store', store]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return out(r);
    };
    expect(ok(['alias', 'add', 'info@example.org', 'ada@example.org', 'friend@remote.test'])).toMatch(
      /^alias add info@example.org -> ada@example.org, friend@remote.test \[/,
    );
    ok(['alias', 'add', '@example.net', '@example.org']);
    ok(['alias', 'add', 'postmaster', 'ada@example.org']);
    ok(['alias', 'add', 'team@example.org', 'info@example.org']);
    const loop = poste(['alias', 'add', 'info@example.org', 'team@example.org', '--store', store]);
    expect(loop.status).toBe(65);
    expect(loop.stderr).toMatch(/alias loop/);
    expect(ok(['alias', 'list'])).toBe(
      'info@example.org: ada@example.org, friend@remote.test\n@example.net: @example.org\npostmaster: ada@example.org\nteam@example.org: info@example.org\n',
    );
    ok(['alias', 'del', 'info@example.org', 'friend@remote.test']);
    ok(['alias', 'del', 'team@example.org']);
    expect(JSON.parse(ok(['alias', 'list', '--json']))).toEqual([
      { address: 'info@example.org', targets: ['ada@example.org'] },
      { address: '@example.net', targets: ['@example.org'] },
      { address: 'postmaster', targets: ['ada@example.org'] },
    ]);
  });

  it('takes the store from POSTE_STORE', () => {
    const r = poste(['user', 'list'], undefined, { POSTE_STORE: store });
    expect(r.status, r.stderr).toBe(0);
    expect(out(r)).toContain('Ada@example.org');
  });

  it('loses no user when two adds run at once', async () => {
    const runs = await Promise.all(
      ['p1', 'p2', 'p3'].map((u) =>
        posteAsync(['user', 'add', `${u}@example.org`, '--store', store], `${u}-pw\n`),
      ),
    );
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    const users = out(poste(['user', 'list', '--store', store]));
    for (const u of ['p1', 'p2', 'p3']) expect(users).toContain(`${u}@example.org\n`);
  });

  it('keeps the history, one commit per change', () => {
    const h = log(store).reverse();
    expect(h.slice(0, 7)).toEqual([
      'store init',
      'domain add example.org',
      'domain add example.net',
      'user add Ada@example.org',
      'user add bob@example.org',
      'user passwd bob@example.org',
      'alias add info@example.org -> ada@example.org, friend@remote.test',
    ]);
    expect(h.filter((m) => /^user add p\d@/.test(m))).toHaveLength(3);
    expect(poste(['user', 'del', 'bob@example.org', '--store', store]).status).toBe(0);
    expect(log(store)[0]).toBe('user del bob@example.org');
  });
});
