// Results as header text: the Received-SPF field of RFC 7208 §9.1 and the spf clause of an
// Authentication-Results field (RFC 8601 §2.7.2). Values only: the caller names and folds
// the field. Whatever came from the DNS is made printable first, so a hostile record
// cannot break the header block.
import type { SpfResult } from './evaluate.js';

/** The value of a Received-SPF field: result, comment, then the key-value pairs of §9.1. */
export function receivedSpf(r: SpfResult): string {
  const pairs: [string, string][] = [['client-ip', r.ip]];
  pairs.push(['envelope-from', quoted(r.sender)]);
  if (r.helo !== undefined && r.helo !== '') pairs.push(['helo', r.helo]);
  if (r.receiver !== undefined) pairs.push(['receiver', r.receiver]);
  pairs.push(['identity', r.identity]);
  if (r.result === 'temperror' || r.result === 'permerror') pairs.push(['problem', r.reason]);
  else if (r.mechanism !== undefined) pairs.push(['mechanism', r.mechanism]);
  const kv = pairs.map(([k, v]) => `${k}=${k === 'envelope-from' ? v : dotAtomOrQuoted(v)}`).join('; ');
  const who = r.receiver === undefined ? '' : `${printable(r.receiver)}: `;
  return `${r.result} (${comment(`${who}${describeResult(r)}`)}) ${kv}`;
}

/** The resinfo of an Authentication-Results field: `spf=pass (…) smtp.mailfrom=user@example.org`. */
export function authResultsClause(r: SpfResult): string {
  const property =
    r.identity === 'helo'
      ? `smtp.helo=${token(r.helo ?? r.domain)}`
      : `smtp.mailfrom=${mailbox(r.sender === '' ? r.domain : r.sender)}`;
  return `spf=${r.result} (${comment(describeResult(r))}) ${property}`;
}

/** What the result says, in the words receivers traditionally use. */
export function describeResult(r: SpfResult): string {
  const whose = `domain of ${r.identity === 'helo' ? (r.helo ?? r.domain) : r.sender || r.domain}`;
  switch (r.result) {
    case 'pass':
      return `${whose} designates ${r.ip} as permitted sender`;
    case 'fail':
      return `${whose} does not designate ${r.ip} as permitted sender`;
    case 'softfail':
      return `transitioning ${whose} does not designate ${r.ip} as permitted sender`;
    case 'neutral':
      return `${r.ip} is neither permitted nor denied by ${whose}`;
    case 'none':
      return `${whose} does not designate permitted sender hosts`;
    case 'temperror':
      return `error in processing during lookup of ${whose}: ${r.reason}`;
    case 'permerror':
      return `permanent error in processing ${whose}: ${r.reason}`;
  }
}

/** Control characters (a CR in a record, say) become "?"; the rest is kept (RFC 6532). */
function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, '?');
}

/** ctext with quoted-pairs for the parentheses and backslashes (RFC 5322 §3.2.2). */
function comment(text: string): string {
  return printable(text).replace(/[()\\]/g, '\\$&');
}

function quoted(text: string): string {
  return `"${printable(text).replace(/["\\]/g, '\\$&')}"`;
}

const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
const DOT_ATOM = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*$`);

function dotAtomOrQuoted(text: string): string {
  return DOT_ATOM.test(text) ? text : quoted(text);
}

/** RFC 2045 token, else a quoted-string. */
function token(text: string): string {
  return text !== '' && !/[()<>@,;:\\"/[\]?=\x00-\x20\x7f]/.test(text) ? text : quoted(text);
}

/** local-part "@" domain, the local-part quoted when it is not a dot-atom (RFC 8601 pvalue). */
function mailbox(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return token(address);
  const local = address.slice(0, at);
  return `${local === '' || DOT_ATOM.test(local) ? local : quoted(local)}@${printable(address.slice(at + 1))}`;
}
