// The Received trace field (RFC 5321 §4.4), with the protocol keywords of RFC 3848 and
// RFC 6531 §3.7.3 (ESMTPSA, UTF8SMTPS, ...). Pure: the time comes in.
import { formatDate } from '../mime/index.js';
import { type Address, formatPath } from './address.js';

export interface ReceivedInfo {
  /** What the client said in HELO/EHLO. */
  helo: string;
  /** The client's IP address. */
  ip: string;
  /** Its name from reverse DNS, when known. */
  rdns?: string | undefined;
  /** Our host name. */
  by: string;
  esmtp: boolean;
  tls: boolean;
  authenticated: boolean;
  smtputf8: boolean;
  id?: string | undefined;
  /** Named only when there is exactly one recipient (privacy, RFC 5321 §7.6). */
  for?: Address | undefined;
  date: Date;
}

export function protocolKeyword(
  i: Pick<ReceivedInfo, 'esmtp' | 'tls' | 'authenticated' | 'smtputf8'>,
): string {
  if (!i.esmtp) return 'SMTP';
  const base = i.smtputf8 ? 'UTF8SMTP' : 'ESMTP';
  return `${base}${i.tls ? 'S' : ''}${i.authenticated ? 'A' : ''}`;
}

/** The field's value (without "Received: "), on one line; fold it when writing. */
export function receivedValue(i: ReceivedInfo): string {
  const literal = i.ip.includes(':') ? `[IPv6:${i.ip}]` : `[${i.ip}]`;
  const helo = i.helo.replace(/[^\x21-\x7e\u0080-\uffff]/g, '?').slice(0, 255);
  const from = `from ${helo} (${i.rdns ? `${i.rdns} ` : ''}${literal})`;
  let v = `${from} by ${i.by} (poste) with ${protocolKeyword(i)}`;
  if (i.id) v += ` id ${i.id}`;
  if (i.for) v += ` for ${formatPath(i.for)}`;
  return `${v}; ${formatDate(i.date)}`;
}
