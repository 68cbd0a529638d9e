import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runMakePut } from '../../cli/run/make-put.js';

export default class MakePut extends PosteCommand {
  static override summary = 'Append a part (an attachment) to a multipart email';
  static override description =
    'Reads a multipart email on standard input and writes it with FILE appended as a new part. ' +
    'The media type is guessed from the file name unless --type is given; binary content is base64.';
  static override examples = [
    `<%= config.bin %> make --from me@example.org --to you@example.net < note.txt | <%= config.bin %> make wrap --mixed | <%= config.bin %> make put --type image/png photo.png`,
    `... | <%= config.bin %> make put --name 'Résumé.pdf' cv.pdf`,
  ];
  static override args = {
    file: Args.string({ description: 'the content of the new part', required: true, ignoreStdin: true }),
  };
  static override flags = {
    type: Flags.string({
      description: 'the Content-Type (default: from the file extension, else application/octet-stream)',
    }),
    encoding: Flags.string({
      description: 'the Content-Transfer-Encoding (default: chosen by content)',
      options: ['7bit', '8bit', 'binary', 'quoted-printable', 'base64'],
    }),
    name: Flags.string({ description: 'the file name shown to the reader (default: the base name of FILE)' }),
    disposition: Flags.string({
      description: 'attachment or inline',
      options: ['attachment', 'inline'],
      default: 'attachment',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MakePut);
    await runMakePut({ args, flags });
  }
}
