// Shared by the `poste spam` commands: finding and loading a model, and reading the emails
// of a training or test set (a maildir, an mbox file, or a folder of .eml files).
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { splitMbox } from '../../corpus/index.js';
import {
  DEFAULT_MODEL_PATH,
  DEFAULT_TOKENIZER_LIMITS,
  decodeModel,
  type SpamModel,
} from '../../spam/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readInputFile } from '../io.js';

export { DEFAULT_MODEL_PATH };

export interface LoadedModel {
  model: SpamModel;
  /** The first 12 hex digits of the model's SHA-256, shown in X-Spam-Status. */
  id: string;
  path: string;
}

export async function loadModel(path: string = DEFAULT_MODEL_PATH): Promise<LoadedModel> {
  const bytes = await readInputFile(path);
  const r = decodeModel(bytes);
  if (!r.ok) throw new CliError(EXIT.dataErr, `${path}: ${r.reason}`);
  return { model: r.model, id: r.id.slice(0, 12), path };
}

/** At most `max` bytes from the start of a file: the tokenizer reads no further. */
export function readHead(path: string, max = DEFAULT_TOKENIZER_LIMITS.maxBytes): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new CliError(EXIT.noInput, `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, {
      cause: e,
    });
  }
  try {
    // Sized to the file: most emails are small, and a fresh 1 MiB per file would dominate.
    const size = Math.min(max, fstatSync(fd).size);
    const buf = Buffer.allocUnsafe(size);
    let n = 0;
    for (;;) {
      if (n >= size) break;
      const r = readSync(fd, buf, n, size - n, null);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** The emails of one source: an mbox file, a maildir (cur/ and new/), or a folder of files. */
export function* emailsOf(path: string): Generator<[name: string, email: Uint8Array]> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw new CliError(EXIT.noInput, `cannot read ${path}: no such file or directory`, { cause: e });
  }
  const files = st.isDirectory()
    ? filesUnder(path).filter((f) => !/\/(tmp)\/[^/]+$/.test(f) && !/\.(tsv|md|txt~)$/.test(f))
    : [path];
  for (const f of files) {
    const head = readHead(f, 5);
    if (head.toString('latin1') === 'From ' && !st.isDirectory()) {
      let i = 0;
      for (const m of splitMbox(readFileSync(f))) yield [`${f}#${++i}`, m];
    } else yield [f, readHead(f)];
  }
}

/** How many emails a source holds, for the progress bar (mbox files count as one each). */
export function countFiles(path: string): number {
  try {
    return statSync(path).isDirectory() ? filesUnder(path).length : 1;
  } catch {
    return 0;
  }
}
