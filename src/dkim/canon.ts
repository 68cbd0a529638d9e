// Canonicalization (RFC 6376 §3.4). Header fields are small and canonicalized whole; the
// body is canonicalized as it streams, chunks cut anywhere, and handed on in slices of the
// input (no per-byte copying) so that hashing runs near the speed of the hash itself.

import { type Simd, simd, WINDOW } from './simd.js';
import type { Canon } from './types.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;

function isWsp(c: number | undefined): boolean {
  return c === SP || c === HT;
}

// ---------------------------------------------------------------------------------------
// Header fields

/**
 * One header field (its raw bytes, line end included) canonicalized; `last` drops the
 * final CRLF, as for the DKIM-Signature field being signed or verified (RFC 6376 §3.7).
 */
export function canonHeaderField(raw: Uint8Array, canon: Canon, last = false): Uint8Array {
  if (canon === 'simple') return last ? withoutLineEnd(raw) : raw;
  const out = new Uint8Array(raw.length + 2);
  let o = 0;
  let i = 0;
  const n = raw.length;
  // §3.4.2: the name in lower case, whitespace before the colon removed.
  while (i < n && raw[i] !== 0x3a) {
    const c = raw[i] as number;
    out[o++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    i++;
  }
  while (o > 0 && isWsp(out[o - 1])) o--;
  out[o++] = 0x3a;
  i++;
  // The value unfolded, runs of WSP as one SP, none at either end.
  let pendingSp = false;
  let any = false;
  for (; i < n; i++) {
    const c = raw[i] as number;
    // Unfolding removes line ends (CRLF, or a bare LF read as one); a lone CR is content.
    if (c === LF || (c === CR && raw[i + 1] === LF)) continue;
    if (c === SP || c === HT) {
      pendingSp = any;
      continue;
    }
    if (pendingSp) {
      out[o++] = SP;
      pendingSp = false;
    }
    out[o++] = c;
    any = true;
  }
  if (!last) {
    out[o++] = CR;
    out[o++] = LF;
  }
  return out.subarray(0, o);
}

function withoutLineEnd(raw: Uint8Array): Uint8Array {
  let n = raw.length;
  if (n > 0 && raw[n - 1] === LF) n--;
  if (n > 0 && raw[n - 1] === CR) n--;
  return raw.subarray(0, n);
}

// ---------------------------------------------------------------------------------------
// The body

export interface BodyCanonicalizer {
  update(chunk: Uint8Array): void;
  /** Flushes what was held back and adds the final CRLF where the algorithm wants one. */
  end(): void;
}

const CRLF_RUN = new Uint8Array(256).map((_, i) => (i % 2 === 0 ? CR : LF));
const SP_BYTES = Uint8Array.of(SP);
const CR_BYTES = Uint8Array.of(CR);

/**
 * The body canonicalizer: `emit` receives the canonical body in order, as views that are
 * valid only during the call. `simd: false` runs relaxed in plain JS (for tests);
 * `kernels` replaces the SIMD module (for bench/dkim.mjs).
 */
export function createBodyCanonicalizer(
  canon: Canon,
  emit: (bytes: Uint8Array) => void,
  opts: { simd?: boolean; kernels?: Simd } = {},
): BodyCanonicalizer {
  const lines = new TrailingLines(canon, emit);
  if (canon === 'simple') return lines;
  const kernels = opts.simd === false ? null : (opts.kernels ?? simd());
  return kernels ? new RelaxedSimd(lines, kernels) : new RelaxedSpaces(lines);
}

/**
 * The line-end rules common to both algorithms: empty lines at the end of the body are
 * dropped (so CRLFs after a line end are held back until content follows), and a body not
 * ending in CRLF gets one; an empty body is CRLF in simple and nothing in relaxed.
 */
class TrailingLines implements BodyCanonicalizer {
  private atLineStart = true;
  private held = 0;
  private pendingCr = false;
  private started = false;

  constructor(
    private readonly canon: Canon,
    private readonly emit: (bytes: Uint8Array) => void,
  ) {}

  update(seg: Uint8Array): void {
    const n = seg.length;
    if (n === 0) return;
    let i = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (seg[0] === LF) {
        this.lineEnds(1);
        i = 1;
      } else this.content(CR_BYTES);
    }
    // The tail: a CR that may pair with the next chunk's LF, and a run of CRLFs.
    let end = n;
    let trailingCr = false;
    if (end > i && seg[end - 1] === CR) {
      trailingCr = true;
      end--;
    }
    let crlfs = 0;
    while (end - 2 >= i && seg[end - 1] === LF && seg[end - 2] === CR) {
      end -= 2;
      crlfs++;
    }
    if (end > i) this.content(seg.subarray(i, end));
    if (crlfs > 0) this.lineEnds(crlfs);
    this.pendingCr = trailingCr;
  }

  private content(bytes: Uint8Array): void {
    if (this.held > 0) {
      this.emitCrlfs(this.held);
      this.held = 0;
    }
    this.emit(bytes);
    this.atLineStart = false;
    this.started = true;
  }

  private lineEnds(count: number): void {
    if (!this.atLineStart) {
      this.emitCrlfs(1);
      this.atLineStart = true;
      count--;
    }
    this.held += count;
  }

  private emitCrlfs(count: number): void {
    for (; count > 0; count -= 128) this.emit(CRLF_RUN.subarray(0, 2 * Math.min(count, 128)));
  }

  end(): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      this.content(CR_BYTES);
    }
    // RFC 6376 §3.4.3 and erratum 3133 for §3.4.4: simple makes an empty body one CRLF.
    if (this.started ? !this.atLineStart : this.canon === 'simple') this.emitCrlfs(1);
  }
}

/**
 * Relaxed whitespace (RFC 6376 §3.4.4) with the kernel of simd.ts, a window at a time. A WSP
 * goes if a WSP or CRLF follows it, else it becomes SP (a run is kept as its last byte): so
 * each byte is decided by the two after it, and the last two bytes seen are held until the
 * next chunk (or the end) says what follows them.
 */
class RelaxedSimd implements BodyCanonicalizer {
  /** The bytes held back (the last `held` of h0, h1). */
  private held = 0;
  private h0 = 0;
  private h1 = 0;
  constructor(
    private readonly next: TrailingLines,
    private readonly wasm: Simd,
  ) {}

  update(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    // A plain view: TypedArray#subarray is much cheaper than Buffer's.
    const c = new Uint8Array(chunk.buffer, chunk.byteOffset, n);
    const b = Buffer.from(chunk.buffer, chunk.byteOffset, n);
    // Native memchr scans tell where the next blank is, and the next tab: a stretch without
    // either is the output as it is (base64 has no blanks at all), and a window without a tab
    // gets the kernel with one test less.
    let space = -2;
    let tab = -2;
    let p = 0;
    while (p < n) {
      if (space < p && space !== -1) space = b.indexOf(SP, p);
      if (space < 0 || space > p + 64) {
        if (tab < p && tab !== -1) tab = b.indexOf(HT, p);
        const first = space < 0 ? tab : tab < 0 ? space : Math.min(space, tab);
        if ((first < 0 && n - p >= 2) || first > p + 64) {
          // Blank-free, so none of it changes; the bytes held are decided by its first two.
          const to = first < 0 ? n : first;
          this.flush(c[p] as number, c[p + 1] as number);
          this.next.update(c.subarray(p, to));
          p = to;
          continue;
        }
      }
      const len = Math.min(WINDOW, n - p);
      // The kernel tests for tabs only where the window or the bytes held have one.
      if (tab < p && tab !== -1) tab = b.indexOf(HT, p);
      const tabs =
        (tab >= 0 && tab < p + len) ||
        (this.held > 0 && (this.h1 === HT || (this.held === 2 && this.h0 === HT)));
      const out = this.wasm.relax(c.subarray(p, p + len), this.held, this.h0, this.h1, tabs);
      if (out > 0) this.next.update(this.wasm.output(out));
      else if (out < 0) this.next.update(this.wasm.input(-this.held, len - 2));
      // The last two bytes of (held, window) are held now.
      if (len >= 2) {
        this.h0 = c[p + len - 2] as number;
        this.h1 = c[p + len - 1] as number;
        this.held = 2;
      } else {
        this.h0 = this.h1;
        this.h1 = c[p] as number;
        this.held = Math.min(this.held + 1, 2);
      }
      p += len;
    }
  }

  /** Decides the bytes held, followed by a and then b. */
  private flush(a: number, b: number): void {
    if (this.held === 2) this.decide(this.h0, this.h1, a);
    if (this.held >= 1) this.decide(this.h1, a, b);
    this.held = 0;
  }

  /** Byte c followed by a, b: WSP goes before WSP or CRLF, else it becomes SP. */
  private decide(c: number, a: number, b: number): void {
    if (c === SP || c === HT) {
      if (a === SP || a === HT || (a === CR && b === LF)) return;
      this.next.update(SP_BYTES);
    } else this.next.update(c === CR ? CR_BYTES : Uint8Array.of(c));
  }

  end(): void {
    // As if a SP followed: WSP at the very end (the end of the last line) goes, WSP before a
    // lone CR at the end stays.
    this.flush(SP, SP);
    this.next.end();
  }
}

/**
 * Relaxed whitespace in plain JS: WSP at the end of a line removed, other runs of WSP made
 * one SP; a run at the end of a chunk is held until the next chunk says what follows it.
 */
class RelaxedSpaces implements BodyCanonicalizer {
  /** A run of WSP ends the previous chunk; `heldCr`: and a CR after it. */
  private heldWsp = false;
  private heldCr = false;
  constructor(private readonly next: TrailingLines) {}

  update(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    const c = new Uint8Array(chunk.buffer, chunk.byteOffset, n);
    let p = 0;
    if (this.heldCr) {
      // WSP, CR | ...: dropped before CRLF, one SP before a lone CR.
      this.heldCr = false;
      this.heldWsp = false;
      if (c[0] !== LF) this.next.update(SP_BYTES);
      this.next.update(CR_BYTES);
    } else if (this.heldWsp) {
      p = this.run(c, 0);
      if (p < 0) return;
    }
    while (p < n) {
      const q = nextRun(c, p);
      if (q > p) this.next.update(c.subarray(p, q));
      if (q === n) return;
      p = this.run(c, q);
      if (p < 0) return;
    }
  }
  /**
   * The run of WSP starting at `q` (the held one, at 0): one SP or nothing, as what follows
   * says. Returns where the text goes on, or -1 when the run is held to the next chunk.
   */
  private run(c: Uint8Array, q: number): number {
    const n = c.length;
    const j = skipWsp(c, q);
    this.heldWsp = false;
    if (j === n) {
      this.heldWsp = true;
      return -1;
    }
    if (c[j] === CR) {
      if (j + 1 === n) {
        this.heldWsp = true;
        this.heldCr = true;
        return -1;
      }
      if (c[j + 1] !== LF) this.next.update(SP_BYTES);
    } else this.next.update(SP_BYTES);
    return j;
  }

  end(): void {
    // WSP at the very end is at the end of the (last) line: dropped. Before a lone CR it
    // is not, and stays.
    if (this.heldCr) {
      this.next.update(SP_BYTES);
      this.next.update(CR_BYTES);
    }
    this.heldWsp = false;
    this.heldCr = false;
    this.next.end();
  }
}

/** The next tab, or space before a byte below 0x21 (or the end), at or after `from`; else the end. */
function nextRun(c: Uint8Array, from: number): number {
  const n = c.length;
  for (let i = from; i < n; i++) {
    const b = c[i];
    if (b === HT || (b === SP && (i + 1 === n || (c[i + 1] as number) < 0x21))) return i;
  }
  return n;
}

function skipWsp(c: Uint8Array, i: number): number {
  const n = c.length;
  while (i < n && (c[i] === SP || c[i] === HT)) i++;
  return i;
}
