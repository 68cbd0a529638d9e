// An unknown command is a usage error (exit 64) with one line saying so, not oclif's
// multi-line error and exit 2.
import type { Hook } from '@oclif/core';
import { EXIT } from '../exit-codes.js';

const hook: Hook<'command_not_found'> = async (opts) => {
  const known = opts.config.commandIDs.map((id) => id.replace(/:/g, ' ')).join(', ');
  process.stderr.write(
    `poste: no command "${opts.id.replace(/:/g, ' ')}" (commands: ${known}; see poste --help)\n`,
  );
  process.exit(EXIT.usage);
};

export default hook;
