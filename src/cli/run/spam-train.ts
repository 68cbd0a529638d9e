// `poste spam train`: learns hams and spams into a model file. An existing model file is
// trained further (incremental training) unless --new is given.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { encodeModel, type Label, learnAll, SpamModel, tokenize } from '../../spam/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { createProgress } from '../progress.js';
import { countFiles, emailsOf, loadModel } from './spam-common.js';

export interface SpamTrainInput {
  flags: {
    ham?: string[] | undefined;
    spam?: string[] | undefined;
    model: string;
    new?: boolean | undefined;
    'min-count'?: string | number | undefined;
    quiet?: boolean | undefined;
  };
}

export interface LabelledSource {
  label: Label;
  path: string;
}

/** Tokenizes every email of the sources, with a progress bar on stderr. */
export function tokenizeSources(
  sources: LabelledSource[],
  quiet: boolean,
): { label: Label; tokens: string[]; name: string }[] {
  const total = sources.reduce((n, s) => n + countFiles(s.path), 0);
  const progress = createProgress('tokenizing', total, quiet);
  const items: { label: Label; tokens: string[]; name: string }[] = [];
  for (const { label, path } of sources) {
    for (const [name, email] of emailsOf(path)) {
      items.push({ label, tokens: tokenize(email).tokens, name });
      progress.update(items.length);
    }
  }
  progress.finish();
  return items;
}

export function sourcesOf(flags: {
  ham?: string[] | undefined;
  spam?: string[] | undefined;
}): LabelledSource[] {
  const ham = flags.ham ?? [];
  const spam = flags.spam ?? [];
  if (ham.length === 0 || spam.length === 0) throw new CliError(EXIT.usage, 'give both --ham and --spam');
  return [
    ...ham.map((path) => ({ label: 'ham' as const, path })),
    ...spam.map((path) => ({ label: 'spam' as const, path })),
  ];
}

export async function runSpamTrain({ flags }: SpamTrainInput): Promise<void> {
  const minCount = Number(flags['min-count'] ?? 1);
  if (!Number.isInteger(minCount) || minCount < 1)
    throw new CliError(EXIT.usage, '--min-count must be an integer ≥ 1');
  const sources = sourcesOf(flags);
  const model =
    !flags.new && existsSync(flags.model) ? (await loadModel(flags.model)).model : new SpamModel();
  const items = tokenizeSources(sources, flags.quiet === true);
  const relearnt = learnAll(model, items);
  const pruned = minCount > 1 ? model.prune(minCount) : 0;
  try {
    await writeFile(flags.model, encodeModel(model));
  } catch (e) {
    throw new CliError(EXIT.unavailable, `cannot write ${flags.model}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const hams = items.filter((i) => i.label === 'ham').length;
  if (!flags.quiet)
    process.stderr.write(
      `trained ${hams} hams and ${items.length - hams} spams (learnt again: ${relearnt.join(', ') || 0}); ` +
        `model: ${model.nHam} hams, ${model.nSpam} spams, ${model.size} tokens${pruned ? ` (${pruned} pruned)` : ''}\n`,
    );
}
