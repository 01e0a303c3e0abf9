// A frame's coarse fingerprint for seeing a cut (an 8×8 grid of mean colour) and what the sampler reads from it:
// the distance between two frames, and how much a frame shows (for the poster).
const GRID = 8;

/** 8×8 grid of mean RGB (192 values, 0..255), with every other pixel read: enough to see a cut. */
export function gridSignature(data: Uint8Array, width: number, height: number): Float32Array {
  const sums = new Float64Array(GRID * GRID * 3);
  const counts = new Float64Array(GRID * GRID);
  for (let y = 0; y < height; y += 2) {
    const row = Math.min(GRID - 1, Math.floor((y * GRID) / height)) * GRID;
    for (let x = 0; x < width; x += 2) {
      const cell = row + Math.min(GRID - 1, Math.floor((x * GRID) / width));
      const o = (y * width + x) * 3;
      sums[cell * 3] += data[o];
      sums[cell * 3 + 1] += data[o + 1];
      sums[cell * 3 + 2] += data[o + 2];
      counts[cell]++;
    }
  }
  const out = new Float32Array(GRID * GRID * 3);
  for (let i = 0; i < out.length; i++) out[i] = counts[Math.floor(i / 3)] > 0 ? sums[i] / counts[Math.floor(i / 3)] : 0;
  return out;
}

export function gridDistance(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d / (a.length * 255);
}

export function lumaStdev(sig: Float32Array): number {
  const n = sig.length / 3;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const y = 0.299 * sig[i * 3] + 0.587 * sig[i * 3 + 1] + 0.114 * sig[i * 3 + 2];
    s += y;
    s2 += y * y;
  }
  const mean = s / n;
  return Math.sqrt(Math.max(0, s2 / n - mean * mean));
}
