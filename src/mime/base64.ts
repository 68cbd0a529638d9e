// Base64 (RFC 2045 §6.8). The decoder is lenient as mail needs: characters outside the
// alphabet are skipped, and decoding stops at the padding that ends a partial quantum
// (what Python's binascii does, so both agree on broken attachments). It streams: a
// quantum split across chunks is carried over.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 0x3d;
/** Sextet value of each byte, 64 for bytes outside the alphabet. */
const SEXTET = new Uint8Array(256).fill(64);
for (let i = 0; i < ALPHABET.length; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;

export interface Base64Decoder {
  update(chunk: Uint8Array): Uint8Array;
  finish(): Uint8Array;
  /** True when bytes outside the alphabet (other than line breaks) or a truncated quantum were seen. */
  readonly malformed: boolean;
}

export function createBase64Decoder(): Base64Decoder {
  let acc = 0; // pending sextets, most significant first
  let pending = 0; // how many sextets are in acc (0..3)
  let done = false; // padding ended the data
  let malformed = false;
  return {
    get malformed() {
      return malformed;
    },
    update(chunk: Uint8Array): Uint8Array {
      if (done) return new Uint8Array(0);
      const out = new Uint8Array(Math.floor(((chunk.length + pending) * 3) / 4) + 3);
      let o = 0;
      const n = chunk.length;
      let i = 0;
      while (i < n) {
        // Fast path: four alphabet characters in a row with nothing pending.
        if (pending === 0 && i + 4 <= n) {
          const a = SEXTET[chunk[i] as number] as number;
          const b = SEXTET[chunk[i + 1] as number] as number;
          const c = SEXTET[chunk[i + 2] as number] as number;
          const d = SEXTET[chunk[i + 3] as number] as number;
          if ((a | b | c | d) < 64) {
            const v = (a << 18) | (b << 12) | (c << 6) | d;
            out[o++] = v >>> 16;
            out[o++] = (v >>> 8) & 0xff;
            out[o++] = v & 0xff;
            i += 4;
            continue;
          }
        }
        const ch = chunk[i++] as number;
        const s = SEXTET[ch] as number;
        if (s < 64) {
          acc = (acc << 6) | s;
          if (++pending === 4) {
            out[o++] = acc >>> 16;
            out[o++] = (acc >>> 8) & 0xff;
            out[o++] = acc & 0xff;
            acc = 0;
            pending = 0;
          }
        } else if (ch === PAD) {
          if (pending === 0) continue; // stray padding between quanta: ignore
          o = flushPartial(out, o);
          done = true;
          break;
        } else if (ch !== 0x0d && ch !== 0x0a && ch !== 0x20 && ch !== 0x09) {
          malformed = true;
        }
      }
      return out.subarray(0, o);
    },
    finish(): Uint8Array {
      if (done || pending === 0) return new Uint8Array(0);
      const out = new Uint8Array(3);
      malformed = true; // unpadded partial quantum
      const o = flushPartial(out, 0);
      return out.subarray(0, o);
    },
  };

  // A partial quantum: 2 sextets give one byte, 3 give two; 1 gives nothing.
  function flushPartial(out: Uint8Array, o: number): number {
    if (pending === 2) out[o++] = (acc >>> 4) & 0xff;
    else if (pending === 3) {
      out[o++] = (acc >>> 10) & 0xff;
      out[o++] = (acc >>> 2) & 0xff;
    } else if (pending === 1) malformed = true;
    acc = 0;
    pending = 0;
    return o;
  }
}

export function decodeBase64(data: Uint8Array): Uint8Array {
  const d = createBase64Decoder();
  const a = d.update(data);
  const b = d.finish();
  return b.length === 0 ? a : Buffer.concat([a, b]);
}

/** Base64 in lines of `lineLength` characters (76, RFC 2045 §6.8) ended by CRLF. */
export function encodeBase64Lines(data: Uint8Array, lineLength = 76): Uint8Array {
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  const lines = Math.ceil(b64.length / lineLength);
  const out = Buffer.allocUnsafe(b64.length + lines * 2);
  let o = 0;
  for (let i = 0; i < b64.length; i += lineLength) {
    o += out.write(b64.slice(i, i + lineLength), o, 'latin1');
    out[o++] = 0x0d;
    out[o++] = 0x0a;
  }
  return out.subarray(0, o);
}

/**
 * A streaming encoder producing the same lines as `encodeBase64Lines` on the whole input.
 */
export function createBase64Encoder(lineLength = 76): {
  update(c: Uint8Array): Uint8Array;
  finish(): Uint8Array;
} {
  const bytesPerLine = (lineLength / 4) * 3;
  let carry = new Uint8Array(0);
  return {
    update(chunk: Uint8Array): Uint8Array {
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const whole = data.length - (data.length % bytesPerLine);
      carry = data.slice(whole);
      return whole ? encodeBase64Lines(data.subarray(0, whole), lineLength) : new Uint8Array(0);
    },
    finish(): Uint8Array {
      const out = carry.length ? encodeBase64Lines(carry, lineLength) : new Uint8Array(0);
      carry = new Uint8Array(0);
      return out;
    },
  };
}
