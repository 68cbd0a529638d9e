// Crafting messages: a new message, wrapping a body into a multipart, appending a part.
// Output is strict (RFC 5322, RFC 2045–2047, RFC 2231): CRLF, folded fields, encoded words
// for non-ASCII text, transfer encodings chosen by content, boundaries absent from content.
import {
  type AddressItem,
  formatAddressList,
  isValidAddress,
  mailboxes,
  parseAddressList,
} from './address.js';
import { formatDate } from './date.js';
import { encodeUnstructured } from './encoded-word.js';
import { Header } from './header.js';
import { formatMessageIds, generateMessageId } from './message-id.js';
import { formatContentDisposition, formatContentType, parseContentType } from './params.js';
import { Part } from './part.js';
import { serialize } from './serialize.js';
import { chooseEncoding, decodedBody, encodeBody, type TransferEncoding, toCrlf } from './transfer.js';

/** Misuse of the builders (bad address, wrong kind of message): the caller's input is wrong. */
export class BuildError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'BuildError';
    this.code = code;
  }
}

/** Randomness comes from the caller, so that builds are reproducible (`--seed`). */
export type RandomBytes = (n: number) => Uint8Array;

export interface NewMessage {
  from?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string[];
  subject?: string;
  date?: Date;
  /** Offset of the Date field's zone from UTC, in minutes (default 0). */
  dateOffset?: number;
  /** Without angle brackets; generated from the From domain when absent. */
  messageId?: string;
  /** Extra fields, in order; values are text (encoded words added where needed). */
  headers?: [string, string][];
  /** A Content-Type value; default "text/plain; charset=utf-8". */
  type?: string;
  encoding?: TransferEncoding;
  body: Uint8Array;
  random: RandomBytes;
}

/** Parses user-given addresses and writes them strictly; bad ones throw BuildError. */
export function addressField(values: string[], what: string): string {
  const items: AddressItem[] = [];
  for (const v of values) {
    const parsed = parseAddressList(v);
    const boxes = mailboxes(parsed.items);
    if (parsed.defects.length > 0 || boxes.length === 0 || !boxes.every((m) => isValidAddress(m.address))) {
      throw new BuildError('bad-address', `${what}: not a valid address: ${v}`);
    }
    items.push(...parsed.items);
  }
  return formatAddressList(items);
}

const CONTENT_FIELDS = new Set([
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'content-description',
  'content-id',
  'content-language',
  'content-location',
  'content-md5',
]);

function isTextType(type: string): boolean {
  return type.startsWith('text/');
}

/** A leaf part: header fields for its content, body encoded. */
export function createLeaf(opts: {
  type: string;
  body: Uint8Array;
  encoding?: TransferEncoding;
  filename?: string;
  disposition?: string;
  /** Text bodies get CRLF line ends (RFC 2046 §4.1.1) unless false. */
  crlf?: boolean;
}): Part {
  const ct = parseContentType(opts.type);
  if (ct.defects.length > 0) throw new BuildError('bad-type', `not a valid media type: ${opts.type}`);
  const type = `${ct.type}/${ct.subtype}`;
  if (type.startsWith('multipart/')) throw new BuildError('bad-type', 'a leaf cannot be multipart');
  const text = isTextType(type);
  const data = text && opts.crlf !== false ? toCrlf(opts.body) : opts.body;
  const params = { ...ct.params };
  if (opts.filename !== undefined && params.name === undefined && !text) params.name = opts.filename;
  const encoding = opts.encoding ?? chooseEncoding(data, text);
  const header = new Header();
  header.append('Content-Type', formatContentType(ct.type, ct.subtype, params));
  if (encoding !== '7bit') header.append('Content-Transfer-Encoding', encoding);
  if (opts.disposition !== undefined || opts.filename !== undefined) {
    const dparams: Record<string, string> = {};
    if (opts.filename !== undefined) dparams.filename = opts.filename;
    header.append('Content-Disposition', formatContentDisposition(opts.disposition ?? 'attachment', dparams));
  }
  return new Part({
    header,
    type,
    params,
    encoding,
    kind: 'leaf',
    body: encodeBody(data, encoding, text),
  });
}

/** A complete new message with one body. */
export function createMessage(m: NewMessage): Part {
  const header = new Header();
  header.append('Date', formatDate(m.date ?? new Date(0), m.dateOffset ?? 0));
  let domain = 'localhost';
  if (m.from !== undefined) {
    const from = addressField([m.from], 'From');
    header.append('From', from);
    const addr = mailboxes(parseAddressList(from).items)[0]?.address ?? '';
    domain = addr.slice(addr.lastIndexOf('@') + 1) || domain;
  }
  if (m.to?.length) header.append('To', addressField(m.to, 'To'));
  if (m.cc?.length) header.append('Cc', addressField(m.cc, 'Cc'));
  if (m.bcc?.length) header.append('Bcc', addressField(m.bcc, 'Bcc'));
  if (m.replyTo?.length) header.append('Reply-To', addressField(m.replyTo, 'Reply-To'));
  if (m.subject !== undefined) header.append('Subject', encodeUnstructured(m.subject));
  const id = m.messageId ?? generateMessageId(domain, m.random(16));
  header.append('Message-ID', formatMessageIds([id]));
  header.append('MIME-Version', '1.0');
  for (const [name, value] of m.headers ?? []) header.append(name, encodeUnstructured(value));
  const leaf = createLeaf({
    type: m.type ?? 'text/plain; charset=utf-8',
    body: m.body,
    ...(m.encoding ? { encoding: m.encoding } : {}),
  });
  for (const f of leaf.header.fields) header.append(f.name, f.value);
  leaf.header = header;
  return leaf;
}

/** A boundary that cannot occur in base64 or quoted-printable text ("=_" is invalid in both). */
export function newBoundary(random: RandomBytes): string {
  return `=_poste_${Buffer.from(random(12)).toString('hex')}`;
}

function contains(haystack: Uint8Array, needle: string): boolean {
  return (
    Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle, 0, 'latin1') >= 0
  );
}

/**
 * Wraps the body of `message` into a multipart: its content fields and body move into the
 * first part, the rest of its header stays (RFC 2046 §5.1).
 */
export function wrapMultipart(message: Part, subtype: string, random: RandomBytes): Part {
  const inner = new Part({
    header: new Header(message.header.fields.filter((f) => CONTENT_FIELDS.has(f.name.toLowerCase()))),
    type: message.type,
    params: message.params,
    encoding: message.encoding,
    kind: message.kind,
    body: message.body,
    preamble: message.preamble,
    epilogue: message.epilogue,
    delimiters: message.delimiters,
    closeDelimiter: message.closeDelimiter,
    closed: message.closed,
    parts: message.parts,
  });
  // A body without a Content-Type of its own is text/plain (RFC 2045 §5.2): say so.
  if (!inner.header.has('content-type')) inner.header.append('Content-Type', 'text/plain; charset=us-ascii');
  const innerBytes = serialize(inner);
  let boundary = newBoundary(random);
  while (contains(innerBytes, boundary)) boundary = newBoundary(random);
  const params = { boundary };
  const fields = message.header.fields;
  const at = fields.findIndex((f) => f.name.toLowerCase() === 'content-type');
  const kept = fields.filter((f) => !CONTENT_FIELDS.has(f.name.toLowerCase()));
  const header = new Header(kept);
  if (!header.has('mime-version')) header.append('MIME-Version', '1.0');
  const ctField = { name: 'Content-Type', value: formatContentType('multipart', subtype, params) };
  // Keep the Content-Type where it was, when it was among the kept fields' neighbours.
  const before =
    at < 0
      ? kept.length
      : fields.slice(0, at).filter((f) => !CONTENT_FIELDS.has(f.name.toLowerCase())).length;
  header.fields.splice(before, 0, ctField);
  return new Part({
    header,
    separator: message.separator.length ? message.separator : Uint8Array.of(0x0d, 0x0a),
    ...(message.unixFrom ? { unixFrom: message.unixFrom } : {}),
    type: `multipart/${subtype}`,
    params,
    kind: 'multipart',
    parts: [inner],
    closed: true,
  });
}

/** Appends a part to a multipart message; its content is re-encoded if the boundary shows. */
export function appendPart(message: Part, part: Part): void {
  if (message.kind !== 'multipart') {
    throw new BuildError('not-multipart', `the message is ${message.type}, not multipart (wrap it first)`);
  }
  const boundary = message.boundary ?? '';
  if (part.kind === 'leaf' && contains(part.body, `--${boundary}`)) {
    // Quoted-printable escapes a "-" that opens a line, so no line can be a delimiter.
    const decoded = decodedBody(part);
    part.body = encodeBody(decoded, 'quoted-printable', isTextType(part.type));
    part.encoding = 'quoted-printable';
    part.header.set('Content-Transfer-Encoding', 'quoted-printable');
  }
  message.parts.push(part);
  // A message whose close delimiter was missing gets one now that it is rewritten.
  message.closed = true;
}
