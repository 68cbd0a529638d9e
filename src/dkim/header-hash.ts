// What a signature's header hash covers (RFC 6376 §5.4): the fields named by h=, each name
// taking the last instance not yet used (bottom-up, so a field added on top is not the one
// signed), a name with no instance left contributing nothing; then the DKIM-Signature field
// itself with its b= value emptied, without the final CRLF.
import { canonHeaderField } from './canon.js';
import type { RawField } from './message.js';
import type { Canon } from './types.js';

export function headerHashInput(
  fields: readonly RawField[],
  names: readonly string[],
  canon: Canon,
  signatureField: Uint8Array,
  exclude = -1,
): Uint8Array {
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < fields.length; i++) {
    if (i === exclude) continue;
    const key = (fields[i] as RawField).key;
    if (key === '') continue;
    const list = byKey.get(key);
    if (list) list.push(i);
    else byKey.set(key, [i]);
  }
  const parts: Uint8Array[] = [];
  for (const name of names) {
    const i = byKey.get(name.toLowerCase())?.pop();
    if (i !== undefined) parts.push(canonHeaderField((fields[i] as RawField).raw, canon));
  }
  parts.push(canonHeaderField(signatureField, canon, true));
  return Buffer.concat(parts);
}
