// A bounded min-heap of (score, row): keeps the k best rows seen, and tells a scan loop cheaply whether a row
// could still enter (so an expensive prefilter runs only for rows that would).

export class TopK {
  readonly scores: Float64Array;
  readonly rows: Int32Array;
  size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(Math.max(1, k));
    this.rows = new Int32Array(Math.max(1, k));
  }

  /** True when a row with score `s` would be kept. */
  wants(s: number): boolean {
    return this.size < this.k || s > this.scores[0];
  }

  get full(): boolean {
    return this.size >= this.k;
  }

  push(s: number, row: number): void {
    const hs = this.scores;
    const hr = this.rows;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (hs[p] <= s) break;
        hs[i] = hs[p];
        hr[i] = hr[p];
        i = p;
      }
      hs[i] = s;
      hr[i] = row;
      return;
    }
    if (!(s > hs[0])) return;
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && hs[r] < hs[l] ? r : l;
      if (hs[c] >= s) break;
      hs[i] = hs[c];
      hr[i] = hr[c];
      i = c;
    }
    hs[i] = s;
    hr[i] = row;
  }
}
