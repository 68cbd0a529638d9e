// Conformance against Stalwart's mail-parser: each message of its corpus comes with the
// expected parse as JSON (mail-parser's serde form of `Message`), once for the message with
// every CR stripped (NNN.json) and once with every line ending made CRLF (NNN.crlf.json).
// This file adapts that form to ours and compares, message by message: the part tree
// (multipart nesting, number of parts, enclosed messages), the decoded bodies (Text/Html
// against bodyText, Binary/InlineBinary against decodedBody) and the decoded Subject, From,
// To and Date of every message, enclosed ones included.
import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { expect, it } from 'vitest';
import {
  type AddressItem,
  bodyText,
  decodedBody,
  decodeUnstructured,
  type Part,
  parseAddressList,
  parseDate,
  parseMessage,
} from '../../src/mime/index.js';
import { describeWithTestdata } from '../helpers/testdata.js';
import { filesUnder } from '../interop/helpers.js';

// ---- mail-parser's JSON (only what we compare) ------------------------------------------

interface SwAddr {
  name: string | null;
  address: string | null;
}
interface SwGroup {
  name: string | null;
  addresses: SwAddr[];
}
interface SwDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  tz_before_gmt: boolean;
  tz_hour: number;
  tz_minute: number;
}
interface SwHeader {
  /** Known fields by a snake_case name ("content_type"), others as {Other: name}. */
  name: string | Record<string, string>;
  /** "Empty", or one of {Text}, {TextList}, {Address: {List}|{Group}}, {DateTime}, … */
  value: unknown;
}
type SwBody =
  | { Text: string }
  | { Html: string }
  | { Binary: number[] }
  | { InlineBinary: number[] }
  | { Message: SwMessage }
  | { Multipart: number[] };
interface SwPart {
  headers: SwHeader[];
  body: SwBody;
}
/** Parts in depth-first order; part 0 is the root; a Multipart body lists child indexes. */
interface SwMessage {
  parts: SwPart[];
}

function swValue(p: SwPart, name: string, variant: string): unknown {
  const v = p.headers.find((h) => h.name === name)?.value;
  return v !== null && typeof v === 'object' && variant in v
    ? (v as Record<string, unknown>)[variant]
    : undefined;
}

// ---- the comparison ----------------------------------------------------------------------

/** A disagreement: where ("1.2 body", "root from"), and what was expected and got. */
interface Mismatch {
  at: string;
  detail: string;
}

const one = (m: { name: string | null; address: string | null }) => `${m.name ?? ''} <${m.address ?? ''}>`;

function swAddresses(v: { List?: SwAddr[]; Group?: SwGroup[] }): string[] {
  if (v.List) return v.List.map(one);
  return (v.Group ?? []).map((g) => `${g.name ?? ''}: ${g.addresses.map(one).join(', ')};`);
}

function ourAddresses(items: AddressItem[]): string[] {
  return items.map((i) => ('group' in i ? `${i.group}: ${i.members.map(one).join(', ')};` : one(i)));
}

/** An instant and its zone offset in minutes, the form both dates are compared in. */
function swDate(d: SwDateTime): string {
  const off = (d.tz_before_gmt ? -1 : 1) * (d.tz_hour * 60 + d.tz_minute);
  const utc = Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second) - off * 60_000;
  return `${new Date(utc).toISOString()} ${off}`;
}

const show = (s: string) => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);

class Comparison {
  readonly out: Mismatch[] = [];

  private miss(path: string, what: string, detail: string): void {
    this.out.push({ at: `${path || 'root'} ${what}`, detail });
  }

  message(exp: SwMessage, ours: Part, path: string): void {
    const root = exp.parts[0];
    if (!root) {
      this.miss(path, 'parts', 'the expected message has no parts');
      return;
    }
    this.headers(root, ours, path);
    this.part(exp, 0, ours, path);
  }

  private headers(exp: SwPart, ours: Part, path: string): void {
    const subject = swValue(exp, 'subject', 'Text');
    if (typeof subject === 'string') {
      const got = decodeUnstructured(ours.header.get('subject') ?? '').text;
      if (got !== subject) this.miss(path, 'subject', `expected ${show(subject)}, got ${show(got)}`);
    }
    for (const name of ['from', 'to']) {
      const v = swValue(exp, name, 'Address');
      if (v === undefined) continue;
      const want = swAddresses(v as { List?: SwAddr[]; Group?: SwGroup[] });
      const got = ourAddresses(parseAddressList(ours.header.get(name) ?? '').items);
      if (JSON.stringify(got) !== JSON.stringify(want))
        this.miss(path, name, `expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
    const date = swValue(exp, 'date', 'DateTime');
    if (date !== undefined) {
      const want = swDate(date as SwDateTime);
      const p = parseDate(ours.header.get('date') ?? '');
      const got = p ? `${p.date.toISOString()} ${p.offsetMinutes === 0 ? 0 : p.offsetMinutes}` : 'null';
      if (got !== want) this.miss(path, 'date', `expected ${want}, got ${got}`);
    }
  }

  private part(msg: SwMessage, index: number, ours: Part, path: string): void {
    const exp = msg.parts[index];
    if (!exp) {
      this.miss(path, 'parts', `no expected part ${index}`);
      return;
    }
    const b = exp.body;
    const child = (i: number) => (path === '' ? String(i + 1) : `${path}.${i + 1}`);
    if ('Multipart' in b) {
      if (ours.kind !== 'multipart') {
        this.miss(path, 'kind', `expected a multipart, got ${ours.kind}`);
        return;
      }
      if (ours.parts.length !== b.Multipart.length) {
        this.miss(path, 'parts', `expected ${b.Multipart.length} parts, got ${ours.parts.length}`);
        return;
      }
      b.Multipart.forEach((c, i) => {
        this.part(msg, c, ours.parts[i] as Part, child(i));
      });
      return;
    }
    if ('Message' in b) {
      const inner = enclosed(ours);
      if (!inner) {
        this.miss(path, 'kind', `expected an enclosed message, got ${ours.kind} ${ours.type}`);
        return;
      }
      this.message(b.Message, inner, child(0));
      return;
    }
    if (ours.kind !== 'leaf') {
      this.miss(path, 'kind', `expected a leaf, got ${ours.kind} ${ours.type}`);
      return;
    }
    if ('Text' in b || 'Html' in b) {
      const want = 'Text' in b ? b.Text : b.Html;
      const got = bodyText(ours);
      if (got !== want) this.miss(path, 'body', `${ours.type}: expected ${show(want)}, got ${show(got)}`);
      return;
    }
    const want = Buffer.from('Binary' in b ? b.Binary : b.InlineBinary);
    const got = Buffer.from(decodedBody(ours));
    if (!got.equals(want))
      this.miss(
        path,
        'body',
        `${ours.type}: expected ${want.length} bytes ${show(want.toString('latin1'))}, ` +
          `got ${got.length} ${show(got.toString('latin1'))}`,
      );
  }
}

/**
 * The message enclosed in a message/rfc822 part. mail-parser (like mime4j) parses one
 * under a base64 or quoted-printable encoding too; our parser leaves those as leaves (the
 * bytes are not MIME until decoded), so the adapter parses the decoded body, as a caller would.
 */
function enclosed(part: Part): Part | undefined {
  if (part.kind === 'message') return part.parts[0];
  if (part.kind === 'leaf' && /^message\/(rfc822|global)$/.test(part.type))
    return parseMessage(decodedBody(part)).root;
  return undefined;
}

// ---- deliberate differences ---------------------------------------------------------------

// Reasons shared by several messages.
const PREFIX =
  'an inner boundary that is a prefix of an outer one ("a" inside "ab"): we give a line with the ' +
  'outer boundary to the outer multipart (the longest match, RFC 2046 §5.1.1 note: the whole ' +
  'boundary must appear); mail-parser gives it to the inner one';
const OUTER =
  'a delimiter of an enclosing multipart ends an inner multipart that was never closed (as ' +
  "Python's email does); mail-parser reads it as text of the inner part";
const NOT_A_FIELD =
  "a line that is not a header field ends the header (as in Python's email, with a defect); " +
  'mail-parser skips it and reads header fields on to the blank line';
const TRAILING_DELIMITER =
  'a delimiter line opens a body part even when nothing follows it (our tree keeps one part ' +
  'per delimiter, which the byte-exact round trip needs); mail-parser drops the empty part';
const LATIN1_HEADER =
  'raw 8-bit header bytes that are not UTF-8 are read as Latin-1 ("Müller"); mail-parser ' +
  'replaces them with U+FFFD';
const LATIN1_BODY =
  'an 8-bit body labelled us-ascii (or not labelled) is read as UTF-8 if valid, else as ' +
  'Latin-1; mail-parser replaces the bytes with U+FFFD';
const UUENCODE = 'we decode x-uuencode bodies; mail-parser returns them as they are';
const BASE64 =
  "base64 is decoded as Python's binascii does: characters outside the alphabet are skipped " +
  'and decoding stops at padding; mail-parser decodes past the padding, and returns an ' +
  'undecodable body as it is';

/**
 * Where our parse of a corpus file deliberately differs from mail-parser's (same for both
 * line-ending variants): the exact mismatch locations, and why. Every other location of
 * these messages is still compared.
 */
const DIFFERENCES: Record<string, { at: string[]; why: string }> = {
  'legacy/010.eml': { at: ['root subject', 'root to'], why: LATIN1_HEADER },
  'legacy/017.eml': { at: ['root to', '2 body', '3 body'], why: `${LATIN1_HEADER}; ${UUENCODE}` },
  'legacy/020.eml': { at: ['root subject', 'root to'], why: LATIN1_HEADER },
  'legacy/022.eml': { at: ['root subject', 'root to'], why: LATIN1_HEADER },
  'legacy/026.eml': { at: ['2 body'], why: UUENCODE },
  'legacy/027.eml': { at: ['root subject', 'root to'], why: LATIN1_HEADER },
  'legacy/048.eml': { at: ['2 body', '3 body', '4 body'], why: UUENCODE },
  'legacy/052.eml': { at: ['root subject', 'root to', 'root body'], why: `${LATIN1_HEADER}; ${LATIN1_BODY}` },
  'malformed/000.eml': { at: ['root parts'], why: TRAILING_DELIMITER },
  'malformed/001.eml': { at: ['root parts'], why: PREFIX },
  'malformed/002.eml': {
    at: ['root kind'],
    why: 'a multipart without any delimiter stays a multipart with no parts, its text in the preamble (defect missing-start-boundary); mail-parser reads it as a text leaf',
  },
  'malformed/007.eml': { at: ['root parts'], why: PREFIX },
  'malformed/008.eml': { at: ['root parts'], why: PREFIX },
  'malformed/009.eml': { at: ['root parts'], why: OUTER },
  'malformed/011.eml': { at: ['root parts'], why: OUTER },
  'malformed/012.eml': { at: ['root parts'], why: OUTER },
  'malformed/013.eml': { at: ['2.2.2 parts'], why: TRAILING_DELIMITER },
  'malformed/014.eml': { at: ['root parts'], why: TRAILING_DELIMITER },
  'malformed/016.eml': { at: ['root parts'], why: PREFIX },
  'malformed/019.eml': { at: ['root parts'], why: NOT_A_FIELD },
  'malformed/020.eml': {
    at: ['1 kind'],
    why: "of two Content-Type fields the first counts (as header.get and Python's email); mail-parser reads the body by the last",
  },
  'malformed/021.eml': {
    at: ['1 kind'],
    why: "of two Content-Type fields the first counts (as header.get and Python's email); mail-parser reads the body by the last",
  },
  'malformed/022.eml': {
    at: ['2 kind'],
    why: 'a message/rfc822 part is always an enclosed message (RFC 2046 §5.2.1), here one with no header; mail-parser falls back to a text leaf',
  },
  'rfc/000.eml': {
    at: ['3.1 body', '3.2 body', '5.1 from', '5.1 to'],
    why: `${BASE64}; a comment alone ("From: (mailbox in US-ASCII)") is no mailbox, mail-parser makes it a display name`,
  },
  'rfc/001.eml': {
    at: ['root from', 'root to'],
    why: 'a lone word ("From: Whomever") is read as an address without domain, as Python\'s getaddresses does; mail-parser makes it a display name',
  },
  'rfc/002.eml': {
    at: ['2.1 to'],
    why: 'comments are not part of a display name (RFC 5322 §3.4: CFWS); mail-parser appends "(The Enforcer)" to it',
  },
  'rfc/004.eml': {
    at: ['root from', 'root to', '2.1.1 from', '2.2.1 from'],
    why: "a lone word is read as an address without domain, as Python's getaddresses does; mail-parser makes it a display name",
  },
  'thirdparty/002.eml': { at: ['2 body', '3 body'], why: BASE64 },
  'thirdparty/005.eml': {
    at: ['5 body'],
    why: 'a close delimiter must start a line (RFC 2046 §5.1.1); mail-parser accepts "invalid--1--"',
  },
  'thirdparty/015.eml': { at: ['root parts'], why: OUTER },
};

// ---- the tests ---------------------------------------------------------------------------

/** The corpus's two inputs: every CR stripped, and a CR added before every bare LF. */
function variants(raw: Buffer): [string, Buffer][] {
  const crlf: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as number;
    if (c === 0x0a && raw[i - 1] !== 0x0d) crlf.push(0x0d);
    crlf.push(c);
  }
  return [
    ['lf', Buffer.from(raw.filter((b) => b !== 0x0d))],
    ['crlf', Buffer.from(crlf)],
  ];
}

describeWithTestdata('stalwart mail-parser conformance', ['mime', 'stalwart-mail-parser', 'eml'], (dir) => {
  const files = filesUnder(dir, /^\d+\.eml$/).map((f) => relative(dir, f));

  it('has the whole corpus, and no difference names a missing file', () => {
    expect(files.length).toBe(107);
    for (const key of Object.keys(DIFFERENCES)) expect(files).toContain(key);
  });

  for (const file of files) {
    for (const [variant, bytes] of variants(readFileSync(join(dir, file)))) {
      const known = DIFFERENCES[file];
      it(`${file} (${variant})${known ? ' — known differences' : ''}`, () => {
        const json = basename(file, '.eml') + (variant === 'crlf' ? '.crlf.json' : '.json');
        const exp = JSON.parse(readFileSync(join(dir, dirname(file), json), 'utf8')) as SwMessage;
        const c = new Comparison();
        c.message(exp, parseMessage(bytes).root, '');
        // A known difference must still be there, exactly where listed (no stale entries);
        // everywhere else the two parsers must agree.
        expect(c.out.map((m) => m.at).sort(), c.out.map((m) => `${m.at}: ${m.detail}`).join('\n')).toEqual(
          [...(known?.at ?? [])].sort(),
        );
      });
    }
  }
});
