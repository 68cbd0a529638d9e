// Loopback mail peers for relay tests: a receiving SMTP server whose answers a test
// scripts (accept, 451 for a while, 550) and which counts Message-IDs, a sender, and a
// zone resolver for MX answers.
import { parseZone, type Resolver, Zone, ZoneResolver } from '../../src/dns/index.js';
import { silentLogger } from '../../src/services/log.js';
import { deliver } from '../../src/services/smtp-client/index.js';
import { type SmtpServer, startSmtpServer } from '../../src/services/smtp-server/index.js';
import { type Address, type Reply, reply } from '../../src/smtp/index.js';

export function zoneResolver(origin: string, text: string): Resolver {
  const file = parseZone(text, { origin });
  return new ZoneResolver([new Zone(origin, file.records)]);
}

export interface Received {
  from: string;
  to: string[];
  data: Buffer;
  messageId: string | undefined;
}

export interface Sink {
  server: SmtpServer;
  port: number;
  received: Received[];
  /** Message-ID → how many times it arrived. */
  counts: Map<string, number>;
  /** Decides the reply to each message's data (default: 250). */
  answer: (n: number, msg: Received) => Reply | undefined;
  /** Decides RCPT (default: accept). */
  rcpt: (to: string) => Reply | undefined;
  close(): Promise<void>;
}

function messageIdOf(data: Buffer): string | undefined {
  const head = data.subarray(0, Math.max(0, data.indexOf('\r\n\r\n'))).toString('latin1');
  return /^message-id:\s*(<[^>]*>)/im.exec(head)?.[1];
}

export async function startSink(host: string, port = 0): Promise<Sink> {
  const sink = {
    received: [] as Received[],
    counts: new Map<string, number>(),
    answer: (() => undefined) as Sink['answer'],
    rcpt: (() => undefined) as Sink['rcpt'],
  } as Sink;
  let n = 0;
  sink.server = await startSmtpServer({
    host,
    port,
    hostname: 'sink.test',
    log: silentLogger,
    handlers: {
      rcpt: (to) => {
        const r = sink.rcpt(`${to.local}@${to.domain}`);
        return r ? { ok: false, reply: r } : { ok: true };
      },
      async open(envelope) {
        const chunks: Buffer[] = [];
        return {
          write: (c) => {
            chunks.push(Buffer.from(c));
          },
          async commit() {
            const data = Buffer.concat(chunks);
            const msg: Received = {
              from: envelope.from ? `${envelope.from.local}@${envelope.from.domain}` : '',
              to: envelope.recipients.map((r) => `${r.address.local}@${r.address.domain}`),
              data,
              messageId: messageIdOf(data),
            };
            const r = sink.answer(++n, msg);
            if (r && r.code >= 400) throw Object.assign(new Error('scripted'), { reply: r });
            sink.received.push(msg);
            if (msg.messageId) sink.counts.set(msg.messageId, (sink.counts.get(msg.messageId) ?? 0) + 1);
            return r ? { reply: r } : {};
          },
          async abort() {},
        };
      },
    },
  });
  sink.port = sink.server.address.port;
  sink.close = () => sink.server.close();
  return sink;
}

export function addr(a: string): Address {
  const at = a.lastIndexOf('@');
  return { local: a.slice(0, at), domain: a.slice(at + 1) };
}

/** Sends one message; resolves with the reply to the data (or the failure). */
export async function send(
  port: number,
  from: string,
  to: string[],
  message: Uint8Array,
  host = '127.0.0.1',
) {
  const out = await deliver({
    host,
    port,
    tls: 'none',
    hostname: 'client.test',
    from: from === '' ? null : addr(from),
    recipients: to.map(addr),
    message,
    timeoutMs: 10_000,
  });
  return out;
}

export function testMessage(id: string, to = 'b@example.net', extra = ''): Buffer {
  return Buffer.from(
    `From: a@example.org\r\nTo: ${to}\r\nSubject: test ${id}\r\nMessage-ID: <${id}@example.org>\r\n${extra}\r\nbody of ${id}\r\n`,
  );
}

export { reply };
