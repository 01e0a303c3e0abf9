import { describe, expect, it } from 'vitest';
import type { Quad } from './ocr-engine';
import { readingOrder } from './reading-order';

const box = (x: number, y: number, w: number, h: number, tilt = 0): Quad => [[x, y], [x + w, y + tilt], [x + w, y + h + tilt], [x, y + h]];

describe('readingOrder', () => {
  it('reads rows top to bottom and each row left to right', () => {
    const items = [
      { t: 'row2-right', b: box(300, 102, 80, 30) },
      { t: 'row1', b: box(10, 10, 200, 30) },
      { t: 'row2-left', b: box(10, 100, 120, 30) },
      { t: 'row3', b: box(10, 200, 120, 30) },
    ];
    expect(readingOrder(items, (i) => i.b).map((i) => i.t)).toEqual(['row1', 'row2-left', 'row2-right', 'row3']);
  });

  it('keeps a big title and small text beside it as separate rows when they do not share a line', () => {
    const items = [{ t: 'small', b: box(300, 70, 100, 16) }, { t: 'title', b: box(10, 10, 250, 60) }];
    expect(readingOrder(items, (i) => i.b).map((i) => i.t)).toEqual(['title', 'small']);
  });

  it('keeps the words of a tilted line together although their tops differ', () => {
    // Two pieces of one line on a page tilted by a few degrees: the right one sits 12 px lower.
    const items = [{ t: 'b', b: box(220, 62, 200, 30, 10) }, { t: 'a', b: box(10, 50, 200, 30, 10) }, { t: 'next', b: box(10, 120, 200, 30, 10) }];
    expect(readingOrder(items, (i) => i.b).map((i) => i.t)).toEqual(['a', 'b', 'next']);
  });

  it('reads an upside-down page from the bottom right', () => {
    const items = [{ t: 'last', b: box(10, 10, 100, 20) }, { t: 'first', b: box(10, 100, 100, 20) }];
    expect(readingOrder(items, (i) => i.b, true).map((i) => i.t)).toEqual(['first', 'last']);
  });
});
