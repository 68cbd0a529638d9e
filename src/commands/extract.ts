import { Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { runExtract } from '../cli/run/extract.js';

export default class Extract extends PosteCommand {
  static override summary = 'Write the decoded content of one part';
  static override description =
    'Reads an email on standard input and writes the body of the part at PATH (as `poste descr` numbers ' +
    'them: 1.2 is the second part of the first part; 0 is the whole message) after transfer decoding, ' +
    'as bytes. For a multipart or message/rfc822 part, its body is written as it is in the message (the enclosed ' +
    'email, for message/rfc822). Streams: any size works.';
  static override examples = [
    '<%= config.bin %> extract --part 2 < message.eml > photo.png',
    '<%= config.bin %> descr < message.eml; <%= config.bin %> extract --part 1.1 < message.eml',
  ];
  static override flags = {
    part: Flags.string({ char: 'p', description: 'the part path, e.g. 1.2', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Extract);
    await runExtract({ flags });
  }
}
