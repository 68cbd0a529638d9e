// The stack's processes: each service is `poste serve NAME --config FILE`, started detached
// with its output in a log file, found again by its pid, checked by its /health endpoint,
// stopped by SIGTERM (then SIGKILL after a grace period) — always by pid.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import http from 'node:http';

export function isAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Starts `node BIN serve NAME --config CONFIG` in its own session; returns its pid. */
export function startService(bin: string, name: string, config: string, logFile: string): number {
  const log = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [bin, 'serve', name, '--config', config], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    if (!child.pid) throw new Error(`could not start ${name}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** GET http://HOST:PORT/health → true on 200 within `timeoutMs`. */
export function healthy(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/health', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export async function waitHealthy(
  host: string,
  port: number,
  pid: number,
  timeoutMs: number,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!isAlive(pid)) return false;
    if (await healthy(host, port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(
  pid: number,
  graceMs = 10_000,
): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isAlive(pid)) return 'not-running';
  process.kill(pid, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (Date.now() < end) {
    if (!isAlive(pid)) return 'stopped';
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
  return 'killed';
}
