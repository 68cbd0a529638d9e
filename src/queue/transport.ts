// What the scheduler needs from an SMTP client, as plain data: the service plugs in the
// real client (src/services/smtp-client); tests plug in scripted servers.
import type { MessageSource } from '../smtp/index.js';

export interface ReplyLine {
  code: number;
  enhanced?: string;
  text: string;
}

export interface TransportRequest {
  /** The MX host's name (for logs, DSNs and TLS) and the address to connect to. */
  host: string;
  address: string;
  port: number;
  from: string;
  recipients: string[];
  /** Read from the spool a chunk at a time, again for each host tried. */
  message: MessageSource;
}

export type TransportResult =
  /** No SMTP session (refused, timed out, TLS broke, greeting or EHLO 4xx): try the next host. */
  | { kind: 'unreachable'; reason: string }
  /** The session refused the whole transaction (MAIL, or a 5xx greeting). */
  | { kind: 'refused'; reply: ReplyLine }
  /** Per-recipient replies; `data` is the reply to the message when any recipient was accepted. */
  | { kind: 'done'; recipients: Record<string, ReplyLine>; data?: ReplyLine };

export type Transport = (req: TransportRequest) => Promise<TransportResult>;

export function replyString(r: ReplyLine): string {
  return `${r.code}${r.enhanced ? ` ${r.enhanced}` : ''} ${r.text}`.trim();
}
