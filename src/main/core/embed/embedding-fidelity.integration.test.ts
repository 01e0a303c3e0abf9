// Our one-decode preprocessing (sharp, shrink-on-load, thumbnail and tensor from one buffer) must give the
// same CLIP embeddings as transformers.js's own RawImage + AutoProcessor path. Checked through the full-size
// random-weight ViT-B/32, which reacts to pixel detail far more than the colour toy does.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { AutoProcessor, RawImage, type Processor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto } from '../decode/index.js';
import { SHARED_FIXTURES } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
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
