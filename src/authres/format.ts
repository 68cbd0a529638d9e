// Writing Authentication-Results (RFC 8601 §2.2): the whole field, one method entry per
// folded line. The entries come from the areas that judged (spf, dkim, dmarc, arc), already
// formatted; this file only assembles them, and formats a parsed method back for tests and
// for callers that build entries from data.
import type { AuthResMethod } from './parse.js';

const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;

/** A MIME token as is, anything else as a quoted-string (RFC 2045 §5.1). */
export function authResValue(s: string): string {
  return TOKEN.test(s) ? s : `"${s.replace(/[\r\n]/g, ' ').replace(/["\\]/g, '\\$&')}"`;
}

/** pvalue: also local-part@domain unquoted when it reads back the same (RFC 8601 §2.2). */
function pvalue(s: string): string {
  if (TOKEN.test(s)) return s;
  const at = s.lastIndexOf('@');
  if (at >= 0 && /^[A-Za-z0-9.-]*$/.test(s.slice(at + 1))) {
    const local = s.slice(0, at);
    if (local === '' || /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/.test(local)) return s;
    if (/^"(?:[^"\\\r\n]|\\.)*"$/.test(local)) return s;
  }
  return authResValue(s);
}

/** `method[/version]=result [reason=…] ptype.property=value…`. */
export function formatAuthResMethod(m: AuthResMethod): string {
  let s = `${m.method}${m.version !== undefined ? `/${m.version}` : ''}=${m.result}`;
  if (m.reason !== undefined) s += ` reason=${authResValue(m.reason)}`;
  for (const p of m.properties) s += ` ${p.ptype}.${p.property}=${pvalue(p.value)}`;
  return s;
}

/**
 * The whole field, CRLF-terminated: `Name: id;` then each entry on its own folded line
 * (`\r\n\t`), separated by ";"; `none` when there is no entry.
 */
export function formatAuthResultsField(
  authservId: string,
  entries: readonly string[],
  name = 'Authentication-Results',
): Uint8Array {
  const body = entries.length === 0 ? ['none'] : entries.map((e) => e.replace(/\r?\n(?![ \t])/g, '\r\n\t'));
  return Buffer.from(`${name}: ${authResValue(authservId)};\r\n\t${body.join(';\r\n\t')}\r\n`, 'utf8');
}
