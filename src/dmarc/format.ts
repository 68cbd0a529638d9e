// The dmarc method entry of an Authentication-Results field (RFC 8601 §2.7): the result, a
// comment with the published policy and the disposition ("p=reject dis=none", as receivers
// write it), then the properties RFC 9989 §9.1 registers: header.from (the Author Domain) and
// policy.dmarc (the policy as evaluated, after sp/np and t=y). Values only: the caller names
// and folds the field.
import type { DmarcResult } from './evaluate.js';
import { testingDowngrade } from './record.js';

/** One method entry per Author Domain: one, or one each when From had several. */
export function formatAuthResults(r: DmarcResult): string[] {
  return r.authors ? r.authors.map(authResultsClause) : [authResultsClause(r)];
}

/** `dmarc=pass (p=reject dis=none) header.from=example.org policy.dmarc=reject` */
export function authResultsClause(r: DmarcResult): string {
  const parts = [`dmarc=${r.result}`];
  if (r.result !== 'pass' && r.result !== 'fail') parts.push(`reason=${quoted(r.reason)}`);
  if (r.record?.p !== undefined) {
    const c = [`p=${r.record.p}`];
    if (r.record.sp !== undefined) c.push(`sp=${r.record.sp}`);
    if (r.record.np !== undefined) c.push(`np=${r.record.np}`);
    if (r.testing) c.push('t=y');
    c.push(`dis=${r.disposition}`);
    parts.push(`(${c.join(' ')})`);
  }
  if (r.authorDomain !== undefined) parts.push(`header.from=${r.authorDomain}`);
  if (r.policyTag !== undefined) {
    const evaluated = r.testing && r.policy !== 'none' ? testingDowngrade(r.policy) : r.policy;
    parts.push(`policy.dmarc=${evaluated}`);
  }
  return parts.join(' ');
}

/** A quoted-string, control characters made "?" so that DNS text cannot break the header. */
function quoted(text: string): string {
  return `"${text.replace(/[\x00-\x1f\x7f]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}
