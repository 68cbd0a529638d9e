// uuencode bodies (Content-Transfer-Encoding x-uuencode and its aliases): not a MIME
// standard, but old clients sent it and Python's email decodes it, so do we. Streaming:
// whole lines are decoded; the text before the "begin" line is skipped, and a body without
// one is passed through as it is (as Python does).

const HOLD_LIMIT = 64 * 1024;

export interface UuDecoder {
  update(chunk: Uint8Array): Uint8Array;
  finish(): Uint8Array;
  readonly malformed: boolean;
}

export const UU_ENCODINGS = new Set(['x-uuencode', 'uuencode', 'x-uue', 'uue']);

export function createUuDecoder(): UuDecoder {
  let state: 'begin' | 'data' | 'done' | 'raw' = 'begin';
  let carry: Uint8Array = new Uint8Array(0);
  /** Bytes seen before a "begin" line, given back if there is none. */
  let held: Uint8Array[] = [];
  let heldLength = 0;
  let malformed = false;

  function decodeLine(line: Uint8Array, out: number[]): void {
    let end = line.length;
    while (
      end > 0 &&
      (line[end - 1] === 0x0a || line[end - 1] === 0x0d || line[end - 1] === 0x20 || line[end - 1] === 0x09)
    )
      end--;
    if (end === 0) return;
    const text = String.fromCharCode(...line.subarray(0, Math.min(end, 8)));
    if (text.trim() === 'end' && end <= 5) {
      state = 'done';
      return;
    }
    const n = ((line[0] as number) - 32) & 63;
    let produced = 0;
    for (let i = 1; produced < n; i += 4) {
      const c = (k: number) => (i + k < end ? ((line[i + k] as number) - 32) & 63 : 0);
      const v = (c(0) << 18) | (c(1) << 12) | (c(2) << 6) | c(3);
      for (const byte of [v >>> 16, (v >>> 8) & 0xff, v & 0xff]) {
        if (produced < n) {
          out.push(byte);
          produced++;
        }
      }
      if (i + 4 > end && produced < n) malformed = true;
    }
  }

  function lines(data: Uint8Array, final: boolean): Uint8Array {
    const out: number[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl < 0 && !final) break;
      const stop = nl < 0 ? data.length : nl + 1;
      if (stop === start) break;
      const line = data.subarray(start, stop);
      start = stop;
      if (state === 'begin') {
        if (/^begin [0-7]+ /.test(String.fromCharCode(...line.subarray(0, 16)))) {
          state = 'data';
          held = [];
          heldLength = 0;
        } else {
          held.push(line.slice());
          heldLength += line.length;
        }
      } else if (state === 'data') decodeLine(line, out);
    }
    carry = data.slice(start);
    return Uint8Array.from(out);
  }

  return {
    get malformed() {
      return malformed;
    },
    update(chunk: Uint8Array): Uint8Array {
      if (state === 'raw') return chunk;
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const out = lines(data, false);
      if (state === 'begin' && heldLength > HOLD_LIMIT) {
        // No "begin" line in sight: this is not uuencoded after all.
        state = 'raw';
        malformed = true;
        const raw = Buffer.concat([...held, carry]);
        held = [];
        carry = new Uint8Array(0);
        return raw;
      }
      return out;
    },
    finish(): Uint8Array {
      if (state === 'raw') return new Uint8Array(0);
      const out = lines(carry, true);
      carry = new Uint8Array(0);
      if (state === 'begin') {
        malformed = true;
        return Buffer.concat(held);
      }
      if (state === 'data') malformed = true; // no "end" line
      return out;
    },
  };
}
