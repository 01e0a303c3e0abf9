// Opens a library writable and runs one query, as the app does on start: the index loads (from the vector table
// when no snapshot matches) and leaves its snapshot for the next open.
import { Library } from '../../src/main/core/library/library.js';
import { taskMain } from '../lib/child.js';
import { round } from '../lib/measure.js';

interface Args {
  libDir: string;
  modelDir: string;
  threads: number;
}

taskMain(async (a: Args) => {
  const t = performance.now();
  const lib = await Library.open(a.libDir, { model: a.modelDir, threads: a.threads });
  await lib.search('warm up');
  await lib.close();
  return { seconds: round((performance.now() - t) / 1000, 2) };
});
