// Libraries indexed before the current near-duplicate hash get their photos hashed again, once, from their
// thumbnails: with real LanceDB, ONNX Runtime and fixture photos.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hammingHex } from '../decode/dhash.js';
import { LanceVectorStore } from '../store/lance-vector-store.js';
import { SHARED_FIXTURES } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { readMeta, writeMeta } from './library-meta.js';
import { Library } from './library.js';

let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-rehash-'));
});
afterAll(async () => {
  await cleanup?.();
});

async function hashes(libDir: string): Promise<Map<string, string | null>> {
  const store = await LanceVectorStore.open(path.join(libDir, 'db'), { readOnly: true });
  try {
    return new Map((await store.allPhotos()).map((p) => [p.path, p.phash]));
  } finally {
    await store.close();
  }
}

describe('duplicate hash upgrade', () => {
  it('hashes the photos of an older library again, once, close to what indexing computes', async () => {
    const model = path.join(root, 'model');
    await makeTestModel('toy-color', model);
    const photos = path.join(root, 'photos');
    const libDir = path.join(root, 'library');
    await mkdir(photos, { recursive: true });
    for (const name of ['dog_bicycle.jpg', 'china_pagoda.jpg', 'horses_field.jpg']) await copyFile(path.join(SHARED_FIXTURES, 'photos', name), path.join(photos, name));
    let lib = await Library.open(libDir, { model, device: 'cpu' });
    await lib.index({ roots: [photos] });
    await lib.close();
    const fresh = await hashes(libDir);
    expect([...fresh.values()].every((h) => h !== null && /^[0-9a-f]{16}$/.test(h))).toBe(true);
    expect((await readMeta(libDir)).settings.dhashVersion).toBe(2);

    const overwrite = async () => {
      const store = await LanceVectorStore.open(path.join(libDir, 'db'));
      await store.upsertPhotos((await store.allPhotos()).map((p) => ({ ...p, phash: '0123456789abcdef' })));
      await store.close();
    };
    // With the current hash version recorded, an index run leaves the hashes alone (it is a one-time pass).
    await overwrite();
    lib = await Library.open(libDir, { device: 'cpu' });
    await lib.index();
    await lib.close();
    expect([...(await hashes(libDir)).values()].every((h) => h === '0123456789abcdef')).toBe(true);

    // Make it look like a library from before: other hashes, no hash version.
    const meta = await readMeta(libDir);
    delete meta.settings.dhashVersion;
    await writeMeta(libDir, meta);

    lib = await Library.open(libDir, { device: 'cpu' });
    const report = await lib.index();
    await lib.close();
    expect(report.indexed).toBe(0);
    const again = await hashes(libDir);
    for (const [file, h] of fresh) expect(hammingHex(again.get(file)!, h!), file).toBeLessThanOrEqual(3);
    expect((await readMeta(libDir)).settings.dhashVersion).toBe(2);
  });
});
