import { describe, expect, it } from 'vitest';
import { decodeFloat16, encodeFloat16 } from './float16.js';
import { VectorIndex, type VectorIndexOptions } from './vector-index.js';

function rand(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** What the index holds for `v`: its float16 rounding. */
function stored(v: Float32Array): Float32Array {
  const h = new Uint16Array(v.length);
  encodeFloat16(v, h);
  const out = new Float32Array(v.length);
  decodeFloat16(h, out);
  return out;
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, j) => s + x * b[j], 0);

/** Float16 keeps 11 significant bits: a dot product of unit vectors moves by at most 2^-11 (< 5e-4, 3 digits). */
const F16_DIGITS = 3;

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}

/** Clustered unit vectors with a shared mean direction, like CLIP's; queries aim at a cluster from afar. */
function world(dim: number, clusters: number, seed: number) {
  const r = rand(seed);
  const mean = unit(Float32Array.from({ length: dim }, r));
  const gap = unit(Float32Array.from({ length: dim }, r));
  const centres = Array.from({ length: clusters }, () => {
    const g = unit(Float32Array.from({ length: dim }, r));
    return unit(Float32Array.from({ length: dim }, (_, j) => mean[j] + g[j]));
  });
  const pick = () => centres[Math.floor(((r() + 1) / 2) * clusters) % clusters];
  // per-dimension noise of a total norm ≈ 0.5: a photo sits at cosine ≈ 0.9 from its cluster centre
  const spread = 0.5 * Math.sqrt(3 / dim);
  return {
    points: (n: number) => Array.from({ length: n }, () => {
      const c = pick();
      return unit(Float32Array.from({ length: dim }, (_, j) => c[j] + spread * r()));
    }),
    /** Text-like: mostly a direction no photo has (the modality gap), plus one concept. */
    queries: (n: number) => Array.from({ length: n }, () => {
      const c = pick();
      return unit(Float32Array.from({ length: dim }, (_, j) => 0.8 * gap[j] + 0.5 * c[j] + spread * r()));
    }),
  };
}

function exact(vecs: Map<string, Float32Array>, q: Float32Array, k: number, accept?: (id: string) => boolean) {
  const dot = (a: Float32Array) => a.reduce((s, x, j) => s + x * q[j], 0);
  return [...vecs.entries()]
    .filter(([id]) => !accept || accept(id))
    .map(([id, v]) => ({ id, score: dot(v) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

function recall(got: { id: string }[], want: { id: string }[]): number {
  const w = new Set(want.map((h) => h.id));
  return want.length === 0 ? 1 : got.filter((h) => w.has(h.id)).length / want.length;
}

class Stats {
  n = 0;
  sum = 0;
  sq = 0;
  add(x: number) {
    this.n++;
    this.sum += x;
    this.sq += x * x;
  }
  get mean() {
    return this.sum / this.n;
  }
  get std() {
    return Math.sqrt(this.sq / this.n - this.mean ** 2);
  }
}

describe('VectorIndex', () => {
  it('returns the same top-k as a full sort of the stored vectors, with filters and deletes', () => {
    const r = rand(7);
    const dim = 13;
    const idx = new VectorIndex(dim, 2);
    const vecs = new Map<string, Float32Array>();
    const originals = new Map<string, Float32Array>();
    for (let i = 0; i < 500; i++) {
      const v = Float32Array.from({ length: dim }, r);
      originals.set(`p${i}`, v);
      vecs.set(`p${i}`, stored(v));
      idx.set(`p${i}`, v);
    }
    for (let i = 0; i < 500; i += 7) {
      idx.delete(`p${i}`);
      vecs.delete(`p${i}`);
    }
    const q = Float32Array.from({ length: dim }, r);
    const accept = (id: string) => Number(id.slice(1)) % 3 !== 0;
    const expected = [...vecs.entries()]
      .filter(([id]) => accept(id))
      .map(([id, v]) => ({ id, score: dot(v, q) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 25);
    const got = idx.search(q, 25, accept);
    expect(got.map((h) => h.id)).toEqual(expected.map((h) => h.id));
    expect(got[0].score).toBeCloseTo(expected[0].score, 4);
    expect(idx.size).toBe(vecs.size);
    expect(idx.get('p1')).toEqual(vecs.get('p1'));
    // float16 holds each value to 2^-11 of itself
    const p1 = originals.get('p1')!;
    idx.get('p1')!.forEach((x, j) => expect(Math.abs(x - p1[j])).toBeLessThanOrEqual(Math.abs(p1[j]) * 2 ** -11));
    expect(idx.get('p0')).toBeNull();
  });

  it('loads a matrix as float16 without keeping it, then grows and deletes like any other', () => {
    const dim = 8;
    const r = rand(9);
    const matrix = Float32Array.from({ length: 50 * dim }, r);
    const original = matrix.slice();
    const ids = Array.from({ length: 50 }, (_, i) => `m${i}`);
    const idx = new VectorIndex(dim, 1);
    idx.load(ids, matrix);
    expect(idx.size).toBe(50);
    expect(idx.bytes).toBe(50 * dim * 2);
    matrix.fill(7); // the caller's matrix is free to reuse
    expect(idx.get('m3')).toEqual(stored(original.slice(3 * dim, 4 * dim)));
    idx.set('extra', Float32Array.from({ length: dim }, r));
    idx.delete('m0');
    expect(idx.size).toBe(50);
    expect(idx.get('m49')).toEqual(stored(original.slice(49 * dim, 50 * dim)));
    expect(idx.search(idx.get('extra')!, 1)[0].id).toBe('extra');
    // a load into a non-empty index adds and overwrites rows
    idx.load(['m1', 'more'], original.slice(0, 2 * dim));
    expect(idx.size).toBe(51);
    expect(idx.get('m1')).toEqual(stored(original.slice(0, dim)));
    expect(idx.get('more')).toEqual(stored(original.slice(dim, 2 * dim)));
    expect(() => idx.load(['x'], new Float32Array(3))).toThrow(/matrix/);
  });

  it('appends batches as loaded from a store, equal to one load, overwriting ids it already has', () => {
    const dim = 8;
    const r = rand(11);
    const matrix = Float32Array.from({ length: 40 * dim }, r);
    const ids = Array.from({ length: 40 }, (_, i) => `b${i}`);
    const whole = new VectorIndex(dim, 1, { quantizeFrom: 0 });
    whole.load(ids, matrix);
    const batched = new VectorIndex(dim, 40, { quantizeFrom: 0 });
    batched.reserve(40);
    for (let i = 0; i < 40; i += 16) batched.append(ids.slice(i, i + 16), matrix.subarray(i * dim, Math.min(40, i + 16) * dim));
    expect(batched.size).toBe(40);
    for (const id of ids) expect(batched.get(id)).toEqual(whole.get(id));
    const q = Float32Array.from({ length: dim }, r);
    expect(batched.search(q, 10)).toEqual(whole.search(q, 10));
    // after the int8 copy exists, appended rows (new and repeated) are searchable at once
    const extra = Float32Array.from({ length: 2 * dim }, r);
    batched.append(['b5', 'new'], extra);
    expect(batched.size).toBe(41);
    expect(batched.search(extra.subarray(dim), 1)[0].id).toBe('new');
    expect(batched.get('b5')).toEqual(stored(extra.slice(0, dim)));
    expect(() => batched.append(['x'], new Float32Array(3))).toThrow(/matrix/);
  });

  const modes: [string, VectorIndexOptions][] = [
    ['int8 (wasm)', { quantizeFrom: 0 }],
    ['int8 (wasm, 2 threads)', { quantizeFrom: 0, threads: 2 }],
    ['int8 (js)', { quantizeFrom: 0, forceJsKernel: true }],
  ];
  for (const [name, opts] of modes) {
    describe(name, () => {
      const dim = 64;
      const n = 6000;
      const w = world(dim, 60, 11);
      const build = () => {
        const idx = new VectorIndex(dim, 16, opts);
        /** The float32 vectors given (the truth recall is measured against). */
        const vecs = new Map<string, Float32Array>();
        w.points(n).forEach((v, i) => {
          vecs.set(`p${i}`, v);
          idx.set(`p${i}`, v);
        });
        idx.prepare();
        return { idx, vecs };
      };

      it('finds the float32 top-k, with scores exact over the stored vectors (recall against a full sort)', () => {
        const { idx, vecs } = build();
        const queries = [...w.queries(20), ...w.points(10)];
        let total = 0;
        for (const q of queries) {
          const got = idx.search(q, 20);
          const want = exact(vecs, q, 20);
          total += recall(got, want);
          for (const h of got) {
            expect(h.score).toBeCloseTo(dot(stored(vecs.get(h.id)!), q), 6);
            expect(h.score).toBeCloseTo(dot(vecs.get(h.id)!, q), F16_DIGITS);
          }
          for (let i = 1; i < got.length; i++) expect(got[i - 1].score).toBeGreaterThanOrEqual(got[i].score);
        }
        expect(total / queries.length).toBeGreaterThanOrEqual(0.99);
        expect(idx.lastSearch.mode).toBe('int8');
      });

      it('applies the prefilter before ranking, also when it is selective', () => {
        const { idx, vecs } = build();
        const q = w.queries(1)[0];
        const half = (id: string) => Number(id.slice(1)) % 2 === 0;
        expect(recall(idx.search(q, 30, half), exact(vecs, q, 30, half))).toBeGreaterThanOrEqual(0.95);
        for (const h of idx.search(q, 30, half)) expect(half(h.id)).toBe(true);
        // Fewer matches than asked for: every one of them, in order.
        const few = (id: string) => Number(id.slice(1)) % 700 === 3;
        expect(idx.search(q, 30, few).map((h) => h.id)).toEqual(exact(vecs, q, 30, few).map((h) => h.id));
      });

      it('keeps up with deletes, updates and new rows', () => {
        const { idx, vecs } = build();
        const r = rand(3);
        for (let i = 0; i < n; i += 4) {
          idx.delete(`p${i}`);
          vecs.delete(`p${i}`);
        }
        const fresh = w.points(800);
        fresh.forEach((v, i) => {
          idx.set(`n${i}`, v);
          vecs.set(`n${i}`, v);
        });
        // overwrite some existing rows with new vectors
        for (let i = 1; i < 400; i += 2) {
          const v = unit(Float32Array.from({ length: dim }, r));
          idx.set(`p${i}`, v);
          vecs.set(`p${i}`, v);
        }
        expect(idx.size).toBe(vecs.size);
        for (const probe of ['n5', 'p7', 'p3', `n${fresh.length - 1}`]) {
          const q = vecs.get(probe)!;
          const got = idx.search(q, 10);
          expect(got[0].id).toBe(probe);
          expect(got[0].score).toBeCloseTo(1, F16_DIGITS);
        }
        for (const q of w.queries(5)) expect(recall(idx.search(q, 10), exact(vecs, q, 10))).toBeGreaterThanOrEqual(0.8);
        for (const h of idx.search(fresh[0], 200)) expect(vecs.has(h.id)).toBe(true);
      });

      it('ranks by score plus boost when boosts are given (hybrid keyword matches)', () => {
        const { idx, vecs } = build();
        const q = w.queries(1)[0];
        const boost = new Map<string, number>();
        for (let i = 0; i < n; i += 53) boost.set(`p${i}`, 0.1 + (i % 3) * 0.1);
        boost.set('missing', 1);
        const accept = (id: string) => !id.endsWith('7');
        // ranked over what the index holds, so that float16 rounding cannot swap near-ties
        const want = [...vecs.entries()]
          .filter(([id]) => accept(id))
          .map(([id, v]) => ({ id, score: dot(stored(v), q) + (boost.get(id) ?? 0), base: dot(stored(v), q) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, 40);
        const got = idx.search(q, 40, accept, undefined, boost);
        expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
        for (let i = 0; i < got.length; i++) {
          expect(got[i].score).toBeCloseTo(want[i].score, 5);
          if (boost.has(got[i].id)) expect(got[i].base).toBeCloseTo(want[i].base, 5);
          else expect(got[i].base).toBeUndefined();
        }
        expect(got.filter((h) => boost.has(h.id)).length).toBeGreaterThan(5);
      });

      it('reports the score distribution of the accepted rows', () => {
        const { idx, vecs } = build();
        const q = w.queries(1)[0];
        const accept = (id: string) => Number(id.slice(1)) % 3 !== 0;
        const sampled = new Stats();
        idx.search(q, 10, accept, sampled);
        const full = new Stats();
        for (const [id, v] of vecs) if (accept(id)) full.add(dot(v, q));
        expect(sampled.n).toBeGreaterThanOrEqual(1024);
        expect(Math.abs(sampled.mean - full.mean)).toBeLessThan(0.05 * full.std + 1e-3);
        expect(Math.abs(sampled.std - full.std)).toBeLessThan(0.1 * full.std);
      });
    });
  }

  it('splits large scans across threads and gives the same answer', async () => {
    const dim = 32;
    const w = world(dim, 50, 17);
    const one = new VectorIndex(dim, 16, { quantizeFrom: 0, threads: 1 });
    const two = new VectorIndex(dim, 16, { quantizeFrom: 0, threads: 2 });
    const vecs = w.points(70_000);
    vecs.forEach((v, i) => {
      one.set(`p${i}`, v);
      two.set(`p${i}`, v);
    });
    const q = w.queries(1)[0];
    // helper threads start in the background; scans are single-threaded until they are up
    const deadline = Date.now() + 20_000;
    do {
      two.search(q, 5);
      await new Promise((r) => setTimeout(r, 20));
    } while (two.lastSearch.threads < 2 && Date.now() < deadline);
    expect(two.lastSearch.threads).toBe(2);
    for (const query of [q, ...w.queries(3), vecs[12345]]) {
      expect(two.search(query, 25).map((h) => h.id)).toEqual(one.search(query, 25).map((h) => h.id));
      expect(two.search(query, 25)).toEqual(one.exactSearch(query, 25));
    }
    one.dispose();
    two.dispose();
  });
});
