// Runs a server session's actions against a handler: the one loop every shell (socket,
// in-memory test, pipe) shares. Replies are batched and written together, so a pipelined
// group of commands costs one write (RFC 2920 §3); an ask is awaited and answered before
// anything later is looked at, so decisions stay in command order.
import type { Ask, Decision, Envelope, ServerAction, ServerSession } from './server.js';

export interface ServerHandler {
  /** Bytes to write to the client (replies, possibly several at once). */
  write(data: Uint8Array): void | Promise<void>;
  decide(ask: Ask): Decision | Promise<Decision>;
  messageStart?(envelope: Envelope): void | Promise<void>;
  messageData?(chunk: Uint8Array): void | Promise<void>;
  messageAbort?(reason: string): void | Promise<void>;
  /** Upgrades the connection to TLS; the session resumes once it resolves. */
  startTls?(): Promise<void>;
  close(reason: string): void;
  /** Every action as it is run (logging). */
  observe?(action: ServerAction): void;
}

export async function drive(
  session: ServerSession,
  actions: ServerAction[],
  h: ServerHandler,
): Promise<void> {
  let pending: Uint8Array[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const data = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending);
    pending = [];
    await h.write(data);
  };
  let queue = actions;
  while (queue.length > 0) {
    let next: ServerAction[] = [];
    for (const a of queue) {
      h.observe?.(a);
      switch (a.type) {
        case 'send':
          pending.push(a.data);
          break;
        case 'message-start':
          await h.messageStart?.(a.envelope);
          break;
        case 'message-data':
          await h.messageData?.(a.chunk);
          break;
        case 'message-abort':
          await h.messageAbort?.(a.reason);
          break;
        case 'starttls':
          await flush();
          if (!h.startTls) throw new Error('STARTTLS offered by a shell that cannot start TLS');
          await h.startTls();
          next = session.tlsStarted();
          break;
        case 'close':
          await flush();
          h.close(a.reason);
          break;
        case 'ask':
          // The final reply to a message waits on storage: tell the client the rest first.
          if (a.ask.kind === 'message') await flush();
          next = session.answer(await h.decide(a.ask));
          break;
      }
    }
    queue = next;
  }
  await flush();
}
