import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runQueueRelease } from '../../cli/run/queue.js';

export default class QueueRelease extends PosteCommand {
  static override summary = 'Release held messages for delivery';
  static override description =
    'Moves held messages back into the queue; a running relay tries them at their next due time (`poste queue flush` for now).';
  static override examples = ['<%= config.bin %> queue release --spool spool 0mf3k2a1b.3fa2c1d4e5f6'];
  static override strict = false;
  static override flags = {
    spool: Flags.string({ description: 'the spool directory of the relay', required: true }),
    json: Flags.boolean({ description: 'print what was done as JSON' }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(QueueRelease);
    await runQueueRelease({ flags, argv: argv as string[] });
  }
}
