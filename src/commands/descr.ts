import { Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { runDescr } from '../cli/run/descr.js';

export default class Descr extends PosteCommand {
  static override summary = 'Describe the structure of an email';
  static override description =
    'Reads an email on standard input and prints its MIME tree: each part with its path, media type, ' +
    'disposition, file name and decoded size. The email is streamed, so any size works. With --json, ' +
    'prints the structure documented in docs/commands/descr.md, with the SHA-256 of each decoded body.';
  static override examples = [
    '<%= config.bin %> descr < message.eml',
    `<%= config.bin %> descr --json < message.eml | jq '.root.parts[].type'`,
  ];
  static override flags = {
    json: Flags.boolean({ description: 'print the structure as JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Descr);
    await runDescr({ flags });
  }
}
