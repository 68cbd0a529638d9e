// A message kept for output while it is read: pipes that prepend a header depending on the
// whole message (dkim sign, arc sign, verify) hold it here — in memory up to a threshold
// (8 MiB, POSTE_SPOOL_BYTES), beyond it in a temporary file (mode 0600, removed by
// dispose), so memory stays bounded whatever the size.
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEFAULT_SPOOL_BYTES = 8 * 1024 * 1024;

/** The threshold from the environment (POSTE_SPOOL_BYTES; POSTE_DKIM_SPOOL_BYTES, its older name). */
export function spoolThreshold(): number {
  const raw = process.env.POSTE_SPOOL_BYTES || process.env.POSTE_DKIM_SPOOL_BYTES;
  const n = Number(raw || DEFAULT_SPOOL_BYTES);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_SPOOL_BYTES;
}

export class Spool {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private dir: string | undefined;
  private file: FileHandle | undefined;
  spilled = false;

  constructor(private readonly threshold = spoolThreshold()) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.file) {
      await this.file.write(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > this.threshold) {
      this.dir = await mkdtemp(join(tmpdir(), 'poste-spool-'));
      this.file = await open(join(this.dir, 'message'), 'wx', 0o600);
      this.spilled = true;
      for (const c of this.chunks) await this.file.write(c);
      this.chunks = [];
    }
  }

  /** Every byte written, in order, once. */
  async replay(out: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    if (!this.file || !this.dir) {
      for (const c of this.chunks) await out(c);
      return;
    }
    await this.file.close();
    this.file = undefined;
    for await (const c of createReadStream(join(this.dir, 'message'), { highWaterMark: 1024 * 1024 }))
      await out(c as Buffer);
  }

  async dispose(): Promise<void> {
    await this.file?.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Writes one chunk to stdout, waiting for the drain when the pipe is full. */
export function writeStdoutChunk(chunk: Uint8Array): Promise<void> {
  if (process.stdout.write(chunk)) return Promise.resolve();
  return new Promise((r) => process.stdout.once('drain', r));
}
