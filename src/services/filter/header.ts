// The top-level header of a whole message as the filter needs it: fields with their raw
// bytes, X-Spam-* removed (whoever sent them, they are not our verdict), our DMARC verdict
// read back from the receiver's Authentication-Results, and the X-Spam fields written as
// `poste spam classify` writes them.
import { parseAuthResults } from '../../authres/index.js';
import { type Classification, spamFields } from '../../spam/index.js';

export interface RawHeaderField {
  /** Lower case. */
  name: string;
  /** The field with its CRLF (and folds). */
  raw: Buffer;
}

/** The header's fields, and where the rest (the empty line and the body) starts. */
export function splitHeader(message: Buffer): { fields: RawHeaderField[]; bodyAt: number } {
  const fields: RawHeaderField[] = [];
  let at = 0;
  while (at < message.length) {
    const c = message[at];
    if (c === 0x0d || c === 0x0a) break; // the empty line
    // One field: its first line and every line that starts with WSP.
    let end = at;
    for (;;) {
      const nl = message.indexOf(0x0a, end);
      end = nl < 0 ? message.length : nl + 1;
      const next = message[end];
      if (end >= message.length || (next !== 0x20 && next !== 0x09)) break;
    }
    const raw = message.subarray(at, end);
    const colon = raw.indexOf(0x3a);
    const name = (colon < 0 ? '' : raw.subarray(0, colon).toString('latin1')).trim().toLowerCase();
    fields.push({ name, raw });
    at = end;
  }
  return { fields, bodyAt: at };
}

/** The message without its X-Spam-* header fields (byte-exact otherwise), and how many went. */
export function removeSpamFields(message: Buffer): {
  message: Buffer;
  removed: number;
  fields: RawHeaderField[];
} {
  const { fields, bodyAt } = splitHeader(message);
  const kept = fields.filter((f) => !f.name.startsWith('x-spam-'));
  if (kept.length === fields.length) return { message, removed: 0, fields };
  return {
    message: Buffer.concat([...kept.map((f) => f.raw), message.subarray(bodyAt)]),
    removed: fields.length - kept.length,
    fields: kept,
  };
}

/**
 * Whether our Authentication-Results (the receiver's, `authservId`; forged ones were removed
 * there) say DMARC failed under a policy of quarantine, or reject when the receiver let it in.
 */
export function dmarcQuarantined(fields: readonly RawHeaderField[], authservId: string): boolean {
  const ours = authservId.toLowerCase();
  for (const f of fields) {
    if (f.name !== 'authentication-results') continue;
    const raw = f.raw.toString('utf8');
    const ar = parseAuthResults(raw.slice(raw.indexOf(':') + 1));
    if (!ar || ar.authservId.toLowerCase() !== ours) continue;
    for (const m of ar.methods) {
      if (m.method !== 'dmarc' || m.result !== 'fail') continue;
      const policy = m.properties.find((p) => p.ptype === 'policy' && p.property === 'dmarc')?.value;
      if (policy === 'quarantine' || policy === 'reject') return true;
    }
  }
  return false;
}

/** X-Spam-Status, X-Spam-Score and X-Spam-Flag (src/spam), flagged too for a DMARC quarantine. */
export function spamFieldBytes(r: Classification, modelId: string, quarantine = false): Buffer {
  return Buffer.from(
    spamFields(r, modelId, quarantine ? { alsoFlaggedFor: 'dmarc=quarantine' } : {}),
    'latin1',
  );
}
