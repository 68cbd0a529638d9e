// The scheduler's Transport over the SMTP client shell: STARTTLS when the server offers it
// (RFC 3207; certificates are not checked, as MTAs do without DANE or MTA-STS), replies
// turned into plain data. A connection that has carried a message waits a few seconds for
// the next one to the same host (RFC 5321 §3.3: a session may hold many transactions), as
// Postfix's connection cache does: a burst to one destination then costs one TCP and TLS
// handshake, not one per message. A connection found closed when reused (the server's idle
// timeout) is replaced by a fresh one at once.

import type { ReplyLine, Transport, TransportRequest, TransportResult } from '../../queue/index.js';
import { type Address, type ClientFailure, parseAddress, type Reply } from '../../smtp/index.js';
import {
  ConnectError,
  type DeliverOutcome,
  type Envelope,
  openConnection,
  type SmtpConnection,
} from '../smtp-client/index.js';

export interface SmtpTransportOptions {
  hostname: string;
  tls: 'opportunistic' | 'none';
  timeoutMs: number;
  /** How long a connection waits for another message to the same host, in ms (0: closed at once). */
  keepMs?: number;
  /** Messages one connection carries at most before it is closed. */
  maxPerConnection?: number;
  /** At close, how long the waiting connections are given to answer QUIT. */
  closeWaitMs?: number;
}

export interface SmtpTransportStats {
  /** Connections opened. */
  opened: number;
  /** Messages sent over a connection kept from an earlier one. */
  reused: number;
  /** Connections waiting for the next message now. */
  waiting: number;
}

export interface SmtpTransport extends Transport {
  stats(): SmtpTransportStats;
  /** Says QUIT on every waiting connection; later connections are not kept. */
  close(): Promise<void>;
}

export const DEFAULT_KEEP_MS = 5_000;
export const DEFAULT_MAX_PER_CONNECTION = 100;
export const DEFAULT_CLOSE_WAIT_MS = 5_000;

function line(r: Reply): ReplyLine {
  const l: ReplyLine = { code: r.code, text: r.lines.join(' ') };
  if (r.enhanced) l.enhanced = r.enhanced;
  return l;
}

/** The outcome of a session as the scheduler sees it. */
function toResult(req: TransportRequest, out: DeliverOutcome | { failure: ClientFailure }): TransportResult {
  if ('result' in out && out.result) {
    const byAddress: Record<string, ReplyLine> = {};
    out.result.recipients.forEach((r, i) => {
      byAddress[req.recipients[i] as string] = line(r.reply);
    });
    const res: { kind: 'done'; recipients: Record<string, ReplyLine>; data?: ReplyLine } = {
      kind: 'done',
      recipients: byAddress,
    };
    if (out.result.data) res.data = line(out.result.data);
    return res;
  }
  const f = out.failure;
  if (!f) return { kind: 'unreachable', reason: 'the session ended without a result' };
  if (f.reply && f.reply.code >= 500 && (f.stage === 'mail' || f.stage === 'ehlo'))
    return { kind: 'refused', reply: line(f.reply) };
  if (f.stage === 'mail' && f.reply) return { kind: 'refused', reply: line(f.reply) };
  return { kind: 'unreachable', reason: f.reply ? `${f.stage}: ${f.reply.code} ${f.message}` : f.message };
}

interface Waiting {
  connection: SmtpConnection;
  timer: ReturnType<typeof setTimeout>;
}

export function smtpTransport(o: SmtpTransportOptions): SmtpTransport {
  const keepMs = o.keepMs ?? DEFAULT_KEEP_MS;
  const maxPer = o.maxPerConnection ?? DEFAULT_MAX_PER_CONNECTION;
  const pool = new Map<string, Waiting[]>();
  const counts = { opened: 0, reused: 0 };
  let closing = false;

  const drop = (key: string, w: Waiting): void => {
    const list = pool.get(key);
    const at = list?.indexOf(w) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
    if (list?.length === 0) pool.delete(key);
    clearTimeout(w.timer);
  };

  /** A waiting connection to the host, still open; undefined when there is none. */
  const take = (key: string): SmtpConnection | undefined => {
    for (let w = pool.get(key)?.at(-1); w; w = pool.get(key)?.at(-1)) {
      drop(key, w);
      if (w.connection.idle) {
        w.connection.hold(true);
        return w.connection;
      }
    }
    return undefined;
  };

  /** After a message: the connection waits for the next one, or says QUIT. */
  const put = (key: string, c: SmtpConnection): void => {
    if (closing || keepMs <= 0 || !c.idle || c.transactions >= maxPer) {
      void c.quit().catch(() => {});
      return;
    }
    c.hold(false);
    const w: Waiting = {
      connection: c,
      timer: setTimeout(() => {
        drop(key, w);
        void c.quit().catch(() => {});
      }, keepMs),
    };
    w.timer.unref?.();
    const list = pool.get(key) ?? [];
    list.push(w);
    pool.set(key, list);
    // Closed by the server meanwhile: forgotten.
    void c.closed.then(() => drop(key, w));
  };

  /** One message; the connection is closed if the message cannot be read (the spool). */
  const send = async (c: SmtpConnection, envelope: Envelope): Promise<DeliverOutcome> => {
    try {
      return await c.send(envelope);
    } catch (err) {
      void c.quit().catch(() => {});
      throw err;
    }
  };

  const transport = async (req: TransportRequest): Promise<TransportResult> => {
    const from = req.from === '' ? null : parseAddress(req.from);
    const recipients = req.recipients.map((r) => parseAddress(r));
    if (from === undefined || recipients.some((r) => r === undefined))
      return {
        kind: 'refused',
        reply: { code: 553, enhanced: '5.1.3', text: 'unusable address in the envelope' },
      };
    const envelope: Envelope = { from, recipients: recipients as Address[], message: req.message };
    const key = `${req.address}|${req.port}|${req.host}`;
    try {
      let c = take(key);
      if (c) {
        const out = await send(c, envelope);
        // Closed while it waited (gone without a word to this message), or closing now
        // (421 at MAIL): nothing was sent, so a fresh connection duplicates nothing.
        const lost = out.result ? out.result.mail.code === 421 : out.unanswered === true;
        if (!lost) {
          counts.reused++;
          put(key, c);
          return toResult(req, out);
        }
        void c.quit().catch(() => {});
      }
      const opened = await openConnection({
        host: req.address,
        port: req.port,
        servername: req.host,
        tls: o.tls,
        hostname: o.hostname,
        timeoutMs: o.timeoutMs,
      });
      counts.opened++;
      if ('failure' in opened) return toResult(req, opened);
      c = opened.connection;
      const out = await send(c, envelope);
      put(key, c);
      return toResult(req, out);
    } catch (err) {
      if (err instanceof ConnectError) return { kind: 'unreachable', reason: err.message };
      throw err;
    }
  };

  return Object.assign(transport, {
    stats: (): SmtpTransportStats => {
      let waiting = 0;
      for (const list of pool.values()) waiting += list.length;
      return { ...counts, waiting };
    },
    close: async (): Promise<void> => {
      closing = true;
      const all = [...pool.entries()].flatMap(([key, list]) => list.map((w) => [key, w] as const));
      for (const [key, w] of all) drop(key, w);
      // QUIT, and a server that has not closed within a few seconds is left without it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const patience = new Promise<void>((r) => {
        timer = setTimeout(r, o.closeWaitMs ?? DEFAULT_CLOSE_WAIT_MS);
      });
      await Promise.race([Promise.all(all.map(([, w]) => w.connection.quit().catch(() => {}))), patience]);
      clearTimeout(timer);
      for (const [, w] of all) w.connection.destroy();
    },
  });
}
