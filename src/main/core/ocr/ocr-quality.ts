// Scores recognised text against ground truth the way the OCR fixtures' README asks: NFKC, dash variants as one,
// whitespace and punctuation dropped, then 1 − edit distance / length (character accuracy). Used by the quality
// tests and bench-ocr.ts.
import { foldText } from './text-fold.js';

/** NFKC, all whitespace and punctuation removed (dashes included, so their variants cannot differ). */
export function normalizeForAccuracy(s: string): string {
  return s.normalize('NFKC').replace(/[\p{P}\p{Z}\p{Cc}\s]/gu, '');
}

/** Levenshtein distance over code points. */
export function editDistance(a: string, b: string): number {
  const x = [...a], y = [...b];
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  let prev = new Int32Array(y.length + 1);
  let cur = new Int32Array(y.length + 1);
  for (let j = 0; j <= y.length; j++) prev[j] = j;
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const sub = prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length];
}

/**
 * Smallest edit distance between `needle` and any substring of `hay` (the ends of `hay` are free): how well a
 * ground-truth line is found somewhere in the output, whatever else the output holds.
 */
export function substringEditDistance(needle: string, hay: string): number {
  const x = [...needle], y = [...hay];
  // Row 0 is all zeros: the match may start anywhere in `hay`.
  let prev = new Int32Array(y.length + 1);
  let cur = new Int32Array(y.length + 1);
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1), prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  // …and end anywhere.
  let best = x.length;
  for (let j = 0; j <= y.length; j++) best = Math.min(best, prev[j]);
  return best;
}

export interface AccuracyCount {
  /** Edits needed to turn the output into the ground truth. */
  edits: number;
  /** Characters of ground truth (normalised). */
  chars: number;
}

export interface AccuracyOptions {
  /** Also fold case and traditional → simplified on both sides (what search sees). */
  fold?: boolean;
}

function norm(s: string, opts: AccuracyOptions): string {
  const n = normalizeForAccuracy(s);
  return opts.fold ? foldText(n) : n;
}

/** Whole-text comparison, in reading order: for ground truth that lists every line. */
export function countFull(truthLines: readonly string[], outputLines: readonly string[], opts: AccuracyOptions = {}): AccuracyCount {
  const gt = norm(truthLines.join(''), opts);
  const out = norm(outputLines.join(''), opts);
  return { edits: Math.min(editDistance(gt, out), [...gt].length), chars: [...gt].length };
}

/** Each ground-truth line looked up anywhere in the output: for "salient only" ground truth (recall). */
export function countRecall(truthLines: readonly string[], outputLines: readonly string[], opts: AccuracyOptions = {}): AccuracyCount {
  const out = norm(outputLines.join(''), opts);
  let edits = 0, chars = 0;
  for (const line of truthLines) {
    const gt = norm(line, opts);
    chars += [...gt].length;
    edits += substringEditDistance(gt, out);
  }
  return { edits, chars };
}

export function accuracy(c: AccuracyCount): number {
  return c.chars > 0 ? Math.max(0, 1 - c.edits / c.chars) : 1;
}
