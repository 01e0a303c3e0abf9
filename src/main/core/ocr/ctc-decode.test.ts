import { describe, expect, it } from 'vitest';
import { ctcGreedyDecode, ctcLabels } from './ctc-decode';

/** Rows of one-hot-ish probabilities: the given class gets p, the rest share what is left. */
function steps(classes: number, picks: [number, number][]): Float32Array {
  const out = new Float32Array(picks.length * classes);
  picks.forEach(([c, p], t) => {
    out.fill((1 - p) / (classes - 1), t * classes, (t + 1) * classes);
    out[t * classes + c] = p;
  });
  return out;
}

describe('ctcLabels', () => {
  it('puts the blank first and a space last, ignoring the trailing newline', () => {
    expect(ctcLabels('a\nb\n中\n')).toEqual(['', 'a', 'b', '中', ' ']);
    expect(ctcLabels('a\r\nb')).toEqual(['', 'a', 'b', ' ']);
  });
});

describe('ctcGreedyDecode', () => {
  const labels = ctcLabels('h\ne\nl\no');
  // classes: 0 blank, 1 h, 2 e, 3 l, 4 o, 5 space
  it('merges repeats and drops blanks; a blank between repeats keeps both', () => {
    const probs = steps(6, [[1, 0.9], [1, 0.8], [2, 0.9], [3, 0.9], [3, 0.9], [0, 0.9], [3, 0.7], [4, 0.6], [0, 0.99], [5, 0.9]]);
    const r = ctcGreedyDecode(probs, 0, 10, 6, labels);
    expect(r.text).toBe('hello ');
    // Mean of the first step of each kept character: h .9, e .9, l .9, l .7, o .6, space .9
    expect(r.score).toBeCloseTo((0.9 + 0.9 + 0.9 + 0.7 + 0.6 + 0.9) / 6, 5);
  });

  it('reads one line of a batch from its offset', () => {
    const a = steps(6, [[1, 0.9], [0, 0.9]]);
    const b = steps(6, [[4, 0.9], [0, 0.9]]);
    const batch = new Float32Array([...a, ...b]);
    expect(ctcGreedyDecode(batch, 2 * 6, 2, 6, labels).text).toBe('o');
  });

  it('gives an empty line a zero score', () => {
    expect(ctcGreedyDecode(steps(6, [[0, 0.9], [0, 0.9]]), 0, 2, 6, labels)).toEqual({ text: '', score: 0 });
  });
});
