// Results as Authentication-Results method entries (RFC 8601 §2.7.1), with the properties
// header.d, header.i, header.s, header.a (IANA's Email Authentication Parameters) and
// header.b (the first 8 characters of b=, RFC 6008, to tell signatures of one domain apart).
import type { DkimResult } from './types.js';

// A value is a MIME token unless it holds tspecials or spaces (RFC 2045 §5.1); then quoted.
function value(s: string): string {
  return /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/.test(s) ? s : `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** `dkim=pass header.d=example.org header.s=s1 header.a=rsa-sha256 header.b=AbCdEfGh`, with reason= when not pass. */
export function formatAuthResults(r: DkimResult): string {
  const parts = [`dkim=${r.result}`];
  if (r.result !== 'pass') parts.push(`reason=${value(r.reason)}`);
  if (r.domain !== undefined) parts.push(`header.d=${value(r.domain)}`);
  if (r.identity !== undefined) {
    // pvalue allows local-part@domain as is (RFC 8601 §2.2); quote anything stranger.
    parts.push(
      `header.i=${/^[^\s";()\\]*@[A-Za-z0-9.-]+$/.test(r.identity) ? r.identity : value(r.identity)}`,
    );
  }
  if (r.selector !== undefined) parts.push(`header.s=${value(r.selector)}`);
  if (r.algorithm !== undefined) parts.push(`header.a=${value(r.algorithm)}`);
  if (r.signature) parts.push(`header.b=${value(r.signature.slice(0, 8))}`);
  return parts.join(' ');
}

/** One entry per signature; `dkim=none` for a message without any. */
export function formatAuthResultsList(results: readonly DkimResult[]): string[] {
  return results.length === 0 ? ['dkim=none'] : results.map(formatAuthResults);
}
