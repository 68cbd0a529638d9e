import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignFolds, decodeModel, encodeModel, metricsOf, SpamModel } from '../../src/spam/index.js';

const token = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
const counts = fc.dictionary(token, fc.tuple(fc.nat(1 << 20), fc.nat(2 ** 40)), { maxKeys: 200 });

function modelOf(n: { nSpam: number; nHam: number; counts: Record<string, [number, number]> }): SpamModel {
  const m = new SpamModel();
  m.nSpam = n.nSpam;
  m.nHam = n.nHam;
  for (const [t, c] of Object.entries(n.counts)) m.counts.set(t, [c[0], c[1]]);
  return m;
}

describe('model file', () => {
  it('round-trips any counts (property)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), counts, (nSpam, nHam, c) => {
        const m = modelOf({ nSpam, nHam, counts: c });
        const r = decodeModel(encodeModel(m));
        if (!r.ok) throw new Error(r.reason);
        expect(r.model.nSpam).toBe(nSpam);
        expect(r.model.nHam).toBe(nHam);
        expect(new Map(r.model.counts)).toEqual(new Map(m.counts));
      }),
    );
  });

  it('is canonical: the same counts in another order give the same bytes', () => {
    fc.assert(
      fc.property(counts, (c) => {
        const entries = Object.entries(c);
        const a = modelOf({ nSpam: 1, nHam: 2, counts: Object.fromEntries(entries) });
        const b = modelOf({ nSpam: 1, nHam: 2, counts: Object.fromEntries(entries.reverse()) });
        expect(Buffer.from(encodeModel(a)).equals(Buffer.from(encodeModel(b)))).toBe(true);
      }),
    );
  });

  it('refuses foreign, future and damaged files with a reason', () => {
    const good = Buffer.from(encodeModel(modelOf({ nSpam: 3, nHam: 4, counts: { a: [1, 2] } })));
    expect(decodeModel(Buffer.from('hello world, not a model at all here........'))).toMatchObject({
      ok: false,
    });
    const future = Buffer.from(good);
    future[4] = 2;
    expect(decodeModel(future)).toMatchObject({ ok: false, reason: expect.stringContaining('version 2') });
    const flipped = Buffer.from(good);
    flipped[8] = (flipped[8] as number) ^ 1;
    expect(decodeModel(flipped)).toMatchObject({ ok: false, reason: expect.stringContaining('hash') });
  });
});

describe('SpamModel training', () => {
  it('learns incrementally and unlearns back to the same counts', () => {
    const m = new SpamModel();
    m.learn(['a', 'b', 'b'], 'spam');
    m.learn(['b', 'c'], 'ham');
    expect(m.lookup('b')).toEqual([1, 1]);
    const before = Buffer.from(encodeModel(m));
    m.learn(['x', 'a'], 'spam');
    m.unlearn(['x', 'a'], 'spam');
    expect(Buffer.from(encodeModel(m)).equals(before)).toBe(true);
    expect(m.prune(2)).toBe(2);
    expect([...m.counts.keys()]).toEqual(['b']);
  });
});

describe('cross-validation helpers', () => {
  it('assigns stratified, deterministic folds', () => {
    const labels = [...Array(50).fill('ham'), ...Array(20).fill('spam')] as ('ham' | 'spam')[];
    const f = assignFolds(labels, 5, 's');
    expect(assignFolds(labels, 5, 's')).toEqual(f);
    expect(assignFolds(labels, 5, 't')).not.toEqual(f);
    for (let k = 0; k < 5; k++) {
      expect(f.filter((x, i) => x === k && labels[i] === 'ham')).toHaveLength(10);
      expect(f.filter((x, i) => x === k && labels[i] === 'spam')).toHaveLength(4);
    }
  });

  it('computes the measures from a confusion matrix', () => {
    const m = metricsOf({ ham: { ham: 90, unsure: 5, spam: 5 }, spam: { ham: 2, unsure: 3, spam: 45 } });
    // Unsure hams are delivered, so they count as right; unsure spams as wrong.
    expect(m.accuracy).toBeCloseTo(140 / 150, 12);
    expect(m.precision).toBeCloseTo(45 / 50, 12);
    expect(m.recall).toBeCloseTo(45 / 50, 12);
    expect(m.falsePositiveRate).toBeCloseTo(0.05, 12);
  });
});
