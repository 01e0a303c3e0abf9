// In-memory cosine search over one model's normalised vectors: a growable row-major float16 matrix (the values
// scores are computed from) with id ↔ row maps. Small indexes are scanned exactly. From `quantizeFrom` rows an int8
// copy is scanned by a WebAssembly SIMD kernel (split across threads when large) and the best candidates are
// re-ranked with the stored vectors, so returned scores are exact and recall does not depend on how queries and
// photos are spread. The prefilter (`accept`) decides before a row can become a candidate, so filtered searches
// stay complete. Float16 rather than float32 halves the largest structure (100 MB instead of 200 for 100k 512-d
// photos): its 11 significant bits move a 512-d unit-vector dot product by ~5e-5 (2^-11 ≈ 5e-4 at worst), far
// below the score gaps that ranking depends on (recall@20 against float32 brute force: bench/tasks/recall.ts).
// Measurements behind the defaults (and why not IVF or HNSW): bench/PERFORMANCE.md.
import { encodeFloat16, float16Table } from './float16.js';
import { Int8Rows } from './int8-rows.js';
import { TopK } from './top-k.js';
import type { SnapshotInt8 } from './index-snapshot.js';

export interface ScoredRow {
  id: string;
  score: number;
  /** The plain score of a boosted row (score − boost). */
  base?: number;
}

export interface ScoreSink {
  add(x: number): void;
}

export interface VectorIndexOptions {
  /** Below this many rows a search is an exact float scan (default 8192). */
  quantizeFrom?: number;
  /** Candidates re-ranked exactly per result wanted: k·rerankFactor + rerankExtra (defaults 2 and 32). */
  rerankFactor?: number;
  rerankExtra?: number;
  /** Threads for large scans, this one included (default: the available cores, at most 8). */
  threads?: number;
  /** Use the plain-JS int8 kernel (tests; runtimes without WebAssembly SIMD fall back to it on their own). */
  forceJsKernel?: boolean;
}

export interface SearchStats {
  mode: 'exact' | 'int8';
  scanned: number;
  candidates: number;
  threads: number;
}

/** Rows whose scores feed `stats` in quantised mode: a fixed, evenly spread sample. */
const STATS_SAMPLE = 4096;
/** A filtered sample is extended until it holds this many accepted rows (or covers everything). */
const STATS_MIN_ACCEPTED = 1024;

export class VectorIndex {
  /** Row-major rows × dim float16 bits; capacity grows by doubling. */
  private data: Uint16Array;
  /** float16 bits → value (shared by all indexes). */
  private readonly f16: Float32Array;
  private ids: string[] = [];
  private rowOf = new Map<string, number>();
  private q8: Int8Rows | null = null;
  /** An int8 copy being filled from a snapshot (int8Target → loadFloat16). */
  private pendingQ8: Int8Rows | null = null;
  /** Size when the int8 centre was last computed; the codes are recentred when the index has doubled. */
  private q8BuiltFor = 0;
  private readonly opts: Required<VectorIndexOptions>;
  private readonly initialCapacity: number;
  /** Counts changes to the rows (set, append, delete, load): a snapshot written meanwhile is not the index. */
  generation = 0;
  /** What the last search did (for benches and tests). */
  lastSearch: SearchStats = { mode: 'exact', scanned: 0, candidates: 0, threads: 1 };

  constructor(
    readonly dim: number,
    capacity = 1024,
    options: VectorIndexOptions = {},
  ) {
    // Allocated on first write, then at the size of a bulk load if that comes first.
    this.data = new Uint16Array(0);
    this.f16 = float16Table();
    this.initialCapacity = Math.max(1, capacity);
    this.opts = {
      quantizeFrom: options.quantizeFrom ?? 8192,
      rerankFactor: options.rerankFactor ?? 2,
      rerankExtra: options.rerankExtra ?? 32,
      threads: options.threads ?? 0,
      forceJsKernel: options.forceJsKernel ?? false,
    };
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  idSet(): Set<string> {
    return new Set(this.ids);
  }

  /** The stored vector (float16 values, widened to float32), or null when the id is not indexed. */
  get(id: string): Float32Array | null {
    const r = this.rowOf.get(id);
    if (r === undefined) return null;
    const out = new Float32Array(this.dim);
    this.decodeRow(r, out);
    return out;
  }

  /** Bytes held by the vectors and the search structures (not the 256 KB float16 table all indexes share). */
  get bytes(): number {
    return this.data.byteLength + (this.q8?.bytes ?? 0);
  }

  private decodeRow(r: number, out: Float32Array): void {
    const d = this.dim;
    const data = this.data;
    const t = this.f16;
    const base = r * d;
    for (let j = 0; j < d; j++) out[j] = t[data[base + j]];
  }

  private grow(min: number): void {
    let cap = this.data.length / this.dim;
    if (cap >= min) return;
    // The first allocation is as large as asked for: a bulk load of 100k rows gets 100k, not the next power of two.
    if (cap === 0) cap = Math.max(this.initialCapacity, min);
    while (cap < min) cap *= 2;
    const next = new Uint16Array(cap * this.dim);
    next.set(this.data.subarray(0, this.ids.length * this.dim));
    this.data = next;
  }

  set(id: string, v: Float32Array): void {
    if (v.length !== this.dim) throw new Error(`vector of length ${v.length}, index is ${this.dim}-d`);
    let r = this.rowOf.get(id);
    if (r === undefined) {
      r = this.ids.length;
      this.grow(r + 1);
      this.ids.push(id);
      this.rowOf.set(id, r);
    }
    encodeFloat16(v, this.data, r * this.dim);
    this.generation++;
    if (this.q8) {
      this.q8.reserve(r + 1);
      this.q8.encode(r, v); // from the float32 input while it is at hand
    }
  }

  /**
   * Bulk load from a row-major matrix (as read from the store). The values are converted to float16 as they are
   * copied, so no second float32 matrix is made and the caller's matrix is not kept (it may be reused or dropped).
   */
  load(ids: string[], matrix: Float32Array): void {
    if (matrix.length !== ids.length * this.dim) throw new Error(`matrix of ${matrix.length} values for ${ids.length} ${this.dim}-d rows`);
    if (this.ids.length === 0 && ids.length > 0 && new Set(ids).size === ids.length) {
      this.q8?.kernel.dispose();
      this.q8 = null;
      this.q8BuiltFor = 0;
      this.grow(ids.length);
      encodeFloat16(matrix, this.data, 0);
      this.ids = ids.slice();
      this.rowOf = new Map(ids.map((id, r) => [id, r]));
      this.generation++;
      return;
    }
    this.grow(this.ids.length + ids.length);
    for (let i = 0; i < ids.length; i++) this.set(ids[i], matrix.subarray(i * this.dim, (i + 1) * this.dim));
  }

  /**
   * The ids, float16 rows and (when it covers every row) the int8 copy as held: views, valid until the index
   * changes. For an on-disk snapshot.
   */
  rowsForSnapshot(): { ids: readonly string[]; rows: Uint16Array; int8: SnapshotInt8 | null } {
    const n = this.ids.length;
    const q8 = this.q8;
    const int8 =
      q8 && q8.kernel.codes.length >= n * q8.kernel.stride && q8.scale.length >= n && this.q8BuiltFor > 0
        ? { stride: q8.kernel.stride, builtFor: this.q8BuiltFor, centre: q8.centre, scale: q8.scale.subarray(0, n), codes: q8.kernel.codes.subarray(0, n * q8.kernel.stride) }
        : null;
    return { ids: this.ids, rows: this.data.subarray(0, n * this.dim), int8 };
  }

  /**
   * Where a snapshot's int8 codes for `n` rows go: a new int8 copy around `centre`, adopted by loadFloat16() when
   * the snapshot's int8 part checks out. Null when the snapshot's row layout is not this kernel's.
   */
  int8Target(n: number, stride: number, centre: Float32Array): Int8Array | null {
    this.pendingQ8?.kernel.dispose();
    this.pendingQ8 = null;
    if (centre.length !== this.dim) return null;
    const threads = this.opts.threads > 0 ? this.opts.threads : undefined;
    const q8 = new Int8Rows(this.dim, centre, { forceJsKernel: this.opts.forceJsKernel, threads });
    if (q8.kernel.stride !== stride) {
      q8.kernel.dispose();
      return null;
    }
    q8.reserve(n);
    this.pendingQ8 = q8;
    return q8.kernel.codes;
  }

  /**
   * Takes over float16 rows from a snapshot (an empty index only; ids must be distinct), and the int8 copy whose
   * codes int8Target() received, given its row scales; without them the copy is built on first use as usual.
   */
  loadFloat16(ids: string[], rows: Uint16Array, int8?: { scale: Float32Array; builtFor: number } | null): void {
    const pending = this.pendingQ8;
    this.pendingQ8 = null;
    if (this.ids.length !== 0 || rows.length !== ids.length * this.dim) {
      pending?.kernel.dispose();
      if (this.ids.length !== 0) throw new Error('loadFloat16 needs an empty index');
      throw new Error(`${rows.length} values for ${ids.length} ${this.dim}-d rows`);
    }
    const rowOf = new Map<string, number>();
    for (let r = 0; r < ids.length; r++) rowOf.set(ids[r], r);
    if (rowOf.size !== ids.length) {
      pending?.kernel.dispose();
      throw new Error('duplicate ids');
    }
    this.dispose();
    this.data = rows;
    this.ids = ids;
    this.rowOf = rowOf;
    if (pending && int8 && int8.scale.length === ids.length && pending.kernel.codes.length >= ids.length * pending.kernel.stride) {
      pending.scale.set(int8.scale);
      this.q8 = pending;
      this.q8BuiltFor = int8.builtFor;
    } else pending?.kernel.dispose();
    this.generation++;
  }

  /** Makes room for `rows` rows in all, so a bulk load in batches allocates once. */
  reserve(rows: number): void {
    this.grow(rows);
  }

  /** Adds rows in bulk (a batch as read from the store); ids already present are overwritten as by set(). */
  append(ids: string[], matrix: Float32Array): void {
    if (matrix.length !== ids.length * this.dim) throw new Error(`matrix of ${matrix.length} values for ${ids.length} ${this.dim}-d rows`);
    const d = this.dim;
    this.grow(this.ids.length + ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (this.q8 || this.rowOf.has(id)) {
        this.set(id, matrix.subarray(i * d, (i + 1) * d));
        continue;
      }
      const r = this.ids.length;
      this.ids.push(id);
      this.rowOf.set(id, r);
      encodeFloat16(matrix.subarray(i * d, (i + 1) * d), this.data, r * d);
    }
    this.generation++;
  }

  delete(id: string): void {
    const r = this.rowOf.get(id);
    if (r === undefined) return;
    const last = this.ids.length - 1;
    if (r !== last) {
      const lastId = this.ids[last];
      this.data.copyWithin(r * this.dim, last * this.dim, (last + 1) * this.dim);
      this.q8?.move(last, r);
      this.ids[r] = lastId;
      this.rowOf.set(lastId, r);
    }
    this.ids.pop();
    this.generation++;
    this.rowOf.delete(id);
  }

  /** Dot product of a stored row with `q`, or null when the id is not indexed. */
  score(id: string, q: Float32Array): number | null {
    const r = this.rowOf.get(id);
    return r === undefined ? null : this.dot(r, q);
  }

  /** Exact scores of many ids at once (NaN where an id is not indexed); cheaper than score() in a loop. */
  scoreMany(ids: readonly string[], q: Float32Array): Float64Array {
    const out = new Float64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const r = this.rowOf.get(ids[i]);
      out[i] = r === undefined ? NaN : this.dot(r, q);
    }
    return out;
  }

  private dot(r: number, q: Float32Array): number {
    const d = this.dim;
    const data = this.data;
    const t = this.f16;
    const base = r * d;
    let s = 0;
    let j = 0;
    for (; j + 3 < d; j += 4) {
      const o = base + j;
      s += t[data[o]] * q[j] + t[data[o + 1]] * q[j + 1] + t[data[o + 2]] * q[j + 2] + t[data[o + 3]] * q[j + 3];
    }
    for (; j < d; j++) s += t[data[base + j]] * q[j];
    return s;
  }

  /**
   * Top `k` rows by dot product with `q` (cosine, for normalised vectors), best first, among rows that `accept`
   * lets through. Scores are exact. `stats` receives the scores of every accepted row (exact scan) or of an
   * evenly spread sample of them (quantised scan): same mean and spread, a fraction of the cost.
   * `boost` adds to some rows' scores before ranking (hybrid keyword matches); boosted rows then carry their
   * plain score in `base`, and `stats` still sees plain scores.
   */
  search(q: Float32Array, k: number, accept?: (id: string) => boolean, stats?: ScoreSink, boost?: ReadonlyMap<string, number>): ScoredRow[] {
    const n = this.ids.length;
    if (k <= 0 || n === 0) return [];
    if (n < this.opts.quantizeFrom) return this.exactSearch(q, k, accept, stats, boost);
    const q8 = this.quantized();
    q8.setQuery(q);
    const want = Math.min(n, k * this.opts.rerankFactor + this.opts.rerankExtra);
    const cand = new TopK(want);
    q8.kernel.scanRange(0, n);
    const extra = boost && boost.size > 0 ? this.boostRows(boost, 1 / q8.queryScale) : null;
    this.select(cand, n, accept, extra);
    this.lastSearch = { mode: 'int8', scanned: n, candidates: cand.size, threads: q8.kernel.threads };
    if (stats) this.sampleStats(accept, stats);
    return this.rerank(cand, q, k, boost);
  }

  /** The exact answer, whatever the size (for recall measurements and tests). */
  exactSearch(q: Float32Array, k: number, accept?: (id: string) => boolean, stats?: ScoreSink, boost?: ReadonlyMap<string, number>): ScoredRow[] {
    const n = this.ids.length;
    if (k <= 0 || n === 0) return [];
    const top = new TopK(Math.min(k, n));
    const b = boost && boost.size > 0 ? boost : null;
    for (let r = 0; r < n; r++) {
      if (accept && !accept(this.ids[r])) continue;
      const s = this.dot(r, q);
      stats?.add(s);
      top.push(b ? s + (b.get(this.ids[r]) ?? 0) : s, r);
    }
    this.lastSearch = { mode: 'exact', scanned: n, candidates: top.size, threads: 1 };
    return this.sorted(top, q, b);
  }

  private sorted(top: TopK, q: Float32Array, boost: ReadonlyMap<string, number> | null | undefined): ScoredRow[] {
    const out: ScoredRow[] = [];
    for (let i = 0; i < top.size; i++) {
      const id = this.ids[top.rows[i]];
      const row: ScoredRow = { id, score: top.scores[i] };
      if (boost?.has(id)) row.base = this.dot(top.rows[i], q);
      out.push(row);
    }
    out.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    return out;
  }

  /** Boosts per row, in the kernel's units (`unit` per 1.0 of score), as (rows, values) pairs. */
  private boostRows(boost: ReadonlyMap<string, number>, unit: number): { rows: Int32Array; values: Float64Array } {
    const rows = new Int32Array(boost.size);
    const values = new Float64Array(boost.size);
    let m = 0;
    for (const [id, b] of boost) {
      const r = this.rowOf.get(id);
      if (r === undefined || b === 0) continue;
      rows[m] = r;
      values[m++] = b * unit;
    }
    return { rows: rows.subarray(0, m), values: values.subarray(0, m) };
  }

  /**
   * Offers the kernel's scores of rows [0, n) to the candidates. The prefilter runs only for a row that would
   * enter, so its cost follows the candidates, not the library. Boosted rows are offered with their boost.
   */
  private select(cand: TopK, n: number, accept: ((id: string) => boolean) | undefined, extra: { rows: Int32Array; values: Float64Array } | null): void {
    const q8 = this.q8!;
    const out = q8.kernel.out;
    const scale = q8.scale;
    const ids = this.ids;
    let boosted: Uint8Array | null = null;
    if (extra) {
      // Boosted rows go first, and only with their boost.
      boosted = new Uint8Array(n);
      for (let i = 0; i < extra.rows.length; i++) {
        const r = extra.rows[i];
        boosted[r] = 1;
        const s = out[r] * scale[r] + extra.values[i];
        if (!cand.wants(s)) continue;
        if (accept && !accept(ids[r])) continue;
        cand.push(s, r);
      }
    }
    for (let r = 0; r < n; r++) {
      const s = out[r] * scale[r];
      if (!cand.wants(s)) continue;
      if (boosted !== null && boosted[r] === 1) continue;
      if (accept && !accept(ids[r])) continue;
      cand.push(s, r);
    }
  }

  private rerank(cand: TopK, q: Float32Array, k: number, boost?: ReadonlyMap<string, number>): ScoredRow[] {
    const top = new TopK(Math.min(k, cand.size));
    const b = boost && boost.size > 0 ? boost : null;
    for (let i = 0; i < cand.size; i++) {
      const r = cand.rows[i];
      top.push(this.dot(r, q) + (b ? (b.get(this.ids[r]) ?? 0) : 0), r);
    }
    return this.sorted(top, q, b);
  }

  /** Approximate scores (on the true scale) of an evenly spread sample of accepted rows. */
  private sampleStats(accept: ((id: string) => boolean) | undefined, stats: ScoreSink): void {
    const n = this.ids.length;
    const q8 = this.q8!;
    const kernel = q8.kernel;
    const list = kernel.rowList;
    const step = Math.max(1, Math.floor(n / STATS_SAMPLE));
    let accepted = 0;
    for (let offset = 0; offset < step; offset++) {
      let fill = 0;
      for (let r = offset; r < n; r += step) {
        if (accept && !accept(this.ids[r])) continue;
        list[fill++] = r;
        if (fill === list.length) break;
      }
      kernel.scanRows(fill);
      const out = kernel.out;
      for (let i = 0; i < fill; i++) stats.add(q8.queryOffset + q8.queryScale * q8.scale[list[i]] * out[i]);
      accepted += fill;
      if (accepted >= STATS_MIN_ACCEPTED) break;
    }
  }

  // ---- quantised copy -----------------------------------------------------------------------------------

  private quantized(): Int8Rows {
    const n = this.ids.length;
    if (this.q8 && n < 2 * this.q8BuiltFor) return this.q8;
    // Centre on the mean vector so the int8 range covers what differs between photos. The mean of an evenly spread
    // sample of 16384 to 32767 rows (all of them below that) is as good a centre (it only shifts the int8 range) at
    // a fraction of the cost.
    const d = this.dim;
    const data = this.data;
    const t = this.f16;
    const mean = new Float64Array(d);
    const part = new Float32Array(d);
    const step = Math.max(1, Math.floor(n / 16384));
    let counted = 0;
    // Float32 partial sums over blocks of rows, folded into float64: fast and accurate enough for a centre.
    for (let r0 = 0; r0 < n; r0 += 256 * step) {
      part.fill(0);
      const r1 = Math.min(n, r0 + 256 * step);
      for (let r = r0; r < r1; r += step) {
        const o = r * d;
        for (let j = 0; j < d; j++) part[j] += t[data[o + j]];
        counted++;
      }
      for (let j = 0; j < d; j++) mean[j] += part[j];
    }
    const centre = Float32Array.from(mean, (x) => x / counted);
    const threads = this.opts.threads > 0 ? this.opts.threads : undefined;
    this.q8?.kernel.dispose();
    const q8 = new Int8Rows(d, centre, { forceJsKernel: this.opts.forceJsKernel, threads });
    q8.reserve(Math.max(n, this.data.length / d));
    // From the stored rows (the float32 originals are gone): their float16 rounding is far below the int8 step.
    for (let r = 0; r < n; r++) q8.encodeHalf(r, data, r * d, t);
    this.q8 = q8;
    this.q8BuiltFor = n;
    return q8;
  }

  /** Builds the int8 copy now (rather than on the first search) when the index is large enough to use it. */
  prepare(): void {
    if (this.ids.length >= this.opts.quantizeFrom) this.quantized();
  }

  /** Stops the scan's helper threads (they also stop on their own when the index is garbage collected). */
  dispose(): void {
    this.q8?.kernel.dispose();
    this.q8 = null;
    this.q8BuiltFor = 0;
    this.pendingQ8?.kernel.dispose();
    this.pendingQ8 = null;
  }

  /** Whether the int8 copy exists (built on the first large search, by prepare(), or taken from a snapshot). */
  get hasInt8(): boolean {
    return this.q8 !== null && this.q8BuiltFor > 0;
  }
}
