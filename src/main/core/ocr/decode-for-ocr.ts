// Decodes a file or buffer into the upright RGB image the OCR engine reads (EXIF orientation applied, alpha
// flattened on white, longest side capped), for callers without the indexer's decode (the CLI's `soutu ocr`).
import sharp from 'sharp';
import { ocrFailure, type OcrOutcome, type RgbImage } from './ocr-engine.js';

/** Default cap on the longest side: keeps 12-MP phone photos' small print legible in the crops (2560 px). */
export const OCR_DECODE_MAX_SIDE = 2560;
/** sharp's default pixel limit (0x3FFF²): decompression bombs are refused before any allocation. */
const PIXEL_LIMIT = 268_402_689;

export async function decodeForOcr(input: string | Buffer, maxSide = OCR_DECODE_MAX_SIDE): Promise<OcrOutcome<RgbImage>> {
  const side = Math.max(32, Math.round(maxSide) || OCR_DECODE_MAX_SIDE);
  try {
    const { data, info } = await sharp(input, { limitInputPixels: PIXEL_LIMIT, failOn: 'error' })
      .rotate()
      .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (info.channels === 3) return { ok: true, value: { data: pixels, width: info.width, height: info.height } };
    // Grey images can come back with one band whatever the colour space asked for.
    const rgb = new Uint8Array(info.width * info.height * 3);
    for (let i = 0, n = info.width * info.height; i < n; i++) {
      const v = pixels[i * info.channels];
      rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = v;
    }
    return { ok: true, value: { data: rgb, width: info.width, height: info.height } };
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT' || /input file is missing/i.test(String(e));
    const reason = missing ? 'The file does not exist.' : 'The image could not be decoded for text recognition.';
    return { ok: false, error: ocrFailure('bad-input', reason, e) };
  }
}
