// A message to send that need not be in memory: its size, its shape (what it needs from the
// server) and its bytes as chunks, read again for each attempt. The relay sends from its
// spool file this way, so a message in delivery costs a chunk of memory, not its size.
import type { MessageShape } from './downconvert.js';

export interface MessageSource {
  /** Octets (the SIZE parameter). */
  readonly size: number;
  /** What the message needs from the server (one pass over it, then remembered). */
  shape(): Promise<MessageShape>;
  /** The bytes from the start, in order; each call reads them again. */
  chunks(): AsyncIterable<Uint8Array>;
}

/** scanMessage over a message that comes in chunks, cut anywhere. */
export class ShapeScanner {
  #inHeader = true;
  /** How much of CR LF CR LF (the end of the header) the last bytes matched. */
  #matched = 0;
  #utf8Header = false;
  #eightBit = false;

  /** Takes the next chunk; false once the shape is known whatever follows. */
  push(chunk: Uint8Array): boolean {
    let i = 0;
    const n = chunk.length;
    if (this.#inHeader) {
      let m = this.#matched;
      for (; i < n; i++) {
        const b = chunk[i] as number;
        if (b >= 0x80) this.#utf8Header = true;
        if (b === (m === 0 || m === 2 ? 13 : 10)) m++;
        else m = b === 13 ? 1 : 0;
        if (m === 4) {
          // The header ends before this CR LF CR LF: what follows it is the body.
          this.#inHeader = false;
          i++;
          break;
        }
      }
      this.#matched = m;
    }
    if (!this.#inHeader && !this.#eightBit) {
      for (; i < n; i++) {
        if ((chunk[i] as number) >= 0x80) {
          this.#eightBit = true;
          break;
        }
      }
    }
    return !this.#eightBit;
  }

  get shape(): MessageShape {
    return { eightBit: this.#eightBit, utf8Header: this.#utf8Header };
  }
}

/** A source over bytes in memory. */
export function bytesSource(bytes: Uint8Array): MessageSource {
  let shape: MessageShape | undefined;
  return {
    size: bytes.length,
    async shape() {
      if (!shape) {
        const s = new ShapeScanner();
        s.push(bytes);
        shape = s.shape;
      }
      return shape;
    },
    async *chunks() {
      yield bytes;
    },
  };
}

/** The whole message in memory (for the rare transformation that needs it all). */
export async function readAll(source: MessageSource): Promise<Uint8Array> {
  const out = new Uint8Array(source.size);
  let at = 0;
  for await (const c of source.chunks()) {
    if (at + c.length > out.length) throw new Error('the message is longer than its size');
    out.set(c, at);
    at += c.length;
  }
  if (at !== out.length) throw new Error('the message is shorter than its size');
  return out;
}

/** The shape of a source, from its chunks (stops reading as soon as it is known). */
export async function scanSource(source: MessageSource): Promise<MessageShape> {
  const s = new ShapeScanner();
  for await (const c of source.chunks()) if (!s.push(c)) break;
  return s.shape;
}
