import { basename, extname } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { PosteCommand } from '../../cli/base-command.js';
import { CliError, EXIT } from '../../cli/exit-codes.js';
import { readInputFile, writeStdout } from '../../cli/io.js';
import { readMessage } from '../../cli/message-input.js';
import { appendPart, BuildError, createLeaf, serialize, type TransferEncoding } from '../../mime/index.js';

// The media types of common attachments, so that `--type` is rarely needed.
const BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.ics': 'text/calendar; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.eml': 'message/rfc822',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.odt': 'application/vnd.oasis.opendocument.text',
};

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
    const content = await readInputFile(args.file);
    const type = flags.type ?? BY_EXTENSION[extname(args.file).toLowerCase()] ?? 'application/octet-stream';
    const { root } = await readMessage();
    try {
      const part = createLeaf({
        type,
        body: content,
        filename: flags.name ?? basename(args.file),
        disposition: flags.disposition,
        ...(flags.encoding ? { encoding: flags.encoding as TransferEncoding } : {}),
      });
      appendPart(root, part);
    } catch (e) {
      if (e instanceof BuildError) {
        throw new CliError(e.code === 'not-multipart' ? EXIT.dataErr : EXIT.usage, e.message, { cause: e });
      }
      throw e;
    }
    await writeStdout(serialize(root));
  }
}
