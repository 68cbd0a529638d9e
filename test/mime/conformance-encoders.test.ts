// Conformance of the transfer encodings and charsets against GMime's and MimeKit's test
// vectors: a JPEG with its base64 and uuencoded forms, a UTF-8 text with its
// quoted-printable form, and one text in several legacy charsets (GMime's filter tests).
// Our decoders must give back the original bytes from their encodings; our encoders'
// output must decode (with our decoders, and with Node's Buffer for base64) to the original;
// decodeCharset of each legacy file must equal the UTF-8 file, and encodeCharset of the
// UTF-8 text must give back the legacy bytes.
import { describe, expect, it } from 'vitest';
import {
  createUuDecoder,
  decodeBase64,
  decodeCharset,
  decodeQuotedPrintable,
  encodeBase64Lines,
  encodeCharset,
  encodeQuotedPrintable,
} from '../../src/mime/index.js';
import { describeWithTestdata, readTestdata } from '../helpers/testdata.js';

const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const lfToCrlf = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');

function uudecode(data: Uint8Array): Buffer {
  const d = createUuDecoder();
  const a = d.update(data);
  const b = d.finish();
  expect(d.malformed).toBe(false);
  return Buffer.concat([a, b]);
}

/** Lines of an encoder's output: each ended by CRLF, none longer than 76 characters. */
function expectMimeLines(out: Buffer): void {
  const text = out.toString('latin1');
  expect(text.endsWith('\r\n')).toBe(true);
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
}

for (const [project, dir] of [
  ['GMime', ['mime', 'gmime', 'encodings']],
  ['MimeKit', ['mime', 'mimekit', 'encoders']],
] as const) {
  describeWithTestdata(`${project} encoder vectors`, [...dir], () => {
    const photo = readTestdata(...dir, 'photo.jpg');
    const text = readTestdata(...dir, 'wikipedia.txt');

    it('base64: photo.b64 decodes to photo.jpg', () => {
      expect(buf(decodeBase64(readTestdata(...dir, 'photo.b64'))).equals(photo)).toBe(true);
    });

    it('base64: our encoding of photo.jpg is theirs line for line, and decodes back', () => {
      const ours = buf(encodeBase64Lines(photo));
      expectMimeLines(ours);
      // Both write 76-character lines: only the line ends differ (theirs LF, ours CRLF).
      expect(ours.equals(lfToCrlf(readTestdata(...dir, 'photo.b64')))).toBe(true);
      expect(buf(decodeBase64(ours)).equals(photo)).toBe(true);
      expect(Buffer.from(ours.toString('latin1'), 'base64').equals(photo)).toBe(true);
    });

    it('uuencode: photo.uu decodes to photo.jpg', () => {
      expect(uudecode(readTestdata(...dir, 'photo.uu')).equals(photo)).toBe(true);
    });

    it('quoted-printable: wikipedia.qp decodes to wikipedia.txt', () => {
      expect(buf(decodeQuotedPrintable(readTestdata(...dir, 'wikipedia.qp'))).equals(text)).toBe(true);
    });

    it('quoted-printable: our encoding of wikipedia.txt decodes back', () => {
      // As text with CRLF line ends (as mail has them): hard line breaks, lines within 76.
      const asText = buf(encodeQuotedPrintable(lfToCrlf(text)));
      expectMimeLines(asText);
      expect(buf(decodeQuotedPrintable(asText)).equals(lfToCrlf(text))).toBe(true);
      // Its bare LFs are escaped, so they come back as they are.
      expect(buf(decodeQuotedPrintable(encodeQuotedPrintable(text))).equals(text)).toBe(true);
      // As binary: every byte, LF included, comes back.
      const asBinary = buf(encodeQuotedPrintable(text, { binary: true }));
      expect(buf(decodeQuotedPrintable(asBinary)).equals(text)).toBe(true);
    });
  });
}

describeWithTestdata('MimeKit uuencode decoder states', ['mime', 'mimekit', 'encoders'], () => {
  it('photo.uu-states (junk lines that look like the start of "begin" come first) decodes to photo.jpg', () => {
    const photo = readTestdata('mime', 'mimekit', 'encoders', 'photo.jpg');
    expect(uudecode(readTestdata('mime', 'mimekit', 'encoders', 'photo.uu-states')).equals(photo)).toBe(true);
  });
});

// GMime's charset filter vectors: one text in UTF-8 and in legacy charsets.
const CHARSETS: [lang: string, file: string, label: string][] = [
  ['cyrillic', 'cp1251', 'windows-1251'],
  ['cyrillic', 'iso-8859-5', 'iso-8859-5'],
  ['cyrillic', 'koi8-r', 'koi8-r'],
  ['japanese', 'iso-2022-jp', 'iso-2022-jp'],
  ['japanese', 'shift-jis', 'shift_jis'],
  ['chinese', 'big5', 'big5'],
];

/**
 * The Chinese sample uses Japanese (shinjitai) forms that Big5 has no code for; GMime's
 * Big5 file leaves them out (checked with Python's strict big5 codec: dropping exactly these
 * from the UTF-8 text gives the file). iconv-lite's Big5 includes the HKSCS extension, which
 * has codes for some of them, so only the rest of the text is expected to round-trip.
 */
const NOT_IN_BIG5 = new Set(
  '会内写区医団図国圧声売変学実対将属庁広当悩戦択拠掲携撃数断来楽様権歓歳歴残毎気浜済満点状猪献発県碁礼税経続臓覚覧観読転辺込鉄録関闘雑静験',
);

describeWithTestdata('GMime charset vectors', ['mime', 'gmime', 'filters'], () => {
  describe.each(CHARSETS)('%s in %s', (lang, file, label) => {
    const legacy = readTestdata('mime', 'gmime', 'filters', `${lang}.${file}.txt`);
    const full = readTestdata('mime', 'gmime', 'filters', `${lang}.utf-8.txt`).toString('utf8');
    // What the legacy file can hold of the text.
    const utf8 = label === 'big5' ? [...full].filter((c) => !NOT_IN_BIG5.has(c)).join('') : full;

    for (const name of [label, file, label.toUpperCase()]) {
      it(`decodeCharset(…, ${JSON.stringify(name)}) gives the UTF-8 text`, () => {
        const r = decodeCharset(legacy, name);
        expect(r.unknownCharset).toBeUndefined();
        expect(r.text).toBe(utf8);
      });
    }

    it('encodeCharset of the UTF-8 text gives back the legacy bytes', () => {
      const out = encodeCharset(utf8, label);
      expect(out).toBeDefined();
      expect(buf(out as Uint8Array).equals(legacy)).toBe(true);
    });
  });

  it('french-fable.cp1252.txt decodes as windows-1252 and encodes back', () => {
    const legacy = readTestdata('mime', 'gmime', 'filters', 'french-fable.cp1252.txt');
    const text = decodeCharset(legacy, 'windows-1252').text;
    expect(text).not.toContain('\ufffd');
    expect(buf(encodeCharset(text, 'cp1252') as Uint8Array).equals(legacy)).toBe(true);
  });
});
