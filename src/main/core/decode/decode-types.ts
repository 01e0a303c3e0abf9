// The shapes a photo decode hands back (photo, pixels, metadata, result) and the raw buffer passed between its
// stages; kept apart from the code so that every decode module can share them without importing one another.
import type { DecodeFailure } from './errors';

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

/** What a decode derives from its pixels alone: a photo's outputs less its metadata. */
export type DecodedPixels = Omit<DecodedPhoto, 'meta'>;

/** Packed 8-bit RGB, upright: the working buffer every output is derived from. */
export interface RawRgb {
  data: Buffer;
  width: number;
  height: number;
}
