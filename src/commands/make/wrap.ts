import { Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { runMakeWrap } from '../../cli/run/make-wrap.js';

export default class MakeWrap extends PosteCommand {
  static override summary = 'Wrap the body of an email into a multipart';
  static override description =
    'Reads an email on standard input and writes it with its body moved into the first part of a ' +
    'new multipart (RFC 2046 §5.1); the header fields other than the content fields stay where they are.';
  static override examples = [
    `<%= config.bin %> make --from me@example.org --to you@example.net < note.txt | <%= config.bin %> make wrap --mixed | <%= config.bin %> make put photo.png`,
    `<%= config.bin %> make --type text/plain < plain.txt | <%= config.bin %> make wrap --alternative | <%= config.bin %> make put --type text/html --disposition inline page.html`,
  ];
  static override flags = {
    mixed: Flags.boolean({
      description: 'multipart/mixed (body and attachments)',
      exclusive: ['alternative', 'related', 'parallel'],
    }),
    alternative: Flags.boolean({
      description: 'multipart/alternative (the same content in several forms)',
      exclusive: ['mixed', 'related', 'parallel'],
    }),
    related: Flags.boolean({
      description: 'multipart/related (HTML and its images, RFC 2387)',
      exclusive: ['mixed', 'alternative', 'parallel'],
    }),
    parallel: Flags.boolean({
      description: 'multipart/parallel',
      exclusive: ['mixed', 'alternative', 'related'],
    }),
    seed: Flags.string({ description: 'seed for the boundary (reproducible output, for tests)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MakeWrap);
    await runMakeWrap({ flags });
  }
}
