import { describe, expect, it } from 'vitest';
import { boxesFromProbabilityMap, quadMean, textBlobs } from './db-postprocess';
import type { Point, Quad } from './ocr-engine';

/** A probability map with `value` inside each (possibly rotated) rectangle and 0.02 elsewhere. */
function map(width: number, height: number, rects: { cx: number; cy: number; w: number; h: number; angle?: number; value?: number }[]) {
  const prob = new Float32Array(width * height).fill(0.02);
  for (const r of rects) {
    const a = r.angle ?? 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const dx = x - r.cx, dy = y - r.cy;
        const u = dx * Math.cos(a) + dy * Math.sin(a), v = -dx * Math.sin(a) + dy * Math.cos(a);
        if (Math.abs(u) <= r.w / 2 && Math.abs(v) <= r.h / 2) prob[y * width + x] = r.value ?? 0.9;
      }
    }
  }
  return prob;
}

const centre = (q: Quad): Point => [q.reduce((s, p) => s + p[0], 0) / 4, q.reduce((s, p) => s + p[1], 0) / 4];
const side = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

describe('textBlobs', () => {
  it('joins pixels that touch only at a corner (8-connectivity) and keeps separate blobs apart', () => {
    const w = 6, h = 4;
    const prob = new Float32Array(w * h);
    // A diagonal pair and a separate pixel.
    prob[0 * w + 0] = 1;
    prob[1 * w + 1] = 1;
    prob[3 * w + 5] = 1;
    const blobs = textBlobs(prob, w, h, 0.3).sort((a, b) => b.pixels - a.pixels);
    expect(blobs.map((b) => b.pixels)).toEqual([2, 1]);
  });

  it('merges a U shape whose arms meet only in a later row', () => {
    const w = 5, h = 3;
    const rows = ['1...1', '1...1', '11111'];
    const prob = new Float32Array(rows.join('').split('').map((c) => (c === '1' ? 1 : 0)));
    const blobs = textBlobs(prob, w, h, 0.5);
    expect(blobs).toHaveLength(1);
    expect(blobs[0].pixels).toBe(9);
  });
});

describe('quadMean', () => {
  it('averages the pixels whose centres are inside the quad', () => {
    const w = 10, h = 10;
    const prob = new Float32Array(w * h);
    for (let y = 2; y <= 4; y++) for (let x = 3; x <= 6; x++) prob[y * w + x] = 1;
    expect(quadMean(prob, w, h, [[3, 2], [6, 2], [6, 4], [3, 4]])).toBeCloseTo(1, 9);
    // Twice as wide: half of the covered pixels are text.
    expect(quadMean(prob, w, h, [[3, 2], [9, 2], [9, 4], [3, 4]])).toBeCloseTo(12 / 21, 9);
  });
});

describe('boxesFromProbabilityMap', () => {
  it('finds one box per text blob, grows it by the unclip distance and scales it to the image', () => {
    const prob = map(200, 100, [{ cx: 60, cy: 30, w: 80, h: 10 }]);
    const boxes = boxesFromProbabilityMap(prob, 200, 100, 400, 200);
    expect(boxes).toHaveLength(1);
    const { box, score } = boxes[0];
    expect(score).toBeGreaterThan(0.85);
    // The blob spans pixel centres 20..100 × 25..35: 80 × 10 between centres; unclip 1.5 adds
    // 80·10·1.5 / (2·90) ≈ 6.67 on each side; then ×2 to the destination.
    const [cx, cy] = centre(box);
    expect(cx).toBeCloseTo(120, 0);
    expect(cy).toBeCloseTo(60, 0);
    expect(side(box[0], box[1])).toBeCloseTo((80 + 2 * 6.667) * 2, 0);
    expect(side(box[0], box[3])).toBeCloseTo((10 + 2 * 6.667) * 2, 0);
    // Clockwise from the top-left.
    expect(box[0][0]).toBeLessThan(box[1][0]);
    expect(box[0][1]).toBeLessThan(box[3][1]);
  });

  it('follows a tilted line', () => {
    const a = (15 * Math.PI) / 180;
    const boxes = boxesFromProbabilityMap(map(300, 200, [{ cx: 150, cy: 100, w: 160, h: 16, angle: a }]), 300, 200, 300, 200);
    expect(boxes).toHaveLength(1);
    const [tl, tr] = boxes[0].box;
    expect(Math.atan2(tr[1] - tl[1], tr[0] - tl[0])).toBeCloseTo(a, 1);
  });

  it('drops blobs below the box threshold and blobs too thin to be text', () => {
    const prob = map(200, 100, [
      { cx: 50, cy: 20, w: 60, h: 10, value: 0.45 }, // above the pixel threshold, below the box threshold
      { cx: 150, cy: 20, w: 60, h: 1 }, // one pixel high
      { cx: 100, cy: 70, w: 60, h: 12 },
    ]);
    const boxes = boxesFromProbabilityMap(prob, 200, 100, 200, 100);
    expect(boxes).toHaveLength(1);
    expect(centre(boxes[0].box)[1]).toBeCloseTo(70, 0);
  });

  it('clips boxes to the image', () => {
    const boxes = boxesFromProbabilityMap(map(100, 40, [{ cx: 50, cy: 2, w: 90, h: 6 }]), 100, 40, 100, 40);
    expect(boxes).toHaveLength(1);
    for (const [x, y] of boxes[0].box) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(100);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(40);
    }
  });

  it('finds nothing in an empty map', () => {
    expect(boxesFromProbabilityMap(new Float32Array(64 * 64), 64, 64, 64, 64)).toEqual([]);
  });
});
