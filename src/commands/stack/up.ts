import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runStackUp } from '../../cli/run/stack.js';

export default class StackUp extends PosteCommand {
  static override summary = 'Start the whole mail system on this machine: eight services on loopback';
  static override description =
    'The first time, builds the embedded default in DIR: a local CA and a certificate for the mail host, a ' +
    'store with two demo domains (alpha.test, beta.test) and their users, and the configs of the eight ' +
    'services on free loopback ports; the resolver answers only the demo zones (from the primary), so ' +
    'nothing leaves the machine. Then starts every service that is not running as its own process ' +
    '(`poste serve`), waits until each answers /health, prints every address, port and pid, and writes ' +
    'them to DIR/stack.json with the demo users. Run again on a running stack, it restarts only what is ' +
    'down. With --detach it returns once all are healthy; without, it stays and stops them on SIGINT.';
  static override examples = [
    '<%= config.bin %> stack up --data /tmp/poste-stack --detach',
    '<%= config.bin %> stack up',
  ];
  static override flags = {
    data: Flags.string({
      description: 'the stack directory (default $POSTE_STACK_DIR or ~/.local/share/poste/stack)',
    }),
    detach: Flags.boolean({ description: 'return once every service is healthy' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(StackUp);
    await runStackUp({ flags });
  }
}
