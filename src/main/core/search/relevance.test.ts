import { describe, expect, it } from 'vitest';
import { bestMatchCutoff, ScoreAccumulator } from './relevance.js';

function stats(xs: number[]) {
  const a = new ScoreAccumulator();
  xs.forEach((x) => a.add(x));
  return a.stats();
}

describe('bestMatchCutoff', () => {
  it('keeps the hits that stand out from the score distribution of the query', () => {
    const noise = Array.from({ length: 1000 }, (_, i) => 0.2 + ((i * 7919) % 100) / 2000);
    const scores = [0.36, 0.35, 0.34, 0.27, ...noise];
    const cut = bestMatchCutoff(0.36, stats(scores));
    expect(scores.filter((s) => s >= cut)).toEqual([0.36, 0.35, 0.34]);
  });

  it('marks nothing as best when nothing stands out', () => {
    const flat = Array.from({ length: 500 }, (_, i) => 0.2 + (i % 10) / 1000);
    expect(bestMatchCutoff(0.209, stats(flat))).toBe(Infinity);
  });

  it('keeps the top hit of a tiny library when it stands out', () => {
    const s = [0.447, 0.236, 0, 0, 0, 0, 0, 0];
    const cut = bestMatchCutoff(0.447, stats(s));
    expect(s.filter((x) => x >= cut)).toEqual([0.447]);
  });
});
