// The server side of SMTP as a sans-I/O state machine (RFC 5321 with PIPELINING, SIZE,
// 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES, CHUNKING, DSN, STARTTLS, AUTH PLAIN/LOGIN).
// Bytes go in through `feed`; actions come out in order: bytes to send, message data,
// TLS and close requests, and at most one `ask` — a decision (accept this sender, this
// recipient, these credentials, this message) the shell obtains, possibly asynchronously,
// and hands back with `answer`. Input that arrives meanwhile waits inside, so pipelined
// commands are answered in order. No sockets, clocks or files: the shell owns those.
import { type Address, formatPath } from './address.js';
import { type Command, type MailParams, parseCommand, type RcptParams } from './command.js';
import { DotUnstuffer } from './dot.js';
import { formatReply, type Reply, reply } from './reply.js';

export interface ServerLimits {
  /** Longest command line in octets, CRLF included (RFC 5321 §4.5.3.1.4 says 512 at least). */
  maxLine: number;
  /** Recipients per message; past it RCPT gets 452 (RFC 5321 §4.5.3.1.10 asks for 100). */
  maxRecipients: number;
  /** 452s for recipients over the limit before they count as errors (Postfix's overshoot). */
  maxRecipientOvershoot: number;
  /** Message size in octets, announced by SIZE (RFC 1870). */
  maxMessageSize: number;
  /** Errors (4xx/5xx replies to commands) before 421 and close. */
  maxErrors: number;
  /** Idle time allowed waiting for a command, and within a DATA/BDAT transfer (ms). */
  commandTimeoutMs: number;
  dataTimeoutMs: number;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxLine: 2048,
  maxRecipients: 100,
  maxRecipientOvershoot: 1000,
  maxMessageSize: 50 * 1024 * 1024,
  maxErrors: 20,
  // RFC 5321 §4.5.3.2.7: at least 5 minutes.
  commandTimeoutMs: 300_000,
  dataTimeoutMs: 300_000,
});

export type AuthMechanism = 'PLAIN' | 'LOGIN';

export interface ServerOptions {
  /** Our name in the greeting and replies. */
  hostname: string;
  /** The connection is TLS from the start (port 465, RFC 8314). */
  secure?: boolean;
  /** STARTTLS is offered (the shell has a certificate). */
  starttls?: boolean;
  /** Mail is refused until TLS is on. */
  requireTls?: boolean;
  /** Mechanisms offered; empty or absent: no AUTH. */
  auth?: AuthMechanism[];
  /** Offer AUTH on a plaintext connection (the shell sets it for loopback clients, if configured). */
  authWithoutTls?: boolean;
  /** MAIL needs a successful AUTH first (submission). */
  requireAuth?: boolean;
  /** Extensions that can be turned off (all on by default). */
  chunking?: boolean;
  smtputf8?: boolean;
  dsn?: boolean;
  limits?: Partial<ServerLimits>;
}

export interface Recipient {
  address: Address;
  params: RcptParams;
}

export interface Envelope {
  helo: string;
  esmtp: boolean;
  tls: boolean;
  /** The authenticated user, if any. */
  user: string | undefined;
  from: Address | null;
  mailParams: MailParams;
  recipients: Recipient[];
  /** The transfer used: DATA (dot-stuffed) or BDAT (RFC 3030). */
  transfer: 'DATA' | 'BDAT' | undefined;
}

export type Ask =
  | { kind: 'mail'; from: Address | null; params: MailParams; envelope: Envelope }
  | { kind: 'rcpt'; to: Address; params: RcptParams; envelope: Envelope }
  | { kind: 'auth'; mechanism: AuthMechanism; authzid: string; username: string; password: string }
  /** The whole message was received: make it durable, then accept. */
  | { kind: 'message'; envelope: Envelope; size: number };

/** A shell's answer to an ask; `reply` overrides the default reply. */
export type Decision = { ok: true; reply?: Reply } | { ok: false; reply?: Reply };

export type ServerAction =
  | { type: 'send'; data: Uint8Array; reply: Reply; command?: string }
  | { type: 'message-start'; envelope: Envelope }
  | { type: 'message-data'; chunk: Uint8Array }
  /** The message being received is dropped (its data must be discarded). */
  | { type: 'message-abort'; reason: string }
  /** Upgrade the connection now, then call `tlsStarted()`; input until then is discarded. */
  | { type: 'starttls' }
  | { type: 'close'; reason: string }
  | { type: 'ask'; ask: Ask };

type Phase = 'command' | 'auth' | 'data' | 'bdat' | 'asking' | 'tls' | 'closed';

const EMPTY = new Uint8Array(0);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class ServerSession {
  readonly limits: ServerLimits;
  readonly #opts: ServerOptions;
  #phase: Phase = 'command';
  #in: Uint8Array = EMPTY;
  #out: ServerAction[] = [];
  #errors = 0;
  #helo: string | undefined;
  #esmtp = false;
  #tls: boolean;
  #user: string | undefined;
  #tx: Envelope | undefined;
  #overshoot = 0;
  /** Discarding the rest of an over-long command line. */
  #skipping = false;
  // The transfer in progress.
  #unstuffer: DotUnstuffer | undefined;
  #bdatLeft = 0;
  #bdatLast = false;
  #size = 0;
  /** Why the message in transfer will be refused at its end (its data is dropped). */
  #refuse: Reply | undefined;
  #started = false;
  // AUTH in progress: its mechanism and the username (LOGIN).
  #auth: { mechanism: AuthMechanism; step: 'plain' | 'user' | 'pass'; username?: string } | undefined;
  #pendingAsk: Ask | undefined;

  constructor(opts: ServerOptions) {
    this.#opts = opts;
    this.limits = { ...DEFAULT_SERVER_LIMITS, ...opts.limits };
    this.#tls = opts.secure === true;
  }

  /** The greeting (RFC 5321 §4.3.1), to send once the connection is open. */
  greet(): ServerAction[] {
    this.#send(reply(220, undefined, `${this.#opts.hostname} ESMTP poste`));
    return this.#flush();
  }

  /** Refuses the connection (limits): 421, then close. */
  refuse(text: string): ServerAction[] {
    this.#send(reply(421, '4.7.0', `${this.#opts.hostname} ${text}`));
    this.#close(text);
    return this.#flush();
  }

  get closed(): boolean {
    return this.#phase === 'closed';
  }

  get tls(): boolean {
    return this.#tls;
  }

  /** The timer the shell should run now, in ms; undefined while it is deciding. */
  get timeoutMs(): number | undefined {
    if (this.#phase === 'asking' || this.#phase === 'tls' || this.#phase === 'closed') return undefined;
    return this.#phase === 'data' || this.#phase === 'bdat'
      ? this.limits.dataTimeoutMs
      : this.limits.commandTimeoutMs;
  }

  feed(chunk: Uint8Array): ServerAction[] {
    if (this.#phase === 'closed' || this.#phase === 'tls') return [];
    this.#in = this.#in.length ? Buffer.concat([this.#in, chunk]) : chunk;
    this.#run();
    return this.#flush();
  }

  /** The client went silent for `timeoutMs`. */
  timeout(): ServerAction[] {
    if (this.#phase === 'closed') return [];
    if (this.#started) this.#abort('timeout');
    this.#send(reply(421, '4.4.2', `${this.#opts.hostname} Timeout, closing connection`));
    this.#close('timeout');
    return this.#flush();
  }

  /** The shell is going away (SIGTERM): 421 to an idle client, and close. */
  shutdown(): ServerAction[] {
    if (this.#phase === 'closed') return [];
    if (this.#started) this.#abort('shutdown');
    this.#send(reply(421, '4.3.2', `${this.#opts.hostname} Service shutting down`));
    this.#close('shutdown');
    return this.#flush();
  }

  /** TLS is up (RFC 3207 §4.2: the session starts over, EHLO again). */
  tlsStarted(): ServerAction[] {
    if (this.#phase !== 'tls') throw new Error('tlsStarted() without a pending STARTTLS');
    this.#tls = true;
    this.#phase = 'command';
    this.#in = EMPTY;
    this.#helo = undefined;
    this.#esmtp = false;
    this.#tx = undefined;
    return [];
  }

  answer(decision: Decision): ServerAction[] {
    const ask = this.#pendingAsk;
    if (!ask || this.#phase !== 'asking') throw new Error('answer() without a pending ask');
    this.#pendingAsk = undefined;
    this.#phase = 'command';
    this.#decided(ask, decision);
    this.#run();
    return this.#flush();
  }

  #flush(): ServerAction[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #send(r: Reply, command?: string): void {
    const a: ServerAction = { type: 'send', data: formatReply(r), reply: r };
    if (command) a.command = command;
    this.#out.push(a);
  }

  #close(reason: string): void {
    this.#phase = 'closed';
    this.#in = EMPTY;
    this.#out.push({ type: 'close', reason });
  }

  /** A refusal the client caused; too many and the session ends. */
  #error(r: Reply, command?: string): void {
    this.#send(r, command);
    if (++this.#errors > this.limits.maxErrors) {
      if (this.#started) this.#abort('too many errors');
      this.#send(reply(421, '4.7.0', `${this.#opts.hostname} Too many errors, closing connection`));
      this.#close('too many errors');
    }
  }

  #ask(ask: Ask): void {
    this.#pendingAsk = ask;
    this.#phase = 'asking';
    this.#out.push({ type: 'ask', ask });
  }

  #run(): void {
    while (this.#in.length > 0) {
      switch (this.#phase) {
        case 'command':
        case 'auth': {
          const line = this.#line();
          if (line === undefined) return;
          if (this.#phase === 'auth') this.#authLine(line);
          else this.#commandLine(line);
          break;
        }
        case 'data':
          this.#data();
          break;
        case 'bdat':
          this.#bdat();
          break;
        case 'tls':
        case 'closed':
          // RFC 3207 §4.2: anything pipelined after STARTTLS is discarded, never executed.
          this.#in = EMPTY;
          return;
        case 'asking':
          return;
      }
    }
  }

  /** The next complete line, decoded, or undefined when more input is needed. */
  #line(): string | undefined | null {
    const nl = this.#in.indexOf(0x0a);
    if (nl < 0) {
      if (this.#in.length > this.limits.maxLine) {
        // Bounded memory: drop what we have and skip to the end of the line.
        this.#skipping = true;
        this.#in = EMPTY;
      }
      return undefined;
    }
    const raw = this.#in.subarray(0, nl);
    this.#in = this.#in.subarray(nl + 1);
    if (this.#skipping || raw.length + 1 > this.limits.maxLine) {
      this.#skipping = false;
      this.#error(reply(500, '5.5.2', 'Line too long'));
      return null;
    }
    const end = raw[raw.length - 1] === 0x0d ? raw.length - 1 : raw.length;
    try {
      return strictUtf8.decode(raw.subarray(0, end));
    } catch {
      this.#error(reply(500, '5.5.2', 'Invalid UTF-8 in command'));
      return null;
    }
  }

  #commandLine(line: string | null): void {
    if (line === null) return;
    const parsed = parseCommand(line, {
      smtputf8: this.#esmtp && this.#opts.smtputf8 !== false,
      dsn: this.#esmtp && this.#opts.dsn !== false,
      utf8Transaction: this.#tx?.mailParams.smtputf8 === true,
    });
    if (!parsed.ok) {
      this.#error(parsed.reply, line.split(' ')[0]?.toUpperCase());
      return;
    }
    this.#command(parsed.command);
  }

  #authOffered(): boolean {
    return (this.#opts.auth?.length ?? 0) > 0 && (this.#tls || this.#opts.authWithoutTls === true);
  }

  #starttlsOffered(): boolean {
    return this.#opts.starttls === true && !this.#tls;
  }

  #ehloLines(): string[] {
    const l = this.limits;
    const ext = ['PIPELINING', `SIZE ${l.maxMessageSize}`, '8BITMIME', 'ENHANCEDSTATUSCODES'];
    if (this.#opts.chunking !== false) ext.push('CHUNKING');
    if (this.#opts.smtputf8 !== false) ext.push('SMTPUTF8');
    if (this.#opts.dsn !== false) ext.push('DSN');
    if (this.#starttlsOffered()) ext.push('STARTTLS');
    if (this.#authOffered()) ext.push(`AUTH ${this.#opts.auth?.join(' ')}`);
    return ext;
  }

  #command(c: Command): void {
    const v = c.verb;
    switch (c.verb) {
      case 'EHLO':
      case 'HELO':
        this.#reset();
        this.#helo = c.domain;
        this.#esmtp = c.verb === 'EHLO';
        if (c.verb === 'HELO') this.#send(reply(250, undefined, this.#opts.hostname), v);
        else
          this.#send(
            reply(250, undefined, `${this.#opts.hostname} greets ${c.domain}`, ...this.#ehloLines()),
            v,
          );
        return;
      case 'NOOP':
        this.#send(reply(250, '2.0.0', 'OK'), v);
        return;
      case 'HELP':
        this.#send(reply(214, '2.0.0', 'See RFC 5321'), v);
        return;
      case 'VRFY':
        // RFC 5321 §3.5.3: 252 keeps addresses private without refusing.
        this.#send(reply(252, '2.5.0', 'Cannot VRFY user, but will accept message and attempt delivery'), v);
        return;
      case 'EXPN':
        this.#error(reply(502, '5.5.1', 'EXPN not available'), v);
        return;
      case 'QUIT':
        this.#send(reply(221, '2.0.0', `${this.#opts.hostname} Bye`), v);
        this.#close('quit');
        return;
      case 'RSET':
        this.#reset();
        this.#send(reply(250, '2.0.0', 'OK'), v);
        return;
      case 'STARTTLS':
        if (!this.#starttlsOffered()) {
          this.#error(
            reply(
              this.#tls ? 503 : 502,
              '5.5.1',
              this.#tls ? 'TLS already active' : 'STARTTLS not available',
            ),
            v,
          );
          return;
        }
        this.#reset();
        this.#send(reply(220, '2.0.0', 'Ready to start TLS'), v);
        this.#phase = 'tls';
        this.#in = EMPTY;
        this.#out.push({ type: 'starttls' });
        return;
      case 'AUTH':
        this.#startAuth(c.mechanism, c.initial);
        return;
      case 'MAIL':
        this.#mail(c.from, c.params);
        return;
      case 'RCPT':
        this.#rcpt(c.to, c.params);
        return;
      case 'DATA':
        if (this.#transferCheck(v)) {
          if (this.#tx?.transfer === 'BDAT') {
            this.#error(reply(503, '5.5.1', 'DATA after BDAT'), v);
            return;
          }
          this.#beginTransfer('DATA');
          this.#send(reply(354, undefined, 'End data with <CR><LF>.<CR><LF>'), v);
          this.#phase = 'data';
          this.#unstuffer = new DotUnstuffer();
        }
        return;
      case 'BDAT':
        this.#phase = 'bdat';
        this.#bdatLeft = c.size;
        this.#bdatLast = c.last;
        if (this.#opts.chunking === false || !this.#esmtp) {
          this.#refuse = reply(502, '5.5.1', 'BDAT not available');
        } else if (!this.#transferCheck(undefined)) {
          // The reason was given by #transferCheck through #refuse.
        } else if (this.#tx?.transfer === 'DATA') {
          this.#refuse = reply(503, '5.5.1', 'BDAT after DATA');
        } else if (this.#tx && this.#tx.transfer === undefined) {
          this.#beginTransfer('BDAT');
        }
        if (c.size === 0) this.#bdat();
        return;
    }
  }

  /** Whether a transfer may start; otherwise refuses (DATA) or records why (BDAT). */
  #transferCheck(verb: string | undefined): boolean {
    let r: Reply | undefined;
    if (!this.#tx) r = reply(503, '5.5.1', 'Need MAIL command first');
    else if (this.#tx.recipients.length === 0) r = reply(554, '5.5.1', 'No valid recipients');
    if (!r) return true;
    if (verb) this.#error(r, verb);
    else if (!this.#refuse) this.#refuse = r;
    return false;
  }

  #beginTransfer(kind: 'DATA' | 'BDAT'): void {
    const tx = this.#tx as Envelope;
    tx.transfer = kind;
    this.#size = 0;
    this.#started = true;
    this.#out.push({ type: 'message-start', envelope: tx });
  }

  #reset(): void {
    if (this.#started) this.#abort('reset');
    this.#tx = undefined;
    this.#overshoot = 0;
    this.#refuse = undefined;
  }

  #abort(reason: string): void {
    this.#started = false;
    this.#out.push({ type: 'message-abort', reason });
  }

  #mail(from: Address | null, params: MailParams): void {
    const v = 'MAIL';
    if (!this.#helo) {
      this.#error(reply(503, '5.5.1', 'Send HELO/EHLO first'), v);
      return;
    }
    if (this.#tx) {
      this.#error(reply(503, '5.5.1', 'Nested MAIL command'), v);
      return;
    }
    if (this.#opts.requireTls && !this.#tls) {
      this.#error(reply(530, '5.7.0', 'Must issue a STARTTLS command first'), v);
      return;
    }
    if (this.#opts.requireAuth && !this.#user) {
      this.#error(reply(530, '5.7.0', 'Authentication required'), v);
      return;
    }
    if (!this.#esmtp && Object.keys(params).length > 0) {
      this.#error(reply(555, '5.5.4', 'Parameters need EHLO'), v);
      return;
    }
    if (params.size !== undefined && params.size > this.limits.maxMessageSize) {
      this.#error(reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'), v);
      return;
    }
    const envelope: Envelope = {
      helo: this.#helo,
      esmtp: this.#esmtp,
      tls: this.#tls,
      user: this.#user,
      from,
      mailParams: params,
      recipients: [],
      transfer: undefined,
    };
    this.#ask({ kind: 'mail', from, params, envelope });
  }

  #rcpt(to: Address, params: RcptParams): void {
    const v = 'RCPT';
    const tx = this.#tx;
    if (!tx) {
      this.#error(reply(503, '5.5.1', 'Need MAIL before RCPT'), v);
      return;
    }
    if (tx.recipients.length >= this.limits.maxRecipients) {
      const r = reply(452, '4.5.3', 'Too many recipients');
      if (++this.#overshoot > this.limits.maxRecipientOvershoot) this.#error(r, v);
      else this.#send(r, v);
      return;
    }
    this.#ask({ kind: 'rcpt', to, params, envelope: tx });
  }

  #decided(ask: Ask, d: Decision): void {
    switch (ask.kind) {
      case 'mail':
        if (d.ok) {
          this.#tx = ask.envelope;
          this.#send(d.reply ?? reply(250, '2.1.0', `Sender ${formatPath(ask.from)} OK`), 'MAIL');
        } else this.#error(d.reply ?? reply(550, '5.7.1', 'Sender refused'), 'MAIL');
        return;
      case 'rcpt':
        if (d.ok && this.#tx === ask.envelope) {
          this.#tx.recipients.push({ address: ask.to, params: ask.params });
          this.#send(d.reply ?? reply(250, '2.1.5', `Recipient ${formatPath(ask.to)} OK`), 'RCPT');
        } else this.#error(d.reply ?? reply(550, '5.1.1', 'Recipient refused'), 'RCPT');
        return;
      case 'auth':
        if (d.ok) {
          this.#user = ask.username;
          this.#send(d.reply ?? reply(235, '2.7.0', 'Authentication successful'), 'AUTH');
        } else this.#error(d.reply ?? reply(535, '5.7.8', 'Authentication credentials invalid'), 'AUTH');
        return;
      case 'message':
        this.#started = false;
        this.#tx = undefined;
        this.#overshoot = 0;
        if (d.ok) this.#send(d.reply ?? reply(250, '2.0.0', 'OK: message accepted'), ask.envelope.transfer);
        else
          this.#error(
            d.reply ?? reply(451, '4.3.0', 'Message not stored, try again later'),
            ask.envelope.transfer,
          );
        return;
    }
  }

  // ---- DATA and BDAT ----

  #count(chunks: Uint8Array[]): void {
    for (const c of chunks) {
      this.#size += c.length;
      if (!this.#refuse && this.#size > this.limits.maxMessageSize) {
        this.#refuse = reply(552, '5.3.4', 'Message size exceeds fixed maximum message size');
        this.#abort('too big');
      }
      if (!this.#refuse && this.#started) this.#out.push({ type: 'message-data', chunk: c });
    }
  }

  #data(): void {
    const u = this.#unstuffer as DotUnstuffer;
    const r = u.push(this.#in);
    this.#in = this.#in.subarray(r.consumed);
    this.#count(r.chunks);
    if (!r.done) return;
    this.#unstuffer = undefined;
    this.#phase = 'command';
    if (u.bareLineEnd && !this.#refuse) {
      this.#refuse = reply(550, '5.5.2', 'Message refused: bare CR or LF in data (RFC 5321 §2.3.8)');
      this.#abort('bare line end');
    }
    this.#endTransfer('DATA');
  }

  #bdat(): void {
    const n = Math.min(this.#bdatLeft, this.#in.length);
    if (n > 0) {
      const chunk = this.#in.subarray(0, n);
      this.#in = this.#in.subarray(n);
      this.#bdatLeft -= n;
      if (!this.#refuse || this.#started) this.#count([chunk]);
    }
    if (this.#bdatLeft > 0) return;
    this.#phase = 'command';
    if (!this.#bdatLast && !this.#refuse) {
      this.#send(reply(250, '2.0.0', `${this.#size} octets received`), 'BDAT');
      return;
    }
    this.#endTransfer('BDAT');
  }

  #endTransfer(verb: string): void {
    const refuse = this.#refuse;
    if (refuse) {
      this.#refuse = undefined;
      // The transaction is over either way (RFC 3030 §2: a failed BDAT ends it).
      if (this.#started) this.#abort('refused');
      this.#tx = undefined;
      this.#overshoot = 0;
      this.#error(refuse, verb);
      return;
    }
    this.#ask({ kind: 'message', envelope: this.#tx as Envelope, size: this.#size });
  }

  // ---- AUTH (RFC 4954) ----

  #startAuth(mechanism: string, initial: string | undefined): void {
    const v = 'AUTH';
    if (!this.#authOffered()) {
      if ((this.#opts.auth?.length ?? 0) > 0 && !this.#tls) {
        this.#error(reply(538, '5.7.11', 'Encryption required for requested authentication mechanism'), v);
        return;
      }
      this.#error(reply(503, '5.5.1', 'AUTH not available'), v);
      return;
    }
    if (!this.#helo) {
      this.#error(reply(503, '5.5.1', 'Send EHLO first'), v);
      return;
    }
    if (this.#user) {
      this.#error(reply(503, '5.5.1', 'Already authenticated'), v);
      return;
    }
    if (this.#tx) {
      this.#error(reply(503, '5.5.1', 'AUTH not permitted during a mail transaction'), v);
      return;
    }
    const mech = this.#opts.auth?.find((m) => m === mechanism);
    if (!mech) {
      this.#error(reply(504, '5.5.4', 'Unrecognized authentication mechanism'), v);
      return;
    }
    if (mech === 'PLAIN') {
      this.#auth = { mechanism: mech, step: 'plain' };
      if (initial === undefined) {
        this.#phase = 'auth';
        this.#send(reply(334, undefined, ''), v);
      } else this.#authLine(initial);
    } else {
      this.#auth = { mechanism: mech, step: 'user' };
      if (initial === undefined) {
        this.#phase = 'auth';
        this.#send(reply(334, undefined, 'VXNlcm5hbWU6'), v);
      } else this.#authLine(initial);
    }
  }

  #authLine(line: string | null): void {
    const a = this.#auth;
    this.#phase = 'command';
    if (!a || line === null) {
      this.#auth = undefined;
      return;
    }
    if (line === '*') {
      this.#auth = undefined;
      this.#error(reply(501, '5.0.0', 'Authentication cancelled'), 'AUTH');
      return;
    }
    // RFC 4954 §4: "=" is an empty initial response.
    const bytes = line === '=' ? new Uint8Array(0) : decodeBase64Strict(line);
    if (!bytes) {
      this.#auth = undefined;
      this.#error(reply(501, '5.5.2', 'Cannot decode response'), 'AUTH');
      return;
    }
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      this.#auth = undefined;
      this.#error(reply(501, '5.5.2', 'Invalid UTF-8 in credentials'), 'AUTH');
      return;
    }
    if (a.step === 'plain') {
      // RFC 4616 §2: [authzid] NUL authcid NUL passwd.
      const parts = text.split('\0');
      this.#auth = undefined;
      if (parts.length !== 3 || !parts[1] || !parts[2]) {
        this.#error(reply(501, '5.5.2', 'Malformed PLAIN response'), 'AUTH');
        return;
      }
      const [authzid, username, password] = parts as [string, string, string];
      this.#ask({ kind: 'auth', mechanism: 'PLAIN', authzid, username, password });
      return;
    }
    if (a.step === 'user') {
      this.#auth = { mechanism: a.mechanism, step: 'pass', username: text };
      this.#phase = 'auth';
      this.#send(reply(334, undefined, 'UGFzc3dvcmQ6'), 'AUTH');
      return;
    }
    this.#auth = undefined;
    this.#ask({ kind: 'auth', mechanism: 'LOGIN', authzid: '', username: a.username ?? '', password: text });
  }
}

function decodeBase64Strict(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}
