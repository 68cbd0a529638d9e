// The DNS data model: resource records with typed data, and messages. Names are canonical
// presentation strings (see name.ts); TXT strings, CAA values and opaque data stay bytes.

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface MxData {
  preference: number;
  exchange: string;
}

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface CaaData {
  flags: number;
  tag: string;
  value: Uint8Array;
}

export interface TlsaData {
  usage: number;
  selector: number;
  matchingType: number;
  data: Uint8Array;
}

export interface TsigData {
  algorithm: string;
  /** Seconds since the epoch (48 bits on the wire). */
  timeSigned: number;
  fudge: number;
  mac: Uint8Array;
  originalId: number;
  error: number;
  other: Uint8Array;
}

/**
 * Record data by type. A and AAAA hold the address text; NS, CNAME, PTR and DNAME a name;
 * TXT its character-strings as bytes. Every other type (DS, DNSKEY, RRSIG, NSEC, …) is
 * carried opaquely as its wire bytes (RFC 3597).
 */
export interface RDataMap {
  1: string; // A
  2: string; // NS
  5: string; // CNAME
  6: SoaData;
  12: string; // PTR
  15: MxData;
  16: Uint8Array[]; // TXT
  28: string; // AAAA
  33: SrvData;
  39: string; // DNAME
  52: TlsaData;
  99: Uint8Array[]; // SPF
  250: TsigData;
  257: CaaData;
}

export type KnownType = keyof RDataMap;

export interface RRBase {
  name: string;
  class: number;
  ttl: number;
}

export type KnownRR = { [T in KnownType]: RRBase & { type: T; data: RDataMap[T] } }[KnownType];
export type OpaqueRR = RRBase & { type: number; data: Uint8Array };
export type RR = KnownRR | OpaqueRR;

const KNOWN = new Set<number>([1, 2, 5, 6, 12, 15, 16, 28, 33, 39, 52, 99, 250, 257]);

/** True when records of this type have typed data (else opaque bytes). */
export function isKnownType(type: number): type is KnownType {
  return KNOWN.has(type);
}

/** The typed data of a record when it has the given type (a union does not narrow on a number). */
export function dataOf<T extends KnownType>(rr: RR, type: T): RDataMap[T] | undefined {
  return rr.type === type ? (rr.data as RDataMap[T]) : undefined;
}

/** A record of a known type, in class IN unless told. */
export function makeRR<T extends KnownType>(
  name: string,
  type: T,
  ttl: number,
  data: RDataMap[T],
  cls = 1,
): RR {
  return { name, type, class: cls, ttl, data } as RR;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface EdnsOption {
  code: number;
  data: Uint8Array;
}

export interface Edns {
  /** Requestor's UDP payload size. */
  udpSize: number;
  version: number;
  /** DNSSEC OK. */
  do: boolean;
  options: EdnsOption[];
}

export interface Flags {
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
}

export interface Message {
  id: number;
  flags: Flags;
  /** The full response code: the header's 4 bits plus OPT's upper 8 (RFC 6891 §6.1.3). */
  rcode: number;
  questions: Question[];
  answers: RR[];
  authority: RR[];
  /** Additional records, without OPT (see `edns`); a TSIG record stays here, last. */
  additional: RR[];
  edns?: Edns | undefined;
}

export const NO_FLAGS: Flags = Object.freeze({
  qr: false,
  opcode: 0,
  aa: false,
  tc: false,
  rd: false,
  ra: false,
  ad: false,
  cd: false,
});

/** TXT character-strings joined, as SPF, DKIM and DMARC read them (RFC 7208 §3.3). */
export function txtString(data: readonly Uint8Array[]): string {
  let out = '';
  for (const s of data) out += Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('latin1');
  return out;
}

/** A TXT value split into character-strings of at most 255 bytes. */
export function txtData(text: string): Uint8Array[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return [new Uint8Array(0)];
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(new Uint8Array(bytes.subarray(i, i + 255)));
  return out;
}
