// The stub resolver: one recursive server, asked over UDP (TCP when a reply is truncated or
// when told), with the defences of RFC 5452 that a stub can have: a random id and a fresh
// socket (so a random source port) per query, and a reply believed only when its id, source
// and question match; anything else is ignored while waiting. Protocol outcomes become
// Resolutions (resolver.ts); the socket shell is kept apart from the pure mapping.
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { DnsCache } from './cache.js';
import { CLASS, RCODE, rcodeName, TYPE } from './constants.js';
import { formatIPv6, parseIP, parseIPv4, parseIPv6 } from './ip.js';
import { nameKey, namesEqual, normalizeName } from './name.js';
import type { Resolution, Resolver } from './resolver.js';
import { dataOf, type Message, NO_FLAGS, type Question, type RR } from './types.js';
import { type DecodedMessage, decodeMessage, encodeMessage, peekQuestion } from './wire.js';

// ---------------------------------------------------------------------------------------
// Server addresses

export interface ServerAddress {
  /** An IP address literal (IPv6 without brackets, in RFC 5952 form). */
  host: string;
  port: number;
}

export class ServerAddressError extends Error {
  override name = 'ServerAddressError';
}

/**
 * Parses "HOST", "HOST:PORT", "[IPv6]:PORT" or a bare IPv6 address; the port defaults to 53.
 * HOST must be an IP address: the resolver's own address cannot depend on a resolver.
 * `listen` allows port 0 (any free port), which only makes sense for an address to bind.
 */
export function parseServer(text: string, opts: { listen?: boolean } = {}): ServerAddress {
  const bad = (why: string) =>
    new ServerAddressError(`bad DNS server "${text}": ${why} (expected IP, IP:PORT or [IPv6]:PORT)`);
  let host: string;
  let port = '53';
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] as string;
    if (bracketed[2] !== undefined) port = bracketed[2];
    if (!parseIPv6(host)) throw bad('not an IPv6 address');
  } else if (text.indexOf(':') !== text.lastIndexOf(':')) {
    host = text;
    if (!parseIPv6(host)) throw bad('not an IPv6 address');
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    if (colon >= 0) port = text.slice(colon + 1);
    if (!parseIPv4(host)) throw bad('not an IP address');
  }
  const n = Number(port);
  if (!/^\d{1,5}$/.test(port) || n < (opts.listen ? 0 : 1) || n > 65535) throw bad(`bad port "${port}"`);
  const v6 = parseIPv6(host);
  return { host: v6 ? formatIPv6(v6) : host, port: n };
}

/** "192.0.2.1:53", "[2001:db8::1]:53". */
export function formatServer(server: ServerAddress): string {
  return server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

function sameAddress(a: string, b: string): boolean {
  const x = parseIP(a);
  const y = parseIP(b);
  return x !== undefined && y !== undefined && Buffer.from(x).equals(Buffer.from(y));
}

// ---------------------------------------------------------------------------------------
// Queries and replies (pure)

/** A random 16-bit message id (RFC 5452 §9.2: unpredictable, from a CSPRNG). */
export function randomId(): number {
  return randomInt(0x10000);
}

/** A recursive query (RD set) for one question in class IN, with EDNS0 unless udpSize is undefined. */
export function makeQuery(name: string, type: number, udpSize: number | undefined, id = randomId()): Message {
  return {
    id,
    flags: { ...NO_FLAGS, rd: true },
    rcode: RCODE.NOERROR,
    questions: [{ name, type, class: CLASS.IN }],
    answers: [],
    authority: [],
    additional: [],
    edns: udpSize === undefined ? undefined : { udpSize, version: 0, do: false, options: [] },
  };
}

/** What a reply must echo to be believed. */
interface Expected {
  id: number;
  opcode: number;
  question: Question | undefined;
}

export class DnsExchangeError extends Error {
  override name = 'DnsExchangeError';
  constructor(
    message: string,
    /** timeout: no reply; network: a socket error; malformed: a matching reply that does not decode. */
    readonly kind: 'timeout' | 'network' | 'malformed',
  ) {
    super(message);
  }
}

/**
 * Judges one datagram or TCP frame: undefined when it is not the reply we wait for (ignore
 * it and keep waiting), the decoded reply, or an error when it matches but is malformed.
 */
function judge(buf: Uint8Array, want: Expected, from: string): DecodedMessage | DnsExchangeError | undefined {
  let head: ReturnType<typeof peekQuestion>;
  try {
    head = peekQuestion(buf);
  } catch {
    return undefined; // cannot even tell whether it is ours
  }
  if (head.id !== want.id || !head.flags.qr || head.flags.opcode !== want.opcode) return undefined;
  const q = head.question;
  if (want.question) {
    if (q) {
      if (!sameQuestion(q, want.question)) return undefined;
    } else if (((buf[3] as number) & 0xf) === RCODE.NOERROR) {
      // Some servers drop the question from an error reply (FORMERR, NOTIMP); only an
      // error is believed without it.
      return undefined;
    }
  } else if (q) {
    return undefined;
  }
  try {
    return decodeMessage(buf);
  } catch (e) {
    // Some servers truncate by cutting the datagram mid-record: with TC set, that is only
    // a reason to ask over TCP.
    if (head.flags.tc) {
      const rcode = (buf[3] as number) & 0xf;
      return {
        id: head.id,
        flags: head.flags,
        rcode,
        questions: q ? [q] : [],
        answers: [],
        authority: [],
        additional: [],
      };
    }
    return new DnsExchangeError(`malformed reply from ${from}: ${(e as Error).message}`, 'malformed');
  }
}

function sameQuestion(a: Question, b: Question): boolean {
  return a.type === b.type && a.class === b.class && namesEqual(a.name, b.name);
}

function expectation(query: Uint8Array): Expected {
  const head = peekQuestion(query);
  return { id: head.id, opcode: head.flags.opcode, question: head.question };
}

const MAX_CHAIN = 8;

/**
 * The Resolution a reply gives for (name, type): CNAMEs in the answer are followed (at most
 * 8, a loop is an error); negative answers live min(SOA TTL, SOA MINIMUM) of the authority
 * section's SOA (RFC 2308 §5), 0 without one. `from` names the server in error reasons.
 */
export function toResolution(reply: Message, name: string, type: number, from = 'the server'): Resolution {
  if (reply.rcode === RCODE.NXDOMAIN) return { kind: 'nxdomain', ttl: negativeTtl(reply) };
  if (reply.rcode !== RCODE.NOERROR)
    return { kind: 'error', reason: `${from} answered ${rcodeName(reply.rcode)}` };
  const chain: RR[] = [];
  const seen = new Set<string>([nameKey(name)]);
  let current = name;
  for (;;) {
    const here = reply.answers.filter((rr) => rr.class === CLASS.IN && namesEqual(rr.name, current));
    const records = here.filter((rr) => rr.type === type || type === TYPE.ANY);
    if (records.length > 0) {
      const ttl = Math.min(...records.map((r) => r.ttl), ...chain.map((r) => r.ttl));
      return { kind: 'answer', records, chain, ttl };
    }
    const cname = here.find((rr) => rr.type === TYPE.CNAME);
    if (!cname) return { kind: 'nodata', ttl: negativeTtl(reply) };
    if (chain.length === MAX_CHAIN) {
      return { kind: 'error', reason: `CNAME chain from ${name} longer than ${MAX_CHAIN}` };
    }
    chain.push(cname);
    current = cname.data as string;
    if (seen.has(nameKey(current))) return { kind: 'error', reason: `CNAME loop at ${current}` };
    seen.add(nameKey(current));
  }
}

/** min(SOA TTL, SOA MINIMUM) from the authority section, or 0 (do not cache) without a SOA. */
export function negativeTtl(reply: Message): number {
  for (const rr of reply.authority) {
    const soa = dataOf(rr, TYPE.SOA);
    if (soa) return Math.min(rr.ttl, soa.minimum);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// TCP framing (RFC 1035 §4.2.2, RFC 7766 §8)

/** Prefixes a message with its 2-byte length. */
export function tcpFrame(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(msg.length + 2);
  out[0] = msg.length >> 8;
  out[1] = msg.length & 0xff;
  out.set(msg, 2);
  return out;
}

/** Reassembles length-prefixed messages from a stream cut anywhere. */
export class TcpFramer {
  private buf: Uint8Array = new Uint8Array(0);

  /** Feeds a chunk; returns the messages it completed. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.buf.length === 0) this.buf = new Uint8Array(chunk);
    else {
      const joined = new Uint8Array(this.buf.length + chunk.length);
      joined.set(this.buf);
      joined.set(chunk, this.buf.length);
      this.buf = joined;
    }
    const out: Uint8Array[] = [];
    while (this.buf.length >= 2) {
      const len = ((this.buf[0] as number) << 8) | (this.buf[1] as number);
      if (this.buf.length < 2 + len) break;
      out.push(this.buf.slice(2, 2 + len));
      this.buf = this.buf.subarray(2 + len);
    }
    return out;
  }

  /** Bytes held of an incomplete message. */
  get pending(): number {
    return this.buf.length;
  }
}

// ---------------------------------------------------------------------------------------
// The socket shell

export interface ExchangeOptions {
  /** Always use TCP (otherwise only after a truncated UDP reply). */
  tcp?: boolean | undefined;
  /** Wait for a reply to each transmission, in ms. Default 2000. */
  timeoutMs?: number | undefined;
  /** Transmissions over UDP, connections over TCP. Default 3. */
  attempts?: number | undefined;
}

/**
 * Sends one message and returns the matching reply, whatever its rcode. UDP first (one
 * socket, retransmitted on timeout), TCP when the reply has TC set or `tcp` is asked. The
 * message goes as given (its id too, so a signed message stays signed); for a plain query
 * build it with makeQuery. Over TCP only the first matching message is read (not a whole
 * zone transfer). Throws DnsExchangeError when no usable reply comes.
 */
export async function exchange(
  server: ServerAddress,
  message: Message | Uint8Array,
  opts: ExchangeOptions = {},
): Promise<DecodedMessage> {
  return (await exchangeWire(server, message, opts)).reply;
}

/** A reply and the bytes it was decoded from (a signed reply is verified on its bytes). */
export interface Exchanged {
  reply: DecodedMessage;
  wire: Uint8Array;
}

/** exchange(), keeping the reply's bytes. */
export async function exchangeWire(
  server: ServerAddress,
  message: Message | Uint8Array,
  opts: ExchangeOptions = {},
): Promise<Exchanged> {
  const bytes = message instanceof Uint8Array ? message : encodeMessage(message);
  const want = expectation(bytes);
  const timeoutMs = opts.timeoutMs ?? 2000;
  const attempts = Math.max(1, Math.floor(opts.attempts ?? 3) || 1);
  if (!opts.tcp) {
    const got = await udpExchange(server, bytes, want, timeoutMs, attempts);
    if (!got.reply.flags.tc) return got;
  }
  let last: DnsExchangeError | undefined;
  for (let i = 0; i < attempts; i++) {
    try {
      return await tcpExchange(server, bytes, want, timeoutMs);
    } catch (e) {
      if (!(e instanceof DnsExchangeError) || e.kind === 'malformed') throw e;
      last = e;
    }
  }
  throw last as DnsExchangeError;
}

function networkError(from: string, e: NodeJS.ErrnoException): DnsExchangeError {
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  const why = e.code && words[e.code] ? `${words[e.code]} (${e.code})` : e.message;
  return new DnsExchangeError(`${from}: ${why}`, 'network');
}

function udpExchange(
  server: ServerAddress,
  bytes: Uint8Array,
  want: Expected,
  timeoutMs: number,
  attempts: number,
): Promise<Exchanged> {
  const from = formatServer(server);
  return new Promise((resolve, reject) => {
    // A fresh socket: the OS picks a random source port for each query. Connected, so
    // the kernel drops datagrams from elsewhere and reports ICMP unreachable at once.
    const sock = dgram.createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
    let timer: NodeJS.Timeout | undefined;
    let sent = 0;
    let settled = false;
    const finish = (err: Error | undefined, got?: Exchanged) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(got as Exchanged);
    };
    sock.on('error', (e) => finish(networkError(from, e)));
    sock.on('message', (buf, rinfo) => {
      if (rinfo.port !== server.port || !sameAddress(rinfo.address, server.host)) return;
      const verdict = judge(buf, want, from);
      if (verdict instanceof Error) finish(verdict);
      else if (verdict) finish(undefined, { reply: verdict, wire: new Uint8Array(buf) });
    });
    const transmit = () => {
      if (settled) return;
      if (sent === attempts) {
        const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
        finish(new DnsExchangeError(`no reply from ${from} (${tries} of ${timeoutMs} ms)`, 'timeout'));
        return;
      }
      sent++;
      sock.send(bytes, (err) => {
        if (err) finish(networkError(from, err));
      });
      timer = setTimeout(transmit, timeoutMs);
    };
    sock.connect(server.port, server.host, transmit);
  });
}

function tcpExchange(
  server: ServerAddress,
  bytes: Uint8Array,
  want: Expected,
  timeoutMs: number,
): Promise<Exchanged> {
  const from = formatServer(server);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: server.host, port: server.port });
    const framer = new TcpFramer();
    let settled = false;
    const finish = (err: Error | undefined, got?: Exchanged) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(got as Exchanged);
    };
    const timer = setTimeout(
      () => finish(new DnsExchangeError(`no reply from ${from} over TCP within ${timeoutMs} ms`, 'timeout')),
      timeoutMs,
    );
    sock.on('connect', () => {
      sock.setNoDelay(true);
      sock.write(tcpFrame(bytes));
    });
    sock.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) {
        const verdict = judge(frame, want, from);
        if (verdict instanceof Error) return finish(verdict);
        if (verdict) return finish(undefined, { reply: verdict, wire: frame });
      }
    });
    sock.on('error', (e) => finish(networkError(from, e)));
    sock.on('close', () =>
      finish(new DnsExchangeError(`${from} closed the TCP connection without a reply`, 'network')),
    );
  });
}

// ---------------------------------------------------------------------------------------
// The Resolver

export interface StubResolverOptions {
  server: ServerAddress;
  /** Per transmission, in ms. Default 2000. */
  timeoutMs?: number;
  /** Default 3. */
  attempts?: number;
  /** Always TCP. */
  tcp?: boolean;
  /** A cache to use (shared or not); false for none. Default: a fresh DnsCache. */
  cache?: DnsCache | false;
  /** EDNS0 UDP payload size advertised. Default 1232 (DNS flag day 2020). */
  udpSize?: number;
}

export class StubResolver implements Resolver {
  readonly server: ServerAddress;
  readonly cache: DnsCache | undefined;
  private readonly exchangeOpts: ExchangeOptions;
  private readonly udpSize: number;
  /** Queries on the wire, so that concurrent askers of one question share one exchange. */
  private readonly inflight = new Map<string, Promise<Resolution>>();

  constructor(opts: StubResolverOptions) {
    this.server = opts.server;
    this.cache = opts.cache === false ? undefined : (opts.cache ?? new DnsCache());
    this.exchangeOpts = { tcp: opts.tcp, timeoutMs: opts.timeoutMs, attempts: opts.attempts };
    this.udpSize = opts.udpSize ?? 1232;
  }

  async resolve(name: string, type: number): Promise<Resolution> {
    let qname: string;
    try {
      qname = normalizeName(name);
    } catch (e) {
      return { kind: 'error', reason: (e as Error).message };
    }
    const hit = this.cache?.get(qname, type);
    if (hit) return hit;
    const key = `${nameKey(qname)} ${type}`;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.lookup(qname, type).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async lookup(name: string, type: number): Promise<Resolution> {
    let res: Resolution;
    try {
      res = toResolution(await this.query(name, type), name, type, formatServer(this.server));
    } catch (e) {
      res = { kind: 'error', reason: e instanceof Error ? e.message : String(e) };
    }
    this.cache?.set(name, type, res);
    return res;
  }

  /**
   * One recursive query and its reply, whatever the rcode (what `poste dns query` prints).
   * Throws DnsExchangeError when no usable reply comes, NameError for a bad name.
   */
  async query(name: string, type: number): Promise<DecodedMessage> {
    const qname = normalizeName(name);
    const reply = await exchange(this.server, makeQuery(qname, type, this.udpSize), this.exchangeOpts);
    // RFC 6891 §7: a server that does not know EDNS answers FORMERR without an OPT record;
    // ask once more without it.
    if (reply.rcode === RCODE.FORMERR && !reply.edns) {
      return exchange(this.server, makeQuery(qname, type, undefined), this.exchangeOpts);
    }
    return reply;
  }
}
