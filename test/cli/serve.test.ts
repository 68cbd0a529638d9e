// `poste serve`: a bad config is one line naming the key with exit 65; --check prints the
// config with its defaults; a good relay config starts (in the sandbox, by default), answers
// /health on its metrics port, logs its state on SIGUSR1 and exits 0 on SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bin, poste, repoRoot } from '../helpers/run-cli.js';

let dir: string;
const pids: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'poste-serve-'));
});
afterEach(() => {
  // Whatever happened, nothing started here outlives its test.
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('poste serve', () => {
  it('refuses an unknown key in one line naming it, exit 65', () => {
    const file = config('relay.json', { spool: 'spool', listen: '127.0.0.1:0', lisen: '127.0.0.1:25' });
    const r = poste(['serve', 'relay', '--config', file]);
    expect(r.status).toBe(65);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^poste serve: .*relay\.lisen: unknown key/);
  });

  it('refuses a value of the wrong type, naming the key, exit 65', () => {
    const file = config('relay.json', { spool: 'spool', listen: 25 });
    const r = poste(['serve', 'relay', '--config', file]);
    expect(r.status).toBe(65);
    expect(r.stderr).toMatch(/relay\.listen: expected ADDR:PORT, got 25\n$/);
  });

  it('says so when the config file is missing (66) or not JSON (65)', () => {
    expect(poste(['serve', 'relay', '--config', join(dir, 'none.json')]).status).toBe(66);
    writeFileSync(join(dir, 'bad.json'), '{"spool": ');
    const r = poste(['serve', 'relay', '--config', join(dir, 'bad.json')]);
    expect(r.status).toBe(65);
    expect(r.stderr).toMatch(/not JSON/);
  });

  it('--check prints the effective config, defaults filled in, in the file’s own terms', () => {
    const file = config('relay.json', { spool: 'spool', retryMin: '1m', metrics: '127.0.0.1:9100' });
    const r = poste(['serve', 'relay', '--config', file, '--check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.toString('utf8'));
    expect(out).toMatchObject({
      spool: 'spool',
      listen: '127.0.0.1:10025',
      retryMin: '1m',
      retryMax: '1h',
      allow: ['127.0.0.0/8', '::1/128'],
      metrics: '127.0.0.1:9100',
    });
    expect(out).not.toHaveProperty('store');
  });

  for (const sandbox of [true, false]) {
    it(`runs the relay ${sandbox ? 'in the sandbox' : 'with --no-sandbox'}: ready, /health, SIGUSR1, SIGTERM → 0`, async () => {
      const file = config('relay.json', {
        spool: 'spool',
        listen: '127.0.0.1:0',
        metrics: '127.0.0.1:0',
        routes: ['*=127.0.0.1:9'],
      });
      const args = [bin, 'serve', 'relay', '--config', file, ...(sandbox ? [] : ['--no-sandbox'])];
      const child: ChildProcess = spawn(process.execPath, args, {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      pids.push(child.pid as number);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const events: Record<string, unknown>[] = [];
      let buffered = '';
      const waiters: { event: string; resolve: (e: Record<string, unknown>) => void }[] = [];
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf('\n');
          let e: Record<string, unknown>;
          try {
            e = JSON.parse(line);
          } catch {
            e = { event: 'text', line };
          }
          events.push(e);
          for (const w of waiters.filter((x) => x.event === e.event)) w.resolve(e);
        }
      });
      const next = (event: string) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const seen = events.find((e) => e.event === event);
          if (seen) return resolve(seen);
          waiters.push({ event, resolve });
          void exited.then((code) =>
            reject(new Error(`exited ${code} before ${event}: ${JSON.stringify(events)}`)),
          );
        });

      const ready = await next('ready');
      if (typeof ready.pid === 'number' && ready.pid !== child.pid) pids.push(ready.pid);
      expect(events.some((e) => e.event === 'sandbox')).toBe(sandbox);
      const listeners = ready.listeners as string[];
      expect(listeners.some((l) => /^smtp=127\.0\.0\.1:\d+$/.test(l))).toBe(true);
      const metrics = listeners.find((l) => l.startsWith('metrics=')) as string;
      const port = Number(metrics.split(':').pop());
      const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/health' }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
          .on('error', reject)
          .end();
      });
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({
        status: 'ok',
        service: 'relay',
        listeners: { smtp: {} },
      });

      child.kill('SIGUSR1');
      const state = await next('state');
      expect(state).toMatchObject({ queued: 0, sessions: 0 });

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(events.map((e) => e.event)).toContain('closed');
      expect(events.filter((e) => e.event === 'text')).toEqual([]);
    });
  }

  it('refuses an unknown service (usage, 64)', () => {
    const file = config('x.json', {});
    const r = poste(['serve', 'mailman', '--config', file]);
    expect(r.status).toBe(64);
  });
});
