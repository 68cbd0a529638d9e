// Domain names as SPF sees them: text as written in a record or an SMTP command, checked
// and turned into the presentation form the DNS Resolver takes. SPF keeps names without
// the trailing dot and compares them ignoring ASCII case.
import { domainToASCII } from 'node:url';

const MAX_NAME = 253;
const MAX_LABEL = 63;

/** The name without one trailing dot. */
export function stripDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function octets(label: string): number {
  return Buffer.byteLength(label, 'utf8');
}

/**
 * The labels of a name that a DNS query can be made of (1–63 octets each, 253 in all), or
 * undefined: such a target name is treated as non-existent (the OpenSPF suite's reading of
 * RFC 7208 §4.3 and §4.8, where the RFC leaves the result undefined).
 */
function dnsLabels(name: string): string[] | undefined {
  const bare = stripDot(name);
  if (bare === '' || octets(bare) > MAX_NAME) return undefined;
  const labels = bare.split('.');
  for (const l of labels) if (l === '' || octets(l) > MAX_LABEL) return undefined;
  return labels;
}

/**
 * A target name (after macro expansion and §4.8's truncation) as a query name for the
 * Resolver: absolute, with backslashes and non-ASCII octets escaped (RFC 1035 §5.1), so that
 * what a record spells, spaces and colons included, is what gets asked. undefined when the
 * name cannot be asked (an empty or over-long label).
 */
export function queryName(name: string): string | undefined {
  const labels = dnsLabels(name);
  if (!labels) return undefined;
  let out = '';
  for (const l of labels) {
    for (const b of Buffer.from(l, 'utf8')) {
      if (b === 0x5c) out += '\\\\';
      else if (b < 0x20 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`;
      else out += String.fromCharCode(b);
    }
    out += '.';
  }
  return out;
}

/**
 * RFC 7208 §4.3: the <domain> check_host() starts from must be a fully qualified, multi-label
 * domain name with well-formed labels; anything else (a domain literal, a bare word such as
 * a HELO of "OEMCOMPUTER", an address) gives "none" without a lookup. A U-label name (an
 * SMTPUTF8 sender) is checked as its A-label form. Returns the name to use, or undefined.
 */
export function checkableDomain(domain: string): string | undefined {
  const bare = stripDot(domain);
  if (bare.startsWith('[')) return undefined;
  const ascii = /^[\x00-\x7f]*$/.test(bare) ? bare : domainToASCII(bare);
  const labels = ascii === '' ? undefined : dnsLabels(ascii);
  if (!labels || labels.length < 2) return undefined;
  if (/^\d+$/.test(labels.at(-1) as string)) return undefined; // an IPv4 address, not a name
  return ascii;
}

/**
 * RFC 7208 §4.8 (last paragraph): an expanded name longer than 253 characters loses labels
 * from the left until it fits. The trailing dot is dropped first (§7.3, trailing-dot-domain).
 */
export function truncateName(name: string): string {
  let n = stripDot(name);
  while (n.length > MAX_NAME) {
    const dot = n.indexOf('.');
    if (dot < 0) return n;
    n = n.slice(dot + 1);
  }
  return n;
}

/** True when `name` is `ancestor` or a name below it, ignoring ASCII case and trailing dots. */
export function isSameOrSubdomain(name: string, ancestor: string): boolean {
  const n = stripDot(name).toLowerCase();
  const a = stripDot(ancestor).toLowerCase();
  return n === a || n.endsWith(`.${a}`);
}
