// DMARC Policy Discovery (RFC 9989 §4.10.1): the record of the Author Domain, else of its
// Organizational Domain, else of its Public Suffix Domain; then which of p=, sp= and np=
// speaks for the Author Domain.
import { selectOrganizationalDomain } from './orgdomain.js';
import { type Disposition, type DmarcRecord, testingDowngrade } from './record.js';
import { type DmarcDns, type RecordLookup, treeWalk } from './walk.js';

/** Where the policy record was found. */
export type PolicySource = 'author' | 'organizational' | 'psd';

export type PolicyDiscovery =
  | {
      kind: 'found';
      record: DmarcRecord;
      /** The TXT record as published. */
      text: string;
      /** The DMARC Policy Domain (§3.2.5): where the record was found. */
      policyDomain: string;
      source: PolicySource;
      /** Known when the walk ran (no record at the Author Domain, or one with psd=y/n). */
      orgDomain?: string | undefined;
      steps: RecordLookup[];
    }
  | { kind: 'none'; reason: string; orgDomain: string; steps: RecordLookup[] }
  | { kind: 'temperror'; reason: string; steps: RecordLookup[] };

/** Finds the policy record for a normalized Author Domain. */
export async function discoverPolicy(author: string, dns: DmarcDns): Promise<PolicyDiscovery> {
  const first = await dns.record(author);
  if (first.kind === 'error') return { kind: 'temperror', reason: first.reason, steps: [first] };
  if (first.kind === 'record') {
    // With psd=y or psd=n the walk would stop here, and the Author Domain is its own
    // Organizational Domain; otherwise only a walk upwards can tell (§4.10.2).
    const orgDomain = first.record.psd === 'u' ? undefined : author;
    return { ...found(first, 'author'), orgDomain, steps: [first] };
  }
  const walk = await treeWalk(author, dns, 1);
  const steps = [first, ...walk.steps];
  if (walk.error) return { kind: 'temperror', reason: walk.error.reason, steps };
  const orgDomain = selectOrganizationalDomain(author, walk.found);
  if (walk.found.length === 0)
    return { kind: 'none', reason: `no DMARC record for ${author} or its parents`, orgDomain, steps };
  const org = walk.found.find((f) => f.domain === orgDomain);
  if (org) return { ...found(org, 'organizational'), orgDomain, steps };
  // psd=y put the Organizational Domain below a PSD, and it has no record: the PSD's applies.
  const psd = walk.found.find((f) => f.record.psd === 'y') ?? (walk.found.at(-1) as (typeof walk.found)[0]);
  return { ...found(psd, 'psd'), orgDomain, steps };
}

function found(r: Extract<RecordLookup, { kind: 'record' }>, source: PolicySource) {
  return { kind: 'found' as const, record: r.record, text: r.text, policyDomain: r.domain, source };
}

/** The policy that speaks for the Author Domain, and what it means for a failing message. */
export interface AppliedPolicy {
  /** The policy requested for this domain (p=, sp= or np=). */
  policy: Disposition;
  tag: 'p' | 'sp' | 'np';
  /** t=y: the policy is being tested, and a failing message gets one level less. */
  testing: boolean;
  /** What to do with a message that fails: the policy, lowered one level under t=y (§4.7). */
  onFail: Disposition;
}

/**
 * §4.10.1: p= for the Author Domain's own record; for a parent's, sp= when the Author
 * Domain exists, np= when it does not (NXDOMAIN), each falling back to p= (np= to sp= first).
 * `exists` only matters when np= differs from what sp=/p= give (see needsExistence).
 */
export function applyPolicy(
  record: DmarcRecord,
  source: PolicySource,
  exists = true,
): AppliedPolicy | undefined {
  if (record.p === undefined) return undefined;
  let tag: AppliedPolicy['tag'] = 'p';
  if (source !== 'author') {
    if (!exists && record.np !== undefined) tag = 'np';
    else if (record.sp !== undefined) tag = 'sp';
  }
  const policy = record[tag] as Disposition;
  const onFail = record.testing && policy !== 'none' ? testingDowngrade(policy) : policy;
  return { policy, tag, testing: record.testing, onFail };
}

/** True when the Author Domain's existence changes the policy: np= differs from sp=/p=. */
export function needsExistence(record: DmarcRecord, source: PolicySource): boolean {
  return source !== 'author' && record.np !== undefined && record.np !== (record.sp ?? record.p);
}
