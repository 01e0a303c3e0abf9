// From opening a library (cold process, cold model session) to the first text result; then a session of text
// and similar-photo queries, a pause, and the memory the process holds while idle.
// `snapshot: false` removes the library's index snapshot first, as after a change to the library by another
// process: the index then loads from the vector table. `snapshot: true` expects it (the usual case: every index
// run and every load from the table leave one).
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Library } from '../../src/main/core/library/library.js';
import { taskMain } from '../lib/child.js';
import { peakRssMb, round, rssMb, sleep, textQueries } from '../lib/measure.js';

interface Args {
  libDir: string;
  modelDir: string;
  threads: number;
  idleWaitMs: number;
  snapshot: boolean;
}

taskMain(async (a: Args) => {
  const cache = path.join(a.libDir, 'cache');
  const snapshots = (await readdir(cache).catch(() => [] as string[])).filter((f) => f.startsWith('index-') && f.endsWith('.f16'));
  if (!a.snapshot) for (const f of snapshots) await rm(path.join(cache, f));
  else if (snapshots.length === 0) throw new Error('no index snapshot to start from');
  const rss0 = rssMb();
  const t0 = performance.now();
  const lib = await Library.open(a.libDir, { model: a.modelDir, threads: a.threads, readOnly: true });
  const openMs = performance.now() - t0;
  const first = await lib.search('a dog on the beach at sunset');
  const firstQueryMs = performance.now() - t0;
  if (first.length === 0) throw new Error('no hits');

  // A short session: text queries and "more like this".
  for (const q of textQueries(30)) await lib.search(q);
  for (const h of first.slice(0, 20)) await lib.similar({ kind: 'photo', id: h.id });
  await sleep(a.idleWaitMs);
  const idle = rssMb();
  const mem = process.memoryUsage();
  const result = {
    snapshot: a.snapshot,
    first_query_ms: round(firstQueryMs),
    open_ms: round(openMs),
    idle_rss_mb: round(idle),
    peak_rss_mb: round(peakRssMb()),
    node_baseline_rss_mb: round(rss0),
    heap_used_mb: round(mem.heapUsed / 2 ** 20),
    array_buffers_mb: round(mem.arrayBuffers / 2 ** 20),
    external_mb: round(mem.external / 2 ** 20),
  };
  await lib.close();
  return result;
});
