import { describe, expect, it } from 'vitest';
import { createInt8Kernel } from './int8-kernel.js';

function fill(seed: number, a: Int8Array | Int16Array, lo: number, hi: number) {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    a[i] = lo + (s % (hi - lo + 1));
  }
}

describe('int8 kernel', () => {
  it('is WebAssembly SIMD on this runtime', () => {
    expect(createInt8Kernel(512).simd).toBe(true);
  });

  for (const dim of [8, 13, 512, 768]) {
    it(`scores ranges and row lists exactly like plain JS (dim ${dim})`, () => {
      const w = createInt8Kernel(dim);
      const j = createInt8Kernel(dim, { forceJs: true });
      expect(w.stride).toBe(j.stride);
      expect(w.stride % 16).toBe(0);
      const n = 3000;
      // grow past the first reservation to check that codes survive it
      w.reserve(10);
      j.reserve(10);
      w.reserve(n);
      j.reserve(n);
      const codes = new Int8Array(n * w.stride);
      fill(1, codes, -127, 127);
      for (let r = 0; r < n; r++) for (let k = dim; k < w.stride; k++) codes[r * w.stride + k] = 0;
      w.codes.set(codes);
      j.codes.set(codes);
      w.reserve(2 * n);
      j.reserve(2 * n);
      const q = new Int16Array(w.stride);
      fill(2, q, -8191, 8191);
      for (let k = dim; k < w.stride; k++) q[k] = 0;
      w.query.set(q);
      j.query.set(q);

      w.scanRange(100, n - 100);
      j.scanRange(100, n - 100);
      expect(Array.from(w.out.subarray(0, n - 100))).toEqual(Array.from(j.out.subarray(0, n - 100)));
      let direct = 0;
      for (let k = 0; k < dim; k++) direct += codes[100 * w.stride + k] * q[k];
      expect(w.out[0]).toBe(direct);

      const rows = [5, 2999, 0, 17, 17, 1234];
      w.rowList.set(rows);
      j.rowList.set(rows);
      w.scanRows(rows.length);
      j.scanRows(rows.length);
      expect(Array.from(w.out.subarray(0, rows.length))).toEqual(Array.from(j.out.subarray(0, rows.length)));
    });
  }
});
