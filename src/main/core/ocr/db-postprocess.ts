// Turns the DB detector's text-probability map into rotated text boxes, as PaddleOCR's DBPostProcess does:
// threshold, one region per 8-connected blob, minimum-area rectangle, mean-probability score, unclip, rescale.
import { minAreaRect, rectCorners, unclipRect } from './geometry.js';
import type { Point, Quad } from './ocr-engine.js';

export interface DbOptions {
  /** Pixel probability above which a pixel is text (PaddleOCR det_db_thresh 0.3). */
  thresh: number;
  /** Mean probability inside a box below which it is dropped (det_db_box_thresh 0.6). */
  boxThresh: number;
  /** How far the shrunk text kernel is grown back (det_db_unclip_ratio 1.5). */
  unclipRatio: number;
  /** Largest number of blobs looked at, biggest first (max_candidates 1000). */
  maxCandidates: number;
  /** Boxes whose short side is below this (in map pixels) are noise (min_size 3). */
  minSize: number;
}

export const DB_DEFAULTS: DbOptions = { thresh: 0.3, boxThresh: 0.6, unclipRatio: 1.5, maxCandidates: 1000, minSize: 3 };

export interface DetectedBox {
  /** Clockwise from top-left, in destination pixels (not rounded). */
  box: Quad;
  /** Mean probability inside the box before unclipping. */
  score: number;
}

interface Blob {
  pixels: number;
  /** Per-row extremes: x0,y,x1,y,… (pixel centres); the hull of these is the hull of the blob. */
  ends: number[];
}

/**
 * 8-connected blobs of `prob > thresh`, found through row runs joined by union-find. Each blob keeps only
 * the ends of its runs, which is all a convex hull needs.
 */
export function textBlobs(prob: Float32Array, width: number, height: number, thresh: number): Blob[] {
  const parent: number[] = [];
  const runX0: number[] = [];
  const runX1: number[] = [];
  const runY: number[] = [];
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  let prevStart = 0, prevEnd = 0;
  for (let y = 0; y < height; y++) {
    const rowStart = runX0.length;
    const base = y * width;
    let x = 0;
    while (x < width) {
      while (x < width && !(prob[base + x] > thresh)) x++;
      if (x >= width) break;
      const x0 = x;
      while (x < width && prob[base + x] > thresh) x++;
      const id = runX0.length;
      runX0.push(x0);
      runX1.push(x - 1);
      runY.push(y);
      parent.push(id);
      // Runs of the previous row touching this one, diagonals included.
      for (let p = prevStart; p < prevEnd; p++) {
        if (runX1[p] < x0 - 1) continue;
        if (runX0[p] > x) break;
        const a = find(p), b = find(id);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
    prevStart = rowStart;
    prevEnd = runX0.length;
  }
  const byRoot = new Map<number, Blob>();
  for (let i = 0; i < runX0.length; i++) {
    const r = find(i);
    let b = byRoot.get(r);
    if (!b) byRoot.set(r, (b = { pixels: 0, ends: [] }));
    b.pixels += runX1[i] - runX0[i] + 1;
    b.ends.push(runX0[i], runY[i], runX1[i], runY[i]);
  }
  return [...byRoot.values()];
}

/**
 * Mean of `prob` over the pixels whose centres lie inside the convex quad (PaddleOCR's box_score_fast fills
 * the polygon and averages under the mask). A quad that covers no pixel centre scores 0.
 */
export function quadMean(prob: Float32Array, width: number, height: number, q: Quad): number {
  const ys = q.map((p) => p[1]);
  const y0 = Math.max(0, Math.ceil(Math.min(...ys)));
  const y1 = Math.min(height - 1, Math.floor(Math.max(...ys)));
  let sum = 0, n = 0;
  for (let y = y0; y <= y1; y++) {
    let xl = Infinity, xr = -Infinity;
    for (let i = 0; i < 4; i++) {
      const a = q[i], b = q[(i + 1) % 4];
      if ((a[1] <= y && b[1] >= y) || (b[1] <= y && a[1] >= y)) {
        if (a[1] === b[1]) {
          xl = Math.min(xl, a[0], b[0]);
          xr = Math.max(xr, a[0], b[0]);
        } else {
          const x = a[0] + ((y - a[1]) * (b[0] - a[0])) / (b[1] - a[1]);
          xl = Math.min(xl, x);
          xr = Math.max(xr, x);
        }
      }
    }
    const from = Math.max(0, Math.ceil(xl - 1e-9));
    const to = Math.min(width - 1, Math.floor(xr + 1e-9));
    const row = y * width;
    for (let x = from; x <= to; x++) {
      sum += prob[row + x];
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}

/**
 * Boxes from a probability map of `width`×`height`, scaled to a `destWidth`×`destHeight` image and clipped to it.
 */
export function boxesFromProbabilityMap(
  prob: Float32Array,
  width: number,
  height: number,
  destWidth: number,
  destHeight: number,
  opts: Partial<DbOptions> = {},
): DetectedBox[] {
  const o = { ...DB_DEFAULTS, ...opts };
  const blobs = textBlobs(prob, width, height, o.thresh)
    .filter((b) => b.pixels >= o.minSize)
    .sort((a, b) => b.pixels - a.pixels)
    .slice(0, o.maxCandidates);
  const sx = destWidth / width, sy = destHeight / height;
  const out: DetectedBox[] = [];
  for (const blob of blobs) {
    const pts: Point[] = [];
    for (let i = 0; i < blob.ends.length; i += 2) pts.push([blob.ends[i], blob.ends[i + 1]]);
    const rect = minAreaRect(pts);
    if (Math.min(rect.width, rect.height) < o.minSize) continue;
    const score = quadMean(prob, width, height, rectCorners(rect));
    if (score < o.boxThresh) continue;
    const grown = unclipRect(rect, o.unclipRatio);
    if (Math.min(grown.width, grown.height) < o.minSize + 2) continue;
    const box = rectCorners(grown).map(([x, y]): Point => [
      Math.min(Math.max(x * sx, 0), destWidth),
      Math.min(Math.max(y * sy, 0), destHeight),
    ]) as Quad;
    out.push({ box, score });
  }
  return out;
}
