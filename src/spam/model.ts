// The trained model: how many spams and hams were seen, and per token in how many of each it
// appeared. Training is incremental (learn and unlearn one email at a time). The file format
// (docs/spam.md) is compact and deterministic: the same counts give the same bytes.
import { createHash } from 'node:crypto';
import type { TokenCounts } from './classify.js';

export type Label = 'ham' | 'spam';

export class SpamModel implements TokenCounts {
  nSpam = 0;
  nHam = 0;
  /** token → [spam, ham] counts. */
  readonly counts = new Map<string, [number, number]>();

  lookup(token: string): readonly [number, number] | undefined {
    return this.counts.get(token);
  }

  get size(): number {
    return this.counts.size;
  }

  /** Learns one email's distinct tokens; `times` −1 unlearns an email learnt before. */
  learn(tokens: Iterable<string>, label: Label, times = 1): void {
    if (!Number.isInteger(times)) throw new RangeError(`learn: times must be an integer: ${times}`);
    const k = label === 'spam' ? 0 : 1;
    if (label === 'spam') this.nSpam = Math.max(0, this.nSpam + times);
    else this.nHam = Math.max(0, this.nHam + times);
    for (const t of new Set(tokens)) {
      let c = this.counts.get(t);
      if (c === undefined) {
        if (times <= 0) continue;
        c = [0, 0];
        this.counts.set(t, c);
      }
      c[k] = Math.max(0, c[k] + times);
      if (c[0] === 0 && c[1] === 0) this.counts.delete(t);
    }
  }

  unlearn(tokens: Iterable<string>, label: Label): void {
    this.learn(tokens, label, -1);
  }

  /** Drops tokens seen in fewer than `minCount` emails in all; returns how many went. */
  prune(minCount: number): number {
    let removed = 0;
    for (const [t, c] of this.counts) {
      if (c[0] + c[1] < minCount) {
        this.counts.delete(t);
        removed++;
      }
    }
    return removed;
  }
}

// ---------------------------------------------------------------------------------------
// The file format, version 1 (docs/spam.md):
//   "PSPM" · version u8 · flags u8 (0) · varint nSpam · varint nHam · varint tokenCount ·
//   tokens sorted by their UTF-8 bytes, front-coded: varint shared · varint suffixLength ·
//   suffix · varint spam · varint ham · then SHA-256 of everything before it (32 bytes).
// ---------------------------------------------------------------------------------------

const MAGIC = Buffer.from('PSPM', 'latin1');
export const MODEL_FORMAT_VERSION = 1;
const HASH_BYTES = 32;

class Writer {
  private buf = Buffer.alloc(1 << 16);
  private len = 0;
  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }
  /** Unsigned LEB128. */
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`);
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }
  result(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** The model as bytes. Deterministic: equal counts give equal bytes, whatever the insertion order. */
export function encodeModel(model: SpamModel): Uint8Array {
  const entries = [...model.counts].map(([t, c]) => [Buffer.from(t, 'utf8'), c] as const);
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  const w = new Writer();
  w.bytes(MAGIC);
  w.byte(MODEL_FORMAT_VERSION);
  w.byte(0);
  w.varint(model.nSpam);
  w.varint(model.nHam);
  w.varint(entries.length);
  let prev: Buffer = Buffer.alloc(0);
  for (const [tok, [spam, ham]] of entries) {
    let shared = 0;
    const max = Math.min(prev.length, tok.length);
    while (shared < max && prev[shared] === tok[shared]) shared++;
    w.varint(shared);
    w.varint(tok.length - shared);
    w.bytes(tok.subarray(shared));
    w.varint(spam);
    w.varint(ham);
    prev = tok;
  }
  const body = w.result();
  const out = Buffer.alloc(body.length + HASH_BYTES);
  body.copy(out);
  createHash('sha256').update(body).digest().copy(out, body.length);
  return out;
}

export type DecodeModelResult =
  | { ok: true; model: SpamModel /** hex SHA-256 of the file body: the model's identity */; id: string }
  | { ok: false; reason: string };

/** Reads a model file; a damaged or foreign file is a typed failure, never a throw. */
export function decodeModel(bytes: Uint8Array): DecodeModelResult {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 2 + HASH_BYTES || !buf.subarray(0, 4).equals(MAGIC))
    return { ok: false, reason: 'not a poste spam model (bad magic)' };
  const version = buf[4] as number;
  if (version !== MODEL_FORMAT_VERSION)
    return { ok: false, reason: `unsupported model format version ${version} (this poste reads 1)` };
  const end = buf.length - HASH_BYTES;
  const digest = createHash('sha256').update(buf.subarray(0, end)).digest();
  if (!digest.equals(buf.subarray(end))) return { ok: false, reason: 'model file damaged (hash mismatch)' };
  let pos = 6;
  const varint = (): number => {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (pos >= end || scale > 2 ** 49) throw new RangeError('truncated varint');
      const b = buf[pos++] as number;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  };
  const model = new SpamModel();
  try {
    model.nSpam = varint();
    model.nHam = varint();
    const count = varint();
    let prev = Buffer.alloc(0);
    for (let i = 0; i < count; i++) {
      const shared = varint();
      const suffix = varint();
      if (shared > prev.length || pos + suffix > end) throw new RangeError('token out of bounds');
      const tok = Buffer.concat([prev.subarray(0, shared), buf.subarray(pos, pos + suffix)]);
      pos += suffix;
      const spam = varint();
      const ham = varint();
      model.counts.set(tok.toString('utf8'), [spam, ham]);
      prev = tok;
    }
    if (pos !== end) throw new RangeError('trailing bytes');
  } catch (e) {
    return { ok: false, reason: `model file malformed: ${(e as Error).message}` };
  }
  return { ok: true, model, id: digest.toString('hex') };
}
