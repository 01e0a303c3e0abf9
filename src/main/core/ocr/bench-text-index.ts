// Measures OcrTextIndex at library scale: build time, heap held, and query latency (p50/p95) over a mix of
// short and long, Chinese and Latin, exact, misspelt and absent queries. Returns JSON numbers for bench/.
// Run alone: `npx tsx src/main/core/ocr/bench-text-index.ts [photos]` (prints the JSON).
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OcrTextIndex } from './ocr-text-index.js';
import { corpusPhoto, seededRng, type Rng } from './text-corpus.js';

export interface TextIndexBenchOptions {
  /** Photos in the library (default 100 000). */
  photos?: number;
  /** Share of photos with text (default 0.2). */
  textShare?: number;
  /** Mean lines on a photo with text (default 10). */
  meanLines?: number;
  /** Queries timed (default 400). */
  queries?: number;
  /** Runs per query; its time is the fastest run, which keeps other processes' load out of the numbers
   *  (default 3; 1 gives the plain single-run latency). */
  repeats?: number;
  seed?: number;
}

export interface TextIndexBenchResult {
  photos: number;
  textPhotos: number;
  lines: number;
  foldedChars: number;
  buildMs: number;
  /** Heap held by the index after a full GC, MB. */
  heapMB: number;
  /** Per-query latency (the fastest of `repeats` runs each), limit 100. */
  query: { p50Ms: number; p95Ms: number; maxMs: number; meanMs: number; count: number; repeats: number };
  byKind: Record<string, { p50Ms: number; p95Ms: number; meanHits: number }>;
  /** Time to add one more photo and run a query (the segment rebuild the query triggers), ms. */
  addThenQueryMs: number;
}

function gcFunction(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

function heapUsed(gc: (() => void) | null): number {
  gc?.();
  gc?.();
  return v8.getHeapStatistics().used_heap_size;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** A substring of a random stored line, `len` code points long (whole line if shorter). */
function sliceOf(rng: Rng, lines: string[], len: number): string {
  const line = [...lines[Math.floor(rng() * lines.length)]];
  const start = Math.floor(rng() * Math.max(1, line.length - len));
  return line.slice(start, start + len).join('');
}

function withTypo(rng: Rng, s: string): string {
  const cs = [...s];
  const i = 1 + Math.floor(rng() * Math.max(1, cs.length - 2));
  cs[i] = /[a-z]/i.test(cs[i]) ? 'x' : '某';
  return cs.join('');
}

export function benchTextIndex(opts: TextIndexBenchOptions = {}): TextIndexBenchResult {
  const photos = opts.photos ?? 100_000;
  const textShare = opts.textShare ?? 0.2;
  const gc = gcFunction();

  const makeCorpus = () => {
    const rng = seededRng(opts.seed ?? 13);
    const out: [string, string[]][] = [];
    for (let i = 0; i < photos; i++) {
      if (rng() < textShare) out.push([`photo-${i}`, corpusPhoto(rng, opts.meanLines ?? 10)]);
    }
    return out;
  };

  // Heap is measured from before the corpus exists to after it is dropped, so it is the index alone (the ids
  // included, which the library holds anyway); build time excludes generating the text.
  const before = heapUsed(gc);
  let corpus: [string, string[]][] | null = makeCorpus();
  const t0 = performance.now();
  const index = new OcrTextIndex();
  for (const [id, lines] of corpus) index.set(id, lines);
  index.flush();
  const buildMs = performance.now() - t0;
  // Dropped so that the heap measured next is the index's own, not the generated text's.
  // eslint-disable-next-line no-useless-assignment
  corpus = null;
  const heapMB = (heapUsed(gc) - before) / 2 ** 20;
  const stats = index.stats();
  // The same seed gives the same text again, to draw queries from.
  const allLines = makeCorpus().flatMap(([, l]) => l);
  const rng = seededRng((opts.seed ?? 13) + 1);

  const kinds: Record<string, () => string> = {
    short: () => sliceOf(rng, allLines, 2),
    medium: () => sliceOf(rng, allLines, 4),
    long: () => sliceOf(rng, allLines, 8),
    typo: () => withTypo(rng, sliceOf(rng, allLines, 6)),
    words: () => `${sliceOf(rng, allLines, 3)} ${sliceOf(rng, allLines, 3)}`,
    absent: () => ['量子纠缠实验室', 'xylophone', '彩虹独角兽', 'zebra crossing 42'][Math.floor(rng() * 4)],
  };
  const n = opts.queries ?? 400;
  const names = Object.keys(kinds);
  const times: number[] = [];
  const per: Record<string, { t: number[]; hits: number[] }> = {};
  // Warm-up: the fold table and the first segment builds are not part of a query's cost.
  index.search('warm up');
  for (let i = 0; i < n; i++) {
    const kind = names[i % names.length];
    const q = kinds[kind]();
    let dt = Infinity;
    let hits: unknown[] = [];
    for (let r = 0; r < (opts.repeats ?? 3); r++) {
      const t = performance.now();
      hits = index.search(q, { limit: 100 });
      dt = Math.min(dt, performance.now() - t);
    }
    times.push(dt);
    (per[kind] ??= { t: [], hits: [] }).t.push(dt);
    per[kind].hits.push(hits.length);
  }
  const t1 = performance.now();
  index.set('photo-new', ['新增的照片文字 New photo text']);
  index.search('新增的照片');
  const addThenQueryMs = performance.now() - t1;

  return {
    photos,
    textPhotos: stats.photos,
    lines: stats.lines,
    foldedChars: stats.foldedChars,
    buildMs: round(buildMs, 0),
    heapMB: round(heapMB, 1),
    query: {
      p50Ms: round(quantile(times, 0.5)),
      p95Ms: round(quantile(times, 0.95)),
      maxMs: round(Math.max(...times)),
      meanMs: round(times.reduce((a, b) => a + b, 0) / times.length),
      count: times.length,
      repeats: opts.repeats ?? 3,
    },
    byKind: Object.fromEntries(
      Object.entries(per).map(([k, v]) => [
        k,
        { p50Ms: round(quantile(v.t, 0.5)), p95Ms: round(quantile(v.t, 0.95)), meanHits: round(v.hits.reduce((a, b) => a + b, 0) / v.hits.length, 1) },
      ]),
    ),
    addThenQueryMs: round(addThenQueryMs),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(benchTextIndex({ photos: Number(process.argv[2]) || undefined }), null, 2));
}
