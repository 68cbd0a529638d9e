// Conformance against Apache James mime4j: for every test message X.msg its corpus has
// X_decoded.xml, the entity tree mime4j's DOM builder makes (header fields, multiparts with
// their preamble and epilogue, enclosed messages), and the decoded body of every leaf in
// X_decoded_<path>.txt (text, in the part's charset) or .bin (bytes). This file reads that
// XML with a purpose-made reader and compares, message by message: the tree shape, the
// header field names, preamble and epilogue, and the decoded bodies.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import {
  bodyText,
  decodeCharset,
  decodedBody,
  normalizeCharset,
  type Part,
  parseMessage,
} from '../../src/mime/index.js';
import { describeWithTestdata } from '../helpers/testdata.js';
import { filesUnder } from '../interop/helpers.js';

// ---- a reader for mime4j's expectation XML ----------------------------------------------

/** One element of the expectation: a name, attributes, children, and its own text. */
interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * Reads mime4j's expectation XML: ISO-8859-1, CRLF line ends, no declaration, no comments,
 * only `&amp; &lt; &gt;` escapes, every open tag followed by CRLF (which is markup, not
 * text). Text is kept only where an element has no children (field, preamble, epilogue).
 */
function readXml(bytes: Buffer): El {
  const src = bytes.toString('latin1');
  const root: El = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: El[] = [root];
  const tag = /<(\/?)([a-z-]+)((?:\s+[a-z-]+="[^"]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(src); m !== null; m = tag.exec(src)) {
    const top = stack[stack.length - 1] as El;
    top.text += src.slice(last, m.index);
    last = tag.lastIndex;
    const [, close, name = '', attrText = '', selfClose] = m;
    if (close) {
      const el = stack.pop();
      if (el?.name !== name) throw new Error(`mismatched </${name}> at ${m.index}`);
      el.text = unescapeXml(el.text.replace(/^\r\n/, ''));
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(/([a-z-]+)="([^"]*)"/g))
      attrs[a[1] as string] = unescapeXml(a[2] as string);
    const el: El = { name, attrs, children: [], text: '' };
    top.children.push(el);
    if (!selfClose) stack.push(el);
  }
  if (stack.length !== 1) throw new Error('unclosed element');
  return root;
}

// ---- the comparison ----------------------------------------------------------------------

interface Mismatch {
  at: string;
  detail: string;
}

const show = (s: string) => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);

/** A message/rfc822 part's enclosed message; under a transfer encoding, parsed from the decoded body. */
function enclosed(part: Part): Part | undefined {
  if (part.kind === 'message') return part.parts[0];
  if (part.kind === 'leaf' && /^message\/(rfc822|global)$/.test(part.type))
    return parseMessage(decodedBody(part)).root;
  return undefined;
}

class Comparison {
  readonly out: Mismatch[] = [];

  constructor(private readonly dir: string) {}

  private miss(path: string, what: string, detail: string): void {
    this.out.push({ at: `${path || 'root'} ${what}`, detail });
  }

  /** `el` is a <message> or <body-part>: a header, then one body element. */
  entity(el: El, ours: Part, path: string): void {
    const [header, body, ...rest] = el.children;
    if (header?.name !== 'header' || !body || rest.length > 0)
      throw new Error(`unexpected shape of <${el.name}> at ${path || 'root'}`);
    // mime4j's fields are "Name: decoded value"; the names and their order are compared.
    const want = header.children.map((f) => f.text.slice(0, Math.max(0, f.text.indexOf(':'))).trim());
    const got = ours.header.fields.filter((f) => f.name !== '').map((f) => f.name.trim());
    if (want.join('\n') !== got.join('\n'))
      this.miss(path, 'fields', `expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    const child = (i: number) => (path === '' ? String(i + 1) : `${path}.${i + 1}`);
    switch (body.name) {
      case 'multipart': {
        if (ours.kind !== 'multipart') {
          this.miss(path, 'kind', `expected a multipart, got ${ours.kind}`);
          return;
        }
        const parts = body.children.filter((c) => c.name === 'body-part');
        const pre = body.children.find((c) => c.name === 'preamble')?.text ?? '';
        const epi = body.children.find((c) => c.name === 'epilogue')?.text ?? '';
        const ourPre = Buffer.from(ours.preamble).toString('latin1');
        const ourEpi = Buffer.from(ours.epilogue).toString('latin1');
        if (pre !== ourPre) this.miss(path, 'preamble', `expected ${show(pre)}, got ${show(ourPre)}`);
        if (epi !== ourEpi) this.miss(path, 'epilogue', `expected ${show(epi)}, got ${show(ourEpi)}`);
        if (parts.length !== ours.parts.length) {
          this.miss(path, 'parts', `expected ${parts.length} parts, got ${ours.parts.length}`);
          return;
        }
        parts.forEach((p, i) => {
          this.entity(p, ours.parts[i] as Part, child(i));
        });
        return;
      }
      case 'message': {
        const inner = enclosed(ours);
        if (!inner) {
          this.miss(path, 'kind', `expected an enclosed message, got ${ours.kind} ${ours.type}`);
          return;
        }
        this.entity(body, inner, child(0));
        return;
      }
      case 'text-body':
      case 'binary-body': {
        if (ours.kind !== 'leaf') {
          this.miss(path, 'kind', `expected a leaf, got ${ours.kind} ${ours.type}`);
          return;
        }
        const file = readFileSync(join(this.dir, body.attrs.name as string));
        const got = Buffer.from(decodedBody(ours));
        if (!got.equals(file)) {
          this.miss(
            path,
            'body',
            `expected ${show(file.toString('latin1'))}, got ${show(got.toString('latin1'))}`,
          );
          return;
        }
        if (body.name === 'text-body') {
          // The .txt holds the text in the part's charset (ISO-8859-1 where Java knows no
          // such charset): read with that charset, it must be what bodyText gives.
          const charset = ours.params.charset ?? 'us-ascii';
          const want = decodeCharset(file, normalizeCharset(charset) ? charset : 'iso-8859-1').text;
          const text = bodyText(ours);
          if (text !== want)
            this.miss(path, 'body', `${ours.type}: expected ${show(want)}, got ${show(text)}`);
        }
        return;
      }
      default:
        throw new Error(`unexpected <${body.name}>`);
    }
  }
}

// ---- deliberate differences ---------------------------------------------------------------

const EPILOGUE =
  'the line break after a close delimiter belongs to the delimiter line (RFC 2046 §5.1.1: ' +
  'close-delimiter transport-padding [CRLF epilogue]); mime4j leaves it in the epilogue when ' +
  'the close delimiter is the last line of the message';
const QP_LF =
  "a quoted-printable hard line break decodes to the line break the message has (LF stays LF, as Python's quopri); " +
  'mime4j decodes every hard line break to CRLF';
const BASE64_TAIL =
  'a base64 body cut short (a last quantum of 3 characters, no padding) keeps the 2 bytes those ' +
  'characters hold (flagged malformed); mime4j drops them';
const NOT_A_FIELD =
  "a line that is not a header field ends the header and starts the body (as Python's email does, " +
  'with a defect); mime4j, by default, skips it and reads header fields on to the blank line';
const STARTS_BODY =
  'in its "malformed header starts body" mode mime4j also drops the line after the first ' +
  'non-field line; we keep every line of the body';
/** "dir/X.msg" → the exact mismatch locations, and why we differ from mime4j there. */
const DIFFERENCES: Record<string, { at: string[]; why: string }> = {
  'mimetools-testmsgs/attachment-filename-encoding-Latin1.msg': { at: ['root epilogue'], why: EPILOGUE },
  'mimetools-testmsgs/attachment-filename-encoding-UTF8.msg': { at: ['root epilogue'], why: EPILOGUE },
  'mimetools-testmsgs/empty-preamble.msg': { at: ['root epilogue', '1 body'], why: `${EPILOGUE}; ${QP_LF}` },
  'mimetools-testmsgs/frag.msg': { at: ['2.1.2.1.2.1.2 body'], why: BASE64_TAIL },
  'mimetools-testmsgs/german-qp.msg': { at: ['root body'], why: QP_LF },
  'mimetools-testmsgs/hdr-fakeout.msg': { at: ['root body'], why: NOT_A_FIELD },
  'mimetools-testmsgs/jt-0498.msg': { at: ['2.1 body'], why: QP_LF },
  'mimetools-testmsgs/mp-msg-rfc822.msg': { at: ['2.1 body'], why: QP_LF },
  'mimetools-testmsgs/multi-frag.msg': { at: ['3.2 body'], why: BASE64_TAIL },
  'mimetools-testmsgs/ticket-60931.msg': { at: ['root epilogue'], why: EPILOGUE },
  'mimetools-testmsgs/twopart.msg': { at: ['root epilogue'], why: EPILOGUE },
  'testmsgs/basic-plain-with-bad-header-separator.msg': { at: ['root body'], why: NOT_A_FIELD },
  'testmsgs/malformedHeader-nocrlfcrlf.msg': { at: ['root fields', 'root body'], why: NOT_A_FIELD },
  'testmsgs/malformedHeader-noheader.msg': { at: ['root body'], why: NOT_A_FIELD },
  'testmsgs/malformedHeaderStartsBody-nocrlfcrlf.msg': { at: ['root body'], why: STARTS_BODY },
  'testmsgs/malformedHeaderStartsBody-noheader.msg': { at: ['root body'], why: STARTS_BODY },
  'testmsgs/obsolete.msg': { at: ['root fields', 'root body'], why: NOT_A_FIELD },
};

// ---- the tests ---------------------------------------------------------------------------

describeWithTestdata('mime4j conformance', ['mime', 'mime4j'], (dir) => {
  const files = filesUnder(dir, /\.msg$/).map((f) => relative(dir, f));

  it('has the whole corpus, and no difference names a missing file', () => {
    expect(files.length).toBe(80);
    for (const key of Object.keys(DIFFERENCES)) expect(files).toContain(key);
  });

  for (const file of files) {
    const known = DIFFERENCES[file];
    it(`${file}${known ? ' — known differences' : ''}`, () => {
      const path = join(dir, file);
      const xml = readXml(readFileSync(path.replace(/\.msg$/, '_decoded.xml')));
      const top = xml.children[0];
      if (top?.name !== 'message' || xml.children.length !== 1) throw new Error('no <message> root');
      const c = new Comparison(join(path, '..'));
      c.entity(top, parseMessage(readFileSync(path)).root, '');
      expect(c.out.map((m) => m.at).sort(), c.out.map((m) => `${m.at}: ${m.detail}`).join('\n')).toEqual(
        [...(known?.at ?? [])].sort(),
      );
    });
  }
});
