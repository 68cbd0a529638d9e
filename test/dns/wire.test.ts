import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TYPE } from '../../src/dns/constants.js';
import { nameKey, wireLength } from '../../src/dns/name.js';
import { type Message, makeRR, NO_FLAGS, type RR, type TsigData } from '../../src/dns/types.js';
import {
  DnsFormatError,
  decodeFlags,
  decodeMessage,
  encodeFlags,
  encodeMessage,
  peekQuestion,
} from '../../src/dns/wire.js';
import { arbFlags, arbMessage, arbName } from './arbitraries.js';

/** What the wire keeps of a message: without EDNS only the header's 4 rcode bits. */
function wireView(m: Message): Message {
  return { ...m, rcode: m.edns ? m.rcode : m.rcode & 0xf };
}

function decoded(buf: Uint8Array): Message {
  const { tsigOffset: _, ...m } = decodeMessage(buf);
  return m;
}

/** Compressible names lowercased: compression matches names case-insensitively (RFC 4343). */
function lower(m: Message): Message {
  const rr = (r: RR): RR => {
    const d = r.data as unknown;
    let data = d;
    if (d instanceof Uint8Array) return { ...r, name: nameKey(r.name) };
    if (r.type === TYPE.NS || r.type === TYPE.CNAME || r.type === TYPE.PTR) data = nameKey(d as string);
    if (r.type === TYPE.MX)
      data = { ...(d as object), exchange: nameKey((d as { exchange: string }).exchange) };
    if (r.type === TYPE.SOA) {
      const s = d as { mname: string; rname: string };
      data = { ...s, mname: nameKey(s.mname), rname: nameKey(s.rname) };
    }
    return { ...r, name: nameKey(r.name), data } as RR;
  };
  return {
    ...m,
    questions: m.questions.map((q) => ({ ...q, name: nameKey(q.name) })),
    answers: m.answers.map(rr),
    authority: m.authority.map(rr),
    additional: m.additional.map(rr),
  };
}

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

function message(partial: Partial<Message>): Message {
  return {
    id: 0,
    flags: NO_FLAGS,
    rcode: 0,
    questions: [],
    answers: [],
    authority: [],
    additional: [],
    ...partial,
  };
}

/** Decodes, and fails the test on any exception other than DnsFormatError. */
function decodesOrFormatError(buf: Uint8Array): boolean {
  try {
    decodeMessage(buf);
    return true;
  } catch (e) {
    if (e instanceof DnsFormatError) return true;
    throw e;
  }
}

describe('round trip', () => {
  it('decode(encode(m)) gives m back, with names in lower case', () => {
    fc.assert(
      fc.property(arbMessage, (m) => {
        const low = lower(m);
        expect(decoded(encodeMessage(low))).toEqual(wireView(low));
      }),
      { numRuns: 400 },
    );
  });

  it('keeps case apart from compression (same names up to case)', () => {
    fc.assert(
      fc.property(arbMessage, (m) => {
        expect(lower(decoded(encodeMessage(m)))).toEqual(lower(wireView(m)));
      }),
      { numRuns: 200 },
    );
  });

  it('a name spelled in another case than an earlier one takes the earlier spelling', () => {
    const m = message({
      questions: [{ name: 'www.example.org.', type: TYPE.A, class: 1 }],
      answers: [makeRR('WWW.Example.ORG.', TYPE.A, 60, '192.0.2.1')],
    });
    expect(decoded(encodeMessage(m)).answers[0]?.name).toBe('www.example.org.');
  });

  it('flags survive encodeFlags/decodeFlags', () => {
    fc.assert(
      fc.property(arbFlags, fc.integer({ min: 0, max: 15 }), (f, rcode) => {
        const word = encodeFlags(f, rcode);
        expect(decodeFlags(word)).toEqual(f);
        expect(word & 0xf).toBe(rcode);
      }),
    );
  });

  it('the extended rcode travels in OPT', () => {
    const m = message({ rcode: 23, edns: { udpSize: 1232, version: 0, do: false, options: [] } });
    const buf = encodeMessage(m);
    expect(buf[3]! & 0xf).toBe(23 & 0xf);
    expect(decoded(buf).rcode).toBe(23);
  });
});

describe('a hand-written packet', () => {
  // id abcd, RD, 1 question, 1 additional: example.org. MX IN, OPT 1232 with DO.
  const query = hex(`
    abcd 0100 0001 0000 0000 0001
    07 6578616d706c65 03 6f7267 00 000f 0001
    00 0029 04d0 00008000 0000`);
  const expected = message({
    id: 0xabcd,
    flags: { ...NO_FLAGS, rd: true },
    questions: [{ name: 'example.org.', type: TYPE.MX, class: 1 }],
    edns: { udpSize: 1232, version: 0, do: true, options: [] },
  });

  it('decodes field by field', () => {
    expect(decoded(query)).toEqual(expected);
  });

  it('encodes byte for byte', () => {
    expect(encodeMessage(expected)).toEqual(query);
  });

  it('peekQuestion reads the header and the first question', () => {
    expect(peekQuestion(query)).toEqual({
      id: 0xabcd,
      flags: expected.flags,
      qd: 1,
      question: expected.questions[0],
    });
  });

  it('decodes a compressed answer', () => {
    const reply = hex(`
      abcd 8180 0001 0001 0000 0000
      07 6578616d706c65 03 6f7267 00 000f 0001
      c00c 000f 0001 00000e10 0009 000a 046d61696c c00c`);
    expect(decoded(reply).answers).toEqual([
      makeRR('example.org.', TYPE.MX, 3600, { preference: 10, exchange: 'mail.example.org.' }),
    ]);
    expect(encodeMessage(decoded(reply))).toEqual(reply);
  });
});

describe('compression', () => {
  it('makes repeated names shorter, and they still decode', () => {
    const answers = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((a) =>
      makeRR('www.example.org.', TYPE.A, 300, a),
    );
    const m = message({ questions: [{ name: 'www.example.org.', type: TYPE.A, class: 1 }], answers });
    const buf = encodeMessage(m);
    // header + question (17 + 4) + three answers, each a 2-byte pointer + 10 + 4.
    expect(buf.length).toBe(12 + 21 + 3 * 16);
    expect(decoded(buf)).toEqual(m);
  });

  it('shares suffixes between different names', () => {
    const m = message({
      answers: [
        makeRR('example.org.', TYPE.NS, 300, 'ns1.example.org.'),
        makeRR('example.org.', TYPE.NS, 300, 'ns2.example.org.'),
      ],
    });
    const buf = encodeMessage(m);
    // owner 13 + (10 + ns1 label 4 + pointer 2) + (pointer 2 + 10 + 4 + 2)
    expect(buf.length).toBe(12 + 13 + 16 + 18);
    expect(decoded(buf)).toEqual(m);
  });

  it('never compresses SRV targets (RFC 3597 §4)', () => {
    const m = message({
      answers: [
        makeRR('_sip._tcp.example.org.', TYPE.SRV, 60, {
          priority: 0,
          weight: 0,
          port: 5060,
          target: 'example.org.',
        }),
      ],
    });
    const buf = encodeMessage(m);
    expect(Buffer.from(buf).includes(Buffer.from('\x07example\x03org\x00', 'latin1'), 40)).toBe(true);
  });

  it('is always shorter or equal than without it, property', () => {
    fc.assert(
      fc.property(fc.array(arbName, { minLength: 1, maxLength: 6 }), (names) => {
        const m = message({ answers: names.map((n) => makeRR(n, TYPE.CNAME, 1, n)) });
        const buf = encodeMessage(m);
        const plain = names.reduce((s, n) => s + 2 * (n === '.' ? 1 : Buffer.byteLength(n)) + 10, 12);
        expect(buf.length).toBeLessThanOrEqual(plain + 2 * names.length);
        expect(lower(decoded(buf))).toEqual(lower(m));
      }),
    );
  });
});

describe('truncation', () => {
  const txt = (name: string, n: number) => makeRR(name, TYPE.TXT, 60, [new Uint8Array(200).fill(0x61 + n)]);
  const edns = { udpSize: 512, version: 0, do: true, options: [{ code: 10, data: new Uint8Array(8) }] };

  it('sets TC and drops whole RRsets, keeping OPT', () => {
    const answers = [txt('a.example.', 0), txt('b.example.', 1), txt('b.example.', 2), txt('c.example.', 3)];
    const m = message({ answers, edns, additional: [makeRR('ns.example.', TYPE.A, 60, '192.0.2.53')] });
    const buf = encodeMessage(m, { maxSize: 512 });
    expect(buf.length).toBeLessThanOrEqual(512);
    const d = decoded(buf);
    expect(d.flags.tc).toBe(true);
    expect(d.answers).toEqual(answers.slice(0, 1)); // the b RRset (two records) does not fit whole
    expect(d.additional).toEqual([]);
    expect(d.edns).toEqual(edns);
  });

  it('drops additional records that do not fit without setting TC', () => {
    const m = message({
      answers: [txt('a.example.', 0)],
      additional: [txt('x.example.', 1), txt('y.example.', 2)],
    });
    const d = decoded(encodeMessage(m, { maxSize: 512 }));
    expect(d.flags.tc).toBe(false);
    expect(d.answers).toHaveLength(1);
    expect(d.additional).toHaveLength(1);
  });

  it('keeps a prefix of whole RRsets and the OPT and TSIG records, property', () => {
    fc.assert(
      fc.property(arbMessage, fc.integer({ min: 512, max: 2048 }), (m0, maxSize) => {
        const m = lower(m0);
        const full = encodeMessage(m);
        const buf = encodeMessage(m, { maxSize });
        const d = decoded(buf);
        // The space kept for TSIG counts its owner uncompressed: compression may save more.
        const last = m.additional.at(-1);
        const slack = last?.type === TYPE.TSIG ? wireLength(last.name) : 0;
        if (full.length + slack <= maxSize) {
          expect(buf).toEqual(full);
          return;
        }
        expect(d.edns).toEqual(m.edns);
        const tsig = m.additional.at(-1)?.type === TYPE.TSIG ? m.additional.at(-1) : undefined;
        if (tsig) expect(d.additional.at(-1)).toEqual(tsig);
        const cut = (sent: RR[], all: RR[]) => {
          expect(sent).toEqual(all.slice(0, sent.length));
          const next = all[sent.length];
          const last = sent.at(-1);
          // A cut falls between RRsets: the next record is of another set.
          if (next && last)
            expect([nameKey(next.name), next.type, next.class]).not.toEqual([
              nameKey(last.name),
              last.type,
              last.class,
            ]);
          return sent.length < all.length;
        };
        const cutAnswers = cut(d.answers, m.answers);
        const cutAuthority = !cutAnswers && cut(d.authority, m.authority);
        if (cutAnswers || cutAuthority) expect(d.flags.tc).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  // The space kept for TSIG once counted presentation text, four bytes per \DDD escape.
  it('keeps records that fit beside a TSIG whose key name has escapes', () => {
    const key = `${'\\000'.repeat(63)}.${'\\000'.repeat(63)}.`;
    const tsig = { ...makeRR(key, TYPE.TSIG, 0, tsigData()), class: 255 };
    const m = message({ additional: [makeRR('a.', TYPE.CNAME, 0, '.'), tsig] });
    expect(encodeMessage(m).length).toBeLessThan(300);
    expect(decoded(encodeMessage(m, { maxSize: 512 })).additional).toHaveLength(2);
  });
});

describe('malformed messages throw DnsFormatError', () => {
  const header = (qd: number, an: number, ar = 0) =>
    `0001 0000 ${qd.toString(16).padStart(4, '0')} ${an.toString(16).padStart(4, '0')} 0000 ${ar
      .toString(16)
      .padStart(4, '0')}`;
  const cases: [string, string][] = [
    ['shorter than a header', '0001 0000 0000'],
    ['a compression loop', `${header(1, 0)} c00c 0001 0001`],
    ['a pointer to itself through another', `${header(2, 0)} 01 61 c012 0001 0001 01 62 c00c 0001 0001`],
    ['a forward pointer', `${header(1, 0)} c010 0001 0001 0161 00`],
    ['a label past the end', `${header(1, 0)} 05 6162`],
    ['a name running past the end', `${header(1, 0)} 01 61`],
    ['an unknown label type', `${header(1, 0)} 41 61 00 0001 0001`],
    ['a truncated question', `${header(1, 0)} 00 0001`],
    ['an A record of 5 bytes', `${header(0, 1)} 00 0001 0001 00000000 0005 0102030405`],
    ['rdlength past the end', `${header(0, 1)} 00 0010 0001 00000000 0010 0161`],
    ['rdlength shorter than its data', `${header(0, 1)} 00 000f 0001 00000000 0003 000a 0161 00`],
    ['a TXT string past its record', `${header(0, 1)} 00 0010 0001 00000000 0002 0561`],
    ['trailing bytes', `${header(0, 0)} 00`],
    ['two OPT records', `${header(0, 0, 2)} 00 0029 0200 00000000 0000 00 0029 0200 00000000 0000`],
    ['an OPT record not owned by the root', `${header(0, 0, 1)} 0161 00 0029 0200 00000000 0000`],
    ['a truncated EDNS option', `${header(0, 0, 1)} 00 0029 0200 00000000 0003 000a00`],
    ['an EDNS option past its record', `${header(0, 0, 1)} 00 0029 0200 00000000 0004 000a0001`],
    [
      'a TSIG record that is not last',
      `${header(0, 0, 2)} 00 00fa 00ff 00000000 0013 00 000000000000 012c 0000 0000 0000 0000
       00 0001 0001 00000000 0004 01020304`,
    ],
    [
      'a name longer than 255 octets',
      `${header(1, 0)} ${'3f'.concat('61'.repeat(63)).repeat(4)} 00 0001 0001`,
    ],
  ];
  for (const [what, packet] of cases) {
    it(what, () => {
      expect(() => decodeMessage(hex(packet))).toThrow(DnsFormatError);
    });
  }

  it('carries the id when the header was read', () => {
    try {
      decodeMessage(hex('beef 0000 0001 0000 0000 0000 c00c'));
      expect.unreachable();
    } catch (e) {
      expect((e as DnsFormatError).id).toBe(0xbeef);
    }
  });

  it('accepts empty data of any type, as bytes (UPDATE deletions, RFC 2136 §2.5)', () => {
    for (const type of [TYPE.A, TYPE.TXT, TYPE.MX, TYPE.SOA, 999]) {
      const t = type.toString(16).padStart(4, '0');
      expect(decoded(hex(`${header(0, 1)} 00 ${t} 00ff 00000000 0000`)).answers[0]?.data).toEqual(
        new Uint8Array(0),
      );
    }
  });

  it('accepts the valid neighbours of those cases', () => {
    expect(
      decoded(hex(`${header(2, 0)} 01 61 00 0001 0001 01 62 c00c 0001 0001`)).questions.map((q) => q.name),
    ).toEqual(['a.', 'b.a.']);
    const longest = `${'3f'.concat('61'.repeat(63)).repeat(3)} 3d ${'61'.repeat(61)} 00`;
    expect(decoded(hex(`${header(1, 0)} ${longest} 0001 0001`)).questions).toHaveLength(1);
  });
});

describe('fuzz: anything either decodes or throws DnsFormatError', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), decodesOrFormatError), { numRuns: 3000 });
  });

  it('random bytes after a header with small counts', () => {
    const counts = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        counts,
        fc.uint8Array({ maxLength: 300 }),
        (h, c, rest) => {
          const buf = Uint8Array.from([...h, ...c.flatMap((n) => [0, n]), ...rest]);
          return decodesOrFormatError(buf) && (peekOk(buf) || true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('byte flips, truncations and insertions of valid messages', () => {
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
      }),
    );
    fc.assert(
      fc.property(arbMessage, fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, mutations) => {
        let buf = encodeMessage(m);
        for (const { kind, at, value } of mutations) {
          const i = at % (buf.length + 1);
          if (kind === 'flip' && i < buf.length) buf[i] = value;
          else if (kind === 'cut') buf = buf.slice(0, i);
          else buf = Uint8Array.from([...buf.subarray(0, i), value, ...buf.subarray(i)]);
        }
        return decodesOrFormatError(buf) && peekOk(buf);
      }),
      { numRuns: 1500 },
    );
  });
});

/** peekQuestion also answers only with a value or DnsFormatError. */
function peekOk(buf: Uint8Array): boolean {
  try {
    peekQuestion(buf);
  } catch (e) {
    if (!(e instanceof DnsFormatError)) throw e;
  }
  return true;
}

function tsigData(): TsigData {
  return {
    algorithm: 'hmac-sha256.',
    timeSigned: 1700000000,
    fudge: 300,
    mac: new Uint8Array(32),
    originalId: 0,
    error: 0,
    other: new Uint8Array(0),
  };
}
