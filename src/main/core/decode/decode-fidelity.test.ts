// Compares decodePhoto's tensor with transformers.js' own image path (RawImage.read + the image processor)
// and with an exact re-implementation of PIL's antialiased resize, the reference that CLIP was trained with.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoProcessor, RawImage, env } from '@huggingface/transformers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto, preprocessSpecFromConfig, specResizeSize, type PreprocessSpec } from './index';
import { SHARED_FIXTURES } from '../testing/fixtures';

const PHOTOS = join(SHARED_FIXTURES, 'photos');

const CLIP_CONFIG = {
  image_processor_type: 'CLIPImageProcessor',
  do_resize: true,
  size: { shortest_edge: 224 },
  resample: 3,
  do_center_crop: true,
  crop_size: { height: 224, width: 224 },
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
  do_normalize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
  do_convert_rgb: true,
};
const CHINESE_CLIP_CONFIG = { ...CLIP_CONFIG, image_processor_type: 'ChineseCLIPFeatureExtractor', size: { height: 224, width: 224 } };

interface Row { photo: string; size: string; oursTjs: number; madTjs: number; oursPil: number; madPil: number; tjsPil: number; shrink: number }

describe.each([
  ['CLIP', CLIP_CONFIG],
  ['ChineseCLIP', CHINESE_CLIP_CONFIG],
])('tensor fidelity, %s preprocessing', (name, config) => {
  let dir: string;
  let processor: (img: RawImage) => Promise<{ pixel_values: { data: Float32Array; dims: number[] } }>;
  const spec = preprocessSpecFromConfig(config);
  const rows: Row[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soutu-preproc-'));
    writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify(config));
    env.allowRemoteModels = false;
    env.localModelPath = '/';
    processor = (await AutoProcessor.from_pretrained(dir)) as unknown as typeof processor;
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    const f = (x: number) => x.toFixed(4);
    console.log(
      `${name}: photo | size | cos(ours,tjs) mad | cos(ours,PIL) mad | cos(tjs,PIL)\n` +
        rows.map((r) => `${r.photo} | ${r.size} | ${f(r.oursTjs)} ${f(r.madTjs)} | ${f(r.oursPil)} ${f(r.madPil)} | ${f(r.tjsPil)}`).join('\n'),
    );
  });

  it.each(readdirSync(PHOTOS).sort())('%s', async (photo) => {
    const path = join(PHOTOS, photo);
    const ours = await decodePhoto(path, spec);
    if (!ours.ok) throw new Error(ours.error.reason);
    const tjs = (await processor(await RawImage.read(path))).pixel_values;
    expect(tjs.dims).toEqual([1, 3, 224, 224]);
    const pil = await pilReference(path, spec);

    const { width, height } = ours.value.meta;
    const rs = specResizeSize(spec, width, height);
    const shrink = Math.max(width / rs.width, height / rs.height);
    const [oursTjs, madTjs] = compare(ours.value.tensor, tjs.data);
    const [oursPil, madPil] = compare(ours.value.tensor, pil);
    const [tjsPil] = compare(tjs.data, pil);
    rows.push({ photo, size: `${width}x${height}`, oursTjs, madTjs, oursPil, madPil, tjsPil, shrink });

    // Against the antialiased reference the tensor is practically identical...
    expect(oursPil).toBeGreaterThanOrEqual(0.995);
    // ...and it is as close to transformers.js as that reference is. transformers.js (Node) resizes with
    // sharp's affine transform, which point-samples without antialiasing, so on photos that shrink a lot
    // both differ from it by its aliasing; where the shrink is small all three agree.
    expect(oursTjs).toBeGreaterThanOrEqual(tjsPil - 0.005);
    if (shrink <= 1.35) expect(oursTjs).toBeGreaterThanOrEqual(0.995);
  });
});

describe('tensor fidelity for a panorama strip (only the part under the crop is resized)', () => {
  it.each([
    ['CLIP', CLIP_CONFIG],
    ['ChineseCLIP', CHINESE_CLIP_CONFIG],
  ])('%s', async (_name, config) => {
    const spec = preprocessSpecFromConfig(config);
    const dir = mkdtempSync(join(tmpdir(), 'soutu-strip-'));
    try {
      // 4272×500 (8.5:1) cut from a real photo.
      const path = join(dir, 'strip.png');
      await sharp(join(PHOTOS, 'sunset_hilltop.jpg')).extract({ left: 0, top: 1900, width: 4272, height: 500 }).png().toFile(path);
      const ours = await decodePhoto(path, spec);
      if (!ours.ok) throw new Error(ours.error.reason);
      const [cos, mad] = compare(ours.value.tensor, await pilReference(path, spec));
      console.log(`strip 4272x500 ${_name}: cos(ours,PIL) ${cos.toFixed(4)} mad ${mad.toFixed(4)}`);
      expect(cos).toBeGreaterThanOrEqual(0.995);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function compare(a: ArrayLike<number>, b: ArrayLike<number>): [cosine: number, meanAbsDiff: number] {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let mad = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
    mad += Math.abs(a[i] - b[i]);
  }
  return [dot / Math.sqrt(na * nb), mad / a.length];
}

/**
 * What Hugging Face's Python CLIPImageProcessor computes: full-size upright RGB, PIL resize (separable,
 * antialiased kernel, uint8 after each pass, horizontal first), floor-offset center crop, rescale, normalise.
 */
async function pilReference(path: string, spec: PreprocessSpec): Promise<Float32Array> {
  const { data, info } = await sharp(path).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb').raw()
    .toBuffer({ resolveWithObject: true });
  const rs = specResizeSize(spec, info.width, info.height);
  const filter = spec.resample === 'bicubic' ? { fn: bicubic, support: 2 } : { fn: triangle, support: 1 };
  let img = data as Uint8Array;
  let w = info.width;
  if (rs.width !== w) {
    img = resampleAxis(img, w, info.height, rs.width, 'x', filter);
    w = rs.width;
  }
  if (rs.height !== info.height) img = resampleAxis(img, w, info.height, rs.height, 'y', filter);
  const out = spec.crop ?? spec.size;
  const left = Math.floor((rs.width - out.width) / 2);
  const top = Math.floor((rs.height - out.height) / 2);
  const n = out.width * out.height;
  const t = new Float32Array(3 * n);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      for (let c = 0; c < 3; c++) {
        const v = img[((y + top) * rs.width + x + left) * 3 + c];
        t[c * n + y * out.width + x] = (Math.fround(spec.rescale * v) - spec.mean[c]) / spec.std[c];
      }
    }
  }
  return t;
}

function bicubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

function triangle(x: number): number {
  x = Math.abs(x);
  return x < 1 ? 1 - x : 0;
}

/** One pass of Pillow's ImagingResample (Resample.c) along one axis of an RGB image. */
function resampleAxis(
  src: Uint8Array, w: number, h: number, outSize: number, axis: 'x' | 'y',
  filter: { fn: (x: number) => number; support: number },
): Uint8Array {
  const inSize = axis === 'x' ? w : h;
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ow = axis === 'x' ? outSize : w;
  const oh = axis === 'x' ? h : outSize;
  const dst = new Uint8Array(ow * oh * 3);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const min = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - min;
    const k = new Float64Array(count);
    let sum = 0;
    for (let i = 0; i < count; i++) sum += k[i] = filter.fn((i + min - center + 0.5) / filterScale);
    for (let i = 0; i < count; i++) k[i] /= sum;
    const lines = axis === 'x' ? h : w;
    for (let l = 0; l < lines; l++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let i = 0; i < count; i++) {
          const at = axis === 'x' ? (l * w + min + i) * 3 + c : ((min + i) * w + l) * 3 + c;
          acc += k[i] * src[at];
        }
        const to = axis === 'x' ? (l * ow + o) * 3 + c : (o * ow + l) * 3 + c;
        dst[to] = acc <= 0 ? 0 : acc >= 255 ? 255 : Math.round(acc);
      }
    }
  }
  return dst;
}
