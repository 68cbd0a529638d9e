// The filter: the receiver's next hop. It removes X-Spam-* fields that came from outside,
// classifies the message, and prepends its own; then each recipient is resolved through the
// store: local mailboxes get the message in their maildir (BASE/<address>/, made on first
// delivery) with Return-Path and Delivered-To, forwards go to the relay, ARC-sealed when a
// key is configured so that the next hop can trust the receiver's Authentication-Results.
// The 250 goes out only when every copy is durable: each maildir file is written, the relay
// has answered 250 for the forwards, and then the maildir files are committed (fsync, rename,
// fsync of new/). A mailbox that cannot be written answers 451 and nothing is kept, so the
// retry does not duplicate; a commit failing after the relay took its copy is the one
// window (logged) where a retry brings the forwards a second time.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ArcSealOptions, createArcSealer } from '../../arc/index.js';
import { isLoopback } from '../../dns/index.js';
import { syncDirectory } from '../../fs/index.js';
import { type Delivery, Maildir } from '../../maildir/index.js';
import { foldField } from '../../mime/index.js';
import {
  type Address,
  formatAddress,
  formatPath,
  type Reply,
  receivedValue,
  reply,
} from '../../smtp/index.js';
import { classify, type SpamModel } from '../../spam/index.js';
import type { Store } from '../../store/index.js';
import { forwardMessage, type NextHop } from '../forward.js';
import type { Logger } from '../log.js';
import { type SmtpServer, startSmtpServer } from '../smtp-server/index.js';
import { dmarcQuarantined, removeSpamFields, spamFieldBytes } from './header.js';

export interface FilterOptions {
  host: string;
  port: number;
  hostname: string;
  store: Store;
  /** The base directory of the maildirs: BASE/<user address>/. */
  maildirs: string;
  /** The relay, for forwards. */
  relay: NextHop;
  model: SpamModel;
  /** Shown in X-Spam-Status (the first 12 hex digits of the model's SHA-256). */
  modelId: string;
  /** The receiver's authserv-id: whose Authentication-Results we trust (and carry into ARC). */
  authservId: string;
  /** ARC-seal forwards with this key (authservId is the one above). */
  arc?: Omit<ArcSealOptions, 'authservId' | 'now'> | undefined;
  /** May this client send to us? Default: loopback only (the receiver beside us). */
  allowClient?: (remote: string) => boolean;
  maxMessageSize?: number;
  /** fsync maildir files and directories (default true). */
  fsync?: boolean;
  relayTimeoutMs?: number;
  now?: () => Date;
  log: Logger;
}

export interface Filter {
  server: SmtpServer;
  address: { host: string; port: number };
  state(): Record<string, number>;
  close(): Promise<void>;
}

const COUNTERS = [
  'messages',
  'ham',
  'spam',
  'unsure',
  'quarantined',
  'spamFieldsRemoved',
  'delivered',
  'forwarded',
  'sealed',
  'failed',
] as const;
type Counter = (typeof COUNTERS)[number];

function addressText(a: Address): string {
  return formatAddress(a).replace(/^<|>$/g, '');
}

function toAddress(text: string): Address {
  const at = text.lastIndexOf('@');
  return { local: text.slice(0, at), domain: text.slice(at + 1) };
}

/** The directory name of a mailbox: the address, made safe as one path component. */
export function mailboxDirName(address: string): string {
  return address.replace(/%/g, '%25').replace(/\//g, '%2F').replace(/^\./, '%2E').replace(/\0/g, '%00');
}

function failWith(r: Reply, message?: string): never {
  throw Object.assign(new Error(message ?? r.lines.join(' ')), { reply: r });
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export async function startFilter(o: FilterOptions): Promise<Filter> {
  const { log, store } = o;
  const now = o.now ?? (() => new Date());
  const fsync = o.fsync !== false;
  const allow = o.allowClient ?? isLoopback;
  const counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
  const max = o.maxMessageSize ?? 50 * 1024 * 1024;
  const maildirs = new Map<string, Promise<Maildir>>();

  /** The user's maildir, made (and its new entries fsynced up to BASE) on first delivery. */
  const mailbox = (address: string): Promise<Maildir> => {
    let m = maildirs.get(address);
    if (!m) {
      const dir = join(o.maildirs, mailboxDirName(address));
      m = (async () => {
        // cur/ is made last: with it, the maildir is whole (a crash may have left a part).
        if (await isDir(join(dir, 'cur'))) return Maildir.create(dir, { fsync });
        const made = await Maildir.create(dir, { fsync });
        if (fsync) {
          await syncDirectory(dir);
          await syncDirectory(o.maildirs);
        }
        log('maildir-created', { address, dir });
        return made;
      })();
      // A failure is not remembered: the next message tries again.
      m.catch(() => maildirs.delete(address));
      maildirs.set(address, m);
    }
    return m;
  };

  const seal = (message: Buffer): Buffer => {
    if (!o.arc) return message;
    const sealer = createArcSealer({
      ...o.arc,
      authservId: o.authservId,
      now: Math.floor(now().getTime() / 1000),
    });
    sealer.push(message);
    const r = sealer.end();
    if (!r.sealed) {
      log('arc-not-sealed', { code: r.code, reason: r.reason });
      return message;
    }
    counters.sealed++;
    return Buffer.concat([r.fields, message]);
  };

  const server = await startSmtpServer({
    host: o.host,
    port: o.port,
    hostname: o.hostname,
    limits: { maxMessageSize: max },
    log,
    handlers: {
      async rcpt(to, _params, _envelope, ctx) {
        if (!allow(ctx.remote)) return { ok: false, reply: reply(554, '5.7.1', 'Access denied') };
        try {
          await store.refresh();
        } catch (err) {
          log('store-error', { id: ctx.id, error: (err as Error).message });
          return { ok: false, reply: reply(451, '4.3.0', 'Temporary lookup failure, try again later') };
        }
        const r = store.resolveRecipient(to.domain === '' ? to.local : addressText(to));
        if (r.kind === 'local') return { ok: true };
        if (r.kind === 'remote') return { ok: false, reply: reply(554, '5.7.1', 'Not a hosted domain') };
        if (r.kind === 'error')
          return { ok: false, reply: reply(550, '5.4.6', 'Mailbox configuration error') };
        return { ok: false, reply: reply(550, '5.1.1', `${formatAddress(to)}: no such user here`) };
      },
      async open(envelope, ctx) {
        const chunks: Buffer[] = [];
        let size = 0;
        return {
          write(chunk) {
            size += chunk.length;
            if (size <= max) chunks.push(Buffer.from(chunk));
          },
          async abort() {
            chunks.length = 0;
          },
          async commit() {
            if (size > max) failWith(reply(552, '5.3.4', 'Message too big'));
            const date = now();
            // Where each recipient goes now (the store may have changed since RCPT).
            await store.refresh().catch((err: Error) => {
              failWith(reply(451, '4.3.0', 'Temporary lookup failure, try again later'), err.message);
            });
            const boxes = new Map<string, string>();
            const forwards = new Map<string, string>();
            for (const r of envelope.recipients) {
              const given = r.address.domain === '' ? r.address.local : addressText(r.address);
              const where = store.resolveRecipient(given);
              if (where.kind !== 'local') {
                log('recipient-gone', { id: ctx.id, to: given, kind: where.kind });
                continue;
              }
              for (const m of where.mailboxes) boxes.set(m.toLowerCase(), m);
              for (const f of where.forwards) forwards.set(f.toLowerCase(), f);
            }
            if (boxes.size === 0 && forwards.size === 0)
              failWith(reply(550, '5.1.1', 'No such user here (any more)'));

            const stripped = removeSpamFields(Buffer.concat(chunks));
            chunks.length = 0;
            counters.spamFieldsRemoved += stripped.removed;
            const verdict = classify(o.model, stripped.message);
            counters[verdict.verdict]++;
            const quarantine = dmarcQuarantined(stripped.fields, o.authservId);
            if (quarantine) counters.quarantined++;
            const received = receivedValue({
              helo: envelope.helo,
              ip: ctx.remote.replace(/^::ffff:(?=\d+\.)/, ''),
              by: o.hostname,
              esmtp: envelope.esmtp,
              tls: envelope.tls,
              authenticated: false,
              smtputf8: envelope.mailParams.smtputf8 === true,
              id: ctx.id,
              for: envelope.recipients.length === 1 ? envelope.recipients[0]?.address : undefined,
              date,
            });
            const ours = Buffer.concat([
              Buffer.from(foldField('Received', received), 'utf8'),
              spamFieldBytes(verdict, o.modelId, quarantine),
            ]);

            // 1. Every mailbox's copy written to tmp/ (nothing visible yet).
            const started = await Promise.allSettled(
              [...boxes.values()].map(async (address) => {
                const d = await (await mailbox(address)).begin().catch((err: Error) => {
                  // Made again next time, should it have been removed meanwhile.
                  maildirs.delete(address);
                  throw err;
                });
                try {
                  const trace =
                    foldField('Return-Path', formatPath(envelope.from)) + foldField('Delivered-To', address);
                  await d.write(Buffer.from(trace, 'utf8'));
                  await d.write(ours);
                  await d.write(stripped.message);
                } catch (err) {
                  await d.abort();
                  throw err;
                }
                return { address, d };
              }),
            );
            const copies: { address: string; d: Delivery }[] = [];
            let failed: Error | undefined;
            for (const s of started) {
              if (s.status === 'fulfilled') copies.push(s.value);
              else failed ??= s.reason as Error;
            }
            const abortAll = () => Promise.all(copies.map((c) => c.d.abort().catch(() => {})));
            if (failed) {
              await abortAll();
              counters.failed++;
              failWith(reply(451, '4.3.0', 'Mailbox delivery failed, try again later'), failed.message);
            }
            // 2. The forwards, on the relay's disk (its 250) before any copy is committed.
            if (forwards.size > 0) {
              try {
                await forwardMessage(
                  o.relay,
                  o.hostname,
                  envelope.from,
                  [...forwards.values()].map(toAddress),
                  seal(Buffer.concat([ours, stripped.message])),
                  o.relayTimeoutMs,
                );
              } catch (err) {
                await abortAll();
                counters.failed++;
                throw err;
              }
              counters.forwarded += forwards.size;
            }
            // 3. The mailboxes' copies made durable.
            const committed = await Promise.allSettled(copies.map((c) => c.d.commit()));
            const bad = committed.find((c) => c.status === 'rejected');
            if (bad) {
              await abortAll();
              counters.failed++;
              log('partial-delivery', {
                id: ctx.id,
                delivered: copies
                  .filter((_, i) => committed[i]?.status === 'fulfilled')
                  .map((c) => c.address),
                forwarded: [...forwards.values()],
              });
              failWith(
                reply(451, '4.3.0', 'Mailbox delivery failed, try again later'),
                (bad as PromiseRejectedResult).reason?.message,
              );
            }
            counters.messages++;
            counters.delivered += copies.length;
            return {
              reply: reply(
                250,
                '2.0.0',
                `OK delivered to ${copies.length} mailbox(es), ${forwards.size} forward(s)`,
              ),
              fields: {
                verdict: verdict.verdict,
                score: Number(verdict.score.toFixed(4)),
                quarantine,
                mailboxes: copies.map((c) => c.address),
                forwards: [...forwards.values()],
              },
            };
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
