import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyRecord } from '../../src/dkim/index.js';
import { parseKeysFile, parseZone, TYPE, Zone, ZoneResolver } from '../../src/dns/index.js';
import { ZoneDir } from '../../src/services/primary/zone-dir.js';
import { Users } from '../../src/services/smtp-server/users.js';
import { acquireLock, openStore, type Store, StoreError, type StoreOptions } from '../../src/store/index.js';

const FAST: StoreOptions = { scrypt: { N: 1024, r: 8, p: 1 }, now: () => new Date('2026-11-29T10:00:00Z') };
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const d = await fs.mkdtemp(join(tmpdir(), 'poste-store-'));
  dirs.push(d);
  return d;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
}

function log(dir: string): string[] {
  return git(dir, 'log', '--format=%s').split('\n');
}

afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

// One hosted domain, made once (an RSA key takes a while); tests copy it.
let template: string;
beforeAll(async () => {
  template = await fs.mkdtemp(join(tmpdir(), 'poste-store-template-'));
  const s = await openStore(template, { ...FAST, create: true });
  await s.addDomain('example.org', { ips: ['192.0.2.25', '2001:db8::25'] });
  return () => fs.rm(template, { recursive: true, force: true });
});

async function copy(): Promise<string> {
  const d = await tempDir();
  await fs.cp(template, d, { recursive: true });
  return d;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StoreError);
  expect((e as StoreError).code).toBe(code);
}

describe('openStore', () => {
  it('refuses a directory that is not a store, and makes one when asked', async () => {
    const d = await tempDir();
    await expectCode(openStore(d), 'no-store');
    await expectCode(openStore(join(d, 'missing')), 'no-store');
    const s = await openStore(join(d, 'new'), { create: true });
    expect(s.domains()).toEqual([]);
    expect(log(join(d, 'new'))).toEqual(['store init']);
    // A subdirectory of another repository is not that repository's store.
    await fs.mkdir(join(d, 'new', 'sub'));
    await expectCode(openStore(join(d, 'new', 'sub')), 'no-store');
  });
});

describe('changes', () => {
  it('makes one commit per change, saying what changed and never a secret', async () => {
    const d = await copy();
    const s = await openStore(d, FAST);
    await s.addUser('Ada@example.org', 'correct horse');
    await s.addUser('bob@example.org', 'battery staple');
    await s.setPassword('ada@example.org', 'n3w secret');
    await s.addAlias('info@example.org', ['ada@example.org', 'bob@example.org']);
    await s.addAlias('info@example.org', ['friend@remote.test']);
    await s.deleteAlias('info@example.org', ['bob@example.org']);
    await s.addAlias('@example.org', ['ada@example.org']);
    await s.deleteUser('bob@example.org');
    await s.deleteAlias('@example.org');
    expect(log(d).reverse()).toEqual([
      'store init',
      'domain add example.org',
      'user add Ada@example.org',
      'user add bob@example.org',
      'user passwd Ada@example.org',
      'alias add info@example.org -> ada@example.org, bob@example.org',
      'alias add info@example.org -> friend@remote.test',
      'alias del info@example.org -> bob@example.org',
      'alias add @example.org -> ada@example.org',
      'user del bob@example.org',
      'alias del @example.org',
    ]);
    expect(git(d, 'status', '--porcelain')).toBe('');
    const full = git(d, 'log', '--format=%B');
    for (const secret of ['correct horse', 'battery staple', 'n3w secret', '$scrypt$'])
      expect(full).not.toContain(secret);
    expect(await fs.readFile(join(d, 'aliases'), 'utf8')).toContain(
      'info@example.org: ada@example.org, friend@remote.test\n',
    );
    expect(s.users()).toEqual(['Ada@example.org']);
    expect(s.aliases()).toEqual([
      { address: 'info@example.org', targets: ['ada@example.org', 'friend@remote.test'] },
    ]);
  });

  it('keeps comments and order of hand-edited files', async () => {
    const d = await copy();
    await fs.appendFile(join(d, 'aliases'), '# the team\nteam@example.org: x@remote.test\n');
    const s = await openStore(d, FAST);
    await s.addUser('ada@example.org', 'pw');
    await s.addAlias('team@example.org', ['ada@example.org']);
    expect(await fs.readFile(join(d, 'aliases'), 'utf8')).toMatch(
      /# the team\nteam@example.org: x@remote.test, ada@example.org\n$/,
    );
  });

  it('refuses what does not fit, with a code', async () => {
    const s = await openStore(await copy(), FAST);
    await s.addUser('ada@example.org', 'pw');
    await expectCode(s.addUser('ADA@example.org', 'pw'), 'exists');
    await expectCode(s.addUser('ada@example.net', 'pw'), 'not-hosted');
    await expectCode(s.addUser('not an address', 'pw'), 'invalid');
    await expectCode(s.deleteUser('bob@example.org'), 'not-found');
    await expectCode(s.setPassword('bob@example.org', 'pw'), 'not-found');
    await expectCode(s.addAlias('x@example.org', ['ghost@example.org']), 'not-found');
    await expectCode(s.addAlias('x@example.net', ['ada@example.org']), 'not-hosted');
    await expectCode(s.addAlias('x@example.org', ['@example.org']), 'invalid');
    await expectCode(s.addAlias('x@example.org', []), 'invalid');
    await s.addAlias('x@example.org', ['ada@example.org']);
    await expectCode(s.addAlias('x@example.org', ['ada@example.org']), 'exists');
    await expectCode(s.deleteAlias('y@example.org'), 'not-found');
    await expectCode(s.deleteAlias('x@example.org', ['bob@example.org']), 'not-found');
    await expectCode(s.addDomain('example.org'), 'exists');
    await expectCode(s.addDomain('not_a domain'), 'invalid');
    await expectCode(s.addDomain('example.net', { mxHost: 'mx.example.org', ips: ['192.0.2.1'] }), 'invalid');
    await expectCode(s.addDomain('example.net', { ips: ['300.1.1.1'] }), 'invalid');
  });

  it('refuses an alias loop', async () => {
    const s = await openStore(await copy(), FAST);
    await s.addUser('ada@example.org', 'pw');
    await s.addAlias('a@example.org', ['ada@example.org']);
    await s.addAlias('b@example.org', ['a@example.org']);
    await s.deleteAlias('a@example.org');
    await s.addAlias('a@example.org', ['b@example.org']).then(
      () => expect.unreachable(),
      (e: StoreError) => {
        expect(e.code).toBe('loop');
      },
    );
    await expectCode(s.addAlias('@example.org', ['@example.org']), 'loop');
    // b is left dangling by the removal of a: allowed, and reported when resolving.
    expect(s.resolveRecipient('b@example.org')).toMatchObject({ kind: 'error', cause: 'nowhere' });
  });

  it('loses no change when writers run in parallel', async () => {
    const d = await copy();
    const stores = await Promise.all(Array.from({ length: 6 }, () => openStore(d, FAST)));
    await Promise.all(stores.map((s, i) => s.addUser(`u${i}@example.org`, `pw${i}`)));
    const s = await openStore(d, FAST);
    expect(s.users().sort()).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5'].map((u) => `${u}@example.org`));
    expect(log(d).filter((m) => m.startsWith('user add'))).toHaveLength(6);
    expect(await s.verifyPassword('u3@example.org', 'pw3')).toBe(true);
  });

  it('leaves no half-state when a change fails', async () => {
    const d = await copy();
    const s = await openStore(d, FAST);
    await s.addUser('ada@example.org', 'pw');
    const before = git(d, 'rev-parse', 'HEAD');
    // git cannot take its index lock: the commit fails after the files were written.
    await fs.writeFile(join(d, '.git', 'index.lock'), '');
    await expectCode(s.addDomain('example.net'), 'io');
    await expectCode(s.addUser('bob@example.org', 'pw'), 'io');
    await fs.rm(join(d, '.git', 'index.lock'));
    expect(git(d, 'rev-parse', 'HEAD')).toBe(before);
    expect(git(d, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    await expect(fs.access(join(d, 'dkim', 'example.net'))).rejects.toThrow();
    await s.reload();
    expect(s.domains()).toEqual(['example.org']);
    expect(s.users()).toEqual(['ada@example.org']);
  });

  it('undoes a change a crash cut short, at the next change', async () => {
    const d = await copy();
    const s = await openStore(d, FAST);
    // As if a process died after writing users and a key but before its commit.
    await fs.writeFile(join(d, 'users'), 'garbage\n');
    await fs.mkdir(join(d, 'dkim', 'x.test'));
    await fs.writeFile(join(d, 'dkim', 'x.test', 'r1.pem'), 'half');
    await fs.writeFile(
      join(d, '.git', 'poste-store.txn'),
      JSON.stringify({ paths: ['users', 'dkim/x.test/r1.pem'] }),
    );
    await s.addUser('ada@example.org', 'pw');
    expect(s.users()).toEqual(['ada@example.org']);
    expect(git(d, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect((await fs.stat(join(d, 'users'))).mode & 0o777).toBe(0o600);
  });

  it('takes over a stale lock and waits for a live one', async () => {
    const d = await copy();
    const s = await openStore(d, { ...FAST, lock: { timeoutMs: 200 } });
    const lockFile = join(d, '.git', 'poste-store.lock');
    // A lock left by a process that is gone.
    await fs.writeFile(
      lockFile,
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), nonce: 'x' }),
    );
    await s.addUser('ada@example.org', 'pw');
    // A live holder: busy after the timeout.
    const held = await acquireLock(lockFile);
    await expectCode(s.addUser('bob@example.org', 'pw'), 'lock-busy');
    await held.release();
    await s.addUser('bob@example.org', 'pw');
    expect(s.users()).toEqual(['ada@example.org', 'bob@example.org']);
  });
});

describe('lookups', () => {
  let s: Store;
  let d: string;
  beforeAll(async () => {
    d = await fs.mkdtemp(join(tmpdir(), 'poste-store-lookups-'));
    await fs.cp(template, d, { recursive: true });
    s = await openStore(d, FAST);
    await s.addUser('Ada@example.org', 'correct horse');
    await s.addAlias('postmaster@example.org', ['ada@example.org']);
    return () => fs.rm(d, { recursive: true, force: true });
  });

  it('verifies passwords', async () => {
    expect(await s.verifyPassword('ada@EXAMPLE.org', 'correct horse')).toBe(true);
    expect(await s.verifyPassword('ada@example.org', 'wrong')).toBe(false);
    expect(await s.verifyPassword('nobody@example.org', 'correct horse')).toBe(false);
    expect(await s.verifyPassword('not an address', 'x')).toBe(false);
    expect(s.hasUser('ADA@example.org')).toBe(true);
  });

  it('writes the users file of poste srv --users', async () => {
    const users = await Users.load(join(d, 'users'));
    expect(await users.verify('ada@example.org', 'correct horse')).toBe(true);
    expect((await fs.stat(join(d, 'users'))).mode & 0o777).toBe(0o600);
  });

  it('knows its domains', () => {
    expect(s.isHostedDomain('EXAMPLE.org.')).toBe(true);
    expect(s.isHostedDomain('example.net')).toBe(false);
    expect(s.resolveRecipient('postmaster@example.org')).toEqual({
      kind: 'local',
      mailboxes: ['Ada@example.org'],
      forwards: [],
      unresolved: [],
    });
  });

  it('gives the DKIM keys, private files 0600', async () => {
    const keys = await s.dkimKeys('example.org');
    expect(keys.map((k) => [k.selector, k.algorithm, k.key.bits])).toEqual([
      ['r202611', 'rsa-sha256', 2048],
      ['e202611', 'ed25519-sha256', 256],
    ]);
    for (const k of keys) expect((await fs.stat(join(d, k.file))).mode & 0o777).toBe(0o600);
    expect(await s.dkimKeys('example.net')).toEqual([]);
  });

  it('writes a zone that parses and answers MX, SPF, DMARC and DKIM queries', async () => {
    const text = await fs.readFile(join(d, 'zones', 'example.org.zone'), 'utf8');
    const zone = new Zone(
      'example.org.',
      parseZone(text, { origin: 'example.org.', file: 'example.org.zone' }).records,
    );
    expect(zone.serial).toBe(2026112901);
    const r = new ZoneResolver([zone]);
    const txt = async (name: string) => {
      const a = await r.resolve(name, TYPE.TXT);
      if (a.kind !== 'answer') throw new Error(`${name}: ${a.kind}`);
      return a.records.map((rr) => (rr.data as Uint8Array[]).map((b) => Buffer.from(b).toString()).join(''));
    };
    const mx = await r.resolve('example.org', TYPE.MX);
    expect(mx.kind === 'answer' && mx.records.map((x) => x.data)).toEqual([
      { preference: 10, exchange: 'mail.example.org.' },
    ]);
    const a = await r.resolve('mail.example.org', TYPE.A);
    expect(a.kind === 'answer' && a.records.map((x) => x.data)).toEqual(['192.0.2.25']);
    const aaaa = await r.resolve('mail.example.org', TYPE.AAAA);
    expect(aaaa.kind === 'answer' && aaaa.records.map((x) => x.data)).toEqual(['2001:db8::25']);
    const ns = await r.resolve('example.org', TYPE.NS);
    expect(ns.kind === 'answer' && ns.records.map((x) => x.data)).toEqual(['mail.example.org.']);
    expect(await txt('example.org')).toEqual(['v=spf1 mx -all']);
    expect((await txt('_dmarc.example.org'))[0]).toMatch(/^v=DMARC1; p=quarantine;/);
    for (const k of await s.dkimKeys('example.org'))
      expect(await txt(`${k.selector}._domainkey.example.org`)).toEqual([publicKeyRecord(k.key)]);
  });

  it('keeps a TSIG key scoped to the zone where the primary reads it', async () => {
    const keys = parseKeysFile(await fs.readFile(join(d, 'zones', 'tsig.keys'), 'utf8'), 'tsig.keys');
    expect(keys.map((k) => [k.key.name, k.key.algorithm, k.key.secret.length, k.scopes])).toEqual([
      ['update.example.org.', 'hmac-sha256.', 32, ['example.org.']],
    ]);
    expect((await s.tsigKeys()).length).toBe(1);
  });

  it('is what the primary serves from STORE/zones, with the TSIG key scoped to the zone', async () => {
    const events: string[] = [];
    const zones = new ZoneDir({ dir: join(d, 'zones'), log: (e) => events.push(e), globalKeys: [] });
    await zones.start(0);
    expect(events).toContain('zone-loaded');
    expect(zones.isRepo).toBe(true);
    const zone = zones.catalog.get('example.org.');
    expect(zone?.lookup('example.org.', TYPE.MX).kind).toBe('answer');
    const key = zones.policy.lookup('update.example.org.', 'hmac-sha256.');
    expect(key).toBeDefined();
    expect(zones.policy.mayUpdate(key as never, '_acme-challenge.example.org.')).toBe(true);
    expect(zones.policy.mayUpdate(key as never, 'example.net.')).toBe(false);
  });

  it('sees changes made by another process', async () => {
    expect(await s.refresh()).toBe(false);
    const other = await openStore(d, FAST);
    await other.addUser('bob@example.org', 'pw');
    expect(s.hasUser('bob@example.org')).toBe(false);
    expect(await s.refresh()).toBe(true);
    expect(s.hasUser('bob@example.org')).toBe(true);
  });
});
