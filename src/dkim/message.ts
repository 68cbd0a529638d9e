// DKIM's own view of a message: the header fields with their exact bytes, in order, and
// the body as a stream. The header ends at the first empty line (CRLF CRLF; a bare LF is
// taken as a line end too). Only the header is held in memory, up to a limit.
import { DkimError } from './types.js';

export interface RawField {
  /** The name as written, without the whitespace before the colon; "" for a line that is not a field. */
  name: string;
  /** The name in lower case, for matching h= entries. */
  key: string;
  /** The exact bytes, continuation lines and line end included. */
  raw: Uint8Array;
}

export const DEFAULT_MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Collects the header block from the first chunks. `push` returns the offset in the chunk
 * where the body starts, or -1 while the header goes on.
 */
export class HeaderSplitter {
  private parts: Uint8Array[] = [];
  private size = 0;
  /** The previous chunk ended at a line start (after LF), or at a line start and a CR. */
  private lineStart = true;
  private lineStartCr = false;
  done = false;

  constructor(private readonly maxBytes = DEFAULT_MAX_HEADER_BYTES) {}

  push(chunk: Uint8Array): number {
    if (this.done) return 0;
    const n = chunk.length;
    if (n === 0) return -1;
    let end = -1;
    if (this.lineStartCr) {
      if (chunk[0] === 0x0a) end = 1;
    } else if (this.lineStart) {
      if (chunk[0] === 0x0a) end = 1;
      else if (chunk[0] === 0x0d && chunk[1] === 0x0a) end = 2;
      else if (chunk[0] === 0x0d && n === 1) {
        this.keep(chunk);
        this.lineStart = false;
        this.lineStartCr = true;
        return -1;
      }
    }
    if (end < 0) {
      const b = Buffer.from(chunk.buffer, chunk.byteOffset, n);
      for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) {
        const c = b[i + 1];
        if (c === 0x0a) {
          end = i + 2;
          break;
        }
        if (c === 0x0d && b[i + 2] === 0x0a) {
          end = i + 3;
          break;
        }
      }
    }
    if (end >= 0) {
      this.keep(chunk.subarray(0, end));
      this.done = true;
      return end;
    }
    this.keep(chunk);
    this.lineStart = chunk[n - 1] === 0x0a;
    this.lineStartCr = n >= 2 && chunk[n - 1] === 0x0d && chunk[n - 2] === 0x0a;
    if (this.lineStartCr) this.lineStart = false;
    return -1;
  }

  private keep(bytes: Uint8Array): void {
    this.size += bytes.length;
    if (this.size > this.maxBytes)
      throw new DkimError('header-too-long', `the header is longer than ${this.maxBytes} bytes`);
    this.parts.push(bytes.slice());
  }

  /** The header block (the empty line included), after the header ended or the input did. */
  bytes(): Uint8Array {
    return this.parts.length === 1 ? (this.parts[0] as Uint8Array) : Buffer.concat(this.parts);
  }
}

/** Splits a header block into fields: a line starting with WSP continues the field above. */
export function splitFields(block: Uint8Array): RawField[] {
  const fields: RawField[] = [];
  const b = Buffer.from(block.buffer, block.byteOffset, block.length);
  const n = b.length;
  let start = 0;
  let i = 0;
  while (i < n) {
    let eol = b.indexOf(0x0a, i);
    eol = eol < 0 ? n : eol + 1;
    const line = eol - i;
    // The empty line ending the header is not a field.
    if ((line === 1 && b[i] === 0x0a) || (line === 2 && b[i] === 0x0d && b[i + 1] === 0x0a)) break;
    const cont = b[i] === 0x20 || b[i] === 0x09;
    if (!cont && i > start) {
      fields.push(makeField(block.subarray(start, i)));
      start = i;
    }
    i = eol;
  }
  if (i > start) fields.push(makeField(block.subarray(start, i)));
  return fields;
}

function makeField(raw: Uint8Array): RawField {
  const colon = raw.indexOf(0x3a);
  let end = colon;
  while (end > 0 && (raw[end - 1] === 0x20 || raw[end - 1] === 0x09)) end--;
  let ok = end > 0;
  for (let i = 0; ok && i < end; i++) {
    const c = raw[i] as number;
    if (c < 0x21 || c > 0x7e) ok = false; // ftext (RFC 5322 §3.6.8); an mbox "From " line is no field
  }
  const name = ok ? Buffer.from(raw.buffer, raw.byteOffset, end).toString('latin1') : '';
  return { name, key: name.toLowerCase(), raw };
}

/** Pushes a message given whole, or as chunks (sync or async), into a signer or verifier. */
export async function feed(
  target: { push(chunk: Uint8Array): void },
  message: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<void> {
  if (message instanceof Uint8Array) target.push(message);
  else if (Symbol.asyncIterator in message) for await (const c of message) target.push(c);
  else for (const c of message) target.push(c);
}
