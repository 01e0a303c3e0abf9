// From opening a library (cold process, cold model session) to the first text result; then a session of text
// and similar-photo queries, a pause, and the memory the process holds while idle.
import { Library } from '../../src/main/core/library/library.js';
import { taskMain } from '../lib/child.js';
import { peakRssMb, round, rssMb, sleep, textQueries } from '../lib/measure.js';

interface Args {
  libDir: string;
  modelDir: string;
  threads: number;
  idleWaitMs: number;
}

taskMain(async (a: Args) => {
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
