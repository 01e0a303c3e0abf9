// The real indexing pipeline (decode, thumbnail, tensor, embed, write to LanceDB) over a folder of 12 MP photos,
// wired exactly as Library.index wires it, into a fresh library.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodePhoto } from '../../src/main/core/decode/index.js';
import { TransformersClipEmbedder, type DevicePreference } from '../../src/main/core/embed/transformers-clip-embedder.js';
import { photoId, pipelineDefaults, runPipeline, type WorkItem } from '../../src/main/core/index/index-pipeline.js';
import { LanceVectorStore } from '../../src/main/core/store/lance-vector-store.js';
import { taskMain } from '../lib/child.js';
import { cpuSeconds, peakRssMb, round } from '../lib/measure.js';

interface Args {
  photosDir: string;
  modelDir: string;
  threads: number;
  photos: number;
  /** Overrides of the pipeline's defaults, for tuning runs. */
  batchSize?: number;
  decodeConcurrency?: number;
  writeBatch?: number;
  writeIntervalMs?: number;
  device?: DevicePreference;
  modelId?: string;
}

taskMain(async (a: Args) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'soutu-bench-pipeline-'));
  try {
    const files = (await readdir(a.photosDir)).filter((f) => f.endsWith('.jpg')).sort().slice(0, a.photos);
    const items: WorkItem[] = [];
    for (const f of files) {
      const p = path.join(a.photosDir, f);
      const st = await stat(p);
      items.push({ path: p, root: a.photosDir, size: st.size, mtime: Math.floor(st.mtimeMs), id: photoId(p) });
    }
    const embedder = await TransformersClipEmbedder.open(a.modelDir, { threads: a.threads, device: a.device ?? 'auto', ...(a.modelId ? { modelId: a.modelId } : {}) });
    // Load the vision session first: model loading is start-up, not throughput.
    const { width, height } = embedder.imageSpec.size;
    await embedder.embedImages([new Float32Array(3 * width * height)]);
    const store = await LanceVectorStore.open(path.join(dir, 'db'));
    const vectors = await store.vectors(embedder.modelKey, embedder.dim);
    let done = 0;
    const cpu0 = cpuSeconds();
    const t0 = performance.now();
    await runPipeline(
      items,
      { store, vectors, embedder, decode: (f, spec, o) => decodePhoto(f, spec, o), thumbsDir: dir, onCommit: () => {} },
      { onItemDone: (row) => (done += row.status === 'ok' ? 1 : 0), threads: a.threads, batchSize: a.batchSize, decodeConcurrency: a.decodeConcurrency, writeBatch: a.writeBatch, writeIntervalMs: a.writeIntervalMs },
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds() - cpu0;
    await embedder.close();
    await store.close();
    if (done !== items.length) throw new Error(`only ${done} of ${items.length} photos indexed`);
    return {
      pipeline_ips: round(items.length / seconds, 2),
      photos: items.length,
      seconds: round(seconds, 2),
      cpu_utilisation: round(cpu / seconds / a.threads, 2),
      cpu_s_per_photo: round(cpu / items.length, 4),
      peak_rss_mb: round(peakRssMb()),
      settings: { ...pipelineDefaults(a.threads), ...(a.batchSize ? { batchSize: a.batchSize } : {}), ...(a.decodeConcurrency ? { decodeConcurrency: a.decodeConcurrency } : {}) },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
