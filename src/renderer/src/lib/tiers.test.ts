import { describe, expect, it } from 'vitest';
import { tierBreak } from './tiers';

const h = (s: string) => [...s].map((c) => ({ tier: c === 'b' ? ('best' as const) : c === 'm' ? ('more' as const) : undefined }));

describe('tierBreak', () => {
  it('finds the first "more" hit after a run of "best" hits', () => {
    expect(tierBreak(h('bbbmm'))).toBe(3);
    expect(tierBreak(h('bm'))).toBe(1);
  });
  it('is -1 for one tier alone, no tiers, or interleaved tiers (date order)', () => {
    expect(tierBreak(h(''))).toBe(-1);
    expect(tierBreak(h('bbb'))).toBe(-1);
    expect(tierBreak(h('mmm'))).toBe(-1);
    expect(tierBreak(h('bmbm'))).toBe(-1);
    expect(tierBreak(h('mbb'))).toBe(-1);
    expect(tierBreak(h('??'))).toBe(-1);
  });
  it('treats hits without a tier after the best run as "more"', () => {
    expect(tierBreak(h('bb?'))).toBe(2);
  });
});
