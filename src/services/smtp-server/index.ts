// The SMTP server shell: sockets, TLS, timers and connection limits around the sans-I/O
// session of src/smtp. Every decision goes to the handlers (who may send, to whom, where a
// message goes), so the receiving, submission and filter services share this file and
// differ only in their handlers. One JSON log line per event.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { isLoopback } from '../../dns/index.js';
import {
  type Address,
  type Ask,
  type Decision,
  drive,
  type Envelope,
  formatAddress,
  type MailParams,
  type RcptParams,
  type Reply,
  replyText,
  type ServerAction,
  type ServerLimits,
  ServerSession,
} from '../../smtp/index.js';
import type { LogFields, Logger } from '../log.js';
import type { TlsFiles } from '../tls-files.js';

export interface SessionContext {
  id: string;
  remote: string;
  remotePort: number;
  local: string;
  tls: boolean;
  helo: string | undefined;
  user: string | undefined;
}

/**
 * Where a message goes while it is received; `commit` makes it durable. A commit that
 * throws an error with a `reply` (a Reply) refuses the message with that reply.
 */
export interface MessageSink {
  write(chunk: Uint8Array): void | Promise<void>;
  /** Durable, then resolve: the 250 goes out after. Fields are logged with the message. */
  commit(): Promise<{ reply?: Reply; fields?: LogFields }>;
  abort(): Promise<void>;
}

export interface SmtpHandlers {
  mail?(from: Address | null, params: MailParams, ctx: SessionContext): Decision | Promise<Decision>;
  rcpt?(
    to: Address,
    params: RcptParams,
    envelope: Envelope,
    ctx: SessionContext,
  ): Decision | Promise<Decision>;
  /** Checks credentials (AUTH PLAIN/LOGIN); absent: no AUTH. */
  authenticate?(username: string, password: string, ctx: SessionContext): Promise<boolean>;
  open(envelope: Envelope, ctx: SessionContext): Promise<MessageSink>;
}

export interface SmtpServerOptions {
  host: string;
  port: number;
  /** Our name in the greeting and Received fields. */
  hostname: string;
  /** Key and certificate (PEM): STARTTLS is offered, or TLS from the start with `implicitTls`. */
  tls?: { key: Uint8Array; cert: Uint8Array } | undefined;
  /** Or key and certificate files, reloaded when replaced (an ACME renewal): new connections get the new pair. */
  tlsFiles?: TlsFiles | undefined;
  implicitTls?: boolean;
  /** Offer AUTH without TLS to loopback clients (tests, a local submission). */
  authPlaintextLoopback?: boolean;
  requireAuth?: boolean;
  requireTls?: boolean;
  limits?: Partial<ServerLimits>;
  /** Sessions at once, in all and per client address (RFC 5321 does not say; Postfix: 50). */
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  /** How long close() lets a message in transfer finish before cutting it (ms). */
  shutdownGraceMs?: number;
  handlers: SmtpHandlers;
  log: Logger;
}

export interface SmtpServer {
  address: { host: string; port: number };
  /** Sessions open now. */
  readonly sessions: number;
  /** Stops listening, lets messages in transfer finish, closes every session. */
  close(): Promise<void>;
}

// A data transfer resets the timer only after this much progress: a client that sends one
// byte a minute is still cut at the timeout.
const DATA_PROGRESS = 512;

interface Conn {
  idle(): boolean;
  shutdown(): void;
  destroy(): void;
  done: Promise<void>;
}

export async function startSmtpServer(opts: SmtpServerOptions): Promise<SmtpServer> {
  const { log, handlers } = opts;
  const fixedContext = opts.tls
    ? tls.createSecureContext({ key: Buffer.from(opts.tls.key), cert: Buffer.from(opts.tls.cert) })
    : undefined;
  // Looked up per connection, so a renewed certificate is used from the next one on.
  const secureContext = () => opts.tlsFiles?.context() ?? fixedContext;
  if (opts.implicitTls && !secureContext()) throw new TypeError('implicit TLS needs a key and a certificate');
  const maxConns = opts.maxConnections ?? 1000;
  const maxPerClient = opts.maxConnectionsPerClient ?? 50;
  const perClient = new Map<string, number>();
  const conns = new Set<Conn>();
  let closing = false;

  const onConnection = (socket: net.Socket) => {
    const remote = socket.remoteAddress ?? '';
    const n = (perClient.get(remote) ?? 0) + 1;
    perClient.set(remote, n);
    const conn = serve(socket, remote, n > maxPerClient || conns.size >= maxConns);
    conns.add(conn);
    void conn.done.then(() => {
      conns.delete(conn);
      const left = (perClient.get(remote) ?? 1) - 1;
      if (left > 0) perClient.set(remote, left);
      else perClient.delete(remote);
    });
  };

  function serve(raw: net.Socket, remote: string, overLimit: boolean): Conn {
    const id = randomBytes(6).toString('hex');
    const loopback = isLoopback(remote);
    const session = new ServerSession({
      hostname: opts.hostname,
      secure: opts.implicitTls === true,
      starttls: secureContext() !== undefined && !opts.implicitTls,
      requireTls: opts.requireTls === true,
      auth: handlers.authenticate ? ['PLAIN', 'LOGIN'] : [],
      authWithoutTls: opts.authPlaintextLoopback === true && loopback,
      requireAuth: opts.requireAuth === true,
      ...(opts.limits ? { limits: opts.limits } : {}),
    });
    const ctx: SessionContext = {
      id,
      remote,
      remotePort: raw.remotePort ?? 0,
      local: raw.localAddress ?? '',
      tls: opts.implicitTls === true,
      helo: undefined,
      user: undefined,
    };
    const started = Date.now();
    let sock: net.Socket = raw;
    let busy: Promise<void> = Promise.resolve();
    let sink: MessageSink | undefined;
    let messages = 0;
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    let progress = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => {
      resolveDone = r;
    });
    let lastCommand: string | undefined;

    const finish = (reason: string) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      if (sink) void sink.abort();
      sink = undefined;
      log('session-end', { id, remote, reason, messages, ms: Date.now() - started });
      resolveDone();
    };

    const arm = () => {
      clearTimeout(timer);
      progress = 0;
      const ms = session.timeoutMs;
      if (ms === undefined || ended) return;
      timer = setTimeout(() => run(() => session.timeout()), ms);
      timer.unref?.();
    };

    const handler = {
      write: (data: Uint8Array) => {
        if (!sock.destroyed) sock.write(data);
        arm();
      },
      decide: async (ask: Ask): Promise<Decision> => decide(ask),
      messageStart: async (envelope: Envelope) => {
        sink = await handlers.open(envelope, ctx);
      },
      messageData: (chunk: Uint8Array) => sink?.write(chunk),
      messageAbort: async (reason: string) => {
        const s = sink;
        sink = undefined;
        await s?.abort();
        log('message-aborted', { id, remote, reason });
      },
      startTls: () => upgrade(),
      close: (reason: string) => {
        // Our last reply is written, then the connection goes, whatever the client does.
        const s = sock;
        s.end(() => {
          s.destroy();
          // After STARTTLS the plain socket under the TLS one is what the server counts.
          raw.destroy();
        });
        finish(reason);
      },
      observe: (a: ServerAction) => {
        if (a.type === 'send') {
          if (a.command) lastCommand = a.command;
          if (a.reply.code >= 400) {
            log('refused', { id, remote, command: a.command ?? lastCommand, reply: replyText(a.reply) });
          }
        }
      },
    };

    async function decide(ask: Ask): Promise<Decision> {
      switch (ask.kind) {
        case 'mail':
          ctx.helo = ask.envelope.helo;
          return handlers.mail ? handlers.mail(ask.from, ask.params, ctx) : { ok: true };
        case 'rcpt':
          return handlers.rcpt ? handlers.rcpt(ask.to, ask.params, ask.envelope, ctx) : { ok: true };
        case 'auth': {
          const ok = handlers.authenticate
            ? await handlers.authenticate(ask.username, ask.password, ctx)
            : false;
          log('auth', { id, remote, user: ask.username, mechanism: ask.mechanism, ok });
          if (ok) ctx.user = ask.username;
          return { ok };
        }
        case 'message': {
          const s = sink;
          sink = undefined;
          if (!s) return { ok: false };
          try {
            const r = await s.commit();
            messages++;
            log('message', {
              id,
              remote,
              from: formatAddress(ask.envelope.from),
              to: ask.envelope.recipients.map((x) => formatAddress(x.address)),
              size: ask.size,
              ...r.fields,
            });
            return r.reply ? { ok: true, reply: r.reply } : { ok: true };
          } catch (err) {
            log('message-failed', { id, remote, error: (err as Error).message });
            await s.abort().catch(() => {});
            // A sink may say why (452 when the disk is full); else the session's 451.
            const why = (err as { reply?: Reply }).reply;
            return why ? { ok: false, reply: why } : { ok: false };
          }
        }
      }
    }

    // Every batch of actions runs after the previous one: replies stay in order.
    function run(produce: () => ServerAction[]): void {
      busy = busy
        .then(() => drive(session, produce(), handler))
        .catch((err: Error) => {
          log('error', { id, remote, error: err.message });
          sock.destroy();
          finish('error');
        })
        .then(() => {
          // A message finished during close(): now the session can go.
          if (closing && !ended && !session.closed && conn.idle()) conn.shutdown();
        });
    }

    const onData = (chunk: Buffer) => {
      progress += chunk.length;
      // Pause while the session works (storage, decisions): memory stays bounded.
      sock.pause();
      run(() => session.feed(chunk));
      busy = busy.then(() => {
        if (!ended && !sock.destroyed) sock.resume();
        if (progress >= DATA_PROGRESS && !session.closed) arm();
      });
    };

    function attach(s: net.Socket): void {
      s.on('data', onData);
      s.on('error', (err) => {
        log('socket-error', { id, remote, error: err.message });
        finish('socket error');
      });
      s.on('close', () => finish(session.closed ? 'closed' : 'client left'));
    }

    function upgrade(): Promise<void> {
      return new Promise((resolve, reject) => {
        sock.removeListener('data', onData);
        const secure = new tls.TLSSocket(sock, {
          isServer: true,
          secureContext: secureContext() as tls.SecureContext,
        });
        secure.once('secure', () => {
          secure.removeListener('error', reject);
          sock = secure;
          ctx.tls = true;
          attach(secure);
          log('tls', {
            id,
            remote,
            protocol: secure.getProtocol() ?? '',
            cipher: secure.getCipher()?.name ?? '',
          });
          resolve();
        });
        secure.once('error', (err) => {
          log('tls-failed', { id, remote, error: err.message });
          reject(err);
        });
      });
    }

    const conn: Conn = {
      idle: () => sink === undefined,
      shutdown: () => {
        if (!ended && !session.closed) run(() => session.shutdown());
      },
      destroy: () => {
        sock.destroy();
        raw.destroy();
        finish('shutdown');
      },
      done,
    };

    log('session', { id, remote, port: ctx.remotePort, tls: ctx.tls });
    attach(sock);
    sock.setNoDelay(true);
    if (overLimit) {
      log('connection-refused', { id, remote, reason: 'too many connections' });
      run(() => session.refuse('Too many connections, try again later'));
    } else run(() => session.greet());
    return conn;
  }

  const server = opts.implicitTls
    ? tls.createServer(
        opts.tlsFiles
          ? await opts.tlsFiles.options()
          : { key: Buffer.from(opts.tls?.key ?? []), cert: Buffer.from(opts.tls?.cert ?? []) },
        onConnection,
      )
    : net.createServer(onConnection);
  opts.tlsFiles?.start((_ctx, files) => {
    if (server instanceof tls.Server) server.setSecureContext(files);
    log('tls-reloaded', {});
  });
  server.on('tlsClientError', (err: Error) => log('tls-failed', { error: err.message }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const addr = server.address() as net.AddressInfo;
  log('listening', {
    host: addr.address,
    port: addr.port,
    tls: opts.implicitTls ? 'implicit' : secureContext() ? 'starttls' : 'none',
  });

  return {
    address: { host: addr.address, port: addr.port },
    get sessions() {
      return conns.size;
    },
    async close() {
      if (closing) return;
      closing = true;
      opts.tlsFiles?.stop();
      const stopped = new Promise<void>((r) => server.close(() => r()));
      for (const c of conns) if (c.idle()) c.shutdown();
      const grace = setTimeout(() => {
        for (const c of conns) c.destroy();
      }, opts.shutdownGraceMs ?? 30_000);
      await Promise.all([...conns].map((c) => c.done));
      clearTimeout(grace);
      await stopped;
      log('stopped', {});
    },
  };
}
