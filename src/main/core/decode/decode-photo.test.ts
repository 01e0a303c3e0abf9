import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePhoto, preprocessSpecFromConfig, sniffImageFormat, type DecodeErrorCode, type DecodeResult } from './index';
import { SHARED_FIXTURES } from '../testing/fixtures';
import { failureMessage } from '../../../shared/failure-messages';
import { CLIP_PREPROCESSOR_CONFIG } from '../testing/test-models';

const FIXTURES = SHARED_FIXTURES;
const SPEC = preprocessSpecFromConfig(CLIP_PREPROCESSOR_CONFIG);
const CODES: DecodeErrorCode[] = ['unreadable', 'empty', 'not-image', 'unsupported', 'truncated', 'corrupt', 'too-large'];

interface Row { path: string; source: string; what: string; expected: string }

function readManifest(): Row[] {
  const [header, ...lines] = readFileSync(join(FIXTURES, 'MANIFEST.tsv'), 'utf8').split('\n').filter((l) => l.trim());
  const cols = header.split('\t');
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`MANIFEST.tsv has no ${name} column`);
    return i;
  };
  const [p, s, w, e] = [at('path'), at('source'), at('what'), at('expected')];
  return lines.map((l) => l.split('\t')).map((f) => ({ path: f[p], source: f[s], what: f[w], expected: f[e] }));
}

/** What a manifest row asks for: decode, be skipped, or either (a format only some builds read). */
function expectation(row: Row): 'decode' | 'skip' | 'either' {
  if (row.path.startsWith('photos/') || /^should decode/i.test(row.expected)) return 'decode';
  if (/should be skipped/i.test(row.expected)) return /or decode/i.test(row.expected) ? 'either' : 'skip';
  throw new Error(`cannot read the expectation of ${row.path}: ${row.expected}`);
}

/** Displayed size implied by the manifest: "displays WxH", else sharp's observed stored size turned by orientation≥5. */
function expectedDisplay(row: Row): { width: number; height: number } | null {
  const shown = /displays (\d+)x(\d+)/.exec(row.what);
  if (shown) return { width: Number(shown[1]), height: Number(shown[2]) };
  const stored = /metadata: \w+ (\d+)x(\d+)/.exec(row.what);
  if (!stored) return null;
  const orientation = Number(/orientation=(\d)/.exec(row.what)?.[1] ?? 1);
  const [w, h] = [Number(stored[1]), Number(stored[2])];
  return orientation >= 5 ? { width: h, height: w } : { width: w, height: h };
}

async function checkDecoded(row: Row, r: DecodeResult): Promise<void> {
  if (!r.ok) throw new Error(`${row.path} should decode but failed: ${JSON.stringify(r.error)}`);
  const { tensor, thumbnail, thumbWidth, thumbHeight, meta } = r.value;

  expect(tensor).toBeInstanceOf(Float32Array);
  expect(tensor.length).toBe(3 * SPEC.size.width * SPEC.size.height);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < tensor.length; i++) {
    const v = tensor[i];
    if (!Number.isFinite(v)) throw new Error(`${row.path}: non-finite tensor value at ${i}`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // Normalised 0..255 with CLIP's mean/std stays within about [-1.8, 2.2].
  expect(min).toBeGreaterThanOrEqual(-1.8);
  expect(max).toBeLessThanOrEqual(2.2);

  const t = await sharp(thumbnail).metadata();
  expect(t.format).toBe('webp');
  expect([t.width, t.height]).toEqual([thumbWidth, thumbHeight]);
  const shortest = Math.min(thumbWidth, thumbHeight);
  expect(shortest).toBe(Math.min(320, meta.width, meta.height));
  // Thumbnail keeps the photo's aspect ratio (to a pixel of rounding).
  expect(Math.abs(thumbWidth / thumbHeight - meta.width / meta.height)).toBeLessThan(2 / shortest + 1e-9);

  expect(meta.width).toBeGreaterThan(0);
  expect(meta.height).toBeGreaterThan(0);
  expect(['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff', 'heif']).toContain(meta.format);
  expect(meta.orientation).toBeGreaterThanOrEqual(1);
  expect(meta.orientation).toBeLessThanOrEqual(8);
  expect(meta.pages).toBeGreaterThanOrEqual(1);
  if (meta.takenAt !== null) expect(Number.isFinite(meta.takenAt)).toBe(true);

  // The format comes from the content, not from the file name.
  const sniffed = sniffImageFormat(readFileSync(join(FIXTURES, row.path)).subarray(0, 64));
  if (sniffed) expect(meta.format).toBe(sniffed);

  const display = expectedDisplay(row);
  if (display) expect({ width: meta.width, height: meta.height }).toEqual(display);
  // EXIF orientation fixtures name the intended shape in their source file name.
  if (/EXIF orientation/.test(row.what)) {
    const shape = /landscape|portrait/i.exec(`${row.what} ${row.source}`)?.[0].toLowerCase();
    expect(shape, 'orientation fixture states its shape').toBeDefined();
    expect(shape === 'landscape' ? meta.width > meta.height : meta.height > meta.width).toBe(true);
  }
  // Animated / multi-page files report their page count.
  const pages = /pages=(\d+)/.exec(row.what);
  if (pages) expect(meta.pages).toBe(Number(pages[1]));
}

function checkSkipped(row: Row, r: DecodeResult): void {
  if (r.ok) throw new Error(`${row.path} should be skipped but decoded as ${JSON.stringify(r.value.meta)}`);
  expect(CODES).toContain(r.error.code);
  // One plain sentence: a capital, an ending, no library jargon.
  expect(r.error.reason).toMatch(/^[A-Z].{10,200}\.$/);
  expect(r.error.reason).not.toMatch(/vips|libpng|buffer|Vips/);
}

describe('decodePhoto on every fixture in MANIFEST.tsv', () => {
  const rows = readManifest();
  const tally = new Map<string, number>();
  const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

  afterAll(() => {
    console.log('manifest outcomes:', JSON.stringify(Object.fromEntries([...tally].sort())));
  });

  it('has a manifest with rows for every class', () => {
    expect(rows.length).toBeGreaterThan(50);
    for (const dir of ['photos/', 'odd/', 'bad/']) expect(rows.some((r) => r.path.startsWith(dir))).toBe(true);
  });

  it.each(rows.map((r) => [r.path, r] as const))('%s', async (_path, row) => {
    const r = await decodePhoto(join(FIXTURES, row.path), SPEC);
    const dir = row.path.split('/')[0];
    count(`${dir} ${r.ok ? 'decoded' : `skipped:${r.error.code}`}`);
    const want = expectation(row);
    if (want === 'decode') await checkDecoded(row, r);
    else if (want === 'skip') checkSkipped(row, r);
    else if (r.ok) await checkDecoded(row, r);
    else checkSkipped(row, r);
  });
});

describe('decodePhoto specifics', () => {
  const fixture = (p: string) => join(FIXTURES, p);

  it('reads GPS, camera and date from EXIF', async () => {
    const gps = await decodePhoto(fixture('photos/park_tree_bench_gps.jpg'), SPEC);
    if (!gps.ok) throw new Error(gps.error.reason);
    expect(gps.value.meta.gps?.lat).toBeCloseTo(43.467082, 5);
    expect(gps.value.meta.gps?.lon).toBeCloseTo(11.884538, 5);
    expect(gps.value.meta.camera).toBe('NIKON COOLPIX P6000');
    expect(gps.value.meta.takenAt).toBe(new Date(2008, 9, 22, 16, 38, 20).getTime());

    const cam = await decodePhoto(fixture('photos/okonomiyaki_griddle.jpg'), SPEC);
    if (!cam.ok) throw new Error(cam.error.reason);
    expect(cam.value.meta.camera).toBe('FUJIFILM DX-10');
    expect(cam.value.meta.takenAt).toBe(new Date(2001, 3, 12, 20, 33, 14).getTime());
    expect(cam.value.meta.gps).toBeNull();
  });

  it('reads EXIF of HEIC (via the libheif fallback) including the offset-aware date', async () => {
    const r = await decodePhoto(fixture('odd/heic_iphone_flower.HEIC'), SPEC);
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.value.meta).toMatchObject({ format: 'heif', width: 2566, height: 3313, camera: 'Apple iPhone 11 Pro Max' });
    expect(r.value.meta.takenAt).toBe(Date.UTC(2021, 3, 11, 20, 47, 53));
    expect(r.value.meta.gps?.lat).toBeCloseTo(39.0513, 3);
  });

  it('applies EXIF orientation: a rotated photo matches its upright twin', async () => {
    // Landscape_6 (stored sideways, orientation 6) and Landscape_0 (stored upright, invalid orientation 0)
    // are the same picture apart from the digit drawn in the middle.
    const [six, zero] = await Promise.all([
      decodePhoto(fixture('odd/exif_orientation_6.jpg'), SPEC),
      decodePhoto(fixture('odd/exif_orientation_0_invalid.jpg'), SPEC),
    ]);
    if (!six.ok || !zero.ok) throw new Error('orientation fixtures must decode');
    expect(zero.value.meta.orientation).toBe(1);
    expect(six.value.meta.orientation).toBe(6);
    expect(cosine(six.value.tensor, zero.value.tensor)).toBeGreaterThan(0.99);
    // A wrong rotation would not: compare against the upright twin turned 180° in tensor space.
    expect(cosine(six.value.tensor, rotate180(zero.value.tensor, 224))).toBeLessThan(0.9);
  });

  it('gives the same result for a path and a buffer', async () => {
    const path = fixture('photos/china_pagoda.jpg');
    const [a, b] = await Promise.all([decodePhoto(path, SPEC), decodePhoto(readFileSync(path), SPEC)]);
    if (!a.ok || !b.ok) throw new Error('must decode');
    expect(Buffer.from(b.value.tensor.buffer).equals(Buffer.from(a.value.tensor.buffer))).toBe(true);
    expect(b.value.meta).toEqual(a.value.meta);
  });

  it('honours thumbSize and wantTensor', async () => {
    const r = await decodePhoto(fixture('photos/sunset_hilltop.jpg'), SPEC, { thumbSize: 128, wantTensor: false });
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.value.tensor.length).toBe(0);
    expect(Math.min(r.value.thumbWidth, r.value.thumbHeight)).toBe(128);
    // A thumbnail smaller than the tensor still leaves the tensor its full detail.
    const both = await decodePhoto(fixture('photos/sunset_hilltop.jpg'), SPEC, { thumbSize: 64 });
    const ref = await decodePhoto(fixture('photos/sunset_hilltop.jpg'), SPEC);
    if (!both.ok || !ref.ok) throw new Error('must decode');
    expect(Math.min(both.value.thumbWidth, both.value.thumbHeight)).toBe(64);
    expect(cosine(both.value.tensor, ref.value.tensor)).toBeGreaterThan(0.999);
    // No thumbnail at all (a query image): practically the same tensor.
    const none = await decodePhoto(fixture('photos/sunset_hilltop.jpg'), SPEC, { thumbSize: 0 });
    if (!none.ok) throw new Error(none.error.reason);
    expect([none.value.thumbnail.length, none.value.thumbWidth, none.value.thumbHeight]).toEqual([0, 0, 0]);
    expect(cosine(none.value.tensor, ref.value.tensor)).toBeGreaterThan(0.999);
  });

  it('flattens transparency onto white', async () => {
    const png = await sharp({ create: { width: 300, height: 300, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const r = await decodePhoto(png, SPEC);
    if (!r.ok) throw new Error(r.error.reason);
    const white = (1 - SPEC.mean[0]) / SPEC.std[0];
    expect(r.value.tensor[0]).toBeCloseTo(white, 4);
  });

  it('handles extreme strips without huge buffers', async () => {
    // 60000×2 pixels: resizing the whole strip to a 224 short edge would need ~20 GB.
    const strip = await sharp({ create: { width: 60000, height: 2, channels: 3, background: '#30a0f0' } }).png().toBuffer();
    const before = process.memoryUsage().rss;
    const r = await decodePhoto(strip, SPEC);
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.value.meta).toMatchObject({ width: 60000, height: 2 });
    expect(Math.max(r.value.thumbWidth, r.value.thumbHeight)).toBeLessThanOrEqual(8 * 320);
    expect(r.value.tensor.length).toBe(3 * 224 * 224);
    const blue = (0xf0 * SPEC.rescale - SPEC.mean[2]) / SPEC.std[2];
    expect(r.value.tensor[2 * 224 * 224 + 112 * 224 + 112]).toBeCloseTo(blue, 2);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);

    const tall = await sharp({ create: { width: 300, height: 9000, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const t = await decodePhoto(tall, SPEC);
    if (!t.ok) throw new Error(t.error.reason);
    expect([t.value.thumbWidth, t.value.thumbHeight]).toEqual([85, 8 * 320]); // 300×9000 scaled to a 2560 long edge
  });

  describe('classes of bad input, made on the fly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soutu-decode-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('missing files are unreadable; folders, FIFOs and devices are not files (and a FIFO is never waited on)', async () => {
      const missing = await decodePhoto(join(dir, 'nope.jpg'), SPEC);
      expect(missing).toMatchObject({ ok: false, error: { code: 'unreadable', reason: 'The file no longer exists.', details: { errno: 'ENOENT' } } });
      const folder = await decodePhoto(dir, SPEC);
      expect(folder).toEqual({ ok: false, error: { code: 'not-a-file', reason: 'This is a folder, not a photo file.', details: { fileKind: 'directory' } } });
      if (process.platform === 'win32') return;
      const fifo = join(dir, 'pipe.jpg');
      execFileSync('mkfifo', [fifo]);
      const pipe = await decodePhoto(fifo, SPEC);
      expect(pipe).toEqual({ ok: false, error: { code: 'not-a-file', reason: 'This is a named pipe, not a photo file.', details: { fileKind: 'fifo' } } });
      if (!pipe.ok) {
        expect(failureMessage(pipe.error.code, pipe.error.details, 'zh-CN')).toBe('已跳过：它是命名管道，不是照片文件，因此没有打开。');
        expect(failureMessage(pipe.error.code, pipe.error.details, 'en')).toBe('Skipped: it is a named pipe, not a photo file, so it was not opened.');
      }
      expect(await decodePhoto('/dev/zero', SPEC)).toEqual({ ok: false, error: { code: 'not-a-file', reason: 'This is a device, not a photo file.', details: { fileKind: 'device' } } });
    });

    it('empty buffers and files are empty', async () => {
      writeFileSync(join(dir, 'empty.png'), '');
      for (const input of [Buffer.alloc(0), join(dir, 'empty.png')]) {
        expect(await decodePhoto(input, SPEC)).toEqual({ ok: false, error: { code: 'empty', reason: 'The file is empty (0 bytes).' } });
      }
    });

    it('text and unknown binary are not images', async () => {
      const text = await decodePhoto(Buffer.from('<html><body>not a photo</body></html>\n'), SPEC);
      expect(text).toMatchObject({ ok: false, error: { code: 'not-image', reason: 'Not an image: the file contains text.' } });
      const zip = await decodePhoto(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(200, 1)]), SPEC);
      expect(zip).toMatchObject({ ok: false, error: { code: 'not-image' } });
    });

    it('any JPEG or PNG cut short is truncated, and says which format it is', async () => {
      for (const [name, format] of [['photos/horses_field.jpg', 'jpeg'], ['photos/kodak23_parrots.png', 'png']]) {
        const whole = readFileSync(fixture(name));
        const r = await decodePhoto(whole.subarray(0, Math.floor(whole.length * 0.6)), SPEC);
        expect(r, name).toMatchObject({ ok: false, error: { code: 'truncated', details: { format } } });
      }
    });

    it('the broken fixtures carry the format their bytes name, and the sentence says it in both languages', async () => {
      const cut = await decodePhoto(fixture('bad/truncated_10000_bytes.png'), SPEC);
      expect(cut).toMatchObject({ ok: false, error: { code: 'truncated', details: { format: 'png' } } });
      const broken = await decodePhoto(fixture('bad/png_broken_data_stream.png'), SPEC);
      expect(broken).toMatchObject({ ok: false, error: { code: 'corrupt', details: { format: 'png' } } });
      if (broken.ok || cut.ok) return;
      expect(failureMessage(broken.error.code, broken.error.details, 'zh-CN')).toBe('它的 PNG 数据有误，无法解码。可以换个程序打开试试，或换成完好的副本。');
      expect(failureMessage(broken.error.code, broken.error.details, 'en')).toMatch(/^Its PNG data is damaged/);
      expect(failureMessage(cut.error.code, cut.error.details, 'zh-CN')).toMatch(/^这个 PNG 文件的图片数据还没结束/);
      const header = await decodePhoto(fixture('bad/corrupt_header.jpg'), SPEC);
      expect(header).toMatchObject({ ok: false, error: { code: 'corrupt', details: { format: 'jpeg' } } });
      // Text has no format to name.
      const text = await decodePhoto(fixture('bad/text_file_named.jpg'), SPEC);
      expect(text.ok ? null : text.error.details).toBeUndefined();
    });

    it('declared sizes beyond the limits are refused before decoding', async () => {
      // A real 64×64 PNG whose IHDR is rewritten to claim 20000×15000 (300 MP), with a valid CRC.
      const png = Buffer.from(await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).png().toBuffer());
      png.writeUInt32BE(20000, 16);
      png.writeUInt32BE(15000, 20);
      png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
      const r = await decodePhoto(png, SPEC);
      expect(r).toMatchObject({ ok: false, error: { code: 'too-large' } });
      if (!r.ok) expect(r.error.reason).toBe('Refused: the image declares 20000×15000 pixels (300 megapixels), more than the 268 megapixels allowed for PNG images.');

      // A JPEG whose frame header claims 60000×60000 (3.6 gigapixels).
      const jpeg = Buffer.from(readFileSync(fixture('photos/cake_with_fruit.jpg')));
      const sof = findSof(jpeg);
      jpeg.writeUInt16BE(60000, sof + 5);
      jpeg.writeUInt16BE(60000, sof + 7);
      const j = await decodePhoto(jpeg, SPEC);
      expect(j).toMatchObject({ ok: false, error: { code: 'too-large' } });
      if (!j.ok) expect(j.error.reason).toMatch(/60000×60000 pixels \(3\.6 gigapixels\), likely a decompression bomb/);
      // The declared size and the limit travel with the code, and each language's sentence names them.
      expect(j.ok ? null : j.error.details).toEqual({ format: 'jpeg', width: 60000, height: 60000, limit: 2 ** 30 });
      if (!j.ok) {
        expect(failureMessage(j.error.code, j.error.details, 'en')).toBe('Refused: the image declares 60,000×60,000 pixels (3.6 gigapixels), more than the 1.1 gigapixels allowed.');
        expect(failureMessage(j.error.code, j.error.details, 'zh-CN')).toBe('已拒绝：图片声明的尺寸为 60,000×60,000 像素（36 亿像素），超过允许的 10.7 亿像素。');
      }
    });
  });
});

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

function rotate180(chw: Float32Array, size: number): Float32Array {
  const out = new Float32Array(chw.length);
  const n = size * size;
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[c * n + i] = chw[c * n + (n - 1 - i)];
  return out;
}

function findSof(jpeg: Buffer): number {
  for (let i = 2; i < jpeg.length - 9; ) {
    if (jpeg[i] !== 0xff) throw new Error('lost JPEG marker sync');
    const marker = jpeg[i + 1];
    if (marker >= 0xc0 && marker <= 0xc2) return i;
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error('no SOF marker');
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
