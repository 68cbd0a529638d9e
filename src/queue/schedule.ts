// When to try again, and when to give up (RFC 5321 §4.5.4.1: retry at least 30 minutes
// apart, give up after 4–5 days). Exponential backoff from `retryMin` doubling to
// `retryMax`, with jitter so messages deferred together do not all come back together.

export interface RetryPolicy {
  /** First retry interval, ms (default 5 minutes). */
  retryMin: number;
  /** Longest interval, ms (default 1 hour; Postfix's maximal_backoff_time is 4000 s). */
  retryMax: number;
  /** How long a message may stay in the queue before it bounces, ms (default 5 days). */
  lifetime: number;
  /** After this long, senders get a delay notice once, ms (default 4 hours; 0 = never). */
  delayWarning: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  retryMin: 5 * 60_000,
  retryMax: 60 * 60_000,
  lifetime: 5 * 24 * 3600_000,
  delayWarning: 4 * 3600_000,
});

/**
 * The wait before attempt `attempts + 1`, after `attempts` failed ones: retryMin·2^(n−1),
 * capped at retryMax, scaled by a factor in [0.75, 1.25) drawn from `random`.
 */
export function retryDelay(attempts: number, policy: RetryPolicy, random: () => number): number {
  const n = Math.max(1, attempts);
  const base = Math.min(policy.retryMax, policy.retryMin * 2 ** Math.min(n - 1, 30));
  return Math.round(base * (0.75 + random() * 0.5));
}

export function expired(arrived: number, now: number, policy: RetryPolicy): boolean {
  return now - arrived >= policy.lifetime;
}

export function delayWarningDue(arrived: number, now: number, warned: boolean, policy: RetryPolicy): boolean {
  return !warned && policy.delayWarning > 0 && now - arrived >= policy.delayWarning;
}
