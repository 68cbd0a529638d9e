// The classifier: Gary Robinson's per-token probability with a Bayesian prior, and Fisher's
// method of combining them by chi-square, run once for spam and once for ham (the
// "chi-combining" of SpamBayes and bogofilter). Pure arithmetic over counts.

export interface ClassifierOptions {
  /** Strength s of the prior belief x for a token seen n times: f = (s·x + n·p) / (s + n). */
  strength: number;
  /** The prior x: what an unseen token says. */
  prior: number;
  /** Tokens whose f is closer than this to 0.5 are ignored. */
  minDeviation: number;
  /** At most this many tokens (the strongest) are combined. */
  maxClues: number;
  /** Scores below this are ham; above spamCutoff, spam; between (both included), unsure. */
  hamCutoff: number;
  spamCutoff: number;
}

// SpamBayes' published defaults for s, x, the minimum deviation, 150 clues and the ham
// cutoff. The spam cutoff is 0.5 rather than SpamBayes' 0.9: chi-combining gives an email
// with strong evidence both ways a score near 0.5, and on the SpamAssassin corpus more of
// those are spam (docs/spam.md has the measurements).
export const DEFAULT_CLASSIFIER_OPTIONS: Readonly<ClassifierOptions> = Object.freeze({
  strength: 0.45,
  prior: 0.5,
  minDeviation: 0.1,
  maxClues: 150,
  hamCutoff: 0.2,
  spamCutoff: 0.5,
});

export type Verdict = 'ham' | 'unsure' | 'spam';

export interface Classification {
  verdict: Verdict;
  /** 0 (surely ham) … 1 (surely spam); 0.5 when nothing is known. */
  score: number;
  /** The tokens combined, strongest first, with their probabilities. */
  clues: Array<[token: string, probability: number]>;
}

/**
 * Q(χ² | v): the probability that a chi-square variable with v degrees of freedom (v even)
 * exceeds x2. The series for even v is exact: e^(−m) Σ_{i<v/2} m^i / i!, with m = x2/2.
 */
export function chi2Q(x2: number, v: number): number {
  if (v <= 0 || v % 2 !== 0)
    throw new RangeError(`chi2Q: degrees of freedom must be even and positive: ${v}`);
  if (!(x2 >= 0)) throw new RangeError(`chi2Q: x2 must be ≥ 0: ${x2}`);
  const m = x2 / 2;
  let term = Math.exp(-m);
  let sum = term;
  for (let i = 1; i < v / 2; i++) {
    term *= m / i;
    sum += term;
  }
  // Rounding can push the sum a hair over 1.
  return Math.min(sum, 1);
}

/** Robinson's f(w) for a token seen `spam` times in nSpam spams and `ham` times in nHam hams. */
export function tokenProbability(
  spam: number,
  ham: number,
  nSpam: number,
  nHam: number,
  opts: ClassifierOptions = DEFAULT_CLASSIFIER_OPTIONS,
): number {
  // Ratios, not raw counts, so that unequal training sets do not bias the estimate.
  const spamRatio = nSpam > 0 ? Math.min(spam, nSpam) / nSpam : 0;
  const hamRatio = nHam > 0 ? Math.min(ham, nHam) / nHam : 0;
  const n = spam + ham;
  if (n === 0 || spamRatio + hamRatio === 0) return opts.prior;
  const p = spamRatio / (spamRatio + hamRatio);
  return (opts.strength * opts.prior + n * p) / (opts.strength + n);
}

/**
 * Fisher–Robinson chi-square combining of token probabilities: S measures how surely the
 * probabilities are not all hammy, H how surely not all spammy; the score is (1 + S − H) / 2.
 * Sums of logarithms avoid the underflow of products.
 */
export function chiCombine(probs: readonly number[]): number {
  const n = probs.length;
  if (n === 0) return 0.5;
  let lnHam = 0;
  let lnSpam = 0;
  for (const p of probs) {
    lnHam += Math.log(p);
    lnSpam += Math.log1p(-p);
  }
  const s = 1 - chi2Q(-2 * lnSpam, 2 * n);
  const h = 1 - chi2Q(-2 * lnHam, 2 * n);
  return (s - h + 1) / 2;
}

export function verdictOf(score: number, opts: ClassifierOptions = DEFAULT_CLASSIFIER_OPTIONS): Verdict {
  // Strictly above: a score of exactly 0.5 (no evidence, or evenly balanced) is never spam.
  return score > opts.spamCutoff ? 'spam' : score < opts.hamCutoff ? 'ham' : 'unsure';
}

/** Something that knows the training counts of a token. */
export interface TokenCounts {
  readonly nSpam: number;
  readonly nHam: number;
  /** [spam, ham] counts of the token, or undefined when never seen. */
  lookup(token: string): readonly [number, number] | undefined;
}

/** Scores the tokens of one email against training counts. */
export function classifyTokens(
  counts: TokenCounts,
  tokens: Iterable<string>,
  options: Partial<ClassifierOptions> = {},
): Classification {
  const opts = { ...DEFAULT_CLASSIFIER_OPTIONS, ...options };
  const clues: Array<[string, number]> = [];
  for (const t of tokens) {
    // The tokenizer's mark for SpamAssassin's test string (GTUBE_TOKEN): spam by definition.
    if (t === 'GTUBE') return { verdict: 'spam', score: 1, clues: [[t, 1]] };
    const c = counts.lookup(t);
    if (c === undefined) continue;
    const p = tokenProbability(c[0], c[1], counts.nSpam, counts.nHam, opts);
    if (Math.abs(p - 0.5) >= opts.minDeviation) clues.push([t, p]);
  }
  // Strongest first; ties broken by token so the result does not depend on token order.
  clues.sort((a, b) => Math.abs(b[1] - 0.5) - Math.abs(a[1] - 0.5) || (a[0] < b[0] ? -1 : 1));
  if (clues.length > opts.maxClues) clues.length = opts.maxClues;
  const score = chiCombine(clues.map((c) => c[1]));
  return { verdict: verdictOf(score, opts), score, clues };
}
