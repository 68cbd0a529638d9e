// Tag=value lists (RFC 6376 §3.2), the syntax of DKIM-Signature fields and key records.
// Strict where the grammar is (tag names, "=", duplicates, control characters), liberal
// with whitespace: FWS may surround names, "=", values and ";". Never throws.

export interface Tag {
  name: string;
  /** The value with leading and trailing whitespace removed (inner FWS kept). */
  value: string;
  /** Offsets in the text: just after "=", and the ";" ending the value (or the end). */
  from: number;
  to: number;
}

export type TagList = { ok: true; tags: Map<string, Tag> } | { ok: false; reason: string };

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isNameChar(c: number): boolean {
  return isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
}

export function parseTagList(text: string): TagList {
  const tags = new Map<string, Tag>();
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n && isWs(text.charCodeAt(i))) i++;
    if (i >= n) break; // an empty list, or a trailing ";"
    const nameStart = i;
    if (!isAlpha(text.charCodeAt(i))) return bad(`expected a tag name at "${excerpt(text, i)}"`);
    while (i < n && isNameChar(text.charCodeAt(i))) i++;
    const name = text.slice(nameStart, i);
    while (i < n && isWs(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 0x3d) return bad(`tag "${name}" has no "="`);
    const from = ++i;
    let to = text.indexOf(';', i);
    if (to < 0) to = n;
    for (let j = from; j < to; j++) {
      const c = text.charCodeAt(j);
      // VALCHAR is %x21-3A / %x3C-7E; 8-bit bytes are let through (notes, RFC 8616 domains).
      if (c < 0x21 && !isWs(c)) return bad(`tag "${name}" has a control character in its value`);
      if (c === 0x7f) return bad(`tag "${name}" has a control character in its value`);
    }
    if (tags.has(name)) return bad(`duplicate tag "${name}"`);
    tags.set(name, { name, value: trimWs(text.slice(from, to)), from, to });
    i = to + 1;
    if (to >= n) break;
  }
  return { ok: true, tags };
}

function trimWs(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

function excerpt(text: string, i: number): string {
  const s = text.slice(i, i + 12).replace(/[\r\n\t]+/g, ' ');
  return i + 12 < text.length ? `${s}…` : s;
}

function bad(reason: string): TagList {
  return { ok: false, reason };
}

/** Removes all whitespace (FWS inside base64 values, RFC 6376 §3.5 b=, bh=, and §3.6.1 p=). */
export function stripWs(s: string): string {
  return s.replace(/[ \t\r\n]+/g, '');
}

/** A colon-separated list (h=, q=, s=, t=, key h=), items trimmed of FWS. */
export function colonList(s: string): string[] {
  return s.split(':').map(trimWs);
}
