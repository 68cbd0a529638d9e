// The SIMD kernels of the DKIM area, in WebAssembly. Ordinary text has a space every few
// bytes and a line end every few dozen, so a byte loop in JS, a native indexOf("  ") (which
// stops at every space) or an indexOf per line runs several times slower than the SHA-256
// that follows; slicing the input at each place costs an allocation too. Here a window of
// the input is copied into the module's memory and written out changed, in one call,
// 16 or 64 bytes per step:
//
// - relax: relaxed body canonicalization (RFC 6376 §3.4.4): each WSP that a WSP or CRLF
//   follows is deleted, each other WSP becomes SP; the bytes kept are packed by shuffles
//   looked up by the mask of those deleted;
// - crlf: a bare LF becomes CRLF (mail from Unix files and pipes).
//
// The module is assembled below from its instructions (relax's shuffle tables are filled
// in at instantiation). Where WebAssembly SIMD is missing, the callers do the same in JS.

// Memory: relax's shuffle tables at ONE (16-byte entries, for up to two lanes deleted) and
// at LO and HI (8-byte entries, one per 8-lane half of the mask); the input window at IN
// (the two bytes held from before it at IN - 2, the byte before it at IN - 1 for crlf; room
// for read-ahead after it); the output at OUT, up to twice the window (crlf) plus 16 bytes
// of overshoot.
export const WINDOW = 64 * 1024;
const ONE = 0;
const LO = 4352;
const HI = 6400;
const IN = 12288 + 16;
const OUT = IN + WINDOW + 128;
const PAGES = 4;

// Instruction encodings (WebAssembly core spec §5.4 and its SIMD extension).
const I32 = 0x7f;
const V128 = 0x7b;
const VOID = 0x40;
const block = [0x02, VOID];
const loop = [0x03, VOID];
const if_ = [0x04, VOID];
const else_ = [0x05];
const end = [0x0b];
const return_ = [0x0f];
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
const store8 = [0x3a, 0x00, 0x00];
const eq = [0x46];
const ltU = [0x49];
const gtU = [0x4b];
const geU = [0x4f];
const clz = [0x67];
const ctz = [0x68];
const popcnt = [0x69];
const add = [0x6a];
const sub = [0x6b];
const and = [0x71];
const or = [0x72];
const shl = [0x74];
const shrU = [0x76];
const select = [0x1b];
const v128Load = (offset: number) => [0xfd, 0x00, 0x00, offset];
const v128Store = (offset: number) => [0xfd, 0x0b, 0x00, offset];
/** v128.load64_zero, its offset in unsigned LEB128. */
const load64Zero = (offset: number) => [0xfd, 0x5d, 0x03, ...uleb(offset)];
const iota = [0xfd, 0x0c, ...Array.from({ length: 16 }, (_, i) => i)];
const swizzle = [0xfd, 0x0e];
const splat8 = [0xfd, 0x0f];
const ltU8 = [0xfd, 0x26];
const memoryCopy = [0xfc, 0x0a, 0x00, 0x00];
const eq8 = [0xfd, 0x23];
const geU8 = [0xfd, 0x2c];
const maxU8 = [0xfd, 0x79];
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
  ...get(out), ...get(from), ...v128Load(0), ...v128Store(0),
  ...get(out), ...i32(16), ...add, ...set(out),
  ...get(from), ...i32(16), ...add, ...set(from),
  ...br(0),
  ...end, ...end,
  ...get(tmp), ...set(out),
];

// A byte's fate in relaxed canonicalization depends only on it and the two bytes after it,
// if a run of WSP is kept as its *last* byte rather than its first: a WSP goes when the next
// byte is WSP or starts CRLF, and otherwise becomes SP. So 16 bytes give a mask of bytes to
// delete without a branch per run, and one i8x16.swizzle packs the rest: its shuffle looked
// up by the first and last lane deleted (ONE), or, with more than two, one swizzle per 8-lane
// half (LO, HI). Branchless, as the changes in text come too often and too irregularly for
// a branch per change to be predicted.

/**
 * relax(q, e, o) -> output end, or 0 when nothing changes: decides the bytes [q, e), reading
 * the two after e (the caller holds the last two bytes it has until it knows what follows
 * them). Writes up to 16 bytes past the output end.
 * `tabs`: without, the tests for tabs are left out (the caller knows the window has none).
 * `pack` false leaves the bytes to delete in place in the 64-byte steps (a wrong output, for
 * bench/dkim.mjs: what deciding costs alone, the floor under any way of packing).
 */
function relax(tabs: boolean, pack = true): number[] {
  // params q, e, o; locals m, c, t (i32); v0..v3, d0..d3, w, n (v128); splats of 9, 10, 13, 32
  const [Q, E, O, M, C, T] = [0, 1, 2, 3, 4, 5];
  const [V, D] = [
    [6, 7, 8, 9],
    [10, 11, 12, 13],
  ] as const;
  const [W, N, S9, S10, S13, S32] = [14, 15, 16, 17, 18, 19];
  const isWsp = (l: number) => [
    ...get(l),
    ...get(S32),
    ...eq8,
    ...(tabs ? [...get(l), ...get(S9), ...eq8, ...vOr] : []),
  ];
  // v = the 16 bytes at q + offset (a tab made SP); d = those to delete
  // biome-ignore format: one line per step of the program
  const block16 = (v: number, d: number, offset: number) => [
    ...get(Q), ...v128Load(offset), ...set(v),
    ...isWsp(v), ...set(W),
    ...get(Q), ...v128Load(offset + 1), ...set(N),
    ...isWsp(N),
    ...get(N), ...get(S13), ...eq8, ...get(Q), ...v128Load(offset + 2), ...get(S10), ...eq8, ...vAnd,
    ...vOr, ...get(W), ...vAnd, ...set(d),
    ...(tabs ? [...get(v), ...get(W), ...get(S32), ...vAnd, ...maxU8, ...set(v)] : []),
  ];
  // v without its deleted lanes, at o; o advances by the bytes kept (c = those deleted)
  // the bytes at t + offset that may change (a superset, cheaper): a space before a byte
  // below 0x21, or a tab
  // biome-ignore format: one line per step of the program
  const maybe16 = (offset: number) => [
    ...get(T), ...v128Load(offset), ...(tabs ? [...tee(W), ...get(S9), ...eq8, ...get(W)] : []), ...get(S32), ...eq8,
    ...get(T), ...v128Load(offset + 1), ...get(S32), ...maxU8, ...get(S32), ...eq8,
    ...vAnd, ...(tabs ? vOr : []),
  ];
  // biome-ignore format: one line per step of the program
  const compress = (v: number, d: number) => [
    ...get(d), ...bitmask8, ...tee(M), ...popcnt, ...tee(C), ...i32(2), ...gtU,
    ...if_,
    ...get(O), ...get(v), ...get(M), ...i32(255), ...and, ...i32(3), ...shl, ...load64Zero(LO), ...swizzle, ...v128Store(0),
    ...get(O), ...i32(8), ...add, ...get(M), ...i32(255), ...and, ...popcnt, ...sub, ...set(O),
    ...get(O), ...get(v), ...get(M), ...i32(8), ...shrU, ...i32(3), ...shl, ...load64Zero(HI), ...swizzle, ...v128Store(0),
    ...get(O), ...i32(8), ...add, ...get(M), ...i32(8), ...shrU, ...popcnt, ...sub, ...set(O),
    ...else_,
    // at most two: the shuffle at ONE + 16 * (16 * first + last); no lane deleted: first = 16
    ...get(O), ...get(v),
    ...get(M), ...i32(0x10000), ...or, ...ctz, ...i32(8), ...shl,
    ...i32(31), ...get(M), ...i32(1), ...or, ...clz, ...sub, ...i32(4), ...shl, ...or,
    ...v128Load(ONE), ...swizzle, ...v128Store(0),
    ...get(O), ...i32(16), ...add, ...get(C), ...sub, ...set(O),
    ...end,
  ];
  // biome-ignore format: one line per step of the program
  return [
    ...[0x02, ...[0x03, I32], ...[0x0e, V128]], // locals
    ...i32(9), ...splat8, ...set(S9),
    ...i32(10), ...splat8, ...set(S10),
    ...i32(13), ...splat8, ...set(S13),
    ...i32(32), ...splat8, ...set(S32),
    // First, where nothing may change (as in most of a typical body), only looked at: with
    // nothing in the whole window, 0 (the input is the output); else the bytes before the
    // first 64 that may change are copied out, and from there on all is written out.
    ...get(Q), ...set(T),
    ...block, ...loop,
    ...get(T), ...i32(64), ...add, ...get(E), ...gtU,
    ...if_,
    ...loop,
    ...get(T), ...get(E), ...geU, ...if_, ...i32(0), ...return_, ...end,
    ...maybe16(0), ...iota, ...get(E), ...get(T), ...sub, ...splat8, ...ltU8, ...vAnd, ...anyTrue, ...brIf(3),
    ...get(T), ...i32(16), ...add, ...set(T), ...br(0),
    ...end,
    ...end,
    ...maybe16(0), ...maybe16(16), ...vOr, ...maybe16(32), ...maybe16(48), ...vOr, ...vOr, ...anyTrue, ...brIf(1),
    ...get(T), ...i32(64), ...add, ...set(T), ...br(0),
    ...end, ...end,
    ...get(O), ...get(Q), ...get(T), ...get(Q), ...sub, ...memoryCopy,
    ...get(O), ...get(T), ...get(Q), ...sub, ...add, ...set(O), ...get(T), ...set(Q),
    // then 64 bytes per step; where nothing changes, stored as they are
    ...block, ...loop,
    ...get(Q), ...i32(64), ...add, ...get(E), ...gtU, ...brIf(1),
    ...block16(V[0], D[0], 0), ...block16(V[1], D[1], 16), ...block16(V[2], D[2], 32), ...block16(V[3], D[3], 48),
    ...get(D[0]), ...get(D[1]), ...vOr, ...get(D[2]), ...get(D[3]), ...vOr, ...vOr, ...anyTrue,
    ...(pack ? [] : [...i32(0), ...and]),
    ...if_,
    ...compress(V[0], D[0]), ...compress(V[1], D[1]), ...compress(V[2], D[2]), ...compress(V[3], D[3]),
    ...else_,
    ...get(O), ...get(V[0]), ...v128Store(0), ...get(O), ...get(V[1]), ...v128Store(16),
    ...get(O), ...get(V[2]), ...v128Store(32), ...get(O), ...get(V[3]), ...v128Store(48),
    ...get(O), ...i32(64), ...add, ...set(O),
    ...end,
    ...get(Q), ...i32(64), ...add, ...set(Q), ...br(0),
    ...end, ...end,
    // the rest, 16 bytes per step, the lanes at and past e deleted (e - q < 64 here)
    ...block, ...loop,
    ...get(Q), ...get(E), ...geU, ...brIf(1),
    ...block16(V[0], D[0], 0),
    ...get(D[0]), ...iota, ...get(E), ...get(Q), ...sub, ...splat8, ...geU8, ...vOr, ...set(D[0]),
    ...compress(V[0], D[0]),
    ...get(Q), ...i32(16), ...add, ...set(Q), ...br(0),
    ...end, ...end,
    ...get(O),
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
const assemble = (pack: boolean) => Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I32]), // type 0: (i32 i32 i32) -> i32
  ...section(3, [3, 0, 0, 0]), // three functions of type 0
  ...section(5, [1, 0x00, PAGES]), // one memory, fixed
  ...section(7, [4, ...name('relax'), 0, 0, ...name('relaxNoTabs'), 0, 1, ...name('crlf'), 0, 2, ...name('mem'), 2, 0]),
  ...section(10, [3, ...body(relax(true, pack)), ...body(relax(false, pack)), ...body(crlf())]),
]);

export interface Simd {
  /** Copies `input` (at most WINDOW bytes) in, between the bytes `before` and `after` (0 at the ends). */
  load(input: Uint8Array, before: number, after: number): void;
  /**
   * Relaxes the `held` bytes (0 to 2: the last of h0, h1) kept from the call before, then
   * `input` (at most WINDOW bytes): all but the last two of them, which the caller holds
   * (each byte's fate depends on the two after it). Returns the output length, or -1 when
   * nothing changes (the output is `input(-held, input.length - 2)`). `tabs`: these bytes
   * may hold a tab (false leaves that test out).
   */
  relax(input: Uint8Array, held: number, h0: number, h1: number, tabs: boolean): number;
  /** Makes the window's bare LFs CRLF: the output length, or -1 when there is none. */
  crlf(length: number): number;
  output(length: number): Uint8Array;
  /** The window's bytes [from, to), from IN (from >= -2: the bytes held before it). */
  input(from: number, to: number): Uint8Array;
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
  if (instance === undefined) instance = instantiate(assemble(true));
  return instance;
}

/**
 * For bench/dkim.mjs only: the module with relax deciding every byte but packing none
 * (its output is wrong), to measure the cost floor of relaxed canonicalization here.
 */
export function simdWithoutPacking(): Simd | null {
  return instantiate(assemble(false));
}

function instantiate(bytes: Uint8Array): Simd | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    if (!wasm?.validate(bytes)) return null;
    const e = new wasm.Instance(new wasm.Module(bytes)).exports as {
      relax: Kernel;
      relaxNoTabs: Kernel;
      crlf: Kernel;
      mem: { buffer: ArrayBuffer };
    };
    // The memory never grows, so these views stay valid.
    const mem = new Uint8Array(e.mem.buffer);
    // relax's shuffles: the lanes kept, in order; at ONE by the first and last lane deleted
    // (first = 16: none), at LO and HI by the mask of an 8-lane half
    for (let first = 0; first <= 16; first++) {
      for (let last = first === 16 ? 0 : first; last < (first === 16 ? 1 : 16); last++) {
        const at = ONE + 16 * (16 * first + last);
        for (let i = 0, k = 0; i < 16; i++)
          if (first === 16 || (i !== first && i !== last)) mem[at + k++] = i;
      }
    }
    for (let m = 0; m < 256; m++) {
      for (let i = 0, k = 0; i < 8; i++) {
        if ((m & (1 << i)) !== 0) continue;
        mem[LO + m * 8 + k] = i;
        mem[HI + m * 8 + k++] = i + 8;
      }
    }
    return {
      load(input, before, after) {
        mem[IN - 1] = before;
        mem.set(input, IN);
        mem[IN + input.length] = after;
      },
      relax(input, held, h0, h1, tabs) {
        mem[IN - 2] = h0;
        mem[IN - 1] = h1;
        mem.set(input, IN);
        const end = IN + input.length - 2;
        if (end <= IN - held) return 0;
        const out = (tabs ? e.relax : e.relaxNoTabs)(IN - held, end, OUT);
        return out === 0 ? -1 : out - OUT;
      },
      crlf(length) {
        const out = e.crlf(IN, IN + length, OUT);
        return out === 0 ? -1 : out - OUT;
      },
      output(length) {
        return mem.subarray(OUT, OUT + length);
      },
      input(from, to) {
        return mem.subarray(IN + from, IN + to);
      },
    };
  } catch {
    return null;
  }
}
