// Envelope addresses (RFC 5321 §4.1.2), with UTF-8 local parts and domains under SMTPUTF8
// (RFC 6531 §3.3). A path is "<>" (the null sender), "<@route,@route:local@domain>" (the
// route is ignored, §4.1.1.3 / appendix C) or "<local@domain>".

export interface Address {
  /** The local part as written (a quoted one keeps its quotes). */
  local: string;
  /** The domain as written: a name or an address literal "[192.0.2.1]". */
  domain: string;
}

export type PathResult =
  | { ok: true; address: Address | null; rest: string }
  | { ok: false; reason: string; utf8?: boolean };

export interface PathOptions {
  /** SMTPUTF8 was given: non-ASCII is allowed in both parts. */
  utf8: boolean;
  /** "<>" is acceptable (MAIL FROM only). */
  allowNull: boolean;
}

// RFC 5321 §4.5.3.1: local part 64 octets, domain 255, path 256 (with the angle brackets).
const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;
const MAX_PATH = 256;

const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]$/;

function isAtext(ch: string, utf8: boolean): boolean {
  return ATEXT.test(ch) || (utf8 && ch.codePointAt(0)! > 0x7f);
}

function octets(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Parses a path at the start of `text`; `rest` is what follows the closing ">". */
export function parsePath(text: string, opts: PathOptions): PathResult {
  if (text[0] !== '<') return { ok: false, reason: 'path must be in angle brackets' };
  let i = 1;
  if (text[1] === '>') {
    if (!opts.allowNull) return { ok: false, reason: 'null path not allowed here' };
    return { ok: true, address: null, rest: text.slice(2) };
  }
  // A source route: "@a,@b:" (obsolete; accepted and ignored).
  if (text[i] === '@') {
    const colon = text.indexOf(':', i);
    if (colon < 0) return { ok: false, reason: 'bad source route' };
    for (const hop of text.slice(i, colon).split(',')) {
      if (!hop.startsWith('@') || !isDomain(hop.slice(1), opts.utf8)) {
        return { ok: false, reason: 'bad source route' };
      }
    }
    i = colon + 1;
  }
  const local = scanLocal(text, i, opts.utf8);
  if (typeof local === 'string') return fail(local, text, opts.utf8);
  i = local.end;
  if (text[i] !== '@') return fail('address needs a domain', text, opts.utf8);
  const close = text.indexOf('>', i);
  if (close < 0) return { ok: false, reason: 'missing ">"' };
  const domain = text.slice(i + 1, close);
  if (!isDomain(domain, opts.utf8)) return fail('bad domain', text, opts.utf8);
  const localText = text.slice(local.start, local.end);
  if (octets(localText) > MAX_LOCAL) return { ok: false, reason: 'local part longer than 64 octets' };
  if (octets(domain) > MAX_DOMAIN) return { ok: false, reason: 'domain longer than 255 octets' };
  if (octets(text.slice(0, close + 1)) > MAX_PATH)
    return { ok: false, reason: 'path longer than 256 octets' };
  return { ok: true, address: { local: localText, domain }, rest: text.slice(close + 1) };
}

// Tells apart "non-ASCII without SMTPUTF8" (553 5.6.7) from plain bad syntax (501).
function fail(reason: string, text: string, utf8: boolean): PathResult {
  if (!utf8 && /[^\x00-\x7f]/.test(text)) {
    return { ok: false, reason: 'non-ASCII address without SMTPUTF8', utf8: true };
  }
  return { ok: false, reason };
}

function scanLocal(text: string, start: number, utf8: boolean): { start: number; end: number } | string {
  let i = start;
  if (text[i] === '"') {
    i++;
    for (;;) {
      const ch = text[i];
      if (ch === undefined) return 'unterminated quoted local part';
      if (ch === '"') return { start, end: i + 1 };
      const c = ch.codePointAt(0)!;
      if (ch === '\\') {
        const next = text.codePointAt(i + 1);
        if (next === undefined || next < 0x20 || next > 0x7e) return 'bad quoted pair';
        i += 2;
        continue;
      }
      // qtextSMTP: %d32-33 / %d35-91 / %d93-126, and UTF-8 under SMTPUTF8.
      if (!((c >= 0x20 && c <= 0x7e) || (utf8 && c > 0x7f))) return 'bad character in quoted local part';
      i += ch.length;
    }
  }
  // Dot-string: atoms separated by single dots.
  let atomLen = 0;
  for (;;) {
    const cp = text.codePointAt(i);
    if (cp === undefined) return 'unterminated address';
    const ch = String.fromCodePoint(cp);
    if (ch === '.') {
      if (atomLen === 0) return 'empty atom in local part';
      atomLen = 0;
      i++;
      continue;
    }
    if (!isAtext(ch, utf8)) break;
    atomLen++;
    i += ch.length;
  }
  if (atomLen === 0) return i === start ? 'empty local part' : 'local part ends with a dot';
  return { start, end: i };
}

/** A domain name of LDH labels (U-labels under SMTPUTF8) or an address literal. */
export function isDomain(d: string, utf8: boolean): boolean {
  if (d.startsWith('[')) return isAddressLiteral(d);
  if (d.length === 0 || d.endsWith('.')) return false;
  for (const label of d.split('.')) {
    if (label.length === 0 || label.length > 63) return false;
    if (label.startsWith('-') || label.endsWith('-')) return false;
    for (const ch of label) {
      if (/[A-Za-z0-9-]/.test(ch)) continue;
      if (utf8 && ch.codePointAt(0)! > 0x7f && !/[\s\p{Cc}]/u.test(ch)) continue;
      return false;
    }
  }
  return true;
}

function isAddressLiteral(d: string): boolean {
  const m =
    /^\[(?:IPv6:([0-9A-Fa-f:.]+)|(\d{1,3}(?:\.\d{1,3}){3})|([A-Za-z0-9-]*[A-Za-z0-9]):([\x21-\x5a\x5e-\x7e]+))\]$/.exec(
      d,
    );
  if (!m) return false;
  if (m[2]) return m[2].split('.').every((n) => Number(n) <= 255);
  return true;
}

export function formatAddress(a: Address | null): string {
  return a ? `${a.local}@${a.domain}` : '';
}

export function formatPath(a: Address | null): string {
  return `<${formatAddress(a)}>`;
}

/** Whether an address needs SMTPUTF8 to be transmitted. */
export function needsUtf8(a: Address | null): boolean {
  return a !== null && /[^\x00-\x7f]/.test(a.local + a.domain);
}

/** Parses "local@domain" (no brackets), e.g. from a command-line flag. */
export function parseAddress(text: string, utf8 = true): Address | undefined {
  const r = parsePath(`<${text}>`, { utf8, allowNull: false });
  return r.ok && r.rest === '' ? (r.address ?? undefined) : undefined;
}
