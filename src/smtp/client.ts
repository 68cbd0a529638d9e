// The client side of SMTP as a sans-I/O state machine: EHLO (HELO when refused), STARTTLS
// (required or opportunistic), AUTH PLAIN/LOGIN, then transactions — pipelined when the
// server offers PIPELINING (RFC 2920), with SIZE and SMTPUTF8 checked up front and one
// result per recipient. Replies go in through `receive`; actions come out: bytes to write,
// "start TLS", "ready for a message", "stream the body", results, failures and close.
import { type Address, formatPath, needsUtf8 } from './address.js';
import { DotStuffer } from './dot.js';
import { isReply, type Reply, ReplyParser, reply } from './reply.js';

export interface ClientOptions {
  /** The name we give in EHLO. */
  hostname: string;
  /**
   * none: never STARTTLS; opportunistic: when offered; required: fail without it;
   * implicit: the connection is already TLS (port 465).
   */
  tls: 'none' | 'opportunistic' | 'required' | 'implicit';
  auth?: { username: string; password: string } | undefined;
}

export interface Extensions {
  names: Set<string>;
  /** SIZE's announced maximum; 0 means none announced or no limit. */
  maxSize: number;
  auth: string[];
}

export interface Transaction {
  from: Address | null;
  recipients: Address[];
  /** Size of the message in octets, for SIZE (RFC 1870 §3). */
  size?: number;
  /** The body holds 8-bit data (after any down-conversion): BODY=8BITMIME is needed. */
  eightBit?: boolean;
  /** The header holds UTF-8 (RFC 6532): SMTPUTF8 is needed even with ASCII addresses. */
  utf8Header?: boolean;
}

export interface RecipientResult {
  address: Address;
  reply: Reply;
}

export interface TransactionResult {
  mail: Reply;
  recipients: RecipientResult[];
  /** The reply to the end of data; absent when no recipient was accepted. */
  data?: Reply;
}

/** Why a session or a transaction failed; `permanent` is a 5xx (or a local refusal). */
export interface ClientFailure {
  stage: 'connect' | 'ehlo' | 'starttls' | 'auth' | 'mail' | 'data' | 'protocol';
  message: string;
  reply?: Reply;
  permanent: boolean;
}

export type ClientAction =
  | { type: 'write'; data: Uint8Array }
  | { type: 'starttls' }
  | { type: 'ready'; extensions: Extensions }
  /** Stream the message now: `body(chunk)` for each chunk, then `endBody()`. */
  | { type: 'body' }
  | { type: 'result'; result: TransactionResult }
  | { type: 'failed'; failure: ClientFailure }
  | { type: 'close' };

type Handler = (r: Reply) => void;

interface TxState {
  result: TransactionResult;
  accepted: number;
  mailOk: boolean;
  ended: boolean;
}

const enc = new TextEncoder();

export class ClientSession {
  readonly #opts: ClientOptions;
  readonly #parser = new ReplyParser();
  #expect: Handler[] = [];
  #out: ClientAction[] = [];
  #tls: boolean;
  #ext: Extensions = { names: new Set(), maxSize: 0, auth: [] };
  #stuffer: DotStuffer | undefined;
  #done = false;
  /** Set when the current transaction's body is awaited. */
  #tx: TxState | undefined;

  constructor(opts: ClientOptions) {
    this.#opts = opts;
    this.#tls = opts.tls === 'implicit';
    this.#expect.push((r) => {
      if (r.code !== 220) {
        this.#fail('connect', 'greeting refused', r);
        return;
      }
      this.#ehlo();
    });
  }

  get extensions(): Extensions {
    return this.#ext;
  }

  get tls(): boolean {
    return this.#tls;
  }

  receive(chunk: Uint8Array): ClientAction[] {
    for (const r of this.#parser.push(chunk)) {
      if (this.#done) break;
      if (!isReply(r)) {
        this.#fail('protocol', r.malformed);
        break;
      }
      const h = this.#expect.shift();
      if (!h) {
        this.#fail('protocol', `unexpected reply ${r.code}`, r);
        break;
      }
      h(r);
    }
    return this.#flush();
  }

  /** The connection closed under us. */
  closed(): ClientAction[] {
    if (!this.#done) this.#fail('protocol', 'connection closed by the server');
    return this.#flush();
  }

  tlsStarted(): ClientAction[] {
    this.#tls = true;
    this.#ext = { names: new Set(), maxSize: 0, auth: [] };
    this.#ehlo();
    return this.#flush();
  }

  /** Starts a transaction (after `ready`). A local refusal comes back as `failed`. */
  send(tx: Transaction): ClientAction[] {
    const ext = this.#ext;
    const size = tx.size ?? 0;
    if (ext.maxSize > 0 && size > ext.maxSize)
      return this.#refuse(
        `message of ${size} octets exceeds the server's limit of ${ext.maxSize}`,
        '5.3.4',
        552,
      );
    const utf8 = tx.utf8Header === true || needsUtf8(tx.from) || tx.recipients.some(needsUtf8);
    if (utf8 && !ext.names.has('SMTPUTF8'))
      return this.#refuse('the server does not offer SMTPUTF8, which the message needs', '5.6.7', 553);
    if (tx.eightBit && !ext.names.has('8BITMIME'))
      return this.#refuse(
        'the server does not offer 8BITMIME (down-convert the message first)',
        '5.6.3',
        554,
      );
    const esmtp = ext.names.size > 0;
    let params = '';
    if (esmtp && ext.names.has('SIZE') && tx.size !== undefined) params += ` SIZE=${size}`;
    if (tx.eightBit) params += ' BODY=8BITMIME';
    if (utf8) params += ' SMTPUTF8';
    const result: TransactionResult = { mail: reply(0, undefined), recipients: [] };
    const state = { result, accepted: 0, mailOk: false, ended: false };
    this.#tx = state;
    const pipelining = ext.names.has('PIPELINING');
    const lines = [
      `MAIL FROM:${formatPath(tx.from)}${params}`,
      ...tx.recipients.map((a) => `RCPT TO:${formatPath(a)}`),
    ];
    const onData = (r: Reply) => {
      if (r.code === 354) {
        if (state.accepted === 0) {
          // RFC 2920 §3.1: DATA accepted with no recipient: send an empty message.
          this.#write('.\r\n');
          this.#expect.push(() => {
            state.ended = true;
            this.#finish(state);
          });
          return;
        }
        this.#stuffer = new DotStuffer();
        this.#out.push({ type: 'body' });
        this.#expect.push((end) => {
          state.result.data = end;
          state.ended = true;
          this.#finish(state);
        });
        return;
      }
      if (state.accepted > 0) state.result.data = r;
      this.#finish(state);
    };
    const afterRecipients = () => {
      if (!state.mailOk || state.accepted === 0) {
        if (pipelining) return; // DATA was sent; its reply ends the transaction
        this.#finish(state);
        return;
      }
      if (!pipelining) {
        this.#write('DATA\r\n');
        this.#expect.push(onData);
      }
    };
    const handlers: Handler[] = [
      (r) => {
        result.mail = r;
        state.mailOk = r.code >= 200 && r.code < 300;
        if (!pipelining && !state.mailOk) {
          this.#finish(state);
          return;
        }
        if (!pipelining) this.#sendNext(lines, 1, handlers);
        if (tx.recipients.length === 0) afterRecipients();
      },
      ...tx.recipients.map((address, i) => (r: Reply) => {
        result.recipients.push({ address, reply: r });
        if (r.code >= 200 && r.code < 300 && state.mailOk) state.accepted++;
        if (i === tx.recipients.length - 1) afterRecipients();
        else if (!pipelining) this.#sendNext(lines, i + 2, handlers);
      }),
    ];
    if (pipelining) {
      this.#write(`${[...lines, 'DATA'].join('\r\n')}\r\n`);
      this.#expect.push(...handlers, onData);
    } else this.#sendNext(lines, 0, handlers);
    return this.#flush();
  }

  /** A chunk of the message; returns the bytes to write (dot-stuffed). */
  body(chunk: Uint8Array): Uint8Array {
    if (!this.#stuffer) throw new Error('body() outside of a DATA transfer');
    return this.#stuffer.push(chunk);
  }

  /** The end of the message: the terminator to write. */
  endBody(): Uint8Array {
    if (!this.#stuffer) throw new Error('endBody() outside of a DATA transfer');
    const end = this.#stuffer.end();
    this.#stuffer = undefined;
    return end;
  }

  quit(): ClientAction[] {
    if (!this.#done) {
      this.#write('QUIT\r\n');
      this.#expect.push(() => {
        this.#done = true;
        this.#out.push({ type: 'close' });
      });
    }
    return this.#flush();
  }

  #sendNext(lines: string[], i: number, handlers: Handler[]): void {
    this.#write(`${lines[i]}\r\n`);
    this.#expect.push(handlers[i] as Handler);
  }

  #finish(state: TxState): void {
    if (this.#tx !== state) return;
    this.#tx = undefined;
    // A transaction the server still holds (no end of data) is cleared for the next one.
    if (state.mailOk && !state.ended) {
      this.#write('RSET\r\n');
      this.#expect.push(() => {});
    }
    this.#out.push({ type: 'result', result: state.result });
  }

  #refuse(message: string, enhanced: string, code: number): ClientAction[] {
    this.#out.push({
      type: 'failed',
      failure: { stage: 'mail', message, reply: reply(code, enhanced, message), permanent: true },
    });
    return this.#flush();
  }

  #flush(): ClientAction[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #write(text: string): void {
    this.#out.push({ type: 'write', data: enc.encode(text) });
  }

  #fail(stage: ClientFailure['stage'], message: string, r?: Reply): void {
    this.#done = true;
    this.#expect = [];
    const failure: ClientFailure = { stage, message, permanent: r ? r.code >= 500 : false };
    if (r) failure.reply = r;
    this.#out.push({ type: 'failed', failure });
    // Leave politely when the server still listens (RFC 5321 §4.1.1.10).
    if (r && r.code !== 421) this.#write('QUIT\r\n');
    this.#out.push({ type: 'close' });
  }

  #ehlo(): void {
    this.#write(`EHLO ${this.#opts.hostname}\r\n`);
    this.#expect.push((r) => {
      if (r.code === 250) {
        this.#ext = parseEhlo(r);
        this.#parser.enhanced = this.#ext.names.has('ENHANCEDSTATUSCODES');
        this.#afterEhlo();
        return;
      }
      if (r.code >= 500 && r.code !== 554) {
        // RFC 5321 §3.2: an old server; HELO, without extensions (nor TLS, nor AUTH).
        this.#write(`HELO ${this.#opts.hostname}\r\n`);
        this.#expect.push((h) => {
          if (h.code !== 250) {
            this.#fail('ehlo', 'HELO refused', h);
            return;
          }
          this.#ext = { names: new Set(), maxSize: 0, auth: [] };
          this.#afterEhlo();
        });
        return;
      }
      this.#fail('ehlo', 'EHLO refused', r);
    });
  }

  #afterEhlo(): void {
    const want = this.#opts.tls;
    if (!this.#tls && (want === 'required' || want === 'opportunistic')) {
      if (this.#ext.names.has('STARTTLS')) {
        this.#write('STARTTLS\r\n');
        this.#expect.push((r) => {
          if (r.code === 220) {
            this.#out.push({ type: 'starttls' });
            return;
          }
          if (want === 'required') {
            this.#fail('starttls', 'STARTTLS refused', r);
            return;
          }
          this.#authenticate();
        });
        return;
      }
      if (want === 'required') {
        this.#fail('starttls', 'the server does not offer STARTTLS', reply(530, '5.7.10', 'no STARTTLS'));
        return;
      }
    }
    this.#authenticate();
  }

  #authenticate(): void {
    const auth = this.#opts.auth;
    if (!auth) {
      this.#ready();
      return;
    }
    const mechs = this.#ext.auth;
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    const done = (r: Reply) => {
      if (r.code === 235) {
        this.#ready();
        return;
      }
      this.#fail('auth', 'authentication failed', r);
    };
    if (mechs.includes('PLAIN')) {
      this.#write(`AUTH PLAIN ${b64(`\0${auth.username}\0${auth.password}`)}\r\n`);
      this.#expect.push(done);
    } else if (mechs.includes('LOGIN')) {
      this.#write('AUTH LOGIN\r\n');
      this.#expect.push((r) => {
        if (r.code !== 334) {
          done(r);
          return;
        }
        this.#write(`${b64(auth.username)}\r\n`);
        this.#expect.push((r2) => {
          if (r2.code !== 334) {
            done(r2);
            return;
          }
          this.#write(`${b64(auth.password)}\r\n`);
          this.#expect.push(done);
        });
      });
    } else {
      const why = mechs.length
        ? `no supported mechanism in ${mechs.join(' ')}`
        : 'the server does not offer AUTH';
      this.#fail('auth', why, reply(530, '5.7.0', why));
      // A local failure: nothing to QUIT politely with beyond what #fail wrote.
    }
  }

  #ready(): void {
    this.#out.push({ type: 'ready', extensions: this.#ext });
  }
}

export function parseEhlo(r: Reply): Extensions {
  const ext: Extensions = { names: new Set(), maxSize: 0, auth: [] };
  for (const line of r.lines.slice(1)) {
    const [kw, ...args] = line.trim().split(/\s+/);
    if (!kw) continue;
    const name = kw.toUpperCase();
    ext.names.add(name);
    if (name === 'SIZE' && args[0] && /^\d+$/.test(args[0])) ext.maxSize = Number(args[0]);
    if (name === 'AUTH') ext.auth = args.map((a) => a.toUpperCase());
  }
  return ext;
}
