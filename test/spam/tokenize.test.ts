import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText, tokenize } from '../../src/spam/index.js';

const email = (head: string, body: string) => Buffer.from(`${head}\r\n\r\n${body}`, 'latin1');

describe('htmlToText', () => {
  it('strips tags, drops comments, scripts and styles, keeps words whole across inline tags', () => {
    const h = htmlToText(
      '<html><style>p{color:red}</style><p>Hello <b>wo</b>rld</p><script>evil()</script>V<!-- x -->iagra<br>now',
    );
    expect(h.text.split(/\s+/).filter(Boolean)).toEqual(['Hello', 'world', 'Viagra', 'now']);
    expect(h.tags.has('p')).toBe(true);
  });

  it('collects link and image URLs, entities decoded', () => {
    const h = htmlToText(
      `<a href="http://a.example.com/x?y=1&amp;z=2">go</a><img src='http://img.example.net/i.gif'>`,
    );
    expect(h.urls).toEqual(['http://a.example.com/x?y=1&z=2', 'http://img.example.net/i.gif']);
  });

  it('reads a lone "<" and an unclosed comment as text or the end, without hanging', () => {
    expect(htmlToText('a < b and c').text).toBe('a < b and c');
    expect(htmlToText('x <!-- never closed').text).toBe('x ');
    const hostile = '<!--'.repeat(50_000) + '<a'.repeat(50_000);
    expect(htmlToText(hostile).text.length).toBeLessThan(hostile.length);
  });
});

describe('decodeEntities', () => {
  it('decodes named, decimal and hex references; keeps unknown names', () => {
    expect(decodeEntities('caf&eacute; &amp; &#72;&#x49; &euro;5 &nbsp;&bogus;')).toBe(
      'café & HI €5 \u00a0&bogus;',
    );
  });
  it('turns NUL and surrogate references into U+FFFD', () => {
    expect(decodeEntities('&#0;&#xD800;&#x110000;')).toBe('\ufffd\ufffd\ufffd');
  });
});

describe('tokenize', () => {
  it('prefixes header tokens with the field name', () => {
    const { tokens } = tokenize(
      email(
        [
          'From: "Cheap Meds" <deals@pharma.example>',
          'To: you@example.org',
          'Subject: =?utf-8?q?Caf=C3=A9_offer?=',
          'Received: from mx.spam.example (mx.spam.example [192.0.2.7]) by mail.example.org',
          'X-Mailer: Bulk Mailer 9',
          'Message-ID: <1@pharma.example>',
        ].join('\r\n'),
        'hello there',
      ),
    );
    expect(tokens).toEqual(
      expect.arrayContaining([
        'from:addr:pharma.example',
        'from:user:deals',
        'from:name:cheap',
        'to:addr:example.org',
        'to:noname',
        'subject:café',
        'subject:offer',
        'subject:charset:utf-8',
        'received:mx.spam.example',
        'received:192.0.2',
        'x-mailer:bulk mailer 9',
        'message-id:@pharma.example',
        'header:From:1',
        'hello',
        'there',
        'hello there',
      ]),
    );
  });

  it('tokenizes decoded HTML: tags stripped, entities decoded, URL hosts and parents', () => {
    const { tokens } = tokenize(
      email(
        'Content-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable',
        '<p>Caf=E9 &amp; <b>FREE</b> <a href=3D"http://www.deals.example.com/x">click</a></p>',
      ),
    );
    expect(tokens).toEqual(
      expect.arrayContaining([
        'café',
        'free',
        'click',
        'url:www.deals.example.com',
        'url:.deals.example.com',
        'url:.example.com',
        'proto:http',
        'type:text/html',
        'charset:iso-8859-1',
        'encoding:quoted-printable',
        'html:only',
      ]),
    );
    expect(tokens.some((t) => t.includes('<') || t.includes('&amp'))).toBe(false);
  });

  it('notes attachment types, odd encodings and defects, without reading binary parts', () => {
    const { tokens } = tokenize(
      email(
        'Content-Type: multipart/mixed; boundary=b',
        '--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n' +
          'Content-Type: application/octet-stream; name="invoice.exe"\r\nContent-Transfer-Encoding: base64\r\n' +
          'Content-Disposition: attachment; filename="invoice.exe"\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA\r\n--b--\r\n',
      ),
    );
    expect(tokens).toEqual(
      expect.arrayContaining(['type:application/octet-stream', 'filename:ext:exe', 'disposition:attachment']),
    );
    expect(tokens.filter((t) => t.startsWith('tvq'))).toEqual([]);
    const odd = tokenize(email('Content-Type: text/plain', 'caf\xe9 au lait')).tokens;
    expect(odd).toContain('charset:8bit-unlabelled');
  });

  it('marks the GTUBE string', () => {
    const gtube = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
    expect(tokenize(email('Subject: t', gtube)).tokens).toContain('GTUBE');
  });

  it('summarises long words and email addresses', () => {
    const { tokens } = tokenize(email('Subject: t', 'supercalifragilistic write to bob@mail.example.net'));
    expect(tokens).toEqual(expect.arrayContaining(['skip:s 20', 'email:mail.example.net']));
  });
});
