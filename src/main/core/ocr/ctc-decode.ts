// Greedy CTC decoding of the recogniser's per-step class probabilities into text and a confidence, with
// PaddleOCR's label layout: class 0 is the CTC blank, then the dictionary's characters, then a space.

export interface CtcText {
  text: string;
  /** Mean probability of the kept characters; 0 for an empty line. */
  score: number;
}

/** Class labels for a dictionary file (one character per line): blank, the characters, space. */
export function ctcLabels(dictionaryText: string): string[] {
  const chars = dictionaryText.split(/\r?\n/);
  // A trailing newline leaves one empty entry that is not a character.
  if (chars.length > 0 && chars[chars.length - 1] === '') chars.pop();
  return ['', ...chars, ' '];
}

/**
 * Decodes `steps` time steps of one line from `probs` (steps × classes, row-major, starting at `offset`):
 * the most likely class per step, repeats merged, blanks dropped.
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  labels: readonly string[],
): CtcText {
  let text = '';
  let sum = 0;
  let kept = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    let best = 0;
    let bestP = probs[row];
    for (let c = 1; c < classes; c++) {
      const p = probs[row + c];
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== prev) {
      text += labels[best] ?? '';
      sum += bestP;
      kept++;
    }
    prev = best;
  }
  return { text, score: kept > 0 ? sum / kept : 0 };
}
