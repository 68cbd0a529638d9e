// A single-file bundle runs on its own: built by scripts/bundle.mjs, copied out of the
// repository, it checks its config (a bad key → 65, naming it), starts sandboxed, says
// `ready`, and stops with 0 on SIGTERM — stopped by pid whatever happens.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'poste-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the relay bundle', () => {
  it('is one file that checks its config, starts, and stops on SIGTERM', { timeout: 120_000 }, async () => {
    const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'bundle.mjs'), 'relay'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(built.status, built.stderr).toBe(0);
    copyFileSync(join(repoRoot, 'dist', 'bundle', 'relay.mjs'), join(dir, 'relay.mjs'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ spool: join(dir, 'spool'), lisen: '127.0.0.1:0' }));
    const bad = spawnSync(process.execPath, ['relay.mjs', '--config', 'bad.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(65);
    expect(bad.stderr).toMatch(/relay\.lisen: unknown key/);
    writeFileSync(
      join(dir, 'good.json'),
      JSON.stringify({ spool: join(dir, 'spool'), listen: '127.0.0.1:0', minFree: 0 }),
    );
    const child = spawn(process.execPath, ['relay.mjs', '--config', 'good.json'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let log = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d) => {
          log += d;
          if (/"event":"ready"/.test(log)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${log}`)));
      });
      expect(log).toMatch(/"event":"sandbox"/);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
