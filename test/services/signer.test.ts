// The signer on loopback: mail of hosted domains signed with RSA and Ed25519 at once and
// verified against the store's zone, other mail passed unsigned, only allowed clients, a 451
// when the relay is down; key rotation as pure decisions, with a fake clock and publisher,
// and once against a real primary.
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../../src/dkim/index.js';
import {
  parseZone,
  type Resolution,
  type Resolver,
  StubResolver,
  TYPE,
  txtData,
  Zone,
  ZoneResolver,
} from '../../src/dns/index.js';
import { checkConfig } from '../../src/services/config.js';
import { silentLogger } from '../../src/services/log.js';
import { startPrimary } from '../../src/services/primary/index.js';
import {
  type KeyPublisher,
  KeyRotation,
  newSelectors,
  planRotation,
  type SignerConfig,
  signerSchema,
  signerService,
  startSigner,
  updateKeyFor,
} from '../../src/services/signer/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { type Sink, send, startSink } from './mail-helpers.js';

const DAY = 86_400_000;
let dir: string;
let store: Store;
let sink: Sink;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poste-signer-'));
  store = await openStore(join(dir, 'store'), { create: true, scrypt: { N: 1024, r: 8, p: 1 } });
  await store.addDomain('example.org');
  sink = await startSink('127.0.0.1');
});
afterAll(async () => {
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  while (cleanup.length) await (cleanup.pop() as () => Promise<void>)().catch(() => {});
  sink.received.length = 0;
});

function storeZone(s: Store, domain: string): Resolver {
  const text = readFileSync(join(s.dir, 'zones', `${domain}.zone`), 'utf8');
  const origin = `${domain}.`;
  return new ZoneResolver([new Zone(origin, parseZone(text, { origin }).records)]);
}

function message(from: string, id = 'm1'): Buffer {
  return Buffer.from(
    `From: Ada <${from}>\r\nTo: bob@example.net\r\nSubject: signed?\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${id}@example.org>\r\n\r\nhello\r\n`,
  );
}

async function start(extra: Partial<Parameters<typeof startSigner>[0]> = {}) {
  const s = await startSigner({
    host: '127.0.0.1',
    port: 0,
    hostname: 'signer.test',
    store,
    next: { host: '127.0.0.1', port: sink.port },
    log: silentLogger,
    ...extra,
  });
  cleanup.push(() => s.close());
  return s;
}

describe('signer', () => {
  it('signs mail of a hosted domain with RSA and Ed25519; both verify against the zone', async () => {
    const s = await start();
    const out = await send(
      s.server.address.port,
      'ada@example.org',
      ['bob@example.net'],
      message('ada@Example.ORG'),
    );
    expect(out.result?.data?.code).toBe(250);
    expect(sink.received).toHaveLength(1);
    const data = sink.received[0]!.data;
    const results = await verify(data, { resolver: storeZone(store, 'example.org') });
    expect(results.map((r) => [r.result, r.algorithm, r.canonicalization, r.domain])).toEqual([
      ['pass', 'rsa-sha256', 'relaxed/relaxed', 'example.org'],
      ['pass', 'ed25519-sha256', 'relaxed/relaxed', 'example.org'],
    ]);
    const selectors = (await store.dkimKeys('example.org')).map((k) => k.selector);
    expect(results.map((r) => r.selector).sort()).toEqual(selectors.sort());
    // Over-signed: a From or Reply-To added later breaks the signatures.
    const head = data
      .toString('latin1')
      .split('\r\n\r\n')[0]!
      .replace(/\r\n\s+/g, ' ');
    expect(head).toMatch(/h=from:from:reply-to:subject:subject:/);
    expect(s.state().signed).toBe(1);
  });

  it('passes mail of other domains unsigned', async () => {
    const logs: string[] = [];
    const s = await start({ log: (e, f) => logs.push(`${e} ${JSON.stringify(f)}`) });
    const msg = message('someone@elsewhere.example');
    const out = await send(s.server.address.port, 'someone@elsewhere.example', ['bob@example.net'], msg);
    expect(out.result?.data?.code).toBe(250);
    expect(sink.received[0]?.data.equals(msg)).toBe(true);
    expect(logs.some((l) => l.startsWith('unsigned ') && l.includes('not a hosted domain'))).toBe(true);
    expect(s.state().unsigned).toBe(1);
  });

  it('refuses clients outside its allow list', async () => {
    const s = await start({ allowClient: () => false });
    const out = await send(
      s.server.address.port,
      'ada@example.org',
      ['bob@example.net'],
      message('ada@example.org'),
    );
    expect(out.result?.recipients[0]?.reply.code).toBe(554);
    expect(sink.received).toHaveLength(0);
  });

  it('answers 451 when the relay is down', async () => {
    const srv = createServer();
    const port = await new Promise<number>((r) =>
      srv.listen(0, '127.0.0.1', () => r((srv.address() as { port: number }).port)),
    );
    await new Promise<void>((r) => srv.close(() => r()));
    const s = await start({ next: { host: '127.0.0.1', port } });
    const out = await send(
      s.server.address.port,
      'ada@example.org',
      ['bob@example.net'],
      message('ada@example.org'),
    );
    expect(out.result?.data?.code ?? out.failure?.reply?.code).toBe(451);
  });
});

describe('planRotation (pure)', () => {
  const policy = { rotateEveryMs: 30 * DAY, graceMs: 7 * DAY };
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  const key = (selector: string, created: number, visible = true) => ({
    selector,
    type: (selector.startsWith('r') ? 'rsa' : 'ed25519') as 'rsa' | 'ed25519',
    created,
    visible,
  });

  it('does nothing while the keys are young', () => {
    const p = planRotation([key('r202611', t0), key('e202611', t0)], t0 + 10 * DAY, policy);
    expect(p).toEqual({ active: { rsa: 'r202611', ed25519: 'e202611' }, actions: [] });
  });

  it('makes a new pair when the newest is older than rotateEvery', () => {
    const p = planRotation([key('r202611', t0), key('e202611', t0)], t0 + 31 * DAY, policy);
    expect(p.actions).toEqual([{ kind: 'generate', selectors: { rsa: 'r202612', ed25519: 'e202612' } }]);
    expect(
      planRotation([key('r202611', t0)], t0 + 31 * DAY, { ...policy, rotateEveryMs: 0 }).actions,
    ).toEqual([]);
  });

  it('signs with the old key until the new one is visible, and verifies the new one', () => {
    const keys = [
      key('r202612', t0 + 31 * DAY, false),
      key('e202612', t0 + 31 * DAY, false),
      key('r202611', t0),
      key('e202611', t0),
    ];
    const p = planRotation(keys, t0 + 60 * DAY, policy);
    expect(p.active).toEqual({ rsa: 'r202611', ed25519: 'e202611' });
    // No retirement, no new pair while one is pending.
    expect(p.actions).toEqual([
      { kind: 'verify', type: 'rsa', selector: 'r202612' },
      { kind: 'verify', type: 'ed25519', selector: 'e202612' },
    ]);
  });

  it('after a restart, before any check, signs with the second newest key, or the only one', () => {
    const unknown = [
      key('r202612', t0 + 31 * DAY, false),
      key('r202611', t0, false),
      key('r202610', t0 - 31 * DAY, false),
      key('e202611', t0, false),
    ];
    expect(planRotation(unknown, t0 + 32 * DAY, policy).active).toEqual({
      rsa: 'r202611',
      ed25519: 'e202611',
    });
  });

  it('retires older keys once the newest has signed for the grace period', () => {
    const made = t0 + 31 * DAY;
    const keys = [
      { ...key('r202612', made), activeSince: made + DAY },
      { ...key('e202612', made), activeSince: made + DAY },
      key('r202611', t0),
      key('e202611', t0),
    ];
    expect(planRotation(keys, made + 7 * DAY, policy).actions).toEqual([]);
    const p = planRotation(keys, made + 8 * DAY, policy);
    expect(p.active).toEqual({ rsa: 'r202612', ed25519: 'e202612' });
    expect(p.actions).toEqual([
      { kind: 'retire', type: 'rsa', selector: 'r202611' },
      { kind: 'retire', type: 'ed25519', selector: 'e202611' },
    ]);
  });

  it('names a pair made in a month already taken by the day, then the minute', () => {
    const now = new Date('2026-11-29T11:33:48Z');
    expect(newSelectors(now, new Set())).toEqual({ rsa: 'r202611', ed25519: 'e202611' });
    expect(newSelectors(now, new Set(['r202611', 'e202611']))).toEqual({
      rsa: 'r20261129',
      ed25519: 'e20261129',
    });
    expect(newSelectors(now, new Set(['e202611', 'r20261129']))).toEqual({
      rsa: 'r202611291133',
      ed25519: 'e202611291133',
    });
  });
});

/** A zone of published TXT records, the publisher and resolver of the rotation tests. */
function fakeDns() {
  const records = new Map<string, Set<string>>();
  let hidden = false;
  const calls: string[] = [];
  const publisher: KeyPublisher = {
    async add(name, value) {
      calls.push(`add ${name}`);
      const set = records.get(name.toLowerCase()) ?? new Set();
      set.add(value);
      records.set(name.toLowerCase(), set);
    },
    async remove(name, value) {
      calls.push(`remove ${name}`);
      records.get(name.toLowerCase())?.delete(value);
    },
  };
  const base = (s: Store) => storeZone(s, 'example.org');
  return {
    records,
    calls,
    publisher,
    hide(h: boolean) {
      hidden = h;
    },
    resolver(s: Store): Resolver {
      return {
        async resolve(name: string, type: number): Promise<Resolution> {
          const set = records.get(name.toLowerCase());
          if (!hidden && set && set.size > 0 && type === TYPE.TXT)
            return {
              kind: 'answer',
              ttl: 60,
              chain: [],
              records: [...set].map(
                (v) => ({ name, type: TYPE.TXT, class: 1, ttl: 60, data: txtData(v) }) as never,
              ),
            };
          return base(s).resolve(name, type);
        },
      };
    },
  };
}

describe('KeyRotation (fake clock, fake publisher)', () => {
  it('publishes a new pair, signs with it once visible, retires the old one after the grace', async () => {
    const s = await openStore(join(dir, `rot-${Date.now()}`), { create: true });
    await s.addDomain('example.org');
    const old = (await s.dkimKeys('example.org')).map((k) => k.selector);
    const dns = fakeDns();
    let now = Date.now();
    const rotation = new KeyRotation({
      store: s,
      resolver: dns.resolver(s),
      publisher: async () => dns.publisher,
      policy: { rotateEveryMs: 30 * DAY, graceMs: 7 * DAY },
      now: () => now,
      pollMs: 5,
      visibleTimeoutMs: 200,
      log: silentLogger,
    });
    cleanup.push(() => rotation.close());
    // Young keys: they are checked (visible through the zone) and nothing else happens.
    await rotation.tick();
    expect(dns.calls).toEqual([]);
    expect(
      rotation.signingKeys('example.org', await s.dkimKeys('example.org')).map((k) => k.selector),
    ).toEqual(old);

    // A month later, while the resolver does not show the new records yet: they are made and
    // published, but the old keys keep signing.
    now += 31 * DAY;
    dns.hide(true);
    await rotation.tick();
    expect(rotation.counters.failures).toBe(1);
    const keys = await s.dkimKeys('example.org');
    expect(keys).toHaveLength(4);
    const fresh = keys.slice(0, 2).map((k) => k.selector);
    expect(fresh.every((x) => !old.includes(x))).toBe(true);
    expect(dns.calls).toEqual(fresh.slice(0, 1).map((x) => `add ${x}._domainkey.example.org.`));
    expect(rotation.signingKeys('example.org', keys).map((k) => k.selector)).toEqual(old);

    // Visible now: the next check publishes what is missing and switches.
    dns.hide(false);
    await rotation.tick();
    expect(
      rotation.signingKeys('example.org', await s.dkimKeys('example.org')).map((k) => k.selector),
    ).toEqual(fresh);
    // Each record is added once: the one already there is seen and not sent again.
    expect(dns.calls.filter((c) => c.startsWith('add'))).toEqual(
      fresh.map((x) => `add ${x}._domainkey.example.org.`),
    );

    // Before the grace period ends the old records stay; after it they go, key files too.
    now += 6 * DAY;
    await rotation.tick();
    expect(dns.calls.some((c) => c.startsWith('remove'))).toBe(false);
    now += 2 * DAY;
    await rotation.tick();
    expect(dns.calls.filter((c) => c.startsWith('remove')).sort()).toEqual(
      old.map((x) => `remove ${x}._domainkey.example.org.`).sort(),
    );
    expect((await s.dkimKeys('example.org')).map((k) => k.selector)).toEqual(fresh);
    expect(rotation.counters).toMatchObject({ generated: 2, retired: 2 });
  });
});

describe('signer with a real primary', () => {
  it('publishes the new keys by TSIG UPDATE, signs with them once the DNS shows them', async () => {
    const s = await openStore(join(dir, `primary-${Date.now()}`), { create: true });
    await s.addDomain('example.org');
    const primary = await startPrimary({
      zonesDir: join(s.dir, 'zones'),
      listen: { host: '127.0.0.1', port: 0 },
      keys: [],
      notify: [],
      rateLimit: 0,
      rateLimitLoopback: false,
      pollMs: 0,
      log: silentLogger,
    });
    cleanup.push(() => primary.close());
    const { tsigUpdater } = await import('../../src/acme/index.js');
    let now = Date.now();
    const signer = await start({
      store: s,
      resolver: new StubResolver({ server: primary.address, cache: false }),
      publisher: async (domain) =>
        tsigUpdater({ server: primary.address, key: await updateKeyFor(s, domain, undefined), ttl: 3600 }),
      rotateEveryMs: 30 * DAY,
      graceMs: 7 * DAY,
      checkEveryMs: 0,
      now: () => now,
      pollMs: 20,
      visibleTimeoutMs: 10_000,
    });
    const old = (await s.dkimKeys('example.org')).map((k) => k.selector);
    now += 31 * DAY;
    await signer.rotation.tick();
    expect(signer.rotation.counters).toMatchObject({ generated: 2, published: 2, failures: 0 });
    const fresh = (await s.dkimKeys('example.org')).slice(0, 2).map((k) => k.selector);
    expect(fresh.some((x) => old.includes(x))).toBe(false);

    const out = await send(
      signer.server.address.port,
      'ada@example.org',
      ['bob@example.net'],
      message('ada@example.org', 'm2'),
    );
    expect(out.result?.data?.code).toBe(250);
    const dns = new StubResolver({ server: primary.address, cache: false });
    const results = await verify(sink.received[0]!.data, { resolver: dns });
    expect(results.map((r) => [r.result, r.selector])).toEqual([
      ['pass', fresh[0]],
      ['pass', fresh[1]],
    ]);

    // After the grace period the old records are deleted from the zone.
    now += 8 * DAY;
    await signer.rotation.tick();
    expect(signer.rotation.counters.retired).toBe(2);
    for (const sel of old) {
      const r = await dns.resolve(`${sel}._domainkey.example.org.`, TYPE.TXT);
      expect(r.kind).not.toBe('answer');
    }
    expect((await s.dkimKeys('example.org')).map((k) => k.selector)).toEqual(fresh);
  });
});

describe('signerService', () => {
  it('checks its config: defaults in ms, unknown keys refused', () => {
    const c = checkConfig<SignerConfig>(
      signerSchema,
      { hostname: 'signer', listen: '127.0.0.1:10025', store: 'store', next: '127.0.0.1:10026' },
      'signer',
    );
    expect(c).toMatchObject({
      rotateEvery: 30 * DAY,
      grace: 7 * DAY,
      checkEvery: 3_600_000,
      allow: ['127.0.0.0/8', '::1/128'],
    });
    expect(() =>
      checkConfig(signerSchema, { ...c, listen: '127.0.0.1:1', next: '127.0.0.1:2', rotate: '1d' }, 'signer'),
    ).toThrow(/signer\.rotate: unknown key/);
  });

  it('refuses primary without dns, and starts from a config', async () => {
    const base = {
      hostname: 'signer',
      listen: '127.0.0.1:0',
      store: 'store',
      next: `127.0.0.1:${sink.port}`,
    };
    const withPrimary = checkConfig<SignerConfig>(
      signerSchema,
      { ...base, primary: '127.0.0.1:53' },
      'signer',
    );
    await expect(signerService.start(withPrimary, { log: silentLogger, baseDir: dir })).rejects.toThrow(
      /signer\.dns/,
    );
    const c = checkConfig<SignerConfig>(signerSchema, base, 'signer');
    const s = await signerService.start(c, { log: silentLogger, baseDir: dir });
    cleanup.push(() => s.close());
    const out = await send(
      s.listeners.smtp?.port as number,
      'ada@example.org',
      ['x@example.net'],
      message('ada@example.org', 'm3'),
    );
    expect(out.result?.data?.code).toBe(250);
    expect(
      (await verify(sink.received[0]!.data, { resolver: storeZone(store, 'example.org') })).map(
        (r) => r.result,
      ),
    ).toEqual(['pass', 'pass']);
  });
});
