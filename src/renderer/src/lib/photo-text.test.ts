import { describe, expect, it } from 'vitest';
import type { PhotoText } from '../../../shared/types';
import { allText, contentRect, lineBoxes, linesMatching, matchedWords, snippetParts, stretchFor } from './photo-text';

const photo: PhotoText = {
  width: 1000,
  height: 500,
  lines: [
    { text: '网络支付并无本质的区别', box: [[100, 50], [600, 50], [600, 90], [100, 90]], score: 0.98 },
    { text: '  ', box: [[0, 0], [10, 0], [10, 10], [0, 10]], score: 0.5 },
    { text: 'Hello ＷＯＲＬＤ', box: [[200, 300], [400, 300], [400, 300], [200, 300]], score: 0.9 },
    { text: 'tilted', box: [[100, 200], [200, 300], [186, 314], [86, 214]], score: 0.9 },
  ],
};

describe('lineBoxes', () => {
  it('measures every box in percent of the photo width, keeping the reading order and dropping empty or flat lines', () => {
    const boxes = lineBoxes(photo);
    expect(boxes.map((b) => b.index)).toEqual([0, 3]);
    const [a, t] = boxes;
    expect(a).toMatchObject({ left: 10, top: 5, length: 50, height: 4, angle: 0, points: '100,50 600,50 600,90 100,90' });
    expect(t.angle).toBeCloseTo(45, 5);
    expect(t.length).toBeCloseTo((Math.hypot(100, 100) / 1000) * 100, 2);
    expect(t.height).toBeCloseTo((Math.hypot(14, 14) / 1000) * 100, 2);
  });

  it('gives nothing for a photo without a size', () => {
    expect(lineBoxes({ ...photo, width: 0 })).toEqual([]);
  });
});

describe('allText', () => {
  it('joins the lines in reading order, one per line, without blank ones', () => {
    expect(allText(photo)).toBe('网络支付并无本质的区别\nHello ＷＯＲＬＤ\ntilted');
    expect(allText(null)).toBe('');
  });
});

describe('contentRect', () => {
  it('letterboxes a wide picture in a tall box for contain, and centres it', () => {
    expect(contentRect({ width: 400, height: 400 }, { width: 800, height: 400 }, 'contain')).toEqual({ left: 0, top: 100, width: 400, height: 200 });
    expect(contentRect({ width: 400, height: 400 }, { width: 400, height: 800 }, 'contain')).toEqual({ left: 100, top: 0, width: 200, height: 400 });
  });

  it('handles fill, cover, none and scale-down', () => {
    expect(contentRect({ width: 300, height: 100 }, { width: 100, height: 100 }, 'fill')).toEqual({ left: 0, top: 0, width: 300, height: 100 });
    expect(contentRect({ width: 300, height: 100 }, { width: 100, height: 100 }, 'cover')).toEqual({ left: 0, top: -100, width: 300, height: 300 });
    expect(contentRect({ width: 300, height: 100 }, { width: 50, height: 50 }, 'none')).toEqual({ left: 125, top: 25, width: 50, height: 50 });
    expect(contentRect({ width: 300, height: 100 }, { width: 50, height: 50 }, 'scale-down')).toEqual({ left: 125, top: 25, width: 50, height: 50 });
  });

  it('fills the box while the image size is unknown', () => {
    expect(contentRect({ width: 30, height: 10 }, { width: 0, height: 0 }, 'contain')).toEqual({ left: 0, top: 0, width: 30, height: 10 });
  });
});

describe('snippetParts', () => {
  it('splits around the match', () => {
    expect(snippetParts('每一个手机号码和邮件', [3, 7])).toEqual([
      { text: '每一个', match: false },
      { text: '手机号码', match: true },
      { text: '和邮件', match: false },
    ]);
    expect(snippetParts('abc', [0, 3])).toEqual([{ text: 'abc', match: true }]);
  });

  it('clamps a range that runs past the text and marks nothing for an empty or missing one', () => {
    expect(snippetParts('abc', [1, 99])).toEqual([
      { text: 'a', match: false },
      { text: 'bc', match: true },
    ]);
    expect(snippetParts('abc', [2, 2])).toEqual([{ text: 'abc', match: false }]);
    expect(snippetParts('abc')).toEqual([{ text: 'abc', match: false }]);
    expect(snippetParts('', [0, 1])).toEqual([]);
  });
});

describe('linesMatching and matchedWords', () => {
  it('finds the lines holding the matched words, folding width and case', () => {
    expect([...linesMatching(photo, '本质')]).toEqual([0]);
    expect([...linesMatching(photo, 'world')]).toEqual([2]);
    expect(linesMatching(photo, '').size).toBe(0);
    expect(matchedWords('每一个手机号码', [3, 7])).toBe('手机号码');
    expect(matchedWords(undefined, undefined)).toBeUndefined();
  });
});

describe('stretchFor', () => {
  it('stretches the text to the box length, within bounds', () => {
    // A 4-unit-high box, font at 80% of it: 10 characters of 1 em each are 32 units wide; the box is 48 long.
    expect(stretchFor({ length: 48, height: 4 }, 10, 0.8)).toBeCloseTo(1.5, 5);
    expect(stretchFor({ length: 1000, height: 4 }, 1, 0.8)).toBe(4);
    expect(stretchFor({ length: 48, height: 4 }, 0, 0.8)).toBe(1);
  });
});
