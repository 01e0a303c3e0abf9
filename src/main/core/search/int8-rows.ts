// Int8 scalar-quantised copy of a vector matrix for fast approximate scans: each row is stored as its residual
// from a shared centre (CLIP vectors share a large mean direction, which would otherwise eat the int8 range),
// scaled per row. Ranking by the approximate score needs no centre term: x·q = c·q + (x−c)·q, and c·q is the
// same for every row.
import { createInt8Kernel, type Int8Kernel } from './int8-kernel.js';

/** Query lanes use 13 bits so that Σ 127·8191 over 4096 dimensions stays inside int32. */
const QUERY_MAX = 8191;

export class Int8Rows {
  readonly kernel: Int8Kernel;
  readonly centre: Float32Array;
  /** Per-row dequantisation factor (code units → float). */
  scale: Float32Array;
  /** Factor of the current query (int16 units → float), set by setQuery. */
  queryScale = 0;
  /** centre·q of the current query, so approximate scores can be reported on the true scale. */
  queryOffset = 0;
  private readonly residual: Float32Array;

  constructor(
    readonly dim: number,
    centre: Float32Array,
    opts: { forceJsKernel?: boolean; threads?: number } = {},
  ) {
    this.kernel = createInt8Kernel(dim, { forceJs: opts.forceJsKernel, threads: opts.threads });
    this.centre = Float32Array.from(centre);
    this.residual = new Float32Array(dim);
    this.scale = new Float32Array(this.kernel.out.length);
  }

  get bytes(): number {
    return this.kernel.bytes + this.scale.byteLength;
  }

  reserve(rows: number): void {
    this.kernel.reserve(rows);
    if (this.scale.length < rows) {
      const next = new Float32Array(Math.max(rows, this.kernel.out.length));
      next.set(this.scale);
      this.scale = next;
    }
  }

  /** Quantises `v` (length dim, at `offset`) into row `row`. */
  encode(row: number, v: Float32Array, offset = 0): void {
    const d = this.dim;
    const c = this.centre;
    const res = this.residual;
    let m = 0;
    for (let j = 0; j < d; j++) {
      const r = v[offset + j] - c[j];
      res[j] = r;
      m = Math.max(m, Math.abs(r));
    }
    this.storeResidual(row, m);
  }

  /** encode() of a float16 row (`bits` at `offset`, decoded through `table`), with no float32 row in between. */
  encodeHalf(row: number, bits: Uint16Array, offset: number, table: Float32Array): void {
    const d = this.dim;
    const c = this.centre;
    const res = this.residual;
    let m = 0;
    for (let j = 0; j < d; j++) {
      const r = table[bits[offset + j]] - c[j];
      res[j] = r;
      m = Math.max(m, Math.abs(r));
    }
    this.storeResidual(row, m);
  }

  /** Rounds the residual (largest magnitude `m`) into row `row`'s codes and scale. */
  private storeResidual(row: number, m: number): void {
    const d = this.dim;
    const res = this.residual;
    const s = m > 0 ? m / 127 : 1;
    const inv = 1 / s;
    const codes = this.kernel.codes;
    const base = row * this.kernel.stride;
    // Branch-free rounding (x + 128.5 is positive, so truncation floors): signs are random, branches mispredict.
    for (let j = 0; j < d; j++) codes[base + j] = ((res[j] * inv + 128.5) | 0) - 128;
    this.scale[row] = s;
  }

  move(from: number, to: number): void {
    const st = this.kernel.stride;
    this.kernel.codes.copyWithin(to * st, from * st, (from + 1) * st);
    this.scale[to] = this.scale[from];
  }

  setQuery(q: Float32Array): void {
    let m = 0;
    let off = 0;
    for (let j = 0; j < this.dim; j++) {
      const a = Math.abs(q[j]);
      if (a > m) m = a;
      off += this.centre[j] * q[j];
    }
    const s = m > 0 ? m / QUERY_MAX : 1;
    const inv = 1 / s;
    const qi = this.kernel.query;
    qi.fill(0);
    for (let j = 0; j < this.dim; j++) qi[j] = Math.round(q[j] * inv);
    this.queryScale = s;
    this.queryOffset = off;
  }
}
