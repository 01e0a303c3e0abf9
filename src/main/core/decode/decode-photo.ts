// Decodes a photo once with sharp (shrink-on-load, upright, flattened, 8-bit sRGB) into a small raw buffer
// and derives the model tensor, the thumbnail and the metadata from it; bad files become DecodeFailure records.
import sharp, { type Metadata } from 'sharp';
import { classifyVipsError, failure, tooLargeFailure } from './errors';
import { readExifFacts } from './exif-meta';
import type { DecodeOptions, DecodeResult, RawRgb } from './decode-types';
import { decodeBmpFile, decodeHevc } from './format-fallbacks';
import { readSource } from './photo-source';
import { specSourceEdge, type PreprocessSpec } from './preprocess-spec';
import { checkRgb, finishPhoto, PIXEL_LIMIT, WHITE, workingSize } from './working-buffer';

// The module's public surface from before it was split: importers keep one path.
export type { DecodedPhoto, DecodedPixels, DecodeOptions, DecodeResult, PhotoMeta } from './decode-types';
export { decodeRawRgb, rawWorkingSize } from './working-buffer';

/**
 * Baseline JPEG decodes at 1/8 scale through libjpeg's shrink-on-load, so a 1-gigapixel JPEG costs about
 * 16 MP of memory. Progressive JPEG keeps every DCT coefficient (~3 bytes a pixel) and gets the default limit.
 */
const JPEG_PIXEL_LIMIT = 1 << 30;

/**
 * Prebuilt sharp reads HEIF headers but has no HEVC decoder; the first HEVC file finds out which build this
 * is, later ones go straight to the wasm decoder instead of failing in libvips first.
 */
let sharpDecodesHevc: boolean | undefined;

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
  return finishPhoto(base, spec, thumbSize, wantTensor, { width, height, format, facts, orientation: m.orientation, pages: m.pages });
}

function formatOf(m: Metadata): string {
  if (m.format === 'heif') return m.compression === 'av1' ? 'avif' : 'heif';
  return m.format;
}
