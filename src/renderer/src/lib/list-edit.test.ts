import { describe, expect, it } from 'vitest';
import { singleEdit } from './list-edit';

const [a, b, c, d] = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }];

describe('singleEdit', () => {
  it('finds one removed or inserted item', () => {
    expect(singleEdit([a, b, c], [a, c])).toBe(1);
    expect(singleEdit([a, c], [a, b, c])).toBe(1);
    expect(singleEdit([a, b, c], [a, b])).toBe(2);
    expect(singleEdit([a], [])).toBe(0);
    expect(singleEdit([], [a])).toBe(0);
  });
  it('is -1 for anything else', () => {
    expect(singleEdit([a, b, c], [a, b, c])).toBe(-1);
    expect(singleEdit([a, b, c], [a, d])).toBe(-1);
    expect(singleEdit([a, b], [b, a, c])).toBe(-1);
    expect(singleEdit([a, b, c, d], [a, b])).toBe(-1);
    expect(singleEdit([a, b, c], [{ ...a }, c])).toBe(-1);
  });
});
