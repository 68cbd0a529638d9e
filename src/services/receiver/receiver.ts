// The receiver: SMTP on port 25 for the hosted domains only. RCPT takes a recipient only
// when the store says where it goes (an unknown user is refused there, a domain we do not
// host is "relay access denied": never an open relay). SPF is checked at MAIL FROM and kept
// (logged, never a refusal on its own); after DATA the judgement of src/judge adds DKIM,
// DMARC and ARC, forged Authentication-Results are removed and ours is put on top with our
// Received field, and the message goes on to the filter synchronously (forward.ts): the
// client's 250 is the filter's, given once every copy is durable. A DMARC failure under
// p=reject is refused with 550 5.7.1 when configured (RFC 9989 lets the receiver decide);
// p=quarantine is left to the filter, which reads it from our Authentication-Results.
import type { Resolver } from '../../dns/index.js';
import { type Judgement, judgeMessage, judgeSpf } from '../../judge/index.js';
import { foldField } from '../../mime/index.js';
import { type Address, formatAddress, type Reply, receivedValue, reply } from '../../smtp/index.js';
import type { SpfResult } from '../../spf/index.js';
import type { Store } from '../../store/index.js';
import { forwardSink, type NextHop } from '../forward.js';
import type { LogFields, Logger } from '../log.js';
import { type SessionContext, type SmtpServer, startSmtpServer } from '../smtp-server/index.js';
import type { TlsFiles } from '../tls-files.js';

export interface ReceiverOptions {
  host: string;
  port: number;
  /** Our name: greeting, EHLO to the filter, Received. */
  hostname: string;
  /** The authserv-id of our Authentication-Results (default: hostname). */
  authservId?: string;
  /** STARTTLS, with files reloaded when renewed. */
  tlsFiles?: TlsFiles;
  store: Store;
  /** SPF, DKIM, DMARC and ARC lookups (the resolver service through a StubResolver). */
  resolver: Resolver;
  /** The filter. */
  next: NextHop;
  /** Refuse (550 5.7.1) a DMARC failure whose policy is reject (default true). */
  rejectOnDmarc?: boolean;
  /** Largest message accepted, in bytes (SIZE). */
  maxMessageSize?: number;
  /** Time allowed to the filter for one message (ms). */
  nextTimeoutMs?: number;
  /** The clock (Received dates, DKIM expiry). */
  now?: () => Date;
  log: Logger;
}

export interface Receiver {
  server: SmtpServer;
  address: { host: string; port: number };
  state(): Record<string, number>;
  close(): Promise<void>;
}

const COUNTERS = [
  'messages',
  'rejectedDmarc',
  'rejectedMalformed',
  'failed',
  'rcptUnknown',
  'rcptRelayDenied',
  'spfPass',
  'spfFail',
  'spfOther',
  'dkimPass',
  'dmarcPass',
  'dmarcFail',
  'dmarcQuarantine',
  'forgedRemoved',
] as const;
type Counter = (typeof COUNTERS)[number];

/** local@domain without angle brackets (quoted when the local part needs it). */
function addressText(a: Address): string {
  return formatAddress(a).replace(/^<|>$/g, '');
}

function clientIp(ctx: SessionContext): string {
  return ctx.remote.replace(/^::ffff:(?=\d+\.)/, '');
}

/** The reply to a DMARC p=reject failure (RFC 9989 §8.3 leaves the text to us). */
function dmarcRefusal(j: Judgement): Reply {
  const domain = j.dmarc.authorDomain ?? 'the author domain';
  return reply(550, '5.7.1', `Unauthenticated email from ${domain} is not accepted due to its DMARC policy`);
}

export async function startReceiver(o: ReceiverOptions): Promise<Receiver> {
  const { log, store, resolver } = o;
  const authservId = o.authservId ?? o.hostname;
  const rejectOnDmarc = o.rejectOnDmarc !== false;
  const now = o.now ?? (() => new Date());
  const counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
  const count = (c: Counter) => {
    counters[c]++;
  };
  // The SPF result of each session's current transaction, from its MAIL FROM.
  const spfOf = new WeakMap<SessionContext, Promise<SpfResult>>();

  const server = await startSmtpServer({
    host: o.host,
    port: o.port,
    hostname: o.hostname,
    ...(o.tlsFiles ? { tlsFiles: o.tlsFiles } : {}),
    ...(o.maxMessageSize ? { limits: { maxMessageSize: o.maxMessageSize } } : {}),
    log,
    handlers: {
      async mail(from, _params, ctx) {
        const sender = from ? addressText(from) : '';
        const spf = judgeSpf({
          ip: clientIp(ctx),
          helo: ctx.helo,
          sender,
          resolver,
          authservId,
          now: Math.floor(now().getTime() / 1000),
        });
        spfOf.set(ctx, spf);
        // Evaluated here, where RFC 7208 §2.4 places it; the verdict waits for DMARC.
        let r: SpfResult;
        try {
          r = await spf;
        } catch (err) {
          // Not a verdict (SPF results are typed): the judgement after DATA tries again.
          spfOf.delete(ctx);
          log('spf-error', { id: ctx.id, remote: ctx.remote, error: (err as Error).message });
          return { ok: true };
        }
        count(r.result === 'pass' ? 'spfPass' : r.result === 'fail' ? 'spfFail' : 'spfOther');
        log('spf', {
          id: ctx.id,
          remote: ctx.remote,
          sender,
          helo: ctx.helo,
          result: r.result,
          reason: r.reason,
        });
        return { ok: true };
      },
      async rcpt(to, _params, _envelope, ctx) {
        try {
          await store.refresh();
        } catch (err) {
          log('store-error', { id: ctx.id, error: (err as Error).message });
          return { ok: false, reply: reply(451, '4.3.0', 'Temporary lookup failure, try again later') };
        }
        // <Postmaster> alone (RFC 5321 §4.1.1.3) is ours; any other address needs a hosted domain.
        const bare = to.domain === '' && to.local.toLowerCase() === 'postmaster';
        if (!bare && (to.domain === '' || !store.isHostedDomain(to.domain))) {
          count('rcptRelayDenied');
          return { ok: false, reply: reply(554, '5.7.1', 'Relay access denied') };
        }
        const r = store.resolveRecipient(bare ? 'postmaster' : addressText(to));
        switch (r.kind) {
          case 'local':
            return { ok: true };
          case 'error':
            log('alias-error', { id: ctx.id, to: addressText(to), reason: r.reason });
            return { ok: false, reply: reply(550, '5.4.6', 'Mailbox configuration error') };
          default:
            count('rcptUnknown');
            return { ok: false, reply: reply(550, '5.1.1', `${formatAddress(to)}: no such user here`) };
        }
      },
      async open(envelope, ctx) {
        const ip = clientIp(ctx);
        const sender = envelope.from ? addressText(envelope.from) : '';
        const spf = spfOf.get(ctx);
        const date = now();
        let judged: Judgement | undefined;
        let refused = false;
        const sink = forwardSink({
          next: o.next,
          hostname: o.hostname,
          envelope,
          ...(o.maxMessageSize ? { maxBytes: o.maxMessageSize } : {}),
          ...(o.nextTimeoutMs ? { timeoutMs: o.nextTimeoutMs } : {}),
          async transform(message) {
            let j: Awaited<ReturnType<typeof judgeMessage>>;
            try {
              j = await judgeMessage(message, {
                ip,
                helo: envelope.helo,
                sender,
                resolver,
                authservId,
                now: Math.floor(date.getTime() / 1000),
                spf,
              });
            } catch (err) {
              const name = (err as Error).name;
              if (name !== 'AuthResError' && name !== 'DkimError') throw err;
              count('rejectedMalformed');
              refused = true;
              return {
                reject: reply(554, '5.6.0', `Message header not acceptable: ${(err as Error).message}`),
              };
            }
            judged = j;
            if (j.dkim.some((d) => d.result === 'pass')) count('dkimPass');
            if (j.removed > 0) counters.forgedRemoved += j.removed;
            if (j.dmarc.result === 'pass') count('dmarcPass');
            if (j.dmarc.result === 'fail') {
              count('dmarcFail');
              if (j.dmarc.disposition === 'reject' && rejectOnDmarc) {
                count('rejectedDmarc');
                refused = true;
                log('dmarc-reject', { id: ctx.id, remote: ctx.remote, ...verdictFields(j) });
                return { reject: dmarcRefusal(j) };
              }
              // Quarantine (or reject, when we do not refuse): our field says so to the filter.
              if (j.dmarc.disposition !== 'none') count('dmarcQuarantine');
            }
            const received = receivedValue({
              helo: envelope.helo,
              ip,
              by: o.hostname,
              esmtp: envelope.esmtp,
              tls: envelope.tls,
              authenticated: false,
              smtputf8: envelope.mailParams.smtputf8 === true,
              id: ctx.id,
              for: envelope.recipients.length === 1 ? envelope.recipients[0]?.address : undefined,
              date,
            });
            return Buffer.concat([j.field, Buffer.from(foldField('Received', received), 'utf8'), j.rest]);
          },
        });
        return {
          write: (chunk) => sink.write(chunk),
          abort: () => sink.abort(),
          async commit() {
            try {
              const r = await sink.commit();
              count('messages');
              return { ...r, fields: { ...r.fields, ...(judged ? verdictFields(judged) : {}) } };
            } catch (err) {
              if (!refused) count('failed');
              throw err;
            }
          },
        };
      },
    },
  });

  return {
    server,
    address: server.address,
    state: () => ({ ...counters, sessions: server.sessions }),
    close: () => server.close(),
  };
}

/** The verdicts, for the log line of a message. */
function verdictFields(j: Judgement): LogFields {
  return {
    spf: j.spf.result,
    dkim: j.dkim.map((d) => `${d.result}${d.domain ? `:${d.domain}` : ''}`),
    dmarc: j.dmarc.result,
    disposition: j.dmarc.disposition,
    headerFrom: j.dmarc.authorDomain,
    arc: j.arc.cv,
    forged: j.removed,
  };
}
