// One model at one precision, alone in a fresh process: text tower load, query encode p50/p95 and the memory it
// holds idle; vision tower load and images/s at batch 8; then, when a reference folder is given, the cosine of
// these embeddings to fp32's. Run once per (architecture, precision); the caller prepares the derived files first
// (`prepareOnly`), so neither the load times nor the memory include a split or a widening.
import { TransformersClipEmbedder, describeTowerRuntime, type DtypePreference } from '../../src/main/core/embed/transformers-clip-embedder.js';
import type { PrecisionSetting } from '../../src/main/core/embed/model-catalog.js';
import { taskMain } from '../lib/child.js';
import { cpuSeconds, loadAverage, percentile, round, rssMb, sleep, textQueries } from '../lib/measure.js';

export interface ModelsArgs {
  /** Model folder (a catalog folder holding the plan's files, or a full stand-in with `dtype`). */
  modelDir: string;
  modelId: string;
  precision?: PrecisionSetting;
  dtype?: DtypePreference;
  threads: number;
  batch: number;
  /** Timed vision batches (after one warm-up batch). */
  batches: number;
  queries: number;
  /** A folder and dtype to compare embeddings with (fp32), measured after everything else. */
  reference?: { modelDir: string; dtype: DtypePreference };
  /** Only load both towers once, so that the split / widened files exist before a measured run. */
  prepareOnly?: boolean;
}

/** Deterministic, image-like pixel tensors (the cost of a ViT does not depend on the content). */
function pixels(n: number, size = 224): Float32Array[] {
  return Array.from({ length: n }, (_, k) => Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i / (97 + k)) * 1.5 + Math.cos(i / 13) * 0.3));
}

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

taskMain(async (a: ModelsArgs) => {
  const open = (dir: string, dtype?: DtypePreference) =>
    TransformersClipEmbedder.open(dir, { modelId: a.modelId, device: 'cpu', threads: a.threads, precision: a.precision ?? 'quality', dtype: dtype ?? a.dtype ?? 'auto' });
  if (a.prepareOnly) {
    const e = await open(a.modelDir);
    await e.warmText();
    await e.warmVision();
    await e.close();
    return { prepared: true };
  }
  const queries = textQueries(a.queries);
  const images = pixels(a.batch);
  const rss0 = rssMb();
  const e = await open(a.modelDir);

  let t = performance.now();
  await e.warmText();
  const textLoadMs = performance.now() - t;
  await e.embedTexts(['warm up']);
  const encode: number[] = [];
  const textVecs: Float32Array[] = [];
  const textCpu0 = cpuSeconds();
  for (const q of queries) {
    t = performance.now();
    const [v] = await e.embedTexts([q]);
    encode.push(performance.now() - t);
    textVecs.push(v);
  }
  const textCpuMs = ((cpuSeconds() - textCpu0) * 1000) / queries.length;
  if (global.gc) global.gc();
  await sleep(1000);
  const textIdleMb = rssMb() - rss0;

  t = performance.now();
  await e.warmVision();
  const visionLoadMs = performance.now() - t;
  const first = await e.embedImages(images); // warm-up batch
  // Wall time depends on what else the machine runs; CPU seconds per image much less so (both reported).
  const visionCpu0 = cpuSeconds();
  t = performance.now();
  for (let i = 0; i < a.batches; i++) await e.embedImages(images);
  const visionSeconds = (performance.now() - t) / 1000;
  const visionCpu = (cpuSeconds() - visionCpu0) / (a.batches * a.batch);
  const bothMb = rssMb() - rss0;
  const runtime = e.runtime();
  const result: Record<string, unknown> = {
    model: a.modelId,
    setting: a.dtype && a.dtype !== 'auto' ? `${a.dtype} (both towers)` : (a.precision ?? 'quality'),
    dtype: e.dtype(),
    text: {
      runtime: describeTowerRuntime('text', runtime.text),
      load_ms: round(textLoadMs),
      query_p50_ms: round(percentile(encode, 50), 2),
      query_p95_ms: round(percentile(encode, 95), 2),
      query_cpu_ms: round(textCpuMs, 2),
      idle_rss_mb: round(textIdleMb),
    },
    vision: {
      runtime: describeTowerRuntime('vision', runtime.vision),
      load_ms: round(visionLoadMs),
      images_per_s: round((a.batches * a.batch) / visionSeconds, 2),
      cpu_s_per_image: round(visionCpu, 3),
      batch: a.batch,
    },
    rss_both_towers_mb: round(bothMb),
    queries: queries.length,
    threads: a.threads,
    load_average: round(loadAverage(), 2),
  };
  await e.close();

  if (a.reference) {
    const ref = await open(a.reference.modelDir, a.reference.dtype);
    const refText = await ref.embedTexts(queries);
    const refImages = await ref.embedImages(images);
    await ref.close();
    // Queries were embedded one at a time above; the reference batch is padded, which does not change fp32 vectors.
    const tc = textVecs.map((v, i) => cos(v, refText[i]));
    const vc = first.map((v, i) => cos(v, refImages[i]));
    result.cosine_vs_fp32 = {
      text_min: round(Math.min(...tc), 6),
      text_mean: round(tc.reduce((s, x) => s + x, 0) / tc.length, 6),
      vision_min: round(Math.min(...vc), 8),
      vision_mean: round(vc.reduce((s, x) => s + x, 0) / vc.length, 8),
    };
  }
  return result;
});
