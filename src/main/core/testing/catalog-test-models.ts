// Synthetic models in the place of catalog models: tests and benches load them through resolveModel(catalog id),
// the path the real downloads take, with the hub's file names for every precision.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { MODEL_MANIFEST, type ModelManifest } from '../embed/model-download.js';
import { catalogFolder } from '../embed/model-store.js';
import type { SyntheticKind } from './synthetic-clip-model.js';
import { REPO_ROOT } from './fixtures.js';
import { makeTestModel } from './test-model-writer.js';

/** The catalog model each synthetic model stands in for (same layout, file names, tensor shapes). */
export const SYNTHETIC_CATALOG_IDS: Readonly<Record<SyntheticKind, string>> = {
  'synthetic-vit-b32': 'Xenova/clip-vit-base-patch32',
  'synthetic-vit-b16': 'Xenova/clip-vit-base-patch16',
  'synthetic-chinese-clip': 'Xenova/chinese-clip-vit-base-patch16',
};
export const SYNTHETIC_KINDS = Object.keys(SYNTHETIC_CATALOG_IDS) as SyntheticKind[];
/**
 * The shared models folder of generated catalog stand-ins: <repo>/.cache/test-models (gitignored). Only valid when
 * this module runs from the source tree (tests, tsx scripts); bundled bench tasks get the folder as an argument.
 */
export const CATALOG_TEST_MODELS_DIR = resolve(REPO_ROOT, '.cache', 'test-models');

/** Bumped whenever a synthetic model's graphs, weights or files change, so cached copies are regenerated. */
export const SYNTHETIC_GENERATOR_VERSION = 1;

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
  }
  return out.sort();
}

/**
 * Makes the catalog folder of `SYNTHETIC_CATALOG_IDS[kind]` under `modelsDir` hold the synthetic model in fp32, fp16
 * and q8 with a completed download manifest, as a download would leave it; returns the catalog id and folder.
 * Generated once (Chinese-CLIP: about 30 s, 1.3 GB) and kept while SYNTHETIC_GENERATOR_VERSION stays the same; files
 * the embedder derives there (split towers, widened fp16) are kept with it. Safe to call from parallel processes.
 */
export async function ensureCatalogTestModel(kind: SyntheticKind, modelsDir: string): Promise<{ id: string; dir: string }> {
  const id = SYNTHETIC_CATALOG_IDS[kind];
  const dir = catalogFolder(modelsDir, id);
  const host = `synthetic:${kind}:v${SYNTHETIC_GENERATOR_VERSION}`;
  const current = async (): Promise<boolean> => {
    try {
      const m = JSON.parse(await readFile(join(dir, MODEL_MANIFEST), 'utf8')) as ModelManifest;
      return m.host === host && m.completedAt > 0;
    } catch {
      return false;
    }
  };
  if (await current()) return { id, dir };
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await makeTestModel(kind, tmp, { precisions: ['fp32', 'fp16', 'q8'] });
    const manifest: ModelManifest = { id, host, completedAt: Date.now(), files: {} };
    for (const f of await listFiles(tmp)) manifest.files[f] = { size: (await stat(join(tmp, f))).size };
    await writeFile(join(tmp, MODEL_MANIFEST), JSON.stringify(manifest, null, 2));
    if (await current()) return { id, dir }; // another process finished first
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (!(await current())) throw err;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { id, dir };
}

/**
 * A catalog folder under `modelsDir` holding only `files` of the generated stand-in (symlinks into the cached one),
 * with a completed manifest: what a download of one precision plan leaves. Derived files are written there, not
 * into the cache.
 */
export async function linkCatalogTestModel(kind: SyntheticKind, modelsDir: string, files: readonly string[], cacheDir = CATALOG_TEST_MODELS_DIR): Promise<{ id: string; dir: string }> {
  const source = await ensureCatalogTestModel(kind, cacheDir);
  const dir = catalogFolder(modelsDir, source.id);
  const host = `synthetic:${kind}:v${SYNTHETIC_GENERATOR_VERSION}`;
  try {
    // Already linked with these files (and maybe derived files made since): keep it.
    const m = JSON.parse(await readFile(join(dir, MODEL_MANIFEST), 'utf8')) as ModelManifest;
    if (m.host === host && Object.keys(m.files).sort().join('\n') === [...files].sort().join('\n') && files.every((f) => existsSync(join(dir, f)))) return { id: source.id, dir };
  } catch {
    // not linked yet
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const manifest: ModelManifest = { id: source.id, host, completedAt: Date.now(), files: {} };
  for (const f of files) {
    await symlink(join(source.dir, f), join(dir, f));
    manifest.files[f] = { size: (await stat(join(source.dir, f))).size };
  }
  await writeFile(join(dir, MODEL_MANIFEST), JSON.stringify(manifest, null, 2));
  return { id: source.id, dir };
}
