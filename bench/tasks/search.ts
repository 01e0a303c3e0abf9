// Whole queries through the Library on a generated library: text (encode, search, rows) and similar-photo, with
// where the time goes (text encoder, vector index, the rest of Library.hits).
import type { Embedder } from '../../src/main/core/embed/embedder.js';
import { Library } from '../../src/main/core/library/library.js';
import { taskMain } from '../lib/child.js';
import { percentile, round, rssMb, textQueries } from '../lib/measure.js';

interface Args {
  libDir: string;
  modelDir: string;
  threads: number;
  textQueries: number;
  similarQueries: number;
}

function timedEmbedder(e: Embedder, spent: { ms: number }): Embedder {
  return new Proxy(e, {
    get(target, prop, recv) {
      if (prop === 'embedTexts') {
        return async (texts: string[]) => {
          const t = performance.now();
          try {
            return await target.embedTexts(texts);
          } finally {
            spent.ms += performance.now() - t;
          }
        };
      }
      const v = Reflect.get(target, prop, recv);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

taskMain(async (a: Args) => {
  const encode = { ms: 0 };
  let t = performance.now();
  const lib = await Library.open(a.libDir, { model: a.modelDir, threads: a.threads, readOnly: true, wrapEmbedder: (e) => timedEmbedder(e, encode) });
  const openMs = performance.now() - t;
  t = performance.now();
  await lib.search('warm up');
  const firstMs = performance.now() - t;
  // White-box: the bench reads the Library's index to time the vector search on its own.
  const internals = lib.internals;
  const idx = internals.index.loaded!;
  idx.search(new Float32Array(idx.dim).fill(1 / Math.sqrt(idx.dim)), 50);

  const texts = textQueries(a.textQueries);
  const total: number[] = [];
  const enc: number[] = [];
  const vec: number[] = [];
  for (const q of texts) {
    encode.ms = 0;
    const t0 = performance.now();
    const hits = await lib.search(q);
    total.push(performance.now() - t0);
    enc.push(encode.ms);
    if (hits.length === 0) throw new Error(`no hits for ${q}`);
    const v = await lib.textVector(q);
    const accept = internals.catalog.filter(undefined);
    const t1 = performance.now();
    idx.search(v, 50, accept, { add() {} });
    vec.push(performance.now() - t1);
  }

  const status = await lib.status();
  const ids: string[] = [];
  for (const h of await lib.search('similar seed', { limit: 200 })) ids.push(h.id);
  const similar: number[] = [];
  for (let i = 0; i < a.similarQueries; i++) {
    const id = ids[(i * 37) % ids.length];
    const t0 = performance.now();
    const hits = await lib.similar({ kind: 'photo', id });
    similar.push(performance.now() - t0);
    if (hits.length === 0) throw new Error('no similar hits');
  }
  const result = {
    photos: status.photos,
    model_dtype: status.model?.dtype ?? null,
    open_ms: round(openMs),
    first_query_warm_process_ms: round(firstMs),
    text_p50_ms: round(percentile(total, 50), 2),
    text_p95_ms: round(percentile(total, 95), 2),
    text_encode_p50_ms: round(percentile(enc, 50), 2),
    text_index_p50_ms: round(percentile(vec, 50), 2),
    text_rest_p50_ms: round(percentile(total.map((x, i) => x - enc[i]), 50), 2),
    similar_p50_ms: round(percentile(similar, 50), 2),
    similar_p95_ms: round(percentile(similar, 95), 2),
    index_mode: idx.lastSearch.mode,
    index_threads: idx.lastSearch.threads,
    rss_mb: round(rssMb()),
    queries: { text: texts.length, similar: similar.length },
  };
  await lib.close();
  return result;
});
