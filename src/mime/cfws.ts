// Comments in structured header fields (RFC 5322 §3.2.2), shared by the field parsers.

/** Index after a comment opened at `i` (nested, quoted-pairs; RFC 5322 §3.2.2), or the end. */
export function skipComment(s: string, i: number): number {
  let depth = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) return i + 1;
  }
  return n;
}
