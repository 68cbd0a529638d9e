// The scheduler's Transport over the SMTP client shell: one connection per transaction,
// STARTTLS when the server offers it (RFC 3207; certificates are not checked, as MTAs do
// without DANE or MTA-STS), replies turned into plain data.

import type { ReplyLine, Transport } from '../../queue/index.js';
import { parseAddress, type Reply, type TransactionResult } from '../../smtp/index.js';
import { ConnectError, type DeliverOutcome, deliver } from '../smtp-client/index.js';

export interface SmtpTransportOptions {
  hostname: string;
  tls: 'opportunistic' | 'none';
  timeoutMs: number;
}

function line(r: Reply): ReplyLine {
  const l: ReplyLine = { code: r.code, text: r.lines.join(' ') };
  if (r.enhanced) l.enhanced = r.enhanced;
  return l;
}

export function smtpTransport(o: SmtpTransportOptions): Transport {
  return async (req) => {
    const from = req.from === '' ? null : parseAddress(req.from);
    const recipients = req.recipients.map((r) => parseAddress(r));
    if (from === undefined || recipients.some((r) => r === undefined))
      return {
        kind: 'refused',
        reply: { code: 553, enhanced: '5.1.3', text: 'unusable address in the envelope' },
      };
    try {
      // Settled by the data reply (onResult) when there is one: QUIT goes on meanwhile.
      let early: ((r: TransactionResult) => void) | undefined;
      const answered = new Promise<TransactionResult>((r) => {
        early = r;
      });
      const session = deliver({
        host: req.address,
        port: req.port,
        servername: req.host,
        tls: o.tls,
        hostname: o.hostname,
        from,
        recipients: recipients as NonNullable<(typeof recipients)[number]>[],
        message: req.message,
        timeoutMs: o.timeoutMs,
        onResult: (r) => early?.(r),
      });
      const first = await Promise.race([answered, session]);
      // A failure of QUIT after the answer changes nothing.
      if ('mail' in first) session.catch(() => {});
      const out: DeliverOutcome =
        'mail' in first ? { result: first, tls: false, downconverted: false } : first;
      if (out.result) {
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
      return {
        kind: 'unreachable',
        reason: f.reply ? `${f.stage}: ${f.reply.code} ${f.message}` : f.message,
      };
    } catch (err) {
      if (err instanceof ConnectError) return { kind: 'unreachable', reason: err.message };
      throw err;
    }
  };
}
