// Each indexing stage alone, with the settings the pipeline uses: decode (one sharp decode → model tensor,
// thumbnail, EXIF) at the pipeline's concurrency, and image embedding in the pipeline's batches.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { decodePhoto } from '../../src/main/core/decode/index.js';
import { describeTowerRuntime, TransformersClipEmbedder, type DevicePreference, type DtypePreference } from '../../src/main/core/embed/transformers-clip-embedder.js';
import { applyIndexThreads, pipelineDefaults } from '../../src/main/core/index/index-pipeline.js';
import { taskMain } from '../lib/child.js';
import { cpuSeconds, round } from '../lib/measure.js';

interface Args {
  photosDir: string;
  modelDir: string;
  threads: number;
  decodePhotos: number;
  embedImages: number;
  dtypes: DtypePreference[];
  /** Where the model runs (`--device gpu` checks a GPU provider); default cpu-or-better as the app does. */
  device?: DevicePreference;
  modelId?: string;
}

taskMain(async (a: Args) => {
  const d = pipelineDefaults(a.threads);
  applyIndexThreads(a.threads);
  const files = (await readdir(a.photosDir)).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(a.photosDir, f));
  const embedder = await TransformersClipEmbedder.open(a.modelDir, { threads: a.threads, device: a.device ?? 'auto', ...(a.modelId ? { modelId: a.modelId } : {}) });
  const spec = embedder.imageSpec;

  // decode: warm libvips, then as many workers as the pipeline runs
  for (const f of files.slice(0, 2)) await decodePhoto(f, spec, { thumbSize: d.thumbSize });
  const tensors: Float32Array[] = [];
  let next = 0;
  const n = Math.min(a.decodePhotos, files.length);
  const c0 = cpuSeconds();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: d.decodeConcurrency }, async () => {
      while (next < n) {
        const r = await decodePhoto(files[next++], spec, { thumbSize: d.thumbSize });
        if (!r.ok) throw new Error(r.error.reason);
        if (tensors.length < 4 * d.batchSize) tensors.push(r.value.tensor);
      }
    }),
  );
  const decodeIps = n / ((performance.now() - t0) / 1000);
  const decodeCpu = (cpuSeconds() - c0) / n;

  const embed: Record<string, number> = {};
  const embedCpu: Record<string, number> = {};
  for (const dtype of a.dtypes) {
    const e = dtype === 'auto' ? embedder : await TransformersClipEmbedder.open(a.modelDir, { threads: a.threads, dtype, device: a.device ?? 'auto', ...(a.modelId ? { modelId: a.modelId } : {}) });
    await e.embedImages(tensors.slice(0, d.batchSize));
    const batches = Math.max(1, Math.round(a.embedImages / d.batchSize));
    const c1 = cpuSeconds();
    const t1 = performance.now();
    for (let b = 0; b < batches; b++) {
      const start = (b * d.batchSize) % tensors.length;
      const batch = tensors.slice(start, start + d.batchSize);
      while (batch.length < d.batchSize) batch.push(tensors[batch.length]);
      await e.embedImages(batch);
    }
    embed[dtype === 'auto' ? e.dtype() : dtype] = (batches * d.batchSize) / ((performance.now() - t1) / 1000);
    embedCpu[dtype === 'auto' ? e.dtype() : dtype] = (cpuSeconds() - c1) / (batches * d.batchSize);
    if (e !== embedder) await e.close();
  }
  const used = embedder.dtype();
  // Which provider ran the vision tower, in a sentence (a GPU that could not be used says why).
  const provider = describeTowerRuntime('vision', embedder.runtime().vision);
  await embedder.close();
  return {
    decode_ips: round(decodeIps, 2),
    embed_ips: round(embed[used], 2),
    embed_ips_by_dtype: Object.fromEntries(Object.entries(embed).map(([k, v]) => [k, round(v, 2)])),
    dtype: used,
    // CPU seconds per photo: what a stage costs whatever else runs on the machine.
    decode_cpu_s: round(decodeCpu, 4),
    embed_cpu_s: round(embedCpu[used], 4),
    settings: d,
    decoded: n,
    provider,
  };
});
