// Passing a message on to the next service in the chain (submission → signer → relay,
// receiver → filter → relay), synchronously: the message is collected, changed if the
// service needs to (sign it, stamp it), sent to the next hop, and the client is answered
// with the next hop's own reply. So a 250 anywhere in the chain means the message is on
// disk at its end (the relay's spool or a maildir), and a next hop that is down gives the
// client a 451 to retry, never a lost message.
import { type Address, type Envelope, type Reply, reply } from '../smtp/index.js';
import { ConnectError, deliver } from './smtp-client/index.js';
import type { MessageSink } from './smtp-server/index.js';

export interface NextHop {
  host: string;
  port: number;
}

/** What a service does with a whole message before it goes on: new bytes, or a refusal. */
export type Transform = (message: Buffer) => Promise<Buffer | { reject: Reply }> | Buffer | { reject: Reply };

export interface ForwardOptions {
  next: NextHop;
  /** Our EHLO name. */
  hostname: string;
  envelope: Envelope;
  /** The recipients to send to (default: the envelope's). */
  recipients?: Address[];
  transform?: Transform;
  /** Largest message collected (the SIZE limit of the server in front). */
  maxBytes?: number;
  timeoutMs?: number;
}

function fail(r: Reply): never {
  throw Object.assign(new Error(r.lines.join(' ')), { reply: r });
}

/** Sends one message to the next hop; resolves with its reply to the data, throws with a `reply` otherwise. */
export async function forwardMessage(
  next: NextHop,
  hostname: string,
  from: Address | null,
  recipients: Address[],
  message: Uint8Array,
  timeoutMs = 120_000,
): Promise<Reply> {
  let out: Awaited<ReturnType<typeof deliver>>;
  try {
    out = await deliver({
      host: next.host,
      port: next.port,
      tls: 'none',
      hostname,
      from,
      recipients,
      message,
      timeoutMs,
    });
  } catch (e) {
    if (e instanceof ConnectError) fail(reply(451, '4.4.1', `Next hop unavailable, try again later`));
    throw e;
  }
  const data = out.result?.data;
  if (data && data.code < 300) return data;
  // Every recipient must have been taken: a partial acceptance cannot be told to our client.
  const refused = out.result?.recipients.find((r) => r.reply.code >= 300)?.reply;
  const why = refused ?? data ?? out.failure?.reply;
  if (why && why.code >= 500) fail(why);
  fail(reply(451, '4.4.2', `Next hop did not accept the message${why ? `: ${why.lines.join(' ')}` : ''}`));
}

/** A MessageSink that collects the message, transforms it, and forwards it on commit. */
export function forwardSink(o: ForwardOptions): MessageSink {
  const chunks: Buffer[] = [];
  let size = 0;
  const max = o.maxBytes ?? 64 * 1024 * 1024;
  return {
    write(chunk) {
      size += chunk.length;
      if (size <= max) chunks.push(Buffer.from(chunk));
    },
    async commit() {
      if (size > max) fail(reply(552, '5.3.4', 'Message too big'));
      let message: Buffer = Buffer.concat(chunks);
      if (o.transform) {
        const t = await o.transform(message);
        if ('reject' in t) fail(t.reject);
        message = t;
      }
      const r = await forwardMessage(
        o.next,
        o.hostname,
        o.envelope.from,
        o.recipients ?? o.envelope.recipients.map((x) => x.address),
        message,
        o.timeoutMs,
      );
      return { reply: r, fields: { next: `${o.next.host}:${o.next.port}`, nextReply: r.lines.join(' ') } };
    },
    async abort() {
      chunks.length = 0;
    },
  };
}
