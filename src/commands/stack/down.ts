import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runStackDown } from '../../cli/run/stack.js';

export default class StackDown extends PosteCommand {
  static override summary = 'Stop every service of the stack';
  static override description =
    'Sends SIGTERM to each service by the pid in DIR/stack.json, in reverse order (submission first, the ' +
    'primary last), waits for it to finish what is in progress, and SIGKILLs it after 10 seconds.';
  static override examples = ['<%= config.bin %> stack down --data /tmp/poste-stack'];
  static override flags = {
    data: Flags.string({
      description: 'the stack directory (default $POSTE_STACK_DIR or ~/.local/share/poste/stack)',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(StackDown);
    await runStackDown({ flags });
  }
}
