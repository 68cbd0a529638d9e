import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createParser, type MimeHandler } from '../../src/mime/parser.js';
import { parseMessage } from '../../src/mime/part.js';
import { serialize } from '../../src/mime/serialize.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const text = (u: Uint8Array) => Buffer.from(u).toString('latin1');

/** Every event of a parse, as comparable strings (data events merged per kind). */
function events(input: Uint8Array, cuts: number[] = []): string[] {
  const out: string[] = [];
  const data = (kind: string, path: string, d: Uint8Array) => {
    const last = out[out.length - 1];
    const prefix = `${kind} ${path} `;
    if (last?.startsWith(prefix)) out[out.length - 1] = last + text(d);
    else out.push(prefix + text(d));
  };
  const h: MimeHandler = {
    partStart: (p) =>
      out.push(
        `start ${p.path} ${p.type} ${p.kind} ${p.header.fields.map((f) => text(f.raw ?? b(''))).join('|')}`,
      ),
    body: (p, d) => data('body', p.path, d),
    preamble: (p, d) => data('pre', p.path, d),
    epilogue: (p, d) => data('epi', p.path, d),
    delimiter: (p, d, close) => out.push(`delim ${p.path} ${close} ${text(d)}`),
    partEnd: (p) => out.push(`end ${p.path}`),
    defect: (d) => out.push(`defect ${d.part} ${d.code}`),
  };
  const parser = createParser(h);
  let at = 0;
  for (const c of cuts) {
    parser.push(input.subarray(at, Math.min(input.length, at + c)));
    at = Math.min(input.length, at + c);
  }
  parser.push(input.subarray(at));
  parser.end();
  return out;
}

const SAMPLE = b(
  [
    'From: a@example.org',
    'Subject: hello',
    ' world',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    'preamble',
    '--outer',
    'Content-Type: text/plain',
    '',
    'first',
    '--outer',
    'Content-Type: multipart/alternative; boundary=inner',
    '',
    '--inner',
    '',
    'plain',
    '--inner',
    'Content-Type: text/html',
    '',
    '<p>html</p>',
    '--inner--',
    'inner epilogue',
    '--outer',
    'Content-Type: message/rfc822',
    '',
    'Subject: enclosed',
    '',
    'enclosed body',
    '--outer--',
    'epilogue',
    '',
  ].join('\r\n'),
);

describe('streaming parser', () => {
  it('parses nested multiparts and an enclosed message into a tree', () => {
    const { root, defects } = parseMessage(SAMPLE);
    expect(defects).toEqual([]);
    expect(root.type).toBe('multipart/mixed');
    expect(root.header.get('subject')).toBe('hello world');
    expect(text(root.preamble)).toBe('preamble');
    expect(text(root.epilogue)).toBe('epilogue\r\n');
    expect(root.parts.map((p) => p.type)).toEqual(['text/plain', 'multipart/alternative', 'message/rfc822']);
    expect(text((root.at('1') as { body: Uint8Array }).body)).toBe('first');
    expect(root.at('2.1')?.type).toBe('text/plain');
    expect(text(root.at('2.1')?.body ?? b(''))).toBe('plain');
    expect(text(root.at('2')?.epilogue ?? b(''))).toBe('inner epilogue');
    expect(root.at('3.1')?.header.get('subject')).toBe('enclosed');
    expect(text(root.at('3.1')?.body ?? b(''))).toBe('enclosed body');
  });

  it('re-serializes byte for byte', () => {
    expect(text(serialize(parseMessage(SAMPLE).root))).toBe(text(SAMPLE));
  });

  it('gives the same events whatever the chunking', () => {
    const whole = events(SAMPLE);
    for (let step = 1; step < 40; step++) {
      expect(events(SAMPLE, Array(Math.ceil(SAMPLE.length / step)).fill(step))).toEqual(whole);
    }
  });

  it('accepts bare LF line ends', () => {
    const lf = b(text(SAMPLE).replace(/\r\n/g, '\n'));
    const { root, defects } = parseMessage(lf);
    expect(defects).toEqual([]);
    expect(root.parts.length).toBe(3);
    expect(text(serialize(root))).toBe(text(lf));
  });

  it('takes a line that starts with the whole boundary as a delimiter (RFC 2046 §5.1.1 note)', () => {
    const msg = b(
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n-b\r\n--b x\r\nsecond\r\n--b-- trailing\r\nepilogue',
    );
    const { root, defects } = parseMessage(msg);
    expect(defects).toEqual([]);
    expect(root.parts.length).toBe(2);
    expect(text(root.parts[0]?.body ?? b(''))).toBe('-b');
    expect(text(root.parts[1]?.body ?? b(''))).toBe('second');
    expect(text(root.epilogue)).toBe('epilogue');
  });

  it('gives a delimiter line to the longest matching boundary, then to the innermost', () => {
    const msg = b(
      'Content-Type: multipart/mixed; boundary=bb\r\n\r\n--bb\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\ninner\r\n--bb\r\n\r\nouter\r\n--bb--\r\n',
    );
    const { root } = parseMessage(msg);
    expect(root.parts.length).toBe(2);
    expect(text(root.at('1.1')?.body ?? b(''))).toBe('inner');
    expect(text(root.at('2')?.body ?? b(''))).toBe('outer');
  });

  it('does not take a line with a boundary missing its last character', () => {
    const msg = b('Content-Type: multipart/mixed; boundary="b  "\r\n\r\n--b  \r\n\r\n--b \r\n--b  --\r\n');
    const { root } = parseMessage(msg);
    expect(root.parts.length).toBe(1);
    expect(text(root.parts[0]?.body ?? b(''))).toBe('--b ');
  });

  it('an outer boundary ends an unclosed inner multipart', () => {
    const msg = b(
      'Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\n\r\nx\r\n--o\r\n\r\ny\r\n--o--\r\n',
    );
    const { root, defects } = parseMessage(msg);
    expect(root.parts.length).toBe(2);
    expect(root.at('1.1')?.body && text(root.at('1.1')?.body as Uint8Array)).toBe('x');
    expect(defects.map((d) => d.code)).toEqual(['missing-end-boundary']);
  });

  it('records defects for broken structure and keeps every byte', () => {
    const cases = [
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\ntruncated',
      'Content-Type: multipart/mixed\r\n\r\nno boundary parameter',
      'Content-Type: multipart/mixed; boundary=b\r\n\r\nno delimiter at all\r\n',
      'Subject: x\r\nthis is not a header\r\n\r\nbody',
      ' continuation first\r\nSubject: x\r\n\r\nbody',
      'Subject: only a header, no body, no line end',
      '',
      '\r\n',
      'From sender@example.org Mon Jan  1 00:00:00 2024\nSubject: mbox\n\nbody\n',
    ];
    for (const c of cases) {
      const { root } = parseMessage(b(c));
      expect(text(serialize(root))).toBe(c);
    }
    expect(parseMessage(b(cases[0] as string)).defects.map((d) => d.code)).toEqual(['missing-end-boundary']);
    expect(parseMessage(b(cases[1] as string)).defects.map((d) => d.code)).toEqual(['missing-boundary']);
    expect(parseMessage(b(cases[2] as string)).defects.map((d) => d.code)).toEqual([
      'missing-start-boundary',
    ]);
    expect(parseMessage(b(cases[3] as string)).defects.map((d) => d.code)).toEqual([
      'missing-header-separator',
    ]);
    expect(text(parseMessage(b(cases[8] as string)).root.unixFrom ?? b(''))).toContain('From sender@');
  });

  it('ignores comments in Content-Transfer-Encoding (RFC 2045 §1)', () => {
    const { root } = parseMessage(b('Content-Transfer-Encoding: base64 (encoded)\r\n\r\naGk=\r\n'));
    expect(root.encoding).toBe('base64');
    const msg = parseMessage(
      b('Content-Type: message/rfc822\r\nContent-Transfer-Encoding: (c) 8bit\r\n\r\nSubject: x\r\n\r\ny'),
    );
    expect(msg.root.kind).toBe('message');
  });

  it('bounds nesting: 10,000 nested multiparts parse in bounded time', () => {
    const depth = 10_000;
    let s = '';
    for (let i = 0; i < depth; i++) s += `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`;
    s += '\r\nleaf\r\n';
    for (let i = depth - 1; i >= 0; i--) s += `--b${i}--\r\n`;
    const { root, defects } = parseMessage(b(s));
    expect(defects.some((d) => d.code === 'nesting-too-deep')).toBe(true);
    expect(text(serialize(root))).toBe(s);
  });

  it('handles a 100,000-character line and binary garbage', () => {
    const long = `Subject: ${'x'.repeat(100_000)}\r\n\r\n${'y'.repeat(100_000)}`;
    expect(text(serialize(parseMessage(b(long)).root))).toBe(long);
    const garbage = new Uint8Array(50_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + (i >> 3)) & 0xff;
    const { root } = parseMessage(garbage);
    expect(Buffer.from(serialize(root)).equals(Buffer.from(garbage))).toBe(true);
  });

  it('cuts an endless header block at the limit instead of buffering it', () => {
    const parser = createParser({}, { maxHeaderBytes: 4096 });
    const codes: string[] = [];
    const p2 = createParser({ defect: (d) => codes.push(d.code) }, { maxHeaderBytes: 4096 });
    for (let i = 0; i < 1000; i++) {
      parser.push(b(`X-Field-${i}: value\r\n`));
      p2.push(b(`X-Field-${i}: value\r\n`));
    }
    parser.end();
    p2.end();
    expect(codes).toContain('header-too-long');
  });
});

// Message-like bytes: fragments that exercise every branch of the parser.
const fragment = fc.oneof(
  fc.constantFrom(
    'Content-Type: multipart/mixed; boundary=a\r\n',
    'Content-Type: multipart/alternative; boundary="b"\n',
    'Content-Type: message/rfc822\r\n',
    'Content-Type: multipart/digest; boundary=a\r\n',
    'Content-Transfer-Encoding: base64\r\n',
    'Subject: x\r\n',
    ' folded\r\n',
    '\r\n',
    '\n',
    '\r',
    '--a\r\n',
    '--a--\r\n',
    '--b\n',
    '--b--',
    '--a \t\r\n',
    '--',
    '-',
    'From x\n',
    'text',
    ':',
    ' ',
  ),
  fc.string({ maxLength: 8 }),
);
const messageLike = fc.array(fragment, { maxLength: 60 }).map((xs) => b(xs.join('')));

describe('parser properties', () => {
  it('serialize(parse(x)) = x for any input', () => {
    fc.assert(
      fc.property(messageLike, (msg) => {
        expect(text(serialize(parseMessage(msg).root))).toBe(text(msg));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (msg) => {
        expect(Buffer.from(serialize(parseMessage(msg).root)).equals(Buffer.from(msg))).toBe(true);
      }),
    );
  });

  it('events do not depend on how the input is chunked', () => {
    fc.assert(
      fc.property(messageLike, fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 80 }), (msg, cuts) => {
        expect(events(msg, cuts)).toEqual(events(msg));
      }),
      { numRuns: 2000 },
    );
  });
});
