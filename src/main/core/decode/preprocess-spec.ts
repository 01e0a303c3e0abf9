// Turns a transformers.js / Hugging Face `preprocessor_config.json` into the few numbers the decoder needs
// to build a model tensor itself (resize, crop, rescale, normalise), and does the size arithmetic the same way.

export type ResampleMethod = 'nearest' | 'bilinear' | 'bicubic';

export interface PreprocessSpec {
  /** `shortestEdge`: keep the aspect ratio; `width`/`height`: stretch to exactly that size. */
  resize: { shortestEdge: number } | { width: number; height: number };
  crop: { width: number; height: number } | null;
  resample: ResampleMethod;
  /** Multiplied into the 0..255 pixel values, e.g. 1/255. */
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** Final tensor width/height (the tensor is 3 × height × width). */
  size: { width: number; height: number };
}

// PIL resampling codes as used in preprocessor configs. Box and Hamming fall back to bilinear, as transformers.js does.
const RESAMPLE_CODES: Record<number, ResampleMethod | undefined> = {
  0: 'nearest',
  2: 'bilinear',
  3: 'bicubic',
  4: 'bilinear',
  5: 'bilinear',
};
const RESAMPLE_NAMES: Record<string, ResampleMethod | undefined> = {
  nearest: 'nearest',
  bilinear: 'bilinear',
  linear: 'bilinear',
  bicubic: 'bicubic',
  cubic: 'bicubic',
  box: 'bilinear',
  hamming: 'bilinear',
};

// Options that change the tensor in ways this pipeline does not reproduce; refusing is better than silently drifting.
const UNSUPPORTED_FLAGS = [
  'do_pad',
  'do_thumbnail',
  'do_crop_margin',
  'do_flip_channel_order',
  'do_convert_grayscale',
  'keep_aspect_ratio',
] as const;

function fail(message: string): never {
  throw new Error(`Invalid preprocessor config: ${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > 16384) {
    fail(`${what} must be a positive integer (got ${JSON.stringify(v)}).`);
  }
  return v;
}

function triple(v: unknown, what: string, fallback: number): [number, number, number] {
  if (v === undefined || v === null) return [fallback, fallback, fallback];
  if (typeof v === 'number') v = [v, v, v];
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    fail(`${what} must be a number or an array of 3 finite numbers (got ${JSON.stringify(v)}).`);
  }
  return [v[0], v[1], v[2]];
}

function parseSize(v: unknown, what: string): { shortestEdge: number } | { width: number; height: number } {
  // An integer size means "shortest edge" in the Hugging Face CLIP processors.
  if (typeof v === 'number') return { shortestEdge: positiveInt(v, what) };
  if (!isRecord(v)) fail(`${what} must be an integer or an object (got ${JSON.stringify(v)}).`);
  if (v.longest_edge !== undefined) fail(`${what}.longest_edge is not supported.`);
  if (v.shortest_edge !== undefined) {
    if (v.height !== undefined || v.width !== undefined) fail(`${what} mixes shortest_edge with height/width.`);
    return { shortestEdge: positiveInt(v.shortest_edge, `${what}.shortest_edge`) };
  }
  if (v.height !== undefined || v.width !== undefined) {
    return { width: positiveInt(v.width, `${what}.width`), height: positiveInt(v.height, `${what}.height`) };
  }
  fail(`${what} needs shortest_edge or height and width (got ${JSON.stringify(v)}).`);
}

function parseResample(v: unknown): ResampleMethod {
  if (v === undefined || v === null) return 'bilinear'; // the transformers.js default (PIL code 2)
  const m = typeof v === 'number' ? RESAMPLE_CODES[v] : typeof v === 'string' ? RESAMPLE_NAMES[v.toLowerCase()] : undefined;
  if (!m) fail(`resample ${JSON.stringify(v)} is not supported (use 0 nearest, 2 bilinear or 3 bicubic).`);
  return m;
}

/** Reads a CLIP / Chinese-CLIP style image processor config; throws an Error naming the offending field. */
export function preprocessSpecFromConfig(config: unknown): PreprocessSpec {
  if (!isRecord(config)) fail('expected a JSON object.');
  for (const flag of UNSUPPORTED_FLAGS) {
    if (config[flag] === true) fail(`"${flag}" is not supported by the decode pipeline.`);
  }
  if (config.size_divisibility !== undefined || config.size_divisor !== undefined) {
    fail('size_divisibility is not supported (the tensor must have a fixed size).');
  }

  const rawSize = config.size ?? config.image_size;
  const doResize = typeof config.do_resize === 'boolean' ? config.do_resize : rawSize !== undefined;
  if (!doResize) fail('do_resize must be true (the tensor must have a fixed size).');
  if (rawSize === undefined) fail('size is missing.');
  const resize = parseSize(rawSize, 'size');

  let crop: PreprocessSpec['crop'] = null;
  if (config.do_center_crop === true) {
    if (config.crop_size === undefined) fail('do_center_crop is true but crop_size is missing.');
    const c = parseSize(config.crop_size, 'crop_size');
    crop = 'shortestEdge' in c ? { width: c.shortestEdge, height: c.shortestEdge } : c;
  }
  if (!crop && 'shortestEdge' in resize) {
    fail('a shortest_edge resize without a center crop gives a tensor whose size depends on the photo.');
  }
  const size = crop ?? (resize as { width: number; height: number });

  const doRescale = config.do_rescale ?? true;
  let rescale = 1;
  if (doRescale) {
    rescale = config.rescale_factor === undefined ? 1 / 255 : (config.rescale_factor as number);
    if (typeof rescale !== 'number' || !Number.isFinite(rescale) || rescale <= 0) {
      fail(`rescale_factor must be a positive number (got ${JSON.stringify(config.rescale_factor)}).`);
    }
  }

  let mean: [number, number, number] = [0, 0, 0];
  let std: [number, number, number] = [1, 1, 1];
  if (config.do_normalize === true) {
    mean = triple(config.image_mean ?? config.mean, 'image_mean', 0);
    std = triple(config.image_std ?? config.std, 'image_std', 1);
    if (std.some((s) => s <= 0)) fail(`image_std must be positive (got ${JSON.stringify(std)}).`);
  }

  return {
    resize,
    crop,
    resample: parseResample(config.resample),
    rescale,
    mean,
    std,
    size: { width: size.width, height: size.height },
  };
}

/** Shortest edge the decoded image needs so that resizing it down to the spec never enlarges. */
export function specSourceEdge(spec: PreprocessSpec): number {
  return 'shortestEdge' in spec.resize
    ? spec.resize.shortestEdge
    : Math.max(spec.resize.width, spec.resize.height);
}

/**
 * Size the spec resizes a width×height photo to, before cropping. Same arithmetic as transformers.js
 * (`get_resize_output_image_size`), including its rounding, so crops line up pixel for pixel.
 */
export function specResizeSize(spec: PreprocessSpec, width: number, height: number): { width: number; height: number } {
  if (!('shortestEdge' in spec.resize)) return { width: spec.resize.width, height: spec.resize.height };
  const f = Math.max(spec.resize.shortestEdge / width, spec.resize.shortestEdge / height);
  return {
    width: Math.max(1, Math.floor(Number((width * f).toFixed(2)))),
    height: Math.max(1, Math.floor(Number((height * f).toFixed(2)))),
  };
}
