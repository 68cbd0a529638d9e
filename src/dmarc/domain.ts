// Domain names as DMARC compares them: A-labels (RFC 9989 §5.3.1 converts U-labels), lower
// case (comparisons are case-insensitive, RFC 4343), no trailing dot. Anything that is not a
// host name of LDH labels (underscores allowed, as some signing domains use them) is refused.
import { domainToASCII } from 'node:url';

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** The canonical form of a domain, or undefined when it is not a usable domain name. */
export function normalizeDomain(input: string): string | undefined {
  let d = input.trim();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d === '') return undefined;
  if (/[^\x00-\x7f]/.test(d)) {
    const ascii = domainToASCII(d);
    if (ascii === '') return undefined;
    d = ascii;
  }
  d = d.toLowerCase();
  // 253 characters leave room for nothing; "_dmarc." must still fit in 255 octets on the wire.
  if (d.length > 253) return undefined;
  return d.split('.').every((l) => LABEL.test(l)) ? d : undefined;
}

/** The domain of an address (the part after the last "@"), or the text itself without one. */
export function domainOfAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(at + 1);
}
