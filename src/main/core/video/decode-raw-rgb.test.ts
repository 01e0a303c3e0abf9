// The export that video frames go through (decode-photo.ts: decodeRawRgb, rawWorkingSize): pixels decoded elsewhere
// must come out exactly as the same picture decoded as a photo. Kept here with the video engine that needs it.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePhoto, preprocessSpecFromConfig } from '../decode/index.js';
import { decodeRawRgb, rawWorkingSize } from '../decode/decode-photo.js';
import { CLIP_PREPROCESSOR_CONFIG } from '../testing/test-models.js';

const SPEC = preprocessSpecFromConfig(CLIP_PREPROCESSOR_CONFIG);

async function picture(width: number, height: number): Promise<{ png: Buffer; rgb: Buffer }> {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      rgb[o] = (x * 255) / width;
      rgb[o + 1] = (y * 255) / height;
      rgb[o + 2] = ((x ^ y) & 32) ? 200 : 40;
    }
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
  return { png, rgb };
}

describe('decodeRawRgb', () => {
  it('gives the same tensor, dHash and thumbnail as decoding the picture as a photo', async () => {
    const { png, rgb } = await picture(900, 500);
    const photo = await decodePhoto(png, SPEC, { thumbSize: 160 });
    if (!photo.ok) throw new Error(photo.error.reason);
    const raw = await decodeRawRgb(rgb, { width: 900, height: 500 }, SPEC, { thumbSize: 160 });
    expect(raw.tensor.length).toBe(3 * 224 * 224);
    let maxDiff = 0;
    for (let i = 0; i < raw.tensor.length; i++) maxDiff = Math.max(maxDiff, Math.abs(raw.tensor[i] - photo.value.tensor[i]));
    expect(maxDiff).toBe(0);
    expect(raw.dhash).toBe(photo.value.dhash);
    expect([raw.thumbWidth, raw.thumbHeight]).toEqual([photo.value.thumbWidth, photo.value.thumbHeight]);
    expect(raw.thumbnail.equals(photo.value.thumbnail)).toBe(true);
  });

  it('takes a buffer already at the working size as the working buffer (what ffmpeg delivers)', async () => {
    const work = rawWorkingSize(1920, 1080, SPEC, { thumbSize: 320 });
    expect(work).toEqual({ width: 569, height: 320 });
    expect(rawWorkingSize(1080, 1920, SPEC, { thumbSize: 160 })).toEqual({ width: 280, height: 498 });
    const { rgb } = await picture(work.width, work.height);
    const a = await decodeRawRgb(rgb, { ...work, fullWidth: 1920, fullHeight: 1080 }, SPEC, { thumbSize: 320 });
    expect([a.thumbWidth, a.thumbHeight]).toEqual([569, 320]);
    // A smaller thumbnail asks for a smaller working buffer: the same pixels are resized on the photo path first.
    const b = await decodeRawRgb(rgb, { ...work, fullWidth: 1920, fullHeight: 1080 }, SPEC, { thumbSize: 160 });
    expect([b.thumbWidth, b.thumbHeight]).toEqual([285, 160]);
    expect(b.tensor.length).toBe(a.tensor.length);
  });

  it('throws on a buffer that does not match its size (a caller bug, not a bad file)', async () => {
    await expect(decodeRawRgb(Buffer.alloc(10), { width: 4, height: 4 }, SPEC)).rejects.toThrow(/expected 8-bit RGB/);
  });
});
