// The straightforward transformers.js way, for comparison: per photo RawImage.read + AutoProcessor + the vision
// model, all with default settings (default dtype and threads), one photo at a time.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { AutoProcessor, CLIPVisionModelWithProjection, RawImage, env } from '@huggingface/transformers';
import { taskMain } from '../lib/child.js';
import { round } from '../lib/measure.js';

interface Args {
  photosDir: string;
  modelDir: string;
  photos: number;
}

taskMain(async (a: Args) => {
  env.allowRemoteModels = false;
  const files = (await readdir(a.photosDir)).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(a.photosDir, f));
  const processor = await AutoProcessor.from_pretrained(a.modelDir);
  const model = await CLIPVisionModelWithProjection.from_pretrained(a.modelDir);
  const one = async (file: string) => {
    const image = await RawImage.read(file);
    const inputs = await processor(image);
    const out = (await model(inputs)) as { image_embeds: { data: Float32Array } };
    if (out.image_embeds.data.length === 0) throw new Error('no embedding');
  };
  await one(files[0]); // session and first-call costs are not throughput
  const n = Math.min(a.photos, files.length - 1);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await one(files[1 + i]);
  const seconds = (performance.now() - t0) / 1000;
  return { naive_ips: round(n / seconds, 2), photos: n, seconds: round(seconds, 2) };
});
