// A rescan of a library whose files have not changed: the whole Library.index() call, as the app runs it on
// start-up; and, for the record, the folder walk alone.
import { IMAGE_EXTENSIONS, sniffImageFormat } from '../../src/main/core/decode/index.js';
import { Library } from '../../src/main/core/library/library.js';
import { walkRoot } from '../../src/main/core/scan/walk.js';
import { taskMain } from '../lib/child.js';
import { round } from '../lib/measure.js';

interface Args {
  libDir: string;
  modelDir: string;
  root: string;
  threads: number;
}

taskMain(async (a: Args) => {
  let t = performance.now();
  let files = 0;
  for await (const _ of walkRoot(a.root, { imageExtensions: IMAGE_EXTENSIONS, sniff: sniffImageFormat })) files++;
  const walkSeconds = (performance.now() - t) / 1000;

  t = performance.now();
  const lib = await Library.open(a.libDir, { model: a.modelDir, threads: a.threads });
  const openSeconds = (performance.now() - t) / 1000;
  const phases: Record<string, number> = {};
  let last = performance.now();
  let lastPhase = 'start';
  t = performance.now();
  const report = await lib.index({
    onProgress: (p) => {
      if (p.phase !== lastPhase) {
        const now = performance.now();
        phases[lastPhase] = round((now - last) / 1000, 2);
        last = now;
        lastPhase = p.phase;
      }
    },
  });
  const rescanSeconds = (performance.now() - t) / 1000;
  phases[lastPhase] = round((performance.now() - last) / 1000, 2);
  await lib.close();
  if (report.unchanged < files * 0.99) throw new Error(`expected an unchanged library, got ${JSON.stringify({ ...report, problems: report.problems.length })}`);
  return {
    unchanged_s: round(rescanSeconds, 2),
    unchanged: report.unchanged,
    indexed: report.indexed,
    walk_only_s: round(walkSeconds, 2),
    open_s: round(openSeconds, 2),
    phases_s: phases,
  };
});
