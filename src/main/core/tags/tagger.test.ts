import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../embed/embedder.js';
import { tempDir } from '../testing/temp.js';
import { Tagger } from './tagger.js';
import { parseVocabulary } from './vocabulary.js';

/** A deterministic fake text encoder: one axis per colour word, a constant direction otherwise. */
function fakeEmbedder(counter: { texts: number }): Embedder {
  const words = ['red', 'blue', '红', '蓝'];
  return {
    modelId: 'fake', modelKey: 'fake_000000_4', dim: 4,
    imageSpec: { resize: { shortestEdge: 224 }, crop: null, resample: 'bicubic', rescale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], size: { width: 224, height: 224 } },
    async embedTexts(texts) {
      counter.texts += texts.length;
      return texts.map((t) => {
        const v = new Float32Array(4).fill(0.01);
        words.forEach((w, i) => t.includes(w) && (v[i % 2] = 1));
        if (!words.some((w) => t.includes(w))) v[3] = 1;
        const n = Math.hypot(...v);
        return v.map((x) => x / n);
      });
    },
    async embedImages() { return []; },
    devices: () => ({ text: 'cpu', vision: null }),
    dtype: () => 'fp32',
    async close() {},
  } as Embedder;
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('soutu-tagger-')));
afterAll(async () => cleanup?.());

describe('Tagger', () => {
  const vocab = parseVocabulary([{ en: 'red', zh: '红' }, { en: 'blue', zh: '蓝' }]);

  it('tags by margin over the background baseline, and a photo of nothing listed gets nothing', async () => {
    const t = await Tagger.build(fakeEmbedder({ texts: 0 }), vocab, ['en', 'zh']);
    expect(t.tag(Float32Array.from([1, 0, 0, 0]))[0][0]).toBe('red');
    expect(t.tag(Float32Array.from([0, 0, 0, 1]))).toEqual([]);
  });

  it('reads concept vectors from its cache instead of re-embedding the vocabulary', async () => {
    const first = { texts: 0 };
    const a = await Tagger.build(fakeEmbedder(first), vocab, ['en', 'zh'], dir);
    expect(first.texts).toBeGreaterThan(0);
    const second = { texts: 0 };
    const b = await Tagger.build(fakeEmbedder(second), vocab, ['en', 'zh'], dir);
    expect(second.texts).toBe(0);
    const v = Float32Array.from([0.2, 0.9, 0, 0.1]);
    expect(b.tag(v)).toEqual(a.tag(v));
    // Another vocabulary is another cache entry.
    const third = { texts: 0 };
    await Tagger.build(fakeEmbedder(third), parseVocabulary([{ en: 'blue', zh: '蓝' }]), ['en', 'zh'], dir);
    expect(third.texts).toBeGreaterThan(0);
  });
});
