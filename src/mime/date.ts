// Date and time (RFC 5322 §3.3, obsolete syntax §4.3): a lenient reader for what mail really
// carries and a strict writer. One hand-written pass turns the value into tokens (comments
// dropped), then a small matcher looks for a date at each token, so leading junk (a Received
// header's tokens, a stray word) is skipped.
import { skipComment } from './cfws.js';

export interface ParsedDate {
  /** The instant. */
  date: Date;
  /**
   * The zone offset east of UTC in minutes. `-0` stands for RFC 5322 "-0000" (UTC, local zone
   * unknown): written so, or an obsolete military or unknown zone, or no zone (RFC 5322 §4.3).
   */
  offsetMinutes: number;
}

const NUM = 0;
const TIME = 1;
const WORD = 2;

interface Token {
  kind: typeof NUM | typeof TIME | typeof WORD;
  /** '+', '-' or '' just before the digits. */
  sign: string;
  /** NUM: the value; TIME: the first field. */
  value: number;
  /** NUM: digit count. TIME: number of fields (2 or 3). */
  digits: number;
  /** TIME: minutes and seconds. */
  m: number;
  s: number;
  /** WORD: lower-case letters. */
  word: string;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isLetter(c: number): boolean {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
}

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x28) {
      i = skipComment(s, i);
      continue;
    }
    let sign = '';
    let j = i;
    if ((c === 0x2b || c === 0x2d) && i + 1 < n && isDigit(s.charCodeAt(i + 1))) {
      sign = c === 0x2b ? '+' : '-';
      j++;
    }
    if (isDigit(s.charCodeAt(j))) {
      const start = j;
      let v = 0;
      while (j < n && isDigit(s.charCodeAt(j))) v = v * 10 + s.charCodeAt(j++) - 0x30;
      const sep = s.charCodeAt(j);
      // hh:mm[:ss], also with dots; fractions of a second dropped.
      if ((sep === 0x3a || sep === 0x2e) && isDigit(s.charCodeAt(j + 1))) {
        const f = [v, 0, 0];
        let k = 1;
        while (
          k < 3 &&
          (s.charCodeAt(j) === 0x3a || s.charCodeAt(j) === 0x2e) &&
          isDigit(s.charCodeAt(j + 1))
        ) {
          j++;
          let x = 0;
          while (j < n && isDigit(s.charCodeAt(j))) x = x * 10 + s.charCodeAt(j++) - 0x30;
          f[k++] = x;
        }
        if (s.charCodeAt(j) === 0x2e) while (++j < n && isDigit(s.charCodeAt(j)));
        out.push({ kind: TIME, sign, value: v, digits: k, m: f[1] as number, s: f[2] as number, word: '' });
      } else {
        out.push({ kind: NUM, sign, value: v, digits: j - start, m: 0, s: 0, word: '' });
      }
      i = j;
      continue;
    }
    if (isLetter(c)) {
      while (j < n && isLetter(s.charCodeAt(j))) j++;
      out.push({ kind: WORD, sign: '', value: 0, digits: 0, m: 0, s: 0, word: s.slice(i, j).toLowerCase() });
      i = j;
      continue;
    }
    i++; // whitespace, commas, dots, slashes and anything else separate tokens
  }
  return out;
}

const MONTHS: Record<string, number> = {
  jan: 1,
  january: 1,
  feb: 2,
  february: 2,
  mar: 3,
  march: 3,
  apr: 4,
  april: 4,
  may: 5,
  jun: 6,
  june: 6,
  jul: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
};

// RFC 5322 §4.3 obs-zone, plus UTC and a few unambiguous names common in real mail.
const ZONES: Record<string, number> = {
  ut: 0,
  gmt: 0,
  utc: 0,
  edt: -240,
  est: -300,
  cdt: -300,
  cst: -360,
  mdt: -360,
  mst: -420,
  pdt: -420,
  pst: -480,
  akdt: -480,
  akst: -540,
  hst: -600,
  wet: 0,
  west: 60,
  bst: 60,
  cet: 60,
  cest: 120,
  met: 60,
  mest: 120,
  eet: 120,
  eest: 180,
  msk: 180,
  jst: 540,
  kst: 540,
};

function month(t: Token | undefined): number {
  if (t === undefined) return 0;
  if (t.kind === WORD) return Object.hasOwn(MONTHS, t.word) ? (MONTHS[t.word] as number) : 0;
  return 0;
}

function numMonth(t: Token | undefined): number {
  if (t === undefined || t.kind !== NUM || t.sign === '+' || t.digits > 2) return 0;
  return t.value >= 1 && t.value <= 12 ? t.value : 0;
}

function isDay(t: Token | undefined): t is Token {
  return t !== undefined && t.kind === NUM && t.sign !== '+' && t.digits <= 2 && t.value >= 1;
}

function isYear(t: Token | undefined): t is Token {
  return t !== undefined && t.kind === NUM && t.sign !== '+' && t.digits <= 4;
}

/** RFC 5322 §4.3: 00-49 → 20xx, 50-99 and any 3-digit year → 19xx. */
function fullYear(t: Token): number {
  if (t.digits <= 2) return t.value < 50 ? 2000 + t.value : 1900 + t.value;
  if (t.digits === 3) return 1900 + t.value;
  return t.value;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

// Date.UTC maps years 0-99 to 19xx; shifting by one 400-year Gregorian cycle avoids that.
const CYCLE_MS = 146097 * 86_400_000;

interface Fields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  /** Offset in minutes; NaN when none was found. */
  off: number;
}

/** A zone at t[i]: RFC 5322 §3.3 zone or §4.3 obs-zone; NaN (unknown) when none. */
function zoneAt(t: Token[], i: number, iso: boolean): { off: number; next: number } {
  const z = t[i];
  if (z === undefined) return { off: Number.NaN, next: i };
  if (z.kind === NUM && z.sign !== '') {
    // +hhmm, and the sloppier +h / +hh.
    const hh = z.digits <= 2 ? z.value : Math.floor(z.value / 100);
    const mm = z.digits <= 2 ? 0 : z.value % 100;
    if (z.digits > 4 || hh > 23 || mm > 59) return { off: -0, next: i + 1 };
    return { off: z.sign === '-' ? -(hh * 60 + mm) : hh * 60 + mm, next: i + 1 };
  }
  if (z.kind === TIME && z.sign !== '' && z.digits === 2) {
    // +hh:mm (ISO 8601)
    if (z.value > 23 || z.m > 59) return { off: -0, next: i + 1 };
    const a = z.value * 60 + z.m;
    return { off: z.sign === '-' ? -a : a, next: i + 1 };
  }
  if (z.kind === WORD) {
    if (z.word === 'z') return { off: iso ? 0 : -0, next: i + 1 };
    if (Object.hasOwn(ZONES, z.word)) {
      const base = ZONES[z.word] as number;
      // "GMT+0200", "UTC-5"
      if (base === 0 && (z.word === 'gmt' || z.word === 'utc' || z.word === 'ut')) {
        const n = t[i + 1];
        if (n !== undefined && n.sign !== '' && (n.kind === NUM || n.kind === TIME)) {
          const r = zoneAt(t, i + 1, iso);
          if (!Object.is(r.off, -0)) return r;
        }
      }
      return { off: base, next: i + 1 };
    }
    // Military letters and unknown names: RFC 5322 §4.3 says treat as -0000.
    return { off: -0, next: i + 1 };
  }
  return { off: Number.NaN, next: i };
}

function timeAt(t: Token[], i: number): Token | undefined {
  const x = t[i];
  return x !== undefined && x.kind === TIME && x.sign === '' ? x : undefined;
}

/** Tries the forms we know, starting at token i. */
function matchAt(t: Token[], i: number): Fields | null {
  const a = t[i];
  if (a === undefined) return null;
  // [day-name] day month year time [zone]   (RFC 5322 §3.3; month may be a number)
  if (isDay(a) && a.sign === '') {
    const b = t[i + 1];
    const mo = month(b) || numMonth(b);
    const y = t[i + 2];
    const tm = timeAt(t, i + 3);
    if (mo !== 0 && isYear(y) && tm !== undefined) {
      const z = zoneAt(t, i + 4, false);
      return { y: fullYear(y), mo, d: a.value, h: tm.value, mi: tm.m, s: tm.s, off: z.off };
    }
  }
  // month day time [zone] year [zone]   (asctime, Unix date) or month day year time [zone]
  const mo = month(a);
  if (mo !== 0) {
    const d = t[i + 1];
    if (!isDay(d) || d.sign !== '') return null;
    const tm = timeAt(t, i + 2);
    if (tm !== undefined) {
      const z1 = zoneAt(t, i + 3, false);
      const y = t[z1.next];
      if (!isYear(y) || y.sign !== '' || y.digits !== 4) return null;
      const z2 = Number.isNaN(z1.off) ? zoneAt(t, z1.next + 1, false) : z1;
      return { y: y.value, mo, d: d.value, h: tm.value, mi: tm.m, s: tm.s, off: z2.off };
    }
    const y = t[i + 2];
    const tm2 = timeAt(t, i + 3);
    if (isYear(y) && y.sign === '' && tm2 !== undefined) {
      const z = zoneAt(t, i + 4, false);
      return { y: fullYear(y), mo, d: d.value, h: tm2.value, mi: tm2.m, s: tm2.s, off: z.off };
    }
    return null;
  }
  // ISO-like, seen in spam: yyyy-mm-dd[T]hh:mm[:ss][Z|±hh:mm|±hhmm]
  if (a.kind === NUM && a.sign === '' && a.digits === 4) {
    const m = numMonth(t[i + 1]);
    const d = t[i + 2];
    if (m === 0 || !isDay(d) || d.sign === '+') return null;
    let k = i + 3;
    if (t[k]?.kind === WORD && t[k]?.word === 't') k++;
    const tm = timeAt(t, k);
    if (tm === undefined) return null;
    const z = zoneAt(t, k + 1, true);
    return { y: a.value, mo: m, d: d.value, h: tm.value, mi: tm.m, s: tm.s, off: z.off };
  }
  return null;
}

function toResult(f: Fields): ParsedDate | null {
  if (f.y > 9999 || f.mo < 1 || f.mo > 12 || f.d < 1 || f.d > daysInMonth(f.y, f.mo)) return null;
  if (f.h > 23 || f.mi > 59 || f.s > 60) return null; // 60: a leap second (RFC 5322 §3.3)
  const off = Number.isNaN(f.off) ? -0 : f.off;
  const local = Date.UTC(f.y + 400, f.mo - 1, f.d, f.h, f.mi, f.s) - CYCLE_MS;
  return { date: new Date(local - off * 60_000), offsetMinutes: off };
}

/**
 * Reads an RFC 5322 date-time, leniently: optional day name, comments, 2- and 3-digit years,
 * missing seconds, obsolete and unknown zones, full month names, missing commas, trailing
 * junk, a leading Received-style prefix, Unix `date` and ISO-like forms. Null when no date
 * can be read; never throws.
 */
export function parseDate(value: string): ParsedDate | null {
  const t = tokenize(value);
  for (let i = 0; i < t.length; i++) {
    const f = matchAt(t, i);
    if (f !== null) {
      const r = toResult(f);
      if (r !== null) return r;
    }
  }
  return null;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/**
 * Writes a strict RFC 5322 §3.3 date-time, `Thu, 13 Feb 1969 23:32:54 -0330`, in the zone
 * `offsetMinutes` east of UTC (`-0` writes "-0000"). Milliseconds are dropped. Throws
 * RangeError for an invalid Date, an offset outside ±23:59 or a year outside 0..9999.
 */
export function formatDate(date: Date, offsetMinutes = 0): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('formatDate: invalid Date');
  if (!Number.isInteger(offsetMinutes) || offsetMinutes <= -1440 || offsetMinutes >= 1440) {
    throw new RangeError(`formatDate: offset out of range: ${offsetMinutes}`);
  }
  const l = new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes * 60_000);
  const y = l.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError(`formatDate: year out of range: ${y}`);
  const neg = offsetMinutes < 0 || Object.is(offsetMinutes, -0);
  const a = Math.abs(offsetMinutes);
  return (
    `${DAY_NAMES[l.getUTCDay()]}, ${l.getUTCDate()} ${MONTH_NAMES[l.getUTCMonth()]} ` +
    `${String(y).padStart(4, '0')} ${pad2(l.getUTCHours())}:${pad2(l.getUTCMinutes())}:` +
    `${pad2(l.getUTCSeconds())} ${neg ? '-' : '+'}${pad2(Math.floor(a / 60))}${pad2(a % 60)}`
  );
}
