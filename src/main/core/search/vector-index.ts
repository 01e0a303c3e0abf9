// In-memory exact cosine search over one model's normalised vectors: a growable row-major matrix with
// id ↔ row maps, top-k by a bounded min-heap, and an optional per-row prefilter.

export interface ScoredRow {
  id: string;
  score: number;
}

export class VectorIndex {
  private data: Float32Array;
  private ids: string[] = [];
  private rowOf = new Map<string, number>();

  constructor(
    readonly dim: number,
    capacity = 1024,
  ) {
    this.data = new Float32Array(Math.max(1, capacity) * dim);
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

  get(id: string): Float32Array | null {
    const r = this.rowOf.get(id);
    return r === undefined ? null : this.data.slice(r * this.dim, (r + 1) * this.dim);
  }

  private grow(min: number): void {
    let cap = this.data.length / this.dim;
    if (cap >= min) return;
    while (cap < min) cap *= 2;
    const next = new Float32Array(cap * this.dim);
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
    this.data.set(v, r * this.dim);
  }

  /** Bulk load from a row-major matrix (as read from the store). */
  load(ids: string[], matrix: Float32Array): void {
    this.grow(this.ids.length + ids.length);
    for (let i = 0; i < ids.length; i++) this.set(ids[i], matrix.subarray(i * this.dim, (i + 1) * this.dim));
  }

  delete(id: string): void {
    const r = this.rowOf.get(id);
    if (r === undefined) return;
    const last = this.ids.length - 1;
    if (r !== last) {
      const lastId = this.ids[last];
      this.data.copyWithin(r * this.dim, last * this.dim, (last + 1) * this.dim);
      this.ids[r] = lastId;
      this.rowOf.set(lastId, r);
    }
    this.ids.pop();
    this.rowOf.delete(id);
  }

  /** Dot product of a stored row with `q`, or null when the id is not indexed. */
  score(id: string, q: Float32Array): number | null {
    const r = this.rowOf.get(id);
    if (r === undefined) return null;
    let s = 0;
    const base = r * this.dim;
    for (let j = 0; j < this.dim; j++) s += this.data[base + j] * q[j];
    return s;
  }

  /** Top `k` rows by dot product with `q` (cosine, for normalised vectors), best first. */
  search(q: Float32Array, k: number, accept?: (id: string) => boolean, stats?: { add(x: number): void }): ScoredRow[] {
    const d = this.dim;
    const n = this.ids.length;
    if (k <= 0 || n === 0) return [];
    const heapScore = new Float64Array(k);
    const heapRow = new Int32Array(k);
    let size = 0;
    const data = this.data;
    for (let r = 0; r < n; r++) {
      if (accept && !accept(this.ids[r])) continue;
      let s = 0;
      const base = r * d;
      let j = 0;
      for (; j + 3 < d; j += 4) {
        s += data[base + j] * q[j] + data[base + j + 1] * q[j + 1] + data[base + j + 2] * q[j + 2] + data[base + j + 3] * q[j + 3];
      }
      for (; j < d; j++) s += data[base + j] * q[j];
      stats?.add(s);
      if (size < k) {
        // sift up
        let i = size++;
        while (i > 0) {
          const p = (i - 1) >> 1;
          if (heapScore[p] <= s) break;
          heapScore[i] = heapScore[p];
          heapRow[i] = heapRow[p];
          i = p;
        }
        heapScore[i] = s;
        heapRow[i] = r;
      } else if (s > heapScore[0]) {
        // replace the root and sift down
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= size) break;
          const rr = l + 1;
          const c = rr < size && heapScore[rr] < heapScore[l] ? rr : l;
          if (heapScore[c] >= s) break;
          heapScore[i] = heapScore[c];
          heapRow[i] = heapRow[c];
          i = c;
        }
        heapScore[i] = s;
        heapRow[i] = r;
      }
    }
    const out: ScoredRow[] = [];
    for (let i = 0; i < size; i++) out.push({ id: this.ids[heapRow[i]], score: heapScore[i] });
    out.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    return out;
  }
}
