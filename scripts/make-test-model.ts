// Writes a generated test model folder: npm run make-test-model -- <kind> <out-dir> [--precisions fp32,fp16,q8]
// or, for a synthetic kind, installs it where the catalog model it stands in for would be downloaded:
// npm run make-test-model -- <kind> --catalog <models-dir>   (then "--model Xenova/…" finds it via SOUTU_MODELS_DIR)
import { resolve } from 'node:path';
import {
  SYNTHETIC_KINDS,
  TEST_MODEL_KINDS,
  ensureCatalogTestModel,
  isTestModelKind,
  makeTestModel,
  type SyntheticKind,
  type TestPrecision,
} from '../src/main/core/testing/test-models.js';

const USAGE = `usage: npm run make-test-model -- <${TEST_MODEL_KINDS.join('|')}> <out-dir> [--precisions fp32,fp16,q8]
       npm run make-test-model -- <${SYNTHETIC_KINDS.join('|')}> --catalog <models-dir>`;

async function main(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  const flag = (name: string): string | undefined => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (!kind || !isTestModelKind(kind)) {
    console.error(USAGE);
    return 2;
  }
  const started = performance.now();
  const secs = () => ((performance.now() - started) / 1000).toFixed(1);
  const catalog = flag('--catalog');
  if (catalog !== undefined) {
    if (!(SYNTHETIC_KINDS as string[]).includes(kind)) {
      console.error(`${kind} does not stand in for a catalog model.\n${USAGE}`);
      return 2;
    }
    const { id, dir } = await ensureCatalogTestModel(kind as SyntheticKind, resolve(catalog));
    console.log(`${kind} installed as ${id} in ${dir} (${secs()} s)`);
    return 0;
  }
  const outDir = rest.find((a, i) => !a.startsWith('--') && !rest[i - 1]?.startsWith('--'));
  if (!outDir) {
    console.error(USAGE);
    return 2;
  }
  const list = flag('--precisions')?.split(',');
  if (list && !list.every((p) => ['fp32', 'fp16', 'q8'].includes(p))) {
    console.error(`--precisions takes fp32, fp16 and q8.\n${USAGE}`);
    return 2;
  }
  const dir = resolve(outDir);
  await makeTestModel(kind, dir, { precisions: list as TestPrecision[] | undefined });
  console.log(`${kind} written to ${dir} in ${secs()} s`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
