import { describe, expect, it } from 'vitest';
import { boxShrink, perspectiveCrop, resizeIntoTensor, rotate180, rotate90ccw } from './image-ops';
import type { RgbImage } from './ocr-engine';

/** An image whose pixel (x, y) is (x, y, x + y) — every position recognisable. */
function ramp(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = x;
      data[o + 1] = y;
      data[o + 2] = (x + y) & 255;
    }
  }
  return { data, width, height };
}

const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('perspectiveCrop', () => {
  it('cuts an axis-aligned box out exactly', () => {
    const img = ramp(50, 40);
    const crop = perspectiveCrop(img, [[10, 5], [30, 5], [30, 15], [10, 15]])!;
    expect(crop.width).toBe(20);
    expect(crop.height).toBe(10);
    for (const [x, y] of [[0, 0], [19, 0], [0, 9], [7, 4]]) expect(px(crop, x, y)).toEqual(px(img, 10 + x, 5 + y));
  });

  it('straightens a rotated box: walking along the crop walks along the tilted line', () => {
    const img = ramp(120, 120);
    const a = Math.PI / 6;
    const c = Math.cos(a), s = Math.sin(a);
    // A 60×20 box starting at (20,20), tilted by 30°.
    const quad: [number, number][] = [[20, 20], [20 + 60 * c, 20 + 60 * s], [20 + 60 * c - 20 * s, 20 + 60 * s + 20 * c], [20 - 20 * s, 20 + 20 * c]];
    const crop = perspectiveCrop(img, quad as never)!;
    expect(crop.width).toBe(60);
    expect(crop.height).toBe(20);
    // Crop pixel (x, 0) sits at (20 + x·cos, 20 + x·sin) of the source, whose red channel is its x.
    for (const x of [0, 10, 30, 50]) {
      const [r, g] = px(crop, x, 0);
      expect(r).toBeCloseTo(20 + x * c, -0.5);
      expect(g).toBeCloseTo(20 + x * s, -0.5);
    }
  });

  it('repeats the edge for parts of a box outside the image, and refuses degenerate boxes', () => {
    const img = ramp(20, 20);
    const crop = perspectiveCrop(img, [[-5, 0], [10, 0], [10, 5], [-5, 5]])!;
    expect(px(crop, 0, 0)).toEqual(px(img, 0, 0));
    expect(perspectiveCrop(img, [[3, 3], [3, 3], [3, 3], [3, 3]])).toBeNull();
  });
});

describe('rotations', () => {
  const img: RgbImage = { data: new Uint8Array([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6]), width: 3, height: 2 };
  // [[1,2,3],[4,5,6]]

  it('turns a quarter counter-clockwise like numpy.rot90', () => {
    const r = rotate90ccw(img);
    expect([r.width, r.height]).toEqual([2, 3]);
    // numpy.rot90([[1,2,3],[4,5,6]]) = [[3,6],[2,5],[1,4]]
    expect(Array.from(r.data).filter((_, i) => i % 3 === 0)).toEqual([3, 6, 2, 5, 1, 4]);
  });

  it('turns half way', () => {
    const r = rotate180(img);
    expect(Array.from(r.data).filter((_, i) => i % 3 === 0)).toEqual([6, 5, 4, 3, 2, 1]);
  });
});

describe('resizeIntoTensor', () => {
  it('writes BGR planes scaled to [-1, 1] and leaves the padding at zero', () => {
    const img: RgbImage = { data: new Uint8Array([255, 0, 51, 255, 0, 51]), width: 2, height: 1 };
    const rowWidth = 4, h = 1;
    const t = new Float32Array(3 * h * rowWidth);
    resizeIntoTensor(img, 2, 1, t, 0, rowWidth);
    // Plane 0 is blue (51 → −0.6), plane 1 green (0 → −1), plane 2 red (255 → 1); columns 2–3 are padding.
    expect(Array.from(t.subarray(0, 4)).map((v) => +v.toFixed(3))).toEqual([-0.6, -0.6, 0, 0]);
    expect(Array.from(t.subarray(4, 8))).toEqual([-1, -1, 0, 0]);
    expect(Array.from(t.subarray(8, 12))).toEqual([1, 1, 0, 0]);
  });

  it('keeps a thin stroke when shrinking a lot (block average before sampling)', () => {
    // 64 px tall white image with a 2-px black line, shrunk to 8 px: point sampling could miss the line.
    const w = 8, h = 64;
    const data = new Uint8Array(w * h * 3).fill(255);
    for (let x = 0; x < w; x++) for (const y of [29, 30]) data.fill(0, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const t = new Float32Array(3 * 8 * 1);
    resizeIntoTensor({ data, width: w, height: h }, 1, 8, t, 0, 1);
    expect(Math.min(...Array.from(t.subarray(0, 8)))).toBeLessThan(0.6);
  });
});

describe('boxShrink', () => {
  it('averages blocks', () => {
    const data = new Uint8Array([0, 0, 0, 100, 100, 100, 200, 200, 200, 40, 40, 40]);
    const r = boxShrink({ data, width: 2, height: 2 }, 2);
    expect([r.width, r.height]).toEqual([1, 1]);
    expect(Array.from(r.data)).toEqual([85, 85, 85]);
  });
});
