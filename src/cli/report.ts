// Turning a failure into one line on stderr and a sysexits code, shared by the oclif base
// command and the fast path. No oclif import here: the fast path must not load it.
import { CliError, EXIT } from './exit-codes.js';

export function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s;
  return line.trim().replace(/^Error: /, '');
}

/** Writes the failure line (unless there is nothing to say) and returns the exit code. */
export function reportFailure(err: unknown, commandId: string | undefined): number {
  const e = err as Error & NodeJS.ErrnoException;
  if (process.env.POSTE_DEBUG === '1' && e?.stack) process.stderr.write(`${e.stack}\n`);
  if (e?.code === 'EPIPE') return EXIT.ok;
  const code = err instanceof CliError ? err.exitCode : EXIT.software;
  const message = err instanceof CliError ? err.message : `internal error: ${e?.message ?? String(err)}`;
  process.stderr.write(`poste${commandId ? ` ${commandId}` : ''}: ${firstLine(message)}\n`);
  return code;
}
