import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SHARED_FIXTURES } from '../testing/fixtures';
import { decodeForOcr } from './decode-for-ocr';
import { OCR_FIXTURES } from './testing/ocr-test-set';

describe('decodeForOcr', () => {
  it('applies the EXIF orientation (stored 1200×1800 sideways, shown 1800×1200)', async () => {
    const r = await decodeForOcr(path.join(OCR_FIXTURES, 'rotated_exif8_landscape.jpg'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([r.value.width, r.value.height]).toEqual([1800, 1200]);
    expect(r.value.data.length).toBe(1800 * 1200 * 3);
  });

  it('caps the longest side and never enlarges', async () => {
    const big = await decodeForOcr(path.join(OCR_FIXTURES, 'en_pub_storefront.jpg'), 1000);
    expect(big.ok && [big.value.width, big.value.height]).toEqual([1000, 665]);
    const small = await decodeForOcr(path.join(OCR_FIXTURES, 'mixed_hello_world_line.jpg'), 1000);
    expect(small.ok && [small.value.width, small.value.height]).toEqual([256, 32]);
  });

  it('gives three channels for grey and alpha images', async () => {
    const grey = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#808080' } }).greyscale().png().toBuffer();
    const g = await decodeForOcr(grey);
    expect(g.ok && g.value.data.length).toBe(8 * 4 * 3);
    const rgba = await sharp({ create: { width: 8, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const a = await decodeForOcr(rgba);
    // Transparent pixels become white.
    expect(a.ok && Array.from(a.value.data.slice(0, 3))).toEqual([255, 255, 255]);
  });

  it('turns unreadable input into a typed failure', async () => {
    const empty = await decodeForOcr(path.join(SHARED_FIXTURES, 'bad', 'zero_bytes.jpg'));
    expect(!empty.ok && empty.error.code).toBe('bad-input');
    const missing = await decodeForOcr('/nonexistent/photo.jpg');
    expect(!missing.ok && missing.error.reason).toBe('The file does not exist.');
    const bomb = await decodeForOcr(path.join(SHARED_FIXTURES, 'bad', 'declared_65536x65536.png'));
    expect(!bomb.ok && bomb.error.code).toBe('bad-input');
  });
});
