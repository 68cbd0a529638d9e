import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runQueueShow } from '../../cli/run/queue.js';

export default class QueueShow extends PosteCommand {
  static override summary = 'Show one queued message';
  static override description =
    'Its envelope, delivery state per recipient and header section; with --message the message itself, as ' +
    'it will be sent; with --json the envelope and state as data.';
  static override examples = [
    '<%= config.bin %> queue show --spool spool 0mf3k2a1b.3fa2c1d4e5f6',
    '<%= config.bin %> queue show --spool spool --message 0mf3k2a1b.3fa2c1d4e5f6 | poste descr',
  ];
  static override args = {
    id: Args.string({ description: 'the queue id (from poste queue list)', required: true }),
  };
  static override flags = {
    spool: Flags.string({ description: 'the spool directory of the relay', required: true }),
    json: Flags.boolean({ description: 'print the envelope and state as JSON', exclusive: ['message'] }),
    message: Flags.boolean({ description: 'print the message itself', exclusive: ['json'] }),
  };

  async run(): Promise<void> {
    const { flags, args } = await this.parse(QueueShow);
    await runQueueShow({ flags, args });
  }
}
