// Writes the model back to bytes. Parsed bytes are reused where nothing changed, so an
// unmodified message comes back byte for byte; anything new is written strictly (CRLF,
// folded header fields, fresh delimiter lines).
import { ByteSink, latin1Bytes } from './bytes.js';
import { fieldBytes } from './header.js';
import type { Part } from './part.js';

const CRLF = Uint8Array.of(0x0d, 0x0a);

export function serialize(part: Part): Uint8Array {
  const sink = new ByteSink(estimate(part));
  emit(part, (chunk) => sink.write(chunk));
  return sink.bytes();
}

function estimate(part: Part): number {
  let n = 1024 + part.body.length + part.preamble.length + part.epilogue.length;
  for (const c of part.parts) n += estimate(c);
  return n;
}

/** The serialization as a list of chunks, bodies not copied (for streaming out). */
export function serializeChunks(part: Part): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  emit(part, (chunk) => chunks.push(chunk));
  return chunks;
}

/** Hands every piece of the serialization to `write`, in order. */
function emit(part: Part, write: (chunk: Uint8Array) => void): void {
  if (part.unixFrom) write(part.unixFrom);
  const fields = part.header.fields;
  // A changed header gets the blank line it needs even when the parsed one had none.
  const separator = part.separator.length === 0 && fields.some((f) => !f.raw) ? CRLF : part.separator;
  for (let i = 0; i < fields.length; i++) {
    const bytes = fieldBytes(fields[i] as (typeof fields)[number]);
    write(bytes);
    // A raw field cut at the end of the input has no line break: add one if more follows.
    const more = i + 1 < fields.length || separator.length > 0;
    if (more && bytes[bytes.length - 1] !== 0x0a) write(CRLF);
  }
  if (separator.length) write(separator);
  if (part.kind === 'leaf') {
    if (part.body.length) write(part.body);
    return;
  }
  if (part.kind === 'message') {
    for (const c of part.parts) emit(c, write);
    return;
  }
  const boundary = part.boundary ?? '';
  if (part.preamble.length) write(part.preamble);
  for (let i = 0; i < part.parts.length; i++) {
    write(
      part.delimiters[i] ??
        latin1Bytes(i === 0 && part.preamble.length === 0 ? `--${boundary}\r\n` : `\r\n--${boundary}\r\n`),
    );
    emit(part.parts[i] as Part, write);
  }
  if (part.closeDelimiter) write(part.closeDelimiter);
  else if (part.closed) {
    write(
      latin1Bytes(
        part.parts.length === 0 && part.preamble.length === 0
          ? `--${boundary}--\r\n`
          : `\r\n--${boundary}--\r\n`,
      ),
    );
  }
  if (part.epilogue.length) write(part.epilogue);
}
