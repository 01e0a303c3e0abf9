import { describe, expect, it } from 'vitest';
import { decodeFloat16, encodeFloat16, float16Table, fromFloat16Bits, toFloat16Bits } from './float16.js';

function rand(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0);
}

/** Float32 values from raw bits. */
function f32(bits: number[]): Float32Array {
  return new Float32Array(Uint32Array.from(bits).buffer);
}

/** Reference conversion by search: the nearest float16 (ties to the even pattern), in plain float64 arithmetic. */
function reference(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  let lo = 0;
  let hi = 0x7bff;
  // largest h with value(h) <= a (positive finite patterns increase with h)
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fromFloat16Bits(mid) <= a) lo = mid;
    else hi = mid - 1;
  }
  if (lo === 0x7bff) return sign | lo;
  const below = a - fromFloat16Bits(lo);
  const above = fromFloat16Bits(lo + 1) - a;
  const h = below < above ? lo : above < below ? lo + 1 : lo % 2 === 0 ? lo : lo + 1;
  return sign | h;
}

describe('float16', () => {
  it('round-trips every float16 value exactly (±0, subnormals, normals, infinities)', () => {
    for (let h = 0; h < 65536; h++) {
      const v = fromFloat16Bits(h);
      if (Number.isNaN(v)) continue;
      expect(toFloat16Bits(v)).toBe(h);
    }
    expect(Object.is(fromFloat16Bits(0x8000), -0)).toBe(true);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(fromFloat16Bits(0x7c00)).toBe(Infinity);
    expect(fromFloat16Bits(0xfc00)).toBe(-Infinity);
    expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
    expect(fromFloat16Bits(0x0400)).toBe(2 ** -14);
    expect(fromFloat16Bits(0x7bff)).toBe(65504);
  });

  it('encodes NaN as NaN and decodes every NaN pattern as NaN', () => {
    for (const x of [NaN, -NaN, ...f32([0x7fc00000, 0xffc00000, 0x7f800001, 0x7fffffff])]) {
      const h = toFloat16Bits(x);
      expect(h & 0x7c00).toBe(0x7c00);
      expect(h & 0x3ff).not.toBe(0);
    }
    for (let m = 1; m < 1024; m++) {
      expect(fromFloat16Bits(0x7c00 | m)).toBeNaN();
      expect(fromFloat16Bits(0xfc00 | m)).toBeNaN();
    }
  });

  it('rounds to nearest with ties to even, in the normal and the subnormal range', () => {
    // between 1 (0x3c00) and 1 + 2^-10 (0x3c01): the tie goes to the even 0x3c00
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(toFloat16Bits(1 + 2 ** -11 + 2 ** -23)).toBe(0x3c01);
    expect(toFloat16Bits(1 + 2 ** -11 - 2 ** -23)).toBe(0x3c00);
    // between 0x3c01 and 0x3c02: the tie goes up, to the even 0x3c02
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toFloat16Bits(-(1 + 3 * 2 ** -11))).toBe(0xbc02);
    // subnormals: steps of 2^-24
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // tie with 0
    expect(toFloat16Bits(2 ** -25 * (1 + 2 ** -23))).toBe(0x0001);
    expect(toFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2
    expect(toFloat16Bits(5 * 2 ** -25)).toBe(0x0002); // tie between 2 and 3
    expect(toFloat16Bits(-3 * 2 ** -25)).toBe(0x8002);
    expect(toFloat16Bits(2 ** -26)).toBe(0x0000);
    expect(toFloat16Bits(-(2 ** -26))).toBe(0x8000);
    expect(toFloat16Bits(1e-45)).toBe(0x0000); // float32 subnormal
    // the largest subnormal rounds up into the smallest normal, and a tie there goes to the even 0x400
    expect(toFloat16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400);
    expect(toFloat16Bits(2 ** -14 - 3 * 2 ** -25)).toBe(0x03fe);
    expect(toFloat16Bits(2 ** -14 - 2 ** -24)).toBe(0x03ff);
  });

  it('overflows to infinity from 65520 (the tie above the largest float16) up', () => {
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(65519.99)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00);
    expect(toFloat16Bits(-65520)).toBe(0xfc00);
    expect(toFloat16Bits(1e10)).toBe(0x7c00);
    expect(toFloat16Bits(3.4e38)).toBe(0x7c00);
    expect(toFloat16Bits(Infinity)).toBe(0x7c00);
    expect(toFloat16Bits(-Infinity)).toBe(0xfc00);
  });

  it('matches a reference conversion on random floats, ties and near-ties, within 2^-11 relative in the normal range', () => {
    const r = rand(5);
    const bits: number[] = [];
    // random float32 across [2^-30, 2^17), both signs
    for (let i = 0; i < 20000; i++) bits.push(((r() & 1) << 31) | ((97 + (r() % 47)) << 23) | (r() & 0x7fffff));
    // midpoints between neighbouring float16 values, and one float32 ulp either side
    for (let i = 0; i < 3000; i++) {
      const h = r() % 0x7bff;
      const mid = Math.fround((fromFloat16Bits(h) + fromFloat16Bits(h + 1)) / 2);
      const b = f32([0]);
      b[0] = mid;
      const u = new Uint32Array(b.buffer)[0];
      bits.push(u, u + 1, u - 1, (u | 0x80000000) >>> 0);
    }
    const xs = f32(bits.map((b) => b >>> 0));
    const out = new Uint16Array(xs.length);
    encodeFloat16(xs, out);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      expect(out[i], `x = ${x}`).toBe(reference(x));
      expect(toFloat16Bits(x)).toBe(out[i]);
      const a = Math.abs(x);
      if (a >= 2 ** -14 && a <= 65504) worst = Math.max(worst, Math.abs(fromFloat16Bits(out[i]) - x) / a);
    }
    expect(worst).toBeLessThanOrEqual(2 ** -11);
    expect(worst).toBeGreaterThan(2 ** -12); // the sample reaches the bound
  });

  it('encodes and decodes ranges at offsets, and refuses ranges out of bounds', () => {
    const backing = new Float32Array(12);
    const src = backing.subarray(2, 10); // a view at a byte offset
    src.set([1, -2, 0.1, 1e-6, 70000, -0, 3.14159, 2 ** -24]);
    const dst = new Uint16Array(10).fill(0xabcd);
    encodeFloat16(src, dst, 3, 1, 6);
    expect(Array.from(dst)).toEqual([0xabcd, 0xabcd, 0xabcd, ...[-2, 0.1, 1e-6, 70000, -0].map(toFloat16Bits), 0xabcd, 0xabcd]);
    const back = new Float32Array(7);
    decodeFloat16(dst, back, 1, 3, 5);
    expect(Array.from(back.subarray(1, 6))).toEqual([-2, 0.0999755859375, 17 * 2 ** -24, Infinity, -0]);
    expect(() => encodeFloat16(src, dst, 8, 0, 3)).toThrow(RangeError);
    expect(() => encodeFloat16(src, dst, 0, 5, 9)).toThrow(RangeError);
    expect(float16Table()).toBe(float16Table());
  });
});
