import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chi2Q,
  chiCombine,
  classifyTokens,
  SpamModel,
  tokenProbability,
  verdictOf,
} from '../../src/spam/index.js';

describe('chi2Q', () => {
  it('matches known values of the chi-square survival function', () => {
    // v = 2: Q = e^(−x/2).
    expect(chi2Q(2, 2)).toBeCloseTo(Math.exp(-1), 12);
    // Tabulated: Q(χ² = 9.488 | 4) ≈ 0.05, Q(χ² = 18.307 | 10) ≈ 0.05, Q(χ² = 23.209 | 10) ≈ 0.01.
    expect(chi2Q(9.488, 4)).toBeCloseTo(0.05, 4);
    expect(chi2Q(18.307, 10)).toBeCloseTo(0.05, 4);
    expect(chi2Q(23.209, 10)).toBeCloseTo(0.01, 4);
    expect(chi2Q(0, 6)).toBe(1);
  });

  it('is a probability, falling as x2 grows', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1000, noNaN: true }), fc.integer({ min: 1, max: 200 }), (x, h) => {
        const q = chi2Q(x, 2 * h);
        expect(q).toBeGreaterThanOrEqual(0);
        expect(q).toBeLessThanOrEqual(1);
        // Up to rounding: near 1 the series sums to 1 ± a few ulps.
        expect(chi2Q(x + 1, 2 * h)).toBeLessThanOrEqual(q + 1e-12);
      }),
    );
  });

  it('refuses odd degrees of freedom', () => {
    expect(() => chi2Q(1, 3)).toThrow(RangeError);
  });
});

describe('tokenProbability (Robinson)', () => {
  it('is the prior for an unseen token and shrinks rare tokens toward it', () => {
    expect(tokenProbability(0, 0, 10, 10)).toBe(0.5);
    // Seen once in spam only: (0.45·0.5 + 1·1) / 1.45.
    expect(tokenProbability(1, 0, 10, 10)).toBeCloseTo(1.225 / 1.45, 12);
    // Balanced by ratio, not by count: 10/100 spams vs 1/10 hams is neutral.
    expect(tokenProbability(10, 1, 100, 10)).toBeCloseTo(0.5, 12);
  });
});

describe('chiCombine', () => {
  it('gives 0.5 for no evidence or balanced evidence, and leans with the evidence', () => {
    expect(chiCombine([])).toBe(0.5);
    expect(chiCombine([0.99, 0.01])).toBeCloseTo(0.5, 12);
    expect(chiCombine([0.99, 0.99, 0.99])).toBeGreaterThan(0.99);
    expect(chiCombine([0.01, 0.01, 0.01])).toBeLessThan(0.01);
    // One clue p: S = 1 − Q(−2 ln(1−p), 2) = p, H = 1 − p, score = (1 + S − H) / 2 = p.
    expect(chiCombine([0.8])).toBeCloseTo(0.8, 12);
  });

  it('is symmetric: flipping every probability flips the score', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 0.99, noNaN: true }), { maxLength: 50 }), (ps) => {
        expect(chiCombine(ps.map((p) => 1 - p))).toBeCloseTo(1 - chiCombine(ps), 9);
      }),
    );
  });
});

describe('classifyTokens', () => {
  const model = new SpamModel();
  for (let i = 0; i < 20; i++) {
    model.learn(['viagra', 'cheap', 'offer', `s${i}`], 'spam');
    model.learn(['meeting', 'agenda', 'offer', `h${i}`], 'ham');
  }

  it('separates a small known example, with the unsure band between', () => {
    expect(classifyTokens(model, ['viagra', 'cheap']).verdict).toBe('spam');
    expect(classifyTokens(model, ['meeting', 'agenda']).verdict).toBe('ham');
    const mixed = classifyTokens(model, ['viagra', 'meeting']);
    expect(mixed.score).toBeCloseTo(0.5, 6);
    expect(classifyTokens(model, ['viagra', 'meeting'], { spamCutoff: 0.9 }).verdict).toBe('unsure');
    expect(classifyTokens(model, ['viagra', 'meeting', 'cheap']).verdict).toBe('spam');
    // "offer" is neutral and "unknown" never seen: no clues at all.
    expect(classifyTokens(model, ['offer', 'unknown'])).toEqual({ verdict: 'unsure', score: 0.5, clues: [] });
  });

  it('does not depend on token order', () => {
    const a = classifyTokens(model, ['viagra', 'meeting', 'cheap', 's3', 'h4']);
    const b = classifyTokens(model, ['h4', 's3', 'cheap', 'meeting', 'viagra']);
    expect(a).toEqual(b);
  });

  it('maps scores to verdicts by the cutoffs', () => {
    expect(verdictOf(0.1)).toBe('ham');
    expect(verdictOf(0.3)).toBe('unsure');
    expect(verdictOf(0.5)).toBe('unsure');
    expect(verdictOf(0.51)).toBe('spam');
  });
});
