// Turning a failure into one line on stderr and a sysexits code, shared by the oclif base
// command and the fast path. No oclif import here: the fast path must not load it.
import { CliError, EXIT } from './exit-codes.js';

export function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s;
  return line.trim().replace(/^Error: /, '');
}

/**
 * oclif's usage errors (a missing flag or argument, an unknown flag) in one line: oclif puts
 * the what on the lines after a header ("The following errors occurred:", "Missing 1
 * required arg:"), which the first line alone would lose. The help hint goes: we add our own.
 */
export function usageLine(message: string): string {
  const lines = message
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^See more help with/i.test(l));
  const [head, ...rest] = lines;
  if (head === undefined) return message.trim();
  if (/^The following errors? occurred:$/i.test(head) && rest.length > 0) return rest.join('; ');
  // "Missing 1 required arg:" then one line per argument: its name, spaces, its description.
  if (head.endsWith(':') && rest.length > 0)
    return `${head} ${rest.map((r) => r.split(/\s{2,}/)[0]).join(', ')}`;
  return lines.join('; ');
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
