// Decodes a photo once with sharp (shrink-on-load, upright, flattened, 8-bit sRGB) into a small raw buffer
// and derives the model tensor, the thumbnail and the metadata from it; bad files become DecodeFailure records.
import sharp, { type Metadata } from 'sharp';
import {
  classifyVipsError, failure, fileSystemFailure, tooLargeFailure,
  type ByteClues, type DecodeFailure,
} from './errors';
import { readExifFacts, type ExifFacts } from './exif-meta';
import { BmpError, checkBmpSize, decodeBmp, readBmpHeader } from './bmp';
import { decodeHeicRgba } from './heic-fallback';
import { specResizeSize, specSourceEdge, type PreprocessSpec } from './preprocess-spec';
import { SNIFF_BYTES, sniffImageFormat } from './sniff';
import { PoolCrashError, PoolTimeoutError } from './worker-pool';
import { differenceHash } from './dhash';
import { describeKind, NotAFileError, openRegularFile } from '../fs/safe-open.js';

export interface PhotoMeta {
  /** Displayed size, after EXIF orientation / HEIF transforms. */
  width: number;
  height: number;
  /** jpeg png webp avif gif tiff heif svg ... (what the content is, not what the name says) */
  format: string;
  /** ms since epoch from EXIF DateTimeOriginal/CreateDate; null if none. */
  takenAt: number | null;
  /** "Make Model", tidied. */
  camera: string | null;
  gps: { lat: number; lon: number } | null;
  /** EXIF orientation 1..8 as stored (1 when absent or invalid). */
  orientation: number;
  /** Pages or frames in the file; only the first is decoded. */
  pages: number;
}

export interface DecodedPhoto {
  /** CHW, 3 × size.height × size.width, normalised per spec; empty when `wantTensor` is false. */
  tensor: Float32Array;
  /** WebP; empty when `thumbSize` is 0. */
  thumbnail: Buffer;
  thumbWidth: number;
  thumbHeight: number;
  /** dHash of the picture (16 hex digits, see dhash.ts), from the same decoded pixels. */
  dhash: string;
  meta: PhotoMeta;
}

export type DecodeResult = { ok: true; value: DecodedPhoto } | { ok: false; error: DecodeFailure };

export interface DecodeOptions {
  /** Shortest edge of the thumbnail in pixels (never enlarged). Default 320; 0 makes no thumbnail (empty buffer, 0×0). */
  thumbSize?: number;
  /** Default true; false skips the tensor (e.g. thumbnail-only refresh). */
  wantTensor?: boolean;
}

/** sharp's own default (0x3FFF²): formats that must be decoded at full size stay within it. */
const PIXEL_LIMIT = 268_402_689;
/**
 * Baseline JPEG decodes at 1/8 scale through libjpeg's shrink-on-load, so a 1-gigapixel JPEG costs about
 * 16 MP of memory. Progressive JPEG keeps every DCT coefficient (~3 bytes a pixel) and gets the default limit.
 */
const JPEG_PIXEL_LIMIT = 1 << 30;
/** Our BMP reader holds the file and the whole decoded image in memory (up to 512 MB at this size). */
const BMP_PIXEL_LIMIT = 1 << 27;
/** Larger files are left for libvips to read from disk instead of being held in memory. */
const BUFFER_LIMIT = 64 << 20;
const THUMB_QUALITY = 80;
// libwebp effort 2 halves encode time against the default 4 for ~3% larger thumbnails.
const THUMB_EFFORT = 2;
const KERNELS = { nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic' } as const;
const INTERPOLATORS = { nearest: 'nearest', bilinear: 'bilinear', bicubic: 'bicubic' } as const;
const WHITE = { r: 255, g: 255, b: 255 };
/** Replicated border for the enlarging affine: the bicubic reaches 2 pixels out. */
const EDGE_PAD = 2;
/** Thumbnails of panorama strips stop at this many times their short edge. */
const THUMB_MAX_ASPECT = 8;
/** Longest edge of the decoded working buffer (only extreme strips reach it). */
const WORKING_MAX_LONG_EDGE = 8192;

/**
 * Prebuilt sharp reads HEIF headers but has no HEVC decoder; the first HEVC file finds out which build this
 * is, later ones go straight to the wasm decoder instead of failing in libvips first.
 */
let sharpDecodesHevc: boolean | undefined;

interface Source {
  /** Whole file, or its path when it is too big to hold. */
  input: Buffer | string;
  clues: ByteClues;
}

interface RawRgb {
  data: Buffer;
  width: number;
  height: number;
}

/** Decodes one photo. Never throws for bad input: a file that cannot be used comes back as `{ ok: false }`. */
export async function decodePhoto(input: string | Buffer, spec: PreprocessSpec, opts: DecodeOptions = {}): Promise<DecodeResult> {
  try {
    return await decode(input, spec, opts);
  } catch (e) {
    // Only a bug or an exotic library error gets here; still a record, not an exception.
    return { ok: false, error: failure('corrupt', 'The image could not be decoded.', e) };
  }
}

async function decode(input: string | Buffer, spec: PreprocessSpec, opts: DecodeOptions): Promise<DecodeResult> {
  const thumbSize = Math.max(0, Math.round(opts.thumbSize ?? 320) || 0);
  const wantTensor = opts.wantTensor ?? true;

  const src = await readSource(input);
  if ('code' in src) return { ok: false, error: src };
  const { clues } = src;

  let m: Metadata;
  try {
    m = await sharp(src.input, { limitInputPixels: false }).metadata();
  } catch (e) {
    // Some HEIF files defeat libvips' header reader; libheif may still read them.
    if (clues.sniffed === 'heif') return decodeHevc(src, spec, thumbSize, wantTensor, null, e);
    // Prebuilt sharp has no BMP loader; builds that have one never get here.
    if (clues.sniffed === 'bmp') return decodeBmpFile(src, spec, thumbSize, wantTensor);
    return { ok: false, error: classifyVipsError(e, 'header', null, clues) };
  }
  const hevc = m.format === 'heif' && m.compression === 'hevc';
  if (hevc && sharpDecodesHevc === false) return decodeHevc(src, spec, thumbSize, wantTensor, m);

  const format = formatOf(m);
  const limit = format === 'jpeg' && !m.isProgressive ? JPEG_PIXEL_LIMIT : PIXEL_LIMIT;
  if (m.width * m.height > limit) return { ok: false, error: tooLargeFailure(m.width, m.height, limit, format) };

  const width = m.autoOrient?.width ?? m.width;
  const height = m.autoOrient?.height ?? m.height;
  const work = workingSize(width, height, thumbSize, wantTensor ? specSourceEdge(spec) : 0);
  let base: RawRgb;
  try {
    // Resizing inside the pipeline that opens the file is what lets libjpeg/libwebp shrink on load.
    const { data, info } = await sharp(src.input, { failOn: 'warning', limitInputPixels: limit, autoOrient: true })
      .resize({ ...work, fit: 'fill' })
      .flatten({ background: WHITE })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    base = checkRgb(data, info.width, info.height, info.channels);
    if (hevc) sharpDecodesHevc = true;
  } catch (e) {
    if (hevc) {
      if (sharpDecodesHevc === undefined && /not been built in|no decoder|hevc/i.test(String(e))) sharpDecodesHevc = false;
      // Whatever libvips said (its wording varies by file, and another HEIC may be settling the question at the same
      // moment), libheif gets the last word: truly damaged data fails there with its own reason.
      return decodeHevc(src, spec, thumbSize, wantTensor, m);
    }
    return { ok: false, error: classifyVipsError(e, 'pixels', format, clues) };
  }

  const facts = await readExifFacts(m.exif);
  return finish(base, spec, thumbSize, wantTensor, { width, height, format, facts, orientation: m.orientation, pages: m.pages });
}

/** HEVC-coded HEIF through libheif wasm, then into the same resize/flatten pipeline as raw pixels. */
async function decodeHevc(
  src: Source,
  spec: PreprocessSpec,
  thumbSize: number,
  wantTensor: boolean,
  m: Metadata | null,
  headerError?: unknown,
): Promise<DecodeResult> {
  const file = typeof src.input === 'string' ? await readWhole(src.input) : src.input;
  if (m && m.width * m.height > PIXEL_LIMIT) {
    return { ok: false, error: tooLargeFailure(m.width, m.height, PIXEL_LIMIT, 'heif') };
  }
  let base: RawRgb;
  let width: number;
  let height: number;
  try {
    const rgba = await decodeHeicRgba(file);
    ({ width, height } = rgba);
    const work = workingSize(width, height, thumbSize, wantTensor ? specSourceEdge(spec) : 0);
    // No autoOrient: libheif has applied irot/imir already, and EXIF orientation in HEIF is informational only.
    base = await rawToWorking(rgba.data, { width, height, channels: 4 }, work);
  } catch (e) {
    if (e instanceof PoolTimeoutError) {
      return { ok: false, error: failure('corrupt', `The HEIF image could not be decoded: the decoder took longer than ${e.timeoutMs >= 1000 ? `${Math.round(e.timeoutMs / 1000)} s` : `${e.timeoutMs} ms`} and was stopped.`, e) };
    }
    if (e instanceof PoolCrashError) {
      return { ok: false, error: failure('corrupt', 'The HEIF image could not be decoded: the decoder crashed on it.', e) };
    }
    const msg = String(e);
    if (/not a HEIC|unsupported|not supported/i.test(msg)) {
      return { ok: false, error: failure('unsupported', 'This kind of HEIF image is not supported.', e) };
    }
    if (headerError !== undefined) return { ok: false, error: classifyVipsError(headerError, 'header', 'heif', src.clues) };
    return { ok: false, error: failure('corrupt', 'The HEIF image could not be decoded: its data is damaged.', e) };
  }
  const facts = await readExifFacts(file, 'file');
  return finish(base, spec, thumbSize, wantTensor, { width, height, format: 'heif', facts, orientation: m?.orientation, pages: m?.pages });
}

/** Pixels decoded outside libvips (HEIF, BMP) into the working buffer: resized, alpha flattened onto white. */
async function rawToWorking(
  pixels: Buffer | Uint8Array,
  raw: { width: number; height: number; channels: 1 | 2 | 3 | 4 },
  work: { width: number; height: number },
  limitInputPixels?: number,
): Promise<RawRgb> {
  const { data, info } = await sharp(pixels, { raw, ...(limitInputPixels ? { limitInputPixels } : {}) })
    .resize({ ...work, fit: 'fill' })
    .flatten({ background: WHITE })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return checkRgb(data, info.width, info.height, info.channels);
}

/** BMP through our own reader (bmp.ts), then into the same resize/flatten pipeline as raw pixels. */
async function decodeBmpFile(src: Source, spec: PreprocessSpec, thumbSize: number, wantTensor: boolean): Promise<DecodeResult> {
  let base: RawRgb;
  let width: number;
  let height: number;
  try {
    let file: Buffer;
    if (typeof src.input === 'string') {
      // Too big to have been read already: refuse oversized ones from the header before reading them whole.
      const { head, size } = await readHead(src.input, 4096);
      checkBmpSize(readBmpHeader(head), size, BMP_PIXEL_LIMIT);
      file = await readWhole(src.input);
    } else {
      file = src.input;
    }
    const bmp = await decodeBmp(file, { pixelLimit: BMP_PIXEL_LIMIT });
    ({ width, height } = bmp);
    const work = workingSize(width, height, thumbSize, wantTensor ? specSourceEdge(spec) : 0);
    base = await rawToWorking(bmp.data, { width, height, channels: bmp.channels }, work, BMP_PIXEL_LIMIT);
  } catch (e) {
    if (e instanceof BmpError) return { ok: false, error: failure(e.code, e.message) };
    if (/^E[A-Z]+$/.test(String((e as NodeJS.ErrnoException)?.code))) return { ok: false, error: fileSystemFailure(e) };
    return { ok: false, error: failure('corrupt', 'The BMP image could not be decoded.', e) };
  }
  return finish(base, spec, thumbSize, wantTensor, { width, height, format: 'bmp', facts: { takenAt: null, camera: null, gps: null } });
}

/** What a decode derives from its pixels alone: a photo's outputs less its metadata. */
export type DecodedPixels = Omit<DecodedPhoto, 'meta'>;

/**
 * Size of the working buffer the decoder would make from an upright `width`×`height` picture, so that a caller
 * that decodes pixels itself (video frames from ffmpeg) can deliver exactly that and skip a resize here.
 */
export function rawWorkingSize(width: number, height: number, spec: PreprocessSpec, opts: DecodeOptions = {}): { width: number; height: number } {
  const thumbSize = Math.max(0, Math.round(opts.thumbSize ?? 320) || 0);
  return workingSize(width, height, thumbSize, (opts.wantTensor ?? true) ? specSourceEdge(spec) : 0);
}

/**
 * Tensor, thumbnail and dHash from upright, packed 8-bit RGB pixels decoded elsewhere (video frames), through the
 * same working buffer and code as a photo. `fullWidth`/`fullHeight` are the picture's displayed size (the tensor's
 * resize arithmetic follows it, as for a photo decoded with shrink-on-load); they default to the buffer's size.
 * Throws on a buffer that does not hold width × height × 3 bytes: that is a caller's bug, not a bad file.
 */
export async function decodeRawRgb(
  pixels: Buffer,
  size: { width: number; height: number; fullWidth?: number; fullHeight?: number },
  spec: PreprocessSpec,
  opts: DecodeOptions = {},
): Promise<DecodedPixels> {
  const thumbSize = Math.max(0, Math.round(opts.thumbSize ?? 320) || 0);
  const wantTensor = opts.wantTensor ?? true;
  const fullWidth = size.fullWidth ?? size.width;
  const fullHeight = size.fullHeight ?? size.height;
  let base = checkRgb(pixels, size.width, size.height, 3);
  const work = workingSize(fullWidth, fullHeight, thumbSize, wantTensor ? specSourceEdge(spec) : 0);
  if (work.width !== base.width || work.height !== base.height) {
    base = await rawToWorking(pixels, { width: size.width, height: size.height, channels: 3 }, work);
  }
  return pixelOutputs(base, spec, thumbSize, wantTensor, fullWidth, fullHeight);
}

async function pixelOutputs(
  base: RawRgb, spec: PreprocessSpec, thumbSize: number, wantTensor: boolean, fullWidth: number, fullHeight: number,
): Promise<DecodedPixels> {
  const [thumb, tensor] = await Promise.all([
    makeThumbnail(base, thumbSize),
    wantTensor ? makeTensor(base, fullWidth, fullHeight, spec) : Promise.resolve(new Float32Array(0)),
  ]);
  return {
    tensor,
    thumbnail: thumb.data,
    thumbWidth: thumb.width,
    thumbHeight: thumb.height,
    dhash: differenceHash(base.data, base.width, base.height),
  };
}

async function finish(
  base: RawRgb,
  spec: PreprocessSpec,
  thumbSize: number,
  wantTensor: boolean,
  info: { width: number; height: number; format: string; facts: ExifFacts; orientation?: number; pages?: number },
): Promise<DecodeResult> {
  const pixels = await pixelOutputs(base, spec, thumbSize, wantTensor, info.width, info.height);
  const o = info.orientation;
  return {
    ok: true,
    value: {
      ...pixels,
      meta: {
        width: info.width,
        height: info.height,
        format: info.format,
        takenAt: info.facts.takenAt,
        camera: info.facts.camera,
        gps: info.facts.gps,
        orientation: o !== undefined && Number.isInteger(o) && o >= 1 && o <= 8 ? o : 1,
        pages: info.pages && info.pages > 0 ? info.pages : 1,
      },
    },
  };
}

async function makeThumbnail(base: RawRgb, thumbSize: number): Promise<{ data: Buffer; width: number; height: number }> {
  if (thumbSize === 0) return { data: Buffer.alloc(0), width: 0, height: 0 };
  let p = sharp(base.data, { raw: { width: base.width, height: base.height, channels: 3 } });
  const size = fitShortEdge(base.width, base.height, thumbSize, THUMB_MAX_ASPECT * thumbSize);
  if (size.width !== base.width || size.height !== base.height) p = p.resize({ ...size, fit: 'fill' });
  const { data, info } = await p.webp({ quality: THUMB_QUALITY, effort: THUMB_EFFORT }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Resize to the size transformers.js would pick for the full photo, then center-crop (black padding where the
 * crop is larger, as transformers.js does) while rescaling and normalising into CHW.
 */
async function makeTensor(base: RawRgb, fullWidth: number, fullHeight: number, spec: PreprocessSpec): Promise<Float32Array> {
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

/** Size with the given shortest edge (never enlarged), shrunk further if the longest edge would exceed `maxLong`. */
function fitShortEdge(width: number, height: number, shortEdge: number, maxLong: number): { width: number; height: number } {
  const s = Math.min(1, shortEdge / Math.min(width, height), maxLong / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

/**
 * The one decoded buffer: big enough for both the thumbnail and the tensor, bounded for extreme strips.
 * It keeps a quarter more than the tensor needs, so the tensor comes from the spec's own kernel rather than
 * from the decoder's lanczos (measured: worst cosine to the PIL reference 0.9974 without, 0.9988 with).
 */
function workingSize(width: number, height: number, thumbSize: number, tensorEdge: number): { width: number; height: number } {
  const edge = Math.max(thumbSize, Math.ceil(tensorEdge * 1.25));
  return fitShortEdge(width, height, edge, Math.max(WORKING_MAX_LONG_EDGE, THUMB_MAX_ASPECT * thumbSize));
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

function checkRgb(data: Buffer, width: number, height: number, channels: number): RawRgb {
  if (channels !== 3 || data.length !== width * height * 3) {
    throw new Error(`expected 8-bit RGB, got ${width}x${height}x${channels} in ${data.length} bytes`);
  }
  return { data, width, height };
}

function formatOf(m: Metadata): string {
  if (m.format === 'heif') return m.compression === 'av1' ? 'avif' : 'heif';
  return m.format;
}

async function readWhole(path: string): Promise<Buffer> {
  const { handle: fh } = await openRegularFile(path);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

async function readHead(path: string, bytes: number): Promise<{ head: Buffer; size: number }> {
  const { handle: fh, size } = await openRegularFile(path);
  try {
    const head = Buffer.alloc(Math.min(bytes, size));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), size };
  } finally {
    await fh.close();
  }
}

/** Reads the file (or the head and tail of a very large one) and what its bytes say, or a failure. */
async function readSource(input: string | Buffer): Promise<Source | DecodeFailure> {
  if (typeof input !== 'string') {
    if (input.length === 0) return failure('empty', 'The file is empty (0 bytes).');
    return { input, clues: cluesOf(input) };
  }
  let fh;
  let size: number;
  try {
    // Non-blocking and checked on the descriptor: a FIFO or device in a photo's place is refused, never waited on.
    ({ handle: fh, size } = await openRegularFile(input));
  } catch (e) {
    if (e instanceof NotAFileError) return failure('not-a-file', `This is ${describeKind(e.kind)}, not a photo file.`);
    return fileSystemFailure(e);
  }
  try {
    const st = { size };
    if (st.size === 0) return failure('empty', 'The file is empty (0 bytes).');
    if (st.size <= BUFFER_LIMIT) {
      const data = await fh.readFile();
      if (data.length === 0) return failure('empty', 'The file is empty (0 bytes).');
      return { input: data, clues: cluesOf(data) };
    }
    const head = Buffer.alloc(SNIFF_BYTES);
    const tail = Buffer.alloc(64);
    await fh.read(head, 0, head.length, 0);
    await fh.read(tail, 0, tail.length, st.size - tail.length);
    return { input, clues: { sniffed: sniffImageFormat(head), head, tail } };
  } catch (e) {
    return fileSystemFailure(e);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function cluesOf(whole: Uint8Array): ByteClues {
  return {
    sniffed: sniffImageFormat(whole.subarray(0, SNIFF_BYTES)),
    // Text detection looks further than the magic bytes: a text file can start like anything.
    head: whole.subarray(0, 512),
    tail: whole.subarray(Math.max(0, whole.length - 64)),
    whole,
  };
}
