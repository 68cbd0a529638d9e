// `poste hdr`: decoded header values; only the header is read.
import { decodeUnstructured } from '../../mime/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeStdout } from '../io.js';
import { readTopHeader } from '../message-input.js';

export interface HdrInput {
  argv: string[];
  flags: { raw?: boolean | undefined; name?: boolean | undefined };
}

export async function runHdr({ argv, flags }: HdrInput): Promise<void> {
  const names = argv.map((n) => n.replace(/:$/, '').toLowerCase());
  const header = await readTopHeader();
  const out: string[] = [];
  for (const f of header.fields) {
    if (!names.includes(f.name.toLowerCase())) continue;
    const value = flags.raw ? f.value : decodeUnstructured(f.value).text;
    // A decoded value may hold a line break (encoded in the word): keep one value per line.
    const line = value.replace(/[\r\n]+/g, ' ');
    out.push(flags.name ? `${f.name}: ${line}` : line);
  }
  if (out.length === 0) throw new CliError(EXIT.verdict, `no ${names.join(', ')} field`);
  await writeStdout(`${out.join('\n')}\n`);
}
