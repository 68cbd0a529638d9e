// Group commit for directory entries: many writers rename files into one directory and each
// needs the rename on disk before it acknowledges. One fsync of the directory covers every
// rename done before it started, so concurrent callers share it: a call made while a sync
// runs waits for the next one (its rename may have come too late for the running one).
import { open } from 'node:fs/promises';

export class DirSyncer {
  readonly #dir: string;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  /** fsyncs issued (for benchmarks: how many callers each one served). */
  syncs = 0;

  constructor(dir: string) {
    this.#dir = dir;
  }

  sync(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#once().finally(() => {
        this.#running = undefined;
      });
      return this.#running;
    }
    this.#next ??= this.#running.then(() => {
      this.#next = undefined;
      return this.sync();
    });
    return this.#next;
  }

  async #once(): Promise<void> {
    this.syncs++;
    const fh = await open(this.#dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
