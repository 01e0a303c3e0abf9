import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SHARED_FIXTURES } from '../testing/fixtures';
import { differenceHash, hammingHex } from './dhash';

async function rgb(input: Buffer | string, width?: number): Promise<{ data: Buffer; width: number; height: number }> {
  let p = sharp(input).removeAlpha().toColourspace('srgb');
  if (width) p = p.resize({ width });
  const { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const photo = (name: string) => path.join(SHARED_FIXTURES, 'photos', name);

describe('differenceHash', () => {
  it('marks each left cell brighter than its right neighbour', () => {
    // 18×8, 2 px a cell: pixels 0-9 (cells 0-4) white, the rest black. The only bright→dark step is between cells
    // 4 and 5, which is bit 4 of 0..7 counted from the most significant: 0x08 in every row.
    const w = 18;
    const h = 8;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < 10; x++) data.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    expect(differenceHash(data, w, h)).toBe('08'.repeat(8));
  });

  it('reads RGBA with the alpha byte skipped', () => {
    const rgbPx = new Uint8Array(12 * 9 * 3).map((_, i) => (i * 37) % 251);
    const rgba = new Uint8Array(12 * 9 * 4);
    for (let i = 0; i < 12 * 9; i++) rgba.set([rgbPx[i * 3], rgbPx[i * 3 + 1], rgbPx[i * 3 + 2], 7], i * 4);
    expect(differenceHash(rgba, 12, 9, 4)).toBe(differenceHash(rgbPx, 12, 9));
  });

  it('handles pictures smaller than the grid', () => {
    expect(differenceHash(new Uint8Array([255, 255, 255, 0, 0, 0]), 2, 1)).toMatch(/^[0-9a-f]{16}$/);
    expect(() => differenceHash(new Uint8Array(3), 2, 2)).toThrow(/smaller/);
  });

  it('survives resizing and JPEG re-compression, and tells different photos apart', async () => {
    const names = ['china_pagoda.jpg', 'flower_dahlia.jpg', 'dog_bicycle.jpg', 'horses_field.jpg', 'beach_kites.jpg', 'coffee_cup.png'];
    const hashes: string[] = [];
    for (const n of names) {
      const a = await rgb(photo(n), 430);
      const copy = await sharp(photo(n)).resize({ width: 300 }).jpeg({ quality: 60 }).toBuffer();
      const b = await rgb(copy, 280);
      const ha = differenceHash(a.data, a.width, a.height);
      const hb = differenceHash(b.data, b.width, b.height);
      expect(hammingHex(ha, hb), n).toBeLessThanOrEqual(6);
      hashes.push(ha);
    }
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) expect(hammingHex(hashes[i], hashes[j]), `${names[i]} vs ${names[j]}`).toBeGreaterThan(12);
    }
  });
});

describe('hammingHex', () => {
  it('counts differing bits', () => {
    expect(hammingHex('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingHex('0123456789abcdef', '0123456789abcdef')).toBe(0);
    expect(hammingHex('0000000000000001', '0000000000000003')).toBe(1);
  });
});
