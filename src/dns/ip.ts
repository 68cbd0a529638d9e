// IP addresses as text and bytes: A/AAAA record data, SPF's ip4/ip6 mechanisms, listen
// addresses. Output is canonical (RFC 5952 for IPv6).

/** The 4 bytes of a dotted-quad IPv4 address, or undefined when it is not one. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

/** The 16 bytes of an IPv6 address (with :: and an embedded IPv4 tail), or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  let groups: string[];
  const dbl = text.indexOf('::');
  let head: string[];
  let tail: string[] = [];
  if (dbl >= 0) {
    if (text.indexOf('::', dbl + 1) >= 0) return undefined;
    head = text.slice(0, dbl) === '' ? [] : text.slice(0, dbl).split(':');
    tail = text.slice(dbl + 2) === '' ? [] : text.slice(dbl + 2).split(':');
  } else {
    head = text.split(':');
  }
  const out = new Uint8Array(16);
  const last = (tail.length > 0 ? tail : head).at(-1);
  let v4: Uint8Array | undefined;
  if (last?.includes('.')) {
    v4 = parseIPv4(last);
    if (!v4) return undefined;
    if (tail.length > 0) tail = tail.slice(0, -1);
    else head = head.slice(0, -1);
  }
  const slots = v4 ? 6 : 8;
  if (dbl >= 0) {
    if (head.length + tail.length > slots - 1) return undefined;
    groups = [...head, ...new Array<string>(slots - head.length - tail.length).fill('0'), ...tail];
  } else {
    if (head.length !== slots) return undefined;
    groups = head;
  }
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as string;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const v = Number.parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (v4) out.set(v4, 12);
  return out;
}

export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as ::. */
export function formatIPv6(bytes: Uint8Array): string {
  // IPv4-mapped addresses keep their dotted tail (RFC 5952 §5).
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${formatIPv4(bytes.subarray(12))}`;
  }
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Parses either family: 4 or 16 bytes, or undefined. */
export function parseIP(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

export function formatIP(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIPv4(bytes) : formatIPv6(bytes);
}

/** True when the first `bits` bits of two addresses of one family agree (CIDR match). */
export function prefixMatch(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  if (a.length !== b.length || bits > a.length * 8) return false;
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole] as number) & mask) === ((b[whole] as number) & mask);
}

/** The reverse-lookup name of an address (in-addr.arpa. or ip6.arpa.). */
export function reverseName(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[3]}.${bytes[2]}.${bytes[1]}.${bytes[0]}.in-addr.arpa.`;
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) {
    const b = bytes[i] as number;
    nibbles.push((b & 0xf).toString(16), (b >> 4).toString(16));
  }
  return `${nibbles.join('.')}.ip6.arpa.`;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (as Node reports dual-stack peers). */
export function isLoopback(address: string): boolean {
  const text = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  const b = parseIP(text);
  if (!b) return false;
  if (b.length === 4) return b[0] === 127;
  return b.subarray(0, 15).every((x) => x === 0) && b[15] === 1;
}
