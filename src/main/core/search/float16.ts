// IEEE 754 binary16 ("half") storage for float32 data, for runtimes without Float16Array (Node 20): encoding with
// round-to-nearest-even in integer arithmetic, decoding through a 65536-entry table built once, on first use.

/** A float32 at or above this (magnitude bits, 65536.0) is infinite or NaN in float16. */
const F16_OVERFLOW = 0x47800000;
/** 2^-14, the smallest normal float16: below it the result is subnormal or zero. */
const F16_MIN_NORMAL = 113 << 23;
const F32_INF = 0x7f800000;

/**
 * Float16 bits of a float32 given by its bits. Exact for values float16 can hold; others round to nearest, ties
 * to even, as the IEEE conversion does: magnitudes from 65520 up become ±Infinity, below 2^-25 ±0, NaN a quiet NaN.
 */
function halfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const a = x & 0x7fffffff;
  if (a >= F16_OVERFLOW) return sign | (a > F32_INF ? 0x7e00 : 0x7c00);
  if (a >= F16_MIN_NORMAL) {
    // Rebias the exponent and round the 13 dropped bits: +0xfff rounds up past half, +1 more when the kept
    // mantissa is odd settles ties to even. A carry into the exponent is right, up to 65520 → Infinity.
    return sign | ((a - (112 << 23) + 0xfff + ((a >>> 13) & 1)) >>> 13);
  }
  // Subnormal result, in units of 2^-24: the 24-bit significand shifted right by 126 − exponent (14 or more).
  const shift = 126 - (a >>> 23);
  if (shift > 24) return sign; // below 2^-25: rounds to zero (float32 subnormals land here too)
  const m = (a & 0x7fffff) | 0x800000;
  const q = m >>> shift;
  const rest = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  // Rounding the largest subnormals up gives 0x400, the smallest normal: the right bits.
  return sign | (rest > half || (rest === half && (q & 1) === 1) ? q + 1 : q);
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** Float16 bits of a number (rounded to float32 first). */
export function toFloat16Bits(x: number): number {
  scratchF32[0] = x;
  return halfBits(scratchU32[0]);
}

/**
 * Encodes src[start, end) as float16 into dst from `dstOffset`. Reads the float32 bits through a view of src's
 * buffer, so nothing of the range's size is allocated.
 */
export function encodeFloat16(src: Float32Array, dst: Uint16Array, dstOffset = 0, start = 0, end = src.length): void {
  if (start < 0 || end > src.length || start > end) throw new RangeError(`range [${start}, ${end}) of ${src.length} values`);
  if (dstOffset < 0 || dstOffset + (end - start) > dst.length) throw new RangeError(`${end - start} values at ${dstOffset} of ${dst.length}`);
  const bits = new Uint32Array(src.buffer, src.byteOffset + 4 * start, end - start);
  const out = dst.subarray(dstOffset, dstOffset + bits.length);
  const n = bits.length;
  for (let i = 0; i < n; i++) {
    const x = bits[i];
    const a = x & 0x7fffffff;
    // The normal range inline (halfBits' rounding, one unsigned compare): about twice as fast as calling it.
    out[i] = (a - F16_MIN_NORMAL) >>> 0 < F16_OVERFLOW - F16_MIN_NORMAL ? ((x >>> 16) & 0x8000) | ((a - (112 << 23) + 0xfff + ((a >>> 13) & 1)) >>> 13) : halfBits(x);
  }
}

let table: Float32Array | null = null;

/** The float32 value of every float16 bit pattern (256 KB, built on first call, then shared). */
export function float16Table(): Float32Array {
  if (table) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 32768; h++) {
    const e = h >>> 10;
    const m = h & 0x3ff;
    const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m === 0 ? Infinity : NaN) : (1 + m / 1024) * 2 ** (e - 15);
    t[h] = v;
    t[h | 0x8000] = -v;
  }
  table = t;
  return t;
}

/** The value of float16 bits `h`. */
export function fromFloat16Bits(h: number): number {
  return float16Table()[h & 0xffff];
}

/** Decodes src[start, start + count) into dst from `dstOffset`. */
export function decodeFloat16(src: Uint16Array, dst: Float32Array, dstOffset = 0, start = 0, count = src.length - start): void {
  const t = float16Table();
  for (let i = 0; i < count; i++) dst[dstOffset + i] = t[src[start + i]];
}
