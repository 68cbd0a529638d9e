// Handlers that deliver every accepted message into one maildir (`poste srv`): the
// message gets Return-Path and Received fields (RFC 5321 §4.4) ahead of its own header,
// and is fsynced into new/ before the 250.
import type { Maildir } from '../../maildir/index.js';
import { foldField } from '../../mime/index.js';
import { type Address, type Envelope, formatPath, receivedValue, reply } from '../../smtp/index.js';
import type { MessageSink, SessionContext, SmtpHandlers } from './index.js';
import type { Users } from './users.js';

export interface MaildirHandlersOptions {
  maildir: Maildir;
  hostname: string;
  /** With users: recipients must be users (by local part or whole address), and AUTH works. */
  users?: Users | undefined;
  now?: () => Date;
}

export function maildirHandlers(o: MaildirHandlersOptions): SmtpHandlers {
  const now = o.now ?? (() => new Date());
  const handlers: SmtpHandlers = {
    async open(envelope: Envelope, ctx: SessionContext): Promise<MessageSink> {
      const d = await o.maildir.begin();
      const one = envelope.recipients.length === 1 ? envelope.recipients[0]?.address : undefined;
      const received = receivedValue({
        helo: envelope.helo,
        ip: ctx.remote.replace(/^::ffff:/, ''),
        by: o.hostname,
        esmtp: envelope.esmtp,
        tls: envelope.tls,
        authenticated: envelope.user !== undefined,
        smtputf8: envelope.mailParams.smtputf8 === true,
        id: d.name.split('.').slice(0, 2).join('.'),
        for: one,
        date: now(),
      });
      const trace = `${foldField('Return-Path', formatPath(envelope.from))}${foldField('Received', received)}`;
      await d.write(Buffer.from(trace, 'utf8'));
      return {
        write: (chunk) => d.write(chunk),
        async commit() {
          const r = await d.commit();
          return {
            reply: reply(250, '2.0.0', `OK queued as ${r.name}`),
            fields: { file: r.name, stored: r.size },
          };
        },
        abort: () => d.abort(),
      };
    },
  };
  const users = o.users;
  if (users) {
    handlers.authenticate = (name, password) => users.verify(name, password);
    handlers.rcpt = (to: Address, _params, envelope) => {
      if (envelope.user || to.domain === '' || users.has(to.local) || users.has(`${to.local}@${to.domain}`)) {
        return { ok: true };
      }
      return { ok: false, reply: reply(550, '5.1.1', `${formatPath(to)}: no such user here`) };
    };
  }
  return handlers;
}
