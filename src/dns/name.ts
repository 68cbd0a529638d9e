// Domain names. A name is held as its canonical presentation string, absolute with the
// trailing dot ("mail.example.org.", the root is "."): labels are bytes, so a byte outside
// printable ASCII is written \DDD and the specials . \ " ( ) ; @ $ are backslash-escaped.
// Case is kept as received (RFC 4343); comparisons go through nameKey.

export class NameError extends Error {
  override name = 'NameError';
}

const MAX_LABEL = 63;
const MAX_WIRE = 255;

/** Bytes that must be escaped in presentation format (RFC 1035 §5.1, plus $ and @ for zone files). */
function special(b: number): boolean {
  return (
    b === 0x2e ||
    b === 0x5c ||
    b === 0x22 ||
    b === 0x28 ||
    b === 0x29 ||
    b === 0x3b ||
    b === 0x40 ||
    b === 0x24
  );
}

/** One label's bytes in presentation form. */
export function labelToText(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  let plain = start;
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (b > 0x20 && b < 0x7f && !special(b)) continue;
    if (plain < i) out += String.fromCharCode(...bytes.subarray(plain, i));
    out += b > 0x20 && b < 0x7f ? `\\${String.fromCharCode(b)}` : `\\${String(b).padStart(3, '0')}`;
    plain = i + 1;
  }
  if (plain < end) out += String.fromCharCode(...bytes.subarray(plain, end));
  return out;
}

/**
 * Parses a presentation-format name into its labels (without the root label). A name
 * without a trailing dot is relative to `origin` (itself absolute); without an origin it is
 * taken as absolute. Throws NameError on a bad escape, an empty label or a name too long.
 */
export function parseLabels(text: string, origin?: string): Uint8Array[] {
  if (text === '.') return [];
  if (text === '') throw new NameError('empty name');
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  let absolute = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (cur.length === 0) throw new NameError(`empty label in name "${text}"`);
      labels.push(Uint8Array.from(cur));
      cur = [];
      if (i === text.length - 1) absolute = true;
      continue;
    }
    if (c === 0x5c) {
      const d = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d)) {
        const v = Number(d);
        if (v > 255) throw new NameError(`bad escape \\${d} in name "${text}"`);
        cur.push(v);
        i += 3;
      } else if (i + 1 < text.length) {
        const e = text.charCodeAt(i + 1);
        // \X escapes a non-digit; a digit starts \DDD (RFC 1035 §5.1).
        if (e >= 0x30 && e <= 0x39) throw new NameError(`bad escape in name "${text}"`);
        if (e > 0x7f) throw new NameError(`non-ASCII character in name "${text}"`);
        cur.push(e);
        i += 1;
      } else {
        throw new NameError(`dangling backslash in name "${text}"`);
      }
    } else {
      if (c > 0x7f) throw new NameError(`non-ASCII character in name "${text}" (use punycode)`);
      cur.push(c);
    }
    if (cur.length > MAX_LABEL) throw new NameError(`label longer than 63 octets in name "${text}"`);
  }
  if (cur.length > 0) labels.push(Uint8Array.from(cur));
  if (!absolute && origin !== undefined && origin !== '.') labels.push(...parseLabels(origin));
  let wire = 1;
  for (const l of labels) wire += l.length + 1;
  if (wire > MAX_WIRE) throw new NameError(`name longer than 255 octets: "${text}"`);
  return labels;
}

export function labelsToName(labels: readonly Uint8Array[]): string {
  if (labels.length === 0) return '.';
  let out = '';
  for (const l of labels) out += `${labelToText(l)}.`;
  return out;
}

/** The canonical absolute form of a name given in presentation format (see parseLabels). */
export function normalizeName(text: string, origin?: string): string {
  return labelsToName(parseLabels(text, origin));
}

/** The key two names compare equal by: ASCII case folded (RFC 4343). */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

export function namesEqual(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

/** The presentation labels of a canonical name, split at unescaped dots. */
export function splitName(name: string): string[] {
  if (name === '.') return [];
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5c) {
      i += /^\d{3}/.test(name.slice(i + 1, i + 4)) ? 3 : 1;
    } else if (c === 0x2e) {
      out.push(name.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}

/** Number of labels, not counting the root. */
export function labelCount(name: string): number {
  return splitName(name).length;
}

/** The name with its first label removed ("a.b.org." → "b.org."; the root stays the root). */
export function parentName(name: string): string {
  const labels = splitName(name);
  return labels.length <= 1 ? '.' : `${labels.slice(1).join('.')}.`;
}

/** True when `name` is `ancestor` or below it. */
export function isSubdomain(name: string, ancestor: string): boolean {
  if (ancestor === '.') return true;
  const n = nameKey(name);
  const a = nameKey(ancestor);
  if (n === a) return true;
  if (!n.endsWith(`.${a}`)) return false;
  // The dot before the suffix must be a separator, not an escaped character.
  const labels = splitName(n);
  const want = splitName(a);
  if (labels.length <= want.length) return false;
  const tail = labels.slice(labels.length - want.length);
  return tail.every((l, i) => l === want[i]);
}

/** The name relative to an origin, for zone-file output ("www" for www.example.org. under example.org.). */
export function relativeName(name: string, origin: string): string {
  if (namesEqual(name, origin)) return '@';
  if (origin === '.' || !isSubdomain(name, origin)) return name;
  const labels = splitName(name);
  return labels.slice(0, labels.length - labelCount(origin)).join('.');
}

/** Wire length of a canonical name (uncompressed). */
export function wireLength(name: string): number {
  let n = 1;
  for (const l of parseLabels(name)) n += l.length + 1;
  return n;
}
