import { describe, expect, it } from 'vitest';
import { gridDistance, gridSignature } from './frame-sampler.js';

function solid(w: number, h: number, rgb: [number, number, number]): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) b.set(rgb, i * 3);
  return b;
}

describe('grid signature', () => {
  it('is 0 apart for the same picture at another size and 1 apart for black against white', () => {
    const a = gridSignature(solid(64, 36, [200, 30, 30]), 64, 36);
    const b = gridSignature(solid(569, 320, [200, 30, 30]), 569, 320);
    expect(gridDistance(a, b)).toBe(0);
    expect(gridDistance(gridSignature(solid(16, 16, [0, 0, 0]), 16, 16), gridSignature(solid(16, 16, [255, 255, 255]), 16, 16))).toBe(1);
  });

  it('sees where in the picture a change is, not only that the colours changed', () => {
    const w = 64;
    const h = 64;
    const left = solid(w, h, [0, 0, 0]);
    const right = solid(w, h, [0, 0, 0]);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w / 2; x++) {
        left.set([255, 255, 255], (y * w + x) * 3);
        right.set([255, 255, 255], (y * w + x + w / 2) * 3);
      }
    // Same histogram, mirrored layout: a different picture.
    expect(gridDistance(gridSignature(left, w, h), gridSignature(right, w, h))).toBeCloseTo(1, 5);
  });
});
