// Delivery status notifications (RFC 3464) in a multipart/report (RFC 6522): a human
// explanation, the machine-readable message/delivery-status, and the original message's
// header (text/rfc822-headers), or the whole message when the sender asked RET=FULL and
// it is small. Sent from the null sender, so a DSN is never bounced (RFC 5321 §4.5.5).
import { foldField, formatDate, generateMessageId, newBoundary } from '../mime/index.js';
import type { QueuedRecipient, QueueEnvelope } from './envelope.js';

export interface DsnRecipient {
  recipient: QueuedRecipient;
  action: 'failed' | 'delayed';
  /** Enhanced status code (RFC 3463), e.g. 5.1.1. */
  status: string;
  /** The remote's reply line(s) as text, when the failure came from a server. */
  diagnostic?: string;
  remoteMta?: string;
  lastAttempt?: number;
}

export interface DsnInput {
  envelope: QueueEnvelope;
  recipients: DsnRecipient[];
  /** The original message's header section (through the blank line). */
  originalHeader: Uint8Array;
  /** The whole original, when RET=FULL and small enough to return. */
  originalMessage?: Uint8Array;
  /** Our host name: Reporting-MTA, the From domain, the Message-ID's right side. */
  reportingMta: string;
  now: number;
  /** For a delay notice: when we give up. */
  willRetryUntil?: number;
  random: (n: number) => Uint8Array;
}

const CRLF = '\r\n';

/** Field values come from remote servers and envelopes: one line, no control characters. */
function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}

function date(ms: number): string {
  return formatDate(new Date(ms));
}

/** An address as an RFC 3464 address-type value: rfc822 for ASCII, utf-8 (RFC 6533) beyond. */
function typedAddress(a: string): string {
  return /^[\x21-\x7e]*$/.test(a) ? `rfc822;${a}` : `utf-8;${a}`;
}

/** The per-message and per-recipient fields (RFC 3464 §2.2, §2.3). */
export function deliveryStatus(input: DsnInput): string {
  const blocks: string[] = [];
  const head = [`Reporting-MTA: dns;${input.reportingMta}`];
  if (input.envelope.envid !== undefined) head.push(`Original-Envelope-Id: ${oneLine(input.envelope.envid)}`);
  head.push(`Arrival-Date: ${date(input.envelope.arrived)}`);
  blocks.push(head.join(CRLF));
  for (const r of input.recipients) {
    const f = [`Final-Recipient: ${typedAddress(r.recipient.address)}`];
    if (r.recipient.orcpt !== undefined) f.push(`Original-Recipient: ${oneLine(r.recipient.orcpt)}`);
    f.push(`Action: ${r.action}`, `Status: ${r.status}`);
    if (r.remoteMta !== undefined) f.push(`Remote-MTA: dns;${r.remoteMta}`);
    if (r.diagnostic !== undefined) f.push(`Diagnostic-Code: smtp;${oneLine(r.diagnostic)}`);
    if (r.lastAttempt !== undefined) f.push(`Last-Attempt-Date: ${date(r.lastAttempt)}`);
    if (r.action === 'delayed' && input.willRetryUntil !== undefined)
      f.push(`Will-Retry-Until: ${date(input.willRetryUntil)}`);
    blocks.push(f.join(CRLF));
  }
  return `${blocks.join(CRLF + CRLF)}${CRLF}`;
}

function explanation(input: DsnInput): string {
  const failed = input.recipients.filter((r) => r.action === 'failed');
  const delayed = input.recipients.filter((r) => r.action === 'delayed');
  const lines = [`This is the mail system at ${input.reportingMta}.`, ''];
  if (failed.length) {
    lines.push('Your message could not be delivered to the following recipients:', '');
    for (const r of failed)
      lines.push(`  <${oneLine(r.recipient.address)}>: ${oneLine(r.diagnostic ?? r.status)}`);
    lines.push('');
  }
  if (delayed.length) {
    lines.push('Your message has not been delivered yet to the following recipients.');
    lines.push('Nothing needs to be done: delivery is being retried', '');
    if (input.willRetryUntil !== undefined) lines.push(`until ${date(input.willRetryUntil)}.`, '');
    for (const r of delayed)
      lines.push(`  <${oneLine(r.recipient.address)}>: ${oneLine(r.diagnostic ?? r.status)}`);
    lines.push('');
  }
  return lines.join(CRLF);
}

/** The DSN as a message (CRLF lines), ready to be queued from <> to the original sender. */
export function buildDsn(input: DsnInput): Uint8Array {
  const failed = input.recipients.some((r) => r.action === 'failed');
  const boundary = newBoundary(input.random);
  const header = [
    foldField('From', `Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`),
    foldField('To', `<${input.envelope.from}>`),
    foldField(
      'Subject',
      failed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)',
    ),
    foldField('Date', date(input.now)),
    foldField('Message-ID', `<${generateMessageId(input.reportingMta, input.random(16))}>`),
    // RFC 3834 §5: an automatic response; no auto-responder answers it.
    'Auto-Submitted: auto-replied\r\n',
    'MIME-Version: 1.0\r\n',
    foldField('Content-Type', `multipart/report; report-type=delivery-status; boundary="${boundary}"`),
  ].join('');
  const original = input.originalMessage
    ? `Content-Type: message/rfc822${CRLF}${CRLF}`
    : `Content-Type: text/rfc822-headers${CRLF}${CRLF}`;
  const head = Buffer.from(
    `${header}${CRLF}This is a MIME-encapsulated delivery status notification.${CRLF}` +
      `--${boundary}${CRLF}Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: 8bit${CRLF}${CRLF}` +
      `${explanation(input)}${CRLF}--${boundary}${CRLF}Content-Type: message/delivery-status${CRLF}${CRLF}` +
      `${deliveryStatus(input)}${CRLF}--${boundary}${CRLF}${original}`,
    'utf8',
  );
  let body = input.originalMessage ?? input.originalHeader;
  // The part must end with a line break before the closing delimiter.
  const endsWithCrlf = body.length >= 2 && body[body.length - 2] === 13 && body[body.length - 1] === 10;
  if (!endsWithCrlf) body = Buffer.concat([body, Buffer.from(CRLF)]);
  return Buffer.concat([head, body, Buffer.from(`--${boundary}--${CRLF}`)]);
}

/** An enhanced status code from a reply, else the class default (RFC 3463). */
export function statusOf(code: number, enhanced: string | undefined): string {
  if (enhanced !== undefined && /^[245]\.\d{1,3}\.\d{1,3}$/.test(enhanced)) return enhanced;
  return code >= 500 ? '5.0.0' : code >= 400 ? '4.0.0' : '2.0.0';
}
