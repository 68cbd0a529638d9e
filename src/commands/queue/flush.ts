import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runQueueFlush } from '../../cli/run/queue.js';

export default class QueueFlush extends PosteCommand {
  static override summary = 'Try every queued message now';
  static override description =
    'Tells the running relay (SIGUSR2 to the pid in SPOOL/relay.pid) to re-read the spool and try every ' +
    'message that is not held now, whatever its retry time. With no relay running, the messages are made ' +
    'due at its next start.';
  static override examples = ['<%= config.bin %> queue flush --spool /var/spool/poste'];
  static override flags = {
    spool: Flags.string({ description: 'the spool directory of the relay', required: true }),
    json: Flags.boolean({ description: 'print what was done as JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(QueueFlush);
    await runQueueFlush({ flags });
  }
}
