// Plane geometry for text boxes: convex hull, minimum-area rotated rectangle, DB's unclip, corner order and the
// homography that maps a rotated box onto an upright strip. Written for the few dozen points a box has.
import type { Point, Quad } from './ocr-engine.js';

export interface RotatedRect {
  center: Point;
  /** Side along `angle` and the side across it (either may be the longer one). */
  width: number;
  height: number;
  /** Direction of the `width` side in radians, in [0, π). */
  angle: number;
}

function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Andrew's monotone chain; collinear points dropped. Fewer than 3 distinct points come back as they are. */
export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const uniq: Point[] = [];
  for (const p of pts) {
    const last = uniq[uniq.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) uniq.push(p);
  }
  if (uniq.length < 3) return uniq;
  const lower: Point[] = [];
  for (const p of uniq) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = uniq.length - 1; i >= 0; i--) {
    const p = uniq[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  const hull = lower.concat(upper);
  // All points on one line: the hull degenerates to the segment's two ends.
  return hull.length >= 2 ? hull : uniq.slice(0, 1).concat(uniq.slice(-1));
}

/**
 * The smallest-area rectangle holding the points. One side of the optimum lies on a hull edge
 * (Freeman & Shapira 1975), so every edge direction is tried; hulls of text blobs are small.
 */
export function minAreaRect(points: readonly Point[]): RotatedRect {
  const hull = convexHull(points);
  if (hull.length === 0) return { center: [0, 0], width: 0, height: 0, angle: 0 };
  if (hull.length === 1) return { center: [hull[0][0], hull[0][1]], width: 0, height: 0, angle: 0 };
  let best: RotatedRect | null = null;
  let bestArea = Infinity;
  const n = hull.length;
  for (let i = 0; i < n; i++) {
    const a = hull[i];
    const b = hull[(i + 1) % n];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) continue;
    const ux = (b[0] - a[0]) / len;
    const uy = (b[1] - a[1]) / len;
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const p of hull) {
      const u = p[0] * ux + p[1] * uy;
      const v = -p[0] * uy + p[1] * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      let angle = Math.atan2(uy, ux);
      if (angle < 0) angle += Math.PI;
      if (angle >= Math.PI) angle -= Math.PI;
      best = { center: [cu * ux - cv * uy, cu * uy + cv * ux], width: maxU - minU, height: maxV - minV, angle };
    }
  }
  return best!;
}

/** The rectangle's corners, clockwise from the top-left (see orderQuad). */
export function rectCorners(r: RotatedRect): Quad {
  const ux = Math.cos(r.angle), uy = Math.sin(r.angle);
  const hw = r.width / 2, hh = r.height / 2;
  const [cx, cy] = r.center;
  const pts: Point[] = [
    [cx - ux * hw + uy * hh, cy - uy * hw - ux * hh],
    [cx + ux * hw + uy * hh, cy + uy * hw - ux * hh],
    [cx + ux * hw - uy * hh, cy + uy * hw + ux * hh],
    [cx - ux * hw - uy * hh, cy - uy * hw + ux * hh],
  ];
  return orderQuad(pts);
}

/**
 * Orders four corners clockwise from the top-left in image coordinates (y down): the two left-most points are
 * the left side, the upper of them the top-left; likewise on the right. This is PaddleOCR's convention, so a box
 * tilted by less than 45° keeps its reading direction.
 */
export function orderQuad(points: readonly Point[]): Quad {
  const byX = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const [l0, l1, r0, r1] = byX;
  const [tl, bl] = l0[1] <= l1[1] ? [l0, l1] : [l1, l0];
  const [tr, br] = r0[1] <= r1[1] ? [r0, r1] : [r1, r0];
  return [[tl[0], tl[1]], [tr[0], tr[1]], [br[0], br[1]], [bl[0], bl[1]]];
}

export function polygonArea(poly: readonly Point[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i], b = poly[(i + 1) % poly.length];
    s += a[0] * b[1] - b[0] * a[1];
  }
  return Math.abs(s) / 2;
}

export function polygonPerimeter(poly: readonly Point[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i], b = poly[(i + 1) % poly.length];
    s += Math.hypot(b[0] - a[0], b[1] - a[1]);
  }
  return s;
}

/** DB's offset distance: the text kernel was shrunk by area·(1 − r²)/perimeter in training; this undoes it. */
export function unclipDistance(poly: readonly Point[], ratio: number): number {
  const perimeter = polygonPerimeter(poly);
  return perimeter > 0 ? (polygonArea(poly) * ratio) / perimeter : 0;
}

/**
 * Unclip of a rectangle. PaddleOCR offsets the box with round joins (pyclipper) and then takes the
 * minimum-area rectangle of the result; for a rectangle that is exactly the rectangle grown by the distance on
 * every side (the rounded corners touch the grown sides and stay inside), so no polygon clipping is needed.
 */
export function unclipRect(r: RotatedRect, ratio: number): RotatedRect {
  const w = r.width, h = r.height;
  const d = w + h > 0 ? (w * h * ratio) / (2 * (w + h)) : 0;
  return { center: r.center, width: w + 2 * d, height: h + 2 * d, angle: r.angle };
}

/** Lengths of a quad's sides as PaddleOCR's crop uses them: the longer of each opposite pair. */
export function quadSize(q: Quad): { width: number; height: number } {
  const d = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  return { width: Math.max(d(q[0], q[1]), d(q[2], q[3])), height: Math.max(d(q[0], q[3]), d(q[1], q[2])) };
}

/**
 * The homography H (row-major 3×3, h[8] = 1) with H·src[i] ∝ dst[i] for four point pairs, solved as the
 * usual 8×8 linear system with partial pivoting. Null when the points are degenerate (three on a line).
 */
export function homography(src: readonly Point[], dst: readonly Point[]): Float64Array | null {
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = src[i];
    const [u, v] = dst[i];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let piv = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
    if (Math.abs(a[piv][c]) < 1e-12) return null;
    [a[c], a[piv]] = [a[piv], a[c]];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      if (f === 0) continue;
      for (let k = c; k < 9; k++) a[r][k] -= f * a[c][k];
    }
  }
  const h = new Float64Array(9);
  for (let i = 0; i < 8; i++) h[i] = a[i][8] / a[i][i];
  h[8] = 1;
  return h;
}

export function applyHomography(h: Float64Array, x: number, y: number): Point {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}
