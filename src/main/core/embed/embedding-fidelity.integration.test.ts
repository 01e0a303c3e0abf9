// Our one-decode preprocessing (sharp, shrink-on-load, thumbnail and tensor from one buffer) must give the
// same CLIP embeddings as transformers.js's own RawImage + AutoProcessor path. Checked through the full-size
// random-weight ViT-B/32, which reacts to pixel detail far more than the colour toy does, and through the synthetic
// Chinese-CLIP, whose processor squashes to 224×224 (bicubic, no crop) instead of resizing and cropping.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { AutoProcessor, RawImage, type Processor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto } from '../decode/index.js';
import { SHARED_FIXTURES } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { CATALOG_TEST_MODELS_DIR, ensureCatalogTestModel, makeTestModel } from '../testing/test-models.js';
import { resolveModel } from './model-store.js';
import { TransformersClipEmbedder } from './transformers-clip-embedder.js';

let cleanup: () => Promise<void>;
let embedder: TransformersClipEmbedder;
let processor: Processor;

beforeAll(async () => {
  const t = await tempDir('soutu-fidelity-');
  cleanup = t.cleanup;
  const dir = path.join(t.dir, 'synthetic');
  await makeTestModel('synthetic-vit-b32', dir);
  embedder = await TransformersClipEmbedder.open(dir, { device: 'cpu', threads: 2, dtype: 'fp32' });
  processor = await AutoProcessor.from_pretrained(dir);
}, 300_000);

afterAll(async () => {
  await embedder?.close();
  await cleanup?.();
});

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('embedding fidelity vs transformers.js AutoProcessor (synthetic ViT-B/32)', () => {
  it('cosine ≥ 0.99 on every fixture photo', async () => {
    const dir = path.join(SHARED_FIXTURES, 'photos');
    const files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
    expect(files.length).toBeGreaterThan(20);
    const results: { file: string; cosine: number }[] = [];
    for (const f of files) {
      const file = path.join(dir, f);
      const ours = await decodePhoto(file, embedder.imageSpec, { thumbSize: 320 });
      expect(ours.ok, f).toBe(true);
      if (!ours.ok) continue;
      const image = await RawImage.read(file);
      const { pixel_values } = (await processor(image)) as { pixel_values: { data: Float32Array } };
      const [a, b] = await embedder.embedImages([ours.value.tensor, pixel_values.data]);
      results.push({ file: f, cosine: cos(a, b) });
    }
    const worst = results.reduce((m, r) => (r.cosine < m.cosine ? r : m));
    console.log(`embedding fidelity: ${results.length} photos, worst ${worst.file} ${worst.cosine.toFixed(4)}, mean ${(results.reduce((s, r) => s + r.cosine, 0) / results.length).toFixed(4)}`);
    for (const r of results) expect(r.cosine, r.file).toBeGreaterThanOrEqual(0.99);
  });

  it('the random ViT does react to pixel detail (different photos are far apart)', async () => {
    const dir = path.join(SHARED_FIXTURES, 'photos');
    const a = await decodePhoto(path.join(dir, 'cat_chelsea.png'), embedder.imageSpec);
    const b = await decodePhoto(path.join(dir, 'books_stack.jpg'), embedder.imageSpec);
    if (!a.ok || !b.ok) throw new Error('fixture did not decode');
    const [va, vb] = await embedder.embedImages([a.value.tensor, b.value.tensor]);
    expect(cos(va, vb)).toBeLessThan(0.98);
  });
});

describe('embedding fidelity vs transformers.js ChineseCLIPFeatureExtractor (synthetic Chinese-CLIP)', () => {
  let cc: TransformersClipEmbedder;
  let ccProcessor: Processor;
  beforeAll(async () => {
    const { id } = await ensureCatalogTestModel('synthetic-chinese-clip', CATALOG_TEST_MODELS_DIR);
    const r = await resolveModel(id, CATALOG_TEST_MODELS_DIR);
    cc = await TransformersClipEmbedder.open(r.source, { modelId: id, device: 'cpu', threads: 2, dtype: 'fp32' });
    ccProcessor = await AutoProcessor.from_pretrained(r.source);
  }, 600_000);
  afterAll(async () => cc?.close());

  it('follows preprocessor_config.json: 224×224 squash, bicubic, CLIP mean/std', () => {
    expect(cc.imageSpec.crop).toBeNull();
    expect(cc.imageSpec.resize).toEqual({ width: 224, height: 224 });
    expect(cc.imageSpec.size).toEqual({ width: 224, height: 224 });
    expect(cc.imageSpec.mean).toEqual([0.48145466, 0.4578275, 0.40821073]);
  });

  it('cosine ≥ 0.99 on every fixture photo', async () => {
    const dir = path.join(SHARED_FIXTURES, 'photos');
    const files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
    const results: { file: string; cosine: number }[] = [];
    for (const f of files) {
      const file = path.join(dir, f);
      const ours = await decodePhoto(file, cc.imageSpec, { thumbSize: 320 });
      expect(ours.ok, f).toBe(true);
      if (!ours.ok) continue;
      const { pixel_values } = (await ccProcessor(await RawImage.read(file))) as { pixel_values: { data: Float32Array; dims: number[] } };
      expect(pixel_values.dims).toEqual([1, 3, 224, 224]);
      const [a, b] = await cc.embedImages([ours.value.tensor, pixel_values.data]);
      results.push({ file: f, cosine: cos(a, b) });
    }
    const worst = results.reduce((m, r) => (r.cosine < m.cosine ? r : m));
    console.log(`Chinese-CLIP embedding fidelity: ${results.length} photos, worst ${worst.file} ${worst.cosine.toFixed(4)}, mean ${(results.reduce((s, r) => s + r.cosine, 0) / results.length).toFixed(4)}`);
    for (const r of results) expect(r.cosine, r.file).toBeGreaterThanOrEqual(0.99);
  });
});
