// The macro language of RFC 7208 §7: domain-specs and explanation strings are parsed once
// into literal text and macro expansions, then expanded against the facts of one check.
//
//   macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
//   transformers = *DIGIT [ "r" ]
//   delimiter    = "." / "-" / "+" / "," / "/" / "_" / "="
import { formatIPv4, formatIPv6 } from '../dns/index.js';

export type MacroLetter = 's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'c' | 'r' | 't' | 'v';

export interface MacroExpand {
  letter: MacroLetter;
  /** Written in upper case: the value is URL-escaped (§7.3). */
  escape: boolean;
  /** The number of right-hand parts to keep; undefined keeps all. */
  keep?: number | undefined;
  reverse: boolean;
  /** The characters the value is split on ("." when none is given). */
  delimiters: string;
}

/** Literal text (with %%, %_ and %- already decoded) or a macro to expand. */
export type MacroPart = string | MacroExpand;

export interface MacroString {
  /** As written, for formatting the record back. */
  text: string;
  parts: MacroPart[];
}

/** The letters every macro-string may use; c, r and t belong to explanation strings only (§7.2). */
const DOMAIN_LETTERS = 'slodiphv';
const EXPLANATION_LETTERS = 'slodiphvcrt';
const DELIMITERS = '.-+,/_=';

/**
 * Parses a macro-string; `explanation` allows the letters c, r, t and spaces (explain-string,
 * §6.2). Returns a reason instead of throwing: a record with a bad macro is a permerror, an
 * explanation with one is ignored.
 */
export function parseMacroString(text: string, explanation = false): MacroString | { error: string } {
  const letters = explanation ? EXPLANATION_LETTERS : DOMAIN_LETTERS;
  const parts: MacroPart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x25) {
      // macro-literal = %x21-24 / %x26-7E; an explain-string also has SP between them.
      if ((c < 0x21 || c > 0x7e) && !(explanation && c === 0x20)) {
        return { error: `${describeChar(text[i] as string)} is not allowed in ${JSON.stringify(text)}` };
      }
      literal += text[i];
      continue;
    }
    const next = text[i + 1];
    if (next === '%' || next === '_' || next === '-') {
      literal += next === '%' ? '%' : next === '_' ? ' ' : '%20';
      i++;
      continue;
    }
    if (next !== '{')
      return { error: `"%" must be followed by "{", "%", "_" or "-" in ${JSON.stringify(text)}` };
    const close = text.indexOf('}', i + 2);
    if (close < 0) return { error: `unclosed macro in ${JSON.stringify(text)}` };
    const body = text.slice(i + 2, close);
    const m = /^([a-zA-Z])(\d*)([rR]?)(.*)$/s.exec(body);
    const letter = m?.[1]?.toLowerCase();
    if (!m || !letter || !letters.includes(letter)) {
      const why = m && letter && EXPLANATION_LETTERS.includes(letter) ? ' outside an explanation' : '';
      return { error: `unknown macro ${JSON.stringify(`%{${body}}`)}${why} in ${JSON.stringify(text)}` };
    }
    const digits = m[2] as string;
    const delimiters = m[4] as string;
    if (digits !== '' && Number(digits) === 0)
      return { error: `%{${body}} keeps zero parts in ${JSON.stringify(text)}` };
    for (const d of delimiters) {
      if (!DELIMITERS.includes(d))
        return { error: `bad delimiter ${JSON.stringify(d)} in ${JSON.stringify(text)}` };
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push({
      letter: letter as MacroLetter,
      escape: m[1] !== letter,
      keep: digits === '' ? undefined : Number(digits),
      reverse: m[3] !== '',
      delimiters: delimiters === '' ? '.' : delimiters,
    });
    i = close;
  }
  if (literal !== '') parts.push(literal);
  return { text, parts };
}

function describeChar(ch: string): string {
  const code = ch.codePointAt(0) as number;
  return code >= 0x21 && code <= 0x7e
    ? `"${ch}"`
    : `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** True when expanding the string needs this letter (so %{p}'s lookups happen only when used). */
export function usesLetter(ms: MacroString, letter: MacroLetter): boolean {
  return ms.parts.some((p) => typeof p !== 'string' && p.letter === letter);
}

/** The value of each letter for one evaluation (§7.3). */
export type MacroValues = Record<MacroLetter, string>;

/** The facts of one check the letters stand for. */
export interface MacroFacts {
  /** The client address: 4 bytes, or 16 for IPv6. */
  ip: Uint8Array;
  /** <sender>: local-part "@" domain (the local-part "postmaster" when there was none). */
  sender: string;
  /** <domain>, the domain whose record is being evaluated. */
  domain: string;
  helo?: string | undefined;
  /** The checking host's domain name; "unknown" when not known (§7.3). */
  receiver?: string | undefined;
  /** Seconds since the epoch. */
  now?: number | undefined;
  /** The validated domain name of the client (%{p}), "unknown" when there is none. */
  validatedName?: string | undefined;
}

/**
 * The letters' values (§7.3): i is the dotted quad, or for IPv6 the 32 nibbles in dots; c
 * is the address as people write it (RFC 5952 for IPv6); v is "in-addr" or "ip6".
 */
export function macroValues(f: MacroFacts): MacroValues {
  const v4 = f.ip.length === 4;
  const at = f.sender.lastIndexOf('@');
  const c = v4 ? formatIPv4(f.ip) : formatIPv6(f.ip);
  let i = c;
  if (!v4) {
    const nibbles: string[] = [];
    for (const b of f.ip) nibbles.push((b >> 4).toString(16), (b & 0xf).toString(16));
    i = nibbles.join('.');
  }
  return {
    s: f.sender,
    l: f.sender.slice(0, at),
    o: f.sender.slice(at + 1),
    d: f.domain,
    i,
    p: f.validatedName ?? 'unknown',
    h: f.helo ?? '',
    c,
    r: f.receiver ?? 'unknown',
    t: String(Math.floor(f.now ?? 0)),
    v: v4 ? 'in-addr' : 'ip6',
  };
}

/** Expands a parsed macro-string. */
export function expandMacroString(ms: MacroString, values: MacroValues): string {
  let out = '';
  for (const p of ms.parts) out += typeof p === 'string' ? p : expandOne(p, values[p.letter]);
  return out;
}

/**
 * One expansion (§7.3): split on the delimiters, reverse if asked, keep the right-hand parts,
 * join with dots; an upper-case letter URL-escapes the result afterwards.
 */
export function expandOne(m: MacroExpand, value: string): string {
  let out = value;
  if (m.reverse || m.keep !== undefined || m.delimiters !== '.') {
    let parts = splitAny(value, m.delimiters);
    if (m.reverse) parts.reverse();
    if (m.keep !== undefined && m.keep < parts.length) parts = parts.slice(parts.length - m.keep);
    out = parts.join('.');
  }
  return m.escape ? urlEscape(out) : out;
}

function splitAny(value: string, delimiters: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (delimiters.includes(value[i] as string)) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

/** RFC 3986 percent-encoding of everything outside the unreserved set, byte by byte (UTF-8). */
export function urlEscape(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
