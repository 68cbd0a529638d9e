// `poste mdir add|list|cat|flag DIR`: a maildir from the shell.
import { Maildir, type MaildirEntry, MaildirError } from '../../maildir/index.js';
import { decodeUnstructured } from '../../mime/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { fileChunks, stdinChunks, writeStdout } from '../io.js';
import { readTopHeader } from '../message-input.js';

interface DirArgs {
  args: Record<string, string | undefined>;
}

function cliError(err: unknown): unknown {
  if (err instanceof MaildirError) {
    const code = err.code === 'EBADFLAGS' || err.code === 'EAMBIGUOUS' ? EXIT.usage : EXIT.noInput;
    return new CliError(code, err.message, { cause: err });
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'ENOTDIR') {
    return new CliError(EXIT.noInput, e.message, { cause: err });
  }
  return err;
}

async function guard<T>(what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (err) {
    throw cliError(err);
  }
}

export async function runMdirAdd({
  args,
  flags,
}: DirArgs & { flags: { create?: boolean | undefined } }): Promise<void> {
  const dir = args.dir as string;
  const md = await guard(async () => {
    if (flags.create) return Maildir.create(dir);
    const m = new Maildir(dir);
    await m.check();
    return m;
  });
  const { name } = await guard(() => md.deliver(stdinChunks()));
  await writeStdout(`${name}\n`);
}

interface Row {
  name: string;
  folder: string;
  flags: string;
  size: number;
  date: string;
  from: string;
  subject: string;
}

async function describeEntry(e: MaildirEntry): Promise<Row> {
  const header = await readTopHeader(fileChunks(e.path));
  const text = (name: string) => {
    const v = header.get(name);
    return v === undefined ? '' : decodeUnstructured(v).text.replace(/[\r\n\t]+/g, ' ');
  };
  return {
    name: e.name,
    folder: e.folder,
    flags: e.flags,
    size: e.size,
    date: e.mtime.toISOString(),
    from: text('From'),
    subject: text('Subject'),
  };
}

export async function runMdirList({
  args,
  flags,
}: DirArgs & { flags: { json?: boolean | undefined } }): Promise<void> {
  const md = new Maildir(args.dir as string);
  const rows = await guard(async () => Promise.all((await md.list()).map(describeEntry)));
  if (flags.json) {
    await writeStdout(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const lines = rows.map((r) =>
    [r.name, r.folder, r.flags || '-', r.size, r.date, r.from, r.subject].join('\t'),
  );
  await writeStdout(lines.length ? `${lines.join('\n')}\n` : '');
}

export async function runMdirCat({ args }: DirArgs): Promise<void> {
  const md = new Maildir(args.dir as string);
  const entry = await guard(() => md.find(args.message as string));
  for await (const chunk of md.read(entry)) {
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
  }
  await writeStdout(new Uint8Array(0));
}

export async function runMdirFlag({ args }: DirArgs): Promise<void> {
  const md = new Maildir(args.dir as string);
  const e = await guard(() => md.flag(args.message as string, args.flags as string));
  await writeStdout(`${e.name}\n`);
}
