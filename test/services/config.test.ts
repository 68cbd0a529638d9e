// The service configs: checkConfig refuses unknown keys and wrong types with one error naming
// the key, fills defaults, reads durations and addresses; on any JSON at all it returns or
// throws a ConfigError, nothing else. The four definitions' schemas are checked the same way.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exchange, makeQuery, RCODE, TYPE } from '../../src/dns/index.js';
import { acmeService } from '../../src/services/acme/definition.js';
import { ConfigError, checkConfig, describeSchema, type Schema } from '../../src/services/config.js';
import { silentLogger } from '../../src/services/log.js';
import { primaryService } from '../../src/services/primary/definition.js';
import { relayService } from '../../src/services/relay/definition.js';
import { type ResolverConfig, resolverService } from '../../src/services/resolver/definition.js';

const schema: Schema = {
  listen: { type: 'address', doc: 'where', default: '127.0.0.1:25' },
  spool: { type: 'string', doc: 'the spool', required: true },
  mode: { type: 'string', doc: 'how', options: ['a', 'b'], default: 'a' },
  count: { type: 'integer', doc: 'how many', default: 3, min: 1, max: 10 },
  on: { type: 'boolean', doc: 'whether', default: false },
  names: { type: 'string[]', doc: 'names', default: [] },
  every: { type: 'duration', doc: 'how often', default: '5m' },
  tls: {
    type: 'object',
    doc: 'TLS',
    fields: { cert: { type: 'string', doc: 'cert', required: true }, port: { type: 'integer', doc: 'p' } },
  },
};

function configError(value: unknown, s: Schema = schema): string {
  try {
    checkConfig(s, value, 'svc');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('checkConfig', () => {
  it('fills the defaults and converts addresses and durations', () => {
    expect(checkConfig(schema, { spool: '/var/spool' }, 'svc')).toEqual({
      listen: { host: '127.0.0.1', port: 25 },
      spool: '/var/spool',
      mode: 'a',
      count: 3,
      on: false,
      names: [],
      every: 300_000,
    });
  });

  it('refuses an unknown key, naming it and the known ones', () => {
    const m = configError({ spool: 's', lisen: '127.0.0.1:25' });
    expect(m).toMatch(/^svc\.lisen: unknown key \(known: listen, spool/);
  });

  it('refuses an unknown key inside an object, with its full name', () => {
    expect(configError({ spool: 's', tls: { cert: 'c', crt: 'x' } })).toMatch(/^svc\.tls\.crt: unknown key/);
  });

  it('refuses a missing required key', () => {
    expect(configError({})).toMatch(/^svc\.spool: missing/);
    expect(configError({ spool: 's', tls: {} })).toMatch(/^svc\.tls\.cert: missing/);
  });

  it('refuses a wrong type, saying what was expected and what came', () => {
    expect(configError({ spool: 5 })).toBe('svc.spool: expected a string, got 5');
    expect(configError({ spool: 's', count: '3' })).toBe('svc.count: expected an integer, got "3"');
    expect(configError({ spool: 's', count: 1.5 })).toMatch(/^svc\.count: expected an integer/);
    expect(configError({ spool: 's', count: 11 })).toMatch(/^svc\.count: expected an integer from 1 to 10/);
    expect(configError({ spool: 's', on: 'yes' })).toMatch(/^svc\.on: expected true or false/);
    expect(configError({ spool: 's', names: ['a', 1] })).toMatch(/^svc\.names: expected a list of strings/);
    expect(configError({ spool: 's', mode: 'c' })).toMatch(/^svc\.mode: expected one of a, b/);
    expect(configError({ spool: 's', tls: [] })).toMatch(/^svc\.tls: expected an object/);
    expect(configError([])).toMatch(/^svc: expected an object/);
  });

  it('reads durations: bare seconds, units, numbers of seconds', () => {
    const every = (v: unknown) =>
      checkConfig<{ every: number }>(schema, { spool: 's', every: v }, 'svc').every;
    expect(every('300')).toBe(300_000);
    expect(every('250ms')).toBe(250);
    expect(every('30s')).toBe(30_000);
    expect(every('5m')).toBe(300_000);
    expect(every('4h')).toBe(14_400_000);
    expect(every('5d')).toBe(432_000_000);
    expect(every('0')).toBe(0);
    expect(every(90)).toBe(90_000);
    for (const bad of ['5 minutes', '5w', '-5m', '', 'm', true, null, []])
      expect(configError({ spool: 's', every: bad })).toMatch(/^svc\.every: expected a duration/);
  });

  it('reads addresses as ADDR:PORT, IPv6 in brackets', () => {
    const listen = (v: unknown) =>
      checkConfig<{ listen: unknown }>(schema, { spool: 's', listen: v }, 'svc').listen;
    expect(listen('127.0.0.1:2525')).toEqual({ host: '127.0.0.1', port: 2525 });
    expect(listen('[::1]:53')).toEqual({ host: '::1', port: 53 });
    expect(listen('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    for (const bad of [25, '127.0.0.1', 'localhost:x', '127.0.0.1:99999', ''])
      expect(configError({ spool: 's', listen: bad })).toMatch(/^svc\.listen: expected ADDR:PORT/);
  });

  // Object.prototype's names are not keys of a schema; a duration is never negative.
  it('refuses keys named like Object.prototype members', () => {
    expect(configError({ spool: 's', toString: 1 })).toMatch(/^svc\.toString: unknown key/);
  });
  it('refuses a negative number of seconds as a duration', () => {
    expect(configError({ spool: 's', every: -5 })).toMatch(/^svc\.every: expected a duration/);
  });

  it('on arbitrary JSON, returns or throws a ConfigError, never anything else', () => {
    const schemas = [
      schema,
      primaryService.schema,
      resolverService.schema,
      relayService.schema,
      acmeService.schema,
    ];
    const keys = [...new Set(schemas.flatMap((s) => Object.keys(s)))];
    // Objects whose keys are mostly the schemas' own, so that values reach every checker.
    const likely = fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string()), fc.jsonValue(), {
      maxKeys: 8,
    });
    fc.assert(
      fc.property(fc.constantFrom(...schemas), fc.oneof(fc.jsonValue(), likely), (s, value) => {
        try {
          const out = checkConfig<Record<string, unknown>>(s, value, 'svc');
          expect(typeof out).toBe('object');
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          expect(err.message).toMatch(/^svc[.:]/);
          expect(err.message).not.toContain('\n');
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the service definitions', () => {
  const defs = [primaryService, resolverService, relayService, acmeService];

  it('have camelCase keys, each documented, and defaults their own checker accepts', () => {
    for (const def of defs) {
      for (const [key, f] of Object.entries(def.schema)) {
        expect(key).toMatch(/^[a-z][a-zA-Z0-9]*$/);
        expect(f.doc.length).toBeGreaterThan(5);
      }
      const required = Object.fromEntries(
        Object.entries(def.schema)
          .filter(([, f]) => f.required)
          .map(([k, f]) => [k, f.type === 'string[]' ? ['x'] : 'x']),
      );
      expect(() => checkConfig(def.schema, required, def.name)).not.toThrow();
      expect(describeSchema(def.schema).length).toBe(Object.keys(def.schema).length);
    }
  });

  it('name their required keys when missing', () => {
    expect(configError({}, relayService.schema)).toMatch(/^svc\.spool: missing/);
    expect(configError({}, primaryService.schema)).toMatch(/^svc\.zones: missing/);
    // An acme service with no certificate directory is idle (a stack with a local CA).
    expect(checkConfig(acmeService.schema, {}, 'acme')).toMatchObject({ dirs: [] });
    expect(checkConfig(resolverService.schema, {}, 'resolver')).toMatchObject({
      listen: { host: '127.0.0.1', port: 53 },
      forwardOnly: false,
    });
  });

  it('list the files they need for the sandbox, relative to the config directory', () => {
    const relay = checkConfig(
      relayService.schema,
      { spool: 'spool', store: '/srv/store', tlsCert: 'c.pem', tlsKey: 'k.pem' },
      'relay',
    );
    expect(relayService.paths?.(relay as never, '/etc/poste')).toEqual({
      read: ['/etc/poste/spool', '/srv/store', '/etc/poste/c.pem', '/etc/poste/k.pem'],
      write: ['/etc/poste/spool'],
      childProcess: true,
    });
    const primary = checkConfig(primaryService.schema, { zones: 'zones' }, 'primary');
    expect(primaryService.paths?.(primary as never, '/etc/poste')).toEqual({
      read: ['/etc/poste/zones'],
      write: ['/etc/poste/zones'],
      childProcess: true,
    });
    const resolver = checkConfig(resolverService.schema, { rootHints: 'named.root' }, 'resolver');
    expect(resolverService.paths?.(resolver as never, '/etc/poste')).toEqual({
      read: ['/etc/poste/named.root'],
      write: [],
      childProcess: false,
    });
    // UDP workers are child processes: only then may it start any.
    const busy = checkConfig(resolverService.schema, { workers: 2 }, 'resolver');
    expect(resolverService.paths?.(busy as never, '/etc/poste')?.childProcess).toBe(true);
  });
});

describe('the definitions started', () => {
  it('primary and a forward-only resolver: our zone answered, every other name REFUSED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poste-defs-'));
    const closers: (() => Promise<void>)[] = [];
    try {
      writeFileSync(
        join(dir, 'example.org.zone'),
        '$ORIGIN example.org.\n$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n@ MX 10 mx\nmx A 127.0.0.9\nout CNAME www.example.com.\n',
      );
      const ctx = { log: silentLogger, baseDir: dir };
      const primary = await primaryService.start(
        checkConfig(primaryService.schema, { zones: '.', listen: '127.0.0.1:0', poll: 0 }, 'primary'),
        ctx,
      );
      closers.push(() => primary.close());
      const p = primary.listeners.dns as { host: string; port: number };
      const resolver = await resolverService.start(
        checkConfig(
          resolverService.schema,
          { listen: '127.0.0.1:0', forward: [`example.org=${p.host}:${p.port}`], forwardOnly: true },
          'resolver',
        ),
        ctx,
      );
      closers.push(() => resolver.close());
      const r = resolver.listeners.dns as { host: string; port: number };
      const ask = (name: string, type: number) =>
        exchange(r, makeQuery(name, type, 1232), { timeoutMs: 5000 });
      const mx = await ask('example.org.', TYPE.MX);
      expect(mx.rcode).toBe(RCODE.NOERROR);
      expect(mx.answers.map((a) => a.type)).toEqual([TYPE.MX]);
      expect((await ask('example.com.', TYPE.A)).rcode).toBe(RCODE.REFUSED);
      expect((await ask('.', TYPE.NS)).rcode).toBe(RCODE.REFUSED);
      // A CNAME out of our zones is not followed anywhere: no root hints to ask.
      const out = await ask('out.example.org.', TYPE.A);
      expect([RCODE.SERVFAIL, RCODE.NOERROR]).toContain(out.rcode);
      expect(out.answers.filter((a) => a.type === TYPE.A)).toEqual([]);
      expect(resolver.state()).toMatchObject({ forwardOnly: true, refused: 2, upstreamTimeouts: 0 });
      expect(primary.state()).toMatchObject({ zones: 1, git: false });
    } finally {
      for (const close of closers.reverse()) await close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a forward-only resolver without forward zones is a config error naming the key', async () => {
    const config = checkConfig<ResolverConfig>(
      resolverService.schema,
      { listen: '127.0.0.1:0', forwardOnly: true },
      'resolver',
    );
    await expect(resolverService.start(config, { log: silentLogger, baseDir: '/' })).rejects.toThrow(
      /^resolver\.forwardOnly: /,
    );
  });
});
