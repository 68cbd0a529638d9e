// The SMTP client shell: one connection (TCP or TLS), the sans-I/O client session of
// src/smtp, one message, in memory or read from a source a chunk at a time (the relay's
// spool). 8-bit messages are down-converted when the server lacks 8BITMIME (that one case
// reads the whole message in: MIME must be rebuilt).
// `dryRun` plays the same session against an in-memory server that accepts everything,
// to show the transcript without a network.
import net from 'node:net';
import tls from 'node:tls';
import {
  type Address,
  type ClientAction,
  type ClientFailure,
  ClientSession,
  downconvert8bit,
  drive,
  type Extensions,
  type MessageSource,
  readAll,
  type ServerAction,
  ServerSession,
  scanMessage,
  type TransactionResult,
} from '../../smtp/index.js';

export interface DeliverOptions {
  host: string;
  port: number;
  tls: 'none' | 'opportunistic' | 'required' | 'implicit';
  /** Check the server's certificate (default: on unless opportunistic, as MTAs do). */
  verifyCertificate?: boolean;
  /** Extra trusted CA certificates (PEM). */
  ca?: Uint8Array | undefined;
  /** The name the certificate must carry (default: host). */
  servername?: string | undefined;
  auth?: { username: string; password: string } | undefined;
  /** Our EHLO name. */
  hostname: string;
  from: Address | null;
  recipients: Address[];
  message: Uint8Array | MessageSource;
  timeoutMs?: number;
  /**
   * Called with the replies as soon as the server answers the data, before QUIT: a relay
   * records the delivery then, shortening the window of RFC 5321 §6.1.
   */
  onResult?: (result: TransactionResult) => void;
  /** Each line as it goes ('C') or comes ('S'); AUTH secrets are masked. */
  transcript?: (who: 'C' | 'S', line: string) => void;
}

export interface DeliverOutcome {
  result?: TransactionResult;
  failure?: ClientFailure;
  tls: boolean;
  downconverted: boolean;
}

interface Prepared {
  /** The bytes to send: in memory, or the source's own chunks. */
  body: Uint8Array | MessageSource;
  size: number;
  eightBit: boolean;
  utf8: boolean;
  converted: boolean;
}

/** What the message needs from the server, and what to send, down-converted if need be. */
async function prepare(message: Uint8Array | MessageSource, ext: Extensions): Promise<Prepared> {
  const inMemory = message instanceof Uint8Array;
  const shape = inMemory ? scanMessage(message) : await message.shape();
  if (shape.eightBit && !ext.names.has('8BITMIME')) {
    const bytes = downconvert8bit(inMemory ? message : await readAll(message));
    const eightBit = scanMessage(bytes).eightBit;
    return { body: bytes, size: bytes.length, eightBit, utf8: shape.utf8Header, converted: true };
  }
  const size = inMemory ? message.length : message.size;
  return { body: message, size, eightBit: shape.eightBit, utf8: shape.utf8Header, converted: false };
}

function lines(
  data: Uint8Array,
  who: 'C' | 'S',
  out: DeliverOptions['transcript'],
  masked: { auth: boolean },
): void {
  if (!out) return;
  for (const l of Buffer.from(data).toString('utf8').split('\r\n')) {
    if (l === '') continue;
    if (who === 'C' && masked.auth) {
      out(who, '***');
      continue;
    }
    if (who === 'C' && /^AUTH PLAIN /i.test(l)) out(who, 'AUTH PLAIN ***');
    else out(who, l);
    if (who === 'C' && /^AUTH LOGIN$/i.test(l)) masked.auth = true;
    if (who === 'S' && !l.startsWith('334')) masked.auth = false;
  }
}

/** Runs the client session over a transport; returns once the session is over. */
async function runSession(
  o: DeliverOptions,
  client: ClientSession,
  io: {
    write(d: Uint8Array): void | Promise<void>;
    starttls(): Promise<void>;
    end(): void;
  },
): Promise<{
  feed(d: Uint8Array): Promise<void>;
  closed(): Promise<void>;
  outcome: DeliverOutcome;
  done: Promise<void>;
  error(): Error | undefined;
}> {
  const outcome: DeliverOutcome = { tls: client.tls, downconverted: false };
  const masked = { auth: false };
  let body: Prepared | undefined;
  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const write = async (d: Uint8Array, isBody = false) => {
    if (!isBody) lines(d, 'C', o.transcript, masked);
    await io.write(d);
  };
  const act = async (actions: ClientAction[]): Promise<void> => {
    for (const a of actions) {
      switch (a.type) {
        case 'write':
          await write(a.data);
          break;
        case 'starttls':
          await io.starttls();
          outcome.tls = true;
          await act(client.tlsStarted());
          break;
        case 'ready': {
          body = await prepare(o.message, a.extensions);
          outcome.downconverted = body.converted;
          await act(
            client.send({
              from: o.from,
              recipients: o.recipients,
              size: body.size,
              eightBit: body.eightBit,
              utf8Header: body.utf8,
            }),
          );
          break;
        }
        case 'body': {
          const b = body as Prepared;
          o.transcript?.('C', `<message, ${b.size} octets>`);
          // Each chunk is written once the one before has gone to the socket.
          if (b.body instanceof Uint8Array) await write(client.body(b.body), true);
          else for await (const chunk of b.body.chunks()) await write(client.body(chunk), true);
          await write(client.endBody(), true);
          break;
        }
        case 'result':
          outcome.result = a.result;
          o.onResult?.(a.result);
          await act(client.quit());
          break;
        case 'failed':
          outcome.failure = a.failure;
          if (a.failure.stage === 'mail') await act(client.quit());
          break;
        case 'close':
          if (!finished) {
            finished = true;
            io.end();
            resolveDone();
          }
          break;
      }
    }
  };
  let chain = Promise.resolve();
  let error: Error | undefined;
  // A failure of the transport (TLS handshake, a write) ends the session with that error.
  const queue = (step: () => Promise<void>) => {
    chain = chain.then(step).catch((err: Error) => {
      error ??= err;
      if (!finished) {
        finished = true;
        io.end();
        resolveDone();
      }
    });
    return chain;
  };
  return {
    outcome,
    done,
    error: () => error,
    feed: (d) => {
      lines(d, 'S', o.transcript, masked);
      return queue(() => act(client.receive(d)));
    },
    closed: () =>
      queue(async () => {
        if (!finished) {
          await act(client.closed());
          finished = true;
          resolveDone();
        }
      }),
  };
}

export class ConnectError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectError';
    this.code = code;
  }
}

/** Delivers one message. Connection trouble throws a ConnectError; SMTP outcomes are values. */
export async function deliver(o: DeliverOptions): Promise<DeliverOutcome> {
  const verify = o.verifyCertificate ?? o.tls !== 'opportunistic';
  const tlsOptions = (socket?: net.Socket): tls.ConnectionOptions => ({
    ...(socket ? { socket, host: o.host } : { host: o.host, port: o.port }),
    servername: o.servername ?? (net.isIP(o.host) ? undefined : o.host),
    rejectUnauthorized: verify,
    ...(o.ca ? { ca: [Buffer.from(o.ca)] } : {}),
  });
  let sock: net.Socket = await new Promise((resolve, reject) => {
    const s = o.tls === 'implicit' ? tls.connect(tlsOptions()) : net.connect(o.port, o.host);
    // The body and the final dot go in two writes: with Nagle the dot would wait for the
    // peer's delayed ACK (up to 40 ms a message).
    s.setNoDelay(true);
    const ok = () => {
      s.removeListener('error', fail);
      resolve(s);
    };
    const fail = (err: NodeJS.ErrnoException) =>
      reject(new ConnectError(err.code ?? 'ECONNECT', `${o.host}:${o.port}: ${err.message}`, { cause: err }));
    s.once(o.tls === 'implicit' ? 'secureConnect' : 'connect', ok);
    s.once('error', fail);
  });
  const client = new ClientSession({ hostname: o.hostname, tls: o.tls, auth: o.auth });
  let onData: (d: Buffer) => void = () => {};
  let tlsError: Error | undefined;
  const session = await runSession(o, client, {
    write: (d) =>
      new Promise<void>((resolve) => {
        if (sock.destroyed) resolve();
        else sock.write(d, () => resolve());
      }),
    starttls: () =>
      new Promise<void>((resolve, reject) => {
        sock.removeListener('data', onData);
        const t = tls.connect(tlsOptions(sock), () => resolve());
        t.once('error', (err) => {
          tlsError = err;
          reject(new ConnectError('ETLS', `TLS with ${o.host}: ${err.message}`, { cause: err }));
        });
        sock = t;
        attach(t);
      }),
    end: () => sock.end(),
  });
  let failure: Error | undefined;
  function attach(s: net.Socket): void {
    s.on('data', onData);
    s.on('close', () => void session.closed());
    s.on('error', (err) => {
      failure ??= err;
    });
    if (o.timeoutMs) s.setTimeout(o.timeoutMs, () => s.destroy(new Error('timeout')));
  }
  onData = (d) => void session.feed(d);
  attach(sock);
  await session.done;
  sock.destroy();
  const err = session.error();
  if (err instanceof ConnectError) throw err;
  if (err) failure ??= err;
  if (tlsError)
    throw new ConnectError('ETLS', `TLS with ${o.host}: ${tlsError.message}`, { cause: tlsError });
  if (!session.outcome.result && !session.outcome.failure && failure) {
    throw new ConnectError('ECONNECT', `${o.host}:${o.port}: ${failure.message}`, { cause: failure });
  }
  return session.outcome;
}

/** The session `deliver` would have, against a server that accepts everything. */
export async function dryRun(o: DeliverOptions): Promise<DeliverOutcome> {
  const server = new ServerSession({
    hostname: o.host,
    starttls: o.tls === 'opportunistic' || o.tls === 'required',
    secure: o.tls === 'implicit',
    auth: ['PLAIN', 'LOGIN'],
    authWithoutTls: true,
  });
  const client = new ClientSession({ hostname: o.hostname, tls: o.tls, auth: o.auth });
  let session: Awaited<ReturnType<typeof runSession>> | undefined;
  const toClient: Uint8Array[] = [];
  const handler = {
    write: (d: Uint8Array) => void toClient.push(d),
    decide: () => ({ ok: true as const }),
    startTls: async () => {},
    close: () => {},
  };
  const pump = async (actions: ServerAction[]) => {
    await drive(server, actions, handler);
    // Not awaited: the client's feed queue runs each reply after the action that caused it.
    while (toClient.length) void session?.feed(toClient.shift() as Uint8Array);
  };
  session = await runSession(o, client, {
    write: (d) => pump(server.feed(d)),
    starttls: async () => {
      o.transcript?.('C', '<TLS handshake>');
    },
    end: () => {},
  });
  await pump(server.greet());
  await session.done;
  return session.outcome;
}
