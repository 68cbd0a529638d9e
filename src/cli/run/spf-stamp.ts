// `poste spf stamp`: the email on stdin, unchanged, after a Received-SPF field with the verdict
// (RFC 7208 §9.1). Streamed: only the first line is looked at (for its line ending, and an
// mbox "From " line to keep first), the rest passes through in chunks, whatever the size.
import { foldField } from '../../mime/index.js';
import { receivedSpf } from '../../spf/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { stdinChunks, writeStdout } from '../io.js';
import { checkFromFlags, type SpfFlags } from './spf-check.js';

export interface SpfStampInput {
  flags: SpfFlags;
}

/** How much is read looking for the end of the first line before CRLF is assumed. */
const FIRST_LINE_MAX = 64 * 1024;

export async function runSpfStamp({ flags }: SpfStampInput): Promise<void> {
  const result = await checkFromFlags(flags);
  const field = foldField('Received-SPF', receivedSpf(result));
  await prependField(field, stdinChunks());
}

/**
 * Writes the message with `field` (CRLF-terminated lines) before its header: after an mbox
 * "From " line if there is one, with the line ending the message's first line uses.
 */
export async function prependField(field: string, source: AsyncIterable<Uint8Array>): Promise<void> {
  const it = source[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let size = 0;
  let lf = -1;
  while (lf < 0 && size < FIRST_LINE_MAX) {
    const next = await it.next();
    if (next.done) break;
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    const at = chunk.indexOf(0x0a);
    if (at >= 0) lf = size + at;
    held.push(chunk);
    size += chunk.length;
  }
  if (size === 0) throw new CliError(EXIT.dataErr, 'no email on standard input');
  const head = Buffer.concat(held);
  const crlf = lf < 0 || (lf > 0 && head[lf - 1] === 0x0d);
  const text = crlf ? field : field.replace(/\r\n/g, '\n');
  const postmark = lf >= 0 && head.subarray(0, 5).toString('latin1') === 'From ' ? lf + 1 : 0;
  await write(head.subarray(0, postmark));
  await write(Buffer.from(text, 'utf8'));
  await write(head.subarray(postmark));
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    await write(next.value);
  }
  await writeStdout(new Uint8Array(0));
}

/** One chunk to stdout, waiting for the pipe to drain when it is full. */
function write(chunk: Uint8Array): Promise<void> | undefined {
  if (chunk.length === 0 || process.stdout.write(chunk)) return undefined;
  return new Promise((resolve) => process.stdout.once('drain', () => resolve()));
}
