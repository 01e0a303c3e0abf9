// Turns what went wrong while reading a file (a file-system error, a libvips message, what the bytes look like)
// into a typed failure with one plain sentence for people and the library's own words for logs.
import type { FailureDetails } from '../../../shared/types.js';
import { errnoOf } from '../fs/safe-open.js';
import { looksLikeText, type SniffedFormat } from './sniff';

export type DecodeErrorCode =
  | 'unreadable'
  | 'empty'
  | 'not-image'
  | 'unsupported'
  | 'truncated'
  | 'corrupt'
  | 'too-large'
  /** A FIFO, socket or device where a photo was expected (found when opening it, not by its name). */
  | 'not-a-file'
  /** Reading or decoding did not finish within its bound and was abandoned. */
  | 'timeout';

export interface DecodeFailure {
  code: DecodeErrorCode;
  /** One plain English sentence a person understands. */
  reason: string;
  /** The underlying library's own message, when there is one. */
  detail?: string;
  /** The facts behind the code (format, declared size and limit, errno…), for a sentence in any language. */
  details?: FailureDetails;
}

const FORMAT_NAMES: Record<string, string> = {
  jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP', avif: 'AVIF', heif: 'HEIF', tiff: 'TIFF',
  bmp: 'BMP', jp2: 'JPEG 2000', jp2k: 'JPEG 2000', svg: 'SVG', pdf: 'PDF',
};

export function formatName(format: string | null | undefined): string {
  return (format && FORMAT_NAMES[format]) || (format ? format.toUpperCase() : 'image');
}

export function failure(code: DecodeErrorCode, reason: string, detail?: unknown, details?: FailureDetails): DecodeFailure {
  const d = detailOf(detail);
  const out: DecodeFailure = d ? { code, reason, detail: d } : { code, reason };
  const facts = details && withoutEmpty(details);
  if (facts) out.details = facts;
  return out;
}

/** Details without their undefined fields, or undefined when nothing is left (so records stay comparable). */
export function withoutEmpty(d: FailureDetails): FailureDetails | undefined {
  const out = Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined && v !== null && v !== '')) as FailureDetails;
  return Object.keys(out).length > 0 ? out : undefined;
}

function detailOf(e: unknown): string | undefined {
  if (e === undefined || e === null) return undefined;
  const msg = e instanceof Error ? e.message : String(e);
  // libvips appends its warning log to the message; the first lines say enough.
  const trimmed = msg.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' | ');
  return trimmed.length > 500 ? `${trimmed.slice(0, 497)}...` : trimmed;
}

/** A failure to open or read the file itself. */
export function fileSystemFailure(e: unknown): DecodeFailure {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT' ? 'The file no longer exists.'
    : code === 'EACCES' || code === 'EPERM' ? 'The file cannot be read: permission denied.'
    : code === 'EISDIR' ? 'This is a folder, not a file.'
    : code === 'EBUSY' || code === 'ETXTBSY' ? 'The file is in use by another program and cannot be read.'
    : code === 'EIO' ? 'The file cannot be read: the disk reported an input/output error.'
    : 'The file cannot be read.';
  return failure('unreadable', reason, e, { errno: errnoOf(e) });
}

function gigaOrMega(pixels: number): string {
  return pixels >= 1e9 ? `${(pixels / 1e9).toFixed(1)} gigapixels` : `${Math.round(pixels / 1e6)} megapixels`;
}

export function tooLargeFailure(width: number, height: number, limit: number, format: string): DecodeFailure {
  const pixels = width * height;
  const dims = `${width}×${height} pixels (${gigaOrMega(pixels)})`;
  const reason =
    pixels > 1e9
      ? `Refused: the image declares ${dims}, likely a decompression bomb.`
      : `Refused: the image declares ${dims}, more than the ${gigaOrMega(limit)} allowed for ${formatName(format)} images.`;
  return failure('too-large', reason, undefined, { format, width, height, limit });
}

/** What the file's bytes tell us, for messages that libvips leaves vague. */
export interface ByteClues {
  sniffed: SniffedFormat | null;
  head: Uint8Array;
  tail: Uint8Array;
  /** The whole file, when it was read into memory. */
  whole?: Uint8Array;
}

/** True when a file of this format visibly stops before its end. */
export function endsEarly(format: string | null, clues: ByteClues): boolean {
  if (format === 'png' && clues.whole) return pngChunksRunPastEnd(clues.whole);
  const tail = clues.tail;
  const n = tail.length;
  if (n < 2) return false;
  switch (format) {
    case 'jpeg': {
      // EOI (FF D9), possibly followed by a little padding.
      for (let i = n - 2; i >= Math.max(0, n - 32); i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return false;
      return true;
    }
    case 'png': {
      // IEND chunk type, possibly followed by a little padding.
      for (let i = n - 8; i >= Math.max(0, n - 40); i--) {
        if (tail[i] === 0x49 && tail[i + 1] === 0x45 && tail[i + 2] === 0x4e && tail[i + 3] === 0x44) return false;
      }
      return true;
    }
    case 'gif': {
      for (let i = n - 1; i >= Math.max(0, n - 8); i--) if (tail[i] === 0x3b) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * Walks the PNG chunk list: true when a well-formed chunk header promises more bytes than the file has
 * (a cut-off download), false when the list ends properly or breaks into garbage (damage, not truncation).
 */
function pngChunksRunPastEnd(png: Uint8Array): boolean {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  while (at + 8 <= png.length) {
    const len = view.getUint32(at);
    for (let i = at + 4; i < at + 8; i++) {
      const c = png[i] | 0x20; // chunk types are ASCII letters
      if (c < 0x61 || c > 0x7a) return false;
    }
    if (png[at + 4] === 0x49 && png[at + 5] === 0x45 && png[at + 6] === 0x4e && png[at + 7] === 0x44) return false; // IEND
    if (len > 0x7fffffff) return false;
    at += 12 + len;
  }
  return true;
}

/**
 * Classifies a libvips error. `stage` says whether the header (metadata) or the pixel data was being read;
 * `format` is what libvips or the magic bytes say the file is.
 */
export function classifyVipsError(e: unknown, stage: 'header' | 'pixels', format: string | null, clues: ByteClues): DecodeFailure {
  const msg = e instanceof Error ? e.message : String(e);
  const name = formatName(format ?? clues.sniffed);
  // What the bytes are named after: libvips' word, else the magic bytes (none for 'not-image').
  const facts: FailureDetails = { format: format ?? clues.sniffed ?? undefined };

  let m: RegExpExecArray | null;
  if (/exceeds pixel limit/i.test(msg)) {
    return failure('too-large', `Refused: the ${name} image is larger than the allowed pixel count.`, e, facts);
  }
  if ((m = /Unsupported JPEG data precision (\d+)/i.exec(msg))) {
    return failure('unsupported', `JPEG with ${m[1]}-bit precision is not supported.`, e, facts);
  }
  if (/unsupported image format/i.test(msg)) {
    if (clues.sniffed) {
      return failure('unsupported', `${formatName(clues.sniffed)} images are not supported by this build of the image library.`, e, facts);
    }
    if (looksLikeText(clues.head)) return failure('not-image', 'Not an image: the file contains text.', e, facts);
    return failure('not-image', 'Not an image: the content is not a recognised picture format.', e, facts);
  }
  if (/not been built in|no decoder|unsupported (codec|compression)|is not supported|not (implemented|configured)/i.test(msg)) {
    return failure('unsupported', `This kind of ${name} image is not supported by this build of the image library.`, e, facts);
  }
  if (stage === 'header') {
    return failure('corrupt', `The ${name} file is damaged: its header is incomplete or malformed.`, e, facts);
  }
  if (/premature end|unexpected end|truncat|end of (file|data|stream)|not enough data|short read/i.test(msg) ||
      endsEarly(format ?? clues.sniffed, clues)) {
    return failure('truncated', 'The image is truncated: the file ends before the picture data does.', e, facts);
  }
  return failure('corrupt', `The image is corrupt: the ${name} picture data is damaged.`, e, facts);
}
