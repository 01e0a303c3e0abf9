// The on-disk snapshot of the search index, through the Library with real LanceDB and ONNX Runtime: written after
// a load from the table, used by the next open while the table is unchanged, ignored once the table has changed.
import { copyFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readIndexSnapshot, writeIndexSnapshot } from '../search/index-snapshot.js';
import { LanceVectorStore } from '../store/lance-vector-store.js';
import { writeColourImages } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { Library, readLibraryMetaFile } from './library.js';

let root: string;
let cleanup: () => Promise<void>;
let model: string;
let photos: string;
let libDir: string;
let colours: Record<string, string>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-snap-'));
  model = path.join(root, 'model');
  await makeTestModel('toy-color', model);
  photos = path.join(root, 'photos');
  libDir = path.join(root, 'library');
  colours = await writeColourImages(photos);
});

afterAll(async () => {
  await cleanup?.();
});

async function snapshotKey() {
  const meta = (await readLibraryMetaFile(libDir))!;
  const store = await LanceVectorStore.open(path.join(libDir, 'db'), { readOnly: true });
  try {
    const version = await (await store.vectors(meta.model!.key, meta.model!.dim)).version();
    return { modelKey: meta.model!.key, dim: meta.model!.dim, version };
  } finally {
    await store.close();
  }
}

async function topHit(query: string): Promise<string> {
  const lib = await Library.open(libDir, { device: 'cpu', readOnly: true });
  try {
    return (await lib.search(query, { limit: 3 }))[0].path;
  } finally {
    await lib.close();
  }
}

describe('index snapshot', () => {
  it('is written after an index run and a load, read while the table is unchanged, ignored once it changed', async () => {
    const lib = await Library.open(libDir, { model, device: 'cpu' });
    try {
      await lib.index({ roots: [photos] });
      expect((await lib.search('red', { limit: 3 }))[0].path).toBe(colours.red);
    } finally {
      await lib.close();
    }
    const files = (await readdir(path.join(libDir, 'cache'))).filter((f) => f.startsWith('index-') && f.endsWith('.f16'));
    expect(files).toHaveLength(1);
    const file = path.join(libDir, 'cache', files[0]);
    const key = await snapshotKey();
    const snap = await readIndexSnapshot(file, key);
    expect(snap).not.toBeNull();
    expect(snap!.ids.length).toBe(Object.keys(colours).length);

    // Swap the red and blue photos' rows in the snapshot, keeping its key: an open that reads the snapshot now
    // answers "red" with the blue photo, which shows the snapshot, not the table, fed the index.
    const ids = snap!.ids;
    const meta = (await readLibraryMetaFile(libDir))!;
    const lib2 = await Library.open(libDir, { device: 'cpu', readOnly: true });
    const idOf = async (p: string) => (await lib2.search(path.basename(p, '.jpg'), { limit: 50 })).find((h) => h.path === p)!.id;
    const red = ids.indexOf(await idOf(colours.red));
    const blue = ids.indexOf(await idOf(colours.blue));
    await lib2.close();
    const d = meta.model!.dim;
    const rows = snap!.rows.slice();
    rows.set(snap!.rows.subarray(blue * d, (blue + 1) * d), red * d);
    rows.set(snap!.rows.subarray(red * d, (red + 1) * d), blue * d);
    await writeIndexSnapshot(file, key, ids, rows);
    expect(await topHit('red')).toBe(colours.blue);

    // Any write to the table changes its version, and the snapshot no longer counts: here the red photo's true
    // vector is written again from outside, leaving the contents as they were.
    const store = await LanceVectorStore.open(path.join(libDir, 'db'));
    const vectors = await store.vectors(key.modelKey, key.dim);
    const redId = ids[red];
    const trueRed = (await vectors.get([redId])).get(redId)!;
    await vectors.upsert([redId], [trueRed]);
    await store.close();
    expect(await topHit('red')).toBe(colours.red);
    // The read-only open does not write a new snapshot; a writable one that loads the index does.
    expect(await readIndexSnapshot(file, await snapshotKey())).toBeNull();
    const lib3 = await Library.open(libDir, { device: 'cpu' });
    try {
      expect((await lib3.search('red', { limit: 1 }))[0].path).toBe(colours.red);
    } finally {
      await lib3.close();
    }
    expect((await readIndexSnapshot(file, await snapshotKey()))?.ids.length).toBe(Object.keys(colours).length);

    // An index run leaves the snapshot of the index as it ended: the next open starts from it, new photo included.
    await copyFile(colours.green, path.join(photos, 'green-copy.jpg'));
    const lib4 = await Library.open(libDir, { device: 'cpu' });
    try {
      await lib4.index({ roots: [photos] });
    } finally {
      await lib4.close();
    }
    expect((await readIndexSnapshot(file, await snapshotKey()))?.ids.length).toBe(Object.keys(colours).length + 1);
    expect(await topHit('red')).toBe(colours.red);

    // Removing a folder from the library deletes its photos, and the snapshot follows at once.
    const other = path.join(root, 'other');
    await writeColourImages(other, { withHalf: false });
    const lib5 = await Library.open(libDir, { device: 'cpu' });
    try {
      await lib5.index({ roots: [other] });
      await lib5.search('red');
    } finally {
      await lib5.close();
    }
    const withOther = (await readIndexSnapshot(file, await snapshotKey()))!.ids.length;
    expect(withOther).toBeGreaterThan(Object.keys(colours).length + 1);
    const lib6 = await Library.open(libDir, { device: 'cpu' });
    try {
      await lib6.search('red');
      expect(await lib6.removeRoot(other)).toBe(withOther - Object.keys(colours).length - 1);
    } finally {
      await lib6.close();
    }
    expect((await readIndexSnapshot(file, await snapshotKey()))?.ids.length).toBe(Object.keys(colours).length + 1);
  });

  it('loads the index once for concurrent first queries and the warm-up', async () => {
    for (const f of await readdir(path.join(libDir, 'cache'))) if (f.startsWith('index-')) await rm(path.join(libDir, 'cache', f));
    const store = await LanceVectorStore.open(path.join(libDir, 'db'), { readOnly: true });
    const key = await snapshotKey();
    const proto = Object.getPrototypeOf(await store.vectors(key.modelKey, key.dim)) as { scan: (...a: unknown[]) => Promise<void> };
    await store.close();
    const scan = vi.spyOn(proto, 'scan');
    try {
      const lib = await Library.open(libDir, { device: 'cpu', readOnly: true });
      try {
        const [a, b] = await Promise.all([lib.search('red', { limit: 1 }), lib.search('blue', { limit: 1 }), lib.warmUp()]);
        expect(a[0].path).toBe(colours.red);
        expect(b[0].path).toBe(colours.blue);
        expect(scan).toHaveBeenCalledTimes(1);
      } finally {
        await lib.close();
      }
    } finally {
      scan.mockRestore();
    }
  });
});
