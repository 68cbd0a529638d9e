// The submission service (RFC 6409): where the users of the hosted domains hand in their
// mail. SMTP with STARTTLS on `listen` (587) and, optionally, TLS from the first byte on
// `listenTls` (465, RFC 8314). Every message needs AUTH (PLAIN or LOGIN, offered only under
// TLS, or to loopback clients when `authPlaintextLoopback`), checked against the store; the
// envelope sender and the From field must belong to the authenticated user; recipients may
// be anywhere. Accepted mail gets a Received field (ESMTPSA, RFC 3848) and goes on to the
// signer synchronously (forward.ts): the client's 250 is the signer's, so nothing is lost
// when the next hop is down (the client gets a 451 and retries).
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { foldField } from '../../mime/index.js';
import { receivedValue, reply, type Address as SmtpAddress } from '../../smtp/index.js';
import {
  addressKey,
  baseLocalPart,
  formatAddress,
  openStore,
  parseAddress,
  type Store,
} from '../../store/index.js';
import type { Schema } from '../config.js';
import { forwardSink, type NextHop } from '../forward.js';
import type { Logger } from '../log.js';
import type { RunningService, ServiceDefinition } from '../service.js';
import { type SmtpServer, startSmtpServer } from '../smtp-server/index.js';
import { TlsFiles } from '../tls-files.js';
import { authors } from './headers.js';

export interface SubmissionConfig {
  hostname: string;
  listen: NextHop;
  listenTls?: NextHop;
  tls: { cert: string; key: string };
  store: string;
  next: NextHop;
  authPlaintextLoopback: boolean;
  maxSize: number;
}

export const submissionSchema: Schema = {
  hostname: { type: 'string', required: true, doc: 'our name in the greeting and the Received field' },
  listen: {
    type: 'address',
    required: true,
    doc: 'ADDR:PORT of SMTP with STARTTLS (587 in production)',
  },
  listenTls: { type: 'address', doc: 'ADDR:PORT of SMTP over implicit TLS (465); none when absent' },
  tls: {
    type: 'object',
    required: true,
    doc: 'the certificate, reloaded when its files are replaced (acme renewals)',
    fields: {
      cert: { type: 'string', required: true, doc: 'PEM certificate chain file' },
      key: { type: 'string', required: true, doc: 'PEM private key file' },
    },
  },
  store: { type: 'string', required: true, doc: 'the store directory (users, aliases)' },
  next: { type: 'address', required: true, doc: 'ADDR:PORT of the signer, where accepted mail goes' },
  authPlaintextLoopback: {
    type: 'boolean',
    default: false,
    doc: 'offer AUTH without TLS to loopback clients (a local webmail); never to others',
  },
  maxSize: {
    type: 'integer',
    default: 52_428_800,
    min: 1024,
    doc: 'largest message in bytes (the SIZE announced)',
  },
};

/**
 * Whether `user` (an authenticated store user) may use `address` as envelope sender or in
 * From: their own address, a subaddress of it (user+tag@domain), or an explicit alias
 * (`info@domain: user`, directly or through other aliases) that delivers to them, or a
 * subaddress of such an alias. Catch-alls and the postmaster fallback do not count: being
 * the catch-all's target does not make every address of the domain one's own. Local parts
 * compare case-insensitively, domains in their lower-case ASCII form.
 */
export function ownsAddress(store: Store, user: string, address: string): boolean {
  const u = parseAddress(user);
  const a = parseAddress(address);
  if (!u || !a) return false;
  const me = addressKey(u);
  const base = baseLocalPart(a.local);
  const candidates = [a, ...(base ? [{ local: base, domain: a.domain }] : [])];
  const aliasKeys = new Set(
    store
      .aliases()
      .map((x) => parseAddress(x.address))
      .filter((x) => x !== undefined)
      .map(addressKey),
  );
  for (const c of candidates) {
    if (addressKey(c) === me) return true;
    if (!aliasKeys.has(addressKey(c))) continue;
    const r = store.resolveRecipient(formatAddress(c));
    if (r.kind === 'local' && r.mailboxes.some((m) => parseAddress(m) && addressKey(parseAddress(m)!) === me))
      return true;
  }
  return false;
}

function smtpText(a: SmtpAddress): string {
  return `${a.local}@${a.domain}`;
}

export interface SubmissionOptions {
  hostname: string;
  listen: NextHop;
  listenTls?: NextHop | undefined;
  tlsFiles: { cert: string; key: string };
  store: Store;
  next: NextHop;
  authPlaintextLoopback?: boolean;
  maxSize?: number;
  log: Logger;
}

export interface Submission extends RunningService {
  servers: SmtpServer[];
}

export async function startSubmission(o: SubmissionOptions): Promise<Submission> {
  const { store, log } = o;
  const maxSize = o.maxSize ?? 52_428_800;
  const counters = {
    authOk: 0,
    authFailed: 0,
    accepted: 0,
    refusedSender: 0,
    refusedFrom: 0,
    failed: 0,
  };
  const refresh = async () => {
    try {
      await store.refresh();
    } catch (e) {
      // A bad file keeps the previous state (the store's rule): log and serve on.
      log('store-error', { error: (e as Error).message });
    }
  };

  const start = (listen: NextHop, implicitTls: boolean) =>
    startSmtpServer({
      host: listen.host,
      port: listen.port,
      hostname: o.hostname,
      tlsFiles: new TlsFiles({ certFile: o.tlsFiles.cert, keyFile: o.tlsFiles.key }),
      implicitTls,
      authPlaintextLoopback: o.authPlaintextLoopback === true,
      requireAuth: true,
      limits: { maxMessageSize: maxSize },
      log,
      handlers: {
        async authenticate(username, password) {
          await refresh();
          const ok = await store.verifyPassword(username, password);
          if (ok) counters.authOk++;
          else counters.authFailed++;
          return ok;
        },
        async mail(from, _params, ctx) {
          if (!ctx.user) return { ok: false, reply: reply(530, '5.7.0', 'Authentication required') };
          // The null sender is allowed (MDNs use it, RFC 8098 §3); From is checked after DATA.
          if (from === null) return { ok: true };
          await refresh();
          if (!ownsAddress(store, ctx.user, smtpText(from))) {
            counters.refusedSender++;
            log('sender-refused', { id: ctx.id, user: ctx.user, from: smtpText(from) });
            return {
              ok: false,
              reply: reply(553, '5.7.1', `Sender address not owned by ${ctx.user}`),
            };
          }
          return { ok: true };
        },
        async rcpt(to, _params, _envelope, ctx) {
          // Never an open relay: requireAuth refuses MAIL already; this is the second lock.
          if (!ctx.user) return { ok: false, reply: reply(554, '5.7.1', 'Relay access denied') };
          if (to.domain === '') return { ok: false, reply: reply(550, '5.1.3', 'A domain is needed') };
          return { ok: true };
        },
        async open(envelope, ctx) {
          const user = ctx.user;
          const id = `${ctx.id}${randomBytes(3).toString('hex')}`;
          const received = receivedValue({
            helo: envelope.helo,
            ip: ctx.remote.replace(/^::ffff:/, ''),
            by: o.hostname,
            esmtp: envelope.esmtp,
            tls: envelope.tls,
            authenticated: true,
            smtputf8: envelope.mailParams.smtputf8 === true,
            id,
            for: envelope.recipients.length === 1 ? envelope.recipients[0]?.address : undefined,
            date: new Date(),
          });
          const sink = forwardSink({
            next: o.next,
            hostname: o.hostname,
            envelope,
            maxBytes: maxSize,
            transform: async (message) => {
              if (!user) return { reject: reply(530, '5.7.0', 'Authentication required') };
              const a = authors(message);
              const bad = (why: string) => {
                counters.refusedFrom++;
                log('from-refused', { id: ctx.id, user, reason: why });
                return { reject: reply(550, '5.7.1', why) };
              };
              if (a.fromFields !== 1) return bad(`Exactly one From field is needed, not ${a.fromFields}`);
              if (a.from.length === 0) return bad('The From field holds no address');
              if (a.from.length > 1 && a.sender.length !== 1)
                return bad('A From field with several mailboxes needs a Sender (RFC 5322 3.6.2)');
              await refresh();
              for (const addr of [...a.from, ...a.sender])
                if (!ownsAddress(store, user, addr)) return bad(`From address ${addr} not owned by ${user}`);
              return Buffer.concat([Buffer.from(foldField('Received', received), 'utf8'), message]);
            },
          });
          return {
            write: (chunk) => sink.write(chunk),
            async commit() {
              try {
                const r = await sink.commit();
                counters.accepted++;
                return { ...r, fields: { ...r.fields, user, submission: id } };
              } catch (e) {
                counters.failed++;
                throw e;
              }
            },
            abort: () => sink.abort(),
          };
        },
      },
    });

  const servers: SmtpServer[] = [];
  try {
    servers.push(await start(o.listen, false));
    if (o.listenTls) servers.push(await start(o.listenTls, true));
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }
  const [plain, implicit] = servers as [SmtpServer, SmtpServer | undefined];
  return {
    servers,
    listeners: {
      submission: { ...plain.address, protocol: 'smtp' },
      ...(implicit ? { submissions: { ...implicit.address, protocol: 'smtps' } } : {}),
    },
    state: () => ({ sessions: servers.reduce((n, s) => n + s.sessions, 0), ...counters }),
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

function inBase(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

export const submissionService: ServiceDefinition<SubmissionConfig> = {
  name: 'submission',
  summary: 'SMTP submission (587 STARTTLS, 465 TLS) for authenticated users; passes mail to the signer',
  schema: submissionSchema,
  async start(config, ctx) {
    const store = await openStore(inBase(ctx.baseDir, config.store));
    return startSubmission({
      hostname: config.hostname,
      listen: config.listen,
      listenTls: config.listenTls,
      tlsFiles: { cert: inBase(ctx.baseDir, config.tls.cert), key: inBase(ctx.baseDir, config.tls.key) },
      store,
      next: config.next,
      authPlaintextLoopback: config.authPlaintextLoopback,
      maxSize: config.maxSize,
      log: ctx.log,
    });
  },
  paths(config, baseDir) {
    return {
      read: [
        inBase(baseDir, config.store),
        inBase(baseDir, config.tls.cert),
        inBase(baseDir, config.tls.key),
      ],
      write: [],
      // openStore asks git where the repository is.
      childProcess: true,
    };
  },
};
