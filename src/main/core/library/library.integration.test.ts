// Engine integration: real LanceDB, real ONNX Runtime through transformers.js, on generated toy models and the
// shared fixture corpus. Nothing here replaces the model or the store with a fake.
import { cp, mkdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../embed/embedder.js';
import { copyFixtures, readManifest, writeColourImages } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { LanceVectorStore } from '../store/lance-vector-store.js';
import { Library } from './library.js';

let root: string;
let cleanup: () => Promise<void>;
const models: Record<'split' | 'combined', string> = { split: '', combined: '' };

/** Counts how many images reach the real embedder. */
function counting(counter: { images: number }) {
  return (e: Embedder): Embedder =>
    new Proxy(e, {
      get(target, prop, recv) {
        if (prop === 'embedImages') {
          return async (t: Float32Array[]) => {
            counter.images += t.length;
            return target.embedImages(t);
          };
        }
        const v = Reflect.get(target, prop, recv);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
}

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-lib-'));
  models.split = path.join(root, 'models', 'toy');
  models.combined = path.join(root, 'models', 'toy-combined');
  await makeTestModel('toy-color', models.split);
  await makeTestModel('toy-color-combined', models.combined);
});

afterAll(async () => {
  await cleanup?.();
});

describe.each(['split', 'combined'] as const)('toy-color, %s layout', (layout) => {
  let photos: string;
  let libDir: string;
  let colours: Record<string, string>;

  beforeAll(async () => {
    photos = path.join(root, layout, 'photos');
    libDir = path.join(root, layout, 'library');
    colours = await writeColourImages(path.join(photos, 'colours'));
    await copyFixtures(path.join(photos, 'fixtures'));
  });

  it('indexes every decodable file and reports every broken one with a reason', async () => {
    const lib = await Library.open(libDir, { model: models[layout], device: 'cpu' });
    try {
      const report = await lib.index({ roots: [photos] });
      const manifest = await readManifest();
      const failed = new Map(report.failed.map((f) => [path.relative(path.join(photos, 'fixtures'), f.path), f]));
      const status = await lib.status();
      for (const row of manifest) {
        if (row.expect === 'decode') expect(failed.has(row.path), `${row.path} should decode: ${failed.get(row.path)?.error}`).toBe(false);
        if (row.expect === 'skip') {
          expect(failed.has(row.path), `${row.path} should be reported as failed`).toBe(true);
          expect(failed.get(row.path)!.error.length).toBeGreaterThan(10);
        }
      }
      // Soutu carries a wasm HEVC decoder, so HEIC/HEIF must decode even though prebuilt sharp cannot.
      for (const heic of manifest.filter((r) => /\.(heic|heif)$/i.test(r.path))) expect(failed.has(heic.path), `${heic.path}: ${failed.get(heic.path)?.error}`).toBe(false);
      const decodable = manifest.filter((r) => r.expect !== 'skip').length;
      const either = manifest.filter((r) => r.expect === 'either' && !failed.has(r.path)).length;
      expect(status.photos).toBe(Object.keys(colours).length + decodable - (manifest.filter((r) => r.expect === 'either').length - either));
      expect(report.indexed).toBe(status.photos);
    } finally {
      await lib.close();
    }
  });

  it.each([
    ['红色', 'red'],
    ['red', 'red'],
    ['蓝', 'blue'],
    ['a photo of green', 'green'],
    ['黄色的照片', 'yellow'],
  ])('ranks the %s image first', async (query, colour) => {
    const lib = await Library.open(libDir, { device: 'cpu', readOnly: true });
    try {
      const hits = await lib.search(query, { limit: 5 });
      expect(hits[0].path).toBe(colours[colour]);
      expect(hits.every((h) => Number.isFinite(h.score))).toBe(true);
    } finally {
      await lib.close();
    }
  });

  it('gives finite scores to a query with no known word', async () => {
    const lib = await Library.open(libDir, { device: 'cpu', readOnly: true });
    try {
      const hits = await lib.search('zzqx 完全未知', { limit: 5 });
      expect(hits.length).toBe(5);
      expect(hits.every((h) => Number.isFinite(h.score))).toBe(true);
    } finally {
      await lib.close();
    }
  });

  it('refuses a photo folder that is, or links to, the disk root, a system folder or the library', async () => {
    const links = path.join(root, layout, 'links');
    await mkdir(links, { recursive: true });
    await symlink('/etc', path.join(links, 'etc')).catch(() => {});
    await symlink(libDir, path.join(links, 'lib')).catch(() => {});
    const lib = await Library.open(libDir, { device: 'cpu' });
    try {
      const before = lib.roots();
      await expect(lib.addRoot('/')).rejects.toThrow(/root of a disk/);
      await expect(lib.addRoot(path.join(links, 'etc'))).rejects.toThrow(/system folder/);
      await expect(lib.addRoot(path.join(links, 'lib'))).rejects.toThrow(/library folder/);
      expect(lib.roots()).toEqual(before);
    } finally {
      await lib.close();
    }
  });

  it('finds the original of a resized, re-compressed copy', async () => {
    const lib = await Library.open(libDir, { device: 'cpu', readOnly: true });
    try {
      for (const name of ['dog_bicycle.jpg', 'kodak23_parrots.png', 'sunset_hilltop.jpg', 'china_pagoda.jpg']) {
        const original = path.join(photos, 'fixtures', 'photos', name);
        const copy = await sharp(original).resize({ width: 300 }).jpeg({ quality: 55 }).toBuffer();
        const hits = await lib.similar({ kind: 'bytes', bytes: copy }, { limit: 3 });
        expect(hits[0].path).toBe(original);
      }
    } finally {
      await lib.close();
    }
  });

  it('filters by folder, format and size before ranking', async () => {
    const lib = await Library.open(libDir, { device: 'cpu', readOnly: true });
    try {
      const inFixtures = await lib.search('red', { limit: 50, filters: { folders: [path.join(photos, 'fixtures')] } });
      expect(inFixtures.length).toBeGreaterThan(0);
      expect(inFixtures.every((h) => h.path.startsWith(path.join(photos, 'fixtures') + path.sep))).toBe(true);
      const png = await lib.search('red', { limit: 50, filters: { formats: ['png'] } });
      expect(png.every((h) => h.format === 'png')).toBe(true);
      const big = await lib.search('red', { limit: 50, filters: { minSize: 1000 } });
      expect(big.every((h) => Math.min(h.width, h.height) >= 1000)).toBe(true);
      const page2 = await lib.search('red', { limit: 3, offset: 3 });
      const all = await lib.search('red', { limit: 6 });
      expect(page2.map((h) => h.id)).toEqual(all.slice(3).map((h) => h.id));
    } finally {
      await lib.close();
    }
  });
});

describe('incremental indexing', () => {
  it('skips unchanged files, keeps vectors across renames, drops deleted files, keeps offline roots', async () => {
    const photos = path.join(root, 'incr', 'photos');
    const libDir = path.join(root, 'incr', 'library');
    const colours = await writeColourImages(path.join(photos, 'a'));
    await cp(path.join(root, 'split', 'photos', 'fixtures', 'photos'), path.join(photos, 'b'), { recursive: true });
    const counter = { images: 0 };
    const open = () => Library.open(libDir, { model: models.split, device: 'cpu', wrapEmbedder: counting(counter) });

    let lib = await open();
    const first = await lib.index({ roots: [photos] });
    expect(first.indexed).toBeGreaterThan(10);
    expect(counter.images).toBe(first.indexed);
    await lib.close();

    // Unchanged: nothing decoded, nothing embedded.
    counter.images = 0;
    lib = await open();
    const second = await lib.index({ roots: [photos] });
    expect(second.indexed).toBe(0);
    expect(second.unchanged).toBe(first.indexed);
    expect(counter.images).toBe(0);

    // Rename and move: recognised by content, not re-embedded.
    const renamed = path.join(photos, 'b', 'moved here', '红色 renamed.jpg');
    await mkdir(path.dirname(renamed), { recursive: true });
    await rename(colours.red, renamed);
    const third = await lib.index({ roots: [photos] });
    expect(third.moved).toBe(1);
    expect(third.indexed).toBe(0);
    expect(third.removed).toBe(0);
    expect(counter.images).toBe(0);
    expect((await lib.search('red', { limit: 1 }))[0].path).toBe(renamed);

    // Delete: gone from the index and from search.
    await rm(colours.blue);
    const fourth = await lib.index({ roots: [photos] });
    expect(fourth.removed).toBe(1);
    expect((await lib.search('blue', { limit: 20 })).some((h) => h.path === colours.blue)).toBe(false);
    const count = (await lib.status()).photos;
    await lib.close();

    // Unplugged: the root disappears; its photos stay, marked offline, and search still finds them.
    const unplugged = photos + '-unplugged';
    await rename(photos, unplugged);
    lib = await open();
    const fifth = await lib.index({});
    expect(fifth.offlineRoots).toEqual([photos]);
    expect(fifth.removed).toBe(0);
    const st = await lib.status();
    expect(st.photos).toBe(count);
    expect(st.roots.find((r) => r.path === photos)?.online).toBe(false);
    expect((await lib.search('green', { limit: 1 }))[0].offline).toBe(true);

    // Plugged back in: back online, nothing re-embedded.
    await rename(unplugged, photos);
    const sixth = await lib.index({});
    expect(sixth.indexed).toBe(0);
    expect(sixth.removed).toBe(0);
    expect(counter.images).toBe(0);
    expect((await lib.status()).roots.find((r) => r.path === photos)?.online).toBe(true);
    await lib.close();

    // The store agrees with the facade: one row per file, one vector per ok photo.
    const store = await LanceVectorStore.open(path.join(libDir, 'db'));
    const rows = await store.allPhotos();
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(new Set(rows.map((r) => r.path)).size).toBe(rows.length);
    const tables = await store.listVectorTables();
    expect(tables.length).toBe(1);
    const vectors = await store.vectors(tables[0], 1);
    expect(await vectors.count()).toBe(rows.filter((r) => r.status === 'ok').length);
    await store.close();
  });

  it('re-indexes a changed file under the same id', async () => {
    const photos = path.join(root, 'changed', 'photos');
    const colours = await writeColourImages(photos, { withHalf: false });
    const lib = await Library.open(path.join(root, 'changed', 'library'), { model: models.split, device: 'cpu' });
    try {
      await lib.index({ roots: [photos] });
      // Overwrite red.jpg with a green picture: same path, new size/mtime.
      await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 20, g: 160, b: 30 } } }).jpeg().toFile(colours.red);
      const r = await lib.index({});
      expect(r.indexed).toBe(1);
      const green = await lib.search('green', { limit: 2 });
      expect(green.map((h) => h.path).sort()).toEqual([colours.green, colours.red].sort());
      expect((await lib.status()).photos).toBe(Object.keys(colours).length);
    } finally {
      await lib.close();
    }
  });
});

describe('switching models', () => {
  it('keeps serving the old model while the new one re-embeds, then serves the new one', async () => {
    const photos = path.join(root, 'switch', 'photos');
    const colours = await writeColourImages(photos, { withHalf: false });
    const dir = path.join(root, 'switch', 'library');
    let lib = await Library.open(dir, { model: models.split, device: 'cpu' });
    await lib.index({ roots: [photos] });
    const before = (await lib.status()).model!.id;
    await lib.switchModel(models.combined);
    let st = await lib.status();
    expect(st.model!.id).toBe(before);
    expect(st.pendingModel).toMatch(/^local:toy-combined/);
    // Mid-switch (and after a restart mid-switch) search answers from the old model's vectors.
    expect((await lib.search('red', { limit: 1 }))[0].path).toBe(colours.red);
    await lib.close();
    lib = await Library.open(dir, { device: 'cpu' });
    try {
      expect((await lib.status()).pendingModel).toMatch(/^local:toy-combined/);
      expect((await lib.search('blue', { limit: 1 }))[0].path).toBe(colours.blue);
      const r = await lib.index({});
      expect(r.indexed).toBe(Object.keys(colours).length);
      st = await lib.status();
      expect(st.model!.id).toMatch(/^local:toy-combined/);
      expect(st.pendingModel).toBeNull();
      expect((await lib.search('绿', { limit: 1 }))[0].path).toBe(colours.green);
    } finally {
      await lib.close();
    }
  });
});
