import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DnsCache } from '../../src/dns/cache.js';
import { TYPE } from '../../src/dns/constants.js';
import type { Resolution } from '../../src/dns/resolver.js';
import { makeRR } from '../../src/dns/types.js';

function setup(opts: ConstructorParameters<typeof DnsCache>[0] = {}) {
  const clock = { t: 5_000_000 };
  const cache = new DnsCache({ now: () => clock.t, ...opts });
  return { cache, clock };
}

const answer = (ttl: number, recordTtl = ttl): Resolution => ({
  kind: 'answer',
  records: [makeRR('www.example.org.', TYPE.A, recordTtl, '192.0.2.1')],
  chain: [],
  ttl,
});

describe('DnsCache', () => {
  it('hands out an answer with its TTLs counted down, then forgets it', () => {
    const { cache, clock } = setup();
    cache.set('www.example.org.', TYPE.A, answer(300));
    expect(cache.get('www.example.org.', TYPE.A)).toEqual(answer(300));
    clock.t += 299_999;
    expect(cache.get('WWW.Example.ORG.', TYPE.A)).toEqual(answer(1));
    clock.t += 1;
    expect(cache.get('www.example.org.', TYPE.A)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keys on the type too', () => {
    const { cache } = setup();
    cache.set('www.example.org.', TYPE.A, answer(300));
    expect(cache.get('www.example.org.', TYPE.AAAA)).toBeUndefined();
  });

  it('keeps negative answers for the TTL they carry', () => {
    const { cache, clock } = setup();
    cache.set('gone.example.org.', TYPE.A, { kind: 'nxdomain', ttl: 60 });
    cache.set('example.org.', TYPE.AAAA, { kind: 'nodata', ttl: 120 });
    clock.t += 30_000;
    expect(cache.get('gone.example.org.', TYPE.A)).toEqual({ kind: 'nxdomain', ttl: 30 });
    expect(cache.get('example.org.', TYPE.AAAA)).toEqual({ kind: 'nodata', ttl: 90 });
    clock.t += 30_000;
    expect(cache.get('gone.example.org.', TYPE.A)).toBeUndefined();
  });

  it('does not keep what has a TTL of 0', () => {
    const { cache } = setup();
    cache.set('a.example.org.', TYPE.A, answer(0));
    cache.set('b.example.org.', TYPE.A, { kind: 'nxdomain', ttl: 0 });
    expect(cache.size).toBe(0);
  });

  it('caps positive and negative lifetimes', () => {
    const { cache, clock } = setup({ maxTtl: 3600, maxNegativeTtl: 600 });
    cache.set('www.example.org.', TYPE.A, answer(86_400 * 7));
    cache.set('gone.example.org.', TYPE.A, { kind: 'nxdomain', ttl: 86_400 });
    expect(cache.get('www.example.org.', TYPE.A)).toEqual(answer(3600));
    expect(cache.get('gone.example.org.', TYPE.A)).toEqual({ kind: 'nxdomain', ttl: 600 });
    clock.t += 3_600_000;
    expect(cache.get('www.example.org.', TYPE.A)).toBeUndefined();
  });

  it('defaults to a one-day cap', () => {
    const { cache } = setup();
    cache.set('www.example.org.', TYPE.A, answer(2 ** 31 - 1));
    expect(cache.get('www.example.org.', TYPE.A)).toMatchObject({ ttl: 86_400 });
  });

  it('does not cache errors unless told, and then at most five minutes', () => {
    const err: Resolution = { kind: 'error', reason: 'SERVFAIL' };
    const plain = setup();
    plain.cache.set('example.org.', TYPE.A, err);
    expect(plain.cache.get('example.org.', TYPE.A)).toBeUndefined();
    const told = setup({ errorTtl: 3600 });
    expect(told.cache.errorTtl).toBe(300);
    told.cache.set('example.org.', TYPE.A, err);
    told.clock.t += 299_000;
    expect(told.cache.get('example.org.', TYPE.A)).toEqual(err);
    told.clock.t += 1000;
    expect(told.cache.get('example.org.', TYPE.A)).toBeUndefined();
  });

  it('replaces an entry, and forgets it when the new one must not be kept', () => {
    const { cache } = setup();
    cache.set('www.example.org.', TYPE.A, answer(300));
    cache.set('WWW.example.org.', TYPE.A, { kind: 'nodata', ttl: 60 });
    expect(cache.get('www.example.org.', TYPE.A)).toEqual({ kind: 'nodata', ttl: 60 });
    cache.set('www.example.org.', TYPE.A, { kind: 'error', reason: 'timeout' });
    expect(cache.get('www.example.org.', TYPE.A)).toBeUndefined();
  });

  it('evicts the least recently used entry', () => {
    const { cache } = setup({ maxEntries: 3 });
    for (const n of ['a', 'b', 'c']) cache.set(`${n}.example.org.`, TYPE.A, answer(300));
    cache.get('a.example.org.', TYPE.A);
    cache.set('d.example.org.', TYPE.A, answer(300));
    expect(cache.size).toBe(3);
    expect(cache.get('b.example.org.', TYPE.A)).toBeUndefined();
    for (const n of ['a', 'c', 'd']) expect(cache.get(`${n}.example.org.`, TYPE.A)).toBeDefined();
  });

  it('counts record TTLs down separately, never past the entry life', () => {
    const { cache, clock } = setup();
    const res: Resolution = {
      kind: 'answer',
      records: [makeRR('host.example.org.', TYPE.A, 100, '192.0.2.1')],
      chain: [makeRR('www.example.org.', TYPE.CNAME, 3600, 'host.example.org.')],
      ttl: 100,
    };
    cache.set('www.example.org.', TYPE.A, res);
    clock.t += 40_000;
    const got = cache.get('www.example.org.', TYPE.A);
    expect(got).toMatchObject({ ttl: 60, records: [{ ttl: 60 }], chain: [{ ttl: 60 }] });
    expect(res.records[0]?.ttl).toBe(100);
  });

  it('agrees with the arithmetic for any TTL and any wait', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_800 }), fc.nat(20_000_000), (ttl, wait) => {
        const { cache, clock } = setup();
        cache.set('x.example.org.', TYPE.A, { kind: 'nodata', ttl });
        clock.t += wait;
        const left = ttl - Math.floor(wait / 1000);
        expect(cache.get('x.example.org.', TYPE.A)).toEqual(
          left > 0 ? { kind: 'nodata', ttl: left } : undefined,
        );
      }),
    );
  });

  it('survives a clock that goes backwards', () => {
    const { cache, clock } = setup();
    cache.set('x.example.org.', TYPE.A, answer(300));
    clock.t -= 10_000;
    expect(cache.get('x.example.org.', TYPE.A)).toEqual(answer(300));
  });
});
