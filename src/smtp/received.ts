// The Received trace field (RFC 5321 §4.4), with the protocol keywords of RFC 3848 and
// RFC 6531 §3.7.3 (ESMTPSA, UTF8SMTPS, ...). Pure: the time comes in.
import { formatDate } from '../mime/index.js';
import { type Address, formatPath } from './address.js';

export interface ReceivedInfo {
  /** What the client said in HELO/EHLO. */
  helo: string;
  /** The client's IP address ('' when unknown: the TCP-info then holds only rdns). */
  ip: string;
  /** Its name from reverse DNS, when known. */
  rdns?: string | undefined;
  /** Our host name. */
  by: string;
  esmtp: boolean;
  tls: boolean;
  authenticated: boolean;
  smtputf8: boolean;
  /** The protocol written after "with", instead of the keyword made from the flags above. */
  protocol?: string | undefined;
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
  const literal = i.ip === '' ? '' : i.ip.includes(':') ? `[IPv6:${i.ip}]` : `[${i.ip}]`;
  // Without a HELO name the address literal stands for it; without either, no from clause.
  const helo = i.helo.replace(/[^\x21-\x7e\u0080-\uffff]/g, '?').slice(0, 255) || literal;
  const tcp = [i.rdns, literal].filter(Boolean).join(' ');
  const from = helo === '' ? '' : `from ${helo}${tcp ? ` (${tcp})` : ''} `;
  let v = `${from}by ${i.by} (poste) with ${i.protocol ?? protocolKeyword(i)}`;
  if (i.id) v += ` id ${i.id}`;
  if (i.for) v += ` for ${formatPath(i.for)}`;
  return `${v}; ${formatDate(i.date)}`;
}
