// The spam area (issue 9): a tokenizer over the decoded email, a Robinson–Fisher classifier
// with chi-square combining and an unsure band, an incrementally trained model with a compact
// versioned file format, and k-fold cross-validation. Other areas import only this file.
export * from './classify.js';
export * from './cv.js';
export { decodeEntities, type HtmlText, htmlToText } from './html.js';
export * from './model.js';
export * from './refine.js';
export * from './tokenize.js';

import { type Classification, type ClassifierOptions, classifyTokens } from './classify.js';
import type { SpamModel } from './model.js';
import { type TokenizerLimits, tokenize } from './tokenize.js';

/** Tokenizes and classifies one email (whole in memory; see createTokenizer for streams). */
export function classify(
  model: SpamModel,
  email: Uint8Array,
  opts: { limits?: Partial<TokenizerLimits>; classifier?: Partial<ClassifierOptions> } = {},
): Classification {
  return classifyTokens(model, tokenize(email, opts.limits).tokens, opts.classifier);
}
export { DEFAULT_MODEL_PATH } from './default-model.js';
export * from './fields.js';
