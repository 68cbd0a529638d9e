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
  /**
   * The connection ended before the server said a word to this transaction: the message
   * was not sent (its body goes only after a 354), so sending it again duplicates nothing.
   */
  unanswered?: boolean;
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

/** What one transaction sends. */
export interface Envelope {
  from: Address | null;
  recipients: Address[];
  message: Uint8Array | MessageSource;
  /** As DeliverOptions.onResult. */
  onResult?: (result: TransactionResult) => void;
}

interface Current {
  envelope: Envelope;
  body: Prepared;
  resolve: (o: DeliverOutcome) => void;
  /** The server has said something since the transaction began. */
  heard: boolean;
}

interface Io {
  write(d: Uint8Array): void | Promise<void>;
  starttls(): Promise<void>;
  end(): void;
}

/**
 * The client session run over a transport: the greeting, EHLO, TLS and AUTH up to `ready`,
 * then one transaction after another (`send`), until `quit` or the end of the connection.
 * Actions are run in order, one step at a time; a failure of the transport (a TLS
 * handshake, a write) ends the conversation with that error.
 */
class Conversation {
  readonly done: Promise<void>;
  /** Resolves with the server's extensions once ready, or undefined if the session ended first. */
  readonly ready: Promise<Extensions | undefined>;
  tls: boolean;
  /** Why the session ended, when it failed. */
  failure: ClientFailure | undefined;
  error: Error | undefined;
  finished = false;
  transactions = 0;
  readonly #o: Pick<DeliverOptions, 'transcript'>;
  readonly #client: ClientSession;
  readonly #io: Io;
  readonly #masked = { auth: false };
  #extensions: Extensions | undefined;
  #current: Current | undefined;
  #chain = Promise.resolve();
  #resolveDone!: () => void;
  #resolveReady!: (e: Extensions | undefined) => void;

  constructor(o: Pick<DeliverOptions, 'transcript'>, client: ClientSession, io: Io) {
    this.#o = o;
    this.#client = client;
    this.#io = io;
    this.tls = client.tls;
    this.done = new Promise<void>((r) => {
      this.#resolveDone = r;
    });
    this.ready = new Promise((r) => {
      this.#resolveReady = r;
    });
  }

  /** Another transaction may start: ready, none in progress, the connection open. */
  get idle(): boolean {
    return this.#extensions !== undefined && !this.#current && !this.finished;
  }

  feed(d: Uint8Array): Promise<void> {
    lines(d, 'S', this.#o.transcript, this.#masked);
    if (this.#current) this.#current.heard = true;
    return this.#queue(() => this.#act(this.#client.receive(d)));
  }

  closed(): Promise<void> {
    return this.#queue(async () => {
      if (!this.finished) {
        await this.#act(this.#client.closed());
        this.#finish();
      }
    });
  }

  /** Sends one message (after `ready`); resolves with its outcome. */
  async send(envelope: Envelope): Promise<DeliverOutcome> {
    const ext = this.#extensions;
    if (!ext || this.#current || this.finished) throw new Error('the connection is not ready for a message');
    const body = await prepare(envelope.message, ext);
    if (this.finished)
      return { failure: this.#ended(), tls: this.tls, downconverted: body.converted, unanswered: true };
    return new Promise<DeliverOutcome>((resolve) => {
      this.#current = { envelope, body, resolve, heard: false };
      this.transactions++;
      void this.#queue(() =>
        this.#act(
          this.#client.send({
            from: envelope.from,
            recipients: envelope.recipients,
            size: body.size,
            eightBit: body.eightBit,
            utf8Header: body.utf8,
          }),
        ),
      );
    });
  }

  /** Says QUIT; `done` resolves when the server has closed. */
  quit(): Promise<void> {
    return this.#queue(() => this.#act(this.#client.quit()));
  }

  async #write(d: Uint8Array, isBody = false): Promise<void> {
    if (!isBody) lines(d, 'C', this.#o.transcript, this.#masked);
    await this.#io.write(d);
  }

  async #act(actions: ClientAction[]): Promise<void> {
    for (const a of actions) {
      switch (a.type) {
        case 'write':
          await this.#write(a.data);
          break;
        case 'starttls':
          await this.#io.starttls();
          this.tls = true;
          await this.#act(this.#client.tlsStarted());
          break;
        case 'ready':
          this.#extensions = a.extensions;
          this.#resolveReady(a.extensions);
          break;
        case 'body': {
          const b = (this.#current as Current).body;
          this.#o.transcript?.('C', `<message, ${b.size} octets>`);
          // Each chunk is written once the one before has gone to the socket.
          if (b.body instanceof Uint8Array) await this.#write(this.#client.body(b.body), true);
          else for await (const chunk of b.body.chunks()) await this.#write(this.#client.body(chunk), true);
          await this.#write(this.#client.endBody(), true);
          break;
        }
        case 'result':
          this.#current?.envelope.onResult?.(a.result);
          this.#settle({ result: a.result });
          break;
        case 'failed': {
          // A transaction refused before it began (SIZE, SMTPUTF8, 8BITMIME) leaves the
          // session as it was; any other failure ends it.
          if (a.failure.stage !== 'mail') {
            this.failure = a.failure;
            this.#resolveReady(undefined);
          }
          this.#settle({ failure: a.failure }, a.failure.stage !== 'mail');
          break;
        }
        case 'close':
          this.#io.end();
          this.#finish();
          break;
      }
    }
  }

  #ended(): ClientFailure {
    const message = this.error?.message ?? 'connection closed by the server';
    return this.failure ?? { stage: 'protocol', message, permanent: false };
  }

  #finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.#resolveReady(undefined);
    this.#settle({ failure: this.#ended() }, true);
    this.#resolveDone();
  }

  /**
   * Ends the transaction in progress with its outcome; `lost`: by the session's end, which
   * says `unanswered` when the server had said nothing to it.
   */
  #settle(o: { result?: TransactionResult; failure?: ClientFailure }, lost = false): void {
    const cur = this.#current;
    if (!cur) return;
    this.#current = undefined;
    cur.resolve({
      ...o,
      tls: this.tls,
      downconverted: cur.body.converted,
      ...(lost && !cur.heard ? { unanswered: true } : {}),
    });
  }

  #queue(step: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(step).catch((err: Error) => {
      this.error ??= err;
      if (!this.finished) this.#io.end();
      this.#finish();
    });
    return this.#chain;
  }
}

export class ConnectError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectError';
    this.code = code;
  }
}

export type ConnectOptions = Omit<DeliverOptions, 'from' | 'recipients' | 'message' | 'onResult'>;

/** An SMTP session ready for messages, one after another (RFC 5321 §3.3: a new MAIL ends none). */
export interface SmtpConnection {
  /** Ready for another message: none in progress, the server still there. */
  readonly idle: boolean;
  readonly tls: boolean;
  /** Transactions begun on this connection. */
  readonly transactions: number;
  send(envelope: Envelope): Promise<DeliverOutcome>;
  /** Says QUIT and resolves once the connection is closed. */
  quit(): Promise<void>;
  /** Resolves when the connection has closed, for whatever reason (the server's timeout). */
  readonly closed: Promise<void>;
  /** Whether the open connection keeps the process alive (not while it waits in a pool). */
  hold(on: boolean): void;
  /** Closes at once, without QUIT (a server that does not answer it). */
  destroy(): void;
}

/**
 * Connects and runs the session up to the first transaction. A session refused before that
 * (the greeting, EHLO, STARTTLS, AUTH) is a failure; connection trouble throws a ConnectError.
 */
export async function openConnection(
  o: ConnectOptions,
): Promise<{ connection: SmtpConnection } | { failure: ClientFailure; tls: boolean }> {
  const c = await connect(o);
  return 'failure' in c ? c : { connection: c.connection };
}

/** openConnection, with the check `deliver` makes after the end (connection trouble as a ConnectError). */
async function connect(
  o: ConnectOptions,
): Promise<
  | { connection: SmtpConnection; trouble: (outcome: DeliverOutcome) => void }
  | { failure: ClientFailure; tls: boolean }
> {
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
  let failure: Error | undefined;
  const conv = new Conversation(o, client, {
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
  function attach(s: net.Socket): void {
    s.on('data', onData);
    s.on('close', () => void conv.closed());
    s.on('error', (err) => {
      failure ??= err;
    });
    if (o.timeoutMs) s.setTimeout(o.timeoutMs, () => s.destroy(new Error('timeout')));
  }
  onData = (d) => void conv.feed(d);
  attach(sock);
  const closed = conv.done.then(() => {
    sock.destroy();
  });
  /** After the end: connection trouble as a ConnectError, as the session saw it. */
  const trouble = (outcome: Pick<DeliverOutcome, 'result' | 'failure'>): void => {
    const err = conv.error;
    if (err instanceof ConnectError) throw err;
    if (err) failure ??= err;
    if (tlsError)
      throw new ConnectError('ETLS', `TLS with ${o.host}: ${tlsError.message}`, { cause: tlsError });
    if (!outcome.result && !outcome.failure && failure)
      throw new ConnectError('ECONNECT', `${o.host}:${o.port}: ${failure.message}`, { cause: failure });
  };
  if (!(await conv.ready)) {
    await closed;
    trouble(conv.failure ? { failure: conv.failure } : {});
    return {
      failure: conv.failure ?? { stage: 'protocol', message: 'the session ended', permanent: false },
      tls: conv.tls,
    };
  }
  const connection: SmtpConnection = {
    get idle() {
      return conv.idle && !sock.destroyed;
    },
    get tls() {
      return conv.tls;
    },
    get transactions() {
      return conv.transactions;
    },
    send: (envelope) => conv.send(envelope),
    quit: async () => {
      await conv.quit();
      await closed;
    },
    closed,
    destroy: () => {
      sock.destroy();
    },
    hold: (on) => {
      if (on) sock.ref();
      else sock.unref();
    },
  };
  return { connection, trouble };
}

/** Delivers one message. Connection trouble throws a ConnectError; SMTP outcomes are values. */
export async function deliver(o: DeliverOptions): Promise<DeliverOutcome> {
  const opened = await connect(o);
  if ('failure' in opened) return { failure: opened.failure, tls: opened.tls, downconverted: false };
  const { connection: c, trouble } = opened;
  let outcome: DeliverOutcome;
  try {
    outcome = await c.send(o);
  } finally {
    await c.quit();
  }
  trouble(outcome);
  return outcome;
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
    while (toClient.length) void conv.feed(toClient.shift() as Uint8Array);
  };
  const conv: Conversation = new Conversation(o, client, {
    write: (d) => pump(server.feed(d)),
    starttls: async () => {
      o.transcript?.('C', '<TLS handshake>');
    },
    end: () => {},
  });
  await pump(server.greet());
  if (!(await conv.ready))
    return { tls: conv.tls, downconverted: false, ...(conv.failure ? { failure: conv.failure } : {}) };
  const outcome = await conv.send(o);
  await conv.quit();
  await conv.done;
  return outcome;
}
