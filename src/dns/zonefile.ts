// Master files (RFC 1035 §5, $TTL from RFC 2308 §4), read and written. The reader is one
// pass over the text: a lexer cuts it into entries (a line, or lines joined by parentheses)
// and each entry becomes a directive or a record at once, so a zone of a million records
// costs a million small steps. Errors name the file and the line: `zone.db:12: what`.
import { classFromName, isMetaType, TYPE, typeFromName, typeName } from './constants.js';
import { NameError, normalizeName } from './name.js';
import { formatRR, parseDuration, parseRData, RDataError, resolveName, type Token } from './rdata-text.js';
import type { RR, SoaData } from './types.js';

export class ZoneFileError extends Error {
  override name = 'ZoneFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    what: string,
  ) {
    super(`${file}:${line}: ${what.replace(/[\r\n]+/g, ' ')}`);
  }
}

export interface ZoneFile {
  /** Absolute; names in the file are relative to it until a $ORIGIN line. */
  origin: string;
  /** The $TTL of the file (its first), for writing it back; every record carries its own TTL. */
  defaultTtl?: number | undefined;
  records: RR[];
}

export interface ParseZoneOptions {
  /** The zone's origin, as a server's configuration gives it; else the first $ORIGIN, else the root. */
  origin?: string;
  /** The TTL of records that give none, until a $TTL line. */
  defaultTtl?: number;
  /** The file name to put in error messages. */
  file?: string;
}

interface ZoneToken extends Token {
  line: number;
}

/** A directive or a record: the tokens of one line, or of lines joined by parentheses. */
interface Entry {
  tokens: ZoneToken[];
  line: number;
  /** The line starts with a blank: the owner is the previous record's. */
  blankOwner: boolean;
}

type Fail = (line: number, what: string) => never;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

/** Ends an unquoted token: blanks, newline, comment, parentheses, a quote. */
function isDelimiter(c: number): boolean {
  return isBlank(c) || c === 0x0a || c === 0x3b || c === 0x28 || c === 0x29 || c === 0x22;
}

/** Cuts the text into entries, handing each to `onEntry` as soon as it ends. */
function lex(text: string, fail: Fail, onEntry: (e: Entry) => void): void {
  const n = text.length;
  let line = 1;
  let tokens: ZoneToken[] = [];
  let entryLine = 1;
  let blankOwner = false;
  let depth = 0;
  let openLine = 0;
  let lineStart = true;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (lineStart) {
      lineStart = false;
      if (depth === 0) {
        blankOwner = c === 0x20 || c === 0x09;
        entryLine = line;
      }
    }
    if (c === 0x0a) {
      if (depth === 0 && tokens.length > 0) {
        onEntry({ tokens, line: entryLine, blankOwner });
        tokens = [];
      }
      line++;
      lineStart = true;
      i++;
    } else if (isBlank(c)) {
      i++;
    } else if (c === 0x3b) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
    } else if (c === 0x28) {
      if (depth === 0) openLine = line;
      depth++;
      i++;
    } else if (c === 0x29) {
      if (depth === 0) fail(line, 'unbalanced ")"');
      depth--;
      i++;
    } else if (c === 0x22) {
      let j = i + 1;
      for (;;) {
        const d = text.charCodeAt(j);
        if (Number.isNaN(d) || d === 0x0a) fail(line, 'unterminated quoted string');
        if (d === 0x22) break;
        j += d === 0x5c && text.charCodeAt(j + 1) !== 0x0a ? 2 : 1;
      }
      tokens.push({ text: text.slice(i + 1, j), quoted: true, line });
      i = j + 1;
    } else {
      const start = i;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          const e = text.charCodeAt(i + 1);
          if (Number.isNaN(e) || e === 0x0a || e === 0x0d) fail(line, 'backslash at the end of a line');
          i += 2;
        } else if (isDelimiter(d)) break;
        else i++;
      }
      tokens.push({ text: text.slice(start, i), quoted: false, line });
    }
  }
  if (depth > 0) fail(openLine, '"(" without a ")" before the end of the file');
  if (tokens.length > 0) onEntry({ tokens, line: entryLine, blankOwner });
}

/**
 * Reads a master file. Records come back in file order, each with its absolute owner, its
 * class and its TTL resolved: the one written, else $TTL (or opts.defaultTtl), else the
 * SOA minimum (RFC 2308 §4, as BIND does). Relative names are completed with opts.origin,
 * then each $ORIGIN; before any, with the root. $INCLUDE is refused: zones here are one
 * file. Throws ZoneFileError, whose message is `file:line: what`.
 */
export function parseZone(text: string, opts: ParseZoneOptions = {}): ZoneFile {
  const file = opts.file ?? '<zone>';
  const fail: Fail = (line, what) => {
    throw new ZoneFileError(file, line, what);
  };
  const name = (t: Token, line: number, origin: string): string => {
    if (t.text === '@' && !t.quoted) return origin;
    try {
      return resolveName(t.text, origin);
    } catch (e) {
      if (e instanceof NameError) fail(line, e.message);
      throw e;
    }
  };

  let origin = '.';
  if (opts.origin !== undefined) origin = name({ text: opts.origin, quoted: false }, 1, '.');
  let zoneOrigin = opts.origin === undefined ? undefined : origin;
  let ttl = opts.defaultTtl;
  let zoneTtl: number | undefined;
  let soaMinimum: number | undefined;
  let lastClass = 1;
  let owner: string | undefined;
  // Consecutive records mostly share an owner text: normalize it once.
  let ownerText = '';
  let ownerOrigin = '';
  const records: RR[] = [];

  const directive = (e: Entry): void => {
    const [head, arg, extra] = e.tokens as [ZoneToken, ZoneToken | undefined, ZoneToken | undefined];
    const word = head.text.toUpperCase();
    if (word === '$INCLUDE') fail(e.line, '$INCLUDE is not supported: put the records in this file');
    if (word !== '$ORIGIN' && word !== '$TTL') fail(e.line, `unknown directive ${head.text}`);
    if (arg === undefined) fail(e.line, `${word} without a value`);
    if (extra !== undefined) fail(e.line, `unexpected "${extra.text}" after ${word} ${arg.text}`);
    if (word === '$ORIGIN') {
      origin = name(arg, e.line, origin);
      zoneOrigin ??= origin;
    } else {
      const v = parseDuration(arg.text);
      if (v === undefined) fail(e.line, `$TTL "${arg.text}" is not a number of seconds (or 1h30m, 1d, 2w)`);
      ttl = v;
      zoneTtl ??= v;
    }
  };

  const record = (e: Entry): void => {
    const toks = e.tokens;
    let k = 0;
    if (e.blankOwner) {
      if (owner === undefined) fail(e.line, 'no owner name: the first record must give one');
    } else {
      const t = toks[k++] as ZoneToken;
      if (t.text !== ownerText || origin !== ownerOrigin || owner === undefined || t.quoted) {
        owner = name(t, e.line, origin);
        ownerText = t.quoted ? '' : t.text;
        ownerOrigin = origin;
      }
    }
    // TTL and class, both optional, in either order (RFC 1035 §5.1).
    let rrTtl: number | undefined;
    let cls: number | undefined;
    for (let t = toks[k]; t !== undefined && !t.quoted; t = toks[++k]) {
      const asTtl = rrTtl === undefined ? parseDuration(t.text) : undefined;
      const asClass = asTtl === undefined && cls === undefined ? classFromName(t.text) : undefined;
      if (asTtl !== undefined) rrTtl = asTtl;
      else if (asClass !== undefined) cls = asClass;
      else break;
    }
    const typeTok = toks[k++];
    if (typeTok === undefined) fail(e.line, 'record without a type');
    const type = typeTok.quoted ? undefined : typeFromName(typeTok.text);
    if (type === undefined) fail(e.line, `unknown type "${typeTok.text}"`);
    if (isMetaType(type)) fail(e.line, `type ${typeName(type)} cannot be in a zone`);
    let data: RR['data'];
    try {
      data = parseRData(type, toks.slice(k), origin);
    } catch (err) {
      // The line of the field at fault, or of the last one when a field is missing.
      if (err instanceof RDataError)
        fail(toks[Math.min(k + (err.token ?? 0), toks.length - 1)]?.line ?? e.line, err.message);
      throw err;
    }
    if (type === TYPE.SOA) soaMinimum ??= (data as SoaData).minimum;
    rrTtl ??= ttl ?? soaMinimum;
    if (rrTtl === undefined) fail(e.line, 'record without a TTL, and no $TTL line before it');
    if (cls !== undefined) lastClass = cls;
    records.push({ name: owner as string, type, class: lastClass, ttl: rrTtl, data } as RR);
  };

  lex(text, fail, (e) => {
    const head = e.tokens[0] as ZoneToken;
    if (!e.blankOwner && !head.quoted && head.text.startsWith('$')) directive(e);
    else record(e);
  });
  return { origin: zoneOrigin ?? origin, defaultTtl: zoneTtl ?? opts.defaultTtl, records };
}

/**
 * Writes a master file: $ORIGIN, $TTL when given, the first SOA, then the other records in
 * their order, one per line with owner, TTL and class spelled out and names relative to
 * the origin. parseZone gives the records back as they were (with the SOA first).
 */
export function formatZone(zone: ZoneFile): string {
  const origin = normalizeName(zone.origin);
  const lines = [`$ORIGIN ${origin}`];
  if (zone.defaultTtl !== undefined) lines.push(`$TTL ${zone.defaultTtl}`);
  const soa = zone.records.find((r) => r.type === TYPE.SOA);
  if (soa) lines.push(formatRR(soa, origin));
  for (const rr of zone.records) if (rr !== soa) lines.push(formatRR(rr, origin));
  return `${lines.join('\n')}\n`;
}
