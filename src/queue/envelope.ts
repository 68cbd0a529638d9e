// What the spool keeps beside each message: the envelope as received (RFC 5321 MAIL and
// RCPT with their DSN parameters, RFC 3461) and, per recipient, how delivery stands. The
// envelope is written once with the message; the delivery state changes and lives in its
// own small file. Both are JSON, checked field by field when read back: a spool file
// damaged by hand or by a disk error is reported, never half-trusted.

export type Notify = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';

export interface QueuedRecipient {
  /** local@domain, as received. */
  address: string;
  /** RFC 3461 NOTIFY; absent means the default (FAILURE and DELAY). */
  notify?: Notify[];
  /** RFC 3461 ORCPT, as received (addr-type;xtext). */
  orcpt?: string;
}

export interface QueueEnvelope {
  /** The reverse path; "" is the null sender (a bounce: never bounced again). */
  from: string;
  recipients: QueuedRecipient[];
  /** ms since the epoch. */
  arrived: number;
  /** Where it came from, for the DSN and the logs. */
  client?: string;
  helo?: string;
  /** RFC 3461: what a DSN returns (FULL or HDRS) and the sender's envelope id. */
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  /** The message needs SMTPUTF8 / 8BITMIME from the next hop. */
  smtputf8?: boolean;
  eightBit?: boolean;
}

export type RecipientState =
  | { state: 'pending'; lastReply?: string; host?: string }
  | { state: 'delivered'; reply: string; host: string; at: number }
  | { state: 'failed'; reply: string; host?: string; at: number; status: string };

export interface DeliveryStatus {
  attempts: number;
  /** ms since the epoch; absent: as soon as possible. */
  nextAttempt?: number;
  lastAttempt?: number;
  /** A delay DSN was sent (once per message). */
  warned?: boolean;
  /** The failed recipients already reported in a DSN. */
  reported?: string[];
  recipients: Record<string, RecipientState>;
}

export class SpoolFormatError extends Error {
  override name = 'SpoolFormatError';
}

const NOTIFY = new Set(['NEVER', 'SUCCESS', 'FAILURE', 'DELAY']);

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new SpoolFormatError(`${what} is not a string`);
  return v;
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SpoolFormatError(`${what} is not a number`);
  return v;
}

function optional<T>(
  o: Record<string, unknown>,
  key: string,
  read: (v: unknown, what: string) => T,
): T | undefined {
  return o[key] === undefined ? undefined : read(o[key], key);
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new SpoolFormatError(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SpoolFormatError(`${what}: ${(e as Error).message}`);
  }
}

function recipientOf(v: unknown, i: number): QueuedRecipient {
  const o = object(v, `recipient ${i}`);
  const r: QueuedRecipient = { address: str(o.address, `recipient ${i} address`) };
  if (o.notify !== undefined) {
    if (!Array.isArray(o.notify) || !o.notify.every((n) => typeof n === 'string' && NOTIFY.has(n)))
      throw new SpoolFormatError(`recipient ${i} notify is not a NOTIFY list`);
    r.notify = o.notify as Notify[];
  }
  const orcpt = optional(o, 'orcpt', str);
  if (orcpt !== undefined) r.orcpt = orcpt;
  return r;
}

/** One line of JSON (no raw line breaks: JSON escapes them), the first line of a queue file. */
export function formatEnvelope(e: QueueEnvelope): string {
  return `${JSON.stringify(e)}\n`;
}

export function parseEnvelope(line: string): QueueEnvelope {
  const o = object(parseJson(line, 'envelope'), 'envelope');
  if (!Array.isArray(o.recipients) || o.recipients.length === 0)
    throw new SpoolFormatError('envelope has no recipients');
  const e: QueueEnvelope = {
    from: str(o.from, 'from'),
    recipients: o.recipients.map(recipientOf),
    arrived: num(o.arrived, 'arrived'),
  };
  for (const k of ['client', 'helo', 'envid'] as const) {
    const v = optional(o, k, str);
    if (v !== undefined) e[k] = v;
  }
  if (o.ret !== undefined) {
    if (o.ret !== 'FULL' && o.ret !== 'HDRS') throw new SpoolFormatError('ret is not FULL or HDRS');
    e.ret = o.ret;
  }
  for (const k of ['smtputf8', 'eightBit'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'boolean') throw new SpoolFormatError(`${k} is not a boolean`);
    e[k] = o[k];
  }
  return e;
}

function stateOf(v: unknown, who: string): RecipientState {
  const o = object(v, who);
  switch (o.state) {
    case 'pending': {
      const s: RecipientState = { state: 'pending' };
      const lastReply = optional(o, 'lastReply', str);
      const host = optional(o, 'host', str);
      if (lastReply !== undefined) s.lastReply = lastReply;
      if (host !== undefined) s.host = host;
      return s;
    }
    case 'delivered':
      return { state: 'delivered', reply: str(o.reply, who), host: str(o.host, who), at: num(o.at, who) };
    case 'failed': {
      const s: RecipientState = {
        state: 'failed',
        reply: str(o.reply, who),
        at: num(o.at, who),
        status: str(o.status, who),
      };
      const host = optional(o, 'host', str);
      if (host !== undefined) s.host = host;
      return s;
    }
    default:
      throw new SpoolFormatError(`${who} has no known state`);
  }
}

export function formatStatus(s: DeliveryStatus): string {
  return `${JSON.stringify(s)}\n`;
}

export function parseStatus(text: string): DeliveryStatus {
  const o = object(parseJson(text, 'status'), 'status');
  const recipients: Record<string, RecipientState> = {};
  for (const [k, v] of Object.entries(object(o.recipients, 'recipients'))) recipients[k] = stateOf(v, k);
  const s: DeliveryStatus = { attempts: num(o.attempts, 'attempts'), recipients };
  const next = optional(o, 'nextAttempt', num);
  const last = optional(o, 'lastAttempt', num);
  if (next !== undefined) s.nextAttempt = next;
  if (last !== undefined) s.lastAttempt = last;
  if (o.warned !== undefined) s.warned = o.warned === true;
  if (o.reported !== undefined) {
    if (!Array.isArray(o.reported) || !o.reported.every((r) => typeof r === 'string'))
      throw new SpoolFormatError('reported is not a list of addresses');
    s.reported = o.reported as string[];
  }
  return s;
}

/** The state of a message nobody has tried to deliver yet. */
export function freshStatus(e: QueueEnvelope): DeliveryStatus {
  const recipients: Record<string, RecipientState> = {};
  for (const r of e.recipients) recipients[r.address] = { state: 'pending' };
  return { attempts: 0, recipients };
}

export function pendingRecipients(e: QueueEnvelope, s: DeliveryStatus): QueuedRecipient[] {
  return e.recipients.filter((r) => (s.recipients[r.address]?.state ?? 'pending') === 'pending');
}
