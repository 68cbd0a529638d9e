// Addresses: RFC 5322 §3.4 with the obsolete forms of §4.4 and UTF-8 of RFC 6532.
// Lenient in: a hand-written scanner that never throws and records what it repaired as
// `bad-address` defects. Strict out: formatAddressList emits RFC 5322 syntax only.
// isValidAddress is the strict RFC 5321 §4.1.2 / RFC 6531 check for addresses typed by users.
import { type Defect, defect } from './defects.js';
import {
  decodePhrase,
  decodeUnstructured,
  encodedWordEnd,
  encodePhrase,
  type PhraseOptions,
  readComment,
  readQuoted,
} from './encoded-word.js';

export interface Mailbox {
  /** Display name, decoded ("" when none). */
  name: string;
  /** addr-spec as RFC 5322 text: local part quoted only where needed ("a b"@x), "" when none. */
  address: string;
}

export interface Group {
  group: string;
  members: Mailbox[];
}

export type AddressItem = Mailbox | Group;

export interface AddressList {
  items: AddressItem[];
  defects: Defect[];
}

// ---------------------------------------------------------------------------------------
// Character classes
// ---------------------------------------------------------------------------------------

// RFC 5322 §3.2.3 atext; RFC 6532 §3.2 adds every non-ASCII character.
const ATEXT = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~") {
  ATEXT[ch.charCodeAt(0)] = 1;
}

// Characters that end an atom in the scanner: RFC 5322 specials (but "\" and "]", which
// we keep inside atoms rather than lose), white space and controls.
const STOP = new Uint8Array(128);
for (const ch of '()<>[:;@,."') STOP[ch.charCodeAt(0)] = 1;
for (let c = 0; c <= 0x20; c++) STOP[c] = 1;

function isAtext(c: number): boolean {
  return c >= 0x80 || ATEXT[c] === 1;
}

/** RFC 5322 §3.2.3 dot-atom-text (with RFC 6532 UTF-8). */
export function isDotAtom(s: string): boolean {
  if (s === '') return false;
  let dot = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (dot) return false;
      dot = true;
    } else if (isAtext(c)) dot = false;
    else return false;
  }
  return !dot;
}

/** RFC 5322 §3.2.4 quoted-string: only "\" and DQUOTE need a quoted-pair. */
function quoteString(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/** A local part in its RFC 5322 form: as is when a dot-atom, else a quoted string. */
function formatLocal(content: string): string {
  return isDotAtom(content) ? content : quoteString(content);
}

/** Whether `s` is exactly one well-formed quoted-string. */
function isQuotedString(s: string): boolean {
  if (s.length < 2 || s.charCodeAt(0) !== 0x22) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i === s.length - 1;
    else if (c === 0x0d || c === 0x0a) return false;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------

type Kind = 'atom' | 'quoted' | 'comment' | 'literal' | 'special';

interface Token {
  kind: Kind;
  /** atom: as written; quoted, comment: unescaped content; literal: "[...]"; special: the char. */
  text: string;
  start: number;
  end: number;
}

function tokenize(s: string, defects: Defect[]): Token[] {
  const toks: Token[] = [];
  const n = s.length;
  // After an unclosed comment or quoted string, later "(" or '"' cannot be trusted either;
  // reading them as plain characters keeps the scan linear on hostile input.
  let commentsOk = true;
  let quotesOk = true;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
      i++;
    } else if (c === 0x28 && !commentsOk) {
      i++;
    } else if (c === 0x22 && !quotesOk) {
      toks.push({ kind: 'atom', text: '"', start: i, end: i + 1 });
      i++;
    } else if (c === 0x28) {
      const r = readComment(s, i);
      if (r.closed) {
        toks.push({ kind: 'comment', text: r.text, start: i, end: r.end });
        i = r.end;
      } else {
        // Unclosed: rather than lose the rest of the field, drop the "(" and go on.
        defects.push(defect('bad-address', 'unclosed comment'));
        commentsOk = false;
        i++;
      }
    } else if (c === 0x22) {
      const r = readQuoted(s, i);
      if (r.closed) {
        toks.push({ kind: 'quoted', text: r.text, start: i, end: r.end });
        i = r.end;
      } else {
        // Unclosed: keep the '"' as a word of its own and read on.
        defects.push(defect('bad-address', 'unclosed quoted string'));
        quotesOk = false;
        toks.push({ kind: 'atom', text: '"', start: i, end: i + 1 });
        i++;
      }
    } else if (c === 0x5b) {
      // RFC 5322 §3.4.1 domain-literal
      let j = i + 1;
      while (j < n && s.charCodeAt(j) !== 0x5d) j += s.charCodeAt(j) === 0x5c ? 2 : 1;
      const end = j < n ? j + 1 : n;
      if (j >= n) defects.push(defect('bad-address', 'unclosed domain literal'));
      toks.push({ kind: 'literal', text: s.slice(i, end).replace(/[\r\n]/g, ''), start: i, end });
      i = end;
    } else if (c === 0x29) {
      defects.push(defect('bad-address', 'unbalanced ")"'));
      i++;
    } else if (c < 128 && STOP[c] === 1 && c > 0x20) {
      toks.push({ kind: 'special', text: s[i] as string, start: i, end: i + 1 });
      i++;
    } else {
      let j = i;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d < 128 && STOP[d] === 1) break;
        // An encoded word stays one atom even when it holds specials (RFC 2047 §5(3) forbids
        // them, senders put them anyway: "=?utf-8?q?Doe,_John?=").
        if (d === 0x3d && s.charCodeAt(j + 1) === 0x3f) {
          const e = encodedWordEnd(s, j);
          if (e > 0) {
            j = e;
            continue;
          }
        }
        j++;
      }
      if (j === i) j++; // a control character: keep it as an atom of its own
      toks.push({ kind: 'atom', text: s.slice(i, j), start: i, end: j });
      i = j;
    }
  }
  return toks;
}

/** Input quoted in a defect message, cut to a readable length. */
function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function isWord(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'atom' || t.kind === 'quoted');
}

function isSpecial(t: Token | undefined, ch: string): boolean {
  return t !== undefined && t.kind === 'special' && t.text === ch;
}

// ---------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------

class Parser {
  private readonly toks: Token[];

  constructor(
    private readonly s: string,
    private readonly defects: Defect[],
  ) {
    this.toks = tokenize(s, defects);
  }

  private bad(message: string): void {
    this.defects.push(defect('bad-address', message));
  }

  /** RFC 5322 §3.4 address-list, with §4.4 obs-addr-list (empty elements). */
  list(out: AddressItem[]): void {
    const toks = this.toks;
    let i = 0;
    while (i < toks.length) {
      const t = toks[i] as Token;
      if (t.kind === 'special' && (t.text === ',' || t.text === ';' || t.text === '>')) {
        if (t.text !== ',') this.bad(`stray "${t.text}"`);
        i++;
        continue;
      }
      i = this.element(i, out, false);
    }
  }

  /** One mailbox or group starting at token i; returns the index after it. */
  private element(i: number, out: AddressItem[], inGroup: boolean): number {
    const toks = this.toks;
    let k = i;
    for (; k < toks.length; k++) {
      const t = toks[k] as Token;
      if (t.kind !== 'special') continue;
      if (t.text === ',' || t.text === ';' || t.text === '<' || (t.text === ':' && !inGroup)) break;
    }
    const stop = toks[k];
    if (isSpecial(stop, '<')) return this.angle(i, k, out);
    if (isSpecial(stop, ':') && isSpecial(toks[i], '@')) {
      // "@a,@b:user@host" without angle brackets: an obs-route (RFC 5322 §4.4), not a group
      // (a display name cannot start with "@"). Drop the route; what follows is the address.
      this.bad('route without angle brackets');
      return k + 1;
    }
    if (isSpecial(stop, ':')) return this.group(i, k, out);
    this.bare(i, k, out);
    return k;
  }

  /** RFC 5322 §3.4 group: display-name ":" [group-list] ";". */
  private group(i: number, colon: number, out: AddressItem[]): number {
    const toks = this.toks;
    const name = this.phrase(i, colon);
    const members: Mailbox[] = [];
    let j = colon + 1;
    for (;;) {
      const t = toks[j];
      if (t === undefined) {
        this.bad(`group "${clip(name)}" lacks its closing ";"`);
        break;
      }
      if (t.kind === 'special' && (t.text === ';' || t.text === ',' || t.text === '>')) {
        j++;
        if (t.text === ';') break;
        if (t.text === '>') this.bad('stray ">"');
        continue;
      }
      j = this.element(j, members, true);
    }
    out.push({ group: name, members });
    return j;
  }

  /** RFC 5322 §3.4 name-addr: [display-name] angle-addr, tokens i..lt-1 being the name. */
  private angle(i: number, lt: number, out: AddressItem[]): number {
    const toks = this.toks;
    const route = isSpecial(toks[this.nextWord(lt + 1, toks.length)], '@');
    let gt = lt + 1;
    for (; gt < toks.length; gt++) {
      const t = toks[gt] as Token;
      if (t.kind !== 'special') continue;
      if (t.text === '>' || t.text === '<' || (!route && (t.text === ',' || t.text === ';'))) break;
    }
    const closed = isSpecial(toks[gt], '>');
    if (!closed) this.bad('missing ">"');
    const rawEnd = gt < toks.length ? (toks[gt] as Token).start : this.s.length;
    const address = this.angleAddr(lt + 1, gt, (toks[lt] as Token).end, rawEnd);
    // What follows, up to the next element: comments, or words that ought not to be there.
    const after = closed ? gt + 1 : gt;
    let j = after;
    while (j < toks.length && !this.isElementEnd(toks[j] as Token)) j++;
    let name = this.phrase(i, lt);
    if (isSpecial(toks[j], '<')) {
      // "A <a@x> B <b@x>": the words after ">" name the next mailbox.
      this.bad('missing "," between addresses');
      if (name === '') name = this.comments(i, lt);
      out.push({ name, address });
      return after;
    }
    if (this.hasWords(after, j)) {
      this.bad('text after the address');
      if (name === '') name = this.phrase(after, j);
    }
    if (name === '') name = this.comments(after, j) || this.comments(i, lt);
    out.push({ name, address });
    return j;
  }

  private isElementEnd(t: Token): boolean {
    return t.kind === 'special' && (t.text === ',' || t.text === ';' || t.text === '<');
  }

  /** The addr-spec inside "<...>" (tokens a..b-1), or the raw text when it is none. */
  private angleAddr(a: number, b: number, rawStart: number, rawEnd: number): string {
    const w = this.words(a, b);
    if (w.length === 0) {
      this.bad('empty address "<>"');
      return '';
    }
    let x = 0;
    if (isSpecial(this.toks[w[0] as number], '@')) {
      // RFC 5322 §4.4 obs-route ("<@a,@b:x@y>"): parsed, then ignored.
      const colon = w.findIndex((k) => isSpecial(this.toks[k], ':'));
      if (colon > 0) x = colon + 1;
    }
    const spec = this.addrSpec(w, x);
    if (spec !== undefined) {
      if (spec.next < w.length) this.bad('text after the address inside "<>"');
      return spec.address;
    }
    const raw = this.s.slice(rawStart, rawEnd).trim();
    this.bad(`not an address: <${clip(raw)}>`);
    return raw;
  }

  /** A mailbox without angle brackets: addr-spec, or repairs of what mail clients send. */
  private bare(i: number, k: number, out: AddressItem[]): void {
    const toks = this.toks;
    const w = this.words(i, k);
    if (w.length === 0) return; // empty element or comments only (RFC 5322 §4.4)
    let at = w.findIndex((x) => isSpecial(toks[x], '@'));
    if (at < 0) {
      const only = toks[w[0] as number] as Token;
      if (w.length === 1 && isWord(only)) {
        this.bad(`address without a domain: ${clip(only.text)}`);
        out.push({ name: this.comments(i, k), address: formatLocal(only.text) });
      } else {
        this.bad('no address');
        out.push({ name: this.phrase(i, k), address: '' });
      }
      return;
    }
    // One mailbox per "@": several of them mean missing commas ("a@b c@d").
    let from = 0;
    let fromTok = i;
    for (;;) {
      // The local part is the run of words and dots that ends at "@"; two words in a row
      // mean the first belongs to a display name written without angle brackets.
      let ls = at;
      while (ls > from) {
        const t = toks[w[ls - 1] as number];
        if (!(isWord(t) || isSpecial(t, '.'))) break;
        if (isWord(t) && ls < at && isWord(toks[w[ls] as number])) break;
        ls--;
      }
      const local = this.localPart(w, ls);
      const dom = this.domain(w, at + 1);
      if (ls === at) this.bad('address without a local part');
      if (dom.next === at + 1) this.bad('address without a domain');
      const address = `${formatLocal(local.text)}@${dom.text}`;
      const firstTok = w[ls] as number;
      const lastTok = w[dom.next - 1] as number;
      let name = '';
      if (ls > from) {
        this.bad('display name without angle brackets');
        name = this.phrase(fromTok, firstTok);
      }
      let next = dom.next;
      while (next < w.length && !isSpecial(toks[w[next] as number], '@')) next++;
      const restTok = dom.next < w.length ? (w[dom.next] as number) : k;
      if (next < w.length) {
        this.bad('missing "," between addresses');
        if (ls < at)
          out.push({
            name: name || this.comments(lastTok + 1, restTok) || this.comments(fromTok, firstTok),
            address,
          });
        from = dom.next;
        fromTok = restTok;
        at = next;
        continue;
      }
      if (dom.next < w.length) {
        this.bad('text after the address');
        if (name === '') name = this.phrase(restTok, k);
      }
      // RFC 5322 §3.2.2: comments carry no meaning, but "foo@bar (Foo Bar)" is a name.
      if (name === '') name = this.comments(lastTok + 1, restTok) || this.comments(fromTok, firstTok);
      // "a@b@c" or "@c": an "@" with no local part before it; inventing ""@c would add a
      // recipient nobody wrote (a quoted empty local part, ""@c, is a token and stays).
      if (ls === at) return;
      out.push({ name, address });
      return;
    }
  }

  /** Local part from w[x]: words and dots (RFC 5322 §3.4.1, §4.4 obs-local-part). */
  private localPart(w: number[], x: number): { text: string; next: number } {
    const parts: string[] = [];
    let y = x;
    let word = false;
    for (; y < w.length; y++) {
      const t = this.toks[w[y] as number] as Token;
      if (isWord(t)) {
        if (word) break;
        word = true;
      } else if (isSpecial(t, '.')) word = false;
      else break;
      parts.push(t.text);
    }
    return { text: parts.join(''), next: y };
  }

  /** Domain from w[x]: dot-atom or domain-literal (RFC 5322 §3.4.1, §4.4 obs-domain). */
  private domain(w: number[], x: number): { text: string; next: number } {
    const first = this.toks[w[x] as number];
    if (first !== undefined && first.kind === 'literal') return { text: first.text, next: x + 1 };
    const parts: string[] = [];
    let y = x;
    let word = false;
    for (; y < w.length; y++) {
      const t = this.toks[w[y] as number] as Token;
      if (t.kind === 'atom') {
        if (word) break;
        word = true;
      } else if (isSpecial(t, '.')) word = false;
      else break;
      parts.push(t.text);
    }
    return { text: parts.join(''), next: y };
  }

  /** local-part "@" domain starting at w[x], both non-empty. */
  private addrSpec(w: number[], x: number): { address: string; next: number } | undefined {
    const local = this.localPart(w, x);
    if (local.next === x || !isSpecial(this.toks[w[local.next] as number], '@')) return undefined;
    const dom = this.domain(w, local.next + 1);
    if (dom.next === local.next + 1) return undefined;
    return { address: `${formatLocal(local.text)}@${dom.text}`, next: dom.next };
  }

  /** Indices of the non-comment tokens in a..b-1. */
  private words(a: number, b: number): number[] {
    const w: number[] = [];
    for (let k = a; k < b; k++) if ((this.toks[k] as Token).kind !== 'comment') w.push(k);
    return w;
  }

  private nextWord(a: number, b: number): number {
    let k = a;
    while (k < b && (this.toks[k] as Token).kind === 'comment') k++;
    return k;
  }

  private hasWords(a: number, b: number): boolean {
    return this.nextWord(a, b) < b;
  }

  /** Tokens a..b-1 as a decoded phrase (comments dropped). */
  private phrase(a: number, b: number): string {
    if (a >= b) return '';
    const r = decodePhrase(this.s.slice((this.toks[a] as Token).start, (this.toks[b - 1] as Token).end));
    for (const d of r.defects) this.defects.push(d);
    return r.text;
  }

  /** The comments among tokens a..b-1, decoded (RFC 2047 §5(1)) and joined by spaces. */
  private comments(a: number, b: number): string {
    let out = '';
    for (let k = a; k < b; k++) {
      const t = this.toks[k] as Token;
      if (t.kind !== 'comment') continue;
      const r = decodeUnstructured(t.text);
      for (const d of r.defects) this.defects.push(d);
      const text = r.text.trim();
      if (text !== '') out = out === '' ? text : `${out} ${text}`;
    }
    return out;
  }
}

/**
 * Parses an address list (From, To, Cc, Reply-To, …; RFC 5322 §3.4, §4.4, RFC 6532).
 * Display names are decoded; comments are dropped, except that a mailbox without a name
 * takes its comment as name ("foo@bar (Foo Bar)"); obs-routes are ignored. Never throws:
 * unbalanced quotes, brackets and parentheses, missing angle brackets or commas become
 * `bad-address` defects and the parser keeps what it can.
 */
export function parseAddressList(value: string): AddressList {
  const defects: Defect[] = [];
  const items: AddressItem[] = [];
  new Parser(value, defects).list(items);
  return { items, defects };
}

/** All mailboxes, those of groups included, in order. */
export function mailboxes(items: readonly AddressItem[]): Mailbox[] {
  const out: Mailbox[] = [];
  for (const it of items) {
    if ('members' in it) out.push(...it.members);
    else out.push(it);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------

/**
 * An address in RFC 5322 form: the local part as a dot-atom or a quoted string (quoted
 * here when it is neither), the domain as given. UTF-8 stays as is (RFC 6532).
 */
export function formatAddress(address: string): string {
  if (address === '') return '';
  let at = address.lastIndexOf('@');
  if (address.endsWith(']')) {
    const lb = address.lastIndexOf('[');
    if (lb > 0 && address.charCodeAt(lb - 1) === 0x40) at = lb - 1;
  }
  if (at < 0) return isDotAtom(address) || isQuotedString(address) ? address : quoteString(address);
  const local = address.slice(0, at);
  return `${isDotAtom(local) || isQuotedString(local) ? local : quoteString(local)}${address.slice(at)}`;
}

/**
 * RFC 5322 §3.4 mailbox: `name <addr>`, or the bare addr-spec when there is no name. Names
 * are RFC 2047 encoded words when not ASCII, unless `opts.utf8` (RFC 6532, or display).
 */
export function formatMailbox(m: Mailbox, opts: PhraseOptions = {}): string {
  const addr = formatAddress(m.address);
  if (m.name === '') return addr === '' ? '<>' : addr;
  return `${encodePhrase(m.name, opts)} <${addr}>`;
}

/** RFC 5322 §3.4 address-list on one line (the caller folds it); groups as `name: a, b;`. */
export function formatAddressList(items: readonly AddressItem[], opts: PhraseOptions = {}): string {
  const out: string[] = [];
  for (const it of items) {
    if ('members' in it) {
      const members = it.members.map((m) => formatMailbox(m, opts)).join(', ');
      out.push(`${encodePhrase(it.group, opts)}:${members === '' ? '' : ` ${members}`};`);
    } else out.push(formatMailbox(it, opts));
  }
  return out.join(', ');
}

// ---------------------------------------------------------------------------------------
// Strict addr-spec (RFC 5321 §4.1.2, §4.1.3, §4.5.3.1; RFC 6531 §3.3)
// ---------------------------------------------------------------------------------------

export interface AddrSpec {
  /** The local part's content: unquoted, quoted-pairs resolved. */
  local: string;
  /** The domain as written: a host name or an address literal "[...]". */
  domain: string;
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Parses a bare address strictly: Dot-string or Quoted-string, "@", a host name
 * (letters, digits, hyphens; U-labels per RFC 6531) or an IPv4/IPv6 address literal; no
 * comments, no white space, no obsolete forms; local part ≤ 64 octets, domain ≤ 253,
 * whole address ≤ 254 (RFC 5321 §4.5.3.1). Undefined when not valid.
 */
export function parseAddrSpec(addr: string): AddrSpec | undefined {
  const n = addr.length;
  let i: number;
  let local: string;
  if (addr.charCodeAt(0) === 0x22) {
    const parts: string[] = [];
    let from = 1;
    for (i = 1; ; ) {
      if (i >= n) return undefined;
      const c = addr.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        // quoted-pairSMTP = "\" %d32-126
        const d = addr.charCodeAt(i + 1);
        if (!(d >= 0x20 && d <= 0x7e)) return undefined;
        parts.push(addr.slice(from, i));
        from = i + 1;
        i += 2;
        continue;
      }
      // qtextSMTP = %d32-33 / %d35-91 / %d93-126, and UTF8-non-ascii (RFC 6531)
      if (!((c >= 0x20 && c <= 0x7e) || c >= 0x80)) return undefined;
      i++;
    }
    parts.push(addr.slice(from, i));
    local = parts.join('');
    i++;
  } else {
    i = addr.indexOf('@');
    if (i <= 0) return undefined;
    local = addr.slice(0, i);
    if (!isDotAtom(local)) return undefined;
  }
  if (addr.charCodeAt(i) !== 0x40) return undefined;
  const domain = addr.slice(i + 1);
  if (!isDomain(domain)) return undefined;
  if (utf8Length(addr.slice(0, i)) > 64 || utf8Length(addr) > 254) return undefined;
  return { local, domain };
}

/** Whether `addr` is a valid bare address (see parseAddrSpec), e.g. for `--from`. */
export function isValidAddress(addr: string): boolean {
  return parseAddrSpec(addr) !== undefined;
}

function isDomain(d: string): boolean {
  if (d.charCodeAt(0) === 0x5b) {
    if (d.charCodeAt(d.length - 1) !== 0x5d) return false;
    const lit = d.slice(1, -1);
    if (lit.slice(0, 5).toLowerCase() === 'ipv6:') return isIpv6(lit.slice(5));
    return isIpv4(lit);
  }
  if (d === '' || utf8Length(d) > 253) return false;
  for (const label of d.split('.')) {
    // sub-domain = Let-dig [Ldh-str]; labels ≤ 63 octets (RFC 1035 §2.3.4)
    if (label === '' || utf8Length(label) > 63) return false;
    if (label.charCodeAt(0) === 0x2d || label.charCodeAt(label.length - 1) === 0x2d) return false;
    for (let k = 0; k < label.length; k++) {
      const c = label.charCodeAt(k);
      const ok =
        (c >= 0x30 && c <= 0x39) ||
        (c >= 0x41 && c <= 0x5a) ||
        (c >= 0x61 && c <= 0x7a) ||
        c === 0x2d ||
        c > 0xa0;
      if (!ok) return false;
    }
  }
  return true;
}

/** RFC 5321 §4.1.3 IPv4-address-literal: four decimal numbers 0-255. */
function isIpv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length < 1 || p.length > 3) return false;
    for (let k = 0; k < p.length; k++) {
      const c = p.charCodeAt(k);
      if (c < 0x30 || c > 0x39) return false;
    }
    if (Number(p) > 255) return false;
  }
  return true;
}

function isHexGroup(g: string): boolean {
  if (g.length < 1 || g.length > 4) return false;
  for (let k = 0; k < g.length; k++) {
    const c = g.charCodeAt(k) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/**
 * RFC 5321 §4.1.3 IPv6-addr: full (8 groups), comp ("::" and at most 6 groups), and the
 * same two with an IPv4 tail (6 groups; "::" and at most 4).
 */
function isIpv6(s: string): boolean {
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return false;
  const groups = dbl < 0 ? s.split(':') : [...splitGroups(s.slice(0, dbl)), ...splitGroups(s.slice(dbl + 2))];
  let count = groups.length;
  const last = groups[groups.length - 1];
  if (last !== undefined && last.indexOf('.') >= 0) {
    if (!isIpv4(last)) return false;
    groups.pop();
    count++; // an IPv4 tail stands for two groups
  }
  for (const g of groups) if (!isHexGroup(g)) return false;
  return dbl < 0 ? count === 8 : count <= 6;
}

function splitGroups(s: string): string[] {
  return s === '' ? [] : s.split(':');
}
