// Reading Authentication-Results (RFC 8601 §2.2): the authserv-id, an optional version, and
// the method results with their reason and properties, or "none". Liberal with CFWS
// (comments nest, folds anywhere whitespace may be), strict on structure: a value that does
// not follow the grammar gives undefined, never a throw.

export interface AuthResProperty {
  /** ptype: smtp, header, body, policy (RFC 8601 §2.3), or any other Keyword. */
  ptype: string;
  property: string;
  value: string;
}

export interface AuthResMethod {
  method: string;
  /** method-version ("dkim/1=pass"). */
  version?: string;
  result: string;
  reason?: string;
  properties: AuthResProperty[];
}

export interface AuthResults {
  authservId: string;
  /** authres-version. */
  version?: string;
  /** Empty for "none" (RFC 8601 §2.2 no-result). */
  methods: AuthResMethod[];
}

const WSP = /[ \t\r\n]/;
// MIME token characters (RFC 2045 §5.1): any CHAR but SPACE, CTLs and tspecials.
const TOKEN = /[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]/;
// Keyword = ldh-str (RFC 8601 §2.2 via RFC 5321): letters, digits, hyphens; "_" tolerated.
const KEYWORD = /^[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?$/;
const NAME = /[A-Za-z0-9_-]*/y;

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  get done(): boolean {
    return this.i >= this.s.length;
  }

  peek(): string {
    return this.s[this.i] ?? '';
  }

  /** Skips whitespace and comments; false on an unterminated comment. */
  cfws(): boolean {
    const s = this.s;
    for (;;) {
      while (this.i < s.length && WSP.test(s[this.i] as string)) this.i++;
      if (s[this.i] !== '(') return true;
      let depth = 0;
      for (; this.i < s.length; this.i++) {
        const c = s[this.i];
        if (c === '\\') this.i++;
        else if (c === '(') depth++;
        else if (c === ')' && --depth === 0) break;
      }
      if (this.i >= s.length) return false;
      this.i++;
    }
  }

  /** A run of token characters (possibly empty). */
  token(): string {
    const start = this.i;
    while (this.i < this.s.length && TOKEN.test(this.s[this.i] as string)) this.i++;
    return this.s.slice(start, this.i);
  }

  /** A quoted-string at the cursor, unquoted; undefined when unterminated. */
  quoted(): string | undefined {
    let out = '';
    for (this.i++; this.i < this.s.length; this.i++) {
      const c = this.s[this.i] as string;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '\\') {
        this.i++;
        out += this.s[this.i] ?? '';
      } else if (c !== '\r' && c !== '\n') out += c;
    }
    return undefined;
  }

  /** value = token / quoted-string. */
  value(): string | undefined {
    if (this.peek() === '"') return this.quoted();
    const t = this.token();
    return t === '' ? undefined : t;
  }

  /** pvalue: a value, or [local-part] "@" domain, where local-part may be quoted. */
  pvalue(): string | undefined {
    let out = '';
    if (this.peek() === '"') {
      const q = this.quoted();
      if (q === undefined) return undefined;
      if (this.peek() !== '@') return q;
      out = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/.test(q) ? q : `"${q.replace(/["\\]/g, '\\$&')}"`;
    }
    const start = this.i;
    // Lenient: everything up to whitespace, a comment or ";" (an address has "@" and "/").
    while (this.i < this.s.length && !/[ \t\r\n;()"]/.test(this.s[this.i] as string)) this.i++;
    out += this.s.slice(start, this.i);
    return out === '' ? undefined : out;
  }

  /** A run of name characters (possibly empty): method, ptype, property names. */
  name(): string {
    NAME.lastIndex = this.i;
    const m = NAME.exec(this.s)?.[0] ?? '';
    this.i += m.length;
    return m;
  }

  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.i++;
    return true;
  }
}

interface Parsed {
  results: AuthResults;
  /** Each resinfo's text: from after its ";" to before the next top-level ";" (or the end). */
  spans: [number, number][];
}

function parse(value: string): Parsed | undefined {
  const sc = new Scanner(value);
  if (!sc.cfws()) return undefined;
  const authservId = sc.value();
  if (authservId === undefined) return undefined;
  const results: AuthResults = { authservId, methods: [] };
  const spans: [number, number][] = [];
  if (!sc.cfws()) return undefined;
  if (/[0-9]/.test(sc.peek())) {
    const v = sc.token();
    if (!/^[0-9]+$/.test(v)) return undefined;
    results.version = v;
    if (!sc.cfws()) return undefined;
  }
  if (sc.done) return { results, spans }; // RFC 7601 allowed a bare id; read it as "none"
  if (!sc.eat(';')) return undefined;
  if (!sc.cfws()) return undefined;
  if (sc.s.slice(sc.i, sc.i + 4).toLowerCase() === 'none') {
    const save = sc.i;
    sc.i += 4;
    if (!sc.cfws()) return undefined;
    if (sc.done || (sc.eat(';') && sc.cfws() && sc.done)) return { results, spans };
    sc.i = save;
  }
  for (;;) {
    const start = sc.i;
    const m = resinfo(sc);
    if (!m) return undefined;
    results.methods.push(m);
    spans.push([start, sc.i]);
    if (sc.done) break;
    if (!sc.eat(';')) return undefined;
    if (!sc.cfws()) return undefined;
    if (sc.done) break; // a trailing ";" is common and harmless
  }
  return { results, spans };
}

function keyword(sc: Scanner): string | undefined {
  const t = sc.token();
  return KEYWORD.test(t) ? t : undefined;
}

/** methodspec [reasonspec] *propspec, then CFWS; the cursor stops at ";" or the end. */
function resinfo(sc: Scanner): AuthResMethod | undefined {
  const m = sc.name();
  if (!KEYWORD.test(m)) return undefined;
  const method: AuthResMethod = { method: m, result: '', properties: [] };
  if (!sc.cfws()) return undefined;
  if (sc.eat('/')) {
    if (!sc.cfws()) return undefined;
    const v = sc.token();
    if (!/^[0-9]+$/.test(v)) return undefined;
    method.version = v;
    if (!sc.cfws()) return undefined;
  }
  if (!sc.eat('=') || !sc.cfws()) return undefined;
  const result = keyword(sc);
  if (result === undefined) return undefined;
  method.result = result;
  for (;;) {
    if (!sc.cfws()) return undefined;
    if (sc.done || sc.peek() === ';') return method;
    const name = sc.name();
    if (!name) return undefined;
    if (!sc.cfws()) return undefined;
    if (name.toLowerCase() === 'reason' && sc.peek() === '=' && method.properties.length === 0) {
      sc.i++;
      if (!sc.cfws()) return undefined;
      const r = sc.value();
      if (r === undefined || method.reason !== undefined) return undefined;
      method.reason = r;
      continue;
    }
    if (!sc.eat('.')) return undefined;
    if (!sc.cfws()) return undefined;
    const property = sc.name();
    if (!property) return undefined;
    if (!sc.cfws() || !sc.eat('=') || !sc.cfws()) return undefined;
    const value = sc.pvalue();
    if (value === undefined) return undefined;
    method.properties.push({ ptype: name, property, value });
  }
}

/** The value of an Authentication-Results field (the text after the colon), or undefined. */
export function parseAuthResults(value: string): AuthResults | undefined {
  return parse(value)?.results;
}

/**
 * The authserv-id alone: what the forgery check of RFC 8601 §5 needs, read even when the
 * rest of the field is broken (a forged field with our id is removed whatever follows it).
 */
export function parseAuthservId(value: string): string | undefined {
  const sc = new Scanner(value);
  if (!sc.cfws()) return undefined;
  return sc.value();
}

export interface AuthResEntries {
  authservId: string;
  version?: string;
  /** Each resinfo as written (comments kept), unfolded and trimmed; [] for "none". */
  entries: string[];
}

/**
 * The results of a field as text, one per method, for carrying them elsewhere unchanged
 * (the ARC-Authentication-Results of RFC 8617 §4.1.1 copies them).
 */
export function authResultsEntries(value: string): AuthResEntries | undefined {
  const p = parse(value);
  if (!p) return undefined;
  const out: AuthResEntries = { authservId: p.results.authservId, entries: [] };
  if (p.results.version !== undefined) out.version = p.results.version;
  for (const [a, b] of p.spans)
    out.entries.push(
      value
        .slice(a, b)
        .replace(/\r?\n(?=[ \t])/g, '')
        .trim(),
    );
  return out;
}
