// Writes a generated test model folder: npm run make-test-model -- <kind> <out-dir>
// Kinds: toy-color (split towers), toy-color-combined (one CLIPModel-like graph), synthetic-vit-b32 (full size).
import { resolve } from 'node:path';
import { TEST_MODEL_KINDS, isTestModelKind, makeTestModel } from '../src/main/core/testing/test-models.js';

async function main(argv: string[]): Promise<number> {
  const [kind, outDir] = argv;
  if (!kind || !outDir || !isTestModelKind(kind)) {
    console.error(`usage: npm run make-test-model -- <${TEST_MODEL_KINDS.join('|')}> <out-dir>`);
    return 2;
  }
  const started = performance.now();
  const dir = resolve(outDir);
  await makeTestModel(kind, dir);
  console.log(`${kind} written to ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
