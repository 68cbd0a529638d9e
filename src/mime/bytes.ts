// Byte helpers shared by the MIME code. Messages are bytes; JS strings appear only once a
// charset (or the ASCII of a protocol element) says what the bytes mean.

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HT = 0x09;
export const CRLF: Uint8Array = Uint8Array.of(CR, LF);

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** Bytes to a string, one char per byte (lossless, reversible with `latin1Bytes`). */
export function latin1String(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function latin1Bytes(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

export function utf8Bytes(text: string): Uint8Array {
  // Buffer.from is several times faster than TextEncoder for the short strings of headers.
  return Buffer.from(text, 'utf8');
}

/** Header bytes to a string: UTF-8 when valid (RFC 6532), else Latin-1 (one char per byte). */
export function headerString(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return latin1String(bytes);
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    return latin1String(bytes);
  }
}

export function isAsciiString(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  return Buffer.concat(chunks as Uint8Array[]);
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && asBuffer(a).equals(b);
}

/** A growable byte sink; `bytes()` returns the written prefix without copying. */
export class ByteSink {
  private buf: Uint8Array;
  private len = 0;
  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
  }
  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  write(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }
  writeAscii(text: string): void {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.len++] = text.charCodeAt(i) & 0xff;
  }
  get length(): number {
    return this.len;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** Writes the UTF-8 bytes of code point `cp` at `len` (a lone surrogate as U+FFFD); returns the new length. */
export function putUtf8(out: Uint8Array, len: number, cp: number): number {
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // lone surrogate
  if (cp < 0x80) out[len++] = cp;
  else if (cp < 0x800) {
    out[len++] = 0xc0 | (cp >> 6);
    out[len++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    out[len++] = 0xe0 | (cp >> 12);
    out[len++] = 0x80 | ((cp >> 6) & 0x3f);
    out[len++] = 0x80 | (cp & 0x3f);
  } else {
    out[len++] = 0xf0 | (cp >> 18);
    out[len++] = 0x80 | ((cp >> 12) & 0x3f);
    out[len++] = 0x80 | ((cp >> 6) & 0x3f);
    out[len++] = 0x80 | (cp & 0x3f);
  }
  return len;
}
