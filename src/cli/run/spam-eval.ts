// `poste spam eval`: k-fold cross-validation of the classifier on labelled emails.
import { crossValidate, type Metrics } from '../../spam/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeStdout } from '../io.js';
import { sourcesOf, tokenizeSources } from './spam-train.js';

export interface SpamEvalInput {
  flags: {
    ham?: string[] | undefined;
    spam?: string[] | undefined;
    folds?: string | number | undefined;
    seed?: string | undefined;
    json?: boolean | undefined;
    quiet?: boolean | undefined;
  };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatMetrics(m: Metrics): string {
  const c = m.confusion;
  return [
    `emails     ${m.total}`,
    `accuracy   ${pct(m.accuracy)}`,
    `precision  ${pct(m.precision)}`,
    `recall     ${pct(m.recall)}`,
    `false positive rate  ${pct(m.falsePositiveRate)}  (hams marked spam)`,
    `false negative rate  ${pct(m.falseNegativeRate)}  (spams not marked spam)`,
    `unsure     ${pct(m.unsureRate)}`,
    '',
    '            verdict:  ham  unsure    spam',
    `  true ham      ${String(c.ham.ham).padStart(8)}${String(c.ham.unsure).padStart(8)}${String(c.ham.spam).padStart(8)}`,
    `  true spam     ${String(c.spam.ham).padStart(8)}${String(c.spam.unsure).padStart(8)}${String(c.spam.spam).padStart(8)}`,
  ].join('\n');
}

export async function runSpamEval({ flags }: SpamEvalInput): Promise<void> {
  const folds = Number(flags.folds ?? 5);
  if (!Number.isInteger(folds) || folds < 2) throw new CliError(EXIT.usage, '--folds must be an integer ≥ 2');
  const items = tokenizeSources(sourcesOf(flags), flags.quiet === true);
  const hams = items.filter((i) => i.label === 'ham').length;
  if (hams < folds || items.length - hams < folds)
    throw new CliError(EXIT.dataErr, `need at least ${folds} hams and ${folds} spams for ${folds} folds`);
  const seed = flags.seed ?? 'poste';
  const cv = crossValidate(items, { folds, seed });
  if (flags.json) {
    await writeStdout(
      `${JSON.stringify({ folds, seed, overall: cv.overall, perFold: cv.perFold }, null, 2)}\n`,
    );
    return;
  }
  await writeStdout(
    `${folds}-fold cross-validation (seed ${JSON.stringify(seed)})\n${formatMetrics(cv.overall)}\n`,
  );
}
