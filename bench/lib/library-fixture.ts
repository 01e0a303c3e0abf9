// A library as the app would have left it after indexing n photos, built without running the model n times:
// photo rows (optionally for real small files on disk, so rescans stat real inodes) and CLIP-like vectors written
// through the engine's own store, then one ordinary index run (untimed) so tags and compaction are done.
import * as lancedb from '@lancedb/lancedb';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PaddleOcrEngine } from '../../src/main/core/ocr/index.js';
import { Library } from '../../src/main/core/library/library.js';
import { readMeta, writeMeta } from '../../src/main/core/library/library-meta.js';
import { photoId } from '../../src/main/core/index/index-pipeline.js';
import { LanceVectorStore, photosToArrow, vectorsToArrow } from '../../src/main/core/store/lance-vector-store.js';
import { SNAPSHOT_MAGIC } from '../../src/main/core/search/index-snapshot.js';
import type { PhotoRecord } from '../../src/main/core/store/vector-store.js';
import { clipLikeSet } from './clip-like.js';
import { ensureSmallFiles, fileFacts, libraryPath } from './photos.js';

export const FIXTURE_VERSION = 5;
/** The OCR engine's id as the app records it (PaddleOcrEngine's defaults; no model is loaded to read it). */
const OCR_ENGINE_ID = new PaddleOcrEngine().engineId;

export interface LibraryFixture {
  libDir: string;
  root: string;
  n: number;
  seed: number;
}

export interface FixtureOptions {
  cacheDir: string;
  modelDir: string;
  n: number;
  seed?: number;
  /** Write real files for the rows (needed for rescans). */
  files: boolean;
  threads: number;
  log: (s: string) => void;
  /** A name for this library beside others of the same size (one per model). */
  name?: string;
}

export async function ensureLibrary(o: FixtureOptions): Promise<LibraryFixture> {
  const seed = o.seed ?? 1;
  const libDir = path.resolve(o.cacheDir, `library-${o.n}${o.name ? `-${o.name}` : ''}`);
  const root = path.resolve(o.cacheDir, `files-${o.n}`);
  const manifestFile = path.join(libDir, 'bench-fixture.json');
  const want = { version: FIXTURE_VERSION, n: o.n, seed, files: o.files, modelDir: path.resolve(o.modelDir), complete: true };
  const have = existsSync(manifestFile) ? JSON.parse(await readFile(manifestFile, 'utf8')) : null;
  if (have && JSON.stringify(have) === JSON.stringify(want)) {
    if (o.files) await ensureTagCache(libDir, o);
    await ensureIndexSnapshot(libDir, o);
    return { libDir, root, n: o.n, seed };
  }

  await rm(libDir, { recursive: true, force: true });
  await mkdir(libDir, { recursive: true });
  let paths: string[];
  if (o.files) paths = await ensureSmallFiles(root, o.n, o.log);
  else paths = Array.from({ length: o.n }, (_, i) => libraryPath(root, i));

  o.log(`building a ${o.n}-photo library`);
  // Open once so the library records its model (key, dim) exactly as the app would.
  const first = await Library.open(libDir, { model: o.modelDir, threads: o.threads });
  await first.close();
  const meta = await readMeta(libDir);
  const model = meta.model!;
  meta.roots = [{ path: root, addedAt: Date.now(), lastIndexedAt: Date.now(), online: true }];
  await writeMeta(libDir, meta);

  const set = clipLikeSet({ n: o.n, dim: model.dim, seed });
  const store = await LanceVectorStore.open(path.join(libDir, 'db'));
  const vectors = await store.vectors(model.key, model.dim);
  const CHUNK = 20_000;
  let bulk: { photos: lancedb.Table; vectors: lancedb.Table } | null = null;
  if (o.n > 200_000) {
    const db = await lancedb.connect(path.join(libDir, 'db'));
    bulk = { photos: await db.openTable('photos'), vectors: await db.openTable(`vectors_${model.key}`) };
  }
  const t0 = Date.now();
  for (let i = 0; i < o.n; i += CHUNK) {
    const end = Math.min(o.n, i + CHUNK);
    const rows: PhotoRecord[] = [];
    const ids: string[] = [];
    const vecs: Float32Array[] = [];
    for (let k = i; k < end; k++) {
      const p = paths[k];
      const facts = o.files ? await fileFacts(p) : { size: 3_000_000 + (k % 1000), mtime: 1_683_000_000_000 };
      const id = photoId(p);
      rows.push({
        id,
        path: p,
        root,
        folder: path.dirname(p),
        name: path.basename(p),
        size: facts.size,
        mtime: facts.mtime,
        hash: '',
        width: 4000,
        height: 3000,
        format: 'jpeg',
        takenAt: 1_200_000_000_000 + k * 60_000,
        camera: 'Bench Camera',
        lat: null,
        lon: null,
        thumb: null,
        phash: null,
        status: 'ok',
        errorCode: null,
        errorDetails: null,
        error: null,
        indexedAt: Date.now(),
        kind: 'photo',
        duration: null,
        codec: null,
        motion: null,
      });
      ids.push(id);
      vecs.push(set.matrix.subarray(k * model.dim, (k + 1) * model.dim));
    }
    // Vectors first, rows last: the engine's own commit order. Large libraries append in bulk (the rows are all
    // new; the store's merge-insert re-reads the growing table on every commit, quadratic at a million).
    if (bulk) {
      await bulk.vectors.add(vectorsToArrow(ids, vecs, model.dim));
      await bulk.photos.add(photosToArrow(rows));
    } else {
      await vectors.upsert(ids, vecs);
      await store.upsertPhotos(rows);
      // Text already read, as a library indexed by the app leaves it (generated pictures hold none): the rescan
      // bench then measures an unchanged library, with nothing left for the text stage but finding that out.
      await (await store.ocr()).upsert(rows.map((r) => ({ id: r.id, engine: OCR_ENGINE_ID, orientation: 1, size: r.size, mtime: r.mtime, status: 'none' as const, lines: '[]', readAt: Date.now() })));
    }
    o.log(`  ${end}/${o.n} rows (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await store.optimize();
  await store.close();

  // One ordinary run over the unchanged files: tags every photo and compacts, as after a real first index.
  if (o.files) {
    o.log('first (untimed) rescan: tagging and compaction');
    const lib = await Library.open(libDir, { model: o.modelDir, threads: o.threads });
    await lib.index();
    await lib.close();
  }
  if (o.files) await ensureTagCache(libDir, o);
  await ensureIndexSnapshot(libDir, o);
  await writeFile(manifestFile, JSON.stringify(want));
  return { libDir, root, n: o.n, seed };
}

/**
 * A library that has been indexed once keeps its tag vocabulary's vectors in <library>/cache; a fixture made
 * before that cache existed gets it here (building the tagger once, as the app's first index run does).
 */
async function ensureTagCache(libDir: string, o: FixtureOptions): Promise<void> {
  const dir = path.join(libDir, 'cache');
  const have = existsSync(dir) ? (await readdir(dir)).some((f) => f.startsWith('concepts-')) : false;
  if (have) return;
  o.log('building the tag vocabulary cache');
  const lib = await Library.open(libDir, { model: o.modelDir, threads: o.threads });
  await lib.albums();
  await lib.close();
}

/**
 * The app leaves an index snapshot in <library>/cache after every index run and every load from the table; a
 * fixture written straight into the store (or made before snapshots existed) gets one from a writable open and a
 * query, as the app's next start would make it.
 */
async function ensureIndexSnapshot(libDir: string, o: FixtureOptions): Promise<void> {
  const dir = path.join(libDir, 'cache');
  const names = existsSync(dir) ? (await readdir(dir)).filter((f) => f.startsWith('index-') && f.endsWith('.f16')) : [];
  // One in the current format (an older one counts as none and would be rewritten only by a writable open).
  for (const f of names) {
    const fh = await open(path.join(dir, f), 'r');
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0).finally(() => fh.close());
    if (head.toString('latin1') === SNAPSHOT_MAGIC) return;
  }
  o.log('writing the index snapshot');
  const lib = await Library.open(libDir, { model: o.modelDir, threads: o.threads });
  await lib.search('warm up');
  await lib.close();
}
