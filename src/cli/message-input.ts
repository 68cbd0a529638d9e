// Reading the email a pipe stage works on: whole (to modify it) or streamed (to look at it).
import {
  createParser,
  type Header,
  type MimeHandler,
  type ParsedMessage,
  parseMessage,
  parseStream,
} from '../mime/index.js';
import { readInputFile, readStdin, stdinChunks } from './io.js';

/** The message on stdin (or in FILE), parsed into the in-memory model. */
export async function readMessage(file?: string): Promise<ParsedMessage> {
  const bytes = file === undefined ? await readStdin() : await readInputFile(file);
  return parseMessage(bytes);
}

/** Runs a streaming handler over stdin; memory stays bounded whatever the size. */
export function streamMessage(
  handler: MimeHandler,
  source: AsyncIterable<Uint8Array> = stdinChunks(),
): Promise<void> {
  return parseStream(source, handler);
}

/** Reads only as far as the top-level header; the rest of the input is not read. */
export async function readTopHeader(source: AsyncIterable<Uint8Array> = stdinChunks()): Promise<Header> {
  let header: Header | undefined;
  const p = createParser({
    partStart(info) {
      header ??= info.header;
    },
  });
  for await (const chunk of source) {
    p.push(chunk);
    if (header) break;
  }
  if (!header) p.end();
  // The parser's views point into its buffer; the fields are read before anything else runs.
  return header as Header;
}
