// Runs the built `poste` (bin/run.js) as a user would, with bytes in and out.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = resolve(repoRoot, 'bin', 'run.js');

export interface CliResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

export function poste(args: string[], input?: Uint8Array | string, env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    input: input === undefined ? Buffer.alloc(0) : Buffer.from(input),
    cwd: repoRoot,
    env: { ...process.env, ...env },
    maxBuffer: 1 << 30,
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** Runs several stages as a shell pipe would, failing loudly if a stage fails. */
export function pipe(stages: string[][], input?: Uint8Array | string): CliResult {
  let data: Uint8Array | string | undefined = input;
  let last: CliResult | undefined;
  for (const args of stages) {
    last = poste(args, data);
    if (last.status !== 0) throw new Error(`poste ${args.join(' ')} exited ${last.status}: ${last.stderr}`);
    data = last.stdout;
  }
  return last as CliResult;
}
