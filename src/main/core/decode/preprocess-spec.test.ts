import { describe, expect, it } from 'vitest';
import { preprocessSpecFromConfig, specResizeSize, specSourceEdge } from './preprocess-spec';

const CLIP = {
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

describe('preprocessSpecFromConfig', () => {
  it('reads a CLIP config', () => {
    expect(preprocessSpecFromConfig(CLIP)).toEqual({
      resize: { shortestEdge: 224 },
      crop: { width: 224, height: 224 },
      resample: 'bicubic',
      rescale: 0.00392156862745098,
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
      size: { width: 224, height: 224 },
    });
  });

  it('reads a Chinese-CLIP config (direct height/width resize, no crop)', () => {
    const spec = preprocessSpecFromConfig({
      ...CLIP,
      image_processor_type: 'ChineseCLIPImageProcessor',
      size: { height: 224, width: 224 },
      do_center_crop: false,
    });
    expect(spec.resize).toEqual({ width: 224, height: 224 });
    expect(spec.crop).toBeNull();
    expect(spec.size).toEqual({ width: 224, height: 224 });
  });

  it('accepts integer sizes, a scalar mean/std and legacy key names', () => {
    const spec = preprocessSpecFromConfig({
      feature_extractor_type: 'CLIPFeatureExtractor',
      size: 256,
      crop_size: 224,
      do_center_crop: true,
      do_normalize: true,
      mean: 0.5,
      std: 0.5,
    });
    expect(spec.resize).toEqual({ shortestEdge: 256 });
    expect(spec.crop).toEqual({ width: 224, height: 224 });
    expect(spec.mean).toEqual([0.5, 0.5, 0.5]);
    expect(spec.std).toEqual([0.5, 0.5, 0.5]);
    expect(spec.resample).toBe('bilinear'); // transformers.js default
    expect(spec.rescale).toBeCloseTo(1 / 255, 12);
  });

  it('follows transformers.js defaults: no normalisation unless asked, no rescale when turned off', () => {
    const spec = preprocessSpecFromConfig({ size: { height: 32, width: 48 }, do_rescale: false, image_mean: [0.1, 0.2, 0.3] });
    expect(spec.mean).toEqual([0, 0, 0]);
    expect(spec.std).toEqual([1, 1, 1]);
    expect(spec.rescale).toBe(1);
    expect(spec.size).toEqual({ width: 48, height: 32 });
  });

  it.each([
    ['not an object', 42, /JSON object/],
    ['no size', { do_resize: true }, /size is missing/],
    ['resize off', { ...CLIP, do_resize: false }, /do_resize/],
    ['shortest edge without crop', { ...CLIP, do_center_crop: false }, /center crop/],
    ['crop without crop_size', { ...CLIP, crop_size: undefined }, /crop_size is missing/],
    ['zero size', { ...CLIP, size: { shortest_edge: 0 } }, /shortest_edge must be a positive integer/],
    ['fractional size', { ...CLIP, size: { height: 22.5, width: 224 } }, /size.height/],
    ['longest_edge', { ...CLIP, size: { shortest_edge: 224, longest_edge: 300 } }, /longest_edge/],
    ['two-channel mean', { ...CLIP, image_mean: [0.5, 0.5] }, /image_mean/],
    ['zero std', { ...CLIP, image_std: [0.2, 0, 0.2] }, /image_std must be positive/],
    ['NaN rescale', { ...CLIP, rescale_factor: 'x' }, /rescale_factor/],
    ['lanczos', { ...CLIP, resample: 1 }, /resample 1/],
    ['padding', { ...CLIP, do_pad: true }, /do_pad/],
    ['size divisibility', { ...CLIP, size_divisibility: 32 }, /size_divisibility/],
  ])('rejects nonsense: %s', (_name, config, message) => {
    expect(() => preprocessSpecFromConfig(config)).toThrow(message);
  });
});

describe('specResizeSize', () => {
  const spec = preprocessSpecFromConfig(CLIP);

  it('matches transformers.js rounding for shortest-edge resizes', () => {
    expect(specResizeSize(spec, 640, 427)).toEqual({ width: 335, height: 224 });
    expect(specResizeSize(spec, 427, 640)).toEqual({ width: 224, height: 335 });
    expect(specResizeSize(spec, 384, 191)).toEqual({ width: 450, height: 224 });
    expect(specResizeSize(spec, 224, 224)).toEqual({ width: 224, height: 224 });
    expect(specResizeSize(spec, 20000, 14000)).toEqual({ width: 320, height: 224 });
  });

  it('uses the fixed size for direct resizes', () => {
    const cn = preprocessSpecFromConfig({ ...CLIP, size: { height: 224, width: 224 }, do_center_crop: false });
    expect(specResizeSize(cn, 640, 427)).toEqual({ width: 224, height: 224 });
  });

  it('knows how large the decoded source must stay', () => {
    expect(specSourceEdge(spec)).toBe(224);
    expect(specSourceEdge(preprocessSpecFromConfig({ size: { height: 256, width: 384 } }))).toBe(384);
  });
});
