// Quoted-printable (RFC 2045 §6.7). Decoding is lenient: a malformed escape is kept as it
// is, and trailing whitespace before a hard line break is removed as §6.7 rule 3 requires
// (it was added in transport). Encoding is strict: lines of at most 76 characters.

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

export interface QpDecoder {
  update(chunk: Uint8Array): Uint8Array;
  finish(): Uint8Array;
  readonly malformed: boolean;
}

/** Streaming decoder: whole lines are decoded, the last partial line waits for more. */
export function createQpDecoder(): QpDecoder {
  let carry: Uint8Array = new Uint8Array(0);
  let malformed = false;
  const state = {
    get malformed() {
      return malformed;
    },
    update(chunk: Uint8Array): Uint8Array {
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      let end = data.lastIndexOf(0x0a) + 1;
      // A very long line without a break: decode up to a point that cannot split an
      // escape or a run of trailing whitespace, to keep memory bounded.
      if (end === 0 && data.length > 65536) {
        end = data.length - 3;
        while (end > 0 && (data[end - 1] === 0x20 || data[end - 1] === 0x09)) end--;
      }
      carry = data.slice(end);
      return decodeLines(data.subarray(0, end));
    },
    finish(): Uint8Array {
      const out = decodeLines(carry);
      carry = new Uint8Array(0);
      return out;
    },
  };
  function decodeLines(src: Uint8Array): Uint8Array {
    const out = new Uint8Array(src.length);
    let o = 0;
    const n = src.length;
    for (let i = 0; i < n; i++) {
      const b = src[i] as number;
      if (b === 0x3d) {
        const h = HEX[src[i + 1] ?? 0] as number;
        const l = HEX[src[i + 2] ?? 0] as number;
        if (i + 2 < n && h >= 0 && l >= 0) {
          out[o++] = (h << 4) | l;
          i += 2;
          continue;
        }
        // Soft line break: "=" then optional transport whitespace, then (CR)LF or the end.
        let j = i + 1;
        while (j < n && (src[j] === 0x20 || src[j] === 0x09)) j++;
        if (j === n) {
          i = j - 1;
          continue;
        }
        if (src[j] === 0x0a) {
          i = j;
          continue;
        }
        if (src[j] === 0x0d && src[j + 1] === 0x0a) {
          i = j + 1;
          continue;
        }
        malformed = true;
        out[o++] = b; // a lone "=": keep it
        continue;
      }
      if (b === 0x20 || b === 0x09) {
        // Trailing whitespace before a hard line break is transport padding: drop it.
        let j = i;
        while (j < n && (src[j] === 0x20 || src[j] === 0x09)) j++;
        if (src[j] === 0x0a || (src[j] === 0x0d && src[j + 1] === 0x0a)) {
          i = j - 1;
          continue;
        }
        while (i < j) out[o++] = src[i++] as number;
        i--;
        continue;
      }
      out[o++] = b;
    }
    return out.subarray(0, o);
  }
  return state;
}

export function decodeQuotedPrintable(data: Uint8Array): Uint8Array {
  const d = createQpDecoder();
  const a = d.update(data);
  const b = d.finish();
  return b.length === 0 ? a : Buffer.concat([a, b]);
}

export interface QpEncodeOptions {
  /** Binary data: CRLF is escaped too (there are no lines). Default: CRLF is a hard line break. */
  binary?: boolean;
}

const HEXDIGITS = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));

/**
 * Quoted-printable that decodes back to exactly `data`, whatever it holds: CRLF is a hard
 * line break (unless `binary`), a lone CR or LF is escaped; white space before a line break
 * or at the end is escaped; lines stay within 76 characters. A "." or "-" opening a line is
 * escaped too, so no line can be taken for a delimiter or end an SMTP transfer.
 */
export function encodeQuotedPrintable(data: Uint8Array, opts: QpEncodeOptions = {}): Uint8Array {
  const binary = opts.binary === true;
  const n = data.length;
  const out = new Uint8Array(3 * n + 3 * Math.ceil(n / 24) + 8);
  let o = 0;
  let col = 0;
  for (let i = 0; i < n; i++) {
    const b = data[i] as number;
    if (!binary && b === 0x0d && data[i + 1] === 0x0a) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      col = 0;
      i++;
      continue;
    }
    let lit: boolean;
    if (b > 0x20 && b < 0x7f) lit = b !== 0x3d;
    else if (b === 0x20 || b === 0x09)
      lit = i + 1 < n && (binary || !(data[i + 1] === 0x0d && data[i + 2] === 0x0a));
    else lit = false;
    if (col + (lit ? 1 : 3) > 75) {
      out[o++] = 0x3d;
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      col = 0;
    }
    if (lit && col === 0 && (b === 0x2e || b === 0x2d)) lit = false;
    if (lit) {
      out[o++] = b;
      col++;
    } else {
      out[o++] = 0x3d;
      out[o++] = HEXDIGITS[b >> 4] as number;
      out[o++] = HEXDIGITS[b & 15] as number;
      col += 3;
    }
  }
  return out.subarray(0, o);
}
