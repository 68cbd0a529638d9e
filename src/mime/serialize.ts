// Writes the model back to bytes. Parsed bytes are reused where nothing changed, so an
// unmodified message comes back byte for byte; anything new is written strictly (CRLF,
// folded header fields, fresh delimiter lines).
import { ByteSink, latin1Bytes } from './bytes.js';
import { fieldBytes } from './header.js';
import type { Part } from './part.js';

const CRLF = Uint8Array.of(0x0d, 0x0a);

export function serialize(part: Part): Uint8Array {
  const sink = new ByteSink(estimate(part));
  writePart(part, sink);
  return sink.bytes();
}

function estimate(part: Part): number {
  let n = 1024 + part.body.length + part.preamble.length + part.epilogue.length;
  for (const c of part.parts) n += estimate(c);
  return n;
}

/** Streams the serialization chunk by chunk (no copy of bodies). */
export function* serializeChunks(part: Part): Generator<Uint8Array> {
  if (part.unixFrom) yield part.unixFrom;
  const fields = part.header.fields;
  // A changed header gets the blank line it needs even when the parsed one had none.
  const separator = part.separator.length === 0 && fields.some((f) => !f.raw) ? CRLF : part.separator;
  for (let i = 0; i < fields.length; i++) {
    const bytes = fieldBytes(fields[i] as (typeof fields)[number]);
    yield bytes;
    // A raw field cut at the end of the input has no line break: add one if more follows.
    const more = i + 1 < fields.length || separator.length > 0;
    if (more && bytes[bytes.length - 1] !== 0x0a) yield CRLF;
  }
  if (separator.length) yield separator;
  if (part.kind === 'leaf') {
    if (part.body.length) yield part.body;
    return;
  }
  if (part.kind === 'message') {
    for (const c of part.parts) yield* serializeChunks(c);
    return;
  }
  const boundary = part.boundary ?? '';
  if (part.preamble.length) yield part.preamble;
  for (let i = 0; i < part.parts.length; i++) {
    yield part.delimiters[i] ??
      latin1Bytes(i === 0 && part.preamble.length === 0 ? `--${boundary}\r\n` : `\r\n--${boundary}\r\n`);
    yield* serializeChunks(part.parts[i] as Part);
  }
  if (part.closeDelimiter) yield part.closeDelimiter;
  else if (part.closed)
    yield latin1Bytes(
      part.parts.length === 0 && part.preamble.length === 0
        ? `--${boundary}--\r\n`
        : `\r\n--${boundary}--\r\n`,
    );
  if (part.epilogue.length) yield part.epilogue;
}

function writePart(part: Part, sink: ByteSink): void {
  for (const chunk of serializeChunks(part)) sink.write(chunk);
}
