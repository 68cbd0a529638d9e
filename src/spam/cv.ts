// k-fold cross-validation: deterministic stratified folds from a seed, training on k−1 folds
// and classifying the held-out one, and the usual measures. The test fold never contributes
// to the counts it is classified against.
import { createHash } from 'node:crypto';
import {
  type ClassifierOptions,
  classifyTokens,
  DEFAULT_CLASSIFIER_OPTIONS,
  type Verdict,
} from './classify.js';
import type { Label } from './model.js';
import { DEFAULT_REFINE_ROUNDS, refine } from './refine.js';

/**
 * Assigns each item a fold in 0..k−1: hams and spams are shuffled apart (Fisher–Yates driven
 * by SHA-256 of seed and step) and dealt round-robin, so every fold has the same mix.
 */
export function assignFolds(labels: readonly Label[], k: number, seed: string): number[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be an integer ≥ 2: ${k}`);
  const folds = new Array<number>(labels.length).fill(0);
  for (const label of ['ham', 'spam'] as const) {
    const idx: number[] = [];
    labels.forEach((l, i) => {
      if (l === label) idx.push(i);
    });
    for (let i = idx.length - 1; i > 0; i--) {
      const h = createHash('sha256').update(`${seed}:${label}:${i}`).digest();
      const j = h.readUInt32BE(0) % (i + 1);
      [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
    }
    idx.forEach((item, r) => {
      folds[item] = r % k;
    });
  }
  return folds;
}

/** Rows: the true label; columns: the verdict. */
export type Confusion = Record<Label, Record<Verdict, number>>;

export interface Metrics {
  total: number;
  /** Spam is the positive class; "unsure" counts as not spam (it is delivered). */
  accuracy: number;
  precision: number;
  recall: number;
  /** Hams marked spam, over all hams. */
  falsePositiveRate: number;
  /** Spams not marked spam, over all spams. */
  falseNegativeRate: number;
  /** Share of all emails in the unsure band. */
  unsureRate: number;
  confusion: Confusion;
}

export function emptyConfusion(): Confusion {
  return { ham: { ham: 0, unsure: 0, spam: 0 }, spam: { ham: 0, unsure: 0, spam: 0 } };
}

export function metricsOf(c: Confusion): Metrics {
  const hams = c.ham.ham + c.ham.unsure + c.ham.spam;
  const spams = c.spam.ham + c.spam.unsure + c.spam.spam;
  const total = hams + spams;
  const tp = c.spam.spam;
  const fp = c.ham.spam;
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return {
    total,
    accuracy: ratio(tp + hams - fp, total),
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, spams),
    falsePositiveRate: ratio(fp, hams),
    falseNegativeRate: ratio(spams - tp, spams),
    unsureRate: ratio(c.ham.unsure + c.spam.unsure, total),
    confusion: c,
  };
}

export interface LabelledTokens {
  label: Label;
  tokens: readonly string[];
}

export interface CrossValidation {
  folds: number;
  seed: string;
  overall: Metrics;
  perFold: Metrics[];
  /** Per item, in input order: its fold, verdict and score. */
  results: Array<{ fold: number; verdict: Verdict; score: number }>;
}

/**
 * Cross-validates the classifier over tokenized emails. Tokens are interned to integers and
 * the counts of all folds summed once; each fold's model is that sum minus the fold.
 */
export function crossValidate(
  items: readonly LabelledTokens[],
  opts: { folds: number; seed: string; classifier?: Partial<ClassifierOptions>; rounds?: number },
): CrossValidation {
  const classifier = { ...DEFAULT_CLASSIFIER_OPTIONS, ...opts.classifier };
  const k = opts.folds;
  const fold = assignFolds(
    items.map((i) => i.label),
    k,
    opts.seed,
  );
  const ids = new Map<string, number>();
  const docs = items.map((it) => {
    const out = new Uint32Array(new Set(it.tokens).size);
    let n = 0;
    for (const t of new Set(it.tokens)) {
      let id = ids.get(t);
      if (id === undefined) {
        id = ids.size;
        ids.set(t, id);
      }
      out[n++] = id;
    }
    return out;
  });
  // counts[f][2·id + (spam ? 0 : 1)]: documents of fold f containing the token.
  const perFold = Array.from({ length: k }, () => new Uint32Array(ids.size * 2));
  const nPer = Array.from({ length: k }, () => new Uint32Array(2));
  items.forEach((it, i) => {
    const f = fold[i] as number;
    const side = it.label === 'spam' ? 0 : 1;
    const n = nPer[f] as Uint32Array;
    n[side] = (n[side] as number) + 1;
    const c = perFold[f] as Uint32Array;
    for (const id of docs[i] as Uint32Array) c[2 * id + side] = (c[2 * id + side] as number) + 1;
  });
  const total = new Uint32Array(ids.size * 2);
  for (const c of perFold)
    for (let j = 0; j < c.length; j++) total[j] = (total[j] as number) + (c[j] as number);
  const results: CrossValidation['results'] = new Array(items.length);
  const confusions = Array.from({ length: k }, emptyConfusion);
  for (let f = 0; f < k; f++) {
    const held = perFold[f] as Uint32Array;
    const c = new Uint32Array(total.length);
    for (let j = 0; j < c.length; j++) c[j] = (total[j] as number) - (held[j] as number);
    const sum = (side: number) => nPer.reduce((a, n, g) => (g === f ? a : a + (n[side] as number)), 0);
    const counts = {
      nSpam: sum(0),
      nHam: sum(1),
      lookup(t: string): readonly [number, number] | undefined {
        const id = ids.get(t);
        if (id === undefined) return undefined;
        const s = c[2 * id] as number;
        const h = c[2 * id + 1] as number;
        return s + h === 0 ? undefined : [s, h];
      },
    };
    // Train until correct, on the training folds only.
    const training = items.map((_, i) => i).filter((i) => fold[i] !== f);
    refine(
      training.map((i) => items[i] as LabelledTokens),
      (item, j) => {
        const side = item.label === 'spam' ? 0 : 1;
        if (side === 0) counts.nSpam++;
        else counts.nHam++;
        for (const id of docs[training[j] as number] as Uint32Array)
          c[2 * id + side] = (c[2 * id + side] as number) + 1;
      },
      counts,
      { ...classifier, rounds: opts.rounds ?? DEFAULT_REFINE_ROUNDS },
    );
    items.forEach((it, i) => {
      if (fold[i] !== f) return;
      const r = classifyTokens(counts, it.tokens, classifier);
      results[i] = { fold: f, verdict: r.verdict, score: r.score };
      (confusions[f] as Confusion)[it.label][r.verdict]++;
    });
  }
  const all = emptyConfusion();
  for (const c of confusions)
    for (const l of ['ham', 'spam'] as const)
      for (const v of ['ham', 'unsure', 'spam'] as const) all[l][v] += c[l][v];
  return { folds: k, seed: opts.seed, overall: metricsOf(all), perFold: confusions.map(metricsOf), results };
}
