// The one working buffer a decode makes (sized for both thumbnail and tensor) and everything derived from it:
// thumbnail, tensor, dHash and the photo record; also the raw-RGB entry that video frames decoded elsewhere use.
import sharp from 'sharp';
import type { DecodedPixels, DecodeOptions, DecodeResult, RawRgb } from './decode-types';
import type { ExifFacts } from './exif-meta';
import { differenceHash } from './dhash';
import { makeTensor } from './model-tensor';
import { specSourceEdge, type PreprocessSpec } from './preprocess-spec';

/** sharp's own default (0x3FFF²): formats that must be decoded at full size stay within it. */
export const PIXEL_LIMIT = 268_402_689;
export const WHITE = { r: 255, g: 255, b: 255 };
const THUMB_QUALITY = 80;
// libwebp effort 2 halves encode time against the default 4 for ~3% larger thumbnails.
const THUMB_EFFORT = 2;
/** Thumbnails of panorama strips stop at this many times their short edge. */
const THUMB_MAX_ASPECT = 8;
/** Longest edge of the decoded working buffer (only extreme strips reach it). */
const WORKING_MAX_LONG_EDGE = 8192;

/** Pixels decoded outside libvips (HEIF, BMP) into the working buffer: resized, alpha flattened onto white. */
export async function rawToWorking(
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

/** A photo's record: the outputs of its working buffer and its metadata, with orientation and pages tidied. */
export async function finishPhoto(
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
export function workingSize(width: number, height: number, thumbSize: number, tensorEdge: number): { width: number; height: number } {
  const edge = Math.max(thumbSize, Math.ceil(tensorEdge * 1.25));
  return fitShortEdge(width, height, edge, Math.max(WORKING_MAX_LONG_EDGE, THUMB_MAX_ASPECT * thumbSize));
}

export function checkRgb(data: Buffer, width: number, height: number, channels: number): RawRgb {
  if (channels !== 3 || data.length !== width * height * 3) {
    throw new Error(`expected 8-bit RGB, got ${width}x${height}x${channels} in ${data.length} bytes`);
  }
  return { data, width, height };
}
