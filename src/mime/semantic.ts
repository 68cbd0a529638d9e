// The meaning of a message, apart from its bytes: every header field decoded by its kind
// (addresses, dates, ids, media types, text), every leaf body transfer-decoded. `toModel`
// reads it from a parsed tree, `fromModel` writes it afresh and strictly, with no raw byte
// reused. parse → model → encode → parse → model must give the same model (the isomorphism
// check of mrmime and hamlet): a disagreement between our encoders and our decoders shows
// up as a difference, which `diffModels` names.
import { type AddressItem, formatAddressList, parseAddressList } from './address.js';
import { decodeBase64 } from './base64.js';
import { asBuffer, concatBytes } from './bytes.js';
import { formatDate, parseDate } from './date.js';
import { decodeUnstructured, encodeUnstructured } from './encoded-word.js';
import { HARD_MAX_LINE, Header, type HeaderField } from './header.js';
import { formatMessageIds, parseMessageIds } from './message-id.js';
import {
  formatContentDisposition,
  formatContentType,
  parseContentDisposition,
  parseContentType,
} from './params.js';
import { Part, parseMessage } from './part.js';
import { decodeQuotedPrintable } from './quoted-printable.js';
import { serialize } from './serialize.js';
import { encodeBody, type TransferEncoding } from './transfer.js';

export type FieldValue =
  /** From, Sender, Reply-To, To, Cc, Bcc and their Resent- forms. */
  | { kind: 'addresses'; items: AddressItem[] }
  /** Date, Resent-Date: epoch milliseconds and the zone offset in minutes (-0 for "-0000"). */
  | { kind: 'date'; epoch: number; offset: number }
  /** Message-ID, In-Reply-To, References, Resent-Message-ID, Content-ID: ids without brackets. */
  | { kind: 'ids'; ids: string[] }
  | { kind: 'content-type'; type: string; subtype: string; params: Record<string, string> }
  | { kind: 'disposition'; disposition: string; params: Record<string, string> }
  /** Content-Transfer-Encoding (lower case), MIME-Version ("1.0", comments dropped). */
  | { kind: 'token'; value: string }
  /** Unstructured fields (Subject, Comments, X-*, any unknown field), RFC 2047 decoded. */
  | { kind: 'text'; text: string }
  /**
   * Structured fields not modelled (Received, DKIM-Signature, Authentication-Results, ARC-*,
   * Return-Path, List-*, …), and any field whose value does not read cleanly: the unfolded
   * value as it is.
   */
  | { kind: 'raw'; value: string };

export interface ModelField {
  /** The name as written, case kept. */
  name: string;
  value: FieldValue;
}

export interface ModelPart {
  fields: ModelField[];
  kind: 'leaf' | 'multipart' | 'message';
  /**
   * Leaf: the body after transfer decoding (base64, quoted-printable). Bodies in encodings
   * MIME does not define (uuencode, unknown names) are kept as they are, like 7bit and 8bit.
   */
  body?: Uint8Array;
  /** Multipart: the exact bytes before the first and after the close delimiter line. */
  preamble?: Uint8Array;
  epilogue?: Uint8Array;
  /** Multipart: the children; message/rfc822 (kind 'message'): [the enclosed message]. */
  parts?: ModelPart[];
}

// ---------------------------------------------------------------------------------------
// Field kinds
// ---------------------------------------------------------------------------------------

type Codec =
  | 'addresses'
  | 'date'
  | 'ids'
  | 'content-type'
  | 'disposition'
  | 'cte'
  | 'version'
  | 'text'
  | 'raw';

const CODECS = new Map<string, Codec>();
for (const n of ['from', 'sender', 'reply-to', 'to', 'cc', 'bcc']) {
  CODECS.set(n, 'addresses');
  CODECS.set(`resent-${n}`, 'addresses');
}
for (const n of ['date', 'resent-date']) CODECS.set(n, 'date');
for (const n of ['message-id', 'in-reply-to', 'references', 'resent-message-id', 'content-id']) {
  CODECS.set(n, 'ids');
}
CODECS.set('content-type', 'content-type');
CODECS.set('content-disposition', 'disposition');
CODECS.set('content-transfer-encoding', 'cte');
CODECS.set('mime-version', 'version');
// Structured fields whose grammar we do not model: kept as they are.
for (const n of [
  'received',
  'return-path',
  'dkim-signature',
  'domainkey-signature',
  'authentication-results',
  'received-spf',
  'keywords',
  'content-language',
  'content-location',
  'content-base',
  'content-md5',
  'content-features',
  'content-duration',
  'accept-language',
  'disposition-notification-to',
  'disposition-notification-options',
  'original-recipient',
  'return-receipt-to',
  'errors-to',
  'mail-followup-to',
  'mail-reply-to',
  'auto-submitted',
  'archived-at',
  'autocrypt',
  'openpgp',
  'tls-required',
  'require-recipient-valid-since',
  'newsgroups',
  'followup-to',
  'path',
  'xref',
  'lines',
  'message-context',
]) {
  CODECS.set(n, 'raw');
}

/** Kinds by the names as written ("Subject", "SUBJECT"): a memo that saves lower-casing. */
const SEEN = new Map<string, Codec>(CODECS);
const SEEN_MAX = 4096;

function codecOf(name: string): Codec {
  const seen = SEEN.get(name);
  if (seen !== undefined) return seen;
  const lower = name.toLowerCase();
  const c = CODECS.get(lower) ?? (lower.startsWith('arc-') || lower.startsWith('list-') ? 'raw' : 'text');
  if (SEEN.size < SEEN_MAX) SEEN.set(name, c);
  return c;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** No lone surrogate: such a string cannot be written as UTF-8 and read back. */
function wellFormed(s: string): boolean {
  return !SURROGATE.test(s) || (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

function itemsWellFormed(items: readonly AddressItem[]): boolean {
  for (const it of items) {
    if ('members' in it) {
      if (!wellFormed(it.group)) return false;
      for (const m of it.members) if (!wellFormed(m.name) || !wellFormed(m.address)) return false;
    } else if (!wellFormed(it.name) || !wellFormed(it.address)) return false;
  }
  return true;
}

// RFC 2045 §5.1 token (printable ASCII but SPACE and tspecials), and RFC 2231 attribute-char
// (a token character but "*", "'" and "%"): what the parameter writers accept.
const TOKEN = /^[!#-'*+\-.0-9A-Z^-~]+$/;
const ATTRIBUTE = /^[!#$&+\-.0-9A-Z^-~]+$/;

function paramsWritable(params: Record<string, string>): boolean {
  for (const k of Object.keys(params)) {
    if (!ATTRIBUTE.test(k) || !wellFormed(params[k] as string)) return false;
  }
  return true;
}

/** An id that `parseMessageIds("<id>")` reads back as itself without a second look. */
const PLAIN_ID = /^[^<>"( \t\r\n]+$/;

function idWritable(id: string): boolean {
  if (PLAIN_ID.test(id)) return true;
  try {
    formatMessageIds([id]);
    return true;
  } catch {
    return false;
  }
}

/** RFC 2045 §4 version: digits "." digits, comments and white space dropped; "" if not one. */
function mimeVersion(value: string): string {
  if (value === '1.0') return value;
  let out = '';
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x5c && depth > 0) i++;
    else if (c === 0x28) depth++;
    else if (c === 0x29 && depth > 0) depth--;
    else if (depth === 0 && c !== 0x20 && c !== 0x09) out += value[i];
  }
  return /^[0-9]+\.[0-9]+$/.test(out) ? out : '';
}

function raw(value: string): FieldValue {
  return { kind: 'raw', value };
}

/** A field's value by its kind; `raw` when it does not read cleanly. */
function fieldModel(name: string, value: string): FieldValue {
  switch (codecOf(name)) {
    case 'addresses': {
      const r = parseAddressList(value);
      if (r.defects.length > 0 || !itemsWellFormed(r.items)) return raw(value);
      return { kind: 'addresses', items: r.items };
    }
    case 'date': {
      const d = parseDate(value);
      if (d === null) return raw(value);
      const epoch = d.date.getTime();
      const offset = d.offsetMinutes;
      // formatDate writes local years 0..9999 (a leap second may carry 9999 over).
      const y = new Date(epoch + offset * 60_000).getUTCFullYear();
      if (!Number.isFinite(epoch) || y < 0 || y > 9999) return raw(value);
      return { kind: 'date', epoch, offset };
    }
    case 'ids': {
      const ids = parseMessageIds(value);
      // Nothing read from a non-empty value ("In-Reply-To: your mail of Monday"): keep it.
      if (ids.length === 0 && value !== '') return raw(value);
      for (const id of ids) if (!idWritable(id)) return raw(value);
      return { kind: 'ids', ids };
    }
    case 'content-type': {
      const ct = parseContentType(value);
      if (
        ct.defects.length > 0 ||
        !TOKEN.test(ct.type) ||
        !TOKEN.test(ct.subtype) ||
        !paramsWritable(ct.params)
      ) {
        return raw(value);
      }
      return { kind: 'content-type', type: ct.type, subtype: ct.subtype, params: ct.params };
    }
    case 'disposition': {
      const cd = parseContentDisposition(value);
      if (cd.defects.length > 0 || !TOKEN.test(cd.disposition) || !paramsWritable(cd.params))
        return raw(value);
      return { kind: 'disposition', disposition: cd.disposition, params: cd.params };
    }
    case 'cte':
      // Only a bare token: the parser takes the whole value ("8bit (x)" is no 8bit).
      return TOKEN.test(value) ? { kind: 'token', value: value.toLowerCase() } : raw(value);
    case 'version': {
      const v = mimeVersion(value);
      return v === '' ? raw(value) : { kind: 'token', value: v };
    }
    case 'text': {
      const r = decodeUnstructured(value);
      if (r.defects.length > 0 || !wellFormed(r.text)) return raw(value);
      return { kind: 'text', text: r.text };
    }
    default:
      return raw(value);
  }
}

// ---------------------------------------------------------------------------------------
// toModel
// ---------------------------------------------------------------------------------------

/**
 * The meaning of a parsed part (and of everything under it). Never throws. Bodies of
 * identity encodings, preambles and epilogues are views of the part's bytes, not copies.
 */
export function toModel(part: Part): ModelPart {
  const src = part.header.fields;
  const fields: ModelField[] = [];
  for (let i = 0; i < src.length; i++) {
    const f = src[i] as HeaderField;
    // A continuation line with no field before it (broken mail) continues nothing: it
    // carries no meaning, and a fresh encoding leaves it out.
    if (f.name === '') continue;
    let value: FieldValue;
    try {
      value = fieldModel(f.name, f.value);
    } catch {
      value = raw(f.value);
    }
    fields.push({ name: f.name, value });
  }
  interpretContentType(fields, part);
  if (part.kind === 'multipart' && part.parts.length === 0) {
    // No delimiter line at all: nothing was split, the body is opaque data.
    opaqueMultipart(fields, part);
    const body = concatBytes([part.preamble, part.closeDelimiter ?? EMPTY, part.epilogue]);
    return { fields, kind: 'leaf', body };
  }
  if (part.kind === 'multipart') {
    return {
      fields,
      kind: 'multipart',
      preamble: part.preamble,
      epilogue: part.epilogue,
      parts: part.parts.map(toModel),
    };
  }
  if (part.kind === 'message') return { fields, kind: 'message', parts: part.parts.map(toModel) };
  if (part.type.startsWith('multipart/')) opaqueMultipart(fields, part);
  return { fields, kind: 'leaf', body: leafBody(part) };
}

/**
 * A Content-Type that does not read cleanly means what the parser made of it (RFC 2045
 * §5.2: text/plain when the type is unreadable; the parameters it could read): the model
 * holds that meaning, so a fresh encoding writes it validly.
 */
function interpretContentType(fields: ModelField[], part: Part): void {
  const i = fields.findIndex((f) => f.name.toLowerCase() === 'content-type');
  const f = fields[i];
  if (f?.value.kind !== 'raw') return;
  const slash = part.type.indexOf('/');
  const type = part.type.slice(0, slash);
  const subtype = part.type.slice(slash + 1);
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return;
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(part.params)) if (paramsWritable({ [k]: v })) params[k] = v;
  if (part.kind === 'multipart' && params.boundary === undefined) return;
  fields[i] = { name: f.name, value: { kind: 'content-type', type, subtype, params } };
}

/**
 * A multipart the parser could not split (no boundary, no delimiter, too deep) is opaque data: say
 * so in its Content-Type, so that its fresh encoding is a valid message and not a
 * multipart without delimiters (RFC 2046 §5.1.1 requires the boundary parameter).
 */
function opaqueMultipart(fields: ModelField[], part: Part): void {
  const i = fields.findIndex((f) => f.name.toLowerCase() === 'content-type');
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(part.params))
    if (k !== 'boundary' && paramsWritable({ [k]: v })) params[k] = v;
  const value: FieldValue = { kind: 'content-type', type: 'application', subtype: 'octet-stream', params };
  if (i >= 0) fields[i] = { name: (fields[i] as ModelField).name, value };
}

function leafBody(part: Part): Uint8Array {
  if (part.encoding === 'base64') return decodeBase64(part.body);
  if (part.encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

// ---------------------------------------------------------------------------------------
// fromModel
// ---------------------------------------------------------------------------------------

/** Whether an address list carries UTF-8 addresses (RFC 6532): its names may then be UTF-8 too. */
function hasUtf8Address(items: readonly AddressItem[]): boolean {
  for (const it of items) {
    if ('members' in it) {
      for (const m of it.members) if (/[^\x00-\x7f]/.test(m.address)) return true;
    } else if (/[^\x00-\x7f]/.test(it.address)) return true;
  }
  return false;
}

function longestWord(s: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09) run = 0;
    else if (++run > best) best = run;
  }
  return best;
}

/** Base64 UTF-8 encoded words for all of `text` (≤ 75 characters each, characters whole). */
function encodedWords(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const words: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    let j = Math.min(i + 45, bytes.length);
    while (j < bytes.length && j > i + 1 && ((bytes[j] as number) & 0xc0) === 0x80) j--;
    words.push(`=?utf-8?b?${bytes.toString('base64', i, j)}?=`);
    i = j;
  }
  return words.join(' ');
}

/**
 * Unstructured text as encodeUnstructured writes it; but a word that would not fit in a
 * line of 998 (text decoded from many encoded words) is written as encoded words too.
 */
function encodeText(name: string, text: string): string {
  const s = encodeUnstructured(text);
  if (s.length + name.length + 2 <= HARD_MAX_LINE) return s;
  return longestWord(s) + name.length + 2 > HARD_MAX_LINE ? encodedWords(text) : s;
}

function formatIds(ids: readonly string[]): string {
  let out = '';
  for (const id of ids) {
    const one = PLAIN_ID.test(id) ? `<${id}>` : formatMessageIds([id]);
    out = out === '' ? one : `${out} ${one}`;
  }
  return out;
}

/** A field value written strictly by its kind (folded later, by serialize). */
function encodeFieldValue(name: string, v: FieldValue): string {
  switch (v.kind) {
    case 'addresses':
      return formatAddressList(v.items, { utf8: hasUtf8Address(v.items) });
    case 'date':
      return formatDate(new Date(v.epoch), v.offset);
    case 'ids':
      return formatIds(v.ids);
    case 'content-type':
      return formatContentType(v.type, v.subtype, v.params);
    case 'disposition':
      return formatContentDisposition(v.disposition, v.params);
    case 'token':
      return v.value;
    case 'text':
      return encodeText(name, v.text);
    case 'raw':
      return v.value;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * A part written afresh from its meaning: no raw bytes anywhere. Fields are encoded by their
 * kind (folded at serialization), leaf bodies re-encoded in the part's
 * Content-Transfer-Encoding, multipart delimiters made from the boundary parameter. Fields
 * without a name (stray continuation lines of a broken header) cannot be written and are
 * left out. The part shares the model's parameter records and identity-encoded bodies.
 * Throws RangeError for a value its writer refuses (only hand-made models have one).
 */
export function fromModel(model: ModelPart): Part {
  const fields: HeaderField[] = [];
  let ct: string | undefined;
  let ctModel: FieldValue | undefined;
  let cte: string | undefined;
  for (const f of model.fields) {
    if (f.name === '') continue;
    const value = encodeFieldValue(f.name, f.value);
    fields.push({ name: f.name, value });
    const n = f.name.length;
    if (n === 12 && ct === undefined && f.name.toLowerCase() === 'content-type') {
      ct = value;
      ctModel = f.value;
    } else if (n === 25 && cte === undefined && f.name.toLowerCase() === 'content-transfer-encoding')
      cte = value;
  }
  // Type and parameters as the parser will read them from what we wrote.
  let type = model.kind === 'message' ? 'message/rfc822' : 'text/plain';
  let params: Record<string, string> = {};
  if (ctModel?.kind === 'content-type') {
    type = `${ctModel.type}/${ctModel.subtype}`;
    params = ctModel.params;
  } else if (ct !== undefined) {
    const p = parseContentType(ct);
    type = `${p.type}/${p.subtype}`;
    params = p.params;
  }
  const encoding = (cte ?? '7bit').trim().toLowerCase() || '7bit';
  const header = new Header(fields);
  if (model.kind === 'leaf') {
    return new Part({
      header,
      type,
      params,
      encoding,
      kind: 'leaf',
      body: encodeBody(model.body ?? EMPTY, encoding as TransferEncoding),
    });
  }
  return new Part({
    header,
    type,
    params,
    encoding,
    kind: model.kind,
    preamble: model.preamble ?? EMPTY,
    epilogue: model.epilogue ?? EMPTY,
    parts: (model.parts ?? []).map(fromModel),
    closed: true,
  });
}

// ---------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------

function show(s: string): string {
  const j = JSON.stringify(s);
  return j.length > 72 ? `${j.slice(0, 60)}…" (${s.length} chars)` : j;
}

function bytesDiff(what: string, a: Uint8Array, b: Uint8Array): string | undefined {
  if (a.length === b.length && asBuffer(a).equals(b)) return undefined;
  let i = 0;
  const n = Math.min(a.length, b.length);
  while (i < n && a[i] === b[i]) i++;
  const around = (x: Uint8Array) => show(asBuffer(x).toString('latin1', Math.max(0, i - 8), i + 16));
  return `${what}: ${a.length} ≠ ${b.length} bytes, first difference at byte ${i}: ${around(a)} ≠ ${around(b)}`;
}

function paramsDiff(a: Record<string, string>, b: Record<string, string>): string | undefined {
  const ka = Object.keys(a);
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return `parameter ${k}=${show(a[k] as string)} ≠ (none)`;
    if (a[k] !== b[k]) return `parameter ${k}: ${show(a[k] as string)} ≠ ${show(b[k] as string)}`;
  }
  const kb = Object.keys(b);
  if (kb.length !== ka.length) {
    for (const k of kb) if (!Object.hasOwn(a, k)) return `parameter ${k}: (none) ≠ ${show(b[k] as string)}`;
  }
  return undefined;
}

function mailboxText(m: { name: string; address: string }): string {
  return `${show(m.name)} <${m.address}>`;
}

function itemsDiff(a: readonly AddressItem[], b: readonly AddressItem[]): string | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as AddressItem;
    const y = b[i] as AddressItem;
    const gx = 'members' in x;
    const gy = 'members' in y;
    if (gx !== gy) return `item ${i + 1}: ${gx ? 'group' : 'mailbox'} ≠ ${gy ? 'group' : 'mailbox'}`;
    if (gx && gy) {
      if (x.group !== y.group) return `group ${i + 1}: ${show(x.group)} ≠ ${show(y.group)}`;
      const d = itemsDiff(x.members, y.members);
      if (d !== undefined) return `group ${show(x.group)} ${d}`;
    } else if (!gx && !gy && (x.name !== y.name || x.address !== y.address)) {
      return `mailbox ${i + 1}: ${mailboxText(x)} ≠ ${mailboxText(y)}`;
    }
  }
  if (a.length !== b.length) return `${a.length} ≠ ${b.length} items`;
  return undefined;
}

function dateText(epoch: number, offset: number): string {
  try {
    return `${formatDate(new Date(epoch), offset)} (${epoch})`;
  } catch {
    return `${epoch} ${offset}`;
  }
}

function valueDiff(a: FieldValue, b: FieldValue): string | undefined {
  if (a.kind !== b.kind) return `kind ${a.kind} ≠ ${b.kind}`;
  switch (a.kind) {
    case 'addresses':
      return itemsDiff(a.items, (b as typeof a).items);
    case 'date': {
      const y = b as typeof a;
      if (a.epoch === y.epoch && Object.is(a.offset, y.offset)) return undefined;
      return `date ${dateText(a.epoch, a.offset)} ≠ ${dateText(y.epoch, y.offset)}`;
    }
    case 'ids': {
      const y = b as typeof a;
      const n = Math.max(a.ids.length, y.ids.length);
      for (let i = 0; i < n; i++) {
        if (a.ids[i] !== y.ids[i])
          return `id ${i + 1}: ${show(a.ids[i] ?? '(none)')} ≠ ${show(y.ids[i] ?? '(none)')}`;
      }
      return undefined;
    }
    case 'content-type': {
      const y = b as typeof a;
      if (a.type !== y.type || a.subtype !== y.subtype)
        return `${a.type}/${a.subtype} ≠ ${y.type}/${y.subtype}`;
      return paramsDiff(a.params, y.params);
    }
    case 'disposition': {
      const y = b as typeof a;
      if (a.disposition !== y.disposition) return `${a.disposition} ≠ ${y.disposition}`;
      return paramsDiff(a.params, y.params);
    }
    case 'token': {
      const y = b as typeof a;
      return a.value === y.value ? undefined : `token ${show(a.value)} ≠ ${show(y.value)}`;
    }
    case 'text': {
      const y = b as typeof a;
      return a.text === y.text ? undefined : `text ${show(a.text)} ≠ ${show(y.text)}`;
    }
    case 'raw': {
      const y = b as typeof a;
      return a.value === y.value ? undefined : `raw ${show(a.value)} ≠ ${show(y.value)}`;
    }
  }
}

function partDiff(a: ModelPart, b: ModelPart, path: string): string | undefined {
  if (a.kind !== b.kind) return `${path}: kind ${a.kind} ≠ ${b.kind}`;
  const n = Math.min(a.fields.length, b.fields.length);
  for (let i = 0; i < n; i++) {
    const x = a.fields[i] as ModelField;
    const y = b.fields[i] as ModelField;
    if (x.name !== y.name) return `${path} field ${i + 1}: name ${show(x.name)} ≠ ${show(y.name)}`;
    const d = valueDiff(x.value, y.value);
    if (d !== undefined) return `${path} ${x.name}: ${d}`;
  }
  if (a.fields.length !== b.fields.length) {
    const extra = a.fields.length > b.fields.length ? a.fields[n] : b.fields[n];
    return `${path}: ${a.fields.length} ≠ ${b.fields.length} fields (first unmatched: ${extra?.name})`;
  }
  let d = bytesDiff(`${path} body`, a.body ?? EMPTY, b.body ?? EMPTY);
  d ??= bytesDiff(`${path} preamble`, a.preamble ?? EMPTY, b.preamble ?? EMPTY);
  d ??= bytesDiff(`${path} epilogue`, a.epilogue ?? EMPTY, b.epilogue ?? EMPTY);
  if (d !== undefined) return d;
  const pa = a.parts ?? [];
  const pb = b.parts ?? [];
  if (pa.length !== pb.length) return `${path}: ${pa.length} ≠ ${pb.length} parts`;
  for (let i = 0; i < pa.length; i++) {
    const sub = partDiff(
      pa[i] as ModelPart,
      pb[i] as ModelPart,
      path === '0' ? `${i + 1}` : `${path}.${i + 1}`,
    );
    if (sub !== undefined) return sub;
  }
  return undefined;
}

/**
 * Undefined when the two models are equal; else the first difference, with the part's path
 * ("0" for the top level, "1.2" for the second child of the first part) and the field name,
 * e.g. `1.2 Subject: text "a" ≠ "b"`. Parameters compare as sets; a date's offset -0
 * ("-0000", zone unknown) differs from 0 ("+0000").
 */
export function diffModels(a: ModelPart, b: ModelPart): string | undefined {
  return partDiff(a, b, '0');
}

/** Parses `bytes`, takes the model, writes it afresh: the strict encoding of the message's meaning. */
export function reencode(bytes: Uint8Array): { bytes: Uint8Array; model: ModelPart } {
  const model = toModel(parseMessage(bytes).root);
  return { bytes: serialize(fromModel(model)), model };
}
