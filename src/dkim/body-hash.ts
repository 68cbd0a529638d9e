// Body hashes, all computed in the one pass: one canonicalizer per algorithm in use, its
// output fanned out to one hash per (hash algorithm, l=) needed. Small pieces (a SP, a CRLF)
// are gathered into a staging buffer so that the hashes see large slices.
import { createHash, type Hash } from 'node:crypto';
import { type BodyCanonicalizer, createBodyCanonicalizer } from './canon.js';
import type { Canon, HashAlgorithm } from './types.js';

// Pieces under DIRECT bytes are gathered into a staging buffer of STAGING bytes, taken
// from Node's pool (which serves only sizes under Buffer.poolSize / 2 = 4 KiB), so that a
// message costs no allocation of its own.
const STAGING = 2 * 1024;
const DIRECT = 512;

interface Sink {
  hash: HashAlgorithm;
  limit: number;
  h: Hash;
  hashed: number;
  digest?: Buffer;
}

class Pipe {
  readonly sinks: Sink[] = [];
  readonly canonicalizer: BodyCanonicalizer;
  /** Canonical body bytes seen so far. */
  length = 0;
  private staging = Buffer.allocUnsafe(STAGING);
  private staged = 0;

  constructor(canon: Canon) {
    this.canonicalizer = createBodyCanonicalizer(canon, (b) => this.write(b));
  }

  private write(b: Uint8Array): void {
    if (b.length >= DIRECT) {
      this.flush();
      this.deliver(b);
      return;
    }
    if (this.staged + b.length > STAGING) this.flush();
    this.staging.set(b, this.staged);
    this.staged += b.length;
  }

  flush(): void {
    if (this.staged === 0) return;
    this.deliver(this.staging.subarray(0, this.staged));
    this.staged = 0;
  }

  private deliver(b: Uint8Array): void {
    const start = this.length;
    this.length += b.length;
    for (const s of this.sinks) {
      if (s.hashed >= s.limit) continue;
      const take = Math.min(b.length, s.limit - start);
      if (take <= 0) continue;
      s.h.update(take === b.length ? b : b.subarray(0, take));
      s.hashed += take;
    }
  }
}

export interface BodyHashResult {
  digest: Uint8Array;
  /** Bytes hashed (less than `length` with l=). */
  hashed: number;
  /** The whole canonicalized body. */
  length: number;
}

export class BodyHashes {
  private readonly pipes = new Map<Canon, Pipe>();
  private readonly handles: [Pipe, Sink][] = [];
  private ended = false;

  /** Registers a body hash; the same (canon, hash, limit) shares one computation. Returns its id. */
  add(canon: Canon, hash: HashAlgorithm, limit = Number.POSITIVE_INFINITY): number {
    let pipe = this.pipes.get(canon);
    if (!pipe) {
      pipe = new Pipe(canon);
      this.pipes.set(canon, pipe);
    }
    let sink = pipe.sinks.find((s) => s.hash === hash && s.limit === limit);
    if (!sink) {
      sink = { hash, limit, h: createHash(hash), hashed: 0 };
      pipe.sinks.push(sink);
    }
    this.handles.push([pipe, sink]);
    return this.handles.length - 1;
  }

  update(chunk: Uint8Array): void {
    for (const pipe of this.pipes.values()) pipe.canonicalizer.update(chunk);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const pipe of this.pipes.values()) {
      pipe.canonicalizer.end();
      pipe.flush();
      for (const s of pipe.sinks) s.digest = s.h.digest();
    }
  }

  get(id: number): BodyHashResult {
    const [pipe, sink] = this.handles[id] as [Pipe, Sink];
    return { digest: sink.digest as Buffer, hashed: sink.hashed, length: pipe.length };
  }
}
