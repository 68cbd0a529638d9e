// The relay service: an SMTP server that puts what it accepts in the durable queue, and
// the scheduler that delivers from it through the resolver's MX answers. Only clients it
// is told to trust may relay (loopback by default: the signer and the filter beside it);
// everyone else is refused at RCPT, so it is never an open relay. A message is
// acknowledged only once it is on disk; a full disk answers 452 and loses nothing.
import { hostname as osHostname } from 'node:os';
import type { Resolver } from '../../dns/index.js';
import { isLoopback } from '../../dns/index.js';
import { foldField } from '../../mime/index.js';
import {
  DeliveryScheduler,
  MailQueue,
  mxRouter,
  type QueuedRecipient,
  type QueueEnvelope,
  QueueFullError,
  type RetryPolicy,
  type RouteHost,
} from '../../queue/index.js';
import { type Address, formatAddress, receivedValue, reply } from '../../smtp/index.js';
import type { Store } from '../../store/index.js';
import type { Logger } from '../log.js';
import { type SmtpServer, startSmtpServer } from '../smtp-server/index.js';
import type { TlsFiles } from '../tls-files.js';
import { type SmtpTransport, smtpTransport } from './transport.js';

export interface RelayOptions {
  spool: string;
  host: string;
  port: number;
  hostname?: string;
  resolver: Resolver;
  /** Delivery port (25; tests use another on loopback). */
  deliveryPort?: number;
  /** domain or "*" → hosts, before MX lookups. */
  routes?: Map<string, RouteHost[]>;
  /** May this client relay? Default: loopback only. */
  allowClient?: (remote: string) => boolean;
  /** Refuse new mail (452) when the spool's file system has less free space (default 64 MiB). */
  minFreeBytes?: number;
  policy?: Partial<RetryPolicy>;
  concurrency?: number;
  perDestination?: number;
  maxMessageSize?: number;
  fsync?: boolean;
  groupCommit?: boolean;
  /** STARTTLS for clients that ask. */
  tlsFiles?: TlsFiles;
  /** Outbound: STARTTLS when offered (default) or never. */
  outboundTls?: 'opportunistic' | 'none';
  timeoutMs?: number;
  /** How long a connection waits for another message to the same host (default 5 s; 0: not kept). */
  connectionCacheMs?: number;
  /**
   * Hosted domains and their aliases: a recipient of a hosted domain is expanded (forwards
   * to their targets, loops refused), and one that resolves to nobody is refused at RCPT.
   */
  store?: Store;
  log: Logger;
}

export interface Relay {
  server: SmtpServer;
  queue: MailQueue;
  scheduler: DeliveryScheduler;
  transport: SmtpTransport;
  close(): Promise<void>;
}

function addressText(a: Address): string {
  return formatAddress(a).replace(/^<|>$/g, '');
}

export async function startRelay(o: RelayOptions): Promise<Relay> {
  const hostname = o.hostname ?? osHostname();
  const log = o.log;
  const queue = new MailQueue(o.spool, {
    ...(o.fsync === undefined ? {} : { fsync: o.fsync }),
    ...(o.groupCommit === undefined ? {} : { groupCommit: o.groupCommit }),
  });
  const swept = await queue.open();
  if (swept.incoming || swept.orphanStatus) log('recovered', swept);
  const transport = smtpTransport({
    hostname,
    tls: o.outboundTls ?? 'opportunistic',
    timeoutMs: o.timeoutMs ?? 300_000,
    ...(o.connectionCacheMs === undefined ? {} : { keepMs: o.connectionCacheMs }),
  });
  const scheduler = new DeliveryScheduler({
    queue,
    hostname,
    transport,
    route: mxRouter({
      resolver: o.resolver,
      port: o.deliveryPort ?? 25,
      ...(o.routes ? { static: o.routes } : {}),
    }),
    ...(o.policy ? { policy: o.policy } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.perDestination ? { perDestination: o.perDestination } : {}),
    log: (event, fields) => log(event, fields as Parameters<Logger>[1]),
  });
  await scheduler.start();
  const allow = o.allowClient ?? isLoopback;
  /** A recipient as delivered: itself, or for a hosted domain its mailboxes and forwards. */
  const expand = (address: string): string[] => {
    const r = o.store?.resolveRecipient(address);
    if (r?.kind !== 'local') return [address];
    const out = [...r.mailboxes, ...r.forwards];
    return out.length ? out : [address];
  };
  const minFree = o.minFreeBytes ?? 64 * 1024 * 1024;
  const server = await startSmtpServer({
    host: o.host,
    port: o.port,
    hostname,
    ...(o.tlsFiles ? { tlsFiles: o.tlsFiles } : {}),
    ...(o.maxMessageSize ? { limits: { maxMessageSize: o.maxMessageSize } } : {}),
    log,
    handlers: {
      async mail() {
        if ((await queue.freeBytes()) < minFree)
          return { ok: false, reply: reply(452, '4.3.1', 'Insufficient system storage, try again later') };
        return { ok: true };
      },
      async rcpt(to, _params, _envelope, ctx) {
        if (!allow(ctx.remote)) return { ok: false, reply: reply(554, '5.7.1', 'Relay access denied') };
        if (to.domain === '') return { ok: false, reply: reply(550, '5.1.3', 'A domain is needed') };
        if (o.store) {
          await o.store.refresh();
          const r = o.store.resolveRecipient(addressText(to));
          if (r.kind === 'unknown') return { ok: false, reply: reply(550, '5.1.1', 'No such user here') };
          if (r.kind === 'error')
            return { ok: false, reply: reply(550, '5.4.6', `Alias error: ${r.reason}`) };
        }
        return { ok: true };
      },
      async open(envelope, ctx) {
        const seen = new Set<string>();
        const recipients: QueuedRecipient[] = [];
        for (const r of envelope.recipients) {
          const given = addressText(r.address);
          for (const address of expand(given)) {
            if (seen.has(address.toLowerCase())) continue;
            seen.add(address.toLowerCase());
            const q: QueuedRecipient = { address };
            if (r.params.notify) q.notify = r.params.notify;
            // The address the sender gave, for DSNs (RFC 3461 §4.2), when an alias changed it.
            if (r.params.orcpt) q.orcpt = r.params.orcpt;
            else if (address !== given) q.orcpt = `rfc822;${given}`;
            recipients.push(q);
          }
        }
        const env: QueueEnvelope = {
          from: envelope.from ? addressText(envelope.from) : '',
          recipients,
          arrived: Date.now(),
          client: ctx.remote.replace(/^::ffff:/, ''),
          helo: envelope.helo,
        };
        if (envelope.mailParams.ret) env.ret = envelope.mailParams.ret;
        if (envelope.mailParams.envid) env.envid = envelope.mailParams.envid;
        if (envelope.mailParams.smtputf8) env.smtputf8 = true;
        if (envelope.mailParams.body === '8BITMIME') env.eightBit = true;
        let incoming: Awaited<ReturnType<MailQueue['begin']>>;
        try {
          incoming = await queue.begin(env);
        } catch (err) {
          if (err instanceof QueueFullError)
            throw Object.assign(err, { reply: reply(452, '4.3.1', 'Insufficient system storage') });
          throw err;
        }
        const received = receivedValue({
          helo: envelope.helo,
          ip: env.client as string,
          by: hostname,
          esmtp: envelope.esmtp,
          tls: envelope.tls,
          authenticated: envelope.user !== undefined,
          smtputf8: envelope.mailParams.smtputf8 === true,
          id: incoming.id,
          for: envelope.recipients.length === 1 ? envelope.recipients[0]?.address : undefined,
          date: new Date(),
        });
        await incoming.write(Buffer.from(foldField('Received', received), 'utf8'));
        return {
          write: (chunk) => incoming.write(chunk),
          async commit() {
            try {
              const msg = await incoming.commit();
              scheduler.add(msg);
              return {
                reply: reply(250, '2.0.0', `OK queued as ${msg.id}`),
                fields: { queued: msg.id, rcpts: msg.envelope.recipients.length },
              };
            } catch (err) {
              if (err instanceof QueueFullError)
                throw Object.assign(err, { reply: reply(452, '4.3.1', 'Insufficient system storage') });
              throw err;
            }
          },
          abort: () => incoming.abort(),
        };
      },
    },
  });
  return {
    server,
    queue,
    scheduler,
    transport,
    async close() {
      await server.close();
      await scheduler.stop();
      await transport.close();
    },
  };
}
