// The DNS wire format (RFC 1035 §4, EDNS0 RFC 6891, unknown types RFC 3597): messages to
// bytes and back. Decoding is strict about bounds (every length is checked against the
// packet, pointers must point backwards, names stay under 255 octets) and throws
// DnsFormatError, which a server answers with FORMERR. Encoding compresses names where
// RFC 3597 §4 allows it and truncates at RRset boundaries to fit a size limit.
import { TYPE } from './constants.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip.js';
import { labelToText, nameKey, parseLabels, splitName, wireLength } from './name.js';
import type { Edns, Flags, Message, Question, RR, TsigData } from './types.js';

export class DnsFormatError extends Error {
  override name = 'DnsFormatError';
  /** The message id when the header could be read, so a server can answer FORMERR. */
  constructor(
    message: string,
    readonly id?: number,
  ) {
    super(message);
  }
}

export interface DecodedMessage extends Message {
  /** Offset of the TSIG record when one ends the additional section (for verification). */
  tsigOffset?: number | undefined;
}

// ---------------------------------------------------------------------------------------
// Decoding

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly id?: number,
  ) {}

  fail(what: string): never {
    throw new DnsFormatError(`malformed DNS message: ${what} at offset ${this.pos}`, this.id);
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) this.fail('truncated');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = ((this.buf[this.pos] as number) << 8) | (this.buf[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (
      (((b[p] as number) << 24) |
        ((b[p + 1] as number) << 16) |
        ((b[p + 2] as number) << 8) |
        (b[p + 3] as number)) >>>
      0
    );
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A possibly compressed name, as canonical presentation text. */
  name(): string {
    const buf = this.buf;
    let p = this.pos;
    let out = '';
    let wire = 1;
    let jumped = false;
    let lowest = p;
    let hops = 0;
    for (;;) {
      if (p >= buf.length) this.fail('name runs past the end');
      const len = buf[p] as number;
      if (len === 0) {
        if (!jumped) this.pos = p + 1;
        return out === '' ? '.' : out;
      }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        if (p + 1 >= buf.length) this.fail('truncated compression pointer');
        const target = ((len & 0x3f) << 8) | (buf[p + 1] as number);
        // Strictly backwards, and before every label already read: no loops.
        if (target >= lowest) this.fail('compression pointer does not point backwards');
        // A name has at most 127 labels: more jumps than that is a CPU trap, not a name.
        if (++hops > 127) this.fail('too many compression pointers');
        if (!jumped) this.pos = p + 2;
        jumped = true;
        lowest = target;
        p = target;
        continue;
      }
      if (kind !== 0) this.fail('unknown label type');
      wire += len + 1;
      if (wire > 255) this.fail('name longer than 255 octets');
      if (p + 1 + len > buf.length) this.fail('label runs past the end');
      out += `${labelToText(buf, p + 1, p + 1 + len)}.`;
      p += 1 + len;
    }
  }
}

function decodeRData(r: Reader, type: number, rdlen: number): RR['data'] {
  const end = r.pos + rdlen;
  if (end > r.buf.length) r.fail('record data runs past the end');
  // Empty data is legal for any type in UPDATE's delete and prerequisite records (RFC 2136 §2.4).
  if (rdlen === 0) return new Uint8Array(0);
  let data: RR['data'];
  switch (type) {
    case TYPE.A:
      if (rdlen !== 4) r.fail('A record data is not 4 bytes');
      data = formatIPv4(r.bytes(4));
      break;
    case TYPE.AAAA:
      if (rdlen !== 16) r.fail('AAAA record data is not 16 bytes');
      data = formatIPv6(r.bytes(16));
      break;
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
    case TYPE.DNAME:
      data = r.name();
      break;
    case TYPE.SOA:
      data = {
        mname: r.name(),
        rname: r.name(),
        serial: r.u32(),
        refresh: r.u32(),
        retry: r.u32(),
        expire: r.u32(),
        minimum: r.u32(),
      };
      break;
    case TYPE.MX:
      data = { preference: r.u16(), exchange: r.name() };
      break;
    case TYPE.TXT:
    case TYPE.SPF: {
      const strings: Uint8Array[] = [];
      while (r.pos < end) strings.push(r.bytes(r.u8()));
      data = strings;
      break;
    }
    case TYPE.SRV:
      data = { priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
      break;
    case TYPE.CAA: {
      const flags = r.u8();
      const tagLen = r.u8();
      if (tagLen === 0) r.fail('CAA record with an empty tag');
      const tag = Buffer.from(r.bytes(tagLen)).toString('latin1');
      data = { flags, tag, value: r.bytes(end - r.pos) };
      break;
    }
    case TYPE.TLSA:
      data = { usage: r.u8(), selector: r.u8(), matchingType: r.u8(), data: r.bytes(end - r.pos) };
      break;
    case TYPE.TSIG: {
      const algorithm = r.name();
      const timeSigned = r.u16() * 2 ** 32 + r.u32();
      const fudge = r.u16();
      const mac = r.bytes(r.u16());
      const originalId = r.u16();
      const error = r.u16();
      const other = r.bytes(r.u16());
      data = { algorithm, timeSigned, fudge, mac, originalId, error, other } satisfies TsigData;
      break;
    }
    default:
      data = r.bytes(rdlen);
  }
  if (r.pos !== end) r.fail(`record data of type ${type} does not fill its length`);
  return data;
}

function decodeRR(r: Reader): RR {
  const name = r.name();
  const type = r.u16();
  const cls = r.u16();
  const ttl = r.u32();
  const rdlen = r.u16();
  const data = decodeRData(r, type, rdlen);
  return { name, type, class: cls, ttl, data } as RR;
}

export function decodeFlags(word: number): Flags {
  return {
    qr: (word & 0x8000) !== 0,
    opcode: (word >> 11) & 0xf,
    aa: (word & 0x0400) !== 0,
    tc: (word & 0x0200) !== 0,
    rd: (word & 0x0100) !== 0,
    ra: (word & 0x0080) !== 0,
    ad: (word & 0x0020) !== 0,
    cd: (word & 0x0010) !== 0,
  };
}

export function encodeFlags(f: Flags, rcode: number): number {
  return (
    (f.qr ? 0x8000 : 0) |
    ((f.opcode & 0xf) << 11) |
    (f.aa ? 0x0400 : 0) |
    (f.tc ? 0x0200 : 0) |
    (f.rd ? 0x0100 : 0) |
    (f.ra ? 0x0080 : 0) |
    (f.ad ? 0x0020 : 0) |
    (f.cd ? 0x0010 : 0) |
    (rcode & 0xf)
  );
}

/** Decodes a whole DNS message. Throws DnsFormatError on anything malformed. */
export function decodeMessage(buf: Uint8Array): DecodedMessage {
  if (buf.length < 12) throw new DnsFormatError('malformed DNS message: shorter than a header');
  const id = ((buf[0] as number) << 8) | (buf[1] as number);
  const r = new Reader(buf, id);
  r.pos = 2;
  const word = r.u16();
  const qd = r.u16();
  const an = r.u16();
  const ns = r.u16();
  const ar = r.u16();
  const questions: Question[] = [];
  for (let i = 0; i < qd; i++) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const answers: RR[] = [];
  for (let i = 0; i < an; i++) answers.push(decodeRR(r));
  const authority: RR[] = [];
  for (let i = 0; i < ns; i++) authority.push(decodeRR(r));
  const additional: RR[] = [];
  let edns: Edns | undefined;
  let rcode = word & 0xf;
  let tsigOffset: number | undefined;
  for (let i = 0; i < ar; i++) {
    const start = r.pos;
    const rr = decodeRR(r);
    if (rr.type === TYPE.OPT) {
      if (edns) r.fail('more than one OPT record');
      if (rr.name !== '.') r.fail('OPT record not owned by the root');
      edns = decodeOpt(rr, r);
      rcode |= (rr.ttl >>> 24) << 4;
      continue;
    }
    if (rr.type === TYPE.TSIG) {
      if (i !== ar - 1) r.fail('TSIG record is not the last one');
      tsigOffset = start;
    }
    additional.push(rr);
  }
  if (r.pos !== buf.length) r.fail('trailing bytes after the last record');
  return { id, flags: decodeFlags(word), rcode, questions, answers, authority, additional, edns, tsigOffset };
}

function decodeOpt(rr: RR, r: Reader): Edns {
  const data = rr.data as Uint8Array;
  const options: Edns['options'] = [];
  for (let p = 0; p < data.length; ) {
    if (p + 4 > data.length) r.fail('truncated EDNS option');
    const code = ((data[p] as number) << 8) | (data[p + 1] as number);
    const len = ((data[p + 2] as number) << 8) | (data[p + 3] as number);
    if (p + 4 + len > data.length) r.fail('EDNS option runs past its record');
    options.push({ code, data: data.slice(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return {
    udpSize: rr.class,
    version: (rr.ttl >>> 16) & 0xff,
    do: (rr.ttl & 0x8000) !== 0,
    options,
  };
}

/**
 * Reads just the header and the first question: what a server needs to route a query,
 * without decoding the records (a TSIG'd or EDNS query still needs decodeMessage).
 */
export function peekQuestion(buf: Uint8Array): { id: number; flags: Flags; qd: number; question?: Question } {
  if (buf.length < 12) throw new DnsFormatError('malformed DNS message: shorter than a header');
  const id = ((buf[0] as number) << 8) | (buf[1] as number);
  const r = new Reader(buf, id);
  r.pos = 2;
  const flags = decodeFlags(r.u16());
  const qd = r.u16();
  if (qd === 0) return { id, flags, qd };
  r.pos = 12;
  return { id, flags, qd, question: { name: r.name(), type: r.u16(), class: r.u16() } };
}

// ---------------------------------------------------------------------------------------
// Encoding

/** Types whose rdata names may be compressed (RFC 3597 §4: those of RFC 1035). */
const COMPRESSIBLE = new Set<number>([TYPE.NS, TYPE.CNAME, TYPE.SOA, TYPE.PTR, TYPE.MX]);

class Writer {
  buf: Uint8Array;
  pos = 0;
  names = new Map<string, number>();
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos + n > 65535) throw new RangeError('DNS message longer than 65535 bytes');
    const grown = new Uint8Array(Math.min(65535, Math.max(this.buf.length * 2, this.pos + n)));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = v >> 8;
    this.buf[this.pos++] = v & 0xff;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf[this.pos++] = v >>> 24;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  name(name: string, compress: boolean): void {
    if (name === '.') {
      this.u8(0);
      return;
    }
    const labels = parseLabels(name);
    const keys = compress ? splitName(nameKey(name)) : undefined;
    for (let i = 0; i < labels.length; i++) {
      if (keys) {
        const suffix = keys.slice(i).join('.');
        const at = this.names.get(suffix);
        if (at !== undefined) {
          this.u16(0xc000 | at);
          return;
        }
        if (this.pos < 0x4000) this.names.set(suffix, this.pos);
      }
      const l = labels[i] as Uint8Array;
      this.u8(l.length);
      this.bytes(l);
    }
    this.u8(0);
  }
}

function encodeRData(w: Writer, rr: RR): void {
  if (rr.data instanceof Uint8Array) {
    // Opaque data, or the empty data of an UPDATE delete/prerequisite record.
    w.bytes(rr.data);
    return;
  }
  const c = COMPRESSIBLE.has(rr.type);
  switch (rr.type) {
    case TYPE.A: {
      const b = parseIPv4(rr.data as string);
      if (!b) throw new RangeError(`bad IPv4 address "${String(rr.data)}"`);
      w.bytes(b);
      return;
    }
    case TYPE.AAAA: {
      const b = parseIPv6(rr.data as string);
      if (!b) throw new RangeError(`bad IPv6 address "${String(rr.data)}"`);
      w.bytes(b);
      return;
    }
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
    case TYPE.DNAME:
      w.name(rr.data as string, c);
      return;
    case TYPE.SOA: {
      const d = rr.data as import('./types.js').SoaData;
      w.name(d.mname, c);
      w.name(d.rname, c);
      w.u32(d.serial);
      w.u32(d.refresh);
      w.u32(d.retry);
      w.u32(d.expire);
      w.u32(d.minimum);
      return;
    }
    case TYPE.MX: {
      const d = rr.data as import('./types.js').MxData;
      w.u16(d.preference);
      w.name(d.exchange, c);
      return;
    }
    case TYPE.TXT:
    case TYPE.SPF:
      for (const s of rr.data as Uint8Array[]) {
        if (s.length > 255) throw new RangeError('TXT character-string longer than 255 bytes');
        w.u8(s.length);
        w.bytes(s);
      }
      return;
    case TYPE.SRV: {
      const d = rr.data as import('./types.js').SrvData;
      w.u16(d.priority);
      w.u16(d.weight);
      w.u16(d.port);
      w.name(d.target, false);
      return;
    }
    case TYPE.CAA: {
      const d = rr.data as import('./types.js').CaaData;
      w.u8(d.flags);
      w.u8(d.tag.length);
      w.bytes(Buffer.from(d.tag, 'latin1'));
      w.bytes(d.value);
      return;
    }
    case TYPE.TLSA: {
      const d = rr.data as import('./types.js').TlsaData;
      w.u8(d.usage);
      w.u8(d.selector);
      w.u8(d.matchingType);
      w.bytes(d.data);
      return;
    }
    case TYPE.TSIG: {
      const d = rr.data as TsigData;
      w.name(d.algorithm, false);
      w.u16(Math.floor(d.timeSigned / 2 ** 32));
      w.u32(d.timeSigned >>> 0);
      w.u16(d.fudge);
      w.u16(d.mac.length);
      w.bytes(d.mac);
      w.u16(d.originalId);
      w.u16(d.error);
      w.u16(d.other.length);
      w.bytes(d.other);
      return;
    }
    default:
      throw new RangeError(`type ${rr.type} needs its data as bytes`);
  }
}

function encodeRR(w: Writer, rr: RR): void {
  w.name(rr.name, true);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl >>> 0);
  const lenAt = w.pos;
  w.u16(0);
  encodeRData(w, rr);
  const len = w.pos - lenAt - 2;
  w.buf[lenAt] = len >> 8;
  w.buf[lenAt + 1] = len & 0xff;
}

function optRR(edns: Edns, rcode: number): RR {
  let len = 0;
  for (const o of edns.options) len += 4 + o.data.length;
  const data = new Uint8Array(len);
  let p = 0;
  for (const o of edns.options) {
    data[p++] = o.code >> 8;
    data[p++] = o.code & 0xff;
    data[p++] = o.data.length >> 8;
    data[p++] = o.data.length & 0xff;
    data.set(o.data, p);
    p += o.data.length;
  }
  const ttl = (((rcode >> 4) & 0xff) << 24) | ((edns.version & 0xff) << 16) | (edns.do ? 0x8000 : 0);
  return { name: '.', type: TYPE.OPT, class: edns.udpSize, ttl: ttl >>> 0, data };
}

export interface EncodeOptions {
  /**
   * Largest message to produce (a UDP limit). When the answer or authority section does
   * not fit, whole RRsets are dropped and TC is set; additional records that do not fit
   * are dropped silently (RFC 2181 §9). OPT and TSIG always stay.
   */
  maxSize?: number;
}

/** Encodes a message. Throws RangeError for data that cannot be represented. */
export function encodeMessage(msg: Message, opts: EncodeOptions = {}): Uint8Array {
  const limit = opts.maxSize ?? 65535;
  const w = new Writer(Math.min(limit, 512));
  w.u16(msg.id);
  w.u16(0); // flags, set at the end (TC may change)
  w.u16(msg.questions.length);
  w.u16(0);
  w.u16(0);
  w.u16(0);
  for (const q of msg.questions) {
    w.name(q.name, true);
    w.u16(q.type);
    w.u16(q.class);
  }
  const tsig =
    msg.additional.length > 0 && msg.additional.at(-1)?.type === TYPE.TSIG
      ? msg.additional.at(-1)
      : undefined;
  const opt = msg.edns ? optRR(msg.edns, msg.rcode) : undefined;
  // Space kept for OPT and TSIG, which must survive truncation.
  let reserve = 0;
  if (opt) reserve += 11 + (opt.data as Uint8Array).length;
  if (tsig) reserve += tsigSize(tsig);
  let tc = msg.flags.tc;
  const counts = [0, 0, 0];
  const sections = [msg.answers, msg.authority, tsig ? msg.additional.slice(0, -1) : msg.additional];
  outer: for (let s = 0; s < 3; s++) {
    const list = sections[s] as RR[];
    for (let i = 0; i < list.length; ) {
      // One RRset at a time: consecutive records of one name, type and class.
      let j = i + 1;
      const first = list[i] as RR;
      while (j < list.length && sameSet(list[j] as RR, first)) j++;
      const mark = w.pos;
      for (let k = i; k < j; k++) encodeRR(w, list[k] as RR);
      if (w.pos + reserve > limit) {
        w.pos = mark;
        for (const [k, at] of w.names) if (at >= mark) w.names.delete(k);
        if (s < 2) {
          tc = true;
          break outer;
        }
        i = j;
        continue;
      }
      counts[s] = (counts[s] as number) + (j - i);
      i = j;
    }
  }
  let arCount = counts[2] as number;
  if (opt) {
    encodeRR(w, opt);
    arCount++;
  }
  if (tsig) {
    encodeRR(w, tsig);
    arCount++;
  }
  const out = w.buf;
  const flagsWord = encodeFlags({ ...msg.flags, tc }, msg.rcode);
  out[2] = flagsWord >> 8;
  out[3] = flagsWord & 0xff;
  out[6] = (counts[0] as number) >> 8;
  out[7] = (counts[0] as number) & 0xff;
  out[8] = (counts[1] as number) >> 8;
  out[9] = (counts[1] as number) & 0xff;
  out[10] = arCount >> 8;
  out[11] = arCount & 0xff;
  return out.slice(0, w.pos);
}

function sameSet(a: RR, b: RR): boolean {
  return a.type === b.type && a.class === b.class && nameKey(a.name) === nameKey(b.name);
}

function tsigSize(rr: RR): number {
  if (rr.data instanceof Uint8Array) return wireLength(rr.name) + 10 + rr.data.length;
  const d = rr.data as TsigData;
  // Owner, type/class/ttl/rdlength, algorithm, time+fudge, mac, id+error, other.
  return wireLength(rr.name) + 10 + wireLength(d.algorithm) + 8 + 2 + d.mac.length + 4 + 2 + d.other.length;
}
