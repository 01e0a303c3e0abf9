// One way to show a photo a browser cannot (HEIC/HEIF, TIFF, JPEG 2000): an upright JPEG at most 2560 px on its
// longer side. sharp converts what its libvips reads; HEVC-coded HEIF (iPhone photos), which prebuilt sharp
// cannot decode, goes through the engine's HEIC fallback decoder. Both shells use this: the desktop's library
// process (for soutu-media://full/…) and serve (for /media/full/…).
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { BROWSER_FORMATS, decodeHeicRgba, sniffImageFormat } from '../core/index.js';

/** Files larger than this are not converted (a display copy of a 512 MB scan is not worth the memory). */
export const MAX_DISPLAY_SOURCE_BYTES = 512 * 1024 * 1024;
export const DISPLAY_MAX_SIDE = 2560;
const RESIZE = { fit: 'inside' as const, withoutEnlargement: true };

/**
 * A JPEG of the image at `realPath` (a path the caller has already checked), or null when it is already a browser
 * format, too large, or not an image. Throws when the file is an image that cannot be decoded.
 */
export async function displayJpeg(realPath: string): Promise<Uint8Array | null> {
  // Opened without waiting and checked on the descriptor: a FIFO swapped in since the caller's check is refused
  // at once (a plain readFile would wait for a writer forever, holding one of libuv's threads).
  const fh = await open(realPath, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  let bytes: Buffer;
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > MAX_DISPLAY_SOURCE_BYTES) return null;
    bytes = await fh.readFile();
  } finally {
    await fh.close().catch(() => {});
  }
  const format = sniffImageFormat(bytes.subarray(0, 64));
  if (!format || BROWSER_FORMATS.has(format)) return null;
  // Loaded on first use: the desktop's main process imports this module's callers but never converts.
  const { default: sharp } = await import('sharp');
  try {
    return new Uint8Array(await sharp(bytes).rotate().resize(DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE, RESIZE).jpeg({ quality: 88 }).toBuffer());
  } catch (err) {
    if (format !== 'heif') throw err;
    // sharp's prebuilt libvips has no HEVC decoder: the engine's fallback decodes HEIC to upright RGBA pixels.
    const raw = await decodeHeicRgba(bytes);
    const out = sharp(Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), { raw: { width: raw.width, height: raw.height, channels: 4 } });
    return new Uint8Array(await out.resize(DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE, RESIZE).jpeg({ quality: 88 }).toBuffer());
  }
}
