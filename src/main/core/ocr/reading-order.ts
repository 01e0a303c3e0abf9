// Puts text lines in reading order: rows from top to bottom, lines within a row from left to right. A line
// joins a row when its centre is within half a line height of the row's, so tilted pages and mixed font sizes
// keep their rows (PaddleOCR's fixed 10-pixel rule splits rows of large text and merges rows of small text).
import { quadSize } from './geometry.js';
import type { Quad } from './ocr-engine.js';

interface Placed<T> {
  item: T;
  cx: number;
  cy: number;
  h: number;
  left: number;
}

/** Returns the items sorted; `flip` reads the page upside down (as when most lines needed a half turn). */
export function readingOrder<T>(items: readonly T[], boxOf: (item: T) => Quad, flip = false): T[] {
  const placed: Placed<T>[] = items.map((item) => {
    const q = boxOf(item);
    const s = flip ? -1 : 1;
    const xs = q.map((p) => p[0] * s), ys = q.map((p) => p[1] * s);
    return {
      item,
      cx: (xs[0] + xs[1] + xs[2] + xs[3]) / 4,
      cy: (ys[0] + ys[1] + ys[2] + ys[3]) / 4,
      h: Math.max(1, Math.min(quadSize(q).height, Math.max(...ys) - Math.min(...ys))),
      left: Math.min(...xs),
    };
  });
  placed.sort((a, b) => a.cy - b.cy || a.left - b.left);
  const rows: { cy: number; h: number; members: Placed<T>[] }[] = [];
  for (const p of placed) {
    const row = rows[rows.length - 1];
    if (row && Math.abs(p.cy - row.cy) < 0.5 * Math.min(p.h, row.h)) {
      row.members.push(p);
      // The row's centre follows its members, so a slow drift across a tilted page stays one row.
      row.cy = row.members.reduce((s, m) => s + m.cy, 0) / row.members.length;
      row.h = Math.max(row.h, p.h);
    } else {
      rows.push({ cy: p.cy, h: p.h, members: [p] });
    }
  }
  return rows.flatMap((r) => r.members.sort((a, b) => a.left - b.left).map((m) => m.item));
}
