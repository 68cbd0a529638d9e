import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runQueueHold } from '../../cli/run/queue.js';

export default class QueueHold extends PosteCommand {
  static override summary = 'Hold queued messages: keep them but do not deliver them';
  static override description =
    "Moves the messages to the spool's hold folder, where the relay leaves them until `poste queue release`.";
  static override examples = ['<%= config.bin %> queue hold --spool spool 0mf3k2a1b.3fa2c1d4e5f6'];
  static override strict = false;
  static override flags = {
    spool: Flags.string({ description: 'the spool directory of the relay', required: true }),
    json: Flags.boolean({ description: 'print what was done as JSON' }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(QueueHold);
    await runQueueHold({ flags, argv: argv as string[] });
  }
}
