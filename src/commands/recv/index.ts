import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runRecv } from '../../cli/run/recv.js';

export default class Recv extends PosteCommand {
  static override summary = 'Show the route of an email from its Received fields';
  static override description =
    'Reads an email on standard input and prints its route, oldest hop first (the bottom Received ' +
    'field is the first hop): a table of hop, from, by, with, date (ISO 8601, UTC) and delay (seconds ' +
    'since the previous dated hop; negative when clocks disagree), or a graphviz digraph with --dot ' +
    '(hosts are nodes, edges are labelled with hop, protocol and delay), or one JSON object per hop ' +
    'with --json. Only the header is read. Exits 1 when the email has no Received field.';
  static override examples = [
    '<%= config.bin %> recv < message.eml',
    '<%= config.bin %> recv --dot < message.eml | dot -Tsvg > route.svg',
    '<%= config.bin %> recv --json < message.eml',
  ];
  static override flags = {
    dot: Flags.boolean({ description: 'print a graphviz digraph', exclusive: ['json'] }),
    json: Flags.boolean({ description: 'print one JSON object per hop', exclusive: ['dot'] }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Recv);
    await runRecv({ flags });
  }
}
