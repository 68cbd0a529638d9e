// The DMARC verdict for one message (RFC 9989 §5.3): a pure composition of the SPF and DKIM
// results the caller already has, plus the policy lookups. Never throws for what the DNS or
// the message holds; DNS failures give temperror.
import type { DkimResult } from '../dkim/index.js';
import type { Resolver } from '../dns/index.js';
import { checkAlignment } from './alignment.js';
import {
  type AppliedPolicy,
  applyPolicy,
  discoverPolicy,
  needsExistence,
  type PolicySource,
} from './discovery.js';
import { normalizeDomain } from './domain.js';
import { organizationalDomain } from './orgdomain.js';
import type { AlignmentMode, Disposition, DmarcRecord } from './record.js';
import { DmarcDns, type RecordLookup } from './walk.js';

/** RFC 8601 / RFC 9989 §9.2 result names. */
export type DmarcVerdict = 'pass' | 'fail' | 'none' | 'temperror' | 'permerror';

export interface DmarcInput {
  /**
   * The domain of each RFC5322.From address, as the caller extracted them (one entry per
   * address; U-labels are converted). None, or several different ones, are handled as
   * §5.3.1 and §11.5 allow (see docs/dmarc.md).
   */
  fromDomains: readonly string[];
  /**
   * The SPF result for the MAIL FROM identity, with its domain: the MAIL FROM domain, or the
   * HELO name when MAIL FROM is null (RFC 9989 §3.2.4, RFC 7208 §2.4). An SpfResult of
   * checkSpf() fits as it is.
   */
  spf?: { result: string; domain: string } | undefined;
  /** Every DKIM signature's result; the d= of those that pass are the DKIM identifiers. */
  dkim?: readonly DkimResult[] | undefined;
}

export interface DmarcLimits {
  /** Author Domains evaluated when From has several (§11.5); more is a permerror. Default 5. */
  authorDomains: number;
  /** Different passing DKIM domains checked for alignment; the rest are not looked at. Default 10. */
  dkimDomains: number;
}

export const DEFAULT_DMARC_LIMITS: Readonly<DmarcLimits> = Object.freeze({
  authorDomains: 5,
  dkimDomains: 10,
});

export interface DmarcOptions {
  resolver: Resolver;
  limits?: Partial<DmarcLimits> | undefined;
}

/** One Authenticated Identifier and whether it aligns with the Author Domain. */
export interface IdentifierAlignment {
  method: 'spf' | 'dkim';
  /** The SPF domain, or d= (normalized; as given when it is not a domain name). */
  domain: string;
  /** The underlying result: only a pass can align (§4.4.1, §4.4.2). */
  result: string;
  /** s= of the signature. */
  selector?: string | undefined;
  mode: AlignmentMode;
  aligned: boolean;
  /** Relaxed alignment of different names: the two Organizational Domains compared. */
  orgDomain?: string | undefined;
  authorOrgDomain?: string | undefined;
  /** Why it does not align, or why it could not be checked. */
  note?: string | undefined;
}

export interface DmarcResult {
  result: DmarcVerdict;
  /** For people and logs: what decided. */
  reason: string;
  /** The Author Domain (A-label, lower case); absent when From gave none. */
  authorDomain?: string | undefined;
  /** The DMARC Policy Domain: where the record was found. */
  policyDomain?: string | undefined;
  policySource?: PolicySource | undefined;
  /** The Author Domain's Organizational Domain, when it was needed or the walk found it. */
  orgDomain?: string | undefined;
  record?: DmarcRecord | undefined;
  /** The published record, as text. */
  recordText?: string | undefined;
  /** The policy requested for this Author Domain ("none" without a usable record). */
  policy: Disposition;
  /** Which tag gave it. */
  policyTag?: 'p' | 'sp' | 'np' | undefined;
  /** t=y: the Domain Owner is testing its policy. */
  testing: boolean;
  /**
   * What to do with the message: "none" unless it fails, then the policy, one level lower
   * under t=y (§4.7). Never anything but "none" for temperror and permerror (§5.3.6).
   */
  disposition: Disposition;
  /** False when the Author Domain does not exist (NXDOMAIN); known only when np= mattered. */
  authorExists?: boolean | undefined;
  /** The SPF identifier, then each DKIM one, with their alignment. */
  identifiers: IdentifierAlignment[];
  /** With several Author Domains: each one's result; the fields above are the deciding one's. */
  authors?: DmarcResult[] | undefined;
  /** Queries sent to the resolver. */
  queries: number;
}

const STRICTNESS: Record<Disposition, number> = { none: 0, quarantine: 1, reject: 2 };

/** Evaluates DMARC for one message. */
export async function evaluateDmarc(input: DmarcInput, opts: DmarcOptions): Promise<DmarcResult> {
  const limits = { ...DEFAULT_DMARC_LIMITS, ...opts.limits };
  const dns = new DmarcDns(opts.resolver);
  const done = (r: Omit<DmarcResult, 'queries'>): DmarcResult => ({ ...r, queries: dns.queries });
  if (input.fromDomains.length === 0) {
    // §5.3.1: without an Author Domain DMARC cannot be applied; the message is malformed.
    return done(noPolicy('permerror', 'the message has no RFC5322.From domain (RFC 9989 §5.3.1)'));
  }
  // Several addresses of one domain are one Author Domain; compare them normalized.
  const distinct = [...new Set(input.fromDomains.map((d) => normalizeDomain(d) ?? d))];
  if (distinct.length === 1)
    return done(await evaluateAuthor(input.fromDomains[0] as string, input, limits, dns));
  if (distinct.length > limits.authorDomains) {
    return done(
      noPolicy(
        'permerror',
        `From has ${distinct.length} different domains, more than the ${limits.authorDomains} evaluated (RFC 9989 §11.5)`,
      ),
    );
  }
  // §11.5: evaluate each Author Domain and apply the strictest policy among those that fail.
  const authors: DmarcResult[] = [];
  for (const d of distinct) authors.push({ ...(await evaluateAuthor(d, input, limits, dns)), queries: 0 });
  const pick = (verdict: DmarcVerdict) => authors.filter((a) => a.result === verdict);
  const fails = pick('fail').sort((a, b) => STRICTNESS[b.disposition] - STRICTNESS[a.disposition]);
  const deciding = fails[0] ?? pick('temperror')[0] ?? pick('permerror')[0] ?? pick('pass')[0] ?? authors[0];
  const d = deciding as DmarcResult;
  const summary = authors.map((a) => `${a.authorDomain ?? '?'}: ${a.result}`).join(', ');
  return done({ ...d, reason: `From has ${distinct.length} domains (${summary}); ${d.reason}`, authors });
}

function noPolicy(result: DmarcVerdict, reason: string): Omit<DmarcResult, 'queries'> {
  return { result, reason, policy: 'none', testing: false, disposition: 'none', identifiers: [] };
}

async function evaluateAuthor(
  given: string,
  input: DmarcInput,
  limits: DmarcLimits,
  dns: DmarcDns,
): Promise<Omit<DmarcResult, 'queries'>> {
  const author = normalizeDomain(given);
  if (author === undefined)
    return noPolicy('permerror', `the From domain ${JSON.stringify(given)} is not a domain name`);
  const discovery = await discoverPolicy(author, dns);
  if (discovery.kind === 'temperror')
    return { ...noPolicy('temperror', `DNS error: ${discovery.reason}`), authorDomain: author };
  if (discovery.kind === 'none')
    return { ...noPolicy('none', discovery.reason), authorDomain: author, orgDomain: discovery.orgDomain };
  const { record } = discovery;
  const base = {
    ...noPolicy('none', ''),
    authorDomain: author,
    policyDomain: discovery.policyDomain,
    policySource: discovery.source,
    orgDomain: discovery.orgDomain,
    record,
    recordText: discovery.text,
    testing: record.testing,
  };
  if (record.problem) {
    // §4.10.1: no DMARC processing. A bad value is an improperly formatted record
    // (permerror, §9.2); a record without any policy (a PSD's psd=y alone, say) is none.
    const verdict = record.problem.kind === 'bad-policy' ? 'permerror' : 'none';
    return { ...base, result: verdict, reason: `${where(discovery)}: ${record.problem.reason}` };
  }

  // np= needs to know whether the Author Domain exists (§3.2.13): NXDOMAIN for a name query.
  let exists: boolean | string = true;
  if (needsExistence(record, discovery.source)) exists = await dns.exists(author);
  const applied = applyPolicy(record, discovery.source, exists !== false) as AppliedPolicy;

  const identifiers = await alignIdentifiers(author, record, input, limits, dns);
  const orgDomain = base.orgDomain ?? identifiers.find((i) => i.authorOrgDomain)?.authorOrgDomain;
  const withPolicy = {
    ...base,
    orgDomain,
    policy: applied.policy,
    policyTag: applied.tag,
    authorExists:
      typeof exists === 'boolean' && needsExistence(record, discovery.source) ? exists : undefined,
    identifiers,
  };
  const aligned = identifiers.find((i) => i.aligned);
  if (aligned) {
    return {
      ...withPolicy,
      result: 'pass',
      reason: `${aligned.method.toUpperCase()} ${aligned.domain} passes and aligns (${aligned.mode}) with ${author}`,
    };
  }
  // §5.3.6: a failed query leaves the message neither passing nor failing.
  const unknown = identifiers.find((i) => i.note?.startsWith('DNS error'));
  if (unknown)
    return { ...withPolicy, result: 'temperror', reason: `alignment of ${unknown.domain}: ${unknown.note}` };
  if (typeof exists === 'string')
    return { ...withPolicy, result: 'temperror', reason: `cannot tell whether ${author} exists: ${exists}` };
  const passes = identifiers.filter((i) => i.result === 'pass');
  const reason =
    passes.length === 0
      ? `no SPF or DKIM pass for ${author}`
      : `no passing identifier aligns with ${author} (${passes.map((i) => `${i.method} ${i.domain}`).join(', ')})`;
  return {
    ...withPolicy,
    result: 'fail',
    reason: `${reason}; policy ${applied.tag}=${applied.policy}${applied.testing ? ' in testing (t=y)' : ''} of ${where(discovery)}`,
    disposition: applied.onFail,
  };
}

function where(d: { policyDomain: string; source: PolicySource }): string {
  const what = { author: 'the Author Domain', organizational: 'the Organizational Domain', psd: 'the PSD' };
  return `_dmarc.${d.policyDomain} (${what[d.source]})`;
}

async function alignIdentifiers(
  author: string,
  record: DmarcRecord,
  input: DmarcInput,
  limits: DmarcLimits,
  dns: DmarcDns,
): Promise<IdentifierAlignment[]> {
  const out: IdentifierAlignment[] = [];
  const check = async (id: IdentifierAlignment): Promise<IdentifierAlignment> => {
    if (id.result !== 'pass') return { ...id, note: `${id.method} did not pass` };
    const domain = normalizeDomain(id.domain);
    if (domain === undefined) return { ...id, note: 'not a domain name' };
    const a = await checkAlignment(author, domain, id.mode, dns);
    if ('error' in a) return { ...id, domain, note: `DNS error: ${a.error}` };
    return {
      ...id,
      domain,
      aligned: a.aligned,
      orgDomain: a.identifierOrgDomain,
      authorOrgDomain: a.authorOrgDomain,
      note: a.aligned
        ? undefined
        : record[id.method === 'spf' ? 'aspf' : 'adkim'] === 'strict'
          ? 'strict alignment: not the same domain'
          : 'not the same Organizational Domain',
    };
  };
  if (input.spf)
    out.push(
      await check({
        method: 'spf',
        domain: input.spf.domain,
        result: input.spf.result,
        mode: record.aspf,
        aligned: false,
      }),
    );
  const seen = new Set<string>();
  for (const sig of input.dkim ?? []) {
    if (sig.domain === undefined) continue;
    const id: IdentifierAlignment = {
      method: 'dkim',
      domain: sig.domain,
      result: sig.result,
      selector: sig.selector,
      mode: record.adkim,
      aligned: false,
    };
    // Each passing domain is walked once, and only so many of them (a DoS bound).
    const key = normalizeDomain(sig.domain) ?? sig.domain;
    if (sig.result === 'pass') {
      if (seen.has(key) || seen.size >= limits.dkimDomains) {
        const earlier = out.find((o) => o.method === 'dkim' && o.domain === key && o.result === 'pass');
        out.push(
          earlier
            ? { ...earlier, selector: sig.selector }
            : { ...id, note: 'not checked: too many DKIM domains' },
        );
        continue;
      }
      seen.add(key);
    }
    out.push(await check(id));
  }
  return out;
}

/** The effective policy for mail From one domain: what `poste dmarc record` shows. */
export interface PolicyLookup {
  result: 'found' | 'none' | 'temperror' | 'invalid';
  reason: string;
  domain: string;
  policyDomain?: string | undefined;
  policySource?: PolicySource | undefined;
  orgDomain?: string | undefined;
  record?: DmarcRecord | undefined;
  recordText?: string | undefined;
  applied?: AppliedPolicy | undefined;
  authorExists?: boolean | undefined;
  /** Every _dmarc name asked, with what it gave. */
  steps: RecordLookup[];
  queries: number;
}

/**
 * Finds and reads the policy for a normalized domain, with its Organizational Domain (a full
 * walk when the domain's own record does not settle it). `invalid`: a record was found but
 * has no usable policy (§4.10.1).
 */
export async function lookupPolicy(domain: string, opts: { resolver: Resolver }): Promise<PolicyLookup> {
  const dns = new DmarcDns(opts.resolver);
  const d = await discoverPolicy(domain, dns);
  const out = { domain, steps: d.steps, queries: 0 };
  if (d.kind === 'temperror') return { ...out, result: 'temperror', reason: d.reason, queries: dns.queries };
  let orgDomain = d.orgDomain;
  let steps = d.steps;
  if (orgDomain === undefined) {
    const org = await organizationalDomain(domain, dns);
    steps = [...steps, ...org.walk.steps.slice(1)];
    if (org.kind === 'temperror')
      return { ...out, steps, result: 'temperror', reason: org.reason, queries: dns.queries };
    orgDomain = org.orgDomain;
  }
  if (d.kind === 'none')
    return { ...out, steps, result: 'none', reason: d.reason, orgDomain, queries: dns.queries };
  const found = {
    ...out,
    steps,
    orgDomain,
    policyDomain: d.policyDomain,
    policySource: d.source,
    record: d.record,
    recordText: d.text,
  };
  if (d.record.problem)
    return { ...found, result: 'invalid', reason: d.record.problem.reason, queries: dns.queries };
  let exists: boolean | string = true;
  if (needsExistence(d.record, d.source)) {
    exists = await dns.exists(domain);
    if (typeof exists === 'string')
      return {
        ...found,
        result: 'temperror',
        reason: `cannot tell whether ${domain} exists: ${exists}`,
        queries: dns.queries,
      };
  }
  const applied = applyPolicy(d.record, d.source, exists);
  return {
    ...found,
    result: 'found',
    reason: `${applied?.tag}=${applied?.policy} of _dmarc.${d.policyDomain}`,
    applied,
    authorExists: needsExistence(d.record, d.source) ? exists : undefined,
    queries: dns.queries,
  };
}
