// A scriptable DNS server for tests, on 127.0.0.1 (UDP and TCP on one port): each query is
// decoded, recorded and handed to a handler that says what to send back (nothing, one
// reply, or several, such as a forgery before the real answer).
import dgram from 'node:dgram';
import net from 'node:net';
import { RCODE } from '../../src/dns/constants.js';
import { TcpFramer, tcpFrame } from '../../src/dns/stub.js';
import type { Message, RR } from '../../src/dns/types.js';
import { type DecodedMessage, decodeMessage, encodeMessage } from '../../src/dns/wire.js';

export type Transport = 'udp' | 'tcp';
export type Reply = Message | Uint8Array;

export interface QueryContext {
  transport: Transport;
  /** How many queries the server had seen before this one (both transports). */
  n: number;
  /** The client's address and port (UDP). */
  client: { address: string; port: number };
}

export type Handler = (query: DecodedMessage, ctx: QueryContext) => Reply | Reply[] | undefined;

export interface FakeServer {
  host: string;
  port: number;
  /** "127.0.0.1:PORT", as --dns takes it. */
  address: string;
  queries: { transport: Transport; message: DecodedMessage }[];
  /** Sends TCP replies in two writes a moment apart, cut inside the length prefix. */
  splitTcp: boolean;
  close(): Promise<void>;
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  for (let tries = 0; ; tries++) {
    try {
      return await listen(handler);
    } catch (e) {
      // The UDP port may be taken for TCP by someone else: pick another.
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 10) throw e;
    }
  }
}

async function listen(handler: Handler): Promise<FakeServer> {
  const host = '127.0.0.1';
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(0, host, () => resolve());
  });
  const port = udp.address().port;
  const conns = new Set<net.Socket>();
  const tcp = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, host, () => resolve());
    });
  } catch (e) {
    udp.close();
    throw e;
  }
  const server: FakeServer = {
    host,
    port,
    address: `${host}:${port}`,
    queries: [],
    splitTcp: false,
    close: async () => {
      for (const c of conns) c.destroy();
      await Promise.all([
        new Promise<void>((r) => udp.close(() => r())),
        new Promise<void>((r) => tcp.close(() => r())),
      ]);
    },
  };
  const replies = (buf: Uint8Array, transport: Transport, client: QueryContext['client']): Uint8Array[] => {
    let query: DecodedMessage;
    try {
      query = decodeMessage(buf);
    } catch {
      return [];
    }
    const n = server.queries.length;
    server.queries.push({ transport, message: query });
    const out = handler(query, { transport, n, client });
    const list = out === undefined ? [] : Array.isArray(out) ? out : [out];
    return list.map((r) => (r instanceof Uint8Array ? r : encodeMessage(r)));
  };
  udp.on('message', (buf, rinfo) => {
    const client = { address: rinfo.address, port: rinfo.port };
    for (const r of replies(buf, 'udp', client)) udp.send(r, rinfo.port, rinfo.address);
  });
  tcp.on('connection', (sock) => {
    conns.add(sock);
    sock.setNoDelay(true);
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => {});
    const framer = new TcpFramer();
    sock.on('data', (chunk) => {
      const client = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
      for (const frame of framer.push(chunk)) {
        for (const r of replies(frame, 'tcp', client)) {
          const framed = tcpFrame(r);
          if (!server.splitTcp) {
            sock.write(framed);
            continue;
          }
          sock.write(framed.subarray(0, 1));
          setTimeout(() => sock.writable && sock.write(framed.subarray(1)), 20);
        }
      }
    });
  });
  return server;
}

export interface ReplyOptions {
  rcode?: number;
  answers?: RR[];
  authority?: RR[];
  additional?: RR[];
  tc?: boolean;
  aa?: boolean;
  /** Echo an OPT record when the query had one (default true). */
  edns?: boolean;
  id?: number;
  /** Replace the question (a forgery, or none at all with []). */
  questions?: Message['questions'];
}

/** A response to `query` as a recursive server would give it (QR, RD, RA set). */
export function reply(query: Message, opts: ReplyOptions = {}): Message {
  return {
    id: opts.id ?? query.id,
    flags: {
      qr: true,
      opcode: query.flags.opcode,
      aa: opts.aa ?? false,
      tc: opts.tc ?? false,
      rd: query.flags.rd,
      ra: true,
      ad: false,
      cd: false,
    },
    rcode: opts.rcode ?? RCODE.NOERROR,
    questions: opts.questions ?? query.questions,
    answers: opts.answers ?? [],
    authority: opts.authority ?? [],
    additional: opts.additional ?? [],
    edns:
      opts.edns !== false && query.edns ? { udpSize: 1232, version: 0, do: false, options: [] } : undefined,
  };
}
