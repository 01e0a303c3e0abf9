// The text read in a photo, shaped for the UI: each line's box in units that scale with the photo however large it
// is shown (so the overlay needs no re-layout on resize), where an image really sits inside its element (object-fit
// letterboxing), the snippet of a hit split around its match, and the text to copy.
import type { PhotoText } from '../../../shared/types';

export interface LineBox {
  index: number;
  text: string;
  /** The quadrilateral in the photo's pixels, "x,y x,y x,y x,y" (the overlay's SVG viewBox is the photo). */
  points: string;
  /**
   * The top-left corner, the length along the baseline and the height, in percent of the photo's width: one unit
   * for both axes (the overlay's box has the photo's aspect, so these are its container's `cqw`).
   */
  left: number;
  top: number;
  length: number;
  height: number;
  /** Rotation of the baseline, in degrees (clockwise, as CSS rotates). */
  angle: number;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

type Pt = readonly [number, number];
const dist = (a: Pt, b: Pt) => Math.hypot(b[0] - a[0], b[1] - a[1]);
const round = (v: number) => Math.round(v * 1000) / 1000;

/** Each line's box, in reading order (the engine's order is kept). Degenerate boxes and empty lines are left out. */
export function lineBoxes(t: PhotoText): LineBox[] {
  const w = t.width;
  if (!(w > 0) || !(t.height > 0)) return [];
  const out: LineBox[] = [];
  t.lines.forEach((line, index) => {
    const [p0, p1, p2, p3] = line.box;
    const length = (dist(p0, p1) + dist(p3, p2)) / 2;
    const height = (dist(p0, p3) + dist(p1, p2)) / 2;
    if (!line.text.trim() || !(length > 0) || !(height > 0)) return;
    // The baseline's direction: the top and bottom edges averaged, so a slightly skewed quad reads straight.
    const dx = p1[0] - p0[0] + (p2[0] - p3[0]);
    const dy = p1[1] - p0[1] + (p2[1] - p3[1]);
    out.push({
      index,
      text: line.text,
      points: line.box.map((p) => `${round(p[0])},${round(p[1])}`).join(' '),
      left: round((p0[0] / w) * 100),
      top: round((p0[1] / w) * 100),
      length: round((length / w) * 100),
      height: round((height / w) * 100),
      angle: round((Math.atan2(dy, dx) * 180) / Math.PI),
    });
  });
  return out;
}

/** All the lines, one per line of text, in reading order: what "Copy all text" puts on the clipboard. */
export function allText(t: PhotoText | null | undefined): string {
  return (t?.lines ?? [])
    .map((l) => l.text.trim())
    .filter(Boolean)
    .join('\n');
}

/**
 * Where the picture is drawn inside an element of `box` size showing an image of `natural` size, for CSS
 * object-fit (centred, as object-position's default). Relative to the element's content box.
 */
export function contentRect(box: { width: number; height: number }, natural: { width: number; height: number }, fit = 'fill'): Rect {
  const { width: bw, height: bh } = box;
  const { width: nw, height: nh } = natural;
  if (!(nw > 0 && nh > 0) || fit === 'fill') return { left: 0, top: 0, width: bw, height: bh };
  let s: number;
  if (fit === 'cover') s = Math.max(bw / nw, bh / nh);
  else if (fit === 'none') s = 1;
  else if (fit === 'scale-down') s = Math.min(1, bw / nw, bh / nh);
  else s = Math.min(bw / nw, bh / nh); // contain
  const width = nw * s;
  const height = nh * s;
  return { left: (bw - width) / 2, top: (bh - height) / 2, width, height };
}

/**
 * Follows where `img` draws its picture, relative to its positioned parent: `onRect` gets the rect now and again
 * whenever the image loads or it or its parent changes size (null while it has no picture). Returns the stop.
 */
export function observeDrawnRect(img: HTMLImageElement, onRect: (rect: Rect | null) => void): () => void {
  const measure = () => {
    if (!img.naturalWidth) return onRect(null);
    const r = contentRect({ width: img.clientWidth, height: img.clientHeight }, { width: img.naturalWidth, height: img.naturalHeight }, getComputedStyle(img).objectFit);
    onRect({ left: img.offsetLeft + img.clientLeft + r.left, top: img.offsetTop + img.clientTop + r.top, width: r.width, height: r.height });
  };
  measure();
  const ro = new ResizeObserver(measure);
  ro.observe(img);
  if (img.offsetParent) ro.observe(img.offsetParent);
  img.addEventListener('load', measure);
  return () => {
    ro.disconnect();
    img.removeEventListener('load', measure);
  };
}

export interface SnippetPart {
  text: string;
  match: boolean;
}

/** A hit's snippet split around its match ([start, end) in UTF-16 units); a bad or missing range marks nothing. */
export function snippetParts(text: string, highlight?: readonly [number, number] | null): SnippetPart[] {
  if (!highlight) return text ? [{ text, match: false }] : [];
  const start = Math.max(0, Math.min(text.length, Math.floor(highlight[0])));
  const end = Math.max(start, Math.min(text.length, Math.floor(highlight[1])));
  if (end === start) return text ? [{ text, match: false }] : [];
  return [
    { text: text.slice(0, start), match: false },
    { text: text.slice(start, end), match: true },
    { text: text.slice(end), match: false },
  ].filter((p) => p.text !== '');
}

/** Folded for a loose comparison: full-width forms to their plain ones, case, and spaces. */
function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

/** Indices of the lines that hold `needle` (the words a hit matched), compared loosely. */
export function linesMatching(t: PhotoText | null | undefined, needle: string | undefined): Set<number> {
  const out = new Set<number>();
  const n = needle ? fold(needle) : '';
  if (!t || !n) return out;
  t.lines.forEach((l, i) => {
    if (fold(l.text).includes(n)) out.add(i);
  });
  return out;
}

/** The words of a hit's snippet that matched the query, or undefined. */
export function matchedWords(text: string | undefined, highlight: readonly [number, number] | undefined): string | undefined {
  const m = text ? snippetParts(text, highlight).find((p) => p.match) : undefined;
  return m?.text;
}

/**
 * How much to stretch a line's text along its baseline so it spans the box: the box's length over the text's
 * natural width at the font size used (`fontShare` of the box's height). `widthAt1px` is the text's width at a
 * 1 px font. Bounded, so a mismeasured line never becomes a sliver or a smear.
 */
export function stretchFor(box: Pick<LineBox, 'length' | 'height'>, widthAt1px: number, fontShare: number): number {
  const natural = widthAt1px * box.height * fontShare;
  if (!(natural > 0)) return 1;
  return Math.min(4, Math.max(0.25, box.length / natural));
}
