// Precision of the vision tower as a library lives with it: a library opens at the precision its vectors were made
// with (an upgrade never starts a re-embed on its own), status says which, and asking for another precision is a
// model switch into its own table (search keeps the old vectors until the new ones are complete). Real LanceDB and
// ONNX Runtime on the generated toy colour model; its vision graph is also written under the int8 file name, so
// the compact plan picks that file and the library records int8 vision, as a q8 download would.
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeColourImages } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { Library } from './library.js';

let root: string;
let cleanup: () => Promise<void>;
let model: string;
let photos: string;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-precision-'));
  model = path.join(root, 'toy');
  await makeTestModel('toy-color', model);
  await copyFile(path.join(model, 'onnx', 'vision_model.onnx'), path.join(model, 'onnx', 'vision_model_quantized.onnx'));
  photos = path.join(root, 'photos');
  await writeColourImages(photos);
});

afterAll(async () => {
  await cleanup?.();
});

describe('vision precision of a library', () => {
  const libDir = () => path.join(root, 'library');

  it('a compact library records int8 vision, and opens at it again when no precision is asked for', async () => {
    let lib = await Library.open(libDir(), { model, device: 'cpu', precision: 'compact' });
    try {
      await lib.index({ roots: [photos] });
      const s = await lib.status();
      expect(s.model?.vision).toBe('q8');
      expect(s.pendingModel).toBeNull();
    } finally {
      await lib.close();
    }
    // Reopened without a precision (as every shell does unless the user chose one): no switch, no re-embed.
    lib = await Library.open(libDir(), { device: 'cpu' });
    try {
      const s = await lib.status();
      expect(s.model?.vision).toBe('q8');
      expect(s.pendingModel).toBeNull();
      expect((await lib.search('red', { limit: 3 })).length).toBeGreaterThan(0);
      const again = await lib.index({ roots: [photos] });
      expect(again.indexed).toBe(0);
    } finally {
      await lib.close();
    }
  });

  it('re-embedding at full precision is a switch: the int8 vectors serve until the full ones are complete', async () => {
    const lib = await Library.open(libDir(), { device: 'cpu' });
    try {
      const before = await lib.status();
      const switching = await lib.switchModel(model, { precision: 'quality' });
      expect(switching.pendingModel).not.toBeNull();
      expect(switching.model?.vision).toBe('q8'); // still serving the int8 vectors
      expect((await lib.search('red', { limit: 3 })).length).toBeGreaterThan(0);
      const run = await lib.index();
      expect(run.indexed).toBe(before.photos); // every photo re-embedded, none decoded twice into one table
      const after = await lib.status();
      expect(after.pendingModel).toBeNull();
      expect(after.model?.vision).toBe('full');
      const hits = await lib.search('red', { limit: 1 });
      expect(path.basename(hits[0].path)).toMatch(/red/);
    } finally {
      await lib.close();
    }
  });

  it('asking for a precision at open switches too; asking for the one in use does not', async () => {
    let lib = await Library.open(libDir(), { device: 'cpu', precision: 'quality' });
    try {
      expect((await lib.status()).pendingModel).toBeNull();
    } finally {
      await lib.close();
    }
    lib = await Library.open(libDir(), { device: 'cpu', precision: 'compact' });
    try {
      const s = await lib.status();
      expect(s.pendingModel).not.toBeNull();
      expect(s.model?.vision).toBe('full');
    } finally {
      await lib.close();
    }
  });
});
