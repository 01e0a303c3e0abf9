// Text search while the same library indexes new photos, as in the app (one library process does both): query
// latency during the run, and the peak memory of that process.
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { IndexProgress } from '../../src/shared/types.js';
import type { Embedder } from '../../src/main/core/embed/embedder.js';
import { Library } from '../../src/main/core/library/library.js';
import { taskMain } from '../lib/child.js';
import { peakRssMb, percentile, round, rssMb, sleep, textQueries } from '../lib/measure.js';

interface Args {
  libDir: string;
  modelDir: string;
  photosDir: string;
  threads: number;
  /** Pause between queries (a person typing and reading). */
  intervalMs: number;
}

taskMain(async (a: Args) => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-bench-lib-'));
  const libDir = path.join(tmp, 'library');
  await cp(a.libDir, libDir, { recursive: true });
  try {
    const photos = (await readdir(a.photosDir)).filter((f) => f.endsWith('.jpg')).length;
    // The pipeline's end is when its last image has been embedded (progress events are throttled).
    let embedded = 0;
    let pipelineStart = 0;
    let pipelineEnd = 0;
    const counting = (e: Embedder): Embedder =>
      new Proxy(e, {
        get(target, prop, recv) {
          if (prop === 'embedImages') {
            return async (t: Float32Array[]) => {
              if (pipelineStart === 0) pipelineStart = performance.now();
              const out = await target.embedImages(t);
              embedded += t.length;
              if (embedded >= photos && pipelineEnd === 0) pipelineEnd = performance.now();
              return out;
            };
          }
          const v = Reflect.get(target, prop, recv);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    const lib = await Library.open(libDir, { model: a.modelDir, threads: a.threads, wrapEmbedder: counting });
    await lib.search('warm up');
    const rssBefore = rssMb();
    let phase = 'scanning' as IndexProgress['phase'];
    let indexed = 0;
    const run = lib
      .index({
        roots: [a.photosDir],
        onProgress: (p) => {
          phase = p.phase;
          indexed = p.indexed;
        },
      })
      .finally(() => {
        if (pipelineEnd === 0) pipelineEnd = performance.now();
        phase = 'done';
      });
    const queries = textQueries(400);
    const during: number[] = [];
    const duringPipeline: number[] = [];
    let i = 0;
    while (phase !== 'done' && phase !== 'cancelled') {
      const t = performance.now();
      await lib.search(queries[i++ % queries.length]);
      const ms = performance.now() - t;
      during.push(ms);
      if (pipelineStart > 0 && pipelineEnd === 0) duringPipeline.push(ms);
      await sleep(a.intervalMs);
    }
    const report = await run;
    const result = {
      text_p95_ms_while_indexing: round(percentile(during, 95), 1),
      text_p50_ms_while_indexing: round(percentile(during, 50), 1),
      text_p95_ms_while_pipeline: round(percentile(duringPipeline, 95), 1),
      queries: during.length,
      queries_during_pipeline: duringPipeline.length,
      indexed: report.indexed || indexed,
      index_seconds: round(report.seconds, 1),
      pipeline_ips_while_searching: pipelineEnd > pipelineStart && pipelineStart > 0 ? round(embedded / ((pipelineEnd - pipelineStart) / 1000), 2) : null,
      after_pipeline_s: round((performance.now() - pipelineEnd) / 1000, 1),
      index_peak_rss_mb: round(peakRssMb()),
      rss_before_index_mb: round(rssBefore),
    };
    await lib.close();
    return result;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
