// TLS key and certificate files that may be replaced while a service runs (renewal by the
// acme service writes them atomically): the files are checked every few seconds and a new
// SecureContext is built when they change, so new connections get the new certificate and
// open ones are never dropped. A pair that does not load (caught between the two renames)
// keeps the previous context until the next check.
import { promises as fs, readFileSync } from 'node:fs';
import tls from 'node:tls';

export interface TlsFilesOptions {
  keyFile: string;
  certFile: string;
  /** How often to look for a change, in ms. */
  pollMs?: number;
  onReload?: (info: { ok: boolean; error?: string }) => void;
}

export class TlsFiles {
  private current: tls.SecureContext;
  private signature = '';
  private timer: NodeJS.Timeout | undefined;

  /** Loads the pair now; throws when it does not load (a service must not start without it). */
  constructor(private readonly opts: TlsFilesOptions) {
    this.current = tls.createSecureContext({
      key: readFileSync(opts.keyFile),
      cert: readFileSync(opts.certFile),
    });
  }

  /** The context for a new connection (STARTTLS upgrades, SNICallback). */
  context(): tls.SecureContext {
    return this.current;
  }

  /** Key and chain as options for tls.createServer / server.setSecureContext. */
  async options(): Promise<{ key: Buffer; cert: Buffer }> {
    return { key: await fs.readFile(this.opts.keyFile), cert: await fs.readFile(this.opts.certFile) };
  }

  start(onContext?: (ctx: tls.SecureContext, files: { key: Buffer; cert: Buffer }) => void): void {
    void this.check(onContext, true);
    this.timer = setInterval(() => void this.check(onContext), this.opts.pollMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reloads when either file changed; returns whether a new context is in use. */
  async check(
    onContext?: (ctx: tls.SecureContext, files: { key: Buffer; cert: Buffer }) => void,
    initial = false,
  ): Promise<boolean> {
    let signature: string;
    try {
      const [k, c] = await Promise.all([fs.stat(this.opts.keyFile), fs.stat(this.opts.certFile)]);
      signature = `${k.ino}:${k.size}:${k.mtimeMs}/${c.ino}:${c.size}:${c.mtimeMs}`;
    } catch (err) {
      this.opts.onReload?.({ ok: false, error: (err as Error).message });
      return false;
    }
    if (signature === this.signature) return false;
    const first = this.signature === '' && initial;
    this.signature = signature;
    if (first) return false;
    try {
      const files = await this.options();
      this.current = tls.createSecureContext(files);
      onContext?.(this.current, files);
      this.opts.onReload?.({ ok: true });
      return true;
    } catch (err) {
      this.signature = ''; // try again at the next check
      this.opts.onReload?.({ ok: false, error: (err as Error).message });
      return false;
    }
  }
}
