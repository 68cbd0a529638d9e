// The Organizational Domain (RFC 9989 §3.2.14, §4.10.2), found by the DNS Tree Walk and the
// psd= tags of the records it meets — no public suffix list.
import { type DmarcDns, type TreeWalk, treeWalk } from './walk.js';

export type OrgDomainResult =
  | { kind: 'ok'; orgDomain: string; walk: TreeWalk }
  | { kind: 'temperror'; reason: string; walk: TreeWalk };

/**
 * §4.10.2: among the records found (longest name first), the first with psd=n is the
 * Organizational Domain; the first with psd=y, unless at the start of the walk, puts it one
 * label below; otherwise it is the name with the fewest labels that has a record, and with
 * no record at all the start itself.
 */
export function selectOrganizationalDomain(
  start: string,
  found: readonly { domain: string; record: { psd: string } }[],
): string {
  for (const f of found) {
    if (f.record.psd === 'n') return f.domain;
    if (f.record.psd === 'y' && f.domain !== start) return oneLabelBelow(start, f.domain);
  }
  return found.at(-1)?.domain ?? start;
}

/** The ancestor of `name` (or `name` itself) with one label more than `ancestor`. */
export function oneLabelBelow(name: string, ancestor: string): string {
  const labels = name.split('.');
  return labels.slice(-(ancestor.split('.').length + 1)).join('.');
}

/** The Organizational Domain of a normalized domain, walking the tree from the domain itself. */
export async function organizationalDomain(domain: string, dns: DmarcDns): Promise<OrgDomainResult> {
  const walk = await treeWalk(domain, dns);
  if (walk.error) return { kind: 'temperror', reason: walk.error.reason, walk };
  return { kind: 'ok', orgDomain: selectOrganizationalDomain(domain, walk.found), walk };
}
