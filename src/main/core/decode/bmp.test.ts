// BMP files are written here byte by byte (no encoder involved), then read by our BMP reader and by
// decodePhoto, which must give the same picture, the right way up, in the right colours.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { BmpError, decodeBmp } from './bmp';
import { decodePhoto, preprocessSpecFromConfig } from './index';
import { longestStall } from './main-thread-stall';

type Rgb = [number, number, number];

/** Identity spec: the tensor holds the pixels (0..1) of a 32×32 center crop. */
const SPEC = preprocessSpecFromConfig({
  image_processor_type: 'CLIPImageProcessor',
  do_resize: true,
  size: { shortest_edge: 32 },
  resample: 3,
  do_center_crop: true,
  crop_size: { height: 32, width: 32 },
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: false,
});

const RED: Rgb = [220, 20, 30];
const GREEN: Rgb = [30, 170, 40];
const BLUE: Rgb = [20, 50, 210];
const YELLOW: Rgb = [240, 220, 20];
const WHITE: Rgb = [255, 255, 255];

/** Top-left red, top-right green, bottom-left blue, bottom-right yellow. */
function quadrant(x: number, y: number, w: number, h: number): Rgb {
  const right = x >= w / 2;
  const bottom = y >= h / 2;
  return bottom ? (right ? YELLOW : BLUE) : right ? GREEN : RED;
}

interface BmpSpec {
  width: number;
  height: number;
  bpp: number;
  topDown?: boolean;
  /** 12 (OS/2 core), 40 (INFO), 56 (V3), 108 (V4), 124 (V5). */
  dib?: number;
  compression?: number;
  /** R, G, B (and A) masks; with a 40-byte header they follow it. */
  masks?: number[];
  palette?: Rgb[];
  /** What is stored for the pixel shown at (x, y), y = 0 at the top: palette index, 16/32-bit word, or RGB. */
  value?: (x: number, y: number) => number | Rgb;
  /** RLE data instead of rows. */
  rle?: number[];
}

function writeBmp(s: BmpSpec): Buffer {
  const dib = s.dib ?? 40;
  const compression = s.compression ?? 0;
  const entry = dib === 12 ? 3 : 4;
  const maskBytes = dib === 40 && s.masks ? s.masks.length * 4 : 0;
  const palette = s.palette ?? [];
  const offset = 14 + dib + maskBytes + palette.length * entry;
  const stride = Math.floor((s.bpp * s.width + 31) / 32) * 4;
  let pixels: Buffer;
  if (s.rle) {
    pixels = Buffer.from(s.rle);
  } else {
    pixels = Buffer.alloc(stride * s.height);
    for (let r = 0; r < s.height; r++) {
      const y = s.topDown ? r : s.height - 1 - r;
      const row = pixels.subarray(r * stride, (r + 1) * stride);
      for (let x = 0; x < s.width; x++) {
        const v = s.value!(x, y);
        if (s.bpp === 24) {
          const [red, g, b] = v as Rgb;
          row[x * 3] = b;
          row[x * 3 + 1] = g;
          row[x * 3 + 2] = red;
        } else if (s.bpp === 32) row.writeUInt32LE((v as number) >>> 0, x * 4);
        else if (s.bpp === 16) row.writeUInt16LE(v as number, x * 2);
        else {
          const perByte = 8 / s.bpp;
          row[Math.floor(x / perByte)] |= (v as number) << (8 - s.bpp - (x % perByte) * s.bpp);
        }
      }
    }
  }
  const file = Buffer.alloc(offset + pixels.length);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(offset, 10);
  file.writeUInt32LE(dib, 14);
  if (dib === 12) {
    file.writeUInt16LE(s.width, 18);
    file.writeUInt16LE(s.height, 20);
    file.writeUInt16LE(1, 22);
    file.writeUInt16LE(s.bpp, 24);
  } else {
    file.writeInt32LE(s.width, 18);
    file.writeInt32LE(s.topDown ? -s.height : s.height, 22);
    file.writeUInt16LE(1, 26);
    file.writeUInt16LE(s.bpp, 28);
    file.writeUInt32LE(compression, 30);
    file.writeUInt32LE(pixels.length, 34);
    file.writeInt32LE(2835, 38);
    file.writeInt32LE(2835, 42);
    file.writeUInt32LE(palette.length, 46);
    if (s.masks) s.masks.forEach((m, i) => file.writeUInt32LE(m >>> 0, 54 + i * 4));
    if (dib >= 108) file.write('BGRs', 70, 'latin1'); // LCS_sRGB
  }
  palette.forEach(([r, g, b], i) => {
    const at = 14 + dib + maskBytes + i * entry;
    file[at] = b;
    file[at + 1] = g;
    file[at + 2] = r;
  });
  pixels.copy(file, offset);
  return file;
}

const LIMIT = { pixelLimit: 1 << 27 };

/** Pixel (x, y) of a decoded image as RGB(A). */
function px(img: { data: Buffer; width: number; channels: number }, x: number, y: number): number[] {
  const at = (y * img.width + x) * img.channels;
  return [...img.data.subarray(at, at + img.channels)];
}

/** Mean colour (0..255) of a 4×4 patch of the CHW tensor around (x, y). */
function tensorColour(t: Float32Array, x: number, y: number, size = 32): Rgb {
  const n = size * size;
  const out: Rgb = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let dy = -2; dy < 2; dy++) for (let dx = -2; dx < 2; dx++) sum += t[c * n + (y + dy) * size + (x + dx)];
    out[c] = Math.round((sum / 16) * 255);
  }
  return out;
}

function expectClose(actual: number[], expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `channel ${i}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol));
}

async function bmpError(file: Buffer): Promise<BmpError> {
  try {
    await decodeBmp(file, LIMIT);
  } catch (e) {
    if (e instanceof BmpError) return e;
    throw e;
  }
  throw new Error('decodeBmp should have failed');
}

const dir = mkdtempSync(join(tmpdir(), 'soutu-bmp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('our BMP reader, byte-exact', () => {
  it('24-bit bottom-up with row padding (odd width)', async () => {
    const img = await decodeBmp(writeBmp({ width: 37, height: 21, bpp: 24, value: (x, y) => quadrant(x, y, 37, 21) }), LIMIT);
    expect(img).toMatchObject({ width: 37, height: 21, channels: 3 });
    expect(px(img, 0, 0)).toEqual(RED);
    expect(px(img, 36, 0)).toEqual(GREEN);
    expect(px(img, 0, 20)).toEqual(BLUE);
    expect(px(img, 36, 20)).toEqual(YELLOW);
  });

  it('24-bit top-down', async () => {
    const img = await decodeBmp(writeBmp({ width: 10, height: 6, bpp: 24, topDown: true, value: (x, y) => quadrant(x, y, 10, 6) }), LIMIT);
    expect(px(img, 0, 0)).toEqual(RED);
    expect(px(img, 9, 5)).toEqual(YELLOW);
  });

  it('32-bit BI_RGB: the fourth byte is alpha when used, ignored when zero everywhere', async () => {
    const argb = (c: Rgb, a: number) => ((a << 24) | (c[0] << 16) | (c[1] << 8) | c[2]) >>> 0;
    const withAlpha = await decodeBmp(writeBmp({
      width: 8, height: 4, bpp: 32, value: (x, y) => argb(quadrant(x, y, 8, 4), x === 0 ? 0 : 255),
    }), LIMIT);
    expect(withAlpha.channels).toBe(4);
    expect(px(withAlpha, 0, 0)).toEqual([...RED, 0]);
    expect(px(withAlpha, 7, 0)).toEqual([...GREEN, 255]);
    expect(px(withAlpha, 7, 3)).toEqual([...YELLOW, 255]);
    const unused = await decodeBmp(writeBmp({ width: 8, height: 4, bpp: 32, value: (x, y) => argb(quadrant(x, y, 8, 4), 0) }), LIMIT);
    expect(px(unused, 0, 0)).toEqual([...RED, 255]);
    expect(px(unused, 0, 3)).toEqual([...BLUE, 255]);
  });

  it('32-bit V5 BI_BITFIELDS with an alpha mask in a non-standard order (RGBA bytes)', async () => {
    const masks = [0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000];
    const word = (c: Rgb, a: number) => ((a << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;
    const img = await decodeBmp(writeBmp({
      width: 6, height: 2, bpp: 32, dib: 124, compression: 3, masks, value: (x, y) => word(quadrant(x, y, 6, 2), 128),
    }), LIMIT);
    expect(px(img, 0, 0)).toEqual([...RED, 128]);
    expect(px(img, 5, 1)).toEqual([...YELLOW, 128]);
  });

  it('16-bit: default 5-5-5 and 5-6-5 bitfields, scaled to full range', async () => {
    const img555 = await decodeBmp(writeBmp({ width: 3, height: 1, bpp: 16, value: (x) => [0x7c00, 0x03e0, 0x001f][x] }), LIMIT);
    expect([px(img555, 0, 0), px(img555, 1, 0), px(img555, 2, 0)]).toEqual([[255, 0, 0], [0, 255, 0], [0, 0, 255]]);
    const img565 = await decodeBmp(writeBmp({
      width: 3, height: 1, bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], value: (x) => [0xf800, 0x0400, 0x0010][x],
    }), LIMIT);
    expect([px(img565, 0, 0), px(img565, 1, 0), px(img565, 2, 0)]).toEqual([[255, 0, 0], [0, Math.round((32 * 255) / 63), 0], [0, 0, Math.round((16 * 255) / 31)]]);
  });

  it('32-bit 10-10-10 bitfields', async () => {
    const img = await decodeBmp(writeBmp({
      width: 2, height: 1, bpp: 32, compression: 3, masks: [0x3ff00000, 0x000ffc00, 0x000003ff],
      value: (x) => (x === 0 ? (1023 << 20) | (512 << 10) : 1023),
    }), LIMIT);
    expect(img.channels).toBe(3);
    expect([px(img, 0, 0), px(img, 1, 0)]).toEqual([[255, Math.round((512 * 255) / 1023), 0], [0, 0, 255]]);
  });

  it('8-bit palette, 4-bit, 2-bit and 1-bit, and an OS/2 core header', async () => {
    const palette: Rgb[] = [RED, GREEN, BLUE, YELLOW];
    const q = (x: number, y: number, w: number, h: number) => palette.indexOf(quadrant(x, y, w, h));
    for (const [bpp, dib] of [[8, 40], [4, 40], [2, 40], [8, 12], [4, 12]]) {
      const img = await decodeBmp(writeBmp({ width: 13, height: 5, bpp, dib, palette, value: (x, y) => q(x, y, 13, 5) }), LIMIT);
      expect([px(img, 0, 0), px(img, 12, 0), px(img, 0, 4), px(img, 12, 4)], `${bpp}-bit, ${dib}-byte header`).toEqual([RED, GREEN, BLUE, YELLOW]);
    }
    const mono = await decodeBmp(writeBmp({ width: 11, height: 2, bpp: 1, palette: [[0, 0, 0], WHITE], value: (x, y) => (x + y) & 1 }), LIMIT);
    expect([px(mono, 0, 0), px(mono, 1, 0), px(mono, 10, 0), px(mono, 10, 1)]).toEqual([[0, 0, 0], WHITE, [0, 0, 0], WHITE]);
  });

  it('RLE8: runs, absolute runs, end of line, delta and end of bitmap; skipped pixels are transparent', async () => {
    const palette: Rgb[] = [[0, 0, 0], RED, GREEN, BLUE, YELLOW, [10, 20, 30], [200, 100, 50]];
    // Stored bottom-up: the first line is the bottom row.
    const rle = [
      0, 3, 1, 2, 3, 0, /* absolute 1 2 3, padded */ 3, 4, /* 4 4 4 */ 0, 0, // bottom: 1 2 3 4 4 4
      2, 5, 0, 0, // middle: 5 5, rest skipped
      0, 2, 3, 0, /* delta: 3 right */ 3, 6, 0, 1, // top: 3 skipped, then 6 6 6; end of bitmap
    ];
    const img = await decodeBmp(writeBmp({ width: 6, height: 3, bpp: 8, compression: 1, palette, rle }), LIMIT);
    expect(img.channels).toBe(4);
    const row = (y: number) => Array.from({ length: 6 }, (_, x) => px(img, x, y));
    const c = (i: number) => [...palette[i], 255];
    const none = [0, 0, 0, 0];
    expect(row(2)).toEqual([c(1), c(2), c(3), c(4), c(4), c(4)]);
    expect(row(1)).toEqual([c(5), c(5), none, none, none, none]);
    expect(row(0)).toEqual([none, none, none, c(6), c(6), c(6)]);
  });

  it('RLE4: nibble runs and an odd absolute run', async () => {
    const palette: Rgb[] = Array.from({ length: 8 }, (_, i) => [i * 30, 255 - i * 30, i * 10] as Rgb);
    const rle = [5, 0x12, 0, 0, /* bottom: 1 2 1 2 1 */ 0, 5, 0x34, 0x56, 0x70, 0, /* top: 3 4 5 6 7 */ 0, 1];
    const img = await decodeBmp(writeBmp({ width: 5, height: 2, bpp: 4, compression: 2, palette, rle }), LIMIT);
    const idx = (y: number) => Array.from({ length: 5 }, (_, x) => palette.findIndex((p) => p.every((v, i) => v === px(img, x, y)[i])));
    expect(idx(1)).toEqual([1, 2, 1, 2, 1]);
    expect(idx(0)).toEqual([3, 4, 5, 6, 7]);
  });

  it('refuses cut-off, malformed and bomb files with a plain reason', async () => {
    const full = writeBmp({ width: 40, height: 30, bpp: 24, value: (x, y) => quadrant(x, y, 40, 30) });
    const cut = await bmpError(full.subarray(0, 54 + 120 * 12 + 7));
    expect(cut.code).toBe('truncated');
    expect(cut.message).toBe('The BMP image is truncated: the file holds 12 of its 30 rows of pixels.');
    expect((await bmpError(full.subarray(0, 30))).code).toBe('truncated');

    const rle = writeBmp({ width: 6, height: 3, bpp: 8, compression: 1, palette: [RED], rle: [6, 0, 0, 0, 6, 0] });
    const rleCut = await bmpError(rle);
    expect(rleCut).toMatchObject({ code: 'truncated', message: 'The BMP image is truncated: its compressed data stops at row 2 of 3.' });

    const huge = writeBmp({ width: 1, height: 1, bpp: 24, value: () => RED });
    huge.writeInt32LE(100_000, 18);
    huge.writeInt32LE(100_000, 22);
    expect(await bmpError(huge)).toMatchObject({ code: 'too-large' });
    expect((await bmpError(huge)).message).toMatch(/declares 100000×100000 pixels/);
    // Within the pixel limit, but 36 GB of pixel data promised by a 58-byte file: cut off, found before allocating.
    const big = writeBmp({ width: 1, height: 1, bpp: 24, value: () => RED });
    big.writeInt32LE(10_000, 18);
    big.writeInt32LE(10_000, 22);
    expect((await bmpError(big)).code).toBe('truncated');
    // RLE says "end of bitmap" in 2 bytes for 100 MP: a bomb.
    const bomb = writeBmp({ width: 1, height: 1, bpp: 8, compression: 1, palette: [RED], rle: [0, 1] });
    bomb.writeInt32LE(10_000, 18);
    bomb.writeInt32LE(10_000, 22);
    expect(await bmpError(bomb)).toMatchObject({ code: 'too-large', message: expect.stringMatching(/decompression bomb/) });

    const jpeg = writeBmp({ width: 1, height: 1, bpp: 24, compression: 4, rle: [0xff, 0xd8] });
    expect(await bmpError(jpeg)).toMatchObject({ code: 'unsupported', message: 'JPEG-compressed BMP images are not supported.' });
    const badMask = writeBmp({ width: 1, height: 1, bpp: 16, compression: 3, masks: [0xf00f, 0x0ff0, 0x0000], value: () => 0 });
    expect((await bmpError(badMask)).code).toBe('corrupt');
    const zeroHeight = writeBmp({ width: 1, height: 1, bpp: 24, value: () => RED });
    zeroHeight.writeInt32LE(0, 22);
    expect(await bmpError(zeroHeight)).toMatchObject({ code: 'corrupt', message: 'The BMP file is damaged: it declares 1×0 pixels.' });
  });
});

describe('BMP through decodePhoto (prebuilt sharp has no BMP loader)', () => {
  const quadrants = (bpp: 24 | 32 | 8, topDown = false) => {
    const palette: Rgb[] = [RED, GREEN, BLUE, YELLOW];
    const value = (x: number, y: number): number | Rgb => {
      const c = quadrant(x, y, 64, 48);
      if (bpp === 24) return c;
      if (bpp === 32) return ((0xff << 24) | (c[0] << 16) | (c[1] << 8) | c[2]) >>> 0;
      return palette.indexOf(c);
    };
    return writeBmp({ width: 64, height: 48, bpp, topDown, value, palette: bpp === 8 ? palette : undefined });
  };

  for (const [name, file] of [
    ['24-bit bottom-up', quadrants(24)],
    ['32-bit top-down', quadrants(32, true)],
    ['8-bit palette', quadrants(8)],
  ] as const) {
    it(`${name}: upright, right colours, same tensor as the same picture as PNG`, async () => {
      const path = join(dir, `${name.replace(/\W+/g, '_')}.bmp`);
      writeFileSync(path, file);
      const r = await decodePhoto(path, SPEC, { thumbSize: 24 });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      const { meta, tensor, thumbnail, thumbWidth, thumbHeight } = r.value;
      expect(meta).toMatchObject({ format: 'bmp', width: 64, height: 48, orientation: 1, pages: 1, takenAt: null, camera: null, gps: null });
      expect([thumbWidth, thumbHeight]).toEqual([32, 24]);
      expect((await sharp(thumbnail).metadata()).format).toBe('webp');
      // 64×48 → 43×32 → 32×32 center crop: the quadrants stay where they were.
      expectClose(tensorColour(tensor, 6, 6), RED, 2);
      expectClose(tensorColour(tensor, 26, 6), GREEN, 2);
      expectClose(tensorColour(tensor, 6, 26), BLUE, 2);
      expectClose(tensorColour(tensor, 26, 26), YELLOW, 2);

      const rgb = Buffer.alloc(64 * 48 * 3);
      for (let y = 0; y < 48; y++) for (let x = 0; x < 64; x++) rgb.set(quadrant(x, y, 64, 48), (y * 64 + x) * 3);
      const png = await sharp(rgb, { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer();
      const ref = await decodePhoto(png, SPEC, { thumbSize: 0 });
      if (!ref.ok) throw new Error(JSON.stringify(ref.error));
      let maxDiff = 0;
      for (let i = 0; i < tensor.length; i++) maxDiff = Math.max(maxDiff, Math.abs(tensor[i] - ref.value.tensor[i]));
      expect(maxDiff).toBeLessThanOrEqual(1 / 255 + 1e-6);
    });
  }

  it('transparent pixels are flattened on white', async () => {
    const file = writeBmp({ width: 32, height: 32, bpp: 32, value: (x) => (x < 16 ? 0x00ff0000 : 0xff0000ff) });
    const r = await decodePhoto(file, SPEC, { thumbSize: 0 });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expectClose(tensorColour(r.value.tensor, 6, 16), WHITE, 1);
    expectClose(tensorColour(r.value.tensor, 26, 16), [0, 0, 255], 1);
  });

  it('a truncated BMP fails with a clear reason', async () => {
    const path = join(dir, 'cut.bmp');
    writeFileSync(path, quadrants(24).subarray(0, 54 + 64 * 3 * 20 + 100));
    const r = await decodePhoto(path, SPEC);
    expect(r).toEqual({ ok: false, error: { code: 'truncated', reason: 'The BMP image is truncated: the file holds 20 of its 48 rows of pixels.', details: { format: 'bmp' } } });
  });

  it('a 12 MP BMP decodes without holding up the event loop', async () => {
    // 4000×3000 24-bit, top half red, bottom half blue (rows written directly: 36 MB).
    const file = writeBmp({ width: 4000, height: 1, bpp: 24, value: () => RED });
    const row = file.subarray(54);
    const rows = Buffer.alloc(row.length * 3000);
    for (let r = 0; r < 3000; r++) {
      if (r < 1500) rows.fill(Buffer.from([BLUE[2], BLUE[1], BLUE[0]]), r * row.length, (r + 1) * row.length); // bottom-up
      else row.copy(rows, r * row.length);
    }
    const big = Buffer.concat([file.subarray(0, 54), rows]);
    big.writeInt32LE(3000, 22);
    const { value: r, blockedMs, gapMs, ms } = await longestStall(() => decodePhoto(big, SPEC, { thumbSize: 320 }));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    console.log(`BMP 12 MP 24-bit: ${ms.toFixed(0)} ms; longest main-thread stall ${blockedMs.toFixed(0)} ms (${gapMs.toFixed(0)} ms on the clock)`);
    expect(r.value.meta).toMatchObject({ width: 4000, height: 3000, format: 'bmp' });
    expectClose(tensorColour(r.value.tensor, 16, 4), RED, 2);
    expectClose(tensorColour(r.value.tensor, 16, 28), BLUE, 2);
    expect(blockedMs).toBeLessThan(100);
  });

  it('a bomb is refused from its header, also when the file is too big to be read whole', async () => {
    const head = writeBmp({ width: 1, height: 1, bpp: 24, value: () => RED });
    head.writeInt32LE(30_000, 18);
    head.writeInt32LE(30_000, 22);
    const r = await decodePhoto(head, SPEC);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'too-large', reason: expect.stringMatching(/^Refused: the BMP image declares 30000×30000 pixels/) });
    // 80 MB (sparse) is past the in-memory limit, so the header is read on its own before anything else.
    const path = join(dir, 'bomb.bmp');
    const fd = openSync(path, 'w');
    writeSync(fd, head, 0, head.length, 0);
    writeSync(fd, Buffer.from([0]), 0, 1, 80 << 20);
    closeSync(fd);
    const big = await decodePhoto(path, SPEC);
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.error.code).toBe('too-large');
  });
});
