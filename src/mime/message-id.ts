// Message identifiers (RFC 5322 §3.6.4; obsolete forms §4.5.4) for Message-ID, In-Reply-To
// and References. Lenient in: comments, phrases between ids, missing angle brackets,
// whitespace inside an id (RFC 5322 obs-id-left / obs-id-right allow CFWS, and broken folders
// split long ids). Strict out: `<id> <id>`.
import { skipComment } from './cfws.js';

function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Index after a quoted string opened at `i` (quoted-pairs kept), or the end. */
function skipQuoted(s: string, i: number): number {
  const n = s.length;
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return n;
}

/**
 * Reads the id after a "<" at `i`: up to ">", CFWS removed (quoted strings kept whole), or up
 * to a new "<" that starts another id (a missing ">"). Returns the id and the next index.
 */
function readBracketed(s: string, i: number): { id: string; next: number } {
  const n = s.length;
  let id = '';
  let from = i; // start of the current run of id characters
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x3e) return { id: id + s.slice(from, i), next: i + 1 };
    if (c === 0x22) {
      i = skipQuoted(s, i);
      continue;
    }
    if (c === 0x3c) {
      id += s.slice(from, i);
      if (id !== '') return { id, next: i };
      from = ++i; // "<<id>>"
      continue;
    }
    if (c === 0x28 || isWsp(c)) {
      id += s.slice(from, i);
      i = c === 0x28 ? skipComment(s, i) : i + 1;
      from = i;
      continue;
    }
    i++;
  }
  return { id: id + s.slice(from, n), next: n };
}

/**
 * The ids in a Message-ID, In-Reply-To or References value, without angle brackets, in order.
 * When the value holds bracketed ids, everything outside brackets is a phrase (RFC 5322
 * §4.5.4 obs-in-reply-to) and ignored; without brackets, the words that contain "@" are taken,
 * or the single word when there is only one. Never throws.
 */
export function parseMessageIds(value: string): string[] {
  const ids: string[] = [];
  let bare: string[] | undefined;
  let bracketed = false;
  const n = value.length;
  let i = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c === 0x3c) {
      bracketed = true;
      const r = readBracketed(value, i + 1);
      if (r.id !== '') ids.push(r.id);
      i = r.next;
    } else if (c === 0x28) {
      i = skipComment(value, i);
    } else if (isWsp(c) || c === 0x2c || c === 0x3e) {
      i++;
    } else if (c === 0x22) {
      i = skipQuoted(value, i); // a phrase word
    } else if (!bracketed) {
      const start = i;
      while (i < n) {
        const d = value.charCodeAt(i);
        if (isWsp(d) || d === 0x3c || d === 0x28 || d === 0x2c) break;
        i = d === 0x22 ? skipQuoted(value, i) : i + 1;
      }
      bare ??= [];
      bare.push(value.slice(start, i));
    } else {
      i++;
    }
  }
  if (bracketed || bare === undefined) return ids;
  const withAt = bare.filter((w) => w.indexOf('@') > 0);
  return withAt.length > 0 ? withAt : bare.length === 1 ? bare : [];
}

function checkId(id: string): void {
  const back = /[\r\n]/.test(id) ? [] : parseMessageIds(`<${id}>`);
  if (back.length !== 1 || back[0] !== id) throw new RangeError(`invalid message id: ${JSON.stringify(id)}`);
}

/**
 * `<a@b> <c@d>` (RFC 5322 §3.6.4). Throws RangeError for an id that would not read back as
 * itself (empty, or with whitespace, "<", ">", "(" or unbalanced quotes outside a quoted string).
 */
export function formatMessageIds(ids: string[]): string {
  let out = '';
  for (const id of ids) {
    checkId(id);
    out += out === '' ? `<${id}>` : ` <${id}>`;
  }
  return out;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A new id, `<base32 of random>@domain` without brackets. The caller passes the randomness
 * (at least 16 bytes: 128 bits make collisions negligible) and the domain (its own host name).
 */
export function generateMessageId(domain: string, random: Uint8Array): string {
  if (random.length < 16) throw new RangeError('generateMessageId: need at least 16 random bytes');
  if (domain === '' || domain.indexOf('@') >= 0) {
    throw new RangeError(`generateMessageId: invalid domain: ${JSON.stringify(domain)}`);
  }
  // RFC 4648 §6 base32, lower case, no padding: atext only, safe for case-folding software.
  let left = '';
  let acc = 0;
  let bits = 0;
  for (let k = 0; k < random.length; k++) {
    acc = ((acc << 8) | (random[k] as number)) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      left += BASE32[(acc >>> bits) & 31];
    }
  }
  if (bits > 0) left += BASE32[(acc << (5 - bits)) & 31];
  const id = `${left}@${domain}`;
  checkId(id);
  return id;
}
