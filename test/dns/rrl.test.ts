// Response-rate limiting: a budget of responses per second per client network (IPv4 /24,
// IPv6 /56), refilled with the clock the caller passes in, and past it every 2nd limited
// response "slips" out truncated while the others are dropped.
import { describe, expect, it } from 'vitest';
import { networkOf, RateLimiter, type RateVerdict } from '../../src/dns/rrl.js';

function verdicts(rl: RateLimiter, address: string, n: number, nowMs: number): RateVerdict[] {
  return Array.from({ length: n }, () => rl.check(address, nowMs));
}

describe('RateLimiter: the budget', () => {
  it('sends perSecond responses at once, then limits', () => {
    const rl = new RateLimiter({ perSecond: 3 });
    expect(verdicts(rl, '192.0.2.1', 3, 0)).toEqual(['send', 'send', 'send']);
    expect(rl.check('192.0.2.1', 0)).not.toBe('send');
  });

  it('refills with the time passed, at perSecond per second', () => {
    const rl = new RateLimiter({ perSecond: 10 });
    verdicts(rl, '192.0.2.1', 10, 1000);
    expect(rl.check('192.0.2.1', 1000)).not.toBe('send');
    // 100 ms later: one more response.
    expect(rl.check('192.0.2.1', 1100)).toBe('send');
    expect(rl.check('192.0.2.1', 1100)).not.toBe('send');
    // A second later: the whole budget again.
    expect(verdicts(rl, '192.0.2.1', 10, 2100)).toEqual(Array(10).fill('send'));
    expect(rl.check('192.0.2.1', 2100)).not.toBe('send');
  });

  it('never saves up more than one second of budget', () => {
    const rl = new RateLimiter({ perSecond: 5 });
    rl.check('192.0.2.1', 0);
    const later = verdicts(rl, '192.0.2.1', 8, 3_600_000);
    expect(later.filter((v) => v === 'send')).toHaveLength(5);
  });

  it('accumulates fractions of a token', () => {
    const rl = new RateLimiter({ perSecond: 1 });
    expect(rl.check('192.0.2.1', 0)).toBe('send');
    expect(rl.check('192.0.2.1', 500)).not.toBe('send');
    expect(rl.check('192.0.2.1', 1000)).toBe('send');
  });
});

describe('RateLimiter: slip', () => {
  it('slips every 2nd limited response by default and drops the others', () => {
    const rl = new RateLimiter({ perSecond: 2 });
    verdicts(rl, '192.0.2.1', 2, 0);
    expect(verdicts(rl, '192.0.2.1', 6, 0)).toEqual(['drop', 'slip', 'drop', 'slip', 'drop', 'slip']);
  });

  it('slips every n-th with slip n, never with slip 0', () => {
    const three = new RateLimiter({ perSecond: 1, slip: 3 });
    three.check('192.0.2.1', 0);
    expect(verdicts(three, '192.0.2.1', 6, 0)).toEqual(['drop', 'drop', 'slip', 'drop', 'drop', 'slip']);
    const never = new RateLimiter({ perSecond: 1, slip: 0 });
    never.check('192.0.2.1', 0);
    expect(verdicts(never, '192.0.2.1', 5, 0)).toEqual(Array(5).fill('drop'));
    const every = new RateLimiter({ perSecond: 1, slip: 1 });
    every.check('192.0.2.1', 0);
    expect(verdicts(every, '192.0.2.1', 3, 0)).toEqual(['slip', 'slip', 'slip']);
  });
});

describe('RateLimiter: networks', () => {
  it('counts an IPv4 /24 as one client and other /24s apart', () => {
    const rl = new RateLimiter({ perSecond: 2 });
    expect(rl.check('192.0.2.1', 0)).toBe('send');
    expect(rl.check('192.0.2.254', 0)).toBe('send');
    expect(rl.check('192.0.2.77', 0)).not.toBe('send');
    expect(rl.check('192.0.3.1', 0)).toBe('send');
    expect(rl.check('10.0.2.1', 0)).toBe('send');
  });

  it('counts an IPv6 /56 as one client and other /56s apart', () => {
    const rl = new RateLimiter({ perSecond: 2 });
    expect(rl.check('2001:db8:0:100::1', 0)).toBe('send');
    expect(rl.check('2001:db8:0:1ff:ffff:ffff:ffff:ffff', 0)).toBe('send');
    expect(rl.check('2001:db8:0:180::53', 0)).not.toBe('send');
    expect(rl.check('2001:db8:0:200::1', 0)).toBe('send');
    expect(rl.check('2001:db8:1:100::1', 0)).toBe('send');
  });

  it('takes an IPv4-mapped IPv6 address as its IPv4 network', () => {
    const rl = new RateLimiter({ perSecond: 1 });
    expect(rl.check('::ffff:192.0.2.1', 0)).toBe('send');
    expect(rl.check('192.0.2.9', 0)).not.toBe('send');
    expect(networkOf('::ffff:192.0.2.1')).toBe(networkOf('192.0.2.200'));
  });

  it('networkOf: /24 and /56 keys', () => {
    expect(networkOf('192.0.2.1')).toBe('192.0.2');
    expect(networkOf('2001:db8:0:1ab::1')).toBe(networkOf('2001:db8:0:100::'));
    expect(networkOf('2001:db8:0:1ab::1')).not.toBe(networkOf('2001:db8:0:200::'));
    expect(networkOf('not an address')).toBe('not an address');
  });

  it('clears its table when it is full: a flood of sources cannot grow it', () => {
    const rl = new RateLimiter({ perSecond: 1, maxNetworks: 2 });
    expect(rl.check('192.0.2.1', 0)).toBe('send');
    expect(rl.check('192.0.2.1', 0)).not.toBe('send');
    rl.check('198.51.100.1', 0);
    // A third network: the table is cleared, and 192.0.2.0/24 starts anew.
    rl.check('203.0.113.1', 0);
    expect(rl.check('192.0.2.1', 0)).toBe('send');
  });

  it('keeps the limits of one network from touching another', () => {
    const rl = new RateLimiter({ perSecond: 3 });
    verdicts(rl, '192.0.2.1', 20, 0);
    expect(verdicts(rl, '198.51.100.1', 3, 0)).toEqual(['send', 'send', 'send']);
  });
});
