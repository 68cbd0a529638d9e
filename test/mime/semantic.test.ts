// The semantic model (src/mime/semantic.ts): parse → model → strict encoding → parse → model
// gives the same model (the mrmime/hamlet isomorphism check). Field kinds one by one, bodies
// and structure, diffModels' reports, garbage that must not throw, random messages from the
// builders, and every defect-free message of the conformance corpora.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendPart,
  createLeaf,
  createMessage,
  decodedBody,
  diffModels,
  type FieldValue,
  fromModel,
  type ModelPart,
  type Part,
  parseMessage,
  reencode,
  serialize,
  toModel,
  wrapMultipart,
} from '../../src/mime/index.js';
import { describeWithTestdata } from '../helpers/testdata.js';
import { filesUnder } from '../interop/helpers.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

interface Trip {
  a: ModelPart;
  b: ModelPart;
  out: string;
  diff: string | undefined;
  /** Defects of the parse of the input, and of the re-encoded message. */
  before: number;
  defects: number;
}

/** The isomorphism check on one message. */
function trip(input: Uint8Array | string): Trip {
  const p1 = parseMessage(typeof input === 'string' ? bytes(input) : input);
  const a = toModel(p1.root);
  const outBytes = serialize(fromModel(a));
  const p2 = parseMessage(outBytes);
  const b = toModel(p2.root);
  const out = Buffer.from(outBytes).toString('latin1');
  return { a, b, out, diff: diffModels(a, b), before: p1.defects.length, defects: p2.defects.length };
}

/** The model of one field, and what it re-encodes to (the field's unfolded line). */
function field(line: string | Buffer): { value: FieldValue; written: string } {
  const t = trip(Buffer.concat([typeof line === 'string' ? bytes(line) : line, bytes('\r\n\r\nbody\r\n')]));
  expect(t.diff).toBeUndefined();
  // A field that does not read cleanly is kept as it is, and so are its defects.
  expect(t.defects).toBe(t.before);
  const head = Buffer.from(t.out, 'latin1').toString('utf8');
  const written = head.slice(0, head.indexOf('\r\n\r\n')).replace(/\r\n(?=[ \t])/g, '');
  return { value: (t.a.fields[0] as { value: FieldValue }).value, written };
}

function headerLines(out: string): string[] {
  const end = out.indexOf('\r\n\r\n');
  return (end < 0 ? out : out.slice(0, end)).split('\r\n');
}

describe('field kinds', () => {
  it('addresses: names, quoting, groups, comments', () => {
    const f = field('From: "Doe, John" <john@example.org>, =?utf-8?q?J=C3=B6rg?= <j@example.org>');
    expect(f.value).toEqual({
      kind: 'addresses',
      items: [
        { name: 'Doe, John', address: 'john@example.org' },
        { name: 'Jörg', address: 'j@example.org' },
      ],
    });
    // 7-bit addresses: non-ASCII names as encoded words.
    expect(f.written).toBe('From: "Doe, John" <john@example.org>, =?utf-8?b?SsO2cmc=?= <j@example.org>');
    expect(field('To: Team: a@example.org, "B B" <b@example.org>;, c@example.org').value).toEqual({
      kind: 'addresses',
      items: [
        {
          group: 'Team',
          members: [
            { name: '', address: 'a@example.org' },
            { name: 'B B', address: 'b@example.org' },
          ],
        },
        { name: '', address: 'c@example.org' },
      ],
    });
    expect(field('To: undisclosed-recipients:;').written).toBe('To: undisclosed-recipients:;');
    expect(field('Cc: foo@example.org (Foo Bar)').written).toBe('Cc: Foo Bar <foo@example.org>');
    expect(field('Reply-To: "a\\"b" <"x y"@example.org>').written).toBe(
      'Reply-To: "a\\"b" <"x y"@example.org>',
    );
  });

  it('addresses: UTF-8 addresses keep UTF-8 names (RFC 6532); broken lists stay raw', () => {
    expect(field('To: Jörg <jörg@bücher.example>').written).toBe('To: Jörg <jörg@bücher.example>');
    expect(field('To: <Undisclosed Recipients@example.com>').value).toEqual({
      kind: 'raw',
      value: '<Undisclosed Recipients@example.com>',
    });
    expect(field('From: "" <>').value.kind).toBe('raw');
  });

  it('dates: instant and offset, -0000 apart from +0000', () => {
    const f = field('Date: Thu, 13 Feb 1969 23:32:54 -0330');
    expect(f.value).toEqual({ kind: 'date', epoch: Date.UTC(1969, 1, 14, 3, 2, 54), offset: -210 });
    expect(f.written).toBe('Date: Thu, 13 Feb 1969 23:32:54 -0330');
    const unknown = field('Date: 1 Jan 2001 00:00 -0000').value as { offset: number };
    const utc = field('Date: 1 Jan 2001 00:00 +0000').value as { offset: number };
    expect(Object.is(unknown.offset, -0)).toBe(true);
    expect(Object.is(utc.offset, 0)).toBe(true);
    expect(
      diffModels(
        trip('Date: 1 Jan 2001 00:00 -0000\r\n\r\n').a,
        trip('Date: 1 Jan 2001 00:00 +0000\r\n\r\n').a,
      ),
    ).toBe(
      '0 Date: date Mon, 1 Jan 2001 00:00:00 -0000 (978307200000) ≠ Mon, 1 Jan 2001 00:00:00 +0000 (978307200000)',
    );
    expect(field('Date: Tue, 1 Jul 2003 10:52:37 EDT').written).toBe('Date: Tue, 1 Jul 2003 10:52:37 -0400');
    expect(field('Date: Tuesday, sometime').value).toEqual({ kind: 'raw', value: 'Tuesday, sometime' });
  });

  it('ids: Message-ID, References, Content-ID', () => {
    expect(field('Message-ID: <a.b@example.org>').value).toEqual({ kind: 'ids', ids: ['a.b@example.org'] });
    expect(field('References: <a@x> (comment)\r\n <b@y>').written).toBe('References: <a@x> <b@y>');
    expect(field('Content-ID: part1.abc').written).toBe('Content-ID: <part1.abc>');
    expect(field('In-Reply-To: Your message of Monday').value.kind).toBe('raw');
    expect(field('Message-ID: <"a b"@x>').value).toEqual({ kind: 'ids', ids: ['"a b"@x'] });
  });

  it('content-type: parameters decoded (RFC 2231, encoded words), written strictly', () => {
    const f = field(
      "Content-Type: application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"",
    );
    expect(f.value).toEqual({
      kind: 'content-type',
      type: 'application',
      subtype: 'x-stuff',
      params: { title: "This is even more ***fun*** isn't it!" },
    });
    expect(f.written).toBe(
      'Content-Type: application/x-stuff; title="This is even more ***fun*** isn\'t it!"',
    );
    const ew = field('Content-Type: APPLICATION/PDF; name="=?utf-8?q?r=C3=A9sum=C3=A9.pdf?="');
    expect(ew.value).toEqual({
      kind: 'content-type',
      type: 'application',
      subtype: 'pdf',
      params: { name: 'résumé.pdf' },
    });
    expect(ew.written).toBe("Content-Type: application/pdf; name*=utf-8''r%C3%A9sum%C3%A9.pdf");
    expect(field('Content-Type: text/plain; charset="us-ascii" (Plain text)').written).toBe(
      'Content-Type: text/plain; charset=us-ascii',
    );
    // A broken Content-Type means what the parser made of it, and is written validly.
    const broken = trip(bytes('Content-Type: text/plain; charset\r\n\r\nbody\r\n'));
    expect(broken.diff).toBeUndefined();
    expect(broken.before).toBe(1);
    expect(broken.defects).toBe(0);
    expect(broken.a.fields[0]?.value).toEqual({
      kind: 'content-type',
      type: 'text',
      subtype: 'plain',
      params: {},
    });
  });

  it('disposition', () => {
    const f = field('Content-Disposition: ATTACHMENT; filename="a b.pdf"; size=12');
    expect(f.value).toEqual({
      kind: 'disposition',
      disposition: 'attachment',
      params: { filename: 'a b.pdf', size: '12' },
    });
    expect(f.written).toBe('Content-Disposition: attachment; filename="a b.pdf"; size=12');
  });

  it('tokens: Content-Transfer-Encoding lower case, MIME-Version without comments', () => {
    expect(field('Content-Transfer-Encoding: BASE64').value).toEqual({ kind: 'token', value: 'base64' });
    // The parser takes the whole value: "8bit (x)" is an unknown encoding, kept as written.
    expect(field('Content-Transfer-Encoding: 8bit (x)').value).toEqual({ kind: 'raw', value: '8bit (x)' });
    expect(field('MIME-Version: 1.0 (Generated by X)').written).toBe('MIME-Version: 1.0');
    expect(field('MIME-Version: 1.0; Windows-1252').value.kind).toBe('raw');
  });

  it('text: encoded words decoded, re-encoded', () => {
    const f = field('Subject: =?utf-8?q?caf=C3=A9?= =?utf-8?q?_au_lait?=');
    expect(f.value).toEqual({ kind: 'text', text: 'café au lait' });
    expect(f.written).toBe('Subject: =?utf-8?b?Y2Fmw6k=?= au lait');
    expect(field('Subject: =?utf-8?q?_lead?=').value).toEqual({ kind: 'text', text: ' lead' });
    expect(field('X-Anything: plain =?iso-8859-1?q?caf=E9?=').value).toEqual({
      kind: 'text',
      text: 'plain café',
    });
    expect(field(Buffer.from('Thread-Topic: latin-1 \xe9', 'latin1')).value).toEqual({
      kind: 'text',
      text: 'latin-1 é',
    });
    expect(field('Subject: =?utf-8?q?broken').value).toEqual({ kind: 'raw', value: '=?utf-8?q?broken' });
  });

  it('text: a word decoded from many encoded words is not written as one 1000-char line', () => {
    const words = Array.from({ length: 30 }, () => `=?utf-8?q?${'a'.repeat(40)}?=`).join('\r\n ');
    const t = trip(`Subject: ${words}\r\n\r\n`);
    expect(t.diff).toBeUndefined();
    expect(t.a.fields[0]?.value).toEqual({ kind: 'text', text: 'a'.repeat(1200) });
    expect(Math.max(...headerLines(t.out).map((l) => l.length))).toBeLessThanOrEqual(78);
  });

  it('raw: unmodelled structured fields kept; a 1200-char token is not cut', () => {
    expect(field('Received: from a (b [1.2.3.4])\r\n\tby c; Mon, 1 Jan 2001 00:00:00 +0000').value).toEqual({
      kind: 'raw',
      value: 'from a (b [1.2.3.4])\tby c; Mon, 1 Jan 2001 00:00:00 +0000',
    });
    const long = 'x'.repeat(1200);
    const t = trip(`DKIM-Signature: v=1; b=${long}\r\n\r\n`);
    expect(t.diff).toBeUndefined();
    expect(t.a.fields[0]?.value).toEqual({ kind: 'raw', value: `v=1; b=${long}` });
    expect(headerLines(t.out)).toEqual(['DKIM-Signature: v=1;', ` b=${long}`]);
  });

  it('every field of a real-looking message, in order, names as written', () => {
    const t = trip(
      'Return-Path: <a@example.org>\r\nFROM: a@example.org\r\nsubject : hi\r\nX-Mailer: m 1.0\r\n' +
        'List-Id: <l.example.org>\r\nARC-Seal: i=1; cv=none\r\n\r\nbody',
    );
    expect(t.diff).toBeUndefined();
    expect(t.a.fields.map((f) => `${f.name}:${f.value.kind}`)).toEqual([
      'Return-Path:raw',
      'FROM:addresses',
      'subject:text',
      'X-Mailer:text',
      'List-Id:raw',
      'ARC-Seal:raw',
    ]);
  });
});

describe('bodies and structure', () => {
  it('quoted-printable text: CRLF kept, lone CR and LF, trailing space, "=", "." and delimiter-like lines', () => {
    const data = 'a \r\nb\nc\rd=\r\n.\r\n--b\r\n--b--\r\ntab\t\r\nend ';
    const qp = 'a=20\r\nb=0Ac=0Dd=3D\r\n.\r\n=2D-b\r\n=2D-b--\r\ntab=09\r\nend=20';
    const t = trip(
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n' +
        `Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp}\r\n--b--\r\n`,
    );
    expect(t.defects).toBe(0);
    expect(t.diff).toBeUndefined();
    expect(text(t.a.parts?.[0]?.body as Uint8Array)).toBe(data);
    const body = t.out.slice(t.out.indexOf('quoted-printable\r\n\r\n') + 20, t.out.indexOf('\r\n--b--'));
    // "." and "-" opening a line are escaped: no line of the body can be a delimiter.
    expect(body).toBe(qp.replace('\r\n.', '\r\n=2E'));
  });

  it('quoted-printable lines stay within 76 columns; base64 bodies come back exact', () => {
    const long = 'é'.repeat(100);
    const b64 = Buffer.from(Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff)).toString('base64');
    const t = trip(
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\n' +
        `${Buffer.from(long)
          .toString('hex')
          .toUpperCase()
          .replace(/../g, '=$&')
          .replace(/(.{75})/g, '$1=\r\n')}\r\n` +
        `--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--b--\r\n`,
    );
    expect(t.diff).toBeUndefined();
    expect(text(t.a.parts?.[0]?.body as Uint8Array)).toBe(long);
    expect(t.out.split('\r\n').every((l) => l.length <= 76)).toBe(true);
  });

  it('any bytes come back from the strict quoted-printable and base64 encodings', () => {
    const delimiterish = fc
      .array(
        fc.constantFrom(
          '--b',
          '--b--',
          '\r\n',
          '\n',
          '\r',
          ' ',
          '\t',
          '=',
          '.',
          'é',
          '\u0000',
          'x'.repeat(80),
        ),
        {
          maxLength: 20,
        },
      )
      .map((a) => bytes(a.join('')));
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 500 }), delimiterish),
        fc.constantFrom('quoted-printable', 'base64'),
        fc.constantFrom('text/plain', 'application/octet-stream'),
        (body, cte, type) => {
          const model: ModelPart = {
            fields: [
              {
                name: 'Content-Type',
                value: {
                  kind: 'content-type',
                  type: 'multipart',
                  subtype: 'mixed',
                  params: { boundary: 'b' },
                },
              },
            ],
            kind: 'multipart',
            preamble: new Uint8Array(0),
            epilogue: new Uint8Array(0),
            parts: [
              {
                fields: [
                  {
                    name: 'Content-Type',
                    value: {
                      kind: 'content-type',
                      type: type.split('/')[0] as string,
                      subtype: type.split('/')[1] as string,
                      params: {},
                    },
                  },
                  { name: 'Content-Transfer-Encoding', value: { kind: 'token', value: cte } },
                ],
                kind: 'leaf',
                body,
              },
            ],
          };
          const out = serialize(fromModel(model));
          const p = parseMessage(out);
          expect(p.defects).toEqual([]);
          expect(diffModels(model, toModel(p.root))).toBeUndefined();
          expect(
            Buffer.from(out)
              .toString('latin1')
              .split('\r\n')
              .every((l) => l.length <= 76),
          ).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('message/rfc822 is a message part: the enclosed message is modelled, not its bytes', () => {
    const t = trip(
      'Content-Type: message/rfc822\r\n\r\nSubject: =?utf-8?q?inner_=C3=A9?=\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n',
    );
    expect(t.diff).toBeUndefined();
    expect(t.a.kind).toBe('message');
    expect(t.a.body).toBeUndefined();
    const inner = t.a.parts?.[0] as ModelPart;
    expect(inner.fields[0]?.value).toEqual({ kind: 'text', text: 'inner é' });
    expect(text(inner.body as Uint8Array)).toBe('hi');
  });

  it('multipart: empty and non-empty preambles, epilogues, empty parts, nesting, LF-only input', () => {
    for (const msg of [
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b--\r\n',
      'Content-Type: multipart/mixed; boundary=b\r\n\r\npreamble\r\n\r\n--b\r\n\r\none\r\n--b--\r\nepilogue\r\n',
      'Content-Type: multipart/mixed; boundary="a b"\n\n--a b\n--a b\nContent-Type: multipart/alternative; boundary=c\n\n' +
        '--c\n\nx\n--c--\n\n--a b--',
      'Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: in digest\r\n\r\nx\r\n--d--\r\n',
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n',
    ]) {
      const t = trip(msg);
      expect(t.defects).toBe(0);
      expect(t.diff).toBeUndefined();
    }
    const t = trip('Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n\r\none\r\n--b--\r\nepi');
    expect(text(t.a.preamble as Uint8Array)).toBe('pre');
    expect(text(t.a.epilogue as Uint8Array)).toBe('epi');
  });

  it('a body in an encoding MIME does not define is kept as it is', () => {
    const uu = 'begin 644 a.txt\r\n#86)C\r\n`\r\nend\r\n';
    const t = trip(`Content-Transfer-Encoding: x-uuencode\r\n\r\n${uu}`);
    expect(t.diff).toBeUndefined();
    expect(text(t.a.body as Uint8Array)).toBe(uu);
  });

  it('reencode gives the strict bytes and the model', () => {
    const r = reencode(bytes('subject:   hi\r\nto: a@example.org (A)\r\n\r\nbody'));
    expect(text(r.bytes)).toBe('subject: hi\r\nto: A <a@example.org>\r\n\r\nbody');
    expect(r.model.fields.length).toBe(2);
  });
});

describe('diffModels', () => {
  const msg = (subject: string, body: string) =>
    'Subject: top\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nfirst\r\n' +
    '--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\n\r\nx\r\n' +
    `--c\r\nSubject: ${subject}\r\n\r\n${body}\r\n--c--\r\n\r\n--b--\r\n`;
  const model = (subject: string, body: string) => toModel(parseMessage(bytes(msg(subject, body))).root);

  it('names the part path and the field', () => {
    expect(diffModels(model('a', 'x'), model('a', 'x'))).toBeUndefined();
    expect(diffModels(model('a', 'x'), model('b', 'x'))).toBe('2.2 Subject: text "a" ≠ "b"');
    expect(diffModels(model('a', 'xyz'), model('a', 'xaz'))).toBe(
      '2.2 body: 3 ≠ 3 bytes, first difference at byte 1: "xyz" ≠ "xaz"',
    );
  });

  it('reports kinds, field counts, parameters and items', () => {
    const one = (s: string) => toModel(parseMessage(bytes(`${s}\r\n\r\n`)).root);
    expect(diffModels(one('To: a@x'), one('To: a@x, b@y'))).toBe('0 To: 1 ≠ 2 items');
    expect(diffModels(one('To: A <a@x>'), one('To: B <a@x>'))).toBe('0 To: mailbox 1: "A" <a@x> ≠ "B" <a@x>');
    expect(diffModels(one('Content-Type: text/plain; a=1'), one('Content-Type: text/plain; a=2'))).toBe(
      '0 Content-Type: parameter a: "1" ≠ "2"',
    );
    expect(diffModels(one('Subject: a'), one('Subject: =?utf-8?q?x'))).toBe('0 Subject: kind text ≠ raw');
    expect(diffModels(one('Subject: a'), one('Subject: a\r\nTo: b@c'))).toBe(
      '0: 1 ≠ 2 fields (first unmatched: To)',
    );
    // Parameters compare as sets.
    expect(
      diffModels(one('Content-Type: text/plain; a=1; b=2'), one('Content-Type: text/plain; b=2; a=1')),
    ).toBe(undefined);
  });
});

// Mail-like garbage: header lines and bodies made of the pieces parsers trip on.
const headerNames = [
  'From',
  'To',
  'Cc',
  'Sender',
  'Date',
  'Message-ID',
  'References',
  'Subject',
  'X-Foo',
  'Content-Type',
  'Content-Transfer-Encoding',
  'Content-Disposition',
  'Content-ID',
  'MIME-Version',
  'Received',
];
const valuePieces = [
  'a',
  'b@c.d',
  '"x y"',
  '<',
  '>',
  '@',
  ',',
  ';',
  ':',
  '(',
  ')',
  '\\',
  '"',
  ' ',
  '\t',
  '=?utf-8?q?h=C3=A9?=',
  '=?iso-8859-1?b?6Q==?=',
  '=?',
  '?=',
  'é',
  '日本',
  '\u0000',
  '\r',
  'text/plain',
  'multipart/mixed',
  'message/rfc822',
  'boundary=b',
  "name*=utf-8''%C3%A9",
  'name*0=a',
  'base64',
  'quoted-printable',
  'Mon, 1 Jan 2001 00:00:00 +0000',
  '-0000',
  '1.0',
  '[1.2.3.4]',
  '.',
  'x'.repeat(100),
  ' \r\n ',
];
const bodyPieces = [
  'hello',
  '\r\n',
  '\n',
  '\r',
  ' ',
  '=',
  '=3D',
  '=\r\n',
  '--b',
  '--b--',
  '.',
  'é',
  '\u0000',
  'QUJD',
];
const mailLike = fc
  .tuple(
    fc.array(
      fc
        .tuple(fc.constantFrom(...headerNames), fc.array(fc.constantFrom(...valuePieces), { maxLength: 8 }))
        .map(([n, v]) => `${n}: ${v.join('')}\r\n`),
      { maxLength: 8 },
    ),
    fc.constantFrom('\r\n', '\n', ''),
    fc.array(fc.constantFrom(...bodyPieces), { maxLength: 30 }),
  )
  .map(([h, sep, b]) => bytes(h.join('') + sep + b.join('')));

describe('garbage', () => {
  it('toModel never throws, and what it gives can be written', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (input) => {
        serialize(fromModel(toModel(parseMessage(input).root)));
      }),
      { numRuns: 500 },
    );
  });

  it('mail-like input: no throw; when it parses without defects, the model round-trips', () => {
    fc.assert(
      fc.property(mailLike, (input) => {
        const p = parseMessage(input);
        const a = toModel(p.root);
        const out = serialize(fromModel(a));
        if (p.defects.length === 0) expect(diffModels(a, toModel(parseMessage(out).root))).toBeUndefined();
      }),
      { numRuns: 1500 },
    );
  });
});

describe('messages from the builders', () => {
  let counter = 0;
  const random = (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (counter++ * 131 + i * 7) & 0xff;
    return out;
  };
  const unicodeText = fc
    .string({ unit: 'grapheme', maxLength: 50 })
    .map((s) => s.replace(/[\r\n\u0000]/g, ' ').trim());
  // Display names with the characters that need quoting or encoding.
  const name = fc.oneof(
    unicodeText,
    fc
      .array(fc.constantFrom('a', 'B', ' ', ',', '"', '\\', '(', ')', ':', ';', '@', '.', '=?', 'é', '日'), {
        maxLength: 8,
      })
      .map((a) => a.join('').trim()),
  );
  const localPart = fc
    .stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}$/)
    .filter((s) => !s.endsWith('.') && !s.includes('..'));
  const address = fc
    .tuple(
      localPart,
      fc.constantFrom('example.org', 'xn--bcher-kva.example', 'mail.example.net', 'bücher.example'),
    )
    .map(([l, d]) => `${l}@${d}`);
  const fmt = (m: { name: string; address: string }) =>
    m.name ? `"${m.name.replace(/["\\]/g, '\\$&')}" <${m.address}>` : m.address;
  const mailbox = fc.record({ name, address }).map(fmt);
  const recipient = fc.oneof(
    { weight: 4, arbitrary: mailbox },
    fc
      .tuple(
        fc.constantFrom('Team', 'The "Group"', 'équipe'),
        fc.array(mailbox, { minLength: 1, maxLength: 2 }),
      )
      .map(([g, ms]) => `"${g.replace(/["\\]/g, '\\$&')}": ${ms.join(', ')};`),
  );
  const textBody = fc
    .array(
      fc.string({ unit: 'grapheme', maxLength: 120 }).map((s) => s.replace(/[\r\n]/g, '')),
      { maxLength: 10 },
    )
    .map((lines) => lines.join('\r\n'));
  const encoding = fc.constantFrom(undefined, 'quoted-printable', 'base64', '8bit');
  const extra = fc.oneof(
    fc.tuple(fc.constantFrom('X-Note', 'Comments', 'Keywords', 'Thread-Topic'), unicodeText),
    fc.tuple(
      fc.constantFrom('In-Reply-To', 'References'),
      fc
        .array(fc.constantFrom('<a@x>', '<b.c@y.z>', '<1$2@h>'), { minLength: 1, maxLength: 3 })
        .map((a) => a.join(' ')),
    ),
  );
  const attachment = fc.record({
    name: fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
      .map((s) => s.replace(/[\r\n\u0000/\\]/g, '_').trim() || 'x'),
    data: fc.uint8Array({ maxLength: 2000 }),
    type: fc.constantFrom(
      'application/octet-stream',
      'image/png',
      'application/pdf',
      'text/plain; charset=utf-8',
    ),
    disposition: fc.constantFrom(undefined, 'inline', 'attachment'),
  });
  const safeText = fc
    .array(fc.stringMatching(/^[A-Za-z .,]{0,30}$/), { maxLength: 3 })
    .map((lines) => lines.join('\r\n'));

  it('the model of the re-encoded message is the model of the message', () => {
    fc.assert(
      fc.property(
        fc.record({
          from: mailbox,
          to: fc.array(recipient, { minLength: 1, maxLength: 3 }),
          cc: fc.array(mailbox, { maxLength: 2 }),
          subject: fc.option(unicodeText, { nil: undefined }),
          body: textBody,
          encoding,
          offset: fc.oneof(fc.integer({ min: -1439, max: 1439 }), fc.constant(-0)),
          extra: fc.array(extra, { maxLength: 3 }),
          html: fc.option(textBody, { nil: undefined }),
          attachments: fc.array(attachment, { maxLength: 3 }),
          enclosed: fc.option(fc.tuple(unicodeText, textBody), { nil: undefined }),
          preamble: safeText,
          epilogue: safeText,
        }),
        (m) => {
          let msg: Part = createMessage({
            from: m.from,
            to: m.to,
            cc: m.cc,
            ...(m.subject !== undefined ? { subject: m.subject } : {}),
            body: bytes(m.body),
            ...(m.encoding ? { encoding: m.encoding } : {}),
            date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
            dateOffset: m.offset,
            headers: m.extra,
            random,
          });
          if (m.html !== undefined) {
            msg = wrapMultipart(msg, 'alternative', random);
            appendPart(
              msg,
              createLeaf({ type: 'text/html; charset=utf-8', body: bytes(`<p>${m.html}</p>`) }),
            );
          }
          if (m.attachments.length > 0 || m.enclosed !== undefined) {
            msg = wrapMultipart(msg, 'mixed', random);
            msg.preamble = bytes(m.preamble);
            msg.epilogue = bytes(m.epilogue);
            for (const a of m.attachments) {
              appendPart(
                msg,
                createLeaf({
                  type: a.type,
                  body: a.data,
                  filename: a.name,
                  ...(a.disposition ? { disposition: a.disposition } : {}),
                }),
              );
            }
            if (m.enclosed !== undefined) {
              const inner = createMessage({ subject: m.enclosed[0], body: bytes(m.enclosed[1]), random });
              appendPart(
                msg,
                createLeaf({ type: 'message/rfc822', body: serialize(inner), encoding: '8bit' }),
              );
            }
          }
          const original = serialize(msg);
          const p = parseMessage(original);
          expect(p.defects).toEqual([]);
          const t = trip(original);
          expect(t.defects).toBe(0);
          expect(t.diff).toBeUndefined();
          // Strict: CRLF only, lines within 998 (RFC 5322 §2.1.1), and the encoding is canonical.
          expect(/(^|[^\r])\n/.test(t.out)).toBe(false);
          expect(t.out.split('\r\n').every((l) => l.length <= 998)).toBe(true);
          expect(Buffer.from(serialize(fromModel(t.b))).toString('latin1')).toBe(t.out);
          // The model means what was built.
          const leaf = (x: ModelPart): ModelPart => (x.kind === 'leaf' ? x : leaf(x.parts?.[0] as ModelPart));
          expect(text(leaf(t.a).body as Uint8Array)).toBe(m.body);
        },
      ),
      { numRuns: 200 },
    );
  });
});

for (const area of ['mime', 'spam']) {
  describeWithTestdata(`the ${area} corpus re-encoded`, [area], (dir) => {
    it('every message that parses without defects gives back its model', () => {
      const files = filesUnder(dir, /./).filter(
        (f) => !/\.(json|xml|tsv|md|yml|ya?ml|LICENSE.*|COPYING.*|NOTICE.*)$/i.test(f),
      );
      // No exceptions at present: every defect-free message round-trips.
      const failures: string[] = [];
      let clean = 0;
      for (const f of files) {
        const input = readFileSync(f);
        const p = parseMessage(input);
        if (p.defects.length > 0) continue;
        clean++;
        const t = trip(input);
        if (t.diff !== undefined) failures.push(`${f.slice(dir.length + 1)}: ${t.diff}`);
        else if (t.defects > 0)
          failures.push(`${f.slice(dir.length + 1)}: the re-encoded message has defects`);
        // Bodies are kept as decoded: spot-check the first leaf against decodedBody.
        const first = [...p.root.walk()].find(([, x]) => x.kind === 'leaf')?.[1];
        if (first && (first.encoding === 'base64' || first.encoding === 'quoted-printable')) {
          const model = [...modelLeaves(t.a)][0] as ModelPart;
          if (!Buffer.from(model.body as Uint8Array).equals(decodedBody(first))) failures.push(`${f}: body`);
        }
      }
      process.stderr.write(
        `notice: ${area} corpus: ${clean - failures.length} of ${clean} defect-free messages round-trip (${files.length} files)\n`,
      );
      expect(clean).toBeGreaterThan(area === 'spam' ? 6000 : 400);
      expect(failures).toEqual([]);
    });
  });
}

function* modelLeaves(m: ModelPart): Generator<ModelPart> {
  if (m.kind === 'leaf') yield m;
  for (const p of m.parts ?? []) yield* modelLeaves(p);
}
