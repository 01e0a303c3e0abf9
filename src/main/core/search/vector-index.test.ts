import { describe, expect, it } from 'vitest';
import { VectorIndex } from './vector-index.js';

function rand(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

describe('VectorIndex', () => {
  it('returns the same top-k as a full sort, with filters and deletes', () => {
    const r = rand(7);
    const dim = 13;
    const idx = new VectorIndex(dim, 2);
    const vecs = new Map<string, Float32Array>();
    for (let i = 0; i < 500; i++) {
      const v = Float32Array.from({ length: dim }, r);
      vecs.set(`p${i}`, v);
      idx.set(`p${i}`, v);
    }
    for (let i = 0; i < 500; i += 7) {
      idx.delete(`p${i}`);
      vecs.delete(`p${i}`);
    }
    const q = Float32Array.from({ length: dim }, r);
    const accept = (id: string) => Number(id.slice(1)) % 3 !== 0;
    const dot = (a: Float32Array) => a.reduce((s, x, j) => s + x * q[j], 0);
    const expected = [...vecs.entries()]
      .filter(([id]) => accept(id))
      .map(([id, v]) => ({ id, score: dot(v) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 25);
    const got = idx.search(q, 25, accept);
    expect(got.map((h) => h.id)).toEqual(expected.map((h) => h.id));
    expect(got[0].score).toBeCloseTo(expected[0].score, 4);
    expect(idx.size).toBe(vecs.size);
    expect(idx.get('p1')).toEqual(vecs.get('p1'));
    expect(idx.get('p0')).toBeNull();
  });
});
