// 8BITMIME down-conversion (RFC 6152 §3, RFC 1652 §3): when the next hop does not take
// 8-bit data, every 8-bit body is re-encoded — text as quoted-printable, anything else as
// base64 — and the enclosing parts are relabelled 7bit. Headers cannot be down-converted
// here: a UTF-8 header needs SMTPUTF8 (RFC 6532), which `scanMessage` reports.
import { encodeBody, type Part, parseMessage, serialize } from '../mime/index.js';

export interface MessageShape {
  /** Some byte of the body is ≥ 0x80 (or NUL, or a line is past 998 octets): needs 8BITMIME. */
  eightBit: boolean;
  /** The header holds non-ASCII: needs SMTPUTF8. */
  utf8Header: boolean;
}

export function scanMessage(bytes: Uint8Array): MessageShape {
  let headerEnd = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf('\r\n\r\n');
  if (headerEnd < 0) headerEnd = bytes.length;
  let utf8Header = false;
  let eightBit = false;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) >= 0x80) {
      if (i < headerEnd) utf8Header = true;
      else {
        eightBit = true;
        break;
      }
    }
  }
  return { eightBit, utf8Header };
}

/** The message with no 8-bit body left, or the same bytes when there was none. */
export function downconvert8bit(bytes: Uint8Array): Uint8Array {
  if (!scanMessage(bytes).eightBit) return bytes;
  const { root } = parseMessage(bytes);
  convert(root);
  return serialize(root);
}

function has8bit(data: Uint8Array): boolean {
  for (const b of data) if (b >= 0x80 || b === 0) return true;
  return false;
}

/** Converts a part in place; true when something below changed. */
function convert(part: Part): boolean {
  if (part.kind === 'leaf') {
    const enc = part.encoding.toLowerCase();
    if (enc === 'base64' || enc === 'quoted-printable' || !has8bit(part.body)) return false;
    const text = part.type.startsWith('text/');
    const target = text ? 'quoted-printable' : 'base64';
    // 7bit/8bit/binary bodies are their own decoding: encode them as they are.
    part.body = encodeBody(part.body, target, text);
    part.encoding = target;
    part.header.set('Content-Transfer-Encoding', target);
    return true;
  }
  let changed = false;
  for (const child of part.parts) changed = convert(child) || changed;
  // RFC 2045 §6.4: a composite type is 7bit, 8bit or binary, as the widest inside.
  const enc = part.encoding.toLowerCase();
  if (enc === '8bit' || enc === 'binary') {
    part.header.set('Content-Transfer-Encoding', '7bit');
    part.encoding = '7bit';
    changed = true;
  }
  if (has8bit(part.preamble)) part.preamble = new Uint8Array(0);
  if (has8bit(part.epilogue)) part.epilogue = new Uint8Array(0);
  return changed;
}
