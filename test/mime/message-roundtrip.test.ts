// Whole messages: what the builders encode, the parser decodes to the same content.
// decode(encode(x)) = x over random headers (Unicode subjects and names), random text and
// binary bodies, file names, and multipart nesting.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendPart,
  bodyText,
  createLeaf,
  createMessage,
  decodedBody,
  decodeUnstructured,
  mailboxes,
  type Part,
  parseAddressList,
  parseContentDisposition,
  parseDate,
  parseMessage,
  serialize,
  wrapMultipart,
} from '../../src/mime/index.js';

let counter = 0;
const random = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (counter++ * 131 + i * 7) & 0xff;
  return out;
};

const unicodeText = fc
  .string({ unit: 'grapheme', maxLength: 60 })
  .map((s) => s.replace(/[\r\n\u0000]/g, ' ').trim());
const localPart = fc
  .stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}$/)
  .filter((s) => !s.endsWith('.') && !s.includes('..'));
const mailbox = fc.record({
  name: unicodeText,
  address: fc
    .tuple(localPart, fc.constantFrom('example.org', 'xn--bcher-kva.example', 'mail.example.net'))
    .map(([l, d]) => `${l}@${d}`),
});
// Text bodies are lines; the builder writes CRLF line ends, so compare with CRLF.
const textBody = fc
  .array(
    fc.string({ unit: 'grapheme', maxLength: 120 }).map((s) => s.replace(/[\r\n]/g, '')),
    { maxLength: 12 },
  )
  .map((lines) => lines.join('\r\n'));
const attachment = fc.record({
  name: fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
    .map((s) => s.replace(/[\r\n\u0000/\\]/g, '_').trim() || 'x'),
  data: fc.uint8Array({ maxLength: 3000 }),
  type: fc.constantFrom(
    'application/octet-stream',
    'image/png',
    'application/pdf',
    'text/plain; charset=utf-8',
  ),
});

const display = (m: { name: string; address: string }) => ({ name: m.name, address: m.address });

describe('whole messages round-trip through encode and parse', () => {
  it('headers, text body, attachments', () => {
    fc.assert(
      fc.property(
        mailbox,
        fc.array(mailbox, { minLength: 1, maxLength: 4 }),
        unicodeText,
        textBody,
        fc.array(attachment, { maxLength: 3 }),
        fc.constantFrom('mixed', 'alternative', 'related'),
        fc.integer({ min: -720, max: 840 }),
        (from, to, subject, body, attachments, kind, offset) => {
          const fmt = (m: { name: string; address: string }) =>
            m.name ? `"${m.name.replace(/["\\]/g, '\\$&')}" <${m.address}>` : m.address;
          const date = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
          let msg: Part = createMessage({
            from: fmt(from),
            to: to.map(fmt),
            subject,
            body: Buffer.from(body),
            date,
            dateOffset: offset,
            random,
          });
          if (attachments.length > 0) {
            msg = wrapMultipart(msg, kind, random);
            for (const a of attachments)
              appendPart(msg, createLeaf({ type: a.type, body: a.data, filename: a.name }));
          }
          const bytes = serialize(msg);
          // Strict output: CRLF only, header lines within 998 (RFC 5322 §2.1.1).
          const text = Buffer.from(bytes).toString('latin1');
          expect(/(^|[^\r])\n/.test(text)).toBe(false);
          const { root, defects } = parseMessage(bytes);
          expect(defects).toEqual([]);
          const h = root.header;
          expect(decodeUnstructured(h.get('subject') ?? '').text).toBe(subject);
          expect(mailboxes(parseAddressList(h.get('from') ?? '').items).map(display)).toEqual([
            display(from),
          ]);
          expect(mailboxes(parseAddressList(h.get('to') ?? '').items).map(display)).toEqual(to.map(display));
          const parsedDate = parseDate(h.get('date') ?? '');
          expect(parsedDate?.date.getTime()).toBe(date.getTime());
          expect(parsedDate?.offsetMinutes).toBe(offset);
          const textPart = attachments.length ? (root.parts[0] as Part) : root;
          expect(bodyText(textPart)).toBe(body);
          for (const [i, a] of attachments.entries()) {
            const p = root.parts[i + 1] as Part;
            const expected = a.type.startsWith('text/') ? Buffer.from(a.data).toString('latin1') : null;
            if (expected === null) expect(Buffer.from(decodedBody(p)).equals(Buffer.from(a.data))).toBe(true);
            expect(parseContentDisposition(p.header.get('content-disposition') ?? '').params.filename).toBe(
              a.name,
            );
          }
          // And the bytes are stable: serializing the parse gives them back.
          expect(Buffer.from(serialize(root)).equals(Buffer.from(bytes))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
