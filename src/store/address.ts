// Addresses and domains as the store writes and matches them. Domains are ASCII (U-labels
// become A-labels), lower case, without a final dot. Local parts are a dot-atom (RFC 5321
// §4.1.2: atext and dots, UTF-8 allowed as RFC 6531 does) minus "#" (the files' comment
// sign); they are kept as written and compared case-insensitively.
import { domainToASCII } from 'node:url';

export interface Address {
  local: string;
  /** ASCII, lower case, no final dot. */
  domain: string;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// atext (RFC 5322 §3.2.3) without "#", plus any non-ASCII character.
const ATOM = "[A-Za-z0-9!$%&'*+/=?^_`{|}~\\-\\u0080-\\u{10FFFF}]+";
const LOCAL = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, 'u');

/** The canonical form of a domain name, or undefined when it is not one we host or send to. */
export function parseDomain(text: string): string | undefined {
  const t = text.trim().replace(/\.$/, '');
  if (t === '' || t.length > 253 || /[\s@:,#]/.test(t)) return undefined;
  const ascii = /^[\x00-\x7f]*$/.test(t) ? t.toLowerCase() : domainToASCII(t);
  if (ascii === '' || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (!labels.every((l) => LABEL.test(l))) return undefined;
  // A dotted quad is an address, not a domain.
  if (/^\d+$/.test(labels[labels.length - 1] as string)) return undefined;
  return ascii;
}

export function isLocalPart(text: string): boolean {
  return LOCAL.test(text) && Buffer.byteLength(text) <= 64;
}

/** local@domain, or undefined. The split is at the last "@". */
export function parseAddress(text: string): Address | undefined {
  const t = text.trim();
  const at = t.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = t.slice(0, at);
  const domain = parseDomain(t.slice(at + 1));
  if (!domain || !isLocalPart(local)) return undefined;
  return { local, domain };
}

export function formatAddress(a: Address): string {
  return `${a.local}@${a.domain}`;
}

/** What two addresses compare equal by: the local part case-folded, the domain as is. */
export function addressKey(a: Address): string {
  return `${a.local.toLowerCase()}@${a.domain}`;
}

/** "ada+news" → "ada" (RFC 5233 subaddress); undefined when there is no detail. */
export function baseLocalPart(local: string): string | undefined {
  const plus = local.indexOf('+');
  return plus > 0 ? local.slice(0, plus) : undefined;
}
