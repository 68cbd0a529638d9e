// Progress on stderr for long work: a redrawn bar on a terminal, a line every few seconds
// otherwise (logs stay readable). Nothing goes to stdout, which carries data.
export interface Progress {
  update(done: number, extra?: string): void;
  finish(): void;
}

export function createProgress(label: string, total: number | undefined, quiet = false): Progress {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let last = 0;
  let shown = false;
  const line = (done: number, extra: string) => {
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    if (total === undefined || total === 0) return `${label}: ${done} ${extra} ${rate}/s`;
    const frac = Math.min(1, done / total);
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '-');
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    return `${label} [${bar}] ${(frac * 100).toFixed(0)}% ${done}/${total} ${extra} ${rate}/s eta ${eta}s`;
  };
  return {
    update(done, extra = '') {
      if (quiet) return;
      const now = Date.now();
      if (now - last < (tty ? 200 : 5000)) return;
      last = now;
      shown = true;
      process.stderr.write(tty ? `\r\x1b[K${line(done, extra)}` : `${line(done, extra)}\n`);
    },
    finish() {
      if (quiet || !shown) return;
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}
