// `poste make put`: a part appended to a multipart email.
import { basename, extname } from 'node:path';
import { appendPart, BuildError, createLeaf, serialize, type TransferEncoding } from '../../mime/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readInputFile, writeStdout } from '../io.js';
import { readMessage } from '../message-input.js';

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

export interface MakePutInput {
  args: { file: string };
  flags: {
    type?: string | undefined;
    encoding?: string | undefined;
    name?: string | undefined;
    disposition?: string | undefined;
  };
}

export async function runMakePut({ args, flags }: MakePutInput): Promise<void> {
  const content = await readInputFile(args.file);
  const type = flags.type ?? BY_EXTENSION[extname(args.file).toLowerCase()] ?? 'application/octet-stream';
  const { root } = await readMessage();
  try {
    const part = createLeaf({
      type,
      body: content,
      filename: flags.name ?? basename(args.file),
      disposition: flags.disposition ?? 'attachment',
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
