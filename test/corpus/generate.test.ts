// The corpus generator (issue 3): deterministic per (seed, index); every valid message is
// valid (CRLF, lines ≤ 998, no defect), round-trips byte for byte, and reads back as the spec
// it was written from (addresses, dates, ids, text, parameters, tree, bodies); wild messages
// parse without a throw; and over a few thousand messages every feature shows up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AddressItemSpec,
  CHARSETS,
  chunksText,
  contentBytes,
  dateInstant,
  type EntitySpec,
  expectedAddress,
  type FieldSpec,
  generateMessage,
  generateMessages,
  MAX_DEPTH,
  type MessageSpec,
  maildirName,
  messageSpec,
  messageSpecAt,
  type ParamSpec,
  renderMessage,
  textBytes,
  wildSpec,
} from '../../src/corpus/index.js';
import {
  bodyText,
  type Defect,
  decodeCharset,
  decodedBody,
  decodeUnstructured,
  encodeCharset,
  type Group,
  type Header,
  type Mailbox,
  normalizeCharset,
  type Part,
  parseAddressList,
  parseContentDisposition,
  parseContentType,
  parseDate,
  parseMessage,
  parseMessageIds,
  serialize,
} from '../../src/mime/index.js';

// More with CORPUS_VALID=100000 CORPUS_WILD=100000 CORPUS_RUNS=5000 CORPUS_SEED=…; CORPUS_REPORT=1 prints the coverage.
const SEED = Number(process.env.CORPUS_SEED ?? 20250101);
const VALID = Number(process.env.CORPUS_VALID ?? 2000);
const WILD = Number(process.env.CORPUS_WILD ?? 1000);
const RUNS = Number(process.env.CORPUS_RUNS ?? 150);
/** Generous time for larger runs (vitest's default is 60 s). */
const timeout = (n: number) => Math.max(60_000, n * 10);

const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

describe('determinism', () => {
  it('the same seed gives the same bytes; another seed other bytes', () => {
    const a = [...generateMessages(40, 7)];
    const b = [...generateMessages(40, 7)];
    const c = [...generateMessages(40, 8)];
    for (const [i, m] of a.entries()) expect(eq(m, b[i] as Uint8Array)).toBe(true);
    expect(a.filter((m, i) => eq(m, c[i] as Uint8Array)).length).toBe(0);
  });

  it('message i does not depend on how the range is split', () => {
    for (const wild of [false, true]) {
      const whole = [...generateMessages(30, 99, { wild })];
      const tail = [...generateMessages(10, 99, { wild, start: 20 })];
      for (const [i, m] of whole.entries()) expect(eq(m, generateMessage(99, i, { wild }))).toBe(true);
      for (const [i, m] of whole.slice(20).entries()) expect(eq(m, tail[i] as Uint8Array)).toBe(true);
      expect(
        eq(whole[5] as Uint8Array, [...generateMessages(1, 99, { wild, start: 5 })][0] as Uint8Array),
      ).toBe(true);
    }
  });

  it('large seeds and indexes work', () => {
    expect(eq(generateMessage(2 ** 40 + 3, 2 ** 33), generateMessage(2 ** 40 + 3, 2 ** 33))).toBe(true);
    expect(eq(generateMessage(2 ** 40 + 3, 1), generateMessage(3, 1))).toBe(false);
  });

  it('names maildir files after index and seed', () => {
    expect(maildirName(12, 7)).toBe('12.7.poste:2,');
  });
});

describe('charset conversion of the generator', () => {
  it('agrees with src/mime encodeCharset', () => {
    const samples = [
      'Grüße, €100',
      'Привет мир',
      'Καλημέρα',
      'こんにちは 会議',
      '안녕하세요',
      '你好 会议',
      '會議 報告',
      'Łukasz Wałęsa',
      'x',
    ];
    for (const cs of CHARSETS) {
      for (const s of samples) {
        const mine = textBytes(s, cs);
        const theirs = encodeCharset(s, cs) as Uint8Array;
        expect(eq(mine, theirs), `${cs}: ${s}`).toBe(true);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// The parse must give back what the spec says
// ---------------------------------------------------------------------------------------

interface Check {
  problems: string[];
  at: string;
}

function problem(c: Check, what: string, got: unknown, want: unknown): void {
  if (c.problems.length < 20)
    c.problems.push(`${c.at}: ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

function noDefects(c: Check, what: string, defects: readonly Defect[]): void {
  if (defects.length)
    problem(
      c,
      `${what} defects`,
      defects.map((d) => `${d.code}: ${d.message}`),
      [],
    );
}

function checkAddressItems(
  c: Check,
  got: (Mailbox | Group)[],
  want: readonly AddressItemSpec[],
  utf8: boolean,
): void {
  if (got.length !== want.length) {
    problem(c, 'address count', got, want.length);
    return;
  }
  for (const [i, w] of want.entries()) {
    const g = got[i] as Mailbox | Group;
    if ('members' in w) {
      if (!('members' in g)) problem(c, 'group', g, w.group);
      else {
        if (g.group !== w.group) problem(c, 'group name', g.group, w.group);
        checkAddressItems(c, g.members, w.members, utf8);
      }
      continue;
    }
    if ('members' in g) {
      problem(c, 'mailbox', g, w);
      continue;
    }
    if (g.name !== w.name) problem(c, 'display name', g.name, w.name);
    if (g.address !== expectedAddress(w, utf8)) problem(c, 'address', g.address, expectedAddress(w, utf8));
  }
}

/** The parsed value of each spec field, matched by name and occurrence. */
function checkFields(c: Check, header: Header, m: MessageSpec): void {
  const seen = new Map<string, number>();
  for (const f of m.fields) {
    const name = f.name.trim().toLowerCase();
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    const value = header.getAll(name)[k];
    if (value === undefined) {
      problem(c, 'missing field', null, f.name);
      continue;
    }
    checkField(c, f, value, m.utf8);
  }
}

function checkField(c: Check, f: FieldSpec, value: string, utf8: boolean): void {
  const at = c.at;
  c.at = `${at} ${f.name}`;
  switch (f.kind) {
    case 'address': {
      const r = parseAddressList(value);
      noDefects(c, 'address', r.defects);
      checkAddressItems(c, r.items, f.items, utf8);
      break;
    }
    case 'date': {
      const d = parseDate(value);
      const want = dateInstant(f.date);
      if (!d) problem(c, 'date', value, want);
      else if (d.date.getTime() !== want.time || !Object.is(d.offsetMinutes, want.offset)) {
        problem(
          c,
          'date',
          [value, d.date.toISOString(), d.offsetMinutes],
          [new Date(want.time).toISOString(), want.offset],
        );
      }
      break;
    }
    case 'ids': {
      const ids = parseMessageIds(value);
      if (JSON.stringify(ids) !== JSON.stringify(f.ids)) problem(c, 'ids', ids, f.ids);
      break;
    }
    case 'text': {
      const r = decodeUnstructured(value);
      noDefects(c, 'text', r.defects);
      if (r.text !== chunksText(f.chunks)) problem(c, 'text', r.text, chunksText(f.chunks));
      break;
    }
    default:
      break;
  }
  c.at = at;
}

function checkParams(c: Check, got: Record<string, string>, want: readonly ParamSpec[]): void {
  for (const p of want) {
    const g = got[p.name.toLowerCase()];
    if (g !== p.value) problem(c, `parameter ${p.name} (${p.form})`, g, p.value);
  }
}

function checkEntity(c: Check, part: Part, e: EntitySpec, digest: boolean): void {
  const h = part.header;
  const defaultType = digest ? 'message/rfc822' : 'text/plain';
  const type = e.type ? `${e.type.type}/${e.type.subtype}`.toLowerCase() : defaultType;
  if (part.type !== type) problem(c, 'type', part.type, type);
  if (e.type) {
    const ct = parseContentType(h.get('content-type') ?? '');
    noDefects(c, 'content-type', ct.defects);
    checkParams(c, ct.params, e.type.params);
  }
  const enc = e.cte?.value ?? '7bit';
  if (part.encoding !== enc) problem(c, 'encoding', part.encoding, enc);
  if (e.disposition) {
    const cd = parseContentDisposition(h.get('content-disposition') ?? '');
    noDefects(c, 'content-disposition', cd.defects);
    if (cd.disposition !== e.disposition.type.toLowerCase())
      problem(c, 'disposition', cd.disposition, e.disposition.type);
    checkParams(c, cd.params, e.disposition.params);
  }
  if (e.id !== null) {
    const ids = parseMessageIds(h.get('content-id') ?? '');
    if (ids[0] !== e.id) problem(c, 'content-id', ids, e.id);
  }
  if (e.description) {
    const d = decodeUnstructured(h.get('content-description') ?? '');
    noDefects(c, 'description', d.defects);
    if (d.text !== chunksText(e.description)) problem(c, 'description', d.text, chunksText(e.description));
  }
  if (e.kind === 'multipart') {
    if (part.kind !== 'multipart') {
      problem(c, 'kind', part.kind, 'multipart');
      return;
    }
    if (part.boundary !== e.boundary) problem(c, 'boundary', part.boundary, e.boundary);
    if (Buffer.from(part.preamble).toString('latin1') !== e.preamble)
      problem(c, 'preamble', Buffer.from(part.preamble).toString('latin1'), e.preamble);
    if (Buffer.from(part.epilogue).toString('latin1') !== e.epilogue)
      problem(c, 'epilogue', Buffer.from(part.epilogue).toString('latin1'), e.epilogue);
    if (part.parts.length !== e.parts.length) {
      problem(c, 'part count', part.parts.length, e.parts.length);
      return;
    }
    const at = c.at;
    e.parts.forEach((p, i) => {
      c.at = `${at}.${i + 1}`;
      checkEntity(c, part.parts[i] as Part, p, type === 'multipart/digest');
    });
    c.at = at;
    return;
  }
  if (e.kind === 'message') {
    if (part.kind !== 'message') {
      problem(c, 'kind', part.kind, 'message');
      return;
    }
    const at = c.at;
    c.at = `${at}.1`;
    checkMessage(c, part.parts[0] as Part, e.message);
    c.at = at;
    return;
  }
  if (part.kind !== 'leaf') {
    problem(c, 'kind', part.kind, 'leaf');
    return;
  }
  const defects: Defect[] = [];
  const body = decodedBody(part, defects);
  noDefects(c, 'body', defects);
  const want = contentBytes(e.content);
  if (!eq(body, want))
    problem(
      c,
      'body bytes',
      Buffer.from(body).toString('latin1').slice(0, 200),
      Buffer.from(want).toString('latin1').slice(0, 200),
    );
  if (e.content.kind === 'text' && part.params.charset !== undefined) {
    const text = bodyText(part, defects);
    if (text !== e.content.text) problem(c, 'body text', text.slice(0, 200), e.content.text.slice(0, 200));
  }
}

function checkMessage(c: Check, root: Part, m: MessageSpec): void {
  checkFields(c, root.header, m);
  checkEntity(c, root, m.body, false);
}

// ---------------------------------------------------------------------------------------
// Coverage: features counted from the parse, not from the spec
// ---------------------------------------------------------------------------------------

const SCRIPTS: [string, RegExp][] = [
  ['latin', /[\u00c0-\u024f]/],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['greek', /\p{Script=Greek}/u],
  ['han', /\p{Script=Han}/u],
  ['kana', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['hangul', /\p{Script=Hangul}/u],
  ['arabic', /\p{Script=Arabic}/u],
  ['hebrew', /\p{Script=Hebrew}/u],
  ['thai', /\p{Script=Thai}/u],
  ['emoji', /\p{Extended_Pictographic}/u],
];

const ADDRESS_FIELDS = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'sender', 'resent-from', 'resent-to']);

function count(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function cover(counts: Map<string, number>, root: Part): void {
  let maxDepth = 0;
  for (const [path, p] of root.walk()) {
    const depth = path === '' ? 0 : path.split('.').length;
    if (depth > maxDepth) maxDepth = depth;
    if (p.kind === 'multipart') count(counts, `multipart/${p.type.slice(10)}`);
    if (p.kind === 'message') count(counts, p.type);
    if (p.kind === 'leaf') {
      count(counts, `encoding ${p.encoding}`);
      if (!p.type.startsWith('text/') && p.encoding === 'base64') count(counts, 'binary attachment');
      if (p.body.length > 20000) count(counts, 'attachment > 16 KB');
      const cs = p.params.charset;
      if (cs) count(counts, `body charset ${normalizeCharset(cs)}`);
      if (p.encoding === 'quoted-printable' && /=\r\n/.test(Buffer.from(p.body).toString('latin1')))
        count(counts, 'QP soft line breaks');
      if (/(^|\n)From /.test(Buffer.from(p.body).toString('latin1'))) count(counts, 'body line "From "');
    }
    for (const f of p.header.fields) {
      const raw = Buffer.from(f.raw ?? new Uint8Array(0)).toString('latin1');
      const name = f.name.toLowerCase();
      if (/\r\n[ \t]/.test(raw)) count(counts, 'folded field');
      if (raw.split('\r\n').some((l) => l.length > 78)) count(counts, 'header line > 78');
      for (const w of f.value.matchAll(/=\?([^?*]+)(\*[^?]+)?\?([bBqQ])\?/g)) {
        count(counts, `encoded word ${(w[3] as string).toUpperCase()}`);
        count(counts, `encoded word ${normalizeCharset(w[1] as string) ?? w[1]}`);
        if (w[2]) count(counts, 'encoded word language');
      }
      if (/[^\x00-\x7f]/.test(f.value)) count(counts, 'UTF-8 header (RFC 6532)');
      if (name === 'content-type' || name === 'content-disposition') {
        if (/\*=/.test(f.value)) count(counts, 'RFC 2231 name*=');
        if (/\*0=/.test(f.value)) count(counts, 'RFC 2231 continuation');
        if (/\*0\*=/.test(f.value)) count(counts, 'RFC 2231 extended continuation');
        if (/\*0?\*=[^']*'[a-zA-Z]/.test(f.value)) count(counts, 'RFC 2231 language');
        if (/\\./.test(f.value)) count(counts, 'quoted-pair in parameter');
      }
      if (ADDRESS_FIELDS.has(name)) {
        const list = parseAddressList(f.value);
        for (const it of list.items) {
          if ('members' in it) count(counts, it.members.length ? 'group' : 'empty group');
          const boxes = 'members' in it ? it.members : [it];
          for (const m of boxes) {
            for (const [script, re] of SCRIPTS) if (re.test(m.name)) count(counts, `name ${script}`);
            if (/[^\x00-\x7f]/.test(m.address)) count(counts, 'SMTPUTF8 address');
            if (m.address.startsWith('"')) count(counts, 'quoted local part');
            if (/@\[/.test(m.address)) count(counts, 'domain literal');
          }
        }
        if (/"[^"]*[(),.:;<>@[\]\\][^"]*"\s*</.test(f.value)) count(counts, 'quoted name with specials');
        if (/>\s*\(/.test(f.value)) count(counts, 'comment');
      }
      if (name === 'date') {
        const d = parseDate(f.value);
        if (d && Object.is(d.offsetMinutes, -0)) count(counts, 'zone -0000');
        if (d && d.offsetMinutes === 345) count(counts, 'zone +0545');
        if (d && d.offsetMinutes % 60 !== 0) count(counts, 'zone with minutes');
        if (/\(/.test(f.value)) count(counts, 'date comment');
        if (!/,/.test(f.value)) count(counts, 'date without day name');
      }
      if (name === 'message-id') count(counts, 'message-id');
      if (name === 'references' && parseMessageIds(f.value).length > 1) count(counts, 'references');
      if (name === 'in-reply-to') count(counts, 'in-reply-to');
    }
  }
  count(counts, `depth ${maxDepth}`);
}

describe('valid messages', () => {
  it(
    `${VALID} messages: CRLF, lines ≤ 998, no defect, byte-exact round trip, the spec read back`,
    () => {
      const problems: string[] = [];
      const counts = new Map<string, number>();
      for (let i = 0; i < VALID; i++) {
        const spec = messageSpecAt(SEED, i);
        const bytes = renderMessage(spec);
        const text = Buffer.from(bytes).toString('latin1');
        if (/(^|[^\r])\n|\r(?!\n)/.test(text)) problems.push(`#${i}: a bare CR or LF`);
        const long = text.split('\r\n').find((l) => l.length > 998);
        if (long !== undefined) problems.push(`#${i}: a line of ${long.length} octets`);
        const { root, defects } = parseMessage(bytes);
        if (defects.length) problems.push(`#${i}: defects ${JSON.stringify(defects)}`);
        if (!eq(serialize(root), bytes)) problems.push(`#${i}: serialize differs`);
        const c: Check = { problems: [], at: `#${i}` };
        checkMessage(c, root, spec);
        problems.push(...c.problems);
        cover(counts, root);
        if (problems.length > 30) break;
      }
      expect(problems).toEqual([]);

      const must = [
        'encoded word B',
        'encoded word Q',
        'encoded word language',
        ...CHARSETS.map((cs) => `encoded word ${cs}`),
        ...CHARSETS.map((cs) => `body charset ${cs}`),
        'body charset us-ascii',
        ...SCRIPTS.map(([s]) => `name ${s}`),
        'group',
        'empty group',
        'quoted name with specials',
        'quoted local part',
        'domain literal',
        'comment',
        'SMTPUTF8 address',
        'UTF-8 header (RFC 6532)',
        'zone -0000',
        'zone +0545',
        'zone with minutes',
        'date comment',
        'date without day name',
        'message-id',
        'references',
        'in-reply-to',
        'RFC 2231 name*=',
        'RFC 2231 continuation',
        'RFC 2231 extended continuation',
        'RFC 2231 language',
        'quoted-pair in parameter',
        ...['mixed', 'alternative', 'related', 'digest', 'signed', 'encrypted', 'report'].map(
          (s) => `multipart/${s}`,
        ),
        'message/rfc822',
        'message/global',
        'encoding 7bit',
        'encoding 8bit',
        'encoding quoted-printable',
        'encoding base64',
        'binary attachment',
        'attachment > 16 KB',
        'QP soft line breaks',
        'folded field',
        'header line > 78',
        'body line "From "',
        ...Array.from({ length: MAX_DEPTH + 1 }, (_, d) => `depth ${d}`),
      ];
      if (process.env.CORPUS_REPORT) {
        const table = [...counts]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, n]) => `${String(n).padStart(7)}  ${k}`);
        console.log(`coverage over ${VALID} messages (seed ${SEED}):\n${table.join('\n')}`);
      }
      const missing = must.filter((k) => !counts.has(k));
      expect(missing).toEqual([]);
    },
    timeout(VALID),
  );
});

describe('as fast-check arbitraries (biased draws, as fc.assert makes them)', () => {
  it(
    'valid specs render to messages that read back as the spec',
    () => {
      fc.assert(
        fc.property(messageSpec(), (spec) => {
          const bytes = renderMessage(spec);
          const { root, defects } = parseMessage(bytes);
          expect(defects).toEqual([]);
          expect(eq(serialize(root), bytes)).toBe(true);
          const c: Check = { problems: [], at: 'spec' };
          checkMessage(c, root, spec);
          expect(c.problems).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    },
    timeout(RUNS * 5),
  );

  it(
    'wild specs parse without a throw',
    () => {
      fc.assert(
        fc.property(wildSpec(), (spec) => {
          const bytes = renderMessage(spec);
          expect(eq(serialize(parseMessage(bytes).root), bytes)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    },
    timeout(RUNS * 2),
  );
});

describe('wild messages', () => {
  it(
    `${WILD} wild messages parse without a throw and serialize back byte for byte`,
    () => {
      const problems: string[] = [];
      let defects = 0;
      for (let i = 0; i < WILD; i++) {
        const bytes = generateMessage(SEED, i, { wild: true });
        try {
          const r = parseMessage(bytes);
          defects += r.defects.length;
          if (!eq(serialize(r.root), bytes)) problems.push(`#${i}: serialize differs`);
        } catch (e) {
          problems.push(`#${i}: ${(e as Error).stack}`);
        }
      }
      expect(problems).toEqual([]);
      expect(defects).toBeGreaterThan(WILD / 4);
    },
    timeout(WILD),
  );

  it('wild messages hold what is asked for', () => {
    let lf = 0;
    let eight = 0;
    for (let i = 0; i < 300; i++) {
      const text = Buffer.from(generateMessage(SEED, i, { wild: true })).toString('latin1');
      if (/[^\r]\n/.test(text)) lf++;
      const header = text.slice(0, text.search(/\r?\n\r?\n/));
      if (/[\x80-\xff]/.test(header)) eight++;
    }
    expect(lf).toBeGreaterThan(0);
    expect(eight).toBeGreaterThan(0);
  });
});

describe('decoding of the generated text', () => {
  it('decodeCharset reads back what textBytes wrote', () => {
    for (let i = 0; i < 200; i++) {
      const spec = messageSpecAt(SEED + 1, i);
      const walk = (e: EntitySpec): void => {
        if (e.kind === 'leaf' && e.content.kind === 'text') {
          expect(decodeCharset(contentBytes(e.content), e.content.charset).text).toBe(e.content.text);
        } else if (e.kind === 'multipart') e.parts.forEach(walk);
        else if (e.kind === 'message') walk(e.message.body);
      };
      walk(spec.body);
    }
  });
});
