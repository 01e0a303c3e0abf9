// The vector index alone on CLIP-like vectors: recall@20 of its search against the true float32 answer (a plain
// scan of the generated matrix, which the index, holding float16 copies, does not keep), for text-like queries
// (across the modality gap) and image queries, and its latency.
import { TopK } from '../../src/main/core/search/top-k.js';
import { VectorIndex } from '../../src/main/core/search/vector-index.js';
import { taskMain } from '../lib/child.js';
import { clipLikeSet, textQueries } from '../lib/clip-like.js';
import { percentile, round, rssMb } from '../lib/measure.js';

interface Args {
  n: number;
  seed: number;
  queries: number;
  threads: number;
}

/** Rows of the k largest float32 dot products with `q`: the ground truth, by brute force. */
function bruteForce(m: Float32Array, dim: number, q: Float32Array, k: number): Set<number> {
  const n = m.length / dim;
  const top = new TopK(Math.min(k, n));
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    let s = 0;
    let j = 0;
    for (; j + 3 < dim; j += 4) s += m[o + j] * q[j] + m[o + j + 1] * q[j + 1] + m[o + j + 2] * q[j + 2] + m[o + j + 3] * q[j + 3];
    for (; j < dim; j++) s += m[o + j] * q[j];
    if (top.wants(s)) top.push(s, r);
  }
  return new Set(top.rows.subarray(0, top.size));
}

taskMain(async (a: Args) => {
  let t = performance.now();
  const set = clipLikeSet({ n: a.n, seed: a.seed });
  const genSeconds = (performance.now() - t) / 1000;
  const ids = Array.from({ length: a.n }, (_, i) => `p${i}`);
  const idx = new VectorIndex(set.dim, a.n, { threads: a.threads });
  t = performance.now();
  idx.load(ids, set.matrix);
  idx.prepare();
  const buildSeconds = (performance.now() - t) / 1000;
  // helper threads start in the background
  const q0 = textQueries(set, 1, 7)[0];
  for (let i = 0; i < 100 && idx.search(q0, 20) && idx.lastSearch.threads < Math.min(a.threads, 8); i++) await new Promise((r) => setTimeout(r, 20));

  const text = textQueries(set, a.queries, a.seed + 100);
  const image = Array.from({ length: a.queries }, (_, i) => {
    const r = (i * 7919 + 13) % a.n;
    return set.matrix.slice(r * set.dim, (r + 1) * set.dim);
  });
  let mode = '';
  let threadsUsed = 0;
  const measure = (qs: Float32Array[]) => {
    let recall = 0;
    const ms: number[] = [];
    const exactMs: number[] = [];
    for (const q of qs) {
      let t0 = performance.now();
      const got = idx.search(q, 20);
      ms.push(performance.now() - t0);
      mode = idx.lastSearch.mode;
      threadsUsed = idx.lastSearch.threads;
      t0 = performance.now();
      const want = bruteForce(set.matrix, set.dim, q, 20);
      exactMs.push(performance.now() - t0);
      recall += got.filter((h) => want.has(Number(h.id.slice(1)))).length / want.size;
    }
    return { recall: recall / qs.length, p50: percentile(ms, 50), p95: percentile(ms, 95), exactP50: percentile(exactMs, 50) };
  };
  const tx = measure(text);
  const im = measure(image);
  const result = {
    n: a.n,
    recall_at_20: round((tx.recall + im.recall) / 2, 4),
    recall_at_20_text: round(tx.recall, 4),
    recall_at_20_image: round(im.recall, 4),
    search_p50_ms: round(percentile([tx.p50, im.p50], 50), 2),
    text_search_p50_ms: round(tx.p50, 2),
    text_search_p95_ms: round(tx.p95, 2),
    image_search_p50_ms: round(im.p50, 2),
    exact_float_scan_p50_ms: round(tx.exactP50, 1),
    mode,
    threads_used: threadsUsed,
    index_mb: round(idx.bytes / 2 ** 20),
    build_s: round(buildSeconds, 2),
    generate_s: round(genSeconds, 2),
    rss_mb: round(rssMb()),
  };
  idx.dispose();
  return result;
});
