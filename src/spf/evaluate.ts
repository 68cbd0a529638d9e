// check_host() of RFC 7208 §4, with the mechanisms of §5, the modifiers of §6, the macros of
// §7 and the limits of §4.6.4. Pure but for the Resolver: the time (%{t}) and the receiver's
// name (%{r}) come in as options.
import {
  dataOf,
  formatIPv4,
  formatIPv6,
  parseIP,
  prefixMatch,
  type Resolution,
  type Resolver,
  reverseName,
  TYPE,
  txtString,
} from '../dns/index.js';
import {
  expandMacroString,
  type MacroFacts,
  type MacroString,
  type MacroValues,
  macroValues,
  parseMacroString,
  usesLetter,
} from './macro.js';
import { checkableDomain, isSameOrSubdomain, queryName, stripDot, truncateName } from './names.js';
import { formatTerm, isSpfRecord, type Mechanism, parseRecord, type Qualifier } from './record.js';

export type SpfVerdict = 'none' | 'neutral' | 'pass' | 'fail' | 'softfail' | 'temperror' | 'permerror';

/** Which identity was checked (§2.3, §2.4): the MAIL FROM domain, or the HELO name. */
export type SpfIdentity = 'mailfrom' | 'helo';

export interface SpfLimits {
  /** Terms that query the DNS (include, a, mx, ptr, exists, redirect): 10 (§4.6.4). */
  lookups: number;
  /** Terms whose query finds nothing (NODATA or NXDOMAIN): 2 (§4.6.4). */
  voidLookups: number;
  /** MX records one mx mechanism may look at; more is a permerror (§4.6.4). */
  mxNames: number;
  /** PTR names the ptr mechanism and %{p} look at; the rest are ignored (§4.6.4). */
  ptrNames: number;
}

export const DEFAULT_LIMITS: Readonly<SpfLimits> = Object.freeze({
  lookups: 10,
  voidLookups: 2,
  mxNames: 10,
  ptrNames: 10,
});

/** What a receiver says when a fail comes without an exp= of the domain's own (§6.2). */
export const DEFAULT_EXPLANATION = "%{i} is not one of %{d}'s designated mail servers";

export interface SpfOptions {
  resolver: Resolver;
  /** The checking host's domain name: %{r} and the receiver of the formatted results. */
  receiver?: string | undefined;
  /** Seconds since the epoch, for %{t} in explanations. Default 0: callers pass the clock. */
  now?: number | undefined;
  /**
   * The explanation of a fail when the domain gives none through exp= (a macro-string with
   * the explanation letters); null for none. Default DEFAULT_EXPLANATION.
   */
  defaultExplanation?: string | null | undefined;
  limits?: Partial<SpfLimits> | undefined;
  /** Aborting it ends the check with temperror (§4.6.4: a time limit of at least 20 s). */
  signal?: AbortSignal | undefined;
}

export interface SpfRequest {
  /** The SMTP client's address; an IPv4-mapped IPv6 address is checked as IPv4 (§5). */
  ip: string;
  /** The MAIL FROM address; empty (the null reverse-path) checks postmaster@HELO (§2.4). */
  sender: string;
  /** The HELO/EHLO name. */
  helo?: string | undefined;
  /** Check the HELO identity (§2.3) instead of MAIL FROM. */
  identity?: SpfIdentity | undefined;
}

export interface SpfResult {
  result: SpfVerdict;
  /** Why, for people and logs: which term matched, or what went wrong. */
  reason: string;
  /** On fail only: the domain's exp= text (§6.2), else the default explanation. */
  explanation?: string | undefined;
  /** The directive that decided, in canonical form ("-all", "include:_spf.example.net"; no "+"). */
  mechanism?: string | undefined;
  identity: SpfIdentity;
  /** The domain checked (the MAIL FROM domain or the HELO name). */
  domain: string;
  /** The client address as checked (IPv4-mapped addresses as IPv4). */
  ip: string;
  /** The MAIL FROM address as given (empty for the null reverse-path). */
  sender: string;
  helo?: string | undefined;
  receiver?: string | undefined;
  /** DNS-querying terms evaluated, and how many of them found nothing. */
  lookups: number;
  voidLookups: number;
}

/**
 * Checks the SPF policy for one SMTP transaction: the MAIL FROM identity (postmaster@HELO
 * for the null reverse-path), or the HELO identity when asked. Never throws for what the
 * DNS or a record holds; throws TypeError for an `ip` that is not an address.
 */
export async function checkSpf(req: SpfRequest, opts: SpfOptions): Promise<SpfResult> {
  const helo = req.helo === undefined ? undefined : stripDot(req.helo);
  const nullSender = req.sender === '' || req.sender === '<>';
  const identity: SpfIdentity = req.identity === 'helo' || nullSender ? 'helo' : 'mailfrom';
  let mailbox = req.sender;
  if (identity === 'helo') mailbox = `postmaster@${helo ?? ''}`;
  const at = mailbox.lastIndexOf('@');
  const local = at < 0 ? '' : mailbox.slice(0, at);
  const domain = stripDot(at < 0 ? mailbox : mailbox.slice(at + 1));
  const sender = `${local === '' ? 'postmaster' : local}@${domain}`;
  return checkHost(req.ip, domain, sender, { ...opts, helo, identity, envelopeFrom: req.sender });
}

export interface CheckHostOptions extends SpfOptions {
  helo?: string | undefined;
  identity?: SpfIdentity | undefined;
  /** The MAIL FROM as given, when it differs from <sender> (reported, not evaluated). */
  envelopeFrom?: string | undefined;
}

/** check_host(<ip>, <domain>, <sender>) of §4. */
export async function checkHost(
  ip: string,
  domain: string,
  sender: string,
  opts: CheckHostOptions,
): Promise<SpfResult> {
  const run = new Evaluation(clientAddress(ip), sender, opts);
  let verdict: Pick<SpfResult, 'result' | 'reason' | 'explanation' | 'mechanism'>;
  try {
    const o = await run.host(domain, true);
    const explanation = o.result === 'fail' ? (o.explanation ?? run.defaultExplanation(o.domain)) : undefined;
    verdict = { result: o.result, reason: o.reason, explanation, mechanism: o.mechanism };
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    verdict = { result: e.result, reason: e.message };
  }
  return {
    ...verdict,
    identity: opts.identity ?? 'mailfrom',
    domain,
    ip: run.ipText,
    sender: opts.envelopeFrom ?? sender,
    helo: opts.helo,
    receiver: opts.receiver,
    ...run.counts,
  };
}

/** The address bytes and their text; IPv4-mapped IPv6 becomes IPv4 (§5, "ip4-mapped-ip6"). */
function clientAddress(text: string): Uint8Array {
  const b = parseIP(text);
  if (!b) throw new TypeError(`not an IP address: ${JSON.stringify(text)}`);
  const mapped =
    b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? b.slice(12) : b;
}

// ---------------------------------------------------------------------------------------

/** temperror and permerror end the whole check (§5.2: they propagate through include). */
class Stop extends Error {
  constructor(
    readonly result: 'temperror' | 'permerror',
    reason: string,
  ) {
    super(reason);
  }
}

interface Outcome {
  result: 'none' | 'neutral' | 'pass' | 'fail' | 'softfail';
  reason: string;
  /** The domain whose record decided (after redirects). */
  domain: string;
  mechanism?: string;
  explanation?: string;
}

const QUALIFIED: Record<Qualifier, Outcome['result']> = {
  '+': 'pass',
  '-': 'fail',
  '~': 'softfail',
  '?': 'neutral',
};

/** One check_host() run: the facts of the transaction and the counters shared by its recursion. */
class Evaluation {
  readonly ipText: string;
  private lookups = 0;
  private voids = 0;
  private readonly limits: SpfLimits;
  private readonly v4: boolean;
  private readonly facts: Omit<MacroFacts, 'domain'>;
  private readonly validated = new Map<string, Promise<string>>();

  constructor(
    private readonly ip: Uint8Array,
    sender: string,
    private readonly opts: CheckHostOptions,
  ) {
    this.v4 = ip.length === 4;
    this.ipText = this.v4 ? formatIPv4(ip) : formatIPv6(ip);
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.facts = { ip, sender, helo: opts.helo, receiver: opts.receiver, now: opts.now };
  }

  get counts(): { lookups: number; voidLookups: number } {
    return { lookups: this.lookups, voidLookups: this.voids };
  }

  /** check_host() for one domain; `explain` is false under include (§6.2: its exp= is not used). */
  async host(domain: string, explain: boolean): Promise<Outcome> {
    const name = checkableDomain(domain);
    if (!name)
      return {
        result: 'none',
        domain,
        reason: `${JSON.stringify(domain)} is not a domain name SPF can check`,
      };
    const text = await this.record(name);
    if (typeof text !== 'string') return { ...text, domain: name };
    const parsed = parseRecord(text);
    if (!parsed.ok) throw new Stop('permerror', `${name}: ${parsed.reason}`);
    const { mechanisms, redirect, exp } = parsed.record;
    for (const m of mechanisms) {
      const hit = await this.matches(m, name);
      if (!hit) continue;
      const term = formatTerm(m);
      const result = QUALIFIED[m.qualifier];
      const reason = `${name}: ${term} matched${typeof hit === 'string' ? ` (${hit})` : ''}`;
      const explanation = result === 'fail' && explain && exp ? await this.explain(exp, name) : undefined;
      return { result, domain: name, reason, mechanism: term, explanation };
    }
    // §6.1: redirect is used when nothing matched, and ignored when the record has "all".
    if (redirect && !mechanisms.some((m) => m.kind === 'all')) {
      const term = `redirect=${redirect.text}`;
      this.count(term);
      const target = await this.expand(redirect, name);
      const inner = await this.host(target, explain);
      if (inner.result === 'none') throw new Stop('permerror', `${name}: ${term}: ${inner.reason}`);
      return { ...inner, reason: `${name}: ${term}, then ${inner.reason}` };
    }
    return { result: 'neutral', domain: name, reason: `${name}: no mechanism matched, default neutral` };
  }

  /** The one SPF record of a name (§4.4, §4.5), or a none outcome. */
  private async record(name: string): Promise<string | Omit<Outcome, 'domain'>> {
    // checkableDomain has checked the labels: the name can be asked.
    const res = await this.resolve(queryName(name) as string, TYPE.TXT);
    if (res.kind === 'error') throw new Stop('temperror', `${name}: DNS error looking up TXT: ${res.reason}`);
    if (res.kind === 'nxdomain') return { result: 'none', reason: `${name} does not exist` };
    const spf: string[] = [];
    for (const rr of res.kind === 'answer' ? res.records : []) {
      const data = dataOf(rr, TYPE.TXT);
      if (data) {
        const text = txtString(data);
        if (isSpfRecord(text)) spf.push(text);
      }
    }
    if (spf.length === 0) return { result: 'none', reason: `no SPF record at ${name}` };
    if (spf.length > 1) throw new Stop('permerror', `${name} has ${spf.length} SPF records`);
    return spf[0] as string;
  }

  /** Whether a mechanism matches: true, a string saying how (include), or false. */
  private async matches(m: Mechanism, domain: string): Promise<boolean | string> {
    switch (m.kind) {
      case 'all':
        return true;
      case 'ip4':
        return this.v4 && prefixMatch(this.ip, m.address, m.prefix ?? 32);
      case 'ip6':
        return !this.v4 && prefixMatch(this.ip, m.address, m.prefix ?? 128);
    }
    const term = formatTerm(m);
    this.count(term);
    const target = m.domain ? await this.expand(m.domain, domain) : domain;
    switch (m.kind) {
      case 'include':
        return this.include(target, term);
      case 'a': {
        const q = queryName(target);
        return q !== undefined && (await this.addresses(q, term, true, m.cidr4, m.cidr6));
      }
      case 'mx':
        return this.mx(target, term, m.cidr4, m.cidr6);
      case 'ptr':
        return this.ptr(target, term);
      case 'exists': {
        // §5.7: always an A query, whatever the client's address family.
        const q = queryName(target);
        if (q === undefined) return false;
        const res = await this.lookup(q, TYPE.A, term, true);
        return res.some((rr) => rr.type === TYPE.A);
      }
    }
  }

  /** §5.2: pass matches; fail, softfail, neutral do not; none is a permerror; errors propagate. */
  private async include(target: string, term: string): Promise<boolean | string> {
    const inner = await this.host(target, false);
    if (inner.result === 'none') throw new Stop('permerror', `${term}: ${inner.reason}`);
    return inner.result === 'pass' ? inner.reason : false;
  }

  /** The a mechanism, and the second step of mx: does an address of `name` cover the client? */
  private async addresses(
    name: string,
    term: string,
    countVoid: boolean,
    cidr4: number | undefined,
    cidr6: number | undefined,
  ): Promise<boolean> {
    const type = this.v4 ? TYPE.A : TYPE.AAAA;
    const bits = this.v4 ? (cidr4 ?? 32) : (cidr6 ?? 128);
    for (const rr of await this.lookup(name, type, term, countVoid)) {
      if (rr.type !== type) continue;
      const addr = parseIP(rr.data as string);
      if (addr && prefixMatch(this.ip, addr, bits)) return true;
    }
    return false;
  }

  /**
   * §5.4, with §4.6.4's limit: more than 10 MX records is a permerror, whatever their order.
   * The hosts are looked up together and any address that covers the client matches; a DNS
   * error makes a temperror only when nothing matched. The RFC orders neither the lookups
   * nor the stop at the first match, so the result must not depend on the RRset's order.
   */
  private async mx(target: string, term: string, cidr4?: number, cidr6?: number): Promise<boolean> {
    const q = queryName(target);
    if (q === undefined) return false;
    const exchanges: string[] = [];
    for (const rr of await this.lookup(q, TYPE.MX, term, true)) {
      const mx = dataOf(rr, TYPE.MX);
      // A null MX (RFC 7505) names no host.
      if (mx && mx.exchange !== '.') exchanges.push(mx.exchange);
    }
    if (exchanges.length > this.limits.mxNames)
      throw new Stop(
        'permerror',
        `${term}: ${exchanges.length} MX records, more than ${this.limits.mxNames}`,
      );
    const found = await Promise.all(
      exchanges.map((host) => this.addresses(host, term, false, cidr4, cidr6).catch((e: unknown) => e)),
    );
    if (found.includes(true)) return true;
    const failure = found.find((f) => f !== false);
    if (failure !== undefined) throw failure;
    return false;
  }

  /**
   * §5.5: a validated name of the client (its PTR names whose addresses include it) that is
   * the target or below it. Names outside the target are not validated: same outcome, fewer
   * queries. A DNS error on the PTR query is a no-match, on a validation a skipped name.
   */
  private async ptr(target: string, term: string): Promise<boolean> {
    const names = await this.ptrNames(term);
    for (const n of names) {
      if (isSameOrSubdomain(n, target) && (await this.validates(n))) return true;
    }
    return false;
  }

  /** The client's PTR names, the first 10 (§4.6.4); none on a DNS error. */
  private async ptrNames(term?: string): Promise<string[]> {
    const res = await this.resolve(reverseName(this.ip), TYPE.PTR);
    if (res.kind === 'error') return [];
    if (res.kind !== 'answer' && term !== undefined) this.void(term);
    const names: string[] = [];
    for (const rr of res.kind === 'answer' ? res.records : []) {
      const n = dataOf(rr, TYPE.PTR);
      if (n !== undefined) names.push(n);
    }
    return names.slice(0, this.limits.ptrNames);
  }

  private async validates(name: string): Promise<boolean> {
    const res = await this.resolve(name, this.v4 ? TYPE.A : TYPE.AAAA);
    if (res.kind !== 'answer') return false;
    return res.records.some((rr) => {
      const addr = rr.type === TYPE.A || rr.type === TYPE.AAAA ? parseIP(rr.data as string) : undefined;
      return addr !== undefined && prefixMatch(this.ip, addr, addr.length * 8);
    });
  }

  /**
   * %{p} (§7.3): a validated name, preferring <domain> itself, then a name below it, then
   * any; "unknown" when none validates or the DNS fails.
   */
  private validatedName(domain: string): Promise<string> {
    const key = domain.toLowerCase();
    let p = this.validated.get(key);
    if (!p) {
      p = (async () => {
        const names = await this.ptrNames();
        const rank = (n: string) =>
          stripDot(n).toLowerCase() === key ? 0 : isSameOrSubdomain(n, domain) ? 1 : 2;
        const ordered = names.map((n, i) => ({ n, i, r: rank(n) })).sort((a, b) => a.r - b.r || a.i - b.i);
        for (const { n } of ordered) if (await this.validates(n)) return stripDot(n);
        return 'unknown';
      })();
      this.validated.set(key, p);
    }
    return p;
  }

  /**
   * An expanded domain-spec: a target name (§4.8) with its trailing dot dropped and, when
   * longer than 253 characters, its left labels cut.
   */
  private async expand(ms: MacroString, domain: string): Promise<string> {
    return truncateName(expandMacroString(ms, await this.values(ms, domain)));
  }

  private async values(ms: MacroString, domain: string): Promise<MacroValues> {
    const validatedName = usesLetter(ms, 'p') ? await this.validatedName(domain) : undefined;
    return macroValues({ ...this.facts, domain, validatedName });
  }

  /**
   * The exp= text (§6.2): one TXT record at the expanded name, an explain-string in US-ASCII.
   * A DNS failure, no record, several, or a malformed text: no explanation of the domain's.
   */
  private async explain(exp: MacroString, domain: string): Promise<string | undefined> {
    const q = queryName(await this.expand(exp, domain));
    if (q === undefined) return undefined;
    const res = await this.resolve(q, TYPE.TXT);
    if (res.kind !== 'answer' || res.records.length !== 1) return undefined;
    const data = dataOf(res.records[0] as (typeof res.records)[number], TYPE.TXT);
    if (!data) return undefined;
    const ms = parseMacroString(txtString(data), true);
    if ('error' in ms) return undefined;
    return expandMacroString(ms, await this.values(ms, domain));
  }

  /** The receiver's explanation of a fail, expanded for the domain that failed. */
  defaultExplanation(domain: string): string | undefined {
    const text =
      this.opts.defaultExplanation === undefined ? DEFAULT_EXPLANATION : this.opts.defaultExplanation;
    if (text === null) return undefined;
    const ms = parseMacroString(text, true);
    if ('error' in ms) throw new TypeError(`bad default explanation: ${ms.error}`);
    // %{p} would need the DNS again for a text of our own: it reads "unknown" here.
    return expandMacroString(ms, macroValues({ ...this.facts, domain }));
  }

  /** A query of a term: errors are temperror (§5), empty answers count as void (§4.6.4). */
  private async lookup(name: string, type: number, term: string, countVoid: boolean) {
    const res = await this.resolve(name, type);
    if (res.kind === 'error')
      throw new Stop('temperror', `${term}: DNS error looking up ${stripDot(name)}: ${res.reason}`);
    if (res.kind !== 'answer') {
      if (countVoid) this.void(term);
      return [];
    }
    return res.records;
  }

  private resolve(name: string, type: number): Promise<Resolution> {
    if (this.opts.signal?.aborted) throw new Stop('temperror', 'time limit for the check reached');
    return this.opts.resolver.resolve(name, type);
  }

  private count(term: string): void {
    if (++this.lookups > this.limits.lookups)
      throw new Stop('permerror', `more than ${this.limits.lookups} DNS-querying terms (at ${term})`);
  }

  private void(term: string): void {
    if (++this.voids > this.limits.voidLookups)
      throw new Stop('permerror', `more than ${this.limits.voidLookups} void lookups (at ${term})`);
  }
}
