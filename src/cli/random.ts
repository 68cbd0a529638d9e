// Randomness for builders: the OS's by default, or a reproducible stream from --seed
// (SHA-256 in counter mode), so tests and the corpus get the same bytes every run.
import { createHash, randomBytes } from 'node:crypto';
import type { RandomBytes } from '../mime/index.js';

export function randomSource(seed?: string): RandomBytes {
  if (seed === undefined) return (n) => randomBytes(n);
  let counter = 0;
  return (n) => {
    const out = Buffer.alloc(n);
    let o = 0;
    while (o < n) {
      const block = createHash('sha256').update(`${seed}\0${counter++}`).digest();
      o += block.copy(out, o);
    }
    return out;
  };
}
