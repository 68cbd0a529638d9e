// The access list of the resolver: CIDR prefixes, loopback only by default, so that it is
// never an open resolver (an amplifier for anyone's reflection attacks).
import { parseIP, prefixMatch } from '../dns/index.js';

export interface Prefix {
  bytes: Uint8Array;
  bits: number;
}

export const DEFAULT_ALLOW = ['127.0.0.0/8', '::1/128'];

/** "192.0.2.0/24", "2001:db8::/32" or a bare address; throws with a readable message. */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIP(addr);
  if (!bytes) throw new Error(`bad --allow "${text}": not an address or CIDR prefix`);
  const max = bytes.length * 8;
  const bitsText = slash < 0 ? String(max) : text.slice(slash + 1);
  const bits = Number(bitsText);
  if (!/^\d{1,3}$/.test(bitsText) || bits > max) throw new Error(`bad --allow "${text}": bad prefix length`);
  return { bytes, bits };
}

/** A predicate over client addresses as Node reports them (IPv4-mapped IPv6 included), memoized. */
export function allowList(prefixes: readonly Prefix[]): (address: string) => boolean {
  const memo = new Map<string, boolean>();
  return (address) => {
    let ok = memo.get(address);
    if (ok !== undefined) return ok;
    const text = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    const bytes = parseIP(text);
    ok = bytes !== undefined && prefixes.some((p) => prefixMatch(bytes, p.bytes, p.bits));
    if (memo.size > 10_000) memo.clear();
    memo.set(address, ok);
    return ok;
  };
}
