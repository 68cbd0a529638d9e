import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runQueueList } from '../../cli/run/queue.js';

export default class QueueList extends PosteCommand {
  static override summary = "List the relay's queue";
  static override description =
    'Every message in the spool, oldest first: its id, size, arrival, sender, attempts and next try, and each ' +
    'recipient with its state (pending, delivered, failed) and the last reply. Held messages are marked.';
  static override examples = [
    '<%= config.bin %> queue list --spool /var/spool/poste',
    '<%= config.bin %> queue list --spool spool --json',
  ];
  static override flags = {
    spool: Flags.string({ description: 'the spool directory of the relay', required: true }),
    json: Flags.boolean({ description: 'print the queue as a JSON array' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(QueueList);
    await runQueueList({ flags });
  }
}
