// Soutu performance bench: `npm run bench -- [--json] [--quick] [--threads N] [--only a,b]`.
// Generates its own data under .cache/bench (12 MP JPEGs, the synthetic ViT-B/32 model, CLIP-like vector
// libraries of 100k and, without --quick, 1M photos), runs each measurement in a fresh child process, and prints
// one JSON object as the last line of stdout: the measurements, the goals of issue 5 with pass/fail, and the
// settings used. Progress goes to stderr. See bench/PERFORMANCE.md.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeTestModel } from '../src/main/core/testing/test-models.js';
import { BENCH_DIR, runTask } from './lib/child.js';
import { ensureLibrary } from './lib/library-fixture.js';
import { loadAverage, round } from './lib/measure.js';
import { ensureBigPhotos, photoFolder } from './lib/photos.js';
import { modelsSection, ocrSection, videoSection } from './lib/sections.js';

interface Flags {
  json: boolean;
  quick: boolean;
  threads: number;
  only: Set<string> | null;
  device: 'auto' | 'cpu' | 'gpu';
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = { json: false, quick: false, threads: os.availableParallelism(), only: null, device: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') f.json = true;
    else if (a === '--quick') f.quick = true;
    else if (a === '--threads') f.threads = Number(argv[++i]);
    else if (a === '--only') f.only = new Set(argv[++i].split(','));
    else if (a === '--device') {
      const d = argv[++i];
      if (d !== 'auto' && d !== 'cpu' && d !== 'gpu') throw new Error(`--device must be auto, cpu or gpu (got ${d})`);
      f.device = d;
    } else throw new Error(`unknown flag ${a} (use --json, --quick, --threads N, --only a,b, --device auto|cpu|gpu)`);
  }
  return f;
}

type Cmp = '>=' | '<=';
const GOALS: [key: string, cmp: Cmp, target: number][] = [
  ['index.ratio_to_limit', '>=', 0.9],
  ['index.speedup_vs_naive', '>=', 5],
  ['search.text_p50_ms_100k', '<=', 30],
  ['search.similar_p50_ms_100k', '<=', 15],
  ['search.recall_at_20_100k', '>=', 0.95],
  ['search.text_p50_ms_1m', '<=', 60],
  ['search.recall_at_20_1m', '>=', 0.95],
  ['search.text_p95_ms_while_indexing', '<=', 150],
  // Issue 16 tightened these from 3 s to 2.5 s, so that they hold on slower machines too.
  ['rescan.unchanged_100k_s', '<=', 2.5],
  ['memory.index_peak_rss_mb', '<=', 1500],
  ['memory.idle_rss_mb', '<=', 600],
  ['startup.first_query_ms', '<=', 2500],
  // Issue 13: text inside photos.
  ['ocr.query_p50_ms_100k', '<=', 30],
  ['ocr.overhead', '<=', 0.25],
  ['ocr.gate_missed_share', '<=', 0.05],
  // Issue 14: videos.
  // Seconds of 1080p H.264 made searchable per wall second, through the library (hash, probe, sampling, embedding
  // at the default precision, thumbnails, rows).
  ['video.library_realtime_factor_h264_1080p', '>=', 20],
  // Photos are not held back by videos in the same folder (1.0: not at all).
  ['video.photos_delay_ratio', '<=', 1.15],
  // Issue 12: four concurrent maximum-size uploads.
  ['upload.upload_peak_rss_mb', '<=', 700],
  // Issue 15: the default Chinese model meets the same goals as B/32.
  ['models.chinese_clip_quality_text_p50_ms_100k', '<=', 30],
  ['models.chinese_clip_quality_idle_rss_mb', '<=', 600],
  ['models.chinese_clip_quality_ratio_to_limit', '>=', 0.9],
];

const started = Date.now();
const log = (s: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${s}\n`);

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const quick = flags.quick;
  const T = flags.threads;
  const want = (name: string) => !flags.only || flags.only.has(name);
  const cache = path.resolve(BENCH_DIR, '..', '.cache', 'bench');
  await mkdir(cache, { recursive: true });
  const s = {
    threads: T,
    distinct_photos: 32,
    pipeline_photos: quick ? 96 : 240,
    stage_photos: quick ? 64 : 160,
    naive_photos: quick ? 12 : 30,
    while_indexing_photos: quick ? 64 : 160,
    rounds: quick ? 2 : 3,
    text_queries: quick ? 60 : 300,
    similar_queries: quick ? 40 : 200,
    recall_queries: quick ? 60 : 200,
    vectors: quick ? [100_000] : [100_000, 1_000_000],
    query_interval_ms_while_indexing: 150,
  };
  const load0 = loadAverage();
  log(`threads ${T}, ${quick ? 'quick' : 'full'} run, load average ${load0.toFixed(2)}`);

  // ---- data ---------------------------------------------------------------------------------------------
  const modelDir = path.join(cache, 'model-synthetic-vit-b32');
  if (!existsSync(path.join(modelDir, 'onnx', 'text_model_quantized.onnx'))) {
    log('generating the synthetic ViT-B/32 model');
    await makeTestModel('synthetic-vit-b32', modelDir);
  }
  const sources = await ensureBigPhotos(path.join(cache, 'photos'), s.distinct_photos, log);
  const pipelineDir = await photoFolder(path.join(cache, 'photos', `set-${s.pipeline_photos}`), sources, s.pipeline_photos);
  const newPhotosDir = await photoFolder(path.join(cache, 'photos', `new-${s.while_indexing_photos}`), sources, s.while_indexing_photos);
  const lib100k = await ensureLibrary({ cacheDir: cache, modelDir, n: 100_000, files: true, threads: T, log });
  const lib1m = quick ? null : await ensureLibrary({ cacheDir: cache, modelDir, n: 1_000_000, files: false, threads: T, log });

  const run = <R>(name: string, args: unknown, nodeArgs: string[] = []) => {
    log(`${name} …`);
    return runTask<R>(name, args, { log, nodeArgs });
  };
  const raw: Record<string, unknown> = {};

  // ---- search -----------------------------------------------------------------------------------------------
  const recall: Record<string, Record<string, number>> = {};
  if (want('recall')) {
    for (const n of s.vectors) recall[n] = await run('recall', { n, seed: 1, queries: s.recall_queries, threads: T });
    raw.recall = recall;
  }
  let search100k: Record<string, number> | null = null;
  let search1m: Record<string, number> | null = null;
  if (want('search')) {
    search100k = await run('search', { libDir: lib100k.libDir, modelDir, threads: T, textQueries: s.text_queries, similarQueries: s.similar_queries });
    raw.search_100k = search100k;
    if (lib1m) {
      search1m = await run('search', { libDir: lib1m.libDir, modelDir, threads: T, textQueries: Math.min(100, s.text_queries), similarQueries: 40 }, ['--max-old-space-size=8192']);
      raw.search_1m = search1m;
    }
  }
  let startup: Record<string, number> | null = null;
  if (want('startup')) {
    // First after a change (no index snapshot: the index loads from the table), then a writable open that leaves
    // a snapshot as the app does, then the usual open from it; the goals are judged on the usual open.
    const cold = await run<Record<string, number>>('startup', { libDir: lib100k.libDir, modelDir, threads: T, idleWaitMs: 3000, snapshot: false });
    await run('prepare-snapshot', { libDir: lib100k.libDir, modelDir, threads: T });
    startup = await run('startup', { libDir: lib100k.libDir, modelDir, threads: T, idleWaitMs: 3000, snapshot: true });
    raw.startup = startup;
    raw.startup_without_snapshot = cold;
  }
  let rescan: Record<string, number> | null = null;
  if (want('rescan')) {
    rescan = await run('rescan', { libDir: lib100k.libDir, modelDir, root: lib100k.root, threads: T });
    raw.rescan = rescan;
  }

  // ---- indexing: stages and pipeline side by side, interleaved, best round of each --------------------------
  let stages: Record<string, number> | null = null;
  let pipeline: Record<string, number> | null = null;
  let naive: Record<string, number> | null = null;
  if (want('index')) {
    const stageRuns: Record<string, number>[] = [];
    const pipeRuns: Record<string, number>[] = [];
    for (let r = 0; r < s.rounds; r++) {
      stageRuns.push(await run('stages', { photosDir: pipelineDir, modelDir, threads: T, decodePhotos: s.stage_photos, embedImages: s.stage_photos, dtypes: r === 0 && !quick ? ['auto', 'fp32'] : ['auto'], device: flags.device }));
      pipeRuns.push(await run('pipeline', { photosDir: pipelineDir, modelDir, threads: T, photos: s.pipeline_photos, device: flags.device }));
    }
    const best = (runs: Record<string, number>[], key: string) => runs.reduce((b, x) => (x[key] > b[key] ? x : b));
    const bestDecode = best(stageRuns, 'decode_ips');
    const bestEmbed = best(stageRuns, 'embed_ips');
    stages = { ...bestDecode, embed_ips: bestEmbed.embed_ips, embed_cpu_s: bestEmbed.embed_cpu_s };
    pipeline = best(pipeRuns, 'pipeline_ips');
    raw.stages = stageRuns;
    raw.pipeline = pipeRuns;
    naive = await run('naive', { photosDir: pipelineDir, modelDir, photos: s.naive_photos });
    raw.naive = naive;
    // Which execution provider ran the vision tower (--device gpu: the GPU's, or a sentence saying why not).
    const provider = (stageRuns[0] as unknown as { provider?: string }).provider;
    if (provider) {
      log(`device ${flags.device}: ${provider}`);
      raw.provider = provider;
    }
  }
  // ---- issue 15: every catalog architecture at each CPU precision; issues 13, 14, 12 -------------------------
  let models: Awaited<ReturnType<typeof modelsSection>> | null = null;
  if (want('models')) {
    models = await modelsSection({ cache, threads: T, quick, photosDir: pipelineDir, device: flags.device, log, run });
    raw.models = models.table;
  }
  // A section that fails is reported (its keys null, its error in the details) and the run goes on.
  const failedSections: Record<string, string> = {};
  const section = async <R>(name: string, f: () => Promise<R>): Promise<R | null> => {
    if (!want(name)) return null;
    try {
      return await f();
    } catch (err) {
      failedSections[name] = (err as Error).message.split('\n')[0];
      log(`${name} failed: ${failedSections[name]}`);
      return null;
    }
  };
  const ocr = await section('ocr', () => ocrSection({ run, modelDir, photosDir: pipelineDir, threads: T, quick }));
  if (ocr) raw.ocr = ocr;
  const video = await section('video', () => videoSection({ run, cache, modelDir, photosDir: pipelineDir, threads: T, quick }));
  if (video) raw.video = video;
  const upload = existsSync(path.join(BENCH_DIR, 'tasks', 'upload.ts')) ? await section('upload', () => run<Record<string, number>>('upload', { cacheDir: cache, threads: T })) : null;
  if (upload) raw.upload = upload;
  if (Object.keys(failedSections).length > 0) raw.failed_sections = failedSections;

  let during: Record<string, number> | null = null;
  if (want('while-indexing')) {
    during = await run('while-indexing', { libDir: lib100k.libDir, modelDir, photosDir: newPhotosDir, threads: T, intervalMs: s.query_interval_ms_while_indexing });
    raw.while_indexing = during;
  }

  // ---- report ---------------------------------------------------------------------------------------------
  const v = (x: number | undefined | null) => (x === undefined || x === null || Number.isNaN(x) ? null : x);
  /** The named numbers of a task's result, each as v() reports it (null when the task did not run or say it). */
  const pick = <K extends string>(o: Record<string, unknown> | null | undefined, keys: readonly K[]) =>
    Object.fromEntries(keys.map((k) => [k, v(o?.[k] as number | undefined)])) as Record<K, number | null>;
  const limit = stages ? 1 / (1 / stages.decode_ips + 1 / stages.embed_ips) : null;
  const result = {
    index: {
      pipeline_ips: v(pipeline?.pipeline_ips),
      decode_ips: v(stages?.decode_ips),
      embed_ips: v(stages?.embed_ips),
      limit_ips: limit === null ? null : round(limit, 2),
      ratio_to_limit: limit && pipeline ? round(pipeline.pipeline_ips / limit, 3) : null,
      naive_ips: v(naive?.naive_ips),
      speedup_vs_naive: pipeline && naive ? round(pipeline.pipeline_ips / naive.naive_ips, 2) : null,
      embed_dtype: stages ? (stageRuns0Dtype(raw) ?? null) : null,
      provider: (raw.provider as string | undefined) ?? null,
      // CPU seconds per photo, stages vs pipeline: the pipeline's own overhead, unaffected by other load.
      ratio_to_limit_cpu: stages && pipeline ? round((stages.decode_cpu_s + stages.embed_cpu_s) / pipeline.cpu_s_per_photo, 3) : null,
    },
    search: {
      text_p50_ms_100k: v(search100k?.text_p50_ms),
      text_p95_ms_100k: v(search100k?.text_p95_ms),
      similar_p50_ms_100k: v(search100k?.similar_p50_ms),
      recall_at_20_100k: v(recall[100_000]?.recall_at_20),
      text_p50_ms_1m: v(search1m?.text_p50_ms),
      recall_at_20_1m: v(recall[1_000_000]?.recall_at_20),
      text_p95_ms_while_indexing: v(during?.text_p95_ms_while_indexing),
    },
    rescan: { unchanged_100k_s: v(rescan?.unchanged_s) },
    memory: { index_peak_rss_mb: v(during?.index_peak_rss_mb), idle_rss_mb: v(startup?.idle_rss_mb) },
    startup: { first_query_ms: v(startup?.first_query_ms) },
    ocr: pick(ocr, ['images_per_s', 'overhead', 'overhead_cpu', 'gate_missed_share', 'query_p50_ms_100k', 'query_p95_ms_100k']),
    video: {
      ...pick(video, ['realtime_factor_h264_1080p', 'realtime_factor_h264_360p', 'realtime_factor_hevc_1080p', 'realtime_factor_h264_1080p_with_embed', 'frames_per_minute']),
      ...pick(video?.mix as Record<string, unknown> | undefined, ['photos_delay_ratio', 'library_realtime_factor_h264_1080p']),
    },
    upload: { upload_peak_rss_mb: v(upload?.upload_peak_rss_mb), idle_after_mb: v(upload?.idle_after_mb) },
    models: Object.fromEntries(
      Object.entries(models?.rows ?? {}).flatMap(([k, r]) =>
        ['text_p50_ms_100k', 'text_p95_ms_100k', 'ratio_to_limit', 'pipeline_ips', 'first_query_ms', 'idle_rss_mb', 'text_encode_p50_ms', 'vision_images_per_s'].map((m) => [`${k}_${m}`, typeof r[m] === 'number' ? (r[m] as number) : null]),
      ),
    ),
    // The same open with no index snapshot (after another process changed the library): reported, not judged.
    startup_without_snapshot: pick(raw.startup_without_snapshot as Record<string, unknown> | undefined, ['first_query_ms', 'idle_rss_mb']),
  };
  const get = (key: string): number | null => {
    const [a, b] = key.split('.');
    return (result as unknown as Record<string, Record<string, number | null>>)[a]?.[b] ?? null;
  };
  const goals: Record<string, { goal: string; value: number | null; pass: boolean | null }> = {};
  for (const [key, cmp, target] of GOALS) {
    const value = get(key);
    goals[key] = { goal: `${cmp} ${target}`, value, pass: value === null ? null : cmp === '>=' ? value >= target : value <= target };
  }
  const judged = Object.values(goals).filter((g) => g.pass !== null);
  const load1 = loadAverage();
  const out = {
    ...result,
    goals,
    goals_passed: `${judged.filter((g) => g.pass).length}/${judged.length}`,
    settings: {
      ...s,
      quick,
      model: 'synthetic-vit-b32 (CLIP ViT-B/32 architecture, seeded weights)',
      pipeline: pipeline?.settings ?? null,
      machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), memory_gb: round(os.totalmem() / 2 ** 30, 1), node: process.version, platform: `${process.platform}-${process.arch}` },
      load_average: { start: round(load0, 2), end: round(load1, 2) },
      // Other work on the machine slows every number down; best-of rounds only partly make up for it. (The end
      // figure includes the bench's own children, so only the start says whether others were busy.)
      noisy: load0 > 0.75 * T,
      seconds: round((Date.now() - started) / 1000, 0),
    },
    details: raw,
  };
  if (!flags.json) {
    for (const [k, g] of Object.entries(goals)) {
      process.stdout.write(`${g.pass === null ? '  -  ' : g.pass ? ' pass' : ' FAIL'}  ${k.padEnd(36)} ${String(g.value ?? 'n/a').padStart(9)}  (goal ${g.goal})\n`);
    }
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

function stageRuns0Dtype(raw: Record<string, unknown>): string | null {
  const runs = raw.stages as { dtype?: string }[] | undefined;
  return runs?.[0]?.dtype ?? null;
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
