// Reading Received trace fields (RFC 5321 §4.4) into hops, and an email's route from them.
// Liberal: what Postfix, Exim, sendmail, qmail, Gmail and Exchange write, with comments
// anywhere, clauses missing or out of order, TCP-info in various shapes. Never throws.
import { isIP as netIsIp } from 'node:net';
import { parseDate } from '../mime/index.js';

export interface ReceivedHop {
  /** The name after "from" (the HELO name, or an address literal). */
  from?: string;
  /** The reverse DNS name from the TCP-info comment, when one is given. */
  rdns?: string;
  /** The client's IP address from the TCP-info (or from an address literal after "from"). */
  ip?: string;
  by?: string;
  via?: string;
  /** The protocol ("with" clause): SMTP, ESMTPS, LMTP, HTTP, "Microsoft SMTP Server"... */
  with?: string;
  id?: string;
  /** The recipient, without angle brackets. */
  for?: string;
  /** The date after the last ";", as ISO 8601 in UTC. */
  date?: string;
}

interface Token {
  /** A word, or a comment's text (without its outer parentheses). */
  text: string;
  comment: boolean;
}

const KEYWORDS = new Set(['from', 'by', 'via', 'with', 'id', 'for']);

/** Index of the last ";" outside comments and quoted strings, or -1. */
function lastSemicolon(s: string): number {
  let depth = 0;
  let quoted = false;
  let at = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (quoted) quoted = c !== '"';
    else if (c === '"' && depth === 0) quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ';' && depth === 0) at = i;
  }
  return at;
}

/** Words and comments; angle addresses, quoted strings and domain literals are one word each. */
function tokenize(s: string): Token[] {
  const out: Token[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '(') {
      let depth = 1;
      let j = i + 1;
      for (; j < n && depth > 0; j++) {
        if (s[j] === '\\') j++;
        else if (s[j] === '(') depth++;
        else if (s[j] === ')') depth--;
      }
      out.push({ text: s.slice(i + 1, depth === 0 ? j - 1 : n), comment: true });
      i = j;
    } else if (c === ')') {
      i++; // a stray closing parenthesis
    } else {
      let j = i;
      let close = '';
      for (; j < n; j++) {
        const d = s[j] as string;
        if (close !== '') {
          if (d === '\\') j++;
          else if (d === close) close = '';
        } else if (d === '<') close = '>';
        else if (d === '[') close = ']';
        else if (d === '"') close = '"';
        else if (d === ' ' || d === '\t' || d === '\r' || d === '\n' || d === '(') break;
      }
      out.push({ text: s.slice(i, Math.min(j, n)), comment: false });
      i = j;
    }
  }
  return out;
}

function isIp(s: string): boolean {
  return s.length <= 45 && netIsIp(s) !== 0;
}

/** The address in a literal "[192.0.2.1]", "[IPv6:2001:db8::1]", "[192.0.2.1]:25"; else undefined. */
function literalIp(word: string): string | undefined {
  const m = /^\[(?:IPv6:)?([^\]]*)\](?::\d+)?$/i.exec(word);
  if (m && isIp(m[1] as string)) return m[1];
  return undefined;
}

function hostName(word: string): string | undefined {
  let w = word.replace(/\.$/, '');
  const at = w.lastIndexOf('@'); // sendmail's ident "user@host"
  if (at >= 0) w = w.slice(at + 1);
  if (w === '' || /^(unknown|localhost\.?|may|forged)$/i.test(w) || !/^[^\s=[\]()<>"]+$/.test(w))
    return undefined;
  if (!/[A-Za-z]/.test(w) || isIp(w)) return undefined;
  return w;
}

/** Fills ip and rdns from the comments after "from": "(rdns [ip])", "(2603:10a6::12)", "([ip] helo=x)". */
function tcpInfo(hop: ReceivedHop, comments: string[]): void {
  for (const c of comments) {
    const words = c.split(/[\s,]+/).filter((w) => w !== '');
    for (let k = 0; k < words.length; k++) {
      const w = words[k] as string;
      const ip = literalIp(w) ?? (isIp(w) ? w : undefined);
      if (ip === undefined) continue;
      hop.ip ??= ip;
      const prev = k > 0 ? hostName(words[k - 1] as string) : undefined;
      if (prev !== undefined && !/^helo=/i.test(words[k - 1] as string)) hop.rdns ??= prev;
      break;
    }
    if (hop.ip !== undefined) return;
  }
}

/** Reads one Received field value. Parts it cannot find are absent; it never throws. */
export function parseReceived(value: string): ReceivedHop {
  const hop: ReceivedHop = {};
  try {
    const semi = lastSemicolon(value);
    if (semi >= 0) {
      const d = parseDate(value.slice(semi + 1));
      if (d !== null && Number.isFinite(d.date.getTime())) hop.date = d.date.toISOString();
    }
    const tokens = tokenize(semi >= 0 ? value.slice(0, semi) : value);
    let i = 0;
    while (i < tokens.length) {
      const t = tokens[i] as Token;
      const key = t.comment ? '' : t.text.toLowerCase();
      i++;
      if (!KEYWORDS.has(key)) continue;
      // The clause's words (up to a comment or the next keyword) and the comments after it.
      const words: string[] = [];
      const comments: string[] = [];
      while (i < tokens.length) {
        const u = tokens[i] as Token;
        // The first word is the clause's value even when it reads like a keyword ("id Id").
        if (!u.comment && (words.length > 0 || comments.length > 0) && KEYWORDS.has(u.text.toLowerCase()))
          break;
        if (u.comment) comments.push(u.text);
        else if (comments.length === 0) words.push(u.text);
        i++;
      }
      const first = words[0];
      if (first === undefined) continue;
      switch (key) {
        case 'from':
          if (hop.from !== undefined) break;
          hop.from = first;
          tcpInfo(hop, comments);
          hop.ip ??= literalIp(first);
          break;
        case 'by':
          hop.by ??= first;
          break;
        case 'via':
          hop.via ??= first;
          break;
        case 'with':
          hop.with ??= words.join(' ');
          break;
        case 'id':
          hop.id ??= first;
          break;
        case 'for':
          hop.for ??= first.replace(/^<(.*)>[,;]?$/, '$1').replace(/,$/, '');
          break;
      }
    }
  } catch {
    // Never reached on any input seen; a parse problem must not stop the route.
  }
  // The parts in the order of the field.
  const out: ReceivedHop = {};
  for (const k of ['from', 'rdns', 'ip', 'by', 'via', 'with', 'id', 'for', 'date'] as const) {
    if (hop[k] !== undefined) out[k] = hop[k];
  }
  return out;
}

export interface RouteHop extends ReceivedHop {
  /** 1 for the oldest hop (the bottom Received field). */
  hop: number;
  /** Seconds since the previous hop, when both dates are known; negative when clocks disagree. */
  delay?: number;
}

/** The route of an email from its Received field values in header order (newest first). */
export function traceRoute(values: readonly string[]): RouteHop[] {
  const out: RouteHop[] = [];
  let prev: string | undefined;
  for (let k = values.length - 1; k >= 0; k--) {
    const h: RouteHop = { hop: out.length + 1, ...parseReceived(values[k] as string) };
    if (h.date !== undefined && prev !== undefined) {
      h.delay = Math.round((Date.parse(h.date) - Date.parse(prev)) / 1000);
    }
    if (h.date !== undefined) prev = h.date;
    out.push(h);
  }
  return out;
}
