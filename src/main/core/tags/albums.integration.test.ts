// Auto-tagged albums, manual edits, smart albums, near-duplicates and the query language, through the real
// ONNX path (toy-color model) and real LanceDB.
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Library } from '../library/library.js';
import { SHARED_FIXTURES, writeColourImages } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';

let root: string;
let cleanup: () => Promise<void>;
let model: string;
let colours: Record<string, string>;
let photos: string;
let vocabFile: string;
const copies: { original: string; copy: string }[] = [];

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-albums-'));
  model = path.join(root, 'toy');
  await makeTestModel('toy-color', model);
  photos = path.join(root, 'photos');
  colours = await writeColourImages(path.join(photos, 'colours'));
  // A second red picture, a different size: albums hold more than one photo.
  await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 200, g: 10, b: 30 } } }).png().toFile(path.join(photos, 'colours', 'red2.png'));
  // A file whose name, not its pixels, says what it is (hybrid search).
  await sharp({ create: { width: 200, height: 200, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toFile(path.join(photos, '发票 2023 报销.jpg'));
  // Fixture photos and resized / re-compressed copies of some of them.
  await cp(path.join(SHARED_FIXTURES, 'photos'), path.join(photos, 'fixtures'), { recursive: true });
  await mkdir(path.join(photos, 'copies'), { recursive: true });
  for (const [name, width, quality] of [['dog_bicycle.jpg', 400, 60], ['kodak23_parrots.png', 300, 50], ['china_pagoda.jpg', 500, 70], ['sunset_hilltop.jpg', 800, 45]] as const) {
    const original = path.join(photos, 'fixtures', name);
    const copy = path.join(photos, 'copies', `${path.parse(name).name}-small.jpg`);
    await sharp(original).resize({ width }).jpeg({ quality }).toFile(copy);
    copies.push({ original, copy });
  }
  vocabFile = path.join(root, 'colours.json');
  await writeFile(vocabFile, JSON.stringify([{ en: 'red', zh: '红' }, { en: 'blue', zh: '蓝' }, { en: 'green', zh: '绿' }, { en: 'yellow', zh: '黄' }, { en: 'orange', zh: '橙' }, { en: 'purple', zh: '紫' }]));
});

afterAll(async () => {
  await cleanup?.();
});

const open = (dir: string) => Library.open(dir, { model, device: 'cpu' });

describe('albums from a custom colour vocabulary', () => {
  it('puts red images in the red album, not blue ones; a photo of no listed colour gets no colour tag', async () => {
    const lib = await open(path.join(root, 'lib-albums'));
    try {
      await lib.setVocabulary(vocabFile);
      await lib.index({ roots: [photos] });
      const albums = await lib.albums();
      const red = albums.find((a) => a.tag === 'red')!;
      expect(red.zh).toBe('红');
      const redPaths = (await lib.album('红')).map((h) => h.path);
      expect(redPaths).toContain(colours.red);
      expect(redPaths).toContain(path.join(photos, 'colours', 'red2.png'));
      expect(redPaths).not.toContain(colours.blue);
      expect((await lib.album('red')).map((h) => h.path)).toEqual(redPaths);
      expect((await lib.album('blue')).map((h) => h.path)).toContain(colours.blue);
      const everyTagged = new Set((await Promise.all(albums.map((a) => lib.album(a.id)))).flat().map((h) => h.path));
      expect(everyTagged.has(colours.gray)).toBe(false);
      expect(albums.map((a) => a.count)).toEqual([...albums.map((a) => a.count)].sort((a, b) => b - a));
    } finally {
      await lib.close();
    }
  });

  it('keeps manual album edits across re-index and retag', async () => {
    const dir = path.join(root, 'lib-albums');
    let lib = await open(dir);
    const greenId = (await lib.search('green', { limit: 1 }))[0].id;
    const red2 = (await lib.album('red')).find((h) => h.path.endsWith('red2.png'))!;
    await lib.editAlbum('红', greenId, 'add');
    await lib.editAlbum('red', red2.id, 'remove');
    await lib.close();

    lib = await open(dir);
    try {
      await lib.index({ roots: [photos] });
      await lib.setTagMargin(0.01); // a threshold change re-reads tags; no re-embedding
      await lib.setVocabulary(vocabFile);
      const paths = (await lib.album('red')).map((h) => h.path);
      expect(paths).toContain(colours.green);
      expect(paths).not.toContain(red2.path);
      expect(paths).toContain(colours.red);
    } finally {
      await lib.close();
    }
  });

  it('a run that changes nothing leaves current tags alone; the next new photo is tagged by its run', async () => {
    const lib = await open(path.join(root, 'lib-albums'));
    try {
      const ensure = vi.spyOn(lib.internals.tags, 'ensure');
      expect((await lib.index({ roots: [photos] })).indexed).toBe(0);
      expect(ensure, 'no tags loaded to find none missing').not.toHaveBeenCalled();
      // Albums load the tags when they are asked for.
      expect((await lib.album('red')).map((h) => h.path)).toContain(colours.red);
      expect(ensure).toHaveBeenCalled();
      ensure.mockClear();
      const extra = path.join(root, 'more');
      await mkdir(extra, { recursive: true });
      await sharp({ create: { width: 90, height: 90, channels: 3, background: { r: 230, g: 20, b: 20 } } }).png().toFile(path.join(extra, 'red3.png'));
      try {
        expect((await lib.index({ roots: [extra] })).indexed).toBe(1);
        // By the run itself (and by the text gate, which reads the new picture's tags).
        expect(ensure).toHaveBeenCalled();
        expect((await lib.album('red')).map((h) => h.path)).toContain(path.join(extra, 'red3.png'));
      } finally {
        await lib.removeRoot(extra);
      }
    } finally {
      await lib.close();
    }
  });

  it('smart albums follow their threshold and take in new photos', async () => {
    const lib = await open(path.join(root, 'lib-albums'));
    try {
      const loose = await lib.smartAlbumHits({ text: 'blue', threshold: 0.05 });
      const strict = await lib.smartAlbumHits({ text: 'blue', threshold: 0.4 });
      expect(strict.map((h) => h.path)).toEqual([colours.blue]);
      expect(loose.length).toBeGreaterThan(strict.length);
      const saved = await lib.saveSmartAlbum({ name: '蓝色的东西', text: 'blue', threshold: 0.4 });
      await sharp({ create: { width: 120, height: 90, channels: 3, background: { r: 10, g: 30, b: 230 } } }).png().toFile(path.join(photos, 'colours', 'blue-new.png'));
      await lib.index({});
      const list = await lib.smartAlbums();
      expect(list.find((a) => a.id === saved.id)?.count).toBe(2);
    } finally {
      await lib.close();
    }
  });
});

describe('near-duplicates', () => {
  it('groups resized, re-compressed copies with their originals and nothing else', async () => {
    const lib = await open(path.join(root, 'lib-albums'));
    try {
      // Solid-colour test images of one colour look identical and may group among themselves; the photo groups
      // must be exactly the copies with their originals.
      const groups = (await lib.duplicates()).filter((g) => g.paths.some((p) => p.includes(`${path.sep}fixtures${path.sep}`) || p.includes(`${path.sep}copies${path.sep}`)));
      for (const { original, copy } of copies) {
        const g = groups.find((x) => x.paths.includes(original));
        expect(g, `${path.basename(original)} should have a group`).toBeTruthy();
        expect(g!.paths.sort()).toEqual([original, copy].sort());
        expect(g!.paths[0] === original || g!.photos[0].path === original).toBe(true); // the larger original is kept
      }
      expect(groups.length).toBe(copies.length);
    } finally {
      await lib.close();
    }
  });
});

describe('query language', () => {
  it('「红 + 蓝」 ranks a half-red, half-blue image above the pure ones; 「红 - 黄」 pushes orange below red', async () => {
    const lib = await open(path.join(root, 'lib-albums'));
    try {
      const sum = (await lib.search('红 + 蓝', { limit: 5 })).map((h) => h.path);
      expect(sum[0]).toBe(colours.half_red_blue);
      expect(sum.indexOf(colours.red)).toBeGreaterThan(0);
      expect(sum.indexOf(colours.blue)).toBeGreaterThan(0);
      const diff = await lib.search('红 - 黄', { limit: 100 });
      const rank = (p: string) => diff.findIndex((h) => h.path === p);
      expect(rank(colours.red)).toBeLessThan(rank(colours.orange));
      const plainRed = await lib.search('红', { limit: 100 });
      const orangePlain = plainRed.find((h) => h.path === colours.orange)!.score;
      expect(diff.find((h) => h.path === colours.orange)!.score).toBeLessThan(orangePlain);
    } finally {
      await lib.close();
    }
  });

  it('mixes an image with text, and blends filename keywords (hybrid)', async () => {
    const lib = await open(path.join(root, 'lib-albums'));
    try {
      const red = (await lib.search('red', { limit: 1 }))[0];
      const image = { image: { kind: 'photo' as const, id: red.id }, weight: 1 };
      const alone = await lib.query({ images: [image] }, { limit: 100 });
      const mixed = await lib.query({ text: 'blue', images: [image] }, { limit: 100 });
      const rank = (hits: typeof mixed, p: string) => hits.findIndex((h) => h.path === p);
      // "at night"-style mixing: the text pulls blue pictures up without losing the example's redness. Alone, blue
      // scores 0 with many others (its rank among them is arbitrary): mixed, it overtakes a photo that strictly
      // outscored it alone.
      const blueAlone = alone.find((h) => h.path === colours.blue)?.score ?? -Infinity;
      const aheadAlone = alone.filter((h) => h.score > blueAlone).map((h) => h.path);
      expect(aheadAlone.length).toBeGreaterThan(0);
      const below = (p: string) => (rank(mixed, p) === -1 ? Infinity : rank(mixed, p));
      expect(rank(mixed, colours.blue)).toBeGreaterThanOrEqual(0);
      expect(aheadAlone.some((p) => rank(mixed, colours.blue) < below(p)), `blue overtakes one of ${aheadAlone.join(', ')}`).toBe(true);
      expect(rank(mixed, colours.half_red_blue)).toBeLessThanOrEqual(2);
      expect(mixed.slice(0, 3).map((h) => h.path)).toContain(colours.red);
      const invoice = await lib.search('发票 2023', { limit: 3 });
      expect(invoice[0].path).toBe(path.join(photos, '发票 2023 报销.jpg'));
      const best = await lib.search('red', { limit: 50 });
      expect(best[0].tier).toBe('best');
      expect(best.some((h) => h.tier === 'more')).toBe(true);
    } finally {
      await lib.close();
    }
  });
});
