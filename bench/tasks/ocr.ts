// Text inside photos, measured: recognition speed on text-bearing images, the cost of the text stage in a whole
// index run on a mixed library (20% text, side by side with the same run without it), the recall the gate gives
// up against reading every photo, and text-query latency at 100k photos (OcrTextIndex, 200k lines).
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Library } from '../../src/main/core/library/library.js';
import { benchTextIndex } from '../../src/main/core/ocr/bench-text-index.js';
import { buildOcrSet, hasText, runOcrSet } from '../../src/main/core/ocr/bench-ocr.js';
import { PaddleOcrEngine } from '../../src/main/core/ocr/index.js';
import { taskMain } from '../lib/child.js';
import { cpuSeconds, round } from '../lib/measure.js';

interface Args {
  modelDir: string;
  /** Folder of camera-like photos without text (the bench's 12 MP JPEGs). */
  photosDir: string;
  threads: number;
  /** Text-bearing images in the mixed library; four times as many photos without text join them. */
  textImages: number;
}

async function timedIndex(libDir: string, root: string, a: Args, ocr: boolean): Promise<{ seconds: number; cpu: number; lib: Library }> {
  const lib = await Library.open(libDir, { model: a.modelDir, threads: a.threads, device: 'cpu' });
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  await lib.index({ roots: [root], ocr });
  return { seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds() - cpu0, lib };
}

taskMain(async (a: Args) => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-bench-ocr-'));
  try {
    const items = await buildOcrSet(path.join(tmp, 'set'));
    const text = items.filter((i) => hasText(i) && i.lines.length > 0).slice(0, a.textImages);

    // 1. Recognition alone on text-bearing images (sessions loaded first: loading is start-up, not throughput).
    const engine = new PaddleOcrEngine({ intraOpNumThreads: a.threads }); // as the library's text stage runs it
    await runOcrSet(engine, text.slice(0, 1));
    let t = performance.now();
    await runOcrSet(engine, text);
    const imagesPerS = text.length / ((performance.now() - t) / 1000);
    await engine.close();

    // 2. A mixed library: the text images and four times as many camera photos without text.
    const root = path.join(tmp, 'mixed');
    await mkdir(root);
    for (const it of text) await copyFile(it.file, path.join(root, `text-${path.basename(it.file)}`));
    const photos = (await readdir(a.photosDir)).filter((f) => f.endsWith('.jpg')).sort().slice(0, text.length * 4);
    for (const f of photos) await copyFile(path.join(a.photosDir, f), path.join(root, `photo-${f}`));
    const without = await timedIndex(path.join(tmp, 'lib-plain'), root, a, false);
    await without.lib.close();
    const withOcr = await timedIndex(path.join(tmp, 'lib-ocr'), root, a, true);
    // 3. What the gate gave up: text images it recorded as textless, against reading every photo.
    const ocr = withOcr.lib.internals.ocr;
    let missed = 0;
    const missedNames: string[] = [];
    for (const it of text) {
      const rec = [...withOcr.lib.internals.catalog.values()].find((p) => p.path.endsWith(`text-${path.basename(it.file)}`));
      if (rec && (await ocr.lines(rec.id)) === null) {
        missed++;
        missedNames.push(path.basename(it.file));
      }
    }
    const status = await withOcr.lib.status();
    await withOcr.lib.close();

    // 4. Text queries at 100k photos.
    t = performance.now();
    const index = benchTextIndex();
    const indexBenchS = (performance.now() - t) / 1000;

    return {
      images_per_s: round(imagesPerS, 2),
      text_images: text.length,
      mixed_photos: text.length + photos.length,
      index_s_without: round(without.seconds, 1),
      index_s_with: round(withOcr.seconds, 1),
      overhead: round(withOcr.seconds / without.seconds - 1, 3),
      overhead_cpu: round(withOcr.cpu / without.cpu - 1, 3),
      gate_missed_share: round(missed / text.length, 3),
      gate_missed: missedNames,
      ocr_done: status.ocr?.done ?? 0,
      query_p50_ms_100k: index.query.p50Ms,
      query_p95_ms_100k: index.query.p95Ms,
      text_index: index,
      text_index_bench_s: round(indexBenchS, 1),
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
