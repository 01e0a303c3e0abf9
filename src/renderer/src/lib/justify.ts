// Justified rows (Flickr / Google Photos style) in one linear pass, plus the lookups the virtualised grid
// needs: which rows intersect the viewport, and which tile is above or below another for arrow keys.
// Optional sections ("Best matches", "More results") start on a new row below a header band; optional captions
// (a hit's matched text) add a band under the pictures of the rows that have one, without changing their widths.

export interface Box {
  left: number;
  top: number;
  width: number;
  /** The whole tile: the picture, then the row's caption band (`caption` high, 0 when the row has none). */
  height: number;
  caption: number;
}

export interface Row {
  top: number;
  height: number;
  /** Index of the first item in the row. */
  start: number;
  /** One past the last item. */
  end: number;
}

export interface SectionHeader {
  /** Index of the section's first item. */
  index: number;
  /** Top of the header band; the section's first row starts `headerHeight` below it. */
  top: number;
}

export interface JustifiedLayout {
  boxes: Box[];
  rows: Row[];
  headers: SectionHeader[];
  height: number;
}

export interface JustifyOptions {
  targetHeight: number;
  spacing: number;
  /** Aspect ratios are clamped so a panorama or a sliver cannot wreck a row. */
  minAspect?: number;
  maxAspect?: number;
  /** Indices where a section starts (ascending; 0 allowed): its items begin a new row under a header band. */
  sections?: readonly number[];
  /** Height of each section's header band (default 0). */
  headerHeight?: number;
  /** A band of `height` under the pictures of each row where `has(i)` is true for one of its items. */
  caption?: { height: number; has: (index: number) => boolean };
}

export function justify(aspects: readonly number[], width: number, o: JustifyOptions): JustifiedLayout {
  const boxes: Box[] = new Array(aspects.length);
  const rows: Row[] = [];
  const headers: SectionHeader[] = [];
  if (width <= 0 || aspects.length === 0) return { boxes: [], rows, headers, height: 0 };
  const headerHeight = o.headerHeight ?? 0;
  const sections = (o.sections ?? []).filter((i, k, all) => i >= 0 && i < aspects.length && (k === 0 || i > all[k - 1]));
  let nextSection = 0;
  const minA = o.minAspect ?? 0.4;
  const maxA = o.maxAspect ?? 3;
  const clamp = (a: number) => (Number.isFinite(a) && a > 0 ? Math.min(maxA, Math.max(minA, a)) : 1);

  let top = 0;
  let start = 0;
  let sum = 0;
  const captionOf = (from: number, to: number) => {
    if (!o.caption) return 0;
    for (let i = from; i < to; i++) if (o.caption.has(i)) return o.caption.height;
    return 0;
  };
  const place = (from: number, to: number, height: number, fill: boolean) => {
    const cap = captionOf(from, to);
    const h = Math.round(height) + cap;
    const gaps = o.spacing * (to - from - 1);
    // Whole-pixel edges from the running float position keep every gap exactly `spacing` wide.
    const scale = fill ? (width - gaps) / sumOf(from, to) : height;
    let x = 0;
    for (let i = from; i < to; i++) {
      const w = clamp(aspects[i]) * scale;
      const left = Math.round(x);
      const right = i === to - 1 && fill ? width : Math.round(x + w);
      boxes[i] = { left, top, width: Math.max(1, right - left), height: h, caption: cap };
      x += w + o.spacing;
    }
    rows.push({ top, height: h, start: from, end: to });
    top += h + o.spacing;
  };
  const sumOf = (from: number, to: number) => {
    let s = 0;
    for (let i = from; i < to; i++) s += clamp(aspects[i]);
    return s;
  };

  for (let i = 0; i < aspects.length; i++) {
    if (nextSection < sections.length && sections[nextSection] === i) {
      // Close the previous section's last row (left-aligned, target height), then the header band.
      if (start < i) place(start, i, o.targetHeight, false);
      start = i;
      sum = 0;
      headers.push({ index: i, top });
      top += headerHeight;
      nextSection++;
    }
    sum += clamp(aspects[i]);
    const n = i - start + 1;
    const h = (width - o.spacing * (n - 1)) / sum;
    if (h <= o.targetHeight) {
      place(start, i + 1, h, true);
      start = i + 1;
      sum = 0;
    }
  }
  // The last, incomplete row keeps the target height and stays left-aligned.
  if (start < aspects.length) place(start, aspects.length, o.targetHeight, false);
  return { boxes, rows, headers, height: Math.max(0, top - o.spacing) };
}

/** Index of the first row whose bottom edge is at or below `y`. */
export function firstRowAt(rows: readonly Row[], y: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].top + rows[mid].height < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Items [start, end) of the rows that intersect [y0, y1]. */
export function visibleRange(rows: readonly Row[], y0: number, y1: number): { start: number; end: number } {
  const first = firstRowAt(rows, y0);
  if (first >= rows.length) return { start: 0, end: 0 };
  let last = first;
  while (last + 1 < rows.length && rows[last + 1].top <= y1) last++;
  return { start: rows[first].start, end: rows[last].end };
}

/** The row holding item `index` (binary search over row starts). */
export function rowOf(rows: readonly Row[], index: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (rows[mid].start <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The item in the row above (-1) or below (+1) whose centre is nearest horizontally; `index` at the edges. */
export function verticalNeighbour(layout: JustifiedLayout, index: number, dir: -1 | 1): number {
  const r = rowOf(layout.rows, index) + dir;
  if (r < 0 || r >= layout.rows.length) return index;
  const b = layout.boxes[index];
  const cx = b.left + b.width / 2;
  const row = layout.rows[r];
  let best = row.start;
  let bestD = Infinity;
  for (let i = row.start; i < row.end; i++) {
    const c = layout.boxes[i].left + layout.boxes[i].width / 2;
    const d = Math.abs(c - cx);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}
