// Content-Transfer-Encoding (RFC 2045 §6): decoding bodies, and choosing and applying an
// encoding for new ones so that they pass any 7-bit transport.
import { createBase64Decoder, encodeBase64Lines } from './base64.js';
import { decodeCharset } from './charset.js';
import type { Defect } from './defects.js';
import { defect } from './defects.js';
import type { Part } from './part.js';
import { createQpDecoder, encodeQuotedPrintable } from './quoted-printable.js';
import { createUuDecoder, UU_ENCODINGS } from './uuencode.js';

export type TransferEncoding = '7bit' | '8bit' | 'binary' | 'quoted-printable' | 'base64';

export interface BodyDecoder {
  update(chunk: Uint8Array): Uint8Array;
  finish(): Uint8Array;
  readonly malformed: boolean;
}

const IDENTITY = new Set(['7bit', '8bit', 'binary', '']);

/** Is this Content-Transfer-Encoding one we decode (RFC 2045 §6.1 plus common aliases)? */
export function isKnownEncoding(encoding: string): boolean {
  return (
    IDENTITY.has(encoding) ||
    encoding === 'base64' ||
    encoding === 'quoted-printable' ||
    UU_ENCODINGS.has(encoding)
  );
}

/** A streaming decoder for a Content-Transfer-Encoding; unknown encodings pass bytes through. */
export function createBodyDecoder(encoding: string): BodyDecoder {
  if (encoding === 'base64') return createBase64Decoder();
  if (encoding === 'quoted-printable') return createQpDecoder();
  if (UU_ENCODINGS.has(encoding)) return createUuDecoder();
  return {
    update: (c) => c,
    finish: () => new Uint8Array(0),
    malformed: false,
  };
}

/** The defect for a body its decoder found malformed. */
export function malformedBody(encoding: string, path?: string): Defect {
  const code =
    encoding === 'base64'
      ? 'bad-base64'
      : encoding === 'quoted-printable'
        ? 'bad-quoted-printable'
        : 'bad-uuencode';
  return defect(code, `malformed ${encoding} body`, path);
}

/** The body of a leaf after transfer decoding (before any charset conversion). */
export function decodedBody(part: Part, defects?: Defect[], path?: string): Uint8Array {
  if (part.kind !== 'leaf') return new Uint8Array(0);
  if (!isKnownEncoding(part.encoding)) {
    defects?.push(defect('unknown-encoding', `unknown Content-Transfer-Encoding "${part.encoding}"`, path));
  }
  const d = createBodyDecoder(part.encoding);
  const a = d.update(part.body);
  const b = d.finish();
  if (d.malformed) {
    const code =
      part.encoding === 'base64'
        ? 'bad-base64'
        : part.encoding === 'quoted-printable'
          ? 'bad-quoted-printable'
          : 'bad-uuencode';
    defects?.push(defect(code, `malformed ${part.encoding} body`, path));
  }
  return b.length ? Buffer.concat([a, b]) : a;
}

/** The text of a text part: transfer-decoded, then converted from its charset. */
export function bodyText(part: Part, defects?: Defect[], path?: string): string {
  const bytes = decodedBody(part, defects, path);
  const charset = part.params.charset ?? 'us-ascii';
  const r = decodeCharset(bytes, charset);
  if (r.unknownCharset !== undefined)
    defects?.push(defect('unknown-charset', `unknown charset "${charset}"`, path));
  return r.text;
}

interface Shape {
  eightBit: number;
  /** Bytes QP must escape (8-bit, controls, "="). */
  escapes: number;
  longestLine: number;
  nul: boolean;
  /** A CR or LF that is not part of a CRLF pair. */
  bareLineEnd: boolean;
}

function shape(data: Uint8Array): Shape {
  let eightBit = 0;
  let escapes = 0;
  let longestLine = 0;
  let lineStart = 0;
  let nul = false;
  let bareLineEnd = false;
  for (let i = 0; i < data.length; i++) {
    const b = data[i] as number;
    if (b === 0x0a) {
      if (data[i - 1] !== 0x0d) bareLineEnd = true;
      const len = i - lineStart - (data[i - 1] === 0x0d ? 1 : 0);
      if (len > longestLine) longestLine = len;
      lineStart = i + 1;
    } else if (b === 0x0d) {
      if (data[i + 1] !== 0x0a) bareLineEnd = true;
    } else if (b >= 0x80) {
      eightBit++;
      escapes++;
    } else if (b === 0) {
      nul = true;
      escapes++;
    } else if ((b < 0x20 && b !== 0x09) || b === 0x3d || b === 0x7f) escapes++;
  }
  const len = data.length - lineStart;
  if (len > longestLine) longestLine = len;
  return { eightBit, escapes, longestLine, nul, bareLineEnd };
}

/**
 * The encoding a new body should have. Text that is plain 7-bit with short lines stays as
 * it is (7bit); other text gets quoted-printable or base64, whichever is shorter; other
 * media types get base64. `allow8bit` permits 8bit for text the peer can take.
 */
export function chooseEncoding(data: Uint8Array, isText: boolean, allow8bit = false): TransferEncoding {
  if (!isText) return 'base64';
  const s = shape(data);
  if (s.nul || s.bareLineEnd) return 'base64';
  if (s.eightBit === 0 && s.longestLine <= 998) return '7bit';
  if (allow8bit && s.longestLine <= 998) return '8bit';
  const qpLength = data.length + 2 * s.escapes;
  const b64Length = Math.ceil(data.length / 3) * 4;
  return qpLength <= b64Length ? 'quoted-printable' : 'base64';
}

/** Applies a transfer encoding to decoded bytes. 7bit/8bit/binary leave them as they are. */
export function encodeBody(data: Uint8Array, encoding: TransferEncoding, isText = true): Uint8Array {
  if (encoding === 'base64') return encodeBase64Lines(data);
  if (encoding === 'quoted-printable') return encodeQuotedPrintable(data, { binary: !isText });
  return data;
}

/** LF and lone CR to CRLF (RFC 5322 §2.3: lines end with CRLF). */
export function toCrlf(data: Uint8Array): Uint8Array {
  let need = false;
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if ((b === 0x0a && data[i - 1] !== 0x0d) || (b === 0x0d && data[i + 1] !== 0x0a)) {
      need = true;
      break;
    }
  }
  if (!need) return data;
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const b = data[i] as number;
    if (b === 0x0a && data[i - 1] !== 0x0d) out.push(0x0d, 0x0a);
    else if (b === 0x0d && data[i + 1] !== 0x0a) out.push(0x0d, 0x0a);
    else out.push(b);
  }
  return Uint8Array.from(out);
}
