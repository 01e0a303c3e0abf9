// Turns the working buffer into the model's tensor exactly as transformers.js would from the full photo: its
// resize size, kernel and center crop, then float32 normalisation into CHW (the only per-pixel loop in JS).
import sharp from 'sharp';
import type { RawRgb } from './decode-types';
import { specResizeSize, type PreprocessSpec } from './preprocess-spec';

const KERNELS = { nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic' } as const;
const INTERPOLATORS = { nearest: 'nearest', bilinear: 'bilinear', bicubic: 'bicubic' } as const;
/** Replicated border for the enlarging affine: the bicubic reaches 2 pixels out. */
const EDGE_PAD = 2;

/**
 * Resize to the size transformers.js would pick for the full photo, then center-crop (black padding where the
 * crop is larger, as transformers.js does) while rescaling and normalising into CHW.
 */
export async function makeTensor(base: RawRgb, fullWidth: number, fullHeight: number, spec: PreprocessSpec): Promise<Float32Array> {
  const rs = specResizeSize(spec, fullWidth, fullHeight);
  const out = spec.crop ?? spec.size;
  const ax = planAxis(base.width, rs.width, out.width, spec.crop !== null);
  const ay = planAxis(base.height, rs.height, out.height, spec.crop !== null);
  let pixels = base.data;
  let width = base.width;
  let height = base.height;
  let stride = base.width;
  const region = ax.size !== base.width || ay.size !== base.height;
  // Shrinking uses the kernel's antialiased reduce (what PIL does). libvips' enlargement path ignores the
  // kernel and blurs, so enlarging goes through an affine bicubic as in transformers.js, on edge-replicated
  // borders (PIL renormalises its weights at the borders where the affine would blend in black).
  // An axis may shrink while the other grows (a stretch to a square).
  const shrunkW = Math.min(ax.target, ax.size);
  const shrunkH = Math.min(ay.target, ay.size);
  const shrink = shrunkW !== ax.size || shrunkH !== ay.size;
  const enlarge = shrunkW !== ax.target || shrunkH !== ay.target;
  if (region || shrink || enlarge) {
    let p = sharp(base.data, { raw: { width, height, channels: 3 } });
    if (region) p = p.extract({ left: ax.start, top: ay.start, width: ax.size, height: ay.size });
    if (shrink) p = p.resize({ width: shrunkW, height: shrunkH, fit: 'fill', kernel: KERNELS[spec.resample] });
    if (enlarge) p = p.extend({ top: EDGE_PAD, bottom: EDGE_PAD, left: EDGE_PAD, right: EDGE_PAD, extendWith: 'copy' });
    let { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
    if (enlarge) {
      // sharp applies extend after affine within one pipeline, hence the second pass.
      const sx = ax.target / shrunkW;
      const sy = ay.target / shrunkH;
      ({ data, info } = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
        .affine([sx, 0, 0, sy], { interpolator: INTERPOLATORS[spec.resample], odx: -EDGE_PAD * sx, ody: -EDGE_PAD * sy })
        .raw()
        .toBuffer({ resolveWithObject: true }));
    }
    if (info.channels !== 3) throw new Error(`tensor resize gave ${info.channels} channels`);
    width = Math.min(ax.target, info.width);
    height = Math.min(ay.target, info.height);
    stride = info.width;
    pixels = data;
  }
  // transformers.js centers the crop on whatever size the resize produced; offsets truncate toward zero
  // (floor when cropping, floor of the padding when padding).
  const offX = ax.offset ?? Math.trunc((width - out.width) / 2);
  const offY = ay.offset ?? Math.trunc((height - out.height) / 2);
  return normaliseChw(pixels, stride, width, height, offX, offY, out.width, out.height, lutFor(spec));
}

interface AxisPlan {
  /** Part of the decoded buffer to resize. */
  start: number;
  size: number;
  /** Length that part is resized to. */
  target: number;
  /** Crop offset in the resized part; null: centered as transformers.js does. */
  offset: number | null;
}

/**
 * Along an axis much longer than the crop (a panorama strip), resizing the whole length to the spec could
 * take gigabytes for a few useless pixels; only the part under the center crop, plus the kernel's reach,
 * is resized then. Ordinary photos (up to 2:1 beyond the crop) take the exact transformers.js path.
 */
function planAxis(len: number, resized: number, crop: number, cropping: boolean): AxisPlan {
  if (!cropping || resized <= 2 * crop) return { start: 0, size: len, target: resized, offset: null };
  const scale = resized / len;
  const off = Math.trunc((resized - crop) / 2);
  const margin = Math.ceil(2 / Math.min(scale, 1)) + 1;
  const start = Math.max(0, Math.floor(off / scale) - margin);
  const end = Math.min(len, Math.ceil((off + crop) / scale) + margin);
  const target = Math.max(crop, Math.round((end - start) * scale));
  const offset = Math.min(Math.max(0, Math.round(off - start * scale)), target - crop);
  return { start, size: end - start, target, offset };
}

const luts = new WeakMap<PreprocessSpec, Float32Array>();

/**
 * 3 × 256 table of normalised values, computed with float32 rounding at the same steps as transformers.js
 * (rescale stored as float32, then (x - mean) / std), so equal pixels give bit-equal tensor values.
 */
function lutFor(spec: PreprocessSpec): Float32Array {
  let lut = luts.get(spec);
  if (!lut) {
    lut = new Float32Array(768);
    for (let c = 0; c < 3; c++) {
      for (let v = 0; v < 256; v++) lut[c * 256 + v] = (Math.fround(spec.rescale * v) - spec.mean[c]) / spec.std[c];
    }
    luts.set(spec, lut);
  }
  return lut;
}

/**
 * HWC uint8 (w × h, rows `stride` pixels apart) → CHW float32 (cw × ch) through the table, cropping at
 * (offX, offY) on the way: the only per-pixel loop in JS. Pixels outside the image (padding) are black.
 */
function normaliseChw(
  rgb: Uint8Array, stride: number, w: number, h: number, offX: number, offY: number, cw: number, ch: number,
  lut: Float32Array,
): Float32Array {
  const n = cw * ch;
  const out = new Float32Array(3 * n);
  const x0 = Math.max(0, -offX);
  const x1 = Math.min(cw, w - offX);
  const n2 = 2 * n;
  if (x0 > 0 || x1 < cw || offY < 0 || offY + ch > h) {
    out.fill(lut[0], 0, n);
    out.fill(lut[256], n, n2);
    out.fill(lut[512], n2, 3 * n);
  }
  for (let y = 0; y < ch; y++) {
    const sy = y + offY;
    if (sy < 0 || sy >= h) continue;
    let j = (sy * stride + x0 + offX) * 3;
    for (let i = y * cw + x0, end = y * cw + x1; i < end; i++, j += 3) {
      out[i] = lut[rgb[j]];
      out[n + i] = lut[256 + rgb[j + 1]];
      out[n2 + i] = lut[512 + rgb[j + 2]];
    }
  }
  return out;
}
