// SPF records (RFC 7208 §4.5, §4.6, §5, §6, §12): choosing the record among a name's TXT
// strings, and parsing it whole into typed terms before anything is evaluated, since a
// syntax error anywhere makes the record a permerror (§4.6).
import { formatIP, parseIPv4, parseIPv6 } from '../dns/index.js';
import { type MacroString, parseMacroString } from './macro.js';

export type Qualifier = '+' | '-' | '~' | '?';

interface Directive {
  qualifier: Qualifier;
}

export type Mechanism = Directive &
  (
    | { kind: 'all' }
    | { kind: 'include'; domain: MacroString }
    | { kind: 'exists'; domain: MacroString }
    | {
        kind: 'a' | 'mx';
        domain?: MacroString | undefined;
        cidr4?: number | undefined;
        cidr6?: number | undefined;
      }
    | { kind: 'ptr'; domain?: MacroString | undefined }
    | { kind: 'ip4' | 'ip6'; address: Uint8Array; prefix?: number | undefined }
  );

export type Modifier =
  | { kind: 'redirect'; domain: MacroString }
  | { kind: 'exp'; domain: MacroString }
  /** Unknown modifiers are checked for syntax, then ignored (§6). */
  | { kind: 'unknown'; name: string; value: MacroString };

export type Term = Mechanism | Modifier;

export interface SpfRecord {
  /** Every term in order, modifiers included. */
  terms: Term[];
  /** The mechanisms, in the order they are evaluated. */
  mechanisms: Mechanism[];
  redirect?: MacroString | undefined;
  exp?: MacroString | undefined;
}

export type ParsedRecord = { ok: true; record: SpfRecord } | { ok: false; reason: string };

const VERSION = /^v=spf1(?: |$)/i;

/** True for the strings of one TXT record that are an SPF record (§4.5): "v=spf1", then SP or the end. */
export function isSpfRecord(text: string): boolean {
  return VERSION.test(text);
}

const MECHANISMS = new Set(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);
const MODIFIER = /^([A-Za-z][A-Za-z0-9_.-]*)=(.*)$/s;
const QUALIFIERS = '+-~?';

/** Parses a whole record; any syntax error gives its reason (the caller's permerror). */
export function parseRecord(text: string): ParsedRecord {
  if (!isSpfRecord(text)) return { ok: false, reason: 'not an SPF record (no "v=spf1" version)' };
  const terms: Term[] = [];
  const mechanisms: Mechanism[] = [];
  let redirect: MacroString | undefined;
  let exp: MacroString | undefined;
  // terms = *( 1*SP ( directive / modifier ) ), then *SP: only spaces separate terms, so a
  // tab or a line break stays inside a term and makes it malformed.
  for (const word of text.slice(6).split(' ')) {
    if (word === '') continue;
    const term = parseTerm(word);
    if (typeof term === 'string') return { ok: false, reason: term };
    terms.push(term);
    if (term.kind === 'redirect' || term.kind === 'exp') {
      // §6: each at most once.
      if ((term.kind === 'redirect' ? redirect : exp) !== undefined)
        return { ok: false, reason: `more than one ${term.kind}= modifier` };
      if (term.kind === 'redirect') redirect = term.domain;
      else exp = term.domain;
    } else if (term.kind !== 'unknown') {
      mechanisms.push(term);
    }
  }
  return { ok: true, record: { terms, mechanisms, redirect, exp } };
}

/** One term, or the reason it is malformed. */
export function parseTerm(word: string): Term | string {
  const mod = MODIFIER.exec(word);
  if (mod) return parseModifier(mod[1] as string, mod[2] as string, word);
  let qualifier: Qualifier = '+';
  let rest = word;
  if (QUALIFIERS.includes(word[0] as string)) {
    qualifier = word[0] as Qualifier;
    rest = word.slice(1);
  }
  const m = /^([A-Za-z][A-Za-z0-9]*)(.*)$/s.exec(rest);
  const name = m?.[1]?.toLowerCase();
  if (!m || !name || !MECHANISMS.has(name)) return `unknown mechanism ${JSON.stringify(word)}`;
  const arg = m[2] as string;
  if (arg !== '' && !arg.startsWith(':') && !arg.startsWith('/'))
    return `unknown mechanism ${JSON.stringify(word)}`;
  const bad = (why: string) => `bad mechanism ${JSON.stringify(word)}: ${why}`;
  switch (name) {
    case 'all':
      return arg === '' ? { kind: 'all', qualifier } : bad('"all" takes no argument');
    case 'include':
    case 'exists': {
      if (!arg.startsWith(':')) return bad('a domain is required');
      const domain = domainSpec(arg.slice(1));
      return typeof domain === 'string' ? bad(domain) : { kind: name, qualifier, domain };
    }
    case 'ptr': {
      if (arg === '') return { kind: 'ptr', qualifier };
      if (!arg.startsWith(':')) return bad('"ptr" takes no CIDR length');
      const domain = domainSpec(arg.slice(1));
      return typeof domain === 'string' ? bad(domain) : { kind: 'ptr', qualifier, domain };
    }
    case 'a':
    case 'mx': {
      // [ ":" domain-spec ] [ ip4-cidr-length ] [ "/" ip6-cidr-length ]; the domain may hold
      // "/" and ":", so the CIDR lengths are the digits at the very end.
      const parts = /^(?::(.*?))?(?:\/(\d+))?(?:\/\/(\d+))?$/s.exec(arg);
      if (!parts) return bad('malformed CIDR length');
      const cidr4 = parts[2] === undefined ? undefined : cidrLength(parts[2], 32);
      const cidr6 = parts[3] === undefined ? undefined : cidrLength(parts[3], 128);
      if (typeof cidr4 === 'string') return bad(cidr4);
      if (typeof cidr6 === 'string') return bad(cidr6);
      let domain: MacroString | undefined;
      if (parts[1] !== undefined) {
        const d = domainSpec(parts[1]);
        if (typeof d === 'string') return bad(d);
        domain = d;
      }
      return { kind: name, qualifier, domain, cidr4, cidr6 };
    }
    case 'ip4':
    case 'ip6': {
      if (!arg.startsWith(':')) return bad('an address is required');
      const slash = arg.indexOf('/');
      const text = slash < 0 ? arg.slice(1) : arg.slice(1, slash);
      const address = name === 'ip4' ? parseIPv4(text) : parseIPv6(text);
      if (!address)
        return bad(`${JSON.stringify(text)} is not an ${name === 'ip4' ? 'IPv4' : 'IPv6'} address`);
      let prefix: number | undefined;
      if (slash >= 0) {
        const p = cidrLength(arg.slice(slash + 1), name === 'ip4' ? 32 : 128);
        if (typeof p === 'string') return bad(p);
        prefix = p;
      }
      return { kind: name, qualifier, address, prefix };
    }
  }
  return `unknown mechanism ${JSON.stringify(word)}`;
}

function parseModifier(name: string, value: string, word: string): Term | string {
  const lower = name.toLowerCase();
  if (lower === 'redirect' || lower === 'exp') {
    // The known modifiers keep their own grammar (the suite's redirect-syntax-error): a bad
    // domain-spec does not turn them into unknown modifiers.
    const domain = domainSpec(value);
    return typeof domain === 'string'
      ? `bad modifier ${JSON.stringify(word)}: ${domain}`
      : { kind: lower, domain };
  }
  const ms = parseMacroString(value, true);
  return 'error' in ms
    ? `bad modifier ${JSON.stringify(word)}: ${ms.error}`
    : { kind: 'unknown', name, value: ms };
}

/** ip4-cidr-length / ip6-cidr-length: 0 to `max`, no leading zero; else why not. */
function cidrLength(digits: string, max: number): number | string {
  const n = Number(digits);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(digits) || n > max)
    return `bad CIDR length ${JSON.stringify(`/${digits}`)} (0 to ${max}, no leading zero)`;
  return n;
}

/**
 * domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand
 * (§7.1). The ending is what makes "a:museum", "a:abc.123" or "a:1.2.3.4" errors.
 */
export function domainSpec(text: string): MacroString | string {
  if (text === '') return 'empty domain';
  const ms = parseMacroString(text);
  if ('error' in ms) return ms.error;
  const last = ms.parts.at(-1);
  if (typeof last !== 'string' || endsWithMacro(text)) return ms;
  const m = /\.([^.]*)\.?$/.exec(text);
  const top = m?.[1];
  if (top === undefined || !isTopLabel(top))
    return `${JSON.stringify(text)} does not end in a valid top-level label`;
  return ms;
}

/** True when the text ends with "%%", "%_" or "%-" written as a macro (the literal part is their value). */
function endsWithMacro(text: string): boolean {
  // Count the run of % before the last character: an odd run means the last two characters
  // are a macro-expand.
  if (!/[%_-]$/.test(text)) return false;
  let n = 0;
  for (let i = text.length - 2; i >= 0 && text[i] === '%'; i--) n++;
  return n % 2 === 1;
}

/** toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
function isTopLabel(label: string): boolean {
  return /^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])$/.test(label);
}

// ---------------------------------------------------------------------------------------
// Back to text

/** A term as it would be written (qualifier "+" left out), for messages and round trips. */
export function formatTerm(t: Term): string {
  switch (t.kind) {
    case 'redirect':
    case 'exp':
      return `${t.kind}=${t.domain.text}`;
    case 'unknown':
      return `${t.name}=${t.value.text}`;
  }
  const q = t.qualifier === '+' ? '' : t.qualifier;
  switch (t.kind) {
    case 'all':
      return `${q}all`;
    case 'include':
    case 'exists':
      return `${q}${t.kind}:${t.domain.text}`;
    case 'ptr':
      return `${q}ptr${t.domain ? `:${t.domain.text}` : ''}`;
    case 'a':
    case 'mx':
      return (
        `${q}${t.kind}${t.domain ? `:${t.domain.text}` : ''}` +
        `${t.cidr4 === undefined ? '' : `/${t.cidr4}`}${t.cidr6 === undefined ? '' : `//${t.cidr6}`}`
      );
    case 'ip4':
    case 'ip6':
      return `${q}${t.kind}:${formatIP(t.address)}${t.prefix === undefined ? '' : `/${t.prefix}`}`;
  }
}

/** A record as text: "v=spf1" and its terms, one space apart. */
export function formatRecord(r: SpfRecord): string {
  return ['v=spf1', ...r.terms.map(formatTerm)].join(' ');
}
