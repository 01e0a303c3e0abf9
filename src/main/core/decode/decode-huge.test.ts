// Very large photos must be indexed through JPEG shrink-on-load with bounded memory, and images that only
// declare a huge size (decompression bombs) must be refused before any pixel is decoded.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto, preprocessSpecFromConfig } from './index';
import { SHARED_FIXTURES } from '../testing/fixtures';

const SPEC = preprocessSpecFromConfig({
  size: { shortest_edge: 224 }, resample: 3, do_center_crop: true, crop_size: 224,
  do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5],
});
const MB = 1024 * 1024;
// Resident memory that a full-size decode would need for its pixels alone (20000 × 14000 × 3 bytes ≈ 800 MB).
const FULL_DECODE_BYTES = 20000 * 14000 * 3;

const peakRss = () => process.resourceUsage().maxRSS * 1024;

describe('huge images', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soutu-huge-'));
  const jpeg = join(dir, 'panorama-20000x14000.jpg');

  beforeAll(() => {
    // Made in a child process so that building it does not count towards this process's peak memory.
    // A noise tile enlarged with nearest-neighbour gives blocky content that still costs real entropy decoding.
    const script = `
      import sharp from 'sharp';
      const seed = await sharp({ create: { width: 160, height: 112, channels: 3, background: '#4080c0',
        noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
      await sharp(seed).resize(20000, 14000, { kernel: 'nearest' })
        .jpeg({ quality: 75, optimiseCoding: false }).toFile(${JSON.stringify(jpeg)});`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: 'inherit' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes a 20000×14000 (280 MP) JPEG via shrink-on-load without holding it at full size', async () => {
    const before = peakRss();
    const t0 = performance.now();
    const r = await decodePhoto(jpeg, SPEC);
    const seconds = (performance.now() - t0) / 1000;
    const grew = peakRss() - before;
    console.log(JSON.stringify({
      file: 'jpeg 20000x14000', bytes: statSync(jpeg).size, seconds: Number(seconds.toFixed(2)),
      peakRssMB: Math.round(peakRss() / MB), peakRssGrowthMB: Math.round(grew / MB),
    }));
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.value.meta).toMatchObject({ width: 20000, height: 14000, format: 'jpeg' });
    expect([r.value.thumbWidth, r.value.thumbHeight]).toEqual([457, 320]);
    expect(r.value.tensor.length).toBe(3 * 224 * 224);
    expect(grew).toBeLessThan(FULL_DECODE_BYTES / 3);
  });

  it('refuses a PNG that declares 65536×65536 in half a megabyte, without allocating it', async () => {
    const before = peakRss();
    const r = await decodePhoto(join(SHARED_FIXTURES, 'bad/declared_65536x65536.png'), SPEC);
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'too-large',
        reason: 'Refused: the image declares 65536×65536 pixels (4.3 gigapixels), likely a decompression bomb.',
        details: { format: 'png', width: 65536, height: 65536, limit: 268_402_689 },
      },
    });
    expect(peakRss() - before).toBeLessThan(64 * MB);
  });

  it('refuses a progressive JPEG over the default limit (libjpeg would keep all its coefficients)', async () => {
    const progressive = join(dir, 'progressive-17000x16000.jpg');
    // Declared size only matters here: the refusal happens on the header.
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
      .jpeg({ progressive: true }).toFile(progressive);
    const bytes = readFileSync(progressive);
    for (let i = 2; i < bytes.length - 9; i += 2 + bytes.readUInt16BE(i + 2)) {
      if (bytes[i + 1] === 0xc2) {
        bytes.writeUInt16BE(16000, i + 5);
        bytes.writeUInt16BE(17000, i + 7);
        break;
      }
    }
    writeFileSync(progressive, bytes);
    const r = await decodePhoto(progressive, SPEC);
    expect(r).toMatchObject({ ok: false, error: { code: 'too-large' } });
  });
});
