// Raw byte I/O for pipes. oclif's helpers read text line by line and format output, which
// would corrupt CRLF and 8-bit mail: commands use these instead.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CliError, EXIT } from './exit-codes.js';

/** All of standard input as bytes. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Standard input as a stream of chunks (for streaming parsers). */
export function stdinChunks(): AsyncIterable<Uint8Array> {
  return process.stdin as AsyncIterable<Uint8Array>;
}

/** A file's bytes; a missing file is exit 66 (EX_NOINPUT). */
export async function readInputFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw noInput(path, e);
  }
}

export function fileChunks(path: string): AsyncIterable<Uint8Array> {
  const s = createReadStream(path, { highWaterMark: 256 * 1024 });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const c of s) yield c as Buffer;
      } catch (e) {
        throw noInput(path, e);
      }
    },
  };
}

function noInput(path: string, e: unknown): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : String(code ?? e);
  return new CliError(EXIT.noInput, `cannot read ${path}: ${why}`, { cause: e });
}

/** Writes bytes to stdout and waits until they are handed to the OS (so exit loses nothing). */
export function writeStdout(data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

/** Writes a stream of chunks to stdout, honouring back-pressure. */
export async function writeStdoutChunks(chunks: Iterable<Uint8Array>): Promise<void> {
  for (const c of chunks) {
    if (!process.stdout.write(c)) await new Promise((r) => process.stdout.once('drain', r));
  }
  await writeStdout(new Uint8Array(0));
}

// A reader that went away (`poste descr | head`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
