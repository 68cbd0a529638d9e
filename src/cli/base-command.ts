// The base of every poste command: failures become one line on stderr and a sysexits code;
// never a stack trace (set POSTE_DEBUG=1 to see one).
import { Command, Errors } from '@oclif/core';
import { CliError, EXIT } from './exit-codes.js';

export abstract class PosteCommand extends Command {
  protected override async catch(
    err: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<unknown> {
    if (process.env.POSTE_DEBUG === '1') process.stderr.write(`${err.stack}\n`);
    let code: number = EXIT.software;
    let message = err.message;
    if (err instanceof CliError) code = err.exitCode;
    else if (err instanceof Errors.ExitError) code = err.oclif.exit ?? EXIT.software;
    else if (isParseError(err)) {
      code = EXIT.usage;
      message = `${firstLine(err.message)} (see: poste ${this.id ?? ''} --help)`;
    } else if ((err as NodeJS.ErrnoException).code === 'EPIPE') code = EXIT.ok;
    else message = `internal error: ${err.message}`;
    if (code !== EXIT.ok && !(err instanceof Errors.ExitError)) {
      process.stderr.write(`poste${this.id ? ` ${this.id}` : ''}: ${firstLine(message)}\n`);
    }
    process.exitCode = code;
    return undefined;
  }
}

/** oclif's flag and argument errors carry the parser output as `parse`. */
function isParseError(err: Error): boolean {
  return err instanceof Errors.CLIError && 'parse' in err;
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s;
  return line.trim().replace(/^Error: /, '');
}
