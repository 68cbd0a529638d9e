// Shared pieces of the interop tier: finding peers, running Debian's python3.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's python3, which owns the distribution's Python modules (not the first on PATH). */
export const PYTHON = '/usr/bin/python3';

export function have(cmd: string): boolean {
  if (cmd.startsWith('/')) return existsSync(cmd);
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** In CI (.ci/run) every peer must be present; elsewhere a missing one skips its tests. */
export function requirePeer(cmd: string): boolean {
  const ok = have(cmd);
  if (!ok && process.env.POSTE_REQUIRE_TESTDATA === '1')
    throw new Error(`interop peer missing: ${cmd} (run test/interop/install-peers.sh)`);
  if (!ok) process.stderr.write(`notice: interop peer ${cmd} not installed; its tests are skipped\n`);
  return ok;
}

export function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return filesUnder(p, pattern);
      return pattern.test(name) ? [p] : [];
    });
}

export function runPython(script: string, input: string): string {
  const r = spawnSync(PYTHON, [script], { input, maxBuffer: 1 << 28, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr.toString()}`);
  return r.stdout.toString('utf8');
}
