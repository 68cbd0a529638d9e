// Training until correct (bogofilter's bogominitrain, "train to exhaustion" in the
// literature): after learning every email once, the emails the model still gets wrong or
// leaves unsure are learnt once more, for a few rounds. Counting every email once weighs
// the easy majority; this lends weight to the hard cases at the border.
import {
  type ClassifierOptions,
  classifyTokens,
  DEFAULT_CLASSIFIER_OPTIONS,
  type TokenCounts,
} from './classify.js';
import type { Label, SpamModel } from './model.js';

export const DEFAULT_REFINE_ROUNDS = 3;
export const DEFAULT_REFINE_MARGIN = 0.1;

export interface RefineOptions extends ClassifierOptions {
  /** Passes over the training emails; each learns again those not yet right. */
  rounds: number;
  /** Emails must score this far inside their side (below hamCutoff − margin, above spamCutoff + margin). */
  margin: number;
}

/**
 * Runs the rounds: `learn(item, index)` must add the item's tokens to `counts` once more.
 * Returns how many emails were learnt again in each round (it stops when one learns none).
 */
export function refine<T extends { label: Label; tokens: readonly string[] }>(
  items: readonly T[],
  learn: (item: T, index: number) => void,
  counts: TokenCounts,
  options: Partial<RefineOptions> = {},
): number[] {
  const opts = {
    ...DEFAULT_CLASSIFIER_OPTIONS,
    rounds: DEFAULT_REFINE_ROUNDS,
    margin: DEFAULT_REFINE_MARGIN,
    ...options,
  };
  const relearnt: number[] = [];
  for (let round = 0; round < opts.rounds; round++) {
    let n = 0;
    items.forEach((item, i) => {
      const { score } = classifyTokens(counts, item.tokens, opts);
      const right =
        item.label === 'spam' ? score > opts.spamCutoff + opts.margin : score < opts.hamCutoff - opts.margin;
      if (!right) {
        learn(item, i);
        n++;
      }
    });
    relearnt.push(n);
    if (n === 0) break;
  }
  return relearnt;
}

/** Learns every email once, then refines: the way `poste spam train` builds a model. */
export function learnAll(
  model: SpamModel,
  items: readonly { label: Label; tokens: readonly string[] }[],
  options: Partial<RefineOptions> = {},
): number[] {
  for (const it of items) model.learn(it.tokens, it.label);
  return refine(items, (it) => model.learn(it.tokens, it.label), model, options);
}
