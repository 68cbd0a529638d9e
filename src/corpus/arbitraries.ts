// Arbitraries for the corpus (issue 3): fast-check generators of emails as plain data
// (`MessageSpec`), valid by construction — RFC 5322 header fields, RFC 2045-2049 bodies and
// multiparts, RFC 2047 encoded words, RFC 2231 parameters, RFC 6532 UTF-8 headers — and
// `wildSpec()` for what the world sends anyway. `renderMessage` (render.ts) writes a spec to
// bytes; every formatting choice it makes is in the spec.
//
// Speed matters (a million messages in minutes), so fast-check draws the structure (message,
// fields, the tree of parts) while the contents of each field and body are expanded from
// one drawn seed by a small PRNG: a fast-check draw costs about a microsecond, a PRNG step
// a few nanoseconds.
import fc from 'fast-check';
import { decodeCharset, encodeCharset } from '../mime/index.js';

// ---------------------------------------------------------------------------------------
// The spec: a message as plain data
// ---------------------------------------------------------------------------------------

/** How a run of text is written as RFC 2047 encoded words. */
export interface EncodedWordStyle {
  /** The charset label as written ("UTF-8", "iso-8859-1"); the text is representable in it. */
  charset: string;
  /** B (base64) or Q encoding. */
  b: boolean;
  /** "B"/"Q" rather than "b"/"q". */
  upper: boolean;
  /** RFC 2231 §5 language suffix ("utf-8*en"), "" for none. */
  lang: string;
  /** The longest encoded word, at most 75 characters (RFC 2047 §2). */
  max: number;
}

/** Unstructured text is chunks joined by single spaces; a chunk with `ew` is encoded. */
export interface TextChunk {
  text: string;
  ew: EncodedWordStyle | null;
}

/** Where a field's lines are folded. */
export interface FoldStyle {
  /** Fold before a token that would pass this column (≤ 76 where encoded words are, ≤ 998 always). */
  width: number;
  /** Structured fields: continuation lines start with a tab instead of the space. */
  tab: boolean;
  /** What follows the colon: " ", "" or "  ". */
  afterColon: string;
}

/** How a display name is written: atoms, one quoted string, encoded words, or a mix. */
export type NameForm = 'atom' | 'quoted' | 'encoded' | 'mixed';

export interface MailboxSpec {
  /** The display name, decoded ("" for none). */
  name: string;
  form: NameForm;
  ew: EncodedWordStyle;
  /** The local part's content (unquoted); written as a dot-atom when it is one. */
  local: string;
  /** A domain name (U-labels allowed in UTF-8 messages) or a domain literal "[...]". */
  domain: string;
  /** Write "<addr>" even when there is no name. */
  angle: boolean;
  /** Quote a local part that could be a dot-atom. */
  quoteLocal: boolean;
  /** A comment in a named mailbox ("" for none): after the angle-addr, before the name, or inside the brackets. */
  comment: string;
  commentAt: 'after' | 'before' | 'angle';
}

export interface GroupSpec {
  group: string;
  form: NameForm;
  ew: EncodedWordStyle;
  members: MailboxSpec[];
}

export type AddressItemSpec = MailboxSpec | GroupSpec;

/** RFC 5322 §3.3 date-time. */
export interface DateSpec {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** -1: seconds omitted. */
  second: number;
  /** Minutes east of UTC. */
  zone: number;
  /** "-0000": UTC, local zone unknown (RFC 5322 §3.3). */
  unknownZone: boolean;
  dayName: boolean;
  /** Two-digit day ("01"). */
  pad: boolean;
  /** A comment after the zone ("" for none). */
  comment: string;
  /** The white space between the parts: " " or "  ". */
  gap: string;
}

export type FieldSpec =
  | { kind: 'address'; name: string; items: AddressItemSpec[]; comma: string; fold: FoldStyle }
  | { kind: 'date'; name: string; date: DateSpec; fold: FoldStyle }
  /** Message ids; `comment` ("" for none) goes after the first (CFWS, RFC 5322 §3.6.4). */
  | { kind: 'ids'; name: string; ids: string[]; comment: string; fold: FoldStyle }
  | { kind: 'text'; name: string; chunks: TextChunk[]; fold: FoldStyle }
  /** A structured value as tokens, joined by spaces at which the line may fold. */
  | { kind: 'tokens'; name: string; tokens: string[]; fold: FoldStyle }
  /** Wild only: the bytes after the colon, verbatim (a latin1 string), line end excluded. */
  | { kind: 'raw'; name: string; value: string };

/** A MIME parameter (RFC 2045 §5.1, RFC 2231). */
export interface ParamSpec {
  /** As written (case varies). */
  name: string;
  /** The decoded value. */
  value: string;
  /** token, quoted string, RFC 2231 `name*=`, continuations `name*0=`, extended continuations `name*0*=`. */
  form: 'token' | 'quoted' | 'ext' | 'cont' | 'ext-cont';
  /** Extended forms: the charset label the value is percent-encoded in. */
  charset: string;
  lang: string;
  /** Continuations: the longest section (characters of the written value). */
  section: number;
}

export interface MediaSpec {
  /** As written (the parser lower-cases). */
  type: string;
  subtype: string;
  params: ParamSpec[];
  /** A comment after the type ("" for none). */
  comment: string;
}

export interface DispositionSpec {
  type: string;
  params: ParamSpec[];
}

export type TransferEncoding = '7bit' | '8bit' | 'quoted-printable' | 'base64';

export interface CteSpec {
  value: TransferEncoding;
  /** As written ("BASE64", "Quoted-Printable"). */
  label: string;
}

/** The MIME fields of a part (for the root entity: merged into the message header). */
export interface PartFields {
  /** null: no Content-Type field (text/plain, or message/rfc822 in a digest). */
  type: MediaSpec | null;
  /** null: no Content-Transfer-Encoding field (7bit). */
  cte: CteSpec | null;
  disposition: DispositionSpec | null;
  /** Content-ID without angle brackets. */
  id: string | null;
  description: TextChunk[] | null;
  /** Other fields of the part (Content-Language, X-Attachment-Id, ...). */
  extra: FieldSpec[];
  /** 0: the usual order of the fields; else a seed that permutes them. */
  shuffle: number;
  fold: FoldStyle;
}

export type ContentSpec =
  /** Text in a charset (canonical name); line breaks are CRLF. */
  | { kind: 'text'; charset: string; text: string }
  /** `size` bytes from a PRNG seeded with `seed`, after the magic bytes of `magic`. */
  | { kind: 'binary'; size: number; seed: number; magic: string };

/** Quoted-printable: encoded line width and whether optional characters are escaped; base64: line length. */
export interface EncodingStyle {
  width: number;
  extra: boolean;
  /** Seed for where quoted-printable lines are broken before `width`. */
  seed: number;
}

export interface LeafSpec extends PartFields {
  kind: 'leaf';
  content: ContentSpec;
  style: EncodingStyle;
}

export interface MultipartSpec extends PartFields {
  kind: 'multipart';
  /** Also in `type.params` (kept equal). */
  boundary: string;
  /** Text before the first delimiter line and after the close delimiter ("" for none). */
  preamble: string;
  epilogue: string;
  parts: EntitySpec[];
  /** A line break after the close delimiter when nothing follows it. */
  finalNewline: boolean;
}

export interface MessagePartSpec extends PartFields {
  kind: 'message';
  message: MessageSpec;
}

export type EntitySpec = LeafSpec | MultipartSpec | MessagePartSpec;

export interface MessageSpec {
  /** RFC 6532: UTF-8 in header fields (SMTPUTF8). */
  utf8: boolean;
  /** The header fields other than the root entity's MIME fields, in order. */
  fields: FieldSpec[];
  /** Where the root entity's MIME fields go among `fields`. */
  mimeAt: number;
  body: EntitySpec;
  wild: WildSpec | null;
}

/** What a wild message does at the byte level (the rest is in its fields and parts). */
export interface WildSpec {
  /** Line ends: all bare LF, a mix, or CRLF. */
  lineEnd: 'crlf' | 'lf' | 'mixed';
  /** The outermost multipart lacks its close delimiter (a truncated message). */
  unclosed: boolean;
  /** Junk after delimiter lines and after the close delimiter. */
  junk: boolean;
  /** Transport padding (white space) after delimiter lines. */
  padding: boolean;
  /** A header line longer than 998 octets. */
  longLine: boolean;
  /** No blank line between the header and the body of the root. */
  noSeparator: boolean;
  /** Cut the message at this fraction of its length (0: whole). */
  truncate: number;
  seed: number;
}

// ---------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, passes
 * PractRand, a few nanoseconds per step. Implements pure-rand's RandomGenerator, so it can
 * drive fast-check directly.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b = 0, c = 0, d = 0, warm = true) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    if (warm) for (let i = 0; i < 12; i++) this.next();
  }

  /** A signed 32-bit integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) + t;
    this.c |= 0;
    return t;
  }

  clone(): Prng {
    return new Prng(this.a, this.b, this.c, this.d, false);
  }

  getState(): readonly number[] {
    return [this.a, this.b, this.c, this.d];
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(((this.next() >>> 0) / 4294967296) * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() >>> 0 < p * 4294967296;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of items) total += w;
    let x = ((this.next() >>> 0) / 4294967296) * total;
    for (const [w, v] of items) {
      x -= w;
      if (x < 0) return v;
    }
    return (items[items.length - 1] as readonly [number, T])[1];
  }
}

/** A PRNG for one seed (the 32-bit seeds that the arbitraries draw). */
export function prng(seed: number): Prng {
  return new Prng(seed, 0x9e3779b9, 0x243f6a88, 0x85a308d3);
}

/**
 * The fast-check Random for message `index` of the corpus with this seed: a function of
 * (seed, index) only, so message i is the same however the range is split.
 */
export function randomFor(seed: number, index: number, salt = 0): fc.Random {
  const hi = (s: number) => Math.floor(s / 4294967296) | 0;
  return new fc.Random(new Prng(seed | 0, hi(seed) ^ salt, index | 0, hi(index) ^ 0x6a09e667));
}

const SEED = fc.integer({ min: -0x80000000, max: 0x7fffffff });

/** An arbitrary built from one drawn seed by a PRNG-driven builder. */
function seeded<T>(build: (r: Prng) => T): fc.Arbitrary<T> {
  return SEED.map((s) => build(prng(s)));
}

// ---------------------------------------------------------------------------------------
// Charsets and what they can write
// ---------------------------------------------------------------------------------------

/** Charsets for encoded words and text bodies (names as iconv-lite and Python know them). */
export const CHARSETS = [
  'utf-8',
  'iso-8859-1',
  'iso-8859-2',
  'iso-8859-3',
  'iso-8859-4',
  'iso-8859-5',
  'iso-8859-6',
  'iso-8859-7',
  'iso-8859-8',
  'iso-8859-9',
  'iso-8859-10',
  'iso-8859-11',
  'iso-8859-13',
  'iso-8859-14',
  'iso-8859-15',
  'windows-1251',
  'windows-1252',
  'koi8-r',
  'iso-2022-jp',
  'shift_jis',
  'euc-kr',
  'gb2312',
  'big5',
] as const;

/** Labels as mail writes them, by canonical name. */
const LABELS: Record<string, readonly string[]> = {
  'utf-8': ['utf-8', 'UTF-8', 'Utf-8', 'utf8'],
  'iso-8859-1': ['iso-8859-1', 'ISO-8859-1', 'latin1', 'ISO_8859-1'],
  'windows-1252': ['windows-1252', 'Windows-1252', 'cp1252'],
  'windows-1251': ['windows-1251', 'Windows-1251', 'cp1251'],
  'koi8-r': ['koi8-r', 'KOI8-R'],
  'iso-2022-jp': ['iso-2022-jp', 'ISO-2022-JP'],
  shift_jis: ['shift_jis', 'Shift_JIS', 'SHIFT_JIS'],
  'euc-kr': ['euc-kr', 'EUC-KR'],
  gb2312: ['gb2312', 'GB2312'],
  big5: ['big5', 'Big5', 'BIG5'],
  'us-ascii': ['us-ascii', 'US-ASCII', 'ascii'],
};

export function charsetLabel(r: Prng, charset: string): string {
  const labels = LABELS[charset];
  if (labels) return r.chance(0.7) ? (labels[0] as string) : r.pick(labels);
  return r.chance(0.7) ? charset : charset.toUpperCase();
}

/** A list written as one string (data lists stay short in the source). */
function list(s: string, sep = ' '): string[] {
  return s.split(sep);
}

interface Script {
  name: string;
  /** Candidate characters (each one code point, or an emoji sequence). */
  chars: string[];
  /** Natural words. */
  words: string[];
}

function span(from: number, to: number, step = 1): string[] {
  const out: string[] = [];
  for (let c = from; c <= to; c += step) out.push(String.fromCodePoint(c));
  return out;
}

function letters(s: string): string[] {
  return [...s];
}

const SCRIPTS: Script[] = [
  {
    name: 'western',
    chars: letters('àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÁÂÄÅÆÇÈÉÊËÎÏÑÓÔÖØÙÚÛÜßœŒšŠžŽŸ€'),
    words: list(
      'café Grüße réunion Müller José François Søren Björk Zoë Straße Ærø déjà Ça façade señor mañana Gonçalves Übersicht Änderung Noël naïve œuvre €100',
    ),
  },
  {
    name: 'central',
    chars: letters('ąćęłńóśźżĄĆĘŁŃŚŹŻčďěňřšťůžČĎĚŇŘŠŤŮŽőűŐŰăâîșțĂÂÎ'),
    words: list('Łukasz Wałęsa Dvořák Škoda Erdős Żaneta Čapek zażółć gęślą jaźń příliš žluťoučký kůň Ödön'),
  },
  {
    name: 'southern',
    chars: letters('ĉĝĥĵŝŭĈĜĤĴŜŬħĦġĠċĊżŻ'),
    words: ['ĉiuĵaŭde', 'Ħamrun', 'ġurnata', 'Ĝis'],
  },
  {
    name: 'baltic',
    chars: letters('āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽąęėįųĄĘĖĮŲ'),
    words: ['Rīga', 'Jūrmala', 'Šiauliai', 'ąžuolas', 'Ķekava', 'ģimene'],
  },
  {
    name: 'turkish',
    chars: letters('çğıöşüÇĞİÖŞÜ'),
    words: ['Şükrü', 'Ağaoğlu', 'İlkay', 'Işık', 'Günaydın', 'teşekkürler', 'toplantı'],
  },
  {
    name: 'nordic',
    chars: letters('ÆØÅæøåÐðÞþĀāĒēĪīŌōŪūŊŋ'),
    words: ['Þór', 'Ðóra', 'fjörð', 'Ålesund', 'brød'],
  },
  {
    name: 'celtic',
    chars: letters('ŴŵŶŷḂḃḊḋḞḟṀṁṖṗṠṡṪṫẀẁẂẃẄẅỲỳ'),
    words: ['Ŵyn', 'cŷn', 'ḃean', 'Ṁáire'],
  },
  {
    name: 'cyrillic',
    chars: [...span(0x410, 0x44f), 'ё', 'Ё'],
    words: list(
      'Привет отчёт встреча счёт Иван Петров Мария Сергеевна Наталья Жуков Ёлкин Щукин пожалуйста спасибо документы',
    ),
  },
  {
    name: 'greek',
    chars: [...span(0x391, 0x3a1), ...span(0x3a3, 0x3a9), ...span(0x3b1, 0x3c9), ...letters('άέήίόύώ')],
    words: ['Καλημέρα', 'συνάντηση', 'Γιώργος', 'Παπαδόπουλος', 'Ελένη', 'Σωκράτης', 'ευχαριστώ'],
  },
  {
    name: 'hebrew',
    chars: span(0x5d0, 0x5ea),
    words: ['שלום', 'פגישה', 'דוד', 'כהן', 'שרה', 'לוי', 'תודה'],
  },
  {
    name: 'arabic',
    chars: [...span(0x621, 0x63a), ...span(0x641, 0x64a)],
    words: ['مرحبا', 'اجتماع', 'تقرير', 'محمد', 'أحمد', 'فاطمة', 'شكرا'],
  },
  {
    name: 'thai',
    chars: span(0xe01, 0xe2e),
    words: ['สวัสดี', 'ประชุม', 'สมชาย', 'ใจดี', 'สมหญิง', 'ขอบคุณ'],
  },
  {
    name: 'japanese',
    chars: [
      ...span(0x3041, 0x3093),
      ...span(0x30a1, 0x30f6),
      ...letters('山田太郎田中鈴木一郎会議資料日本語東京大阪確認予定'),
    ],
    words: list(
      'こんにちは 会議 のお知らせ 資料 山田 太郎 さくら 田中 ゆき カタカナ 鈴木 一郎 ありがとう 日本語 確認',
    ),
  },
  {
    name: 'korean',
    chars: [...span(0xac00, 0xd7a3, 53), ...letters('안녕하세요회의보고서김민준이서연박지훈감사합니다')],
    words: ['안녕하세요', '회의', '보고서', '김', '민준', '이', '서연', '박', '지훈', '감사합니다'],
  },
  {
    name: 'chinese',
    chars: [...span(0x4e00, 0x9fa5, 97), ...letters('你好会议报告通知王伟李娜张秀英刘洋谢谢发票')],
    words: ['你好', '会议', '报告', '通知', '王', '伟', '李', '娜', '张', '秀英', '刘', '洋', '谢谢', '发票'],
  },
  {
    name: 'traditional',
    chars: [...span(0x4e00, 0x9fa5, 101), ...letters('會議報告您好陳美玲林志明黃淑芬謝謝發票')],
    words: ['會議', '報告', '您好', '陳', '美玲', '林', '志明', '黃', '淑芬', '謝謝'],
  },
  {
    name: 'indic',
    chars: span(0x905, 0x939),
    words: ['नमस्ते', 'राहुल', 'शर्मा', 'धन्यवाद'],
  },
  {
    name: 'other',
    chars: [...span(0x531, 0x556), ...span(0x10d0, 0x10f0), ...span(0x1200, 0x1248, 3)],
    words: ['Արամ', 'გიორგი', 'Nguyễn', 'Trần', 'Phương', 'ሰላም'],
  },
  {
    name: 'emoji',
    chars: ['😀', '🎉', '👍', '🚀', '☕', '✉', '📎', '🔥', '💡', '📅', '𠀋', '𝔘'],
    words: ['🎉', '😀', '👍🏽', '❤️', '🚀', '👨‍👩‍👧', '🇯🇵', '🇫🇷', '✉️', '☕', '📎', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'],
  },
];

interface Repertoire {
  /** Scripts the charset can write, with what of them it can. */
  scripts: Script[];
}

const repertoires = new Map<string, Repertoire>();

/** Per charset, for each BMP character: 0 not yet known, else its code + 1 (a byte, or lead << 8 | trail). */
const codeTables = new Map<string, Uint32Array>();

function codeTable(charset: string): Uint32Array {
  let t = codeTables.get(charset);
  if (!t) {
    t = new Uint32Array(0x10000);
    codeTables.set(charset, t);
  }
  return t;
}

/**
 * The valid two-byte codes of the legacy CJK charsets (their standard sets, without the
 * vendor extensions that iconv-lite also knows and other decoders may not).
 */
function validDbcs(charset: string, b: Uint8Array): boolean {
  if (b.length !== 2) return false;
  const l = b[0] as number;
  const t = b[1] as number;
  switch (charset) {
    case 'shift_jis':
      return (
        ((l >= 0x81 && l <= 0x84) || (l >= 0x88 && l <= 0x9f) || (l >= 0xe0 && l <= 0xea)) &&
        t >= 0x40 &&
        t <= 0xfc &&
        t !== 0x7f
      );
    case 'euc-jp':
      return l >= 0xa1 && l <= 0xf4 && l !== 0xad && t >= 0xa1 && t <= 0xfe;
    case 'euc-kr':
      return (
        ((l >= 0xa1 && l <= 0xac) || (l >= 0xb0 && l <= 0xc8) || (l >= 0xca && l <= 0xfd)) &&
        t >= 0xa1 &&
        t <= 0xfe
      );
    case 'gb2312':
      return ((l >= 0xa1 && l <= 0xa9) || (l >= 0xb0 && l <= 0xf7)) && t >= 0xa1 && t <= 0xfe;
    case 'big5':
      return (
        ((l >= 0xa4 && l <= 0xc5) || (l >= 0xc9 && l <= 0xf9)) &&
        ((t >= 0x40 && t <= 0x7e) || (t >= 0xa1 && t <= 0xfe))
      );
    default:
      return false;
  }
}

const SINGLE_BYTE_BAD = /[\u0000-\u001f\u007f-\u00a0\u00ad\ufffd]/;

/** Whether `ch` (one character) is written by `charset` in a way every decoder reads back. */
function representable(ch: string, charset: string, singleByte: Map<string, boolean> | undefined): boolean {
  if (charset === 'utf-8') return true;
  if (singleByte) return singleByte.get(ch) === true;
  if ([...ch].length !== 1) return false;
  const probe = charset === 'iso-2022-jp' ? 'euc-jp' : charset;
  const bytes = encodeCharset(ch, probe);
  if (!bytes || !validDbcs(probe, bytes)) return false;
  if (decodeCharset(bytes, probe).text !== ch) return false;
  // Keep the code for textBytes (not for ISO-2022-JP, which is stateful).
  if (probe === charset)
    codeTable(charset)[ch.charCodeAt(0)] = (((bytes[0] as number) << 8) | (bytes[1] as number)) + 1;
  return true;
}

const MULTI_BYTE = new Set(['utf-8', 'iso-2022-jp', 'shift_jis', 'euc-kr', 'gb2312', 'big5']);
const singleByteTables = new Map<string, Map<string, boolean>>();

/** For single-byte charsets: the characters of bytes 0x80-0xFF that round-trip. */
function singleByteTable(charset: string): Map<string, boolean> | undefined {
  if (MULTI_BYTE.has(charset)) return undefined;
  const known = singleByteTables.get(charset);
  if (known) return known;
  const bytes = new Uint8Array(128);
  for (let i = 0; i < 128; i++) bytes[i] = 0x80 + i;
  const text = decodeCharset(bytes, charset).text;
  const map = new Map<string, boolean>();
  if (text.length !== 128) return map;
  for (let i = 0; i < 128; i++) {
    const ch = text[i] as string;
    if (SINGLE_BYTE_BAD.test(ch)) continue;
    const back = encodeCharset(ch, charset);
    if (back && back.length === 1 && back[0] === 0x80 + i) {
      map.set(ch, true);
      codeTable(charset)[ch.charCodeAt(0)] = 0x80 + i + 1;
    }
  }
  singleByteTables.set(charset, map);
  return map;
}

/** What a charset can write, by script (computed once per charset). */
export function repertoire(charset: string): Repertoire {
  let rep = repertoires.get(charset);
  if (rep) return rep;
  const table = singleByteTable(charset);
  const scripts: Script[] = [];
  for (const s of SCRIPTS) {
    if (charset !== 'utf-8' && (s.name === 'emoji' || s.name === 'other' || s.name === 'indic')) continue;
    const chars = s.chars.filter((c) => representable(c, charset, table));
    if (chars.length < 8) continue;
    const ok = new Set(chars);
    const words = s.words.filter((w) => [...w].every((c) => ok.has(c) || representable(c, charset, table)));
    scripts.push({ name: s.name, chars, words });
  }
  rep = { scripts };
  repertoires.set(charset, rep);
  return rep;
}

// ---------------------------------------------------------------------------------------
// Words and text
// ---------------------------------------------------------------------------------------

const ASCII_WORDS = (
  'the meeting report invoice lunch project update status weekly team hello thanks draft plan budget ' +
  'review notes agenda call tomorrow quarterly results photos trip question urgent reminder schedule ' +
  'order shipping confirmation account welcome newsletter offer new your our and for with from about ' +
  'on in at by of to a is we it this that please see attached file document version final v2 2024 Q3 ' +
  'FYI ASAP OK minutes release notes build failed passed server backup monday friday kind regards ' +
  'cheers best hi dear all re: fwd: [list] (draft) #42 100% $5 x+y=z a/b C++ e-mail follow-up'
).split(' ');

const FIRST_NAMES = list(
  'John Mary Alice Bob Carol Dave Eve Mallory Trent Peggy Victor Wendy Ana Liu Priya Olu Kofi Sven Ines Noah Emma Mohammed',
);
const LAST_NAMES = list(
  "Smith|Jones|Garcia|Nguyen|Okafor|Kowalski|Rossi|Dubois|Schmidt|O'Brien|van der Berg|Tanaka|Kim|Patel|Haddad|Cohen|Silva|Andersson",
  '|',
);
/** ASCII names that need quoting (specials) or escapes. */
const SPECIAL_NAMES = list(
  'Smith, John|J. R. R. Tolkien|Support (EU)|ACME Inc.|John "Johnny" Smith|back\\slash|info@example.org|Dr. No|Team: Sales|<angle>|a;b|[bracket]|x  two  spaces| leading|trailing |semi; colon: comma,',
  '|',
);

function asciiWord(r: Prng): string {
  return r.pick(ASCII_WORDS);
}

function scriptWord(r: Prng, s: Script): string {
  if (s.words.length > 0 && r.chance(0.6)) return r.pick(s.words);
  const n = s.name === 'emoji' ? r.range(1, 3) : r.range(2, 9);
  let w = '';
  for (let i = 0; i < n; i++) w += r.pick(s.chars);
  return w;
}

/** A script that `charset` writes (utf-8: any). */
function pickScript(r: Prng, charset: string): Script | undefined {
  const rep = repertoire(charset);
  return rep.scripts.length ? r.pick(rep.scripts) : undefined;
}

/** Legacy charsets that write a script, for choosing a fitting one. */
const LEGACY = CHARSETS.filter((c) => c !== 'utf-8');

/** A charset (not utf-8) and a script it writes. */
function pickLegacy(r: Prng): { charset: string; script: Script } {
  for (;;) {
    const charset = r.pick(LEGACY);
    const script = pickScript(r, charset);
    if (script) return { charset, script };
  }
}

/** A charset and a script: utf-8 half of the time. */
function pickLang(r: Prng): { charset: string; script: Script } {
  if (r.chance(0.5)) {
    const charset = 'utf-8';
    return { charset, script: pickScript(r, charset) as Script };
  }
  return pickLegacy(r);
}

function ewStyle(r: Prng, charset: string): EncodedWordStyle {
  // ISO-2022-JP goes in B words in practice (RFC 1468); Q would escape every ESC.
  const b = charset === 'iso-2022-jp' ? r.chance(0.9) : r.chance(0.45);
  return {
    charset: charsetLabel(r, charset),
    b,
    upper: r.chance(0.6),
    lang: r.chance(0.03) ? r.pick(['en', 'fr', 'de-CH', 'ja']) : '',
    max: r.chance(0.75) ? 75 : r.range(30, 74),
  };
}

const CTRL = /[\u0000-\u001f\u007f]/;

/** Text made of a list of words (no leading, trailing or double spaces). */
function joinWords(words: string[]): string {
  return words.join(' ');
}

/**
 * Unstructured text as chunks: plain ASCII words, runs encoded in a charset that writes
 * them, and raw UTF-8 in UTF-8 messages. `words` bounds the length.
 */
function textChunks(r: Prng, utf8: boolean, words: number): TextChunk[] {
  const mode = r.weighted<'ascii' | 'mixed' | 'encoded' | 'raw'>([
    [40, 'ascii'],
    [35, 'mixed'],
    [15, 'encoded'],
    [utf8 ? 25 : 0, 'raw'],
  ]);
  const n = Math.max(1, words);
  if (mode === 'ascii') {
    const ws: string[] = [];
    for (let i = 0; i < n; i++) ws.push(asciiWord(r));
    return [{ text: joinWords(ws), ew: null }];
  }
  const lang = pickLang(r);
  if (mode === 'encoded') {
    const ws: string[] = [];
    for (let i = 0; i < n; i++) ws.push(r.chance(0.7) ? scriptWord(r, lang.script) : asciiWord(r));
    return [{ text: joinWords(ws), ew: ewStyle(r, lang.charset) }];
  }
  if (mode === 'raw') {
    const script = r.pick(SCRIPTS);
    const ws: string[] = [];
    for (let i = 0; i < n; i++) ws.push(r.chance(0.6) ? scriptWord(r, script) : asciiWord(r));
    return [{ text: joinWords(ws), ew: null }];
  }
  // mixed: runs of plain ASCII words and encoded runs (sometimes in a second charset)
  const chunks: TextChunk[] = [];
  let i = 0;
  while (i < n) {
    const run = Math.min(n - i, r.range(1, 3));
    const ws: string[] = [];
    const encoded =
      chunks.length === 0 ? r.chance(0.5) : chunks[chunks.length - 1]?.ew === null || r.chance(0.3);
    if (encoded) {
      const other = r.chance(0.2) ? pickLang(r) : lang;
      for (let k = 0; k < run; k++) ws.push(r.chance(0.8) ? scriptWord(r, other.script) : asciiWord(r));
      chunks.push({ text: joinWords(ws), ew: ewStyle(r, other.charset) });
    } else {
      for (let k = 0; k < run; k++) ws.push(asciiWord(r));
      chunks.push({ text: joinWords(ws), ew: null });
    }
    i += run;
  }
  return chunks;
}

/** A display name (a person, an organisation) in some script. */
function displayName(r: Prng): string {
  const kind = r.weighted<'ascii' | 'special' | 'script' | 'emoji'>([
    [50, 'ascii'],
    [12, 'special'],
    [35, 'script'],
    [3, 'emoji'],
  ]);
  if (kind === 'ascii')
    return r.chance(0.15) ? r.pick(FIRST_NAMES) : `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
  if (kind === 'special') return r.pick(SPECIAL_NAMES);
  if (kind === 'emoji')
    return `${r.pick(SCRIPTS[SCRIPTS.length - 1]?.words ?? ['🎉'])} ${r.pick(['Party', 'Team', 'News'])}`;
  const { script } = pickLang(r);
  const n = r.range(1, 3);
  const ws: string[] = [];
  for (let i = 0; i < n; i++) ws.push(scriptWord(r, script));
  if (r.chance(0.2)) ws.push(r.pick(LAST_NAMES));
  return joinWords(ws);
}

// RFC 5322 §3.2.3 atext
const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/;
const ATEXT_UTF8 = /^(?:[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]|[^\u0000-\u007f])+$/u;

export function isAtom(word: string, utf8: boolean): boolean {
  return (utf8 ? ATEXT_UTF8 : ATEXT).test(word) && !word.includes('=?');
}

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;
const DOT_ATOM_UTF8 =
  /^(?:[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]|[^\u0000-\u007f])+(?:\.(?:[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]|[^\u0000-\u007f])+)*$/u;

/** RFC 5322 §3.2.3 dot-atom-text (RFC 6532: with UTF-8 when `utf8`). */
export function isDotAtom(s: string, utf8: boolean): boolean {
  return (utf8 ? DOT_ATOM_UTF8 : DOT_ATOM).test(s) && !s.includes('=?');
}

/** Whether a name is written as a phrase of atoms: atext words separated by single spaces. */
export function isAtomPhrase(name: string, utf8: boolean): boolean {
  return name !== '' && name.split(' ').every((w) => isAtom(w, utf8));
}

/** Whether a name can be one quoted string (printable ASCII, or UTF-8 in UTF-8 messages). */
export function isQuotable(name: string, utf8: boolean): boolean {
  if (CTRL.test(name) || name.includes('=?')) return false;
  if (!utf8) return /^[\x20-\x7e]*$/.test(name);
  return true;
}

function nameForm(r: Prng, name: string, utf8: boolean): NameForm {
  if (isAtomPhrase(name, utf8)) {
    return r.weighted<NameForm>([
      [60, 'atom'],
      [25, 'quoted'],
      [10, 'encoded'],
      [5, 'mixed'],
    ]);
  }
  if (isQuotable(name, utf8)) {
    return r.weighted<NameForm>([
      [70, 'quoted'],
      [20, 'encoded'],
      [10, 'mixed'],
    ]);
  }
  return r.chance(0.6) ? 'encoded' : 'mixed';
}

/** The charset for a name's encoded words: one that writes all of it. */
function nameCharset(r: Prng, name: string): string {
  if (r.chance(0.5) || /[^\u0000-\u00ff]/.test(name) === false) {
    // try a legacy charset that fits
    for (let k = 0; k < 4; k++) {
      const cs = r.pick(LEGACY);
      if (fits(name, cs)) return cs;
    }
  }
  return 'utf-8';
}

const fitCache = new Map<string, Map<string, boolean>>();

/** Whether every character of `text` is representable in `charset` (and read back by any decoder). */
export function fits(text: string, charset: string): boolean {
  if (charset === 'utf-8') return true;
  let cache = fitCache.get(charset);
  if (!cache) {
    cache = new Map();
    fitCache.set(charset, cache);
  }
  const table = singleByteTable(charset);
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) {
      // Shift_JIS has the yen sign and the overline there (JIS X 0201).
      if (charset === 'shift_jis' && (ch === '\\' || ch === '~')) return false;
      continue;
    }
    let ok = cache.get(ch);
    if (ok === undefined) {
      ok = representable(ch, charset, table);
      cache.set(ch, ok);
    }
    if (!ok) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------

const TLDS = ['org', 'net', 'com', 'example', 'co.uk', 'de', 'fr', 'jp', 'io', 'info', 'test'];
const LABEL_WORDS = list(
  'example mail mx1 smtp lists corp acme sub eu-west-1 a1 xn--bcher-kva xn--80ak6aa92e news shop bank university dept x',
);
const UTF8_DOMAINS = list('bücher.example 例え.jp пример.рф δοκιμή.gr münchen.de 中国.cn موقع.eg ñandú.es');
const UTF8_LOCALS = list('josé δοκιμή 用户 пользователь ñoño θσερ ユーザー müller.jürgen 사용자 χρήστης');
const QUOTED_LOCALS = list(
  'john smith|a@b|quoted"inside|back\\slash|(not a comment)|a..b|.dot|dot.|semi;colon|<angle>|x y z| lead|comma,list',
  '|',
);

function domain(r: Prng, utf8: boolean): string {
  const k = r.int(100);
  if (utf8 && k < 30) return r.pick(UTF8_DOMAINS);
  if (k < 2) return `[192.0.2.${r.range(1, 254)}]`;
  if (k < 3) return `[IPv6:2001:db8::${r.range(1, 0xffff).toString(16)}]`;
  const labels = r.range(1, 3);
  const parts: string[] = [];
  for (let i = 0; i < labels; i++) parts.push(r.pick(LABEL_WORDS));
  return `${parts.join('.')}.${r.pick(TLDS)}`;
}

function localPart(r: Prng, utf8: boolean): string {
  const k = r.int(100);
  if (utf8 && k < 35) return r.pick(UTF8_LOCALS);
  if (k < 6) return r.pick(QUOTED_LOCALS);
  if (k < 9)
    return r.pick([
      "o'brien",
      'a!b#c$d%e&f',
      'x+tag',
      'user=name',
      'a/b',
      '{curly}',
      'tilde~',
      'caret^hat',
      '_under',
      'pipe|x',
      'back`tick',
      'what?',
      'star*',
    ]);
  const f = r.pick(FIRST_NAMES).toLowerCase();
  const l = r
    .pick(LAST_NAMES)
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  switch (r.int(8)) {
    case 0:
      return `${f}.${l}`;
    case 1:
      return `${f}_${l}`;
    case 2:
      return `${f[0]}${l}`;
    case 3:
      return `${f}+${asciiWord(r).replace(/[^a-z0-9]/gi, '') || 'tag'}`;
    case 4:
      return r.pick([
        'info',
        'noreply',
        'no-reply',
        'postmaster',
        'support',
        'billing',
        'bounce-123-456',
        'list-request',
      ]);
    case 5:
      return `${f}${r.range(1, 9999)}`;
    case 6:
      return `${f}.${l}.${r.range(1, 99)}`;
    default:
      return f;
  }
}

const COMMENTS = list('work|via list|Sales Dept.|nested (comment)|home|do not reply|on behalf of IT', '|');

/** The encoded-word style of names written without encoded words (never used; one shared object). */
const NO_EW: EncodedWordStyle = Object.freeze({
  charset: 'utf-8',
  b: false,
  upper: false,
  lang: '',
  max: 75,
});

/** Names that need no encoded words skip choosing a charset (a fifth of the cost of a mailbox). */
function nameEw(r: Prng, name: string, form: NameForm, utf8: boolean): EncodedWordStyle {
  const plain =
    (form === 'atom' && isAtomPhrase(name, utf8)) || (form === 'quoted' && isQuotable(name, utf8));
  return name === '' || plain ? NO_EW : ewStyle(r, nameCharset(r, name));
}

function mailbox(r: Prng, utf8: boolean, namedChance = 0.75): MailboxSpec {
  const named = r.chance(namedChance);
  const name = named ? displayName(r) : '';
  const form = name === '' ? 'atom' : nameForm(r, name, utf8);
  return {
    name,
    form,
    ew: nameEw(r, name, form, utf8),
    local: localPart(r, utf8),
    domain: domain(r, utf8),
    angle: !named && r.chance(0.2),
    quoteLocal: r.chance(0.03),
    comment: named && r.chance(0.08) ? r.pick(COMMENTS) : '',
    commentAt: r.weighted([
      [70, 'after'],
      [15, 'before'],
      [15, 'angle'],
    ]),
  };
}

const GROUP_NAMES = list(
  'Undisclosed recipients|Team|Project Alpha|Friends & Family|undisclosed-recipients|Board of Directors|Équipe|Команда',
  '|',
);

function addressItems(r: Prng, utf8: boolean, count: number, groups: boolean): AddressItemSpec[] {
  const items: AddressItemSpec[] = [];
  for (let i = 0; i < count; i++) {
    if (groups && r.chance(0.08)) {
      const group = r.pick(GROUP_NAMES);
      const n = r.chance(0.4) ? 0 : r.range(1, 3);
      const members: MailboxSpec[] = [];
      for (let k = 0; k < n; k++) members.push(mailbox(r, utf8));
      const form = nameForm(r, group, utf8);
      items.push({ group, form, ew: nameEw(r, group, form, utf8), members });
    } else items.push(mailbox(r, utf8));
  }
  return items;
}

function recipientCount(r: Prng): number {
  const k = r.int(100);
  if (k < 65) return 1;
  if (k < 95) return r.range(2, 5);
  return r.range(6, 40);
}

// ---------------------------------------------------------------------------------------
// Dates, ids, folding
// ---------------------------------------------------------------------------------------

const ZONES = [
  0, 60, 120, 180, 210, 240, 270, 300, 330, 345, 360, 390, 420, 480, 525, 540, 570, 600, 630, 660, 720, 765,
  780, 840, -60, -120, -180, -210, -240, -300, -360, -420, -480, -540, -570, -600, -660, -720,
];
const ZONE_COMMENTS = list(
  "UTC|GMT|CEST|PDT|EST|IST|JST|Coordinated Universal Time|NPT|heure d'ete|GMT+05:45",
  '|',
);

function daysIn(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function dateSpec(r: Prng): DateSpec {
  const k = r.int(100);
  const year = k < 70 ? r.range(1995, 2030) : k < 95 ? r.range(1900, 2099) : r.range(2100, 9999);
  const month = r.range(1, 12);
  const unknownZone = r.chance(0.08);
  let zone = unknownZone
    ? 0
    : r.chance(0.9)
      ? r.pick(ZONES)
      : (r.chance(0.5) ? 1 : -1) * r.range(0, 23 * 60 + 59);
  if (zone === 0) zone = 0; // never -0: "+0000" and "-0000" differ (RFC 5322 §3.3)
  return {
    year,
    month,
    day: r.range(1, daysIn(year, month)),
    hour: r.range(0, 23),
    minute: r.range(0, 59),
    second: r.chance(0.08) ? -1 : r.range(0, 59),
    zone,
    unknownZone,
    dayName: r.chance(0.85),
    pad: r.chance(0.3),
    comment: r.chance(0.2) ? r.pick(ZONE_COMMENTS) : '',
    gap: r.chance(0.05) ? '  ' : ' ',
  };
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEXD = '0123456789abcdef';

function randomString(r: Prng, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)];
  return s;
}

/**
 * A message id without angle brackets (RFC 5322 §3.6.4: dot-atom-text "@" dot-atom-text /
 * no-fold-literal), never with "=?" (RFC 2047 §5: no encoded words in a msg-id).
 */
function messageId(r: Prng): string {
  return rawMessageId(r).replace(/=\?/g, '=_');
}

function rawMessageId(r: Prng): string {
  const host = () => `${r.pick(LABEL_WORDS)}.${r.pick(TLDS)}`;
  switch (r.int(10)) {
    case 0:
      return `${randomString(r, HEXD, 32)}@${host()}`;
    case 1:
      return `CA${randomString(r, B64.replace('/', '-'), 20)}+${randomString(r, 'ABCDEFGHabcdefgh0123456789_-', 14)}=w@mail.gmail.com`;
    case 2:
      return `${r.range(2000, 2030)}${r.range(1000, 1231)}.${r.range(100000, 999999)}.${randomString(r, B32, 10)}@${host()}`;
    case 3: {
      const u = randomString(r, HEXD, 32);
      return `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}@${host()}`;
    }
    case 4:
      return `${randomString(r, B32, 12)}$${randomString(r, HEXD, 6)}@[192.0.2.${r.range(1, 254)}]`;
    case 5:
      return `${randomString(r, "abcxyz0123!#$%&'*+/=?^_`{|}~-", 16)}@${host()}`;
    case 6:
      return `Pine.LNX.4.64.${r.range(1000, 9999)}${randomString(r, HEXD, 6)}@${host()}`;
    case 7:
      return `${randomString(r, B32, 26)}@${randomString(r, HEXD, 8)}.${host()}`;
    default:
      return `${randomString(r, B32, r.range(8, 40))}@${host()}`;
  }
}

function foldStyle(r: Prng): FoldStyle {
  const k = r.int(100);
  const width = k < 55 ? 78 : k < 75 ? r.range(60, 77) : k < 88 ? r.range(30, 59) : r.range(100, 998);
  return {
    width,
    tab: r.chance(0.25),
    afterColon: r.weighted([
      [93, ' '],
      [5, ''],
      [2, '  '],
    ]),
  };
}

function fieldName(r: Prng, name: string): string {
  const k = r.int(100);
  if (k < 94) return name;
  if (k < 97) return name.toLowerCase();
  return name.toUpperCase();
}

// ---------------------------------------------------------------------------------------
// Header fields of a message
// ---------------------------------------------------------------------------------------

function addressField(r: Prng, name: string, items: AddressItemSpec[]): FieldSpec {
  return {
    kind: 'address',
    name: fieldName(r, name),
    items,
    comma: r.chance(0.05) ? '' : ' ',
    fold: foldStyle(r),
  };
}

function dateField(r: Prng, name: string): FieldSpec {
  return { kind: 'date', name: fieldName(r, name), date: dateSpec(r), fold: foldStyle(r) };
}

function textField(r: Prng, name: string, utf8: boolean, words: number): FieldSpec {
  return { kind: 'text', name: fieldName(r, name), chunks: textChunks(r, utf8, words), fold: foldStyle(r) };
}

function tokensField(r: Prng, name: string, tokens: string[]): FieldSpec {
  return { kind: 'tokens', name: fieldName(r, name), tokens, fold: foldStyle(r) };
}

/** The tokens of a date (as render.ts writes them), for trace fields. */
export function dateTokens(d: DateSpec): string[] {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
  const out: string[] = [];
  if (d.dayName) out.push(`${days[dayOfWeek(d.year, d.month, d.day)]},`);
  out.push(d.pad ? p2(d.day) : String(d.day), months[d.month - 1] as string, String(d.year));
  out.push(`${p2(d.hour)}:${p2(d.minute)}${d.second >= 0 ? `:${p2(d.second)}` : ''}`);
  const a = Math.abs(d.zone);
  const sign = d.unknownZone || d.zone < 0 ? '-' : '+';
  out.push(`${sign}${p2(Math.floor(a / 60))}${p2(a % 60)}`);
  if (d.comment !== '') out.push(`(${d.comment.replace(/[()\\]/g, '\\$&')})`);
  return out;
}

/** Day of the week (0 = Sunday) of a Gregorian date, any year (the calendar repeats every 400 years). */
export function dayOfWeek(y: number, m: number, d: number): number {
  return new Date(Date.UTC(2000 + ((((y - 2000) % 400) + 400) % 400), m - 1, d)).getUTCDay();
}

function receivedField(r: Prng, utf8: boolean): FieldSpec {
  const from = `${r.pick(LABEL_WORDS)}.${r.pick(TLDS)}`;
  const by = `${r.pick(LABEL_WORDS)}.${r.pick(TLDS)}`;
  const t: string[] = ['from', from, `(${from}`, `[192.0.2.${r.range(1, 254)}])`, 'by', by];
  if (r.chance(0.6))
    t.push(r.pick(['(Postfix)', '(Exim 4.96)', '(8.15.2/8.15.2)', '(mail.example.net [198.51.100.7])']));
  t.push('with', r.pick(['ESMTP', 'ESMTPS', 'ESMTPSA', 'SMTP', 'LMTP', utf8 ? 'UTF8SMTPS' : 'ESMTP']));
  if (r.chance(0.7)) t.push('id', randomString(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', r.range(8, 16)));
  if (r.chance(0.5))
    t.push('for', `<${localPart(r, false).replace(/[^a-z0-9.]/g, '') || 'x'}@${domain(r, false)}>;`);
  else t[t.length - 1] += ';';
  t.push(...dateTokens(dateSpec(r)));
  return tokensField(r, 'Received', t);
}

function dkimField(r: Prng): FieldSpec {
  const t = [
    'v=1;',
    'a=rsa-sha256;',
    `c=${r.pick(['relaxed/relaxed', 'relaxed/simple', 'simple/simple'])};`,
    `d=${r.pick(LABEL_WORDS)}.${r.pick(TLDS)};`,
    `s=${r.pick(['s1', 'google', 'selector1', '20230601'])};`,
    `t=${r.range(1000000000, 1999999999)};`,
    'h=from:to:subject:date:message-id:mime-version:content-type;',
    `bh=${randomString(r, B64, 43)}=;`,
    'b=',
  ];
  // The signature, broken with FWS (RFC 6376 §3.5 allows it inside b=).
  const sig = randomString(r, B64, 342) + '==';
  for (let i = 0; i < sig.length; i += 60) t.push(sig.slice(i, i + 60));
  // b= and the first piece are one token
  const b = t.indexOf('b=');
  t.splice(b, 2, `b=${t[b + 1]}`);
  return tokensField(r, 'DKIM-Signature', t);
}

function miscFields(r: Prng, utf8: boolean): FieldSpec[] {
  const out: FieldSpec[] = [];
  const host = () => `${r.pick(LABEL_WORDS)}.${r.pick(TLDS)}`;
  if (r.chance(0.4)) {
    out.push(textField(r, r.pick(['X-Mailer', 'User-Agent']), utf8, 0));
    const last = out[out.length - 1] as { chunks: TextChunk[] };
    last.chunks = [
      {
        text: r.pick([
          'Microsoft Outlook 16.0',
          'Mozilla Thunderbird',
          'Apple Mail (2.3731.700.6)',
          'Roundcube Webmail/1.6.0',
          'mutt/2.2.9',
          'poste 0.1',
          'PHPMailer 6.8.0 (https://github.com/PHPMailer/PHPMailer)',
        ]),
        ew: null,
      },
    ];
  }
  if (r.chance(0.1)) out.push(textField(r, 'Organization', utf8, r.range(1, 4)));
  if (r.chance(0.1))
    out.push(tokensField(r, 'X-Priority', [r.pick(['1 (Highest)', '3 (Normal)', '5 (Lowest)', '3'])]));
  if (r.chance(0.05)) out.push(tokensField(r, 'Importance', [r.pick(['high', 'normal', 'low'])]));
  if (r.chance(0.12)) {
    const list = `${r.pick(['dev', 'announce', 'users', 'help'])}.${host()}`;
    out.push(
      tokensField(
        r,
        'List-Id',
        r.chance(0.5) ? [`<${list}>`] : [r.pick(['Developers', '"Users list"']), `<${list}>`],
      ),
    );
    out.push(
      tokensField(r, 'List-Unsubscribe', [
        `<mailto:leave-${randomString(r, HEXD, 8)}@${host()}>,`,
        `<https://${host()}/u/${randomString(r, B32, 24)}>`,
      ]),
    );
    if (r.chance(0.5)) out.push(tokensField(r, 'List-Unsubscribe-Post', ['List-Unsubscribe=One-Click']));
    if (r.chance(0.5)) out.push(tokensField(r, 'Precedence', ['list']));
  }
  if (r.chance(0.04)) out.push(tokensField(r, 'Auto-Submitted', ['auto-replied']));
  if (r.chance(0.06)) {
    // Keywords: a list of phrases
    const ks: string[] = [];
    const n = r.range(1, 5);
    for (let i = 0; i < n; i++)
      ks.push(`${asciiWord(r).replace(/[^A-Za-z0-9]/g, '') || 'tag'}${i + 1 < n ? ',' : ''}`);
    out.push(tokensField(r, 'Keywords', ks));
  }
  if (r.chance(0.05)) out.push(textField(r, 'Comments', utf8, r.range(2, 10)));
  if (r.chance(0.06)) {
    out.push(textField(r, 'Thread-Topic', utf8, r.range(1, 6)));
    out.push(tokensField(r, 'Thread-Index', [randomString(r, B64, 30) + '==']));
  }
  if (r.chance(0.05))
    out.push(tokensField(r, 'Content-Language', [r.pick(['en-US', 'fr', 'de-CH', 'ja', 'ru', 'en, fr'])]));
  if (r.chance(0.04)) {
    // A long unbreakable token: a long line that cannot be folded (≤ 998 still).
    out.push(tokensField(r, 'X-Long-Token', [randomString(r, B64, r.range(100, 900))]));
  }
  if (r.chance(0.05))
    out.push(
      tokensField(r, 'X-Spam-Status', [
        'No,',
        `score=${(r.int(50) / 10).toFixed(1)}`,
        'required=5.0',
        'tests=ALL_TRUSTED,BAYES_00,DKIM_SIGNED,DKIM_VALID,SPF_PASS',
        'autolearn=ham',
        'version=3.4.6',
      ]),
    );
  if (r.chance(0.04)) out.push(addressField(r, 'Disposition-Notification-To', [mailbox(r, utf8)]));
  if (r.chance(0.05)) out.push(addressField(r, 'Delivered-To', [mailbox(r, utf8, 0)]));
  if (r.chance(0.03))
    out.push(textField(r, `X-${r.pick(['Custom', 'Campaign', 'Ticket', 'Note'])}`, utf8, r.range(1, 8)));
  // Any printable ASCII but ":" makes a field name (RFC 5322 §3.6.8 ftext).
  if (r.chance(0.01))
    out.push(
      textField(
        r,
        r.pick(["X-Odd!#$%&'*+-.^_`|~Name", 'x-lower.case', 'X-[brackets]', 'X-"quoted"', 'X-A/B=C?']),
        utf8,
        2,
      ),
    );
  return out;
}

/** The header fields of a message (those of the root entity's MIME fields aside). */
function messageFields(
  r: Prng,
  utf8: boolean,
  top: boolean,
  mime: boolean,
): { fields: FieldSpec[]; mimeAt: number } {
  const trace: FieldSpec[] = [];
  const main: FieldSpec[] = [];
  if (top) {
    if (r.chance(0.3))
      trace.push(
        tokensField(r, 'Return-Path', [
          r.chance(0.1)
            ? '<>'
            : `<${localPart(r, false).replace(/[^a-z0-9.+-]/g, '') || 'bounce'}@${domain(r, false)}>`,
        ]),
      );
    const received = r.chance(0.6) ? r.range(1, 4) : 0;
    for (let i = 0; i < received; i++) trace.push(receivedField(r, utf8));
    if (r.chance(0.15)) trace.push(dkimField(r));
    if (r.chance(0.1))
      trace.push(
        tokensField(r, 'Authentication-Results', [
          `${r.pick(LABEL_WORDS)}.${r.pick(TLDS)};`,
          'dkim=pass',
          `header.d=${r.pick(LABEL_WORDS)}.org;`,
          'spf=pass',
          `smtp.mailfrom=${r.pick(LABEL_WORDS)}.org;`,
          'dmarc=pass',
          '(p=NONE)',
          'header.from=example.org',
        ]),
      );
  }
  const fromCount = r.chance(0.03) ? r.range(2, 3) : 1;
  const from = addressItems(r, utf8, fromCount, false);
  main.push(addressField(r, 'From', from));
  if (fromCount > 1 || r.chance(0.04)) main.push(addressField(r, 'Sender', [mailbox(r, utf8)]));
  if (r.chance(0.15)) main.push(addressField(r, 'Reply-To', addressItems(r, utf8, r.range(1, 2), true)));
  if (r.chance(0.92)) main.push(addressField(r, 'To', addressItems(r, utf8, recipientCount(r), true)));
  if (r.chance(0.25)) main.push(addressField(r, 'Cc', addressItems(r, utf8, recipientCount(r), true)));
  if (r.chance(top ? 0.03 : 0))
    main.push(addressField(r, 'Bcc', r.chance(0.3) ? [] : addressItems(r, utf8, 1, true)));
  if (r.chance(0.96)) {
    const k = r.int(100);
    const words = k < 80 ? r.range(1, 8) : k < 95 ? r.range(9, 20) : r.range(21, 60);
    const f = textField(r, 'Subject', utf8, words) as { chunks: TextChunk[] };
    if (r.chance(0.2))
      f.chunks.unshift({
        text: r.pick(['Re:', 'RE:', 'Fwd:', 'Fw:', 'AW:', '[dev-list]', 'Re: [announce]']),
        ew: null,
      });
    main.push(f as FieldSpec);
  }
  main.push(dateField(r, 'Date'));
  if (r.chance(0.95)) {
    const name = fieldName(r, r.chance(0.2) ? 'Message-Id' : 'Message-ID');
    main.push({
      kind: 'ids',
      name,
      ids: [messageId(r)],
      comment: r.chance(0.02) ? 'local' : '',
      fold: foldStyle(r),
    });
  }
  if (r.chance(top ? 0.25 : 0.1)) {
    const n = r.chance(0.8) ? r.range(1, 5) : r.range(6, 30);
    const refs: string[] = [];
    for (let i = 0; i < n; i++) refs.push(messageId(r));
    main.push({
      kind: 'ids',
      name: fieldName(r, 'In-Reply-To'),
      ids: refs.slice(-1),
      comment: '',
      fold: foldStyle(r),
    });
    if (r.chance(0.9)) {
      const comment = refs.length > 1 && r.chance(0.05) ? r.pick(['original', 'lost (and found)']) : '';
      main.push({ kind: 'ids', name: fieldName(r, 'References'), ids: refs, comment, fold: foldStyle(r) });
    }
  }
  if (top && r.chance(0.03)) {
    main.push(dateField(r, 'Resent-Date'));
    main.push(addressField(r, 'Resent-From', [mailbox(r, utf8)]));
    main.push(addressField(r, 'Resent-To', addressItems(r, utf8, r.range(1, 3), true)));
    main.push({
      kind: 'ids',
      name: 'Resent-Message-ID',
      ids: [messageId(r)],
      comment: '',
      fold: foldStyle(r),
    });
  }
  if (top || r.chance(0.3)) main.push(...miscFields(r, utf8));
  // MIME-Version (RFC 2045 §4): required with MIME fields; comments are allowed in it.
  if (mime || r.chance(0.5)) {
    main.push(
      tokensField(
        r,
        'MIME-Version',
        r.chance(0.05)
          ? ['1.0', r.pick(['(Generated by poste)', '(Apple Message framework v1283)'])]
          : ['1.0'],
      ),
    );
  }
  if (r.chance(0.2)) {
    // Another order: fields may come in any order (RFC 5322 §3.6); trace fields stay on top.
    for (let i = main.length - 1; i > 0; i--) {
      const j = r.int(i + 1);
      [main[i], main[j]] = [main[j] as FieldSpec, main[i] as FieldSpec];
    }
  }
  const fields = [...trace, ...main];
  const mimeAt = r.chance(0.85) ? fields.length : r.range(trace.length, fields.length);
  return { fields, mimeAt };
}

// ---------------------------------------------------------------------------------------
// MIME fields and parameters
// ---------------------------------------------------------------------------------------

const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

function paramName(r: Prng, name: string): string {
  const k = r.int(100);
  return k < 92 ? name : k < 96 ? name.toUpperCase() : name[0]?.toUpperCase() + name.slice(1);
}

function plainParam(r: Prng, name: string, value: string): ParamSpec {
  const form = isToken(value) && r.chance(0.6) ? 'token' : 'quoted';
  return { name: paramName(r, name), value, form, charset: '', lang: '', section: 0 };
}

/** A parameter carrying any text (a file name): the form fits the value. */
function textParam(r: Prng, name: string, value: string, utf8: boolean): ParamSpec {
  const ascii = /^[\x20-\x7e]*$/.test(value);
  const p: ParamSpec = { name: paramName(r, name), value, form: 'quoted', charset: '', lang: '', section: 0 };
  const long = value.length > 60;
  if (ascii && !value.includes('=?')) {
    const k = r.int(100);
    if (isToken(value) && k < 35) p.form = 'token';
    else if (k < 80) p.form = long && r.chance(0.5) ? 'cont' : 'quoted';
    else if (k < 90) p.form = 'cont';
    else p.form = r.chance(0.5) ? 'ext' : 'ext-cont';
  } else if (utf8 && !CTRL.test(value) && !value.includes('=?') && r.chance(0.3)) {
    p.form = r.chance(0.8) ? 'quoted' : 'cont';
  } else {
    p.form = r.chance(0.55) ? 'ext' : 'ext-cont';
  }
  if (p.form === 'ext' || p.form === 'ext-cont') {
    let cs = 'utf-8';
    if (r.chance(0.3)) {
      const c = r.pick(LEGACY);
      if (c !== 'iso-2022-jp' && fits(value, c)) cs = c;
    }
    p.charset = ascii && r.chance(0.2) ? r.pick(['us-ascii', '']) : charsetLabel(r, cs);
    p.lang = r.weighted([
      [70, ''],
      [10, 'en'],
      [5, 'en-us'],
      [5, 'fr'],
      [5, 'ja'],
      [5, 'de-CH'],
    ]);
  }
  if (p.form === 'cont' || p.form === 'ext-cont') p.section = r.range(8, 60);
  return p;
}

const EXTENSIONS = list('pdf png jpg txt docx xlsx zip tar.gz eml ics csv bin html');

function fileName(r: Prng): string {
  const k = r.int(100);
  const ext = r.pick(EXTENSIONS);
  if (k < 40)
    return `${asciiWord(r).replace(/[^A-Za-z0-9_-]/g, '') || 'file'}${r.chance(0.5) ? `_${r.range(1, 999)}` : ''}.${ext}`;
  if (k < 60) return `${asciiWord(r)} ${asciiWord(r)} (${r.range(1, 9)}).${ext}`;
  if (k < 65) {
    // long: needs continuations to stay within lines
    const ws: string[] = [];
    for (let i = 0; i < r.range(10, 25); i++) ws.push(asciiWord(r));
    return `${ws.join('_').replace(/[^A-Za-z0-9_.-]/g, '')}.${ext}`;
  }
  if (k < 68) return `quote"and\\backslash.${ext}`;
  const { script } = pickLang(r);
  const n = r.range(1, 3);
  const ws: string[] = [];
  for (let i = 0; i < n; i++) ws.push(scriptWord(r, script));
  return `${ws.join(r.chance(0.5) ? ' ' : '_')}.${ext}`;
}

function mediaSpec(r: Prng, type: string, subtype: string, params: ParamSpec[]): MediaSpec {
  const k = r.int(100);
  const t = k < 90 ? type : k < 95 ? type.toUpperCase() : type[0]?.toUpperCase() + type.slice(1);
  const s = k < 90 ? subtype : k < 95 ? subtype.toUpperCase() : subtype[0]?.toUpperCase() + subtype.slice(1);
  return { type: t, subtype: s, params, comment: r.chance(0.02) ? r.pick(['Plain text', 'generated']) : '' };
}

const CTE_LABELS: Record<TransferEncoding, readonly string[]> = {
  '7bit': ['7bit', '7BIT', '7Bit'],
  '8bit': ['8bit', '8BIT', '8Bit'],
  'quoted-printable': ['quoted-printable', 'Quoted-Printable', 'QUOTED-PRINTABLE'],
  base64: ['base64', 'BASE64', 'Base64'],
};

function cteSpec(r: Prng, value: TransferEncoding): CteSpec {
  const labels = CTE_LABELS[value];
  return { value, label: r.chance(0.8) ? (labels[0] as string) : r.pick(labels) };
}

function shuffleSeed(r: Prng): number {
  return r.chance(0.15) ? r.range(1, 0x7fffffff) : 0;
}

// Parts are built as whole object literals (one shape each): spreading is slow in V8.

function leafSpec(r: Prng, type: MediaSpec | null, content: ContentSpec, style: EncodingStyle): LeafSpec {
  return {
    kind: 'leaf',
    type,
    cte: null,
    disposition: null,
    id: null,
    description: null,
    extra: [],
    shuffle: shuffleSeed(r),
    fold: foldStyle(r),
    content,
    style,
  };
}

// ---------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------

const SPECIAL_LINES = list(
  '-- |From the desk of the director:|From here on, all is new.|.|..|>From the archive|> quoted reply line|>> deeper quote|= equals at the start|a=b and c==d|1+1=2|\x09indented with a tab|trailing space |trailing tab\x09|   |-----Original Message-----|____________|==|=3D not an escape|http://example.org/?a=1&b=2|<html> not really </html>',
  '|',
);

/** Lines of text in a script (a fraction `long` of them long: 100 to 1,500 characters). */
function bodyLines(r: Prng, script: Script | undefined, opts: { lines: number; long: number }): string[] {
  const out: string[] = [];
  for (let i = 0; i < opts.lines; i++) {
    const k = r.int(100);
    if (k < 8) {
      out.push('');
      continue;
    }
    if (k < 14) {
      out.push(r.pick(SPECIAL_LINES));
      continue;
    }
    const target = r.chance(opts.long) ? r.range(100, 1500) : r.range(10, 76);
    const words: string[] = [];
    let len = -1;
    while (len < target) {
      const w = script && r.chance(0.6) ? scriptWord(r, script) : asciiWord(r);
      words.push(w);
      len += w.length + 1;
    }
    out.push(words.join(' '));
  }
  return out;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

type TextKind = 'plain' | 'html' | 'calendar' | 'csv' | 'markdown' | 'enriched';

interface TextBody {
  charset: string;
  text: string;
  /** The text in the charset, when known already. */
  bytes?: Uint8Array;
}

/**
 * Lines of text in one charset and script, made once: a body is a run of them, so that its
 * text is a substring and its bytes a subarray of the pool's (no per-message encoding).
 */
interface LinePool {
  lines: string[];
  /** The lines, each followed by CRLF. */
  text: string;
  /** Where line k starts in `text` (k = lines.length: the end). */
  off: number[];
  bytes: Uint8Array;
  /** Where line k starts in `bytes`. */
  boff: number[];
}

const POOL_LINES = 200;
const pools = new Map<string, LinePool>();

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

function linePool(charset: string, script: Script | undefined, html = false): LinePool {
  const key = `${charset}:${script?.name ?? ''}${html ? ':html' : ''}`;
  let pool = pools.get(key);
  if (pool) return pool;
  let lines = bodyLines(prng(hashString(key)), script, { lines: POOL_LINES, long: 0.008 });
  if (html) lines = lines.map((l) => `<p>${escapeHtml(l)}</p>`);
  const text = `${lines.join('\r\n')}\r\n`;
  // One conversion for the pool; no charset here has a 0x0A byte but in line ends
  // (ISO-2022-JP returns to ASCII before each one).
  const bytes = textBytes(text, charset);
  const off: number[] = [0];
  const boff: number[] = [0];
  for (const line of lines) off.push((off[off.length - 1] as number) + line.length + 2);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) boff.push(i + 1);
  pool = { lines, text, off, bytes, boff };
  pools.set(key, pool);
  return pool;
}

function textBody(r: Prng, kind: TextKind, cids: string[] = []): TextBody {
  const k = r.int(100);
  const charset = k < 30 ? 'us-ascii' : k < 70 ? 'utf-8' : pickLegacy(r).charset;
  const script = charset === 'us-ascii' ? undefined : pickScript(r, charset);
  const size = r.int(100);
  const want = size < 75 ? r.range(0, 10) : size < 97 ? r.range(11, 40) : r.range(41, 150);
  const pool = linePool(charset, script, kind === 'html');
  const n = Math.min(want, pool.lines.length);
  const a = r.int(pool.lines.length - n + 1);
  const final = r.chance(0.85) && n > 0;
  if (kind === 'plain') {
    // A run of pool lines: a substring, and its bytes a subarray (cached for textContentBytes).
    const cut = final || n === 0 ? 0 : 2;
    const text = pool.text.substring(pool.off[a] as number, (pool.off[a + n] as number) - cut);
    const bytes = pool.bytes.subarray(pool.boff[a] as number, (pool.boff[a + n] as number) - cut);
    return { charset, text, bytes };
  }
  if (kind === 'html') {
    // ASCII around a run of <p> lines: the bytes are the pool's with ASCII on both sides.
    const head = `<!DOCTYPE html>\r\n<html><head><meta charset="${charset}"><title>${escapeHtml(asciiWord(r))}</title></head>\r\n<body>\r\n`;
    const tail = `${cids.map((c) => `<img src="cid:${c}" alt="image">\r\n`).join('')}</body></html>${final ? '\r\n' : ''}`;
    const mid = pool.text.substring(pool.off[a] as number, pool.off[a + n] as number);
    const midBytes = pool.bytes.subarray(pool.boff[a] as number, pool.boff[a + n] as number);
    const bytes = Buffer.concat([Buffer.from(head, 'latin1'), midBytes, Buffer.from(tail, 'latin1')]);
    return { charset, text: head + mid + tail, bytes };
  }
  const body = pool.lines.slice(a, a + n);
  let text: string;
  switch (kind) {
    case 'calendar':
      text = [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//poste//corpus//EN',
        'METHOD:REQUEST',
        'BEGIN:VEVENT',
        `UID:${randomString(r, HEXD, 16)}@example.org`,
        `DTSTART:2025${r.range(1001, 1228)}T${r.range(10, 20)}0000Z`,
        `SUMMARY:${body[0] ?? 'Meeting'}`,
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n');
      break;
    case 'csv':
      text = [
        'id,name,amount',
        ...body.map((l, i) => `${i},"${l.replace(/"/g, '""')}",${r.range(0, 9999)}`),
      ].join('\r\n');
      break;
    case 'markdown':
      text = [
        `# ${body[0] ?? 'Title'}`,
        '',
        ...body.slice(1).map((l) => (r.chance(0.2) ? `- ${l}` : l)),
      ].join('\r\n');
      break;
    default:
      text = body.join('\r\n');
  }
  if (final) text += '\r\n';
  return { charset, text };
}

/**
 * The bytes of one character (a code point) in a stateless legacy charset, through a table:
 * iconv-lite costs about a microsecond a call, the table a few nanoseconds.
 */
export function charBytes(cp: number, charset: string): Uint8Array {
  if (cp < 0x80) return Uint8Array.of(cp);
  const t = cp < 0x10000 ? codeTable(charset) : undefined;
  let code = t ? (t[cp] as number) : 0;
  if (code === 0) {
    const b = encodeCharset(String.fromCodePoint(cp), charset) as Uint8Array;
    if (!t || b.length > 2) return b;
    code = (b.length === 1 ? (b[0] as number) : ((b[0] as number) << 8) | (b[1] as number)) + 1;
    t[cp] = code;
  }
  code -= 1;
  return code < 0x100 ? Uint8Array.of(code) : Uint8Array.of(code >> 8, code & 0xff);
}

const utf8Like = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii', '']);

/**
 * The bytes of a text in a charset (a canonical name or a label): what src/mime's
 * encodeCharset gives, faster — ASCII as is, other characters through the table.
 */
export function textBytes(text: string, charset: string): Uint8Array {
  const cs = charset.toLowerCase();
  if (utf8Like.has(cs)) return Buffer.from(text, 'utf8');
  if (cs.includes('2022')) return encodeCharset(text, cs) as Uint8Array;
  const t = codeTable(cs);
  const out = new Uint8Array(text.length * 2 + 8);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      out[o++] = c;
      continue;
    }
    let code = t[c] as number;
    if (code === 0 || (c >= 0xd800 && c <= 0xdfff)) {
      const cp = text.codePointAt(i) as number;
      if (cp > 0xffff) i++;
      const b = charBytes(cp, cs);
      if (o + b.length > out.length) return encodeCharset(text, cs) as Uint8Array;
      out.set(b, o);
      o += b.length;
      continue;
    }
    code -= 1;
    if (code >= 0x100) out[o++] = code >> 8;
    out[o++] = code & 0xff;
  }
  return out.subarray(0, o);
}

const contentCache = new WeakMap<object, Uint8Array>();

/** The bytes of a text content, computed once per content object (the builder needs them too). */
export function textContentBytes(c: { text: string; charset: string }): Uint8Array {
  let b = contentCache.get(c);
  if (!b) {
    b = textBytes(c.text, c.charset);
    contentCache.set(c, b);
  }
  return b;
}

interface Shape {
  eightBit: boolean;
  longest: number;
}

function shape(bytes: Uint8Array): Shape {
  let eightBit = false;
  let longest = 0;
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x0a) {
      if (i - 1 - start > longest) longest = i - 1 - start;
      start = i + 1;
    } else if (b >= 0x80) eightBit = true;
  }
  if (bytes.length - start > longest) longest = bytes.length - start;
  return { eightBit, longest };
}

function encodingFor(r: Prng, bytes: Uint8Array): TransferEncoding {
  const s = shape(bytes);
  if (s.longest > 998) return r.chance(0.6) ? 'quoted-printable' : 'base64';
  if (!s.eightBit)
    return r.weighted<TransferEncoding>([
      [60, '7bit'],
      [5, '8bit'],
      [25, 'quoted-printable'],
      [10, 'base64'],
    ]);
  return r.weighted<TransferEncoding>([
    [40, '8bit'],
    [35, 'quoted-printable'],
    [25, 'base64'],
  ]);
}

function encodingStyle(r: Prng, enc: TransferEncoding): EncodingStyle {
  if (enc === 'base64')
    return { width: r.chance(0.8) ? 76 : r.pick([60, 64, 72, 40, 4]), extra: false, seed: 0 };
  return {
    width: r.chance(0.7) ? 76 : r.range(8, 75),
    extra: r.chance(0.2),
    seed: r.chance(0.2) ? r.range(1, 0x7fffffff) : 0,
  };
}

/** A text leaf: text/plain, text/html, ... in a charset, with an encoding that fits its bytes. */
function textLeaf(
  r: Prng,
  utf8: boolean,
  kind: TextKind,
  opts: { cids?: string[]; attachment?: boolean } = {},
): LeafSpec {
  const body = textBody(r, kind, opts.cids);
  const content: ContentSpec = { kind: 'text', charset: body.charset, text: body.text };
  if (body.bytes) contentCache.set(content, body.bytes);
  const bytes = textContentBytes(content);
  const enc = encodingFor(r, bytes);
  const params: ParamSpec[] = [];
  const sub = kind === 'enriched' ? 'enriched' : kind;
  const ascii = body.charset === 'us-ascii';
  if (!ascii || r.chance(0.7)) params.push(plainParam(r, 'charset', charsetLabel(r, body.charset)));
  if (kind === 'plain' && r.chance(0.1)) {
    params.push(plainParam(r, 'format', 'flowed'));
    if (r.chance(0.5)) params.push(plainParam(r, 'delsp', 'yes'));
  }
  if (kind === 'calendar') params.push(plainParam(r, 'method', 'REQUEST'));
  // Without a Content-Type the default is text/plain; us-ascii (RFC 2045 §5.2).
  const omitType = kind === 'plain' && ascii && enc === '7bit' && r.chance(0.3);
  const type = omitType ? null : mediaSpec(r, 'text', sub, r.chance(0.8) ? params : params.reverse());
  const leaf = leafSpec(r, type, content, encodingStyle(r, enc));
  if (enc !== '7bit' || r.chance(0.5)) leaf.cte = cteSpec(r, enc);
  if (opts.attachment || r.chance(0.08)) {
    const name = fileName(r);
    leaf.disposition = {
      type: opts.attachment ? 'attachment' : r.pick(['inline', 'attachment']),
      params: r.chance(0.1) ? [] : [textParam(r, 'filename', name, utf8)],
    };
  } else if (r.chance(0.1)) leaf.disposition = { type: r.chance(0.9) ? 'inline' : 'INLINE', params: [] };
  if (r.chance(0.04)) leaf.description = textChunks(r, utf8, r.range(1, 6));
  if (r.chance(0.03)) leaf.extra.push(tokensField(r, 'Content-Language', [r.pick(['en', 'fr-CA', 'ja'])]));
  return leaf;
}

const BINARY_TYPES: readonly (readonly [string, string, string])[] = [
  ['image', 'png', 'png'],
  ['image', 'jpeg', 'jpeg'],
  ['image', 'gif', 'gif'],
  ['application', 'pdf', 'pdf'],
  ['application', 'zip', 'zip'],
  ['application', 'octet-stream', ''],
  ['application', 'vnd.openxmlformats-officedocument.wordprocessingml.document', 'zip'],
  ['application', 'vnd.ms-excel', ''],
  ['audio', 'mpeg', ''],
  ['video', 'mp4', ''],
  ['application', 'x-tar', ''],
  ['font', 'woff2', ''],
];

function binarySize(r: Prng): number {
  const k = r.int(1000);
  if (k < 20) return 0;
  if (k < 900) return r.range(1, 4096);
  if (k < 990) return r.range(4097, 16384);
  return r.range(16385, 65536);
}

/** A binary attachment (or inline image with a Content-ID). */
function binaryLeaf(r: Prng, utf8: boolean, opts: { image?: boolean; cid?: string } = {}): LeafSpec {
  const [type, subtype, magic] = opts.image ? r.pick(BINARY_TYPES.slice(0, 3)) : r.pick(BINARY_TYPES);
  const name = fileName(r);
  const params: ParamSpec[] = r.chance(0.6) ? [textParam(r, 'name', name, utf8)] : [];
  const enc: TransferEncoding = r.chance(0.97) ? 'base64' : 'quoted-printable';
  const content: ContentSpec = { kind: 'binary', size: binarySize(r), seed: r.range(0, 0x7fffffff), magic };
  const leaf = leafSpec(r, mediaSpec(r, type, subtype, params), content, encodingStyle(r, enc));
  leaf.cte = cteSpec(r, enc);
  const dparams: ParamSpec[] = [];
  if (r.chance(0.85)) dparams.push(textParam(r, 'filename', name, utf8));
  if (r.chance(0.1))
    dparams.push(plainParam(r, 'size', String(leaf.content.kind === 'binary' ? leaf.content.size : 0)));
  if (r.chance(0.05))
    dparams.push({
      name: 'creation-date',
      value: dateTokens(dateSpec(r)).join(' '),
      form: 'quoted',
      charset: '',
      lang: '',
      section: 0,
    });
  if (opts.cid) {
    leaf.id = opts.cid;
    leaf.disposition = r.chance(0.7) ? { type: 'inline', params: dparams } : null;
  } else
    leaf.disposition = r.chance(0.95)
      ? { type: r.chance(0.9) ? 'attachment' : 'inline', params: dparams }
      : null;
  if (r.chance(0.05)) leaf.extra.push(tokensField(r, 'X-Attachment-Id', [randomString(r, HEXD, 12)]));
  if (r.chance(0.03)) leaf.description = textChunks(r, utf8, r.range(1, 5));
  return leaf;
}

function armored(r: Prng, what: string, lines: number): string {
  const out = [`-----BEGIN PGP ${what}-----`, ''];
  for (let i = 0; i < lines; i++) out.push(randomString(r, B64, 64));
  out.push(`=${randomString(r, B64, 4)}`, `-----END PGP ${what}-----`, '');
  return out.join('\r\n');
}

function asciiLeaf(r: Prng, type: string, subtype: string, text: string, params: ParamSpec[] = []): LeafSpec {
  return leafSpec(
    r,
    mediaSpec(r, type, subtype, params),
    { kind: 'text', charset: 'us-ascii', text },
    encodingStyle(r, '7bit'),
  );
}

// ---------------------------------------------------------------------------------------
// Boundaries
// ---------------------------------------------------------------------------------------

function boundary(r: Prng): string {
  const hex = (n: number) => randomString(r, HEXD, n);
  switch (r.int(12)) {
    case 0:
      return `----=_Part_${r.range(0, 99999)}_${r.range(100000, 999999999)}.${r.range(1e12, 2e12 - 1)}`;
    case 1:
      return `=_${hex(24)}`;
    case 2:
      return `Apple-Mail=_${hex(8).toUpperCase()}-${hex(4).toUpperCase()}-${hex(4).toUpperCase()}-${hex(12).toUpperCase()}`;
    case 3:
      return `--==_mimepart_${hex(13)}_${r.range(1000, 99999)}`;
    case 4:
      return `000000000000${hex(16)}`;
    case 5:
      return `b1_${randomString(r, B64.slice(0, 62), 43)}`;
    case 6:
      return `_----------=_${r.range(1e9, 2e9)}${hex(6)}`;
    case 7:
      return `${r.pick(['simple', 'another', 'the'])} boundary ${hex(6)}`;
    case 8:
      // the longest (70), with the rarer bchars
      return `${hex(8)}'()+_,-./:=?${randomString(r, `${HEXD}'()+_,-./:=?`, 49)}${hex(8)}`.slice(0, 70);
    case 9:
      return `${hex(2)}`.concat(randomString(r, B32, 6));
    case 10:
      return `=-=${hex(10)}=-=`;
    default:
      return `NextPart_${r.range(0, 999)}_${hex(4).toUpperCase()}_${hex(8).toUpperCase()}.${hex(8).toUpperCase()}`;
  }
}

function boundaryParam(r: Prng, b: string): ParamSpec {
  return {
    name: paramName(r, 'boundary'),
    value: b,
    form: isToken(b) && r.chance(0.4) ? 'token' : 'quoted',
    charset: '',
    lang: '',
    section: 0,
  };
}

/** Makes the boundaries of a message distinct and none a prefix of another (RFC 2046 §5.1.1). */
function fixBoundaries(m: MessageSpec): void {
  const all: MultipartSpec[] = [];
  const walk = (e: EntitySpec) => {
    if (e.kind === 'multipart') {
      all.push(e);
      for (const p of e.parts) walk(p);
    } else if (e.kind === 'message') walk(e.message.body);
  };
  walk(m.body);
  for (let i = 0; i < all.length; i++) {
    const a = all[i] as MultipartSpec;
    let clash = true;
    let n = 0;
    while (clash) {
      clash = false;
      for (let j = 0; j < i; j++) {
        const b = (all[j] as MultipartSpec).boundary;
        if (a.boundary.startsWith(b) || b.startsWith(a.boundary)) clash = true;
      }
      // A prefix no other boundary has (appending would keep a prefix a prefix). At most
      // 70 characters, none a space at the end (RFC 2046 §5.1.1).
      if (clash) setBoundary(a, `${i}.${n++}=${a.boundary}`.slice(0, 70).replace(/ +$/, ''));
    }
  }
}

function setBoundary(m: MultipartSpec, b: string): void {
  m.boundary = b;
  for (const p of m.type?.params ?? []) {
    if (p.name.toLowerCase() === 'boundary') {
      p.value = b;
      if (!isToken(b)) p.form = 'quoted';
    }
  }
}

const PREAMBLES = list(
  'This is a multi-part message in MIME format.|This is a MIME-formatted message.  If you see this text it means that your\x0d\x0aE-mail software does not support MIME-formatted messages.|Preamble: ignore me.\x0d\x0a|\x0d\x0a',
  '|',
);
const EPILOGUES = ['This is the epilogue.  It is also to be ignored.', '', '\r\n', 'end of message\r\n'];

function multipart(
  r: Prng,
  subtype: string,
  parts: EntitySpec[],
  extraParams: ParamSpec[] = [],
): MultipartSpec {
  const b = boundary(r);
  const params = [boundaryParam(r, b), ...extraParams];
  if (r.chance(0.3)) params.reverse();
  const m: MultipartSpec = {
    kind: 'multipart',
    type: mediaSpec(r, 'multipart', subtype, params),
    cte: null,
    disposition: null,
    id: null,
    description: null,
    extra: [],
    shuffle: shuffleSeed(r),
    fold: foldStyle(r),
    boundary: b,
    preamble: r.chance(0.35) ? r.pick(PREAMBLES) : '',
    epilogue: r.chance(0.1) ? r.pick(EPILOGUES) : '',
    parts,
    finalNewline: r.chance(0.8),
  };
  if (r.chance(0.05)) m.cte = cteSpec(r, needs8bit(m) ? '8bit' : '7bit');
  return m;
}

/** Whether an entity has 8-bit bytes (so that its container must say 8bit, RFC 2045 §6.4). */
export function needs8bit(e: EntitySpec): boolean {
  if (e.kind === 'leaf') return e.cte?.value === '8bit';
  if (e.kind === 'multipart') return e.parts.some(needs8bit);
  return messageNeeds8bit(e.message);
}

/** UTF-8 header fields (RFC 6532) count as 8-bit: a container says 8bit (it may, RFC 2045 §2.8). */
export function messageNeeds8bit(m: MessageSpec): boolean {
  return m.utf8 || needs8bit(m.body);
}

// ---------------------------------------------------------------------------------------
// The tree of parts (fast-check structure)
// ---------------------------------------------------------------------------------------

/** Deepest part (the root is 0): multiparts and enclosed messages nest up to here. */
export const MAX_DEPTH = 6;

const memo = new Map<string, fc.Arbitrary<unknown>>();

function memoized<T>(key: string, make: () => fc.Arbitrary<T>): fc.Arbitrary<T> {
  let a = memo.get(key) as fc.Arbitrary<T> | undefined;
  if (!a) {
    a = make();
    memo.set(key, a);
  }
  return a;
}

function textLeafArb(utf8: boolean, kind: TextKind = 'plain'): fc.Arbitrary<LeafSpec> {
  return memoized(`text:${utf8}:${kind}`, () => seeded((r) => textLeaf(r, utf8, kind)));
}

function attachmentArb(utf8: boolean): fc.Arbitrary<LeafSpec> {
  return memoized(`att:${utf8}`, () =>
    seeded((r) => {
      const k = r.int(100);
      if (k < 70) return binaryLeaf(r, utf8);
      if (k < 90)
        return textLeaf(r, utf8, r.pick<TextKind>(['plain', 'csv', 'markdown', 'calendar', 'html']), {
          attachment: true,
        });
      return asciiLeaf(r, 'application', 'json', `{"id": ${r.range(1, 1e6)}, "ok": true}\r\n`);
    }),
  );
}

/** An entity at depth `d`: a leaf, a multipart, or an enclosed message. */
function entityArb(d: number, utf8: boolean): fc.Arbitrary<EntitySpec> {
  return memoized(`entity:${d}:${utf8}`, () => {
    const leafW = 60;
    const options: fc.WeightedArbitrary<EntitySpec>[] = [
      { weight: leafW, arbitrary: textLeafArb(utf8) },
      { weight: 10, arbitrary: textLeafArb(utf8, 'html') },
      { weight: 18, arbitrary: attachmentArb(utf8) },
    ];
    if (d < MAX_DEPTH) {
      options.push({ weight: [60, 30, 15, 8, 5, 3][d] ?? 3, arbitrary: multipartArb(d, utf8) });
      options.push({ weight: d === 0 ? 0 : 3, arbitrary: messagePartArb(d, utf8, false) });
    }
    return fc.oneof(...options);
  });
}

/** The body entity of a message at depth `d`: mostly text, alternatives and mixed. */
function bodyArb(d: number, utf8: boolean): fc.Arbitrary<EntitySpec> {
  return memoized(`body:${d}:${utf8}`, () => {
    const options: fc.WeightedArbitrary<EntitySpec>[] = [{ weight: 45, arbitrary: textLeafArb(utf8) }];
    if (d < MAX_DEPTH) {
      options.push({ weight: d === 0 ? 50 : 30, arbitrary: multipartArb(d, utf8) });
      if (d === 0) options.push({ weight: 4, arbitrary: deepArb(0, utf8) });
    }
    return fc.oneof(...options);
  });
}

function messagePartArb(d: number, utf8: boolean, implicit: boolean): fc.Arbitrary<MessagePartSpec> {
  return memoized(`message:${d}:${utf8}:${implicit}`, () =>
    fc
      .tuple(
        SEED,
        fc.oneof(
          { weight: 9, arbitrary: messageArb(d + 1, false) },
          { weight: 1, arbitrary: messageArb(d + 1, true) },
        ),
      )
      .map(([s, message]) => messagePart(prng(s), message, implicit)),
  );
}

function messagePart(r: Prng, message: MessageSpec, implicit: boolean): MessagePartSpec {
  const global = message.utf8 && r.chance(0.8);
  const type = implicit && r.chance(0.7) ? null : mediaSpec(r, 'message', global ? 'global' : 'rfc822', []);
  const p: MessagePartSpec = {
    kind: 'message',
    type,
    cte: null,
    disposition: null,
    id: null,
    description: null,
    extra: [],
    shuffle: shuffleSeed(r),
    fold: foldStyle(r),
    message,
  };
  if (messageNeeds8bit(message)) p.cte = cteSpec(r, '8bit');
  else if (type !== null && r.chance(0.3)) p.cte = cteSpec(r, '7bit');
  if (type !== null && r.chance(0.3)) {
    p.disposition = {
      type: r.pick(['inline', 'attachment']),
      params: r.chance(0.5) ? [textParam(r, 'filename', 'forwarded message.eml', false)] : [],
    };
  }
  if (type !== null && r.chance(0.1)) p.description = [{ text: 'Forwarded message', ew: null }];
  return p;
}

/** Multiparts at depth `d` (children at d + 1). */
function multipartArb(d: number, utf8: boolean): fc.Arbitrary<MultipartSpec> {
  return memoized(`multipart:${d}:${utf8}`, () => {
    const child = entityArb(d + 1, utf8);
    const text = textLeafArb(utf8);
    const html = textLeafArb(utf8, 'html');
    const last = d + 1 >= MAX_DEPTH;
    const mixed = fc
      .tuple(
        SEED,
        last ? text : bodyArb(d + 1, utf8),
        fc.array(last ? attachmentArb(utf8) : child, { maxLength: 4 }),
      )
      .map(([s, first, rest]) => multipart(prng(s), 'mixed', [first, ...rest]));
    const alternative = fc
      .tuple(
        SEED,
        text,
        last
          ? html
          : fc.oneof({ weight: 4, arbitrary: html }, { weight: 1, arbitrary: relatedArb(d + 1, utf8) }),
      )
      .map(([s, plain, rich]) => {
        const r = prng(s);
        const parts: EntitySpec[] = [plain, rich];
        if (r.chance(0.05)) parts.push(textLeaf(r, utf8, 'calendar'));
        if (r.chance(0.05)) parts.push(textLeaf(r, utf8, 'enriched'));
        return multipart(r, 'alternative', parts);
      });
    const options: fc.WeightedArbitrary<MultipartSpec>[] = [
      { weight: 40, arbitrary: mixed },
      { weight: 35, arbitrary: alternative },
      { weight: 8, arbitrary: relatedArb(d, utf8) },
      {
        weight: 5,
        arbitrary: fc.tuple(SEED, child).map(([s, content]) => {
          const r = prng(s);
          const pgp = r.chance(0.7);
          const sig = pgp
            ? asciiLeaf(r, 'application', 'pgp-signature', armored(r, 'SIGNATURE', r.range(3, 8)), [
                plainParam(r, 'name', 'signature.asc'),
              ])
            : binaryLeaf(r, false);
          if (!pgp && sig.type) {
            sig.type.type = 'application';
            sig.type.subtype = 'pkcs7-signature';
            sig.type.params = [plainParam(r, 'name', 'smime.p7s')];
          }
          return multipart(
            r,
            'signed',
            [content, sig],
            [
              {
                name: 'protocol',
                value: pgp ? 'application/pgp-signature' : 'application/pkcs7-signature',
                form: 'quoted',
                charset: '',
                lang: '',
                section: 0,
              },
              plainParam(r, 'micalg', pgp ? 'pgp-sha256' : 'sha-256'),
            ],
          );
        }),
      },
      {
        weight: 2,
        arbitrary: seeded((r) =>
          multipart(
            r,
            'encrypted',
            [
              asciiLeaf(r, 'application', 'pgp-encrypted', 'Version: 1\r\n'),
              asciiLeaf(r, 'application', 'octet-stream', armored(r, 'MESSAGE', r.range(4, 30)), [
                plainParam(r, 'name', 'encrypted.asc'),
              ]),
            ],
            [
              {
                name: 'protocol',
                value: 'application/pgp-encrypted',
                form: 'quoted',
                charset: '',
                lang: '',
                section: 0,
              },
            ],
          ),
        ),
      },
      {
        weight: 3,
        arbitrary: fc.tuple(SEED, fc.array(child, { minLength: 1, maxLength: 3 })).map(([s, parts]) => {
          const r = prng(s);
          return multipart(r, r.pick(['parallel', 'x-custom', 'appledouble', 'x-mixed-replace']), parts);
        }),
      },
    ];
    if (!last) {
      options.push({
        weight: 4,
        arbitrary: fc
          .tuple(SEED, fc.array(messagePartArb(d + 1, utf8, true), { minLength: 1, maxLength: 3 }))
          .map(([s, parts]) => multipart(prng(s), 'digest', parts)),
      });
      options.push({
        weight: 3,
        arbitrary: fc.tuple(SEED, messagePartArb(d + 1, utf8, false)).map(([s, original]) => {
          const r = prng(s);
          const status = asciiLeaf(
            r,
            'message',
            'delivery-status',
            [
              `Reporting-MTA: dns; mx.example.org`,
              '',
              `Final-Recipient: rfc822; ${localPart(r, false).replace(/[^a-z0-9.]/g, '') || 'x'}@example.net`,
              'Action: failed',
              'Status: 5.1.1',
              'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
              '',
            ].join('\r\n'),
          );
          const third = r.chance(0.3)
            ? asciiLeaf(
                r,
                'text',
                'rfc822-headers',
                `From: a@example.org\r\nTo: b@example.net\r\nSubject: ${asciiWord(r)}\r\n`,
              )
            : original;
          return multipart(
            r,
            'report',
            [textLeaf(r, utf8, 'plain'), status, third],
            [plainParam(r, 'report-type', 'delivery-status')],
          );
        }),
      });
    }
    return fc.oneof(...options);
  });
}

/** multipart/related: HTML and the images it refers to by Content-ID. */
function relatedArb(d: number, utf8: boolean): fc.Arbitrary<MultipartSpec> {
  return memoized(`related:${d}:${utf8}`, () =>
    seeded((r) => {
      const n = r.range(1, 3);
      const cids: string[] = [];
      for (let i = 0; i < n; i++)
        cids.push(`part${i + 1}.${randomString(r, HEXD, 8)}@${r.pick(LABEL_WORDS)}.example`);
      const html = textLeaf(r, utf8, 'html', { cids });
      const images = cids.map((cid) => binaryLeaf(r, utf8, { image: true, cid }));
      const params: ParamSpec[] = [
        { name: 'type', value: 'text/html', form: 'quoted', charset: '', lang: '', section: 0 },
      ];
      if (r.chance(0.3)) {
        html.id = `root.${randomString(r, HEXD, 8)}@example.org`;
        params.push({
          name: 'start',
          value: `<${html.id}>`,
          form: 'quoted',
          charset: '',
          lang: '',
          section: 0,
        });
      }
      return multipart(r, 'related', [html, ...images], params);
    }),
  );
}

/** A chain of nesting down to MAX_DEPTH, so that the deepest trees appear. */
function deepArb(d: number, utf8: boolean): fc.Arbitrary<EntitySpec> {
  return memoized(`deep:${d}:${utf8}`, () => {
    if (d >= MAX_DEPTH) return textLeafArb(utf8) as fc.Arbitrary<EntitySpec>;
    const inner = deepArb(d + 1, utf8);
    const viaMultipart = fc
      .tuple(SEED, inner, fc.array(textLeafArb(utf8), { maxLength: 1 }))
      .map(([s, first, rest]) => {
        const r = prng(s);
        return multipart(r, r.pick(['mixed', 'mixed', 'related', 'alternative', 'parallel']), [
          first,
          ...rest,
        ]) as EntitySpec;
      });
    const viaMessage = fc.tuple(SEED, SEED, inner).map(([s, t, body]) => {
      const r = prng(t);
      const fields = messageFields(r, utf8, false, body.kind !== 'leaf' || body.type !== null);
      const message: MessageSpec = { utf8, fields: fields.fields, mimeAt: fields.mimeAt, body, wild: null };
      return messagePart(prng(s), message, false) as EntitySpec;
    });
    return d === 0
      ? viaMultipart
      : fc.oneof({ weight: 3, arbitrary: viaMultipart }, { weight: 1, arbitrary: viaMessage });
  });
}

function hasMimeFields(e: EntitySpec): boolean {
  return (
    e.type !== null ||
    e.cte !== null ||
    e.disposition !== null ||
    e.id !== null ||
    e.description !== null ||
    e.extra.length > 0
  );
}

/** A message whose root is at depth `d` (0: the top level). */
function messageArb(d: number, utf8: boolean): fc.Arbitrary<MessageSpec> {
  return memoized(`msg:${d}:${utf8}`, () =>
    fc.tuple(SEED, bodyArb(d, utf8)).map(([s, body]) => {
      const r = prng(s);
      const { fields, mimeAt } = messageFields(
        r,
        utf8,
        d === 0,
        hasMimeFields(body) || (d === 0 && r.chance(0.95)),
      );
      const m: MessageSpec = { utf8, fields, mimeAt, body, wild: null };
      if (d === 0) fixBoundaries(m);
      return m;
    }),
  );
}

/** Valid messages: RFC 5322, RFC 2045-2049, RFC 2047, RFC 2231, RFC 6532 (a tenth of them). */
export function messageSpec(): fc.Arbitrary<MessageSpec> {
  return memoized('messageSpec', () =>
    fc.oneof({ weight: 90, arbitrary: messageArb(0, false) }, { weight: 10, arbitrary: messageArb(0, true) }),
  );
}

// ---------------------------------------------------------------------------------------
// Expected values (what a reader must find in the rendered message)
// ---------------------------------------------------------------------------------------

/** Decoded unstructured text. */
export function chunksText(chunks: readonly TextChunk[]): string {
  return chunks.map((c) => c.text).join(' ');
}

/** The address as an RFC 5322 reader normalises it: dot-atom local parts bare, others quoted. */
export function expectedAddress(m: MailboxSpec, utf8: boolean): string {
  const local = isDotAtom(m.local, utf8) ? m.local : `"${m.local.replace(/[\\"]/g, '\\$&')}"`;
  return `${local}@${m.domain}`;
}

/** The instant (ms since the epoch) and the zone offset of a date. */
export function dateInstant(d: DateSpec): { time: number; offset: number } {
  const local =
    Date.UTC(d.year + 400, d.month - 1, d.day, d.hour, d.minute, Math.max(0, d.second)) - 146097 * 86_400_000;
  const offset = d.unknownZone ? -0 : d.zone;
  return { time: local - offset * 60_000, offset };
}

// ---------------------------------------------------------------------------------------
// Wild messages
// ---------------------------------------------------------------------------------------

/** The kinds of wildness a wild spec can have (several at once). */
export const WILD_KINDS = [
  'obs-address',
  'obs-date',
  'no-charset',
  'bare-lf',
  'raw-8bit-header',
  'broken-encoded-word',
  'no-mime-version',
  'unclosed-multipart',
  'junk-after-boundary',
  'space-before-colon',
  'long-line',
  'bad-base64',
  'bad-quoted-printable',
  'unknown-encoding',
  'missing-boundary',
  'no-separator',
  'truncated',
  'continuation-first',
  'unknown-charset',
  'nul-and-controls',
] as const;

export type WildKind = (typeof WILD_KINDS)[number];

const OBS_ADDRESSES = list(
  'John Doe <@route.example,@relay.example:john@example.org>|john . doe @ example . org|J. R. Doe <jr@example.org>|Mary Smith <mary@example.net> (comment only) , , , bob@example.com|"unclosed quote <a@example.org>|Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>|undisclosed-recipients: ;|a@b@c.example|noatsign|<>|Name Without Angle a@example.org|a@example.org b@example.org|=?utf-8?q?Doe,_John?= <john@example.org>|"=?utf-8?q?J=C3=B6rg?=" <j@example.org>|José Müller <jose@example.org>|group: a@b.example, c@d.example|trailing, comma@example.org,',
  '|',
);

const OBS_DATES = list(
  '1 Jan 99 12:00 GMT|Mon, 1 Jan 01 00:00:00 EST|Fri, 13 Feb 109 23:31:30 +0000|Thu, 1 Jan 1970 00:00:00 Z|Sun Jan  7 10:20:30 2024|2024-03-04T05:06:07+01:00|7 Jan 2024 10:20:30 PST|Tue, 15 Nov 1994 08:12:31 GMT+0200|Wednesday, 03-Jan-24 10:00:00 GMT| 3 Jan 2024 10 : 00 : 00 +0100|31 Feb 2024 10:00:00 +0000|not a date at all|Mon, 1 Jan 2024 25:61:61 +9999||Mon,1 Jan 2024 10:00:00 a',
  '|',
);

const BROKEN_WORDS = [
  '=?utf-8?q?unterminated',
  '=?utf-8?b?!!!not base64!!!?=',
  '=?x-unknown?q?what=3F?=',
  'glued=?utf-8?q?text?=here',
  '=?iso-8859-1?q?spaces inside the word?=',
  '=?utf-8?b?w6k?= =?utf-8?b?w6k=?=',
  '=?utf-8?q?split_=C3?= =?utf-8?q?=A9_char?=',
  '=?utf-8?x?bad-encoding?=',
  '=??q?empty charset?=',
  '=?utf-8?q?=ZZ bad hex?=',
  '=?windows-1252?q?=93smart=94?=',
  '=?UTF-8?B?' + 'A'.repeat(120) + '?=',
];

/** Raw 8-bit header text that is not UTF-8 (Latin-1, Shift_JIS, KOI8-R bytes), as latin1 strings. */
const RAW_8BIT = list('Café crème|\x93ú\x96{\x8cê|ðÒÉ×ÅÔ|Grüße|ÿþ\x00bom', '|');

function wildMutate(r: Prng, m: MessageSpec, kinds: WildKind[]): MessageSpec {
  const wild: WildSpec = {
    lineEnd: 'crlf',
    unclosed: false,
    junk: false,
    padding: r.chance(0.2),
    longLine: false,
    noSeparator: false,
    truncate: 0,
    seed: r.range(0, 0x7fffffff),
  };
  const leaves: LeafSpec[] = [];
  const multiparts: MultipartSpec[] = [];
  const walk = (e: EntitySpec) => {
    if (e.kind === 'leaf') leaves.push(e);
    else if (e.kind === 'multipart') {
      multiparts.push(e);
      e.parts.forEach(walk);
    } else walk(e.message.body);
  };
  walk(m.body);
  const raw = (name: string, value: string): FieldSpec => ({ kind: 'raw', name, value });
  const replaceOrAdd = (name: string, f: FieldSpec) => {
    const i = m.fields.findIndex((x) => x.name.toLowerCase() === name.toLowerCase());
    if (i >= 0) m.fields[i] = f;
    else m.fields.push(f);
  };
  for (const k of kinds) {
    switch (k) {
      case 'obs-address': {
        const name = r.pick(['From', 'To', 'Cc', 'Reply-To']);
        replaceOrAdd(name, raw(name, ` ${r.pick(OBS_ADDRESSES)}`));
        break;
      }
      case 'obs-date':
        replaceOrAdd('Date', raw('Date', ` ${r.pick(OBS_DATES)}`));
        break;
      case 'no-charset':
        for (const l of leaves) {
          if (l.type && l.content.kind === 'text')
            l.type.params = l.type.params.filter((p) => p.name.toLowerCase() !== 'charset');
          if (l.content.kind === 'text' && l.cte === null) l.cte = cteSpec(r, '8bit');
        }
        break;
      case 'bare-lf':
        wild.lineEnd = r.chance(0.6) ? 'lf' : 'mixed';
        break;
      case 'raw-8bit-header':
        replaceOrAdd('Subject', raw('Subject', ` ${r.pick(RAW_8BIT)} ${asciiWord(r)}`));
        if (r.chance(0.5)) m.fields.push(raw('From', ` ${r.pick(RAW_8BIT)} <x@example.org>`));
        break;
      case 'broken-encoded-word': {
        const name = r.chance(0.7) ? 'Subject' : 'To';
        replaceOrAdd(name, raw(name, ` ${r.pick(BROKEN_WORDS)} ${r.pick(BROKEN_WORDS)}`));
        break;
      }
      case 'no-mime-version':
        m.fields = m.fields.filter((f) => f.name.toLowerCase() !== 'mime-version');
        break;
      case 'unclosed-multipart':
        wild.unclosed = true;
        break;
      case 'junk-after-boundary':
        wild.junk = true;
        break;
      case 'space-before-colon':
        m.fields.push(raw('X-Spaced ', ' value with space before the colon'));
        m.fields.push(raw('Subject\t', ' tab before colon'));
        break;
      case 'long-line':
        wild.longLine = true;
        break;
      case 'bad-base64':
        for (const l of leaves)
          if (l.cte?.value === 'base64' && r.chance(0.5)) l.style = { ...l.style, extra: true };
        m.fields.push(raw('X-Bad', ' base64 bodies get junk'));
        break;
      case 'bad-quoted-printable':
        for (const l of leaves)
          if (l.cte?.value === 'quoted-printable') l.style = { ...l.style, extra: true, seed: -1 };
        break;
      case 'unknown-encoding':
        for (const l of leaves) {
          if (r.chance(0.5))
            l.cte = {
              value: '7bit',
              label: r.pick(['x-uuencode', '7-bit', '8bits', 'binary', 'x-gzip64', 'quoted-printable ']),
            };
        }
        break;
      case 'missing-boundary':
        for (const mp of multiparts)
          if (r.chance(0.5) && mp.type)
            mp.type.params = mp.type.params.filter((p) => p.name.toLowerCase() !== 'boundary');
        break;
      case 'no-separator':
        wild.noSeparator = true;
        break;
      case 'truncated':
        wild.truncate = r.range(10, 95) / 100;
        break;
      case 'continuation-first':
        m.fields.unshift(raw(' ', 'continuation line with no field before it'));
        break;
      case 'unknown-charset':
        for (const l of leaves) {
          if (l.type && l.content.kind === 'text') {
            l.type.params = l.type.params.filter((p) => p.name.toLowerCase() !== 'charset');
            l.type.params.push({
              name: 'charset',
              value: r.pick(['x-unknown', 'foo-bar', 'utf-9', '"unicode-1-1-utf-7"', 'iso-8859-8-i']),
              form: 'token',
              charset: '',
              lang: '',
              section: 0,
            });
          }
        }
        break;
      case 'nul-and-controls':
        m.fields.push(raw('X-Control', ' a\x00b\x01c\x7fd\x1be'));
        break;
    }
  }
  m.wild = wild;
  return m;
}

/**
 * Wild messages: a valid message with one or more of what RFCs call obsolete or broken but
 * the world sends (see WILD_KINDS). A tolerant parser must read them without throwing.
 */
export function wildSpec(): fc.Arbitrary<MessageSpec> {
  return memoized('wildSpec', () =>
    fc
      .tuple(
        SEED,
        messageSpec(),
        fc.uniqueArray(fc.constantFrom(...WILD_KINDS), { minLength: 1, maxLength: 4 }),
      )
      // messageSpec() maps to fresh objects on every draw (and on every shrink), so the
      // mutation touches no value that anything else holds.
      .map(([s, m, kinds]) => wildMutate(prng(s), m, kinds)),
  );
}
