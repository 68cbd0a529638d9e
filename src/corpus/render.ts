// Writes a MessageSpec to bytes. Every choice (folding, Q or B, quoting, field order, line
// widths) comes from the spec, and the writing is done here rather than with src/mime's
// encoders, so that the parser meets forms our own encoder would not produce. Non-wild
// output is valid RFC 5322 / RFC 2045-2049: CRLF line ends, lines of at most 998 octets,
// lines with encoded words of at most 76 (RFC 2047 §2). Wild specs get their wild bytes.
import {
  type AddressItemSpec,
  type ContentSpec,
  charBytes,
  type DateSpec,
  dateTokens,
  type EncodedWordStyle,
  type EncodingStyle,
  type EntitySpec,
  type FieldSpec,
  type FoldStyle,
  isAtom,
  isAtomPhrase,
  isDotAtom,
  isQuotable,
  isToken,
  type LeafSpec,
  type MailboxSpec,
  type MessageSpec,
  type MultipartSpec,
  type NameForm,
  type ParamSpec,
  type PartFields,
  type Prng,
  prng,
  type TextChunk,
  textBytes,
  textContentBytes,
  type WildSpec,
} from './arbitraries.js';

const CRLF = '\r\n';
const NON_ASCII = /[^\u0000-\u007f]/;

/** Octets of a string once written as UTF-8. */
function octets(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // 2 or 3 octets for one UTF-16 unit; a surrogate pair (2 units) makes 4.
    if (c >= 0x80) n += c < 0x800 ? 1 : c >= 0xd800 && c <= 0xdfff ? 1 : 2;
  }
  return n;
}

/** A header string (UTF-8 allowed when `utf8`) as a latin1 byte string. */
function headerBytes(s: string, utf8: boolean): string {
  return utf8 && NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

// ---------------------------------------------------------------------------------------
// Folding (RFC 5322 §2.2.3)
// ---------------------------------------------------------------------------------------

/** A token of a field value and the white space before it ("" when glued: no fold there). */
interface Tok {
  sep: string;
  text: string;
  /** An RFC 2047 encoded word: its line must stay within 76 characters. */
  ew?: boolean;
  /** Inside a quoted string: the white space before it is content, a fold keeps it as is. */
  inQuotes?: boolean;
}

const HARD_LIMIT = 998;

/**
 * "Name: value" with CRLF, folded before a token that would pass the width. Folding inserts
 * CRLF before the token's white space, so unfolding gives the value back; a structured
 * field may continue with a tab instead.
 */
function foldField(name: string, toks: Tok[], fold: FoldStyle, structured: boolean, utf8: boolean): string {
  const width = Math.min(toks.some((t) => t.ew) ? 76 : HARD_LIMIT, fold.width);
  let out = `${name}:`;
  let col = out.length;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Tok;
    const sep = i === 0 ? fold.afterColon : t.sep;
    // Header text is ASCII but in UTF-8 messages (RFC 6532), where lines count octets.
    const len = utf8 ? octets(t.text) : t.text.length;
    // Fold where there is white space (or right after the colon: leading FWS).
    if (col + sep.length + len > width && (sep !== '' || i === 0)) {
      const ws = structured && fold.tab && !t.inQuotes ? '\t' : sep === '' ? ' ' : sep;
      out += CRLF + ws + t.text;
      col = ws.length + len;
    } else {
      out += sep + t.text;
      col += sep.length + len;
    }
  }
  return out + CRLF;
}

function spaced(texts: string[], sep = ' '): Tok[] {
  return texts.map((text) => ({ sep, text }));
}

// ---------------------------------------------------------------------------------------
// RFC 2047 encoded words
// ---------------------------------------------------------------------------------------

const HEX = '0123456789ABCDEF';
// RFC 2047 §5(3): in a phrase only letters, digits and "!*+-/" stand for themselves.
const Q_PHRASE = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/')
  Q_PHRASE[ch.charCodeAt(0)] = 1;
// §5(1): in unstructured text any printable ASCII but "=", "?" and "_".
const Q_TEXT = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) if (c !== 0x3d && c !== 0x3f && c !== 0x5f) Q_TEXT[c] = 1;

function qCost(bytes: Uint8Array, safe: Uint8Array): number {
  let n = 0;
  for (const b of bytes) n += b === 0x20 || (b < 0x80 && safe[b] === 1) ? 1 : 3;
  return n;
}

function qText(bytes: Uint8Array, safe: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0x20) s += '_';
    else if (b < 0x80 && safe[b] === 1) s += String.fromCharCode(b);
    else s += `=${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return s;
}

/**
 * `text` as encoded words of at most `style.max` characters, each holding whole characters
 * (RFC 2047 §5), ISO-2022-JP words each starting and ending in ASCII (RFC 1468).
 */
export function encodedWords(text: string, style: EncodedWordStyle, phrase: boolean): string[] {
  const charset = style.charset;
  const enc = style.b ? (style.upper ? 'B' : 'b') : style.upper ? 'Q' : 'q';
  const prefix = `=?${charset}${style.lang ? `*${style.lang}` : ''}?${enc}?`;
  // 75 at most (RFC 2047 §2); in a phrase 73, leaving room for a glued ",", ":" or ";".
  const cap = phrase ? 73 : 75;
  const room = Math.min(cap, Math.max(style.max, prefix.length + 2 + 16)) - prefix.length - 2;
  const safe = phrase ? Q_PHRASE : Q_TEXT;
  const words: string[] = [];
  const write = (bytes: Uint8Array) =>
    words.push(prefix + (style.b ? Buffer.from(bytes).toString('base64') : qText(bytes, safe)) + '?=');
  if (/2022/.test(charset)) {
    // Stateful: each word is encoded on its own (escape sequences included).
    const chars = [...text];
    let i = 0;
    while (i < chars.length) {
      let group = chars[i] as string;
      let bytes = textBytes(group, charset);
      let j = i + 1;
      for (; j < chars.length; j++) {
        const nb = textBytes(group + chars[j], charset);
        if ((style.b ? Math.ceil(nb.length / 3) * 4 : qCost(nb, safe)) > room) break;
        group += chars[j];
        bytes = nb;
      }
      write(bytes);
      i = j;
    }
    return words;
  }
  const bytes = textBytes(text, charset);
  const utf8 = /^(utf-?8|us-ascii|ascii)$/i.test(charset);
  const dbcs = DBCS.test(charset);
  // Walk the bytes character by character: a character's bytes never straddle two words.
  let start = 0;
  let cost = 0;
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i] as number;
    const len = b0 < 0x80 ? 1 : utf8 ? (b0 < 0xe0 ? 2 : b0 < 0xf0 ? 3 : 4) : dbcs ? 2 : 1;
    const unit = bytes.subarray(i, i + len);
    let add: number;
    if (style.b) add = Math.ceil((i + len - start) / 3) * 4 - cost;
    else add = qCost(unit, safe);
    if (i > start && cost + add > room) {
      write(bytes.subarray(start, i));
      start = i;
      cost = 0;
      add = style.b ? Math.ceil(len / 3) * 4 : add;
    }
    cost += add;
    i += len;
  }
  if (bytes.length > start || words.length === 0) write(bytes.subarray(start));
  return words;
}

/** Legacy charsets with two-byte characters (lead byte ≥ 0x80; no half-width katakana is generated). */
const DBCS = /^(shift_jis|euc-kr|gb2312|big5)$/i;

// ---------------------------------------------------------------------------------------
// Field values
// ---------------------------------------------------------------------------------------

/** Unstructured text (RFC 5322 §3.2.5 with RFC 2047 §5(1)): words, and encoded runs. */
function textToks(chunks: readonly TextChunk[]): Tok[] {
  const toks: Tok[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i] as TextChunk;
    if (c.ew === null) {
      for (const w of c.text.split(' ')) toks.push({ sep: ' ', text: w });
    } else {
      // White space between adjacent encoded words is dropped (§6.2): the separating
      // space goes inside the encoded text.
      const nextEncoded = chunks[i + 1]?.ew != null;
      for (const w of encodedWords(nextEncoded ? `${c.text} ` : c.text, c.ew, false))
        toks.push({ sep: ' ', text: w, ew: true });
    }
  }
  return toks;
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/** The form actually usable for a name (the spec's, unless the name does not allow it). */
function usableForm(name: string, form: NameForm, utf8: boolean): NameForm {
  if (form === 'atom' && isAtomPhrase(name, utf8)) return 'atom';
  if ((form === 'atom' || form === 'quoted') && isQuotable(name, utf8)) return 'quoted';
  if (form === 'mixed' && /^\S+(?: \S+)*$/.test(name)) return 'mixed';
  return 'encoded';
}

/** A display name as tokens (RFC 5322 §3.2.5 phrase, RFC 2047 §5(3)). */
function phraseToks(name: string, form: NameForm, ew: EncodedWordStyle, utf8: boolean): Tok[] {
  switch (usableForm(name, form, utf8)) {
    case 'atom':
      return spaced(name.split(' '));
    case 'quoted': {
      // A long quoted string may fold at its spaces (FWS in qcontent, RFC 5322 §3.2.4).
      const q = quote(name);
      if (q.length > 30 && /^"\S+(?: \S+)+"$/.test(q)) {
        return q.split(' ').map((text, i) => ({ sep: ' ', text, inQuotes: i > 0 }));
      }
      return [{ sep: ' ', text: q }];
    }
    case 'mixed': {
      const toks: Tok[] = [];
      const words = name.split(' ');
      let run: string[] = [];
      const flush = () => {
        if (run.length)
          for (const w of encodedWords(run.join(' '), ew, true)) toks.push({ sep: ' ', text: w, ew: true });
        run = [];
      };
      for (const w of words) {
        if (isAtom(w, false)) {
          flush();
          toks.push({ sep: ' ', text: w });
        } else run.push(w);
      }
      flush();
      return toks;
    }
    default:
      return encodedWords(name, ew, true).map((text) => ({ sep: ' ', text, ew: true }));
  }
}

function addrSpec(m: MailboxSpec, utf8: boolean): string {
  const local = m.quoteLocal || !isDotAtom(m.local, utf8) ? quote(m.local) : m.local;
  return `${local}@${m.domain}`;
}

function mailboxToks(m: MailboxSpec, utf8: boolean): Tok[] {
  if (m.name === '') return [{ sep: ' ', text: m.angle ? `<${addrSpec(m, utf8)}>` : addrSpec(m, utf8) }];
  const toks = phraseToks(m.name, m.form, m.ew, utf8);
  // Comments carry no meaning (RFC 5322 §3.2.2); a named mailbox keeps its name wherever they are.
  const comment = m.comment === '' ? '' : `(${m.comment})`;
  if (comment !== '' && m.commentAt === 'before') toks.unshift({ sep: ' ', text: comment });
  toks.push({
    sep: ' ',
    text:
      comment !== '' && m.commentAt === 'angle'
        ? `<${addrSpec(m, utf8)} ${comment}>`
        : `<${addrSpec(m, utf8)}>`,
  });
  if (comment !== '' && m.commentAt === 'after') toks.push({ sep: ' ', text: comment });
  return toks;
}

function glue(toks: Tok[], suffix: string): void {
  const last = toks[toks.length - 1];
  if (last) last.text += suffix;
}

/** An address list (RFC 5322 §3.4) with groups. */
function addressToks(items: readonly AddressItemSpec[], comma: string, utf8: boolean): Tok[] {
  const toks: Tok[] = [];
  items.forEach((it, i) => {
    let item: Tok[];
    if ('members' in it) {
      item = phraseToks(it.group, it.form, it.ew, utf8);
      glue(item, ':');
      it.members.forEach((m, k) => {
        const mt = mailboxToks(m, utf8);
        if (k + 1 < it.members.length) glue(mt, ',');
        item.push(...mt);
      });
      glue(item, ';');
    } else item = mailboxToks(it, utf8);
    if (i + 1 < items.length) glue(item, ',');
    if (i > 0 && item[0]) item[0].sep = comma;
    toks.push(...item);
  });
  return toks;
}

function dateToks(d: DateSpec): Tok[] {
  return spaced(dateTokens(d), d.gap);
}

// ---------------------------------------------------------------------------------------
// MIME parameters (RFC 2045 §5.1, RFC 2231)
// ---------------------------------------------------------------------------------------

// RFC 2231 §7 attribute-char: token characters but "*", "'" and "%".
function isAttrChar(b: number): boolean {
  return b < 0x80 && b > 0x20 && !'()<>@,;:\\"/[]?=*\'%'.includes(String.fromCharCode(b)) && b !== 0x7f;
}

/** Percent-encoded units of a value in a charset, one string per character. */
function pctUnits(value: string, charset: string): string[] {
  const cs = charset.toLowerCase();
  const utf8 = cs === '' || cs === 'us-ascii' || cs === 'utf-8' || cs === 'utf8';
  const out: string[] = [];
  for (const ch of value) {
    const cp = ch.codePointAt(0) as number;
    const bytes = cp < 0x80 ? Uint8Array.of(cp) : utf8 ? Buffer.from(ch, 'utf8') : charBytes(cp, cs);
    let u = '';
    for (const b of bytes) u += isAttrChar(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
    out.push(u);
  }
  return out;
}

/** Splits units into sections of at most `max` characters (a unit is never split). */
function sections(units: string[], max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const u of units) {
    if (cur !== '' && cur.length + u.length > max) {
      out.push(cur);
      cur = '';
    }
    cur += u;
  }
  out.push(cur);
  return out;
}

/** One parameter as one or more `name=value` tokens (continuations are several). */
function paramToks(p: ParamSpec): string[] {
  switch (p.form) {
    case 'token':
      return [`${p.name}=${p.value}`];
    case 'quoted':
      return [`${p.name}=${quote(p.value)}`];
    case 'cont': {
      const parts = sections([...p.value], Math.max(1, p.section));
      return parts.map((v, k) => `${p.name}*${k}=${isToken(v) && k % 2 === 1 ? v : quote(v)}`);
    }
    case 'ext':
      return [`${p.name}*=${p.charset}'${p.lang}'${pctUnits(p.value, p.charset).join('')}`];
    default: {
      const parts = sections(pctUnits(p.value, p.charset), Math.max(3, p.section));
      return parts.map((v, k) => {
        if (k === 0) return `${p.name}*0*=${p.charset}'${p.lang}'${v}`;
        // A section without percent escapes may be written plain (RFC 2231 §4.1).
        if (!v.includes('%') && k % 3 === 2) return `${p.name}*${k}=${quote(v)}`;
        return `${p.name}*${k}*=${v}`;
      });
    }
  }
}

function paramsToks(head: string, params: readonly ParamSpec[], comment: string): Tok[] {
  const texts = [head];
  for (const p of params) texts.push(...paramToks(p));
  for (let i = 0; i + 1 < texts.length; i++) texts[i] += ';';
  if (comment !== '') texts.push(`(${comment})`);
  return spaced(texts);
}

// ---------------------------------------------------------------------------------------
// Header fields
// ---------------------------------------------------------------------------------------

function fieldText(f: FieldSpec, utf8: boolean): string {
  switch (f.kind) {
    case 'address':
      return foldField(f.name, addressToks(f.items, f.comma, utf8), f.fold, true, utf8);
    case 'date':
      return foldField(f.name, dateToks(f.date), f.fold, true, false);
    case 'ids': {
      const ids = f.ids.map((id) => `<${id}>`);
      if (f.comment !== '') ids.splice(1, 0, `(${f.comment})`);
      return foldField(f.name, spaced(ids), f.fold, true, false);
    }
    case 'text':
      return foldField(f.name, textToks(f.chunks), f.fold, false, utf8);
    case 'tokens':
      return foldField(f.name, spaced(f.tokens), f.fold, true, utf8);
    default:
      return `${f.name}:${f.value}${CRLF}`;
  }
}

/** The MIME fields of a part, in its order. */
function mimeFields(e: PartFields, utf8: boolean): string[] {
  const fields: string[] = [];
  if (e.type) {
    const toks = paramsToks(`${e.type.type}/${e.type.subtype}`, e.type.params, e.type.comment);
    fields.push(foldField('Content-Type', toks, e.fold, true, utf8));
  }
  if (e.cte) fields.push(`Content-Transfer-Encoding: ${e.cte.label}${CRLF}`);
  if (e.disposition) {
    fields.push(
      foldField(
        'Content-Disposition',
        paramsToks(e.disposition.type, e.disposition.params, ''),
        e.fold,
        true,
        utf8,
      ),
    );
  }
  if (e.id !== null) fields.push(`Content-ID: <${e.id}>${CRLF}`);
  if (e.description)
    fields.push(foldField('Content-Description', textToks(e.description), e.fold, false, utf8));
  for (const f of e.extra) fields.push(fieldText(f, utf8));
  if (e.shuffle !== 0 && fields.length > 1) {
    const r = prng(e.shuffle);
    for (let i = fields.length - 1; i > 0; i--) {
      const j = r.int(i + 1);
      [fields[i], fields[j]] = [fields[j] as string, fields[i] as string];
    }
  }
  return fields;
}

// ---------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------

const MAGIC: Record<string, number[]> = {
  png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  jpeg: [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46],
  gif: [...'GIF89a'].map((c) => c.charCodeAt(0)),
  pdf: [...'%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'].map((c) => c.charCodeAt(0)),
  zip: [0x50, 0x4b, 0x03, 0x04],
};

/** The bytes of a binary content: magic bytes, then PRNG output (with runs of zeros). */
export function binaryBytes(c: Extract<ContentSpec, { kind: 'binary' }>): Uint8Array {
  const out = new Uint8Array(c.size);
  const r = prng(c.seed);
  const view = new DataView(out.buffer);
  let i = 0;
  for (; i + 4 <= c.size; i += 4) view.setInt32(i, r.next());
  for (; i < c.size; i++) out[i] = r.next() & 0xff;
  // Some structure: a run of zeros, as real files have.
  if (c.size > 64 && (c.seed & 3) === 0) out.fill(0, c.size >> 2, (c.size >> 2) + 32);
  const magic = MAGIC[c.magic];
  if (magic) for (let k = 0; k < magic.length && k < c.size; k++) out[k] = magic[k] as number;
  return out;
}

/** The decoded content of a leaf (what a reader must get back). */
export function contentBytes(c: ContentSpec): Uint8Array {
  return c.kind === 'text' ? textContentBytes(c) : binaryBytes(c);
}

function base64Body(data: Uint8Array, style: EncodingStyle, wild: boolean): string {
  let b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  if (b64 === '') return '';
  if (wild) {
    // bad base64: junk characters, missing padding
    b64 = `${b64.slice(0, 10)}!*${b64.slice(10)}`.replace(/=+$/, '');
  }
  const w = Math.max(4, style.width - (style.width % 4));
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += w) lines.push(b64.slice(i, i + w));
  return lines.join(CRLF) + CRLF;
}

// Characters that quoted-printable may, but need not, escape (RFC 2045 §6.7 note on EBCDIC).
const QP_EXTRA = new Uint8Array(128);
for (const ch of '!"#$@[\\]^`{|}~') QP_EXTRA[ch.charCodeAt(0)] = 1;

/**
 * Quoted-printable (RFC 2045 §6.7), written here: text keeps its CRLF as hard line breaks,
 * binary data escapes CR and LF; encoded lines stay within `style.width` (≤ 76) with soft
 * breaks, some placed earlier when `style.seed` says so; trailing white space is escaped.
 * Wild: bare "=", lower-case hex digits and no soft breaks.
 */
function qpBody(data: Uint8Array, binary: boolean, style: EncodingStyle, wild: boolean): string {
  const width = Math.min(76, Math.max(4, style.width));
  const r = style.seed > 0 ? prng(style.seed) : undefined;
  const n = data.length;
  const out = Buffer.allocUnsafe(6 * n + 16);
  const hex = wild ? HEX_LOWER : HEX_UPPER;
  let o = 0;
  let col = 0;
  for (let i = 0; i < n; i++) {
    const b = data[i] as number;
    if (!binary && b === 0x0d && data[i + 1] === 0x0a) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      col = 0;
      i++;
      continue;
    }
    const atEnd = binary ? i + 1 === n : i + 1 === n || (data[i + 1] === 0x0d && data[i + 2] === 0x0a);
    const literal =
      (wild && b === 0x3d) ||
      ((b === 0x20 || b === 0x09) && !atEnd) ||
      (b > 0x20 && b < 0x7f && b !== 0x3d && !(style.extra && QP_EXTRA[b] === 1));
    const len = literal ? 1 : 3;
    // A soft break keeps room for its "=" unless this unit ends the line.
    if (!wild && col > 0 && (col + len > (atEnd ? width : width - 1) || r?.chance(0.03))) {
      out[o++] = 0x3d;
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      col = 0;
    }
    if (literal) out[o++] = b;
    else {
      out[o++] = 0x3d;
      out[o++] = hex[b >> 4] as number;
      out[o++] = hex[b & 15] as number;
    }
    col += len;
  }
  return out.toString('latin1', 0, o);
}

const HEX_UPPER = Buffer.from('0123456789ABCDEF', 'latin1');
const HEX_LOWER = Buffer.from('0123456789abcdef', 'latin1');

function leafBody(e: LeafSpec, wild: WildSpec | null): string {
  const data = contentBytes(e.content);
  const enc = e.cte?.value ?? '7bit';
  const isWild = wild !== null && e.style.extra;
  if (enc === 'base64') return base64Body(data, e.style, isWild);
  if (enc === 'quoted-printable')
    return qpBody(data, e.content.kind === 'binary', e.style, wild !== null && e.style.seed === -1);
  return latin1(data);
}

// ---------------------------------------------------------------------------------------
// Entities and messages
// ---------------------------------------------------------------------------------------

interface Ctx {
  wild: WildSpec | null;
  r: Prng | undefined;
  /** The multipart whose close delimiter a wild spec drops. */
  unclosed: MultipartSpec | undefined;
  /** Whether the message being written has UTF-8 header fields (RFC 6532). */
  utf8: boolean;
}

function entityBody(e: EntitySpec, ctx: Ctx): string {
  if (e.kind === 'leaf') return leafBody(e, ctx.wild);
  if (e.kind === 'message') return messageText(e.message, ctx);
  return multipartBody(e, ctx);
}

function multipartBody(e: MultipartSpec, ctx: Ctx): string {
  const out: string[] = [];
  const wild = ctx.wild;
  const pad = () =>
    wild?.padding && ctx.r?.chance(0.5) ? ctx.r.pick([' ', '\t', '  \t', ' '.repeat(20)]) : '';
  const b = e.boundary;
  if (e.preamble !== '') out.push(e.preamble, CRLF);
  e.parts.forEach((p, i) => {
    if (i > 0) out.push(CRLF);
    out.push(`--${b}`, pad(), CRLF);
    if (wild?.junk && ctx.r?.chance(0.2)) out.push(`--${b} this line is not a delimiter${CRLF}`);
    out.push(entityText(p, ctx));
  });
  if (ctx.unclosed === e) return out.join('');
  out.push(CRLF, `--${b}--`, pad());
  if (wild?.junk && ctx.r?.chance(0.5))
    out.push(` junk after the close delimiter${CRLF}--${b}--${CRLF}more junk`);
  if (e.epilogue !== '') out.push(CRLF, e.epilogue);
  else if (e.finalNewline) out.push(CRLF);
  return out.join('');
}

/** A part: its MIME fields, the blank line, its body. */
function entityText(e: EntitySpec, ctx: Ctx): string {
  if (e.kind === 'message') {
    // The part's own fields, then the enclosed message (its own header and body).
    return headerBytes(mimeFields(e, ctx.utf8).join(''), ctx.utf8) + CRLF + messageText(e.message, ctx);
  }
  return headerBytes(mimeFields(e, ctx.utf8).join(''), ctx.utf8) + CRLF + entityBody(e, ctx);
}

/** A message: its fields with the root entity's MIME fields among them, the blank line, the body. */
function messageText(m: MessageSpec, ctx: Ctx): string {
  // Raw fields of wild messages are latin1 bytes already; the others are text.
  const fields = m.fields.map((f) =>
    f.kind === 'raw' ? fieldText(f, m.utf8) : headerBytes(fieldText(f, m.utf8), m.utf8),
  );
  const root = m.body;
  fields.splice(Math.min(m.mimeAt, fields.length), 0, headerBytes(mimeFields(root, m.utf8).join(''), m.utf8));
  const outer = ctx.utf8;
  ctx.utf8 = m.utf8;
  const text = fields.join('') + CRLF + entityBody(root, ctx);
  ctx.utf8 = outer;
  return text;
}

function firstMultipart(e: EntitySpec): MultipartSpec | undefined {
  if (e.kind === 'multipart') return e;
  if (e.kind === 'message') return firstMultipart(e.message.body);
  return undefined;
}

/** Byte-level wildness: line ends, a long line, a missing separator, truncation. */
function wildBytes(text: string, w: WildSpec, r: Prng): string {
  let s = text;
  if (w.longLine) {
    const cut = s.indexOf(CRLF);
    s = `${s.slice(0, cut + 2)}X-Long-Line: ${'x'.repeat(1200 + r.int(3000))}${CRLF}${s.slice(cut + 2)}`;
  }
  if (w.noSeparator) {
    const sep = s.indexOf(CRLF + CRLF);
    if (sep >= 0) s = s.slice(0, sep + 2) + s.slice(sep + 4);
  }
  if (w.lineEnd === 'lf') s = s.replace(/\r\n/g, '\n');
  else if (w.lineEnd === 'mixed')
    s = s.replace(/\r\n/g, () => (r.chance(0.5) ? '\n' : r.chance(0.1) ? '\r' : '\r\n'));
  if (w.truncate > 0) s = s.slice(0, Math.floor(s.length * w.truncate));
  return s;
}

/** The bytes of a message. Non-wild specs give valid messages (CRLF, lines ≤ 998). */
export function renderMessage(spec: MessageSpec): Uint8Array {
  const w = spec.wild;
  const r = w ? prng(w.seed) : undefined;
  const ctx: Ctx = {
    wild: w,
    r,
    unclosed: w?.unclosed ? firstMultipart(spec.body) : undefined,
    utf8: spec.utf8,
  };
  let text = messageText(spec, ctx);
  if (w && r) text = wildBytes(text, w, r);
  return Buffer.from(text, 'latin1');
}
