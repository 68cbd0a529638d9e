// The SIMD kernels of the DKIM area, in WebAssembly. Ordinary text has a space every few
// bytes and a line end every few dozen, so a byte loop in JS, a native indexOf("  ") (which
// stops at every space) or an indexOf per line runs several times slower than the SHA-256
// that follows; slicing the input at each place costs an allocation too. Here a window of
// the input is copied into the module's memory, scanned many bytes per step for the only
// places where something changes, and written out changed, in one call:
//
// - relax: relaxed body canonicalization (RFC 6376 §3.4.4): a tab, or a space before a byte
//   below 0x21, starts a run of WSP that becomes one SP, or nothing before CRLF;
// - crlf: a bare LF becomes CRLF (mail from Unix files and pipes).
//
// The module is assembled below from its instructions. Where WebAssembly SIMD is missing,
// the callers do the same in JS.

// Memory: [0, 4) the output end; the input window at IN (the byte before it at IN - 1,
// room for 65 bytes of read-ahead after it); the output at OUT, up to twice the window
// (crlf) plus 15 bytes of overshoot.
export const WINDOW = 64 * 1024;
const IN = 16;
const OUT = 128 * 1024;
const PAGES = 5;

// Instruction encodings (WebAssembly core spec §5.4 and its SIMD extension).
const I32 = 0x7f;
const V128 = 0x7b;
const VOID = 0x40;
const block = [0x02, VOID];
const loop = [0x03, VOID];
const if_ = [0x04, VOID];
const else_ = [0x05];
const end = [0x0b];
const br = (depth: number) => [0x0c, depth];
const brIf = (depth: number) => [0x0d, depth];
const get = (local: number) => [0x20, local];
const set = (local: number) => [0x21, local];
const tee = (local: number) => [0x22, local];
/** i32.const, its value in signed LEB128 (so 64 takes two bytes: 0xc0 0x00). */
const i32 = (v: number) => {
  const out = [0x41];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
};
const load8 = (offset: number) => [0x2d, 0x00, offset];
const store8 = [0x3a, 0x00, 0x00];
const store32 = [0x36, 0x02, 0x00];
const eqz = [0x45];
const eq = [0x46];
const ne = [0x47];
const ltU = [0x49];
const geU = [0x4f];
const ctz = [0x68];
const add = [0x6a];
const sub = [0x6b];
const and = [0x71];
const or = [0x72];
const shl = [0x74];
const select = [0x1b];
const v128Load = (offset: number) => [0xfd, 0x00, 0x00, offset];
const v128Store = [0xfd, 0x0b, 0x00, 0x00];
const splat8 = [0xfd, 0x0f];
const eq8 = [0xfd, 0x23];
const ltU8 = [0xfd, 0x26];
const vAnd = [0xfd, 0x4e];
const vAndNot = [0xfd, 0x4f];
const vOr = [0xfd, 0x50];
const anyTrue = [0xfd, 0x53];
const bitmask8 = [0xfd, 0x64];

const plusOne = (l: number) => [...get(l), ...i32(1), ...add, ...set(l)];

/**
 * Copies [from, to) to `out` 16 bytes at a time (a call to memory.copy costs more for the
 * short runs between changes); the last block may write past the end, into room that the
 * next copy overwrites. Advances `out` by to - from; clobbers `from` and `tmp`.
 */
// biome-ignore format: one line per step of the program
const copyOut = (from: number, to: number, out: number, tmp: number) => [
  ...get(out), ...get(to), ...get(from), ...sub, ...add, ...set(tmp),
  ...block, ...loop,
  ...get(from), ...get(to), ...geU, ...brIf(1),
  ...get(out), ...get(from), ...v128Load(0), ...v128Store,
  ...get(out), ...i32(16), ...add, ...set(out),
  ...get(from), ...i32(16), ...add, ...set(from),
  ...br(0),
  ...end, ...end,
  ...get(tmp), ...set(out),
];

/**
 * relax(p, e, o) -> consumed: p = input position, e = input end, o = output position.
 * Returns `e`, or the start of a run of WSP that reaches the end of the window (with the
 * CR after it, if any), which the caller finishes from the whole chunk. Writes the output
 * end at 0, one before `o` when nothing changed (the caller then uses the input as is).
 * `tabs`: without, the test for tabs is left out (the caller knows the window has none).
 */
function relax(tabs: boolean): number[] {
  // params p, e, o; locals q, j, b (i32); m0..m3, v (v128); the splats of 9, 32, 33
  const [P, E, O, Q, J, B, M0, M1, M2, M3, V, S9, S32, S33] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const putSp = [...get(O), ...i32(32), ...store8, ...plusOne(O)];
  const leaveAt = (l: number, depth: number) => [...get(l), ...set(P), ...br(depth)];
  // m = the flags of the 16 bytes at q + offset: a space before a byte < 33, or a tab
  // biome-ignore format: one line per step of the program
  const flags16 = (m: number, offset: number) => [
    ...get(Q), ...v128Load(offset),
    ...(tabs ? [...tee(V), ...get(S9), ...eq8, ...get(V)] : []),
    ...get(S32), ...eq8,
    ...get(Q), ...v128Load(offset + 1), ...get(S33), ...ltU8,
    ...vAnd, ...(tabs ? vOr : []), ...set(m),
  ];
  // the offset of the first flag among 32 bytes: ctz(bitmask(a) | bitmask(b) << 16)
  const first32 = (a: number, b: number) => [
    ...get(a),
    ...bitmask8,
    ...get(b),
    ...bitmask8,
    ...i32(16),
    ...shl,
    ...or,
    ...ctz,
  ];
  // biome-ignore format: one line per step of the program
  return [
    ...[0x02, ...[0x03, I32], ...[0x08, V128]], // locals
    ...i32(9), ...splat8, ...set(S9),
    ...i32(32), ...splat8, ...set(S32),
    ...i32(33), ...splat8, ...set(S33),
    ...block, // $out
    ...loop, // $main
    // q = the first place at or after p (or past the end), 64 bytes per step
    ...get(P), ...set(Q),
    ...block, // $found
    ...loop,
    ...get(Q), ...get(E), ...geU, ...brIf(1),
    ...flags16(M0, 0), ...flags16(M1, 16), ...flags16(M2, 32), ...flags16(M3, 48),
    ...get(M0), ...get(M1), ...vOr, ...get(M2), ...get(M3), ...vOr, ...vOr, ...anyTrue,
    ...if_,
    ...get(M0), ...get(M1), ...vOr, ...anyTrue,
    ...if_, ...first32(M0, M1), ...get(Q), ...add, ...set(Q), ...br(3), ...end,
    ...first32(M2, M3), ...i32(32), ...add, ...get(Q), ...add, ...set(Q), ...br(2),
    ...end,
    ...get(Q), ...i32(64), ...add, ...set(Q), ...br(0),
    ...end, ...end,
    ...get(Q), ...get(E), ...get(Q), ...get(E), ...ltU, ...select, ...set(Q),
    // nothing to change in the whole window: no copy, the output end one before its start
    ...get(Q), ...get(E), ...geU, ...get(P), ...i32(IN), ...eq, ...and,
    ...if_, ...get(O), ...i32(1), ...sub, ...set(O), ...leaveAt(E, 2), ...end,
    ...copyOut(P, Q, O, B),
    ...get(Q), ...get(E), ...geU, ...if_, ...leaveAt(E, 2), ...end,
    // j = the end of the run of WSP at q; a run reaching the end is the caller's
    ...get(Q), ...set(J),
    ...block, ...loop,
    ...get(J), ...get(E), ...geU, ...brIf(1),
    ...get(J), ...load8(0), ...set(B),
    ...get(B), ...i32(32), ...ne, ...get(B), ...i32(9), ...ne, ...and, ...brIf(1),
    ...plusOne(J), ...br(0),
    ...end, ...end,
    ...get(J), ...get(E), ...geU, ...if_, ...leaveAt(Q, 2), ...end,
    // before CRLF the run goes; before anything else it is one SP
    ...get(J), ...load8(0), ...i32(13), ...eq,
    ...if_,
    ...get(J), ...i32(1), ...add, ...get(E), ...geU, ...if_, ...leaveAt(Q, 3), ...end,
    ...get(J), ...load8(1), ...i32(10), ...eq, ...eqz, ...if_, ...putSp, ...end,
    ...else_, ...putSp, ...end,
    ...get(J), ...set(P), ...br(0),
    ...end, ...end,
    ...i32(0), ...get(O), ...store32,
    ...get(P),
    ...end,
  ];
}

/**
 * crlf(p, e, o) -> output end: makes each LF whose preceding byte (the one at p - 1
 * included) is not CR into CRLF. Returns 0 when the window has none (the input is the
 * output as it is).
 */
function crlf(): number[] {
  // params p, e, o; locals s (search position), q, t (i32); m (v128), the splats of 10, 13
  const [P, E, O, S, Q, T, M, S10, S13] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  // biome-ignore format: one line per step of the program
  return [
    ...[0x02, ...[0x03, I32], ...[0x03, V128]], // locals
    ...i32(10), ...splat8, ...set(S10),
    ...i32(13), ...splat8, ...set(S13),
    ...get(P), ...set(S),
    ...block, // $out
    ...loop, // $main
    // q = the first LF at or after s that does not follow a CR
    ...get(S), ...set(Q),
    ...block, // $found
    ...loop,
    ...get(Q), ...get(E), ...geU, ...brIf(1),
    ...get(Q), ...v128Load(0), ...get(S10), ...eq8,
    ...get(Q), ...i32(1), ...sub, ...v128Load(0), ...get(S13), ...eq8,
    ...vAndNot, ...tee(M), ...anyTrue,
    ...if_, ...get(M), ...bitmask8, ...ctz, ...get(Q), ...add, ...set(Q), ...br(2), ...end,
    ...get(Q), ...i32(16), ...add, ...set(Q), ...br(0),
    ...end, ...end,
    ...get(Q), ...get(E), ...get(Q), ...get(E), ...ltU, ...select, ...set(Q),
    // none in the whole window: say so, copy nothing
    ...get(Q), ...get(E), ...geU, ...get(S), ...i32(IN), ...eq, ...and,
    ...if_, ...i32(0), ...set(O), ...br(2), ...end,
    ...copyOut(P, Q, O, T),
    ...get(Q), ...get(E), ...geU, ...brIf(1),
    // a CR before the LF, which goes out with the next copy
    ...get(O), ...i32(13), ...store8, ...plusOne(O),
    ...get(Q), ...set(P),
    ...get(Q), ...i32(1), ...add, ...set(S),
    ...br(0),
    ...end, ...end,
    ...get(O),
    ...end,
  ];
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const name = (s: string) => [s.length, ...Buffer.from(s, 'latin1')];
const body = (code: number[]) => [...uleb(code.length), ...code];

// biome-ignore format: one line per section
const MODULE = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I32]), // type 0: (i32 i32 i32) -> i32
  ...section(3, [3, 0, 0, 0]), // three functions of type 0
  ...section(5, [1, 0x00, PAGES]), // one memory, fixed
  ...section(7, [4, ...name('relax'), 0, 0, ...name('relaxNoTabs'), 0, 1, ...name('crlf'), 0, 2, ...name('mem'), 2, 0]),
  ...section(10, [3, ...body(relax(true)), ...body(relax(false)), ...body(crlf())]),
]);

export interface Simd {
  /** Copies `input` (at most WINDOW bytes) in, between the bytes `before` and `after` (0 at the ends). */
  load(input: Uint8Array, before: number, after: number): void;
  /**
   * Relaxes the window: returns [consumed, output length]; the output is `output(length)`.
   * [length, -1]: nothing to change, the input is the output. `tabs`: the window may hold
   * a tab (false leaves that test out). Stops early at a run of WSP that reaches the end
   * of the window (with the CR after it): the caller finishes it from the whole chunk.
   */
  relax(length: number, tabs?: boolean): [number, number];
  /** Makes the window's bare LFs CRLF: the output length, or -1 when there is none. */
  crlf(length: number): number;
  output(length: number): Uint8Array;
}

// The little of the WebAssembly API used here (its types come with the DOM lib, not Node's).
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

type Kernel = (p: number, e: number, o: number) => number;

let instance: Simd | null | undefined;

/** The module, instantiated once; null where WebAssembly SIMD is not available. */
export function simd(): Simd | null {
  if (instance !== undefined) return instance;
  instance = null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    if (!wasm?.validate(MODULE)) return null;
    const e = new wasm.Instance(new wasm.Module(MODULE)).exports as {
      relax: Kernel;
      relaxNoTabs: Kernel;
      crlf: Kernel;
      mem: { buffer: ArrayBuffer };
    };
    // The memory never grows, so these views stay valid.
    const mem = new Uint8Array(e.mem.buffer);
    const words = new Int32Array(e.mem.buffer, 0, 1);
    instance = {
      load(input, before, after) {
        mem[IN - 1] = before;
        mem.set(input, IN);
        mem[IN + input.length] = after;
      },
      relax(length, tabs = true) {
        const consumed = (tabs ? e.relax : e.relaxNoTabs)(IN, IN + length, OUT) - IN;
        return [consumed, (words[0] as number) - OUT];
      },
      crlf(length) {
        const out = e.crlf(IN, IN + length, OUT);
        return out === 0 ? -1 : out - OUT;
      },
      output(length) {
        return mem.subarray(OUT, OUT + length);
      },
    };
  } catch {
    instance = null;
  }
  return instance;
}
