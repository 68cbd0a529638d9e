// The base of every poste command: failures become one line on stderr and a sysexits code;
// never a stack trace (set POSTE_DEBUG=1 to see one).
import { Command, Errors } from '@oclif/core';
import { CliError, EXIT } from './exit-codes.js';
import { reportFailure, usageLine } from './report.js';

export abstract class PosteCommand extends Command {
  protected override async catch(
    err: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<unknown> {
    if (err instanceof Errors.ExitError) {
      process.exitCode = err.oclif.exit ?? EXIT.software;
      return undefined;
    }
    // oclif's flag and argument errors carry the parser output as `parse`: a usage error.
    const usage = err instanceof Errors.CLIError && 'parse' in err;
    const id = this.id?.replace(/:/g, ' ');
    process.exitCode = usage
      ? reportFailure(
          new CliError(EXIT.usage, `${usageLine(err.message)} (see: poste ${id ?? ''} --help)`),
          id,
        )
      : reportFailure(err, id);
    return undefined;
  }
}
