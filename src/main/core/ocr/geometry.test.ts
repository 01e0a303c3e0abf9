import { describe, expect, it } from 'vitest';
import {
  applyHomography, convexHull, homography, minAreaRect, orderQuad, polygonArea, polygonPerimeter, quadSize, rectCorners,
  unclipDistance, unclipRect,
} from './geometry';
import type { Point } from './ocr-engine';

const rotate = (p: Point, a: number, c: Point = [0, 0]): Point => [
  c[0] + (p[0] - c[0]) * Math.cos(a) - (p[1] - c[1]) * Math.sin(a),
  c[1] + (p[0] - c[0]) * Math.sin(a) + (p[1] - c[1]) * Math.cos(a),
];

/** Area of the tightest box at every 0.1° — the slow answer minAreaRect must match. */
function bruteMinArea(pts: Point[]): number {
  let best = Infinity;
  for (let d = 0; d < 1800; d++) {
    const a = (d / 10) * (Math.PI / 180);
    const us = pts.map((p) => p[0] * Math.cos(a) + p[1] * Math.sin(a));
    const vs = pts.map((p) => -p[0] * Math.sin(a) + p[1] * Math.cos(a));
    best = Math.min(best, (Math.max(...us) - Math.min(...us)) * (Math.max(...vs) - Math.min(...vs)));
  }
  return best;
}

describe('convexHull', () => {
  it('keeps the corners and drops inner and collinear points', () => {
    const pts: Point[] = [[0, 0], [2, 0], [4, 0], [4, 3], [0, 3], [1, 1], [2, 2], [0, 1]];
    const hull = convexHull(pts);
    expect(hull).toHaveLength(4);
    expect(new Set(hull.map((p) => p.join(',')))).toEqual(new Set(['0,0', '4,0', '4,3', '0,3']));
  });

  it('reduces points on one line to the two ends', () => {
    expect(convexHull([[0, 0], [1, 1], [3, 3], [2, 2]])).toEqual([[0, 0], [3, 3]]);
    expect(convexHull([[5, 5], [5, 5]])).toEqual([[5, 5]]);
  });
});

describe('minAreaRect', () => {
  it('finds an axis-aligned rectangle exactly', () => {
    const r = minAreaRect([[10, 20], [50, 20], [50, 30], [10, 30], [30, 25]]);
    expect(Math.max(r.width, r.height)).toBeCloseTo(40, 6);
    expect(Math.min(r.width, r.height)).toBeCloseTo(10, 6);
    expect(r.center[0]).toBeCloseTo(30, 6);
    expect(r.center[1]).toBeCloseTo(25, 6);
  });

  it('recovers a rotated rectangle from its outline', () => {
    const a = (25 * Math.PI) / 180;
    const outline: Point[] = [];
    for (let x = 0; x <= 60; x += 3) outline.push([x, 0], [x, 12]);
    for (let y = 0; y <= 12; y += 3) outline.push([0, y], [60, y]);
    const pts = outline.map((p) => rotate(p, a, [30, 6])).map(([x, y]): Point => [x + 100, y + 50]);
    const r = minAreaRect(pts);
    expect(Math.max(r.width, r.height)).toBeCloseTo(60, 4);
    expect(Math.min(r.width, r.height)).toBeCloseTo(12, 4);
    expect(r.center[0]).toBeCloseTo(130, 4);
    expect(r.center[1]).toBeCloseTo(56, 4);
    const corners = rectCorners(r);
    expect(polygonArea(corners)).toBeCloseTo(720, 3);
  });

  it('matches a brute-force search on irregular point sets', () => {
    let s = 7;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 20; trial++) {
      const pts: Point[] = Array.from({ length: 12 }, () => [Math.round(rnd() * 80), Math.round(rnd() * 30 + rnd() * 20)]);
      const r = minAreaRect(pts);
      const brute = bruteMinArea(pts);
      expect(r.width * r.height).toBeLessThanOrEqual(brute + 1e-6);
      // The brute force steps in 0.1°, so it may be a little above the true optimum, never below.
      expect(r.width * r.height).toBeGreaterThan(brute * 0.98 - 1e-6);
      // Every point is inside the rectangle (with a hair of tolerance).
      const ux = Math.cos(r.angle), uy = Math.sin(r.angle);
      for (const p of pts) {
        const u = (p[0] - r.center[0]) * ux + (p[1] - r.center[1]) * uy;
        const v = -(p[0] - r.center[0]) * uy + (p[1] - r.center[1]) * ux;
        expect(Math.abs(u)).toBeLessThanOrEqual(r.width / 2 + 1e-6);
        expect(Math.abs(v)).toBeLessThanOrEqual(r.height / 2 + 1e-6);
      }
    }
  });

  it('gives a zero-height rectangle for a single row of pixels', () => {
    const r = minAreaRect([[3, 7], [4, 7], [9, 7]]);
    expect(Math.min(r.width, r.height)).toBe(0);
    expect(Math.max(r.width, r.height)).toBeCloseTo(6, 9);
  });
});

describe('orderQuad', () => {
  it('orders corners clockwise from the top-left whatever the input order', () => {
    const q = orderQuad([[90, 40], [10, 12], [88, 10], [12, 42]]);
    expect(q).toEqual([[10, 12], [88, 10], [90, 40], [12, 42]]);
  });

  it('keeps the reading direction of a box tilted by less than 45°', () => {
    const a = (20 * Math.PI) / 180;
    const pts = ([[0, 0], [100, 0], [100, 20], [0, 20]] as Point[]).map((p) => rotate(p, a));
    const q = orderQuad([pts[2], pts[0], pts[3], pts[1]]);
    // Top-left is the rotated (0,0) and top-right the rotated (100,0).
    expect(q[0][0]).toBeCloseTo(pts[0][0], 9);
    expect(q[1][0]).toBeCloseTo(pts[1][0], 9);
    expect(q[2][0]).toBeCloseTo(pts[2][0], 9);
  });
});

describe('unclip', () => {
  it("uses DB's distance: area × ratio / perimeter", () => {
    const sq: Point[] = [[0, 0], [40, 0], [40, 10], [0, 10]];
    expect(polygonArea(sq)).toBe(400);
    expect(polygonPerimeter(sq)).toBe(100);
    expect(unclipDistance(sq, 1.5)).toBeCloseTo(6, 9);
    const grown = unclipRect({ center: [20, 5], width: 40, height: 10, angle: 0 }, 1.5);
    expect(grown.width).toBeCloseTo(52, 9);
    expect(grown.height).toBeCloseTo(22, 9);
  });

  it("equals the min-area rectangle of pyclipper's round-join offset", () => {
    // The rounded offset of a rectangle: its corners swept by a circle of radius d. Its min-area rectangle is
    // what PaddleOCR keeps; it must be the rectangle grown by d on every side.
    const r = { center: [50, 30] as Point, width: 70, height: 14, angle: 0.3 };
    const d = (r.width * r.height * 1.5) / (2 * (r.width + r.height));
    const offset: Point[] = [];
    for (const c of rectCorners(r)) {
      for (let k = 0; k < 360; k += 2) offset.push([c[0] + d * Math.cos((k * Math.PI) / 180), c[1] + d * Math.sin((k * Math.PI) / 180)]);
    }
    const fromOffset = minAreaRect(offset);
    const grown = unclipRect(r, 1.5);
    expect(Math.max(fromOffset.width, fromOffset.height)).toBeCloseTo(grown.width, 1);
    expect(Math.min(fromOffset.width, fromOffset.height)).toBeCloseTo(grown.height, 1);
  });
});

describe('homography', () => {
  it('maps the four points onto their targets and keeps straight lines straight', () => {
    const src: Point[] = [[0, 0], [200, 0], [200, 40], [0, 40]];
    const dst: Point[] = [[13, 22], [190, 5], [205, 60], [18, 70]];
    const h = homography(src, dst)!;
    for (let i = 0; i < 4; i++) {
      const [x, y] = applyHomography(h, src[i][0], src[i][1]);
      expect(x).toBeCloseTo(dst[i][0], 6);
      expect(y).toBeCloseTo(dst[i][1], 6);
    }
    // The midpoint of the top edge lands on the segment between the mapped corners.
    const [mx, my] = applyHomography(h, 100, 0);
    const t = (mx - dst[0][0]) / (dst[1][0] - dst[0][0]);
    expect(my).toBeCloseTo(dst[0][1] + t * (dst[1][1] - dst[0][1]), 6);
  });

  it('refuses degenerate corners', () => {
    expect(homography([[0, 0], [1, 1], [2, 2], [3, 3]], [[0, 0], [1, 0], [1, 1], [0, 1]])).toBeNull();
  });

  it("sizes a crop from the longer of each pair of opposite sides", () => {
    // Sides 100 / 96.02 across, 28.07 / 30.07 down.
    expect(quadSize([[0, 0], [100, 0], [98, 30], [2, 28]])).toEqual({ width: 100, height: Math.hypot(2, 30) });
  });
});
