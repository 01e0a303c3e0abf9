// Bench sections beyond the core search/index ones: each catalog architecture at each CPU precision (issue 15),
// text inside photos (13), videos (14) and bounded uploads (12). Each runs its measurements as child tasks and
// returns the keys run.ts reports and judges.
import path from 'node:path';
import { findCatalogModel, precisionPlan, type PrecisionSetting } from '../../src/main/core/embed/model-catalog.js';
import { ensureCatalogTestModel, linkCatalogTestModel, SYNTHETIC_CATALOG_IDS, type SyntheticKind } from '../../src/main/core/testing/test-models.js';
import { runTask } from './child.js';
import { ensureLibrary } from './library-fixture.js';
import { round } from './measure.js';

type Row = Record<string, number | string | null>;

interface ModelsResult {
  text: { query_p50_ms: number; query_p95_ms: number; idle_rss_mb: number };
  vision: { images_per_s: number };
  rss_both_towers_mb: number;
  cosine_vs_fp32?: { text_min: number; vision_min: number };
}
type Run = <R>(name: string, args: unknown, nodeArgs?: string[]) => Promise<R>;

export interface ModelsSectionOptions {
  cache: string;
  threads: number;
  quick: boolean;
  photosDir: string;
  device: 'auto' | 'cpu' | 'gpu';
  log: (s: string) => void;
  run: Run;
}

const KINDS: SyntheticKind[] = ['synthetic-vit-b32', 'synthetic-vit-b16', 'synthetic-chinese-clip'];
const SETTINGS: PrecisionSetting[] = ['quality', 'compact'];
const SHORT: Record<SyntheticKind, string> = { 'synthetic-vit-b32': 'b32', 'synthetic-vit-b16': 'b16', 'synthetic-chinese-clip': 'chinese_clip' };

/**
 * Per architecture and precision: the encoders alone (models task), the whole index pipeline against its decode +
 * embed limit, text queries at 100k (encode included), the first query after open and idle memory. Every model
 * loads through the catalog path a real download leaves (a stand-in folder with a download manifest).
 */
export async function modelsSection(o: ModelsSectionOptions): Promise<{ rows: Record<string, Row>; table: Row[] }> {
  const modelsDir = path.join(o.cache, 'models');
  const rows: Record<string, Row> = {};
  const table: Row[] = [];
  for (const kind of KINDS) {
    const full = await ensureCatalogTestModel(kind, modelsDir);
    const catalog = findCatalogModel(SYNTHETIC_CATALOG_IDS[kind])!;
    for (const setting of SETTINGS) {
      const plan = precisionPlan(catalog, { setting });
      const linked = await linkCatalogTestModel(kind, path.join(o.cache, 'plans', setting), plan.files);
      const args = { modelDir: linked.dir, modelId: catalog.id, precision: setting, threads: o.threads, batch: 8, batches: o.quick ? 2 : 4, queries: o.quick ? 20 : 40 };
      await o.run('models', { ...args, prepareOnly: true });
      const m = await o.run<ModelsResult>('models', { ...args, reference: { modelDir: full.dir, dtype: 'fp32' } });
      const row: Row = {
        model: catalog.id,
        setting,
        download_mb: round(plan.downloadBytes / 1e6, 1),
        download_estimated: plan.estimated ? 'yes' : 'no',
        text_encode_p50_ms: m.text.query_p50_ms,
        text_encode_p95_ms: m.text.query_p95_ms,
        text_idle_rss_mb: m.text.idle_rss_mb,
        vision_images_per_s: m.vision.images_per_s,
        both_towers_rss_mb: m.rss_both_towers_mb,
        text_cosine_to_fp32: m.cosine_vs_fp32?.text_min ?? null,
        vision_cosine_to_fp32: m.cosine_vs_fp32?.vision_min ?? null,
      };
      // The whole app with this model: pipeline, 100k text queries, first query, idle memory.
      if (setting === 'quality' || kind === 'synthetic-chinese-clip') {
        const photos = o.quick ? 32 : 64;
        const stages = await o.run<Record<string, number>>('stages', { photosDir: o.photosDir, modelDir: linked.dir, modelId: catalog.id, threads: o.threads, decodePhotos: photos, embedImages: photos, dtypes: ['auto'], device: o.device });
        const pipe = await o.run<Record<string, number>>('pipeline', { photosDir: o.photosDir, modelDir: linked.dir, modelId: catalog.id, threads: o.threads, photos, device: o.device });
        const limit = 1 / (1 / stages.decode_ips + 1 / stages.embed_ips);
        const lib = await ensureLibrary({ cacheDir: o.cache, modelDir: linked.dir, n: 100_000, files: false, threads: o.threads, log: o.log, name: `${SHORT[kind]}-${setting}` });
        const search = await o.run<Record<string, number>>('search', { libDir: lib.libDir, modelDir: linked.dir, threads: o.threads, textQueries: o.quick ? 60 : 200, similarQueries: 20 });
        await o.run('prepare-snapshot', { libDir: lib.libDir, modelDir: linked.dir, threads: o.threads });
        const start = await o.run<Record<string, number>>('startup', { libDir: lib.libDir, modelDir: linked.dir, threads: o.threads, idleWaitMs: 3000, snapshot: true });
        Object.assign(row, {
          pipeline_ips: pipe.pipeline_ips,
          limit_ips: round(limit, 2),
          ratio_to_limit: round(pipe.pipeline_ips / limit, 3),
          index_peak_rss_mb: pipe.peak_rss_mb,
          text_p50_ms_100k: search.text_p50_ms,
          text_p95_ms_100k: search.text_p95_ms,
          first_query_ms: start.first_query_ms,
          idle_rss_mb: start.idle_rss_mb,
          provider: (stages as unknown as { provider?: string }).provider ?? null,
        });
      }
      rows[`${SHORT[kind]}_${setting}`] = row;
      table.push(row);
    }
  }
  return { rows, table };
}

/** Text inside photos: recognition speed, the text stage's cost in a mixed library, the gate, and text queries. */
export async function ocrSection(o: { run: Run; modelDir: string; photosDir: string; threads: number; quick: boolean }): Promise<Record<string, unknown>> {
  return o.run('ocr', { modelDir: o.modelDir, photosDir: o.photosDir, threads: o.threads, textImages: o.quick ? 10 : 20 });
}

/** Videos: seconds of video indexed per second for 1080p H.264, 640×360 and 1080p HEVC; frames per minute. */
export async function videoSection(o: { run: Run; cache: string; modelDir: string; photosDir: string; threads: number; quick: boolean }): Promise<Record<string, unknown>> {
  // The 60-s clips are made in both runs (the mix reads the 1080p one); the full run adds 90-s ones.
  const r = await o.run<{ video: Record<string, unknown> }>('video', { cacheDir: o.cache, modelDir: o.modelDir, threads: o.threads, seconds: 60 });
  if (!o.quick) {
    const long = await o.run<{ video: Record<string, unknown> }>('video', { cacheDir: o.cache, modelDir: o.modelDir, threads: o.threads, seconds: 90 });
    Object.assign(r.video, long.video);
  }
  const mix = await o.run<Record<string, number>>('video-mix', { cacheDir: o.cache, photosDir: o.photosDir, modelDir: o.modelDir, threads: o.threads });
  return { ...r.video, mix };
}

export { runTask };
