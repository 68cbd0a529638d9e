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
  /**
   * Binary data: CR and LF are encoded too, so the bytes come back exactly. Otherwise
   * line breaks (CRLF, or a bare LF) in the input are hard line breaks written as CRLF.
   */
  binary?: boolean;
  lineLength?: number;
}

const HEXDIGITS = '0123456789ABCDEF';

/** Quoted-printable with CRLF line breaks and soft breaks keeping lines within 76 chars. */
export function encodeQuotedPrintable(data: Uint8Array, opts: QpEncodeOptions = {}): Uint8Array {
  const max = (opts.lineLength ?? 76) - 1; // room for the "=" of a soft break
  const out: number[] = [];
  let col = 0;
  const n = data.length;
  const push = (bytes: number[]) => {
    if (col + bytes.length > max) {
      out.push(0x3d, 0x0d, 0x0a);
      col = 0;
    }
    for (const x of bytes) out.push(x);
    col += bytes.length;
  };
  for (let i = 0; i < n; i++) {
    const b = data[i] as number;
    if (!opts.binary && (b === 0x0a || (b === 0x0d && data[i + 1] === 0x0a))) {
      if (b === 0x0d) i++;
      out.push(0x0d, 0x0a);
      col = 0;
      continue;
    }
    const atLineEnd =
      i + 1 === n ||
      (!opts.binary && (data[i + 1] === 0x0a || (data[i + 1] === 0x0d && data[i + 2] === 0x0a)));
    const literal = (b >= 0x21 && b <= 0x7e && b !== 0x3d) || ((b === 0x20 || b === 0x09) && !atLineEnd);
    // A "." opening a line is legal but fragile in SMTP transit: encode it.
    if (literal && !(b === 0x2e && col === 0)) push([b]);
    else push([0x3d, HEXDIGITS.charCodeAt(b >> 4), HEXDIGITS.charCodeAt(b & 15)]);
  }
  return Uint8Array.from(out);
}
