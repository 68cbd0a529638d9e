import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runStackStatus } from '../../cli/run/stack.js';

export default class StackStatus extends PosteCommand {
  static override summary = 'Show the health and pid of each service of the stack';
  static override description =
    'For each of the eight services: where it listens, its pid, and whether it is up (its /health answers), ' +
    'unhealthy (running but not answering) or down. Exits 0 when all are up, 1 otherwise.';
  static override examples = [
    '<%= config.bin %> stack status --data /tmp/poste-stack',
    '<%= config.bin %> stack status --json',
  ];
  static override flags = {
    data: Flags.string({
      description: 'the stack directory (default $POSTE_STACK_DIR or ~/.local/share/poste/stack)',
    }),
    json: Flags.boolean({ description: 'print the status as JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(StackStatus);
    await runStackStatus({ flags });
  }
}
