// Video frames through the real model path: generated clips in every container and codec, sampled, each frame's
// tensor embedded by the toy colour model (real tokenizer → ONNX Runtime via transformers.js), then the query 「红色」
// must rank best a frame inside the red segment of each clip.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransformersClipEmbedder } from '../embed/transformers-clip-embedder.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { sampleVideo, type SampledFrame } from './frame-sampler.js';
import { probeVideo } from './video-probe.js';
import { HAVE_SYSTEM_FFMPEG, makeColourClip, makeRotatedClip, type ClipCodec } from './video-test-clips.js';

let dir: string;
let cleanup: () => Promise<void>;
let embedder: TransformersClipEmbedder;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('soutu-video-search-'));
  await makeTestModel('toy-color', path.join(dir, 'model'));
  embedder = await TransformersClipEmbedder.open(path.join(dir, 'model'), { device: 'cpu', threads: 1 });
});
afterAll(async () => {
  await embedder?.close();
  await cleanup?.();
});

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

async function frames(file: string): Promise<SampledFrame[]> {
  const p = await probeVideo(file);
  if (!p.ok) throw new Error(`${file}: ${p.error.reason}`);
  const out: SampledFrame[] = [];
  for await (const s of sampleVideo(file, p.value, { spec: embedder.imageSpec })) {
    if (s.kind === 'frame') out.push(s.frame);
    if (s.kind === 'end' && s.error) throw new Error(`${file}: ${s.error.reason}`);
  }
  return out;
}

describe.runIf(HAVE_SYSTEM_FFMPEG)('「红色」 finds the red moment of each video', () => {
  const CLIPS: [string, ClipCodec, string?][] = [
    ['h264.mp4', 'h264'], ['h264.mov', 'h264'], ['vp9.webm', 'vp9'], ['h264.mkv', 'h264'],
    ['mpeg4.avi', 'mpeg4'], ['h263.3gp', 'h263', '176x144'], ['hevc.mp4', 'hevc'],
  ];

  it('in every container and codec, and in a rotated portrait clip', async () => {
    const [query] = await embedder.embedTexts(['红色']);
    const results: string[] = [];
    for (const [name, codec, size] of CLIPS) {
      const file = path.join(dir, name);
      await makeColourClip(file, [{ color: 'blue', seconds: 5 }, { color: 'red', seconds: 5 }, { color: 'green', seconds: 5 }], { codec, size, noise: true });
      const fs = await frames(file);
      const vectors = await embedder.embedImages(fs.map((f) => f.tensor));
      const ranked = fs.map((f, i) => ({ t: f.t, score: dot(query, vectors[i]) })).sort((a, b) => b.score - a.score);
      results.push(`${name}: best ${ranked[0].t.toFixed(2)} s (${ranked[0].score.toFixed(3)}) of ${fs.length}`);
      expect(ranked[0].t, `${name}: ${JSON.stringify(ranked.slice(0, 3))}`).toBeGreaterThanOrEqual(5 - 0.05);
      expect(ranked[0].t, name).toBeLessThan(10);
      // The red frame is clearly ahead: not a near tie with a blue or green one.
      const firstOther = ranked.find((r) => r.t < 5 - 0.05 || r.t >= 10);
      if (firstOther) expect(ranked[0].score - firstOther.score, name).toBeGreaterThan(0.1);
    }
    // A rotated portrait clip goes the same way (its upright picture is checked in frame-sampler.integration.test.ts).
    const portrait = path.join(dir, 'portrait.mp4');
    await makeRotatedClip(portrait, 'red', 'blue', { seconds: 2 });
    const fs = await frames(portrait);
    expect(fs.length).toBeGreaterThan(0);
    const [v] = await embedder.embedImages([fs[0].tensor]);
    expect(dot(query, v)).toBeGreaterThan(0.2);
    console.info(`[video] 红色: ${results.join('; ')}`);
  });
});
