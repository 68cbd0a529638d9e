// fast-check arbitraries for the DNS model: names (with escaped and odd bytes), records of
// every type (typed data, and the DNSSEC types built field by field into their opaque wire
// bytes, or random bytes that no text form fits), and whole messages. The wire layouts are
// written here independently of src/dns, so a test compares two implementations.
import fc from 'fast-check';
import { CLASS, isMetaType, TYPE } from '../../src/dns/constants.js';
import { formatIPv4, formatIPv6 } from '../../src/dns/ip.js';
import { labelsToName } from '../../src/dns/name.js';
import {
  type Edns,
  type Flags,
  isKnownType,
  type Message,
  type Question,
  type RR,
} from '../../src/dns/types.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength });

const LDH = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'];
/** Bytes that need escaping in names or strings, and the edges of the byte range. */
const ODD = [0x00, 0x09, 0x0a, 0x20, 0x22, 0x24, 0x28, 0x29, 0x2e, 0x3b, 0x40, 0x5c, 0x7f, 0x80, 0xff];
const oddByte = fc.oneof(fc.constantFrom(...ODD), u8);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** One label's bytes: mostly host-name letters, sometimes any byte, sometimes the longest. */
export const arbLabel: fc.Arbitrary<Uint8Array> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.string({ unit: fc.constantFrom(...LDH), minLength: 1, maxLength: 12 }).map(ascii),
  },
  { weight: 2, arbitrary: fc.array(oddByte, { minLength: 1, maxLength: 8 }).map((a) => Uint8Array.from(a)) },
  { weight: 1, arbitrary: fc.constant(ascii('*')) },
  { weight: 1, arbitrary: bytes(63, 63) },
);

/** A canonical absolute name (the root included), at most 255 octets on the wire. */
export const arbName: fc.Arbitrary<string> = fc
  .array(arbLabel, { maxLength: 5 })
  .filter((labels) => labels.reduce((n, l) => n + l.length + 1, 1) <= 255)
  .map(labelsToName);

/** Names of letters, digits and hyphens only, in lower case: what most zones hold. */
export const arbHostName: fc.Arbitrary<string> = fc
  .array(fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/), { minLength: 1, maxLength: 4 })
  .map((ls) => `${ls.join('.')}.`);

function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Uncompressed wire form of a canonical name (escapes decoded). */
export function wireName(name: string): number[] {
  if (name === '.') return [0];
  const out: number[] = [];
  let label: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      out.push(label.length, ...label);
      label = [];
    } else if (c === 0x5c && /^\d{3}/.test(name.slice(i + 1, i + 4))) {
      label.push(Number(name.slice(i + 1, i + 4)));
      i += 3;
    } else if (c === 0x5c) {
      label.push(name.charCodeAt(++i));
    } else label.push(c);
  }
  return [...out, 0];
}

/** An NSEC type bitmap (RFC 4034 §4.1.2), canonical. */
export function typeBitmap(types: readonly number[]): number[] {
  const windows = new Map<number, number[]>();
  for (const t of new Set(types)) {
    const w = windows.get(t >> 8) ?? new Array<number>(32).fill(0);
    w[(t & 0xff) >> 3] = (w[(t & 0xff) >> 3] as number) | (0x80 >> (t & 7));
    windows.set(t >> 8, w);
  }
  const out: number[] = [];
  for (const [win, bits] of [...windows].sort((a, b) => a[0] - b[0])) {
    let len = 32;
    while (bits[len - 1] === 0) len--;
    out.push(win, len, ...bits.slice(0, len));
  }
  return out;
}

const arbTypes = fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), u16), { maxLength: 8 });
const charString = fc.oneof(
  bytes(0, 255),
  fc.string({ maxLength: 40 }).map((s) => Uint8Array.from(Buffer.from(s, 'utf8').subarray(0, 255))),
);
const opaque = (parts: fc.Arbitrary<number[]>) =>
  fc.oneof(
    { weight: 4, arbitrary: parts.map((p) => Uint8Array.from(p)) },
    { weight: 1, arbitrary: bytes(0, 40) },
  );

/** Data of the DNSSEC and other types the model keeps opaque, built from their fields. */
const OPAQUE: Record<number, fc.Arbitrary<Uint8Array>> = {
  [TYPE.DS]: opaque(fc.tuple(u16, u8, u8, bytes(1, 48)).map(([t, a, d, h]) => [...be16(t), a, d, ...h])),
  [TYPE.DNSKEY]: opaque(fc.tuple(u16, u8, u8, bytes(1, 64)).map(([f, p, a, k]) => [...be16(f), p, a, ...k])),
  [TYPE.RRSIG]: opaque(
    fc
      .tuple(u16, u8, u8, u32, u32, u32, u16, arbName, bytes(1, 64))
      .map(([t, a, l, ttl, exp, inc, tag, signer, sig]) => [
        ...be16(t),
        a,
        l,
        ...be32(ttl),
        ...be32(exp),
        ...be32(inc),
        ...be16(tag),
        ...wireName(signer),
        ...sig,
      ]),
  ),
  [TYPE.NSEC]: opaque(
    fc.tuple(arbName, arbTypes).map(([next, types]) => [...wireName(next), ...typeBitmap(types)]),
  ),
  [TYPE.NSEC3]: opaque(
    fc
      .tuple(u8, u8, u16, bytes(0, 8), bytes(1, 32), arbTypes)
      .map(([a, f, it, salt, hash, types]) => [
        a,
        f,
        ...be16(it),
        salt.length,
        ...salt,
        hash.length,
        ...hash,
        ...typeBitmap(types),
      ]),
  ),
  [TYPE.NSEC3PARAM]: opaque(
    fc.tuple(u8, u8, u16, bytes(0, 8)).map(([a, f, it, salt]) => [a, f, ...be16(it), salt.length, ...salt]),
  ),
  [TYPE.HINFO]: opaque(fc.tuple(charString, charString).map(([c, o]) => [c.length, ...c, o.length, ...o])),
};

const arbIPv6 = fc.oneof(
  bytes(16, 16),
  fc
    .array(fc.constantFrom(0, 0, 0, 1, 0xffff, 0x2001, 0xdb8), { minLength: 8, maxLength: 8 })
    .map((gs) => Uint8Array.from(gs.flatMap(be16))),
);

/**
 * Record data of one type, as the model holds it; now and then the empty bytes that stand
 * for any type's data in UPDATE's deletions (RFC 2136 §2.5).
 */
export function arbRData(type: number): fc.Arbitrary<RR['data']> {
  if (!isKnownType(type)) return OPAQUE[type] ?? bytes(0, 40);
  if (type === TYPE.TSIG) return arbTypedData(type);
  return fc.oneof(
    { weight: 20, arbitrary: arbTypedData(type) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  );
}

function arbTypedData(type: number): fc.Arbitrary<RR['data']> {
  switch (type) {
    case TYPE.A:
      return bytes(4, 4).map(formatIPv4);
    case TYPE.AAAA:
      return arbIPv6.map(formatIPv6);
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
    case TYPE.DNAME:
      return arbName;
    case TYPE.SOA:
      return fc.record({
        mname: arbName,
        rname: arbName,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
      });
    case TYPE.MX:
      return fc.record({ preference: u16, exchange: arbName });
    case TYPE.TXT:
    case TYPE.SPF:
      return fc.array(charString, { minLength: 1, maxLength: 4 });
    case TYPE.SRV:
      return fc.record({ priority: u16, weight: u16, port: u16, target: arbName });
    case TYPE.CAA:
      return fc.record({
        flags: u8,
        tag: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom('issue', 'issuewild', 'iodef') },
          { weight: 2, arbitrary: fc.stringMatching(/^[a-zA-Z0-9]{1,15}$/) },
          {
            weight: 1,
            arbitrary: fc.string({ unit: u8.map((b) => String.fromCharCode(b)), minLength: 1, maxLength: 8 }),
          },
        ),
        value: fc.oneof(charString, bytes(0, 300)),
      });
    case TYPE.TLSA:
      return fc.record({ usage: u8, selector: u8, matchingType: u8, data: bytes(0, 64) });
    case TYPE.TSIG:
      return fc.record({
        algorithm: fc.oneof(fc.constantFrom('hmac-sha256.', 'hmac-sha512.'), arbName),
        timeSigned: fc.tuple(u16, u32).map(([hi, lo]) => hi * 2 ** 32 + lo),
        fudge: u16,
        mac: bytes(0, 64),
        originalId: u16,
        error: fc.oneof(fc.constantFrom(0, 16, 17, 18, 22), u16),
        other: bytes(0, 8),
      });
    default:
      return OPAQUE[type] ?? bytes(0, 40);
  }
}

const NAMED_TYPES = [
  ...[1, 2, 5, 6, 12, 15, 16, 28, 33, 39, 52, 99, 250, 257],
  ...[TYPE.DS, TYPE.DNSKEY, TYPE.RRSIG, TYPE.NSEC, TYPE.NSEC3, TYPE.NSEC3PARAM, TYPE.HINFO],
];
/** Types with no typed data nor text form here (RFC 3597 only), OPT aside. */
const arbUnknownType = u16.filter((t) => t !== TYPE.OPT && !isKnownType(t) && !(t in OPAQUE));
const arbClass = fc.oneof(
  { weight: 5, arbitrary: fc.constant<number>(CLASS.IN) },
  { weight: 1, arbitrary: u16 },
);

function arbRecord(types: fc.Arbitrary<number>, name = arbName): fc.Arbitrary<RR> {
  return types.chain((type) =>
    fc
      .record({ name, type: fc.constant(type), class: arbClass, ttl: u32, data: arbRData(type) })
      .map((r) => r as RR),
  );
}

/** A record of any type but OPT (which the model keeps in Message.edns). */
export const arbRR: fc.Arbitrary<RR> = arbRecord(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NAMED_TYPES) },
    { weight: 1, arbitrary: arbUnknownType },
  ),
);

/** A record a zone may hold: no meta type (OPT, TSIG, ANY, …). */
export const arbZoneRR: fc.Arbitrary<RR> = arbRecord(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NAMED_TYPES.filter((t) => !isMetaType(t))) },
    { weight: 1, arbitrary: arbUnknownType.filter((t) => !isMetaType(t)) },
  ),
);

export const arbFlags: fc.Arbitrary<Flags> = fc.record({
  qr: fc.boolean(),
  opcode: fc.integer({ min: 0, max: 15 }),
  aa: fc.boolean(),
  tc: fc.boolean(),
  rd: fc.boolean(),
  ra: fc.boolean(),
  ad: fc.boolean(),
  cd: fc.boolean(),
});

export const arbEdns: fc.Arbitrary<Edns> = fc.record({
  udpSize: u16,
  version: u8,
  do: fc.boolean(),
  options: fc.array(fc.record({ code: u16, data: bytes(0, 20) }), { maxLength: 3 }),
});

const arbQuestion: fc.Arbitrary<Question> = fc.record({ name: arbName, type: u16, class: arbClass });
const notTsig = arbRR.filter((r) => r.type !== TYPE.TSIG);

/**
 * A whole message. The rcode is drawn from the 12-bit range whether or not there is EDNS
 * (without it the wire keeps only the low 4 bits: tests normalize); TSIG, when present,
 * ends the additional section as the wire requires.
 */
export const arbMessage: fc.Arbitrary<Message> = fc
  .record({
    id: u16,
    flags: arbFlags,
    rcode: fc.integer({ min: 0, max: 4095 }),
    questions: fc.array(arbQuestion, { maxLength: 3 }),
    answers: fc.array(arbRR, { maxLength: 6 }),
    authority: fc.array(arbRR, { maxLength: 4 }),
    additional: fc.array(notTsig, { maxLength: 4 }),
    tsig: fc.option(arbRecord(fc.constant(TYPE.TSIG)), { nil: undefined }),
    edns: fc.option(arbEdns, { nil: undefined }),
  })
  .map(({ tsig, ...m }) => ({ ...m, additional: tsig ? [...m.additional, tsig] : m.additional }));

/** Names at or below `origin`, and now and then anywhere. */
export function arbNameUnder(origin: string): fc.Arbitrary<string> {
  const below = fc
    .array(arbLabel, { maxLength: 3 })
    .map((labels) => (labels.length === 0 ? origin : labelsToName(labels) + (origin === '.' ? '' : origin)))
    .filter((n) => wireName(n).length <= 255);
  return fc.oneof({ weight: 4, arbitrary: below }, { weight: 1, arbitrary: arbName });
}

/** A zone as parseZone returns it: an origin, maybe a $TTL, an SOA first, then other records. */
export const arbZone = arbName.chain((origin) =>
  fc.record({
    origin: fc.constant(origin),
    defaultTtl: fc.option(u32, { nil: undefined }),
    records: fc
      .tuple(
        arbRecord(fc.constant(TYPE.SOA), fc.constant(origin)),
        fc.array(
          arbZoneRR.filter((r) => r.type !== TYPE.SOA),
          { maxLength: 8 },
        ),
      )
      .map(([soa, rest]) => [soa, ...rest]),
  }),
);
