// `poste spam classify`: an email in, the same email out with X-Spam-Status, X-Spam-Score and
// X-Spam-Flag prepended; or, given files, one JSON line per file. The email is streamed: the
// head the tokenizer reads (at most its byte cap) is held back until the verdict is known,
// then the fields are written and every input byte follows unchanged.
import {
  type Classification,
  classifyTokens,
  createTokenizer,
  spamFields,
  tokenize,
} from '../../spam/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { stdinChunks, writeStdout } from '../io.js';
import { type LoadedModel, loadModel, readHead } from './spam-common.js';

export interface SpamClassifyInput {
  flags: { model?: string | undefined; json?: boolean | undefined };
  argv: string[];
}

export async function runSpamClassify({ flags, argv }: SpamClassifyInput): Promise<void> {
  const loaded = await loadModel(flags.model);
  if (argv.length > 0) return classifyFiles(loaded, argv, flags.json === true);
  const tokenizer = createTokenizer();
  const held: Uint8Array[] = [];
  const source = stdinChunks()[Symbol.asyncIterator]();
  for (;;) {
    const next = await source.next();
    if (next.done) break;
    held.push(next.value);
    if (!tokenizer.update(next.value)) break;
  }
  const result = classifyTokens(loaded.model, tokenizer.finish().tokens);
  if (flags.json) {
    await writeStdout(`${JSON.stringify(jsonOf(result))}\n`);
  } else {
    const head = Buffer.concat(held);
    await writeStdout(withFields(head, result, loaded.id));
    for (;;) {
      const next = await source.next();
      if (next.done) break;
      if (!process.stdout.write(next.value)) await new Promise((r) => process.stdout.once('drain', r));
    }
    await writeStdout(new Uint8Array(0));
  }
  if (result.verdict === 'spam') process.exitCode = EXIT.verdict;
}

async function classifyFiles(loaded: LoadedModel, files: string[], json: boolean): Promise<void> {
  let spam = false;
  let missing: CliError | undefined;
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = readHead(file);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      process.stderr.write(`poste spam classify: ${e.message}\n`);
      missing ??= e;
      continue;
    }
    const r = classifyTokens(loaded.model, tokenize(bytes).tokens);
    if (r.verdict === 'spam') spam = true;
    const line = json
      ? JSON.stringify({ file, ...jsonOf(r) })
      : `${file}\t${r.verdict}\t${r.score.toFixed(4)}`;
    if (!process.stdout.write(`${line}\n`)) await new Promise((res) => process.stdout.once('drain', res));
  }
  await writeStdout(new Uint8Array(0));
  if (missing) throw new CliError(EXIT.noInput, `${missing.message} (and the others were classified)`);
  if (spam) process.exitCode = EXIT.verdict;
}

function jsonOf(r: Classification): { verdict: string; score: number } {
  return { verdict: r.verdict, score: Number(r.score.toFixed(6)) };
}

/**
 * The three fields, in the line ending the email uses, placed before the header (after an
 * mbox "From " line, which must stay first).
 */
function withFields(head: Buffer, r: Classification, modelId: string): Buffer {
  const firstNl = head.indexOf(0x0a);
  const eol = firstNl > 0 && head[firstNl - 1] === 0x0d ? '\r\n' : '\n';
  const fields = spamFields(r, modelId, { eol });
  const fromLine = head.subarray(0, 5).toString('latin1') === 'From ' && firstNl > 0 ? firstNl + 1 : 0;
  return Buffer.concat([head.subarray(0, fromLine), Buffer.from(fields, 'latin1'), head.subarray(fromLine)]);
}
