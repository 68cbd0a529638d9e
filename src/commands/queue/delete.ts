import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runQueueDelete } from '../../cli/run/queue.js';

export default class QueueDelete extends PosteCommand {
  static override summary = 'Delete queued messages without delivering them';
  static override description =
    'Removes the messages from the spool (no DSN is sent) and tells a running relay to forget them.';
  static override examples = ['<%= config.bin %> queue delete --spool spool 0mf3k2a1b.3fa2c1d4e5f6'];
  static override strict = false;
  static override flags = {
    spool: Flags.string({ description: 'the spool directory of the relay', required: true }),
    json: Flags.boolean({ description: 'print what was done as JSON' }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(QueueDelete);
    await runQueueDelete({ flags, argv: argv as string[] });
  }
}
