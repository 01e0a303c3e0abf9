import { describe, expect, it } from 'vitest';
import { justify, rowOf, verticalNeighbour, visibleRange } from './justify';

describe('justify', () => {
  it('fills full rows edge to edge with equal gaps and keeps the last row at the target height', () => {
    const l = justify([1.5, 1, 0.75, 1.5, 2, 1, 1], 1000, { targetHeight: 200, spacing: 4 });
    expect(l.boxes).toHaveLength(7);
    for (const row of l.rows.slice(0, -1)) {
      const first = l.boxes[row.start];
      const last = l.boxes[row.end - 1];
      expect(first.left).toBe(0);
      expect(last.left + last.width).toBe(1000);
      for (let i = row.start + 1; i < row.end; i++) {
        const prev = l.boxes[i - 1];
        expect(l.boxes[i].left - (prev.left + prev.width)).toBeGreaterThanOrEqual(3);
        expect(l.boxes[i].left - (prev.left + prev.width)).toBeLessThanOrEqual(5);
      }
      expect(row.height).toBeLessThanOrEqual(200);
    }
    expect(l.rows[l.rows.length - 1].height).toBe(200);
    expect(l.height).toBe(l.rows.at(-1)!.top + 200);
  });

  it('lays out 10k items and finds visible rows and neighbours', () => {
    const aspects = Array.from({ length: 10_000 }, (_, i) => [1.5, 0.67, 1, 1.78][i % 4]);
    const l = justify(aspects, 1200, { targetHeight: 200, spacing: 4 });
    const r = visibleRange(l.rows, 5000, 5800);
    expect(r.start).toBeGreaterThan(0);
    expect(l.boxes[r.start].top + l.boxes[r.start].height).toBeGreaterThanOrEqual(5000);
    expect(l.boxes[r.end - 1].top).toBeLessThanOrEqual(5800);
    const below = verticalNeighbour(l, r.start, 1);
    expect(rowOf(l.rows, below)).toBe(rowOf(l.rows, r.start) + 1);
    expect(verticalNeighbour(l, 0, -1)).toBe(0);
  });

  it('starts each section on a new row below its header band', () => {
    const aspects = Array.from({ length: 40 }, (_, i) => [1.5, 0.67, 1, 1.78][i % 4]);
    const l = justify(aspects, 1000, { targetHeight: 200, spacing: 4, sections: [0, 13], headerHeight: 40 });
    expect(l.headers).toEqual([
      { index: 0, top: 0 },
      { index: 13, top: expect.any(Number) },
    ]);
    expect(l.boxes[0].top).toBe(40);
    // Item 13 opens a row of its own, 40 px below the header that sits under the previous section.
    const r = l.rows[rowOf(l.rows, 13)];
    expect(r.start).toBe(13);
    expect(l.headers[1].top).toBe(l.rows[rowOf(l.rows, 12)].top + l.rows[rowOf(l.rows, 12)].height + 4);
    expect(r.top).toBe(l.headers[1].top + 40);
    expect(l.boxes[13].left).toBe(0);
    // Rows never straddle the boundary; arrow keys still cross it.
    for (const row of l.rows) expect(row.start >= 13 || row.end <= 13).toBe(true);
    expect(rowOf(l.rows, verticalNeighbour(l, 12, 1))).toBe(rowOf(l.rows, 13));
    const noSections = justify(aspects, 1000, { targetHeight: 200, spacing: 4 });
    expect(noSections.headers).toEqual([]);
    expect(l.height).toBeGreaterThan(noSections.height);
  });

  it('ignores sections out of range or out of order', () => {
    const l = justify([1, 1, 1], 500, { targetHeight: 100, spacing: 2, sections: [5, -1], headerHeight: 30 });
    expect(l.headers).toEqual([]);
  });

  it('adds a caption band under the rows that have a caption, keeping every width', () => {
    const aspects = [1.5, 1, 0.75, 1.5, 2, 1, 1];
    const plain = justify(aspects, 1000, { targetHeight: 200, spacing: 4 });
    const has = (i: number) => i === plain.rows[1].start;
    const l = justify(aspects, 1000, { targetHeight: 200, spacing: 4, caption: { height: 24, has } });
    expect(l.boxes.map((b) => [b.left, b.width])).toEqual(plain.boxes.map((b) => [b.left, b.width]));
    expect(l.rows.map((r) => r.height - plain.rows[l.rows.indexOf(r)].height)).toEqual(plain.rows.map((_, k) => (k === 1 ? 24 : 0)));
    for (const r of l.rows) for (let i = r.start; i < r.end; i++) expect(l.boxes[i]).toMatchObject({ top: r.top, height: r.height, caption: r === l.rows[1] ? 24 : 0 });
    expect(l.height).toBe(plain.height + 24);
  });

  it('returns nothing for zero width', () => {
    expect(justify([1, 2], 0, { targetHeight: 100, spacing: 2 }).boxes).toEqual([]);
  });
});
