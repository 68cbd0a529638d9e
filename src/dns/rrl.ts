// Response-rate limiting, the idea of BIND's and nsd's RRL kept simple: each client network
// (an IPv4 /24, an IPv6 /56) gets a budget of responses per second; past it, responses are
// dropped, except every `slip`-th one, sent truncated and empty so that a real client
// retries over TCP while a spoofed victim receives next to nothing. Pure: the clock is passed.
import { parseIP } from './ip.js';

export type RateVerdict = 'send' | 'slip' | 'drop';

export interface RateLimiterOptions {
  perSecond: number;
  /** Every n-th limited response is sent truncated; 0 never. Default 2, as nsd. */
  slip?: number;
  /** Networks tracked at once; the table is cleared when full (a flood of sources). */
  maxNetworks?: number;
}

interface Bucket {
  tokens: number;
  at: number;
  limited: number;
}

export class RateLimiter {
  private buckets = new Map<string, Bucket>();
  private readonly slip: number;
  private readonly max: number;

  constructor(private readonly opts: RateLimiterOptions) {
    this.slip = opts.slip ?? 2;
    this.max = opts.maxNetworks ?? 100_000;
  }

  /** The verdict on one more response to `address` at time `nowMs`. */
  check(address: string, nowMs: number): RateVerdict {
    const key = networkOf(address);
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.max) this.buckets.clear();
      b = { tokens: this.opts.perSecond, at: nowMs, limited: 0 };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.opts.perSecond, b.tokens + ((nowMs - b.at) / 1000) * this.opts.perSecond);
    b.at = nowMs;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 'send';
    }
    b.limited++;
    return this.slip > 0 && b.limited % this.slip === 0 ? 'slip' : 'drop';
  }
}

/** The network a client is limited as: its /24 or /56. */
export function networkOf(address: string): string {
  const bytes = parseIP(address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address);
  if (!bytes) return address;
  return bytes.length === 4
    ? `${bytes[0]}.${bytes[1]}.${bytes[2]}`
    : Buffer.from(bytes.subarray(0, 7)).toString('hex');
}
