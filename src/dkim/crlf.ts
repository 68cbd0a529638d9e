// Local line endings to CRLF. DKIM hashes the message as it travels over SMTP, with CRLF
// line ends (RFC 6376 §5.3); a message in a Unix file or pipe often has bare LF. This turns
// every LF not preceded by CR into CRLF, as Mail::DKIM's dkimverify and opendkim do. A
// chunk that needs nothing is returned as is (no copy); finding that out takes a SIMD scan
// (simd.ts), since an indexOf per line costs more than hashing the line.
import { type Simd, simd, WINDOW } from './simd.js';

export interface CrlfNormalizer {
  /** The chunk with bare LFs made CRLF; the same object when there were none. */
  transform(chunk: Uint8Array): Uint8Array;
}

export function createCrlfNormalizer(opts: { simd?: boolean } = {}): CrlfNormalizer {
  const kernels = opts.simd === false ? null : simd();
  let prev = 0;
  return {
    transform(chunk) {
      const n = chunk.length;
      if (n === 0) return chunk;
      const out = kernels ? withSimd(kernels, chunk, prev) : withJs(chunk, prev);
      prev = chunk[n - 1] as number;
      return out;
    },
  };
}

function withSimd(k: Simd, chunk: Uint8Array, prev: number): Uint8Array {
  const n = chunk.length;
  let pieces: Uint8Array[] | undefined;
  for (let p = 0; p < n; p += WINDOW) {
    const end = Math.min(n, p + WINDOW);
    const window = chunk.subarray(p, end);
    k.load(window, p === 0 ? prev : (chunk[p - 1] as number), 0);
    const len = k.crlf(end - p);
    if (len < 0) {
      pieces?.push(window);
      continue;
    }
    pieces ??= [chunk.subarray(0, p)];
    pieces.push(k.output(len).slice());
  }
  return pieces ? Buffer.concat(pieces) : chunk;
}

function withJs(chunk: Uint8Array, prev: number): Uint8Array {
  const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  const bare = (i: number) => (i === 0 ? prev : buf[i - 1]) !== 0x0d;
  let count = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) if (bare(i)) count++;
  if (count === 0) return chunk;
  const out = Buffer.allocUnsafe(buf.length + count);
  let o = 0;
  let start = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
    if (!bare(i)) continue;
    o += buf.copy(out, o, start, i);
    out[o++] = 0x0d;
    start = i; // the LF itself goes out with the next copy
  }
  buf.copy(out, o, start);
  return out;
}
