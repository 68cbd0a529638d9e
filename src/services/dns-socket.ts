// What the DNS services (the primary, the resolver) share at the socket edge: binding UDP
// and TCP to one port, and the cache key of a plain query, by which an encoded answer is
// found again without decoding the query.
import dgram from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import net from 'node:net';
import { type ServerAddress, TcpFramer, tcpFrame } from '../dns/index.js';
import type { Logger } from './log.js';

export type Transport = 'udp' | 'tcp';

/** Binds UDP and TCP to the same port; with port 0, the port UDP got is tried for TCP. */
export async function bindBoth(
  want: ServerAddress,
): Promise<{ udp: dgram.Socket; tcp: net.Server; address: ServerAddress }> {
  const family = want.host.includes(':') ? 'udp6' : 'udp4';
  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket({ type: family, lookup: literalLookup });
    const tcp = net.createServer({ noDelay: true });
    const port = await listen(udp, want);
    try {
      await listenTcp(tcp, { host: want.host, port });
      return { udp, tcp, address: { host: want.host, port } };
    } catch (err) {
      await new Promise<void>((r) => udp.close(() => r()));
      // With port 0 the TCP twin of our UDP port may be taken: try another.
      if (want.port !== 0 || attempt >= 10) throw err;
    }
  }
}

/**
 * Every send goes through the socket's lookup, even to the address a datagram came from;
 * Node's own defers an IP literal's answer to the next tick, at a measurable cost per query.
 */
function literalLookup(
  host: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = net.isIP(host);
  if (family !== 0) callback(null, host, family);
  else dnsLookup(host, options, callback);
}

function listen(udp: dgram.Socket, at: ServerAddress): Promise<number> {
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(at.port, at.host, () => {
      udp.off('error', reject);
      resolve(udp.address().port);
    });
  });
}

function listenTcp(tcp: net.Server, at: ServerAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(at.port, at.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
}

/** End of the first question, or undefined when the packet is not a plain one-question query. */
export function questionEnd(bytes: Uint8Array): number | undefined {
  let p = 12;
  for (;;) {
    if (p >= bytes.length) return undefined;
    const len = bytes[p] as number;
    if (len === 0) break;
    if (len > 63) return undefined; // a pointer in a question: not plain
    p += len + 1;
  }
  return p + 5 <= bytes.length ? p + 5 : undefined;
}

/** Length of the key's prefix before the question bytes: transport, EDNS size bucket, DO. */
export const KEY_PREFIX = 3;

/**
 * The cache key of a plain query: one question and nothing else, or one question and an
 * OPT record alone (its size and DO bit matter). Three characters of transport, UDP size
 * class and DO, then the question's bytes case-folded; undefined when the query is not plain.
 */
export function cacheKey(bytes: Uint8Array, transport: Transport): string | undefined {
  if (bytes.length < 17) return undefined;
  // QR=0, opcode QUERY; one question, no answer or authority records.
  if (((bytes[2] as number) & 0xf8) !== 0 || bytes[4] !== 0 || bytes[5] !== 1) return undefined;
  if (bytes[6] !== 0 || bytes[7] !== 0 || bytes[8] !== 0 || bytes[9] !== 0 || bytes[10] !== 0)
    return undefined;
  const ar = bytes[11] as number;
  const end = questionEnd(bytes);
  if (end === undefined) return undefined;
  let size = 0; // no EDNS
  let dnssecOk = 0;
  if (ar === 1) {
    // A bare OPT: root name, type 41, class = size, ttl (ext-rcode, version 0, DO), no options.
    if (end + 11 !== bytes.length || bytes[end] !== 0 || bytes[end + 1] !== 0 || bytes[end + 2] !== 41)
      return undefined;
    if (bytes[end + 5] !== 0 || bytes[end + 6] !== 0 || bytes[end + 9] !== 0 || bytes[end + 10] !== 0)
      return undefined;
    // Answers differ only by the UDP limit they were truncated to: 512..1232 (one char code).
    const advertised = ((bytes[end + 3] as number) << 8) | (bytes[end + 4] as number);
    size = transport === 'udp' ? Math.min(Math.max(advertised, 512), 1232) : 1;
    dnssecOk = (bytes[end + 7] as number) >> 7;
  } else if (ar !== 0 || end !== bytes.length) {
    return undefined;
  }
  // ASCII letters of the name folded (RFC 4343); other bytes, type and class as they are.
  const question = Buffer.allocUnsafe(end - 12);
  const nameEnd = end - 4;
  for (let i = 12; i < end; i++) {
    const b = bytes[i] as number;
    question[i - 12] = i < nameEnd && b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
  }
  return `${transport === 'udp' ? 'u' : 't'}${String.fromCharCode(size)}${dnssecOk}${question.toString('latin1')}`;
}

export interface TcpServing {
  /** Answers one message; its replies are written framed (none: stay silent). */
  handle(msg: Uint8Array, remote: string): Promise<Uint8Array[]>;
  /**
   * Answer in the order queries came (simplest, right for a server whose answers are
   * immediate), or as each is ready (RFC 7766 §6.2.1.1: a slow resolution holds up no other).
   */
  ordered: boolean;
  log: Logger;
}

/** Connections idle this long are closed (RFC 7766 §6.2.3 suggests seconds; nsd uses 120 s). */
const TCP_IDLE_MS = 30_000;
const TCP_MAX_CONNECTIONS = 256;

/**
 * DNS over TCP (RFC 1035 §4.2.2, RFC 7766): length-framed messages, several per
 * connection, a cap on connections and on a pending frame. Returns the open sockets, which
 * the service destroys when it closes.
 */
export function serveTcp(tcp: net.Server, opts: TcpServing): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  tcp.on('connection', (sock) => {
    if (sockets.size >= TCP_MAX_CONNECTIONS) {
      sock.destroy();
      return;
    }
    sockets.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    const framer = new TcpFramer();
    const remote = sock.remoteAddress ?? '';
    const write = (replies: Uint8Array[]) => {
      for (const r of replies) if (!sock.destroyed) sock.write(tcpFrame(r));
    };
    const fail = (err: Error) => {
      opts.log('error', { remote, error: err.message });
      sock.destroy();
    };
    let chain: Promise<void> = Promise.resolve();
    sock.on('data', (chunk) => {
      for (const msg of framer.push(chunk)) {
        if (opts.ordered) chain = chain.then(() => opts.handle(msg, remote).then(write)).catch(fail);
        else opts.handle(msg, remote).then(write, fail);
      }
      if (framer.pending > 65537) sock.destroy();
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => sockets.delete(sock));
  });
  return sockets;
}
