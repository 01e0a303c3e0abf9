// Deterministic vectors shaped like CLIP ViT-B/32 embeddings of a photo library, for search benches: unit norm,
// one shared "image" mean direction (random photo pairs sit near cosine 0.5), themes of clusters, many small
// clusters with a small spread, some near-duplicates (bursts); and text queries that live across the modality gap
// (their best cosine with a photo is ~0.3, their mean ~0.2), aimed at one concept, two, or a whole theme.

export interface ClipLikeSet {
  dim: number;
  n: number;
  /** Row-major n × dim. */
  matrix: Float32Array;
  /** Cluster of each row. */
  cluster: Int32Array;
  clusters: number;
  /** clusters × dim, unit. */
  centres: Float32Array;
  themeOf: Int32Array;
  imageMean: Float32Array;
  textMean: Float32Array;
}

/** Small fast PRNG (sfc32); returns uint32. */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 + seed * 7;
  let c = 0xb7e15162 ^ (seed << 3);
  let d = 1;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return r >>> 0;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** A table of standard normals: drawing = one PRNG call and a lookup, fast enough for a billion values. */
function normalTable(seed: number): Float32Array {
  const r = prng(seed);
  const t = new Float32Array(1 << 16);
  for (let i = 0; i < t.length; i += 2) {
    const u1 = (r() + 1) / 4294967297;
    const u2 = r() / 4294967296;
    const m = Math.sqrt(-2 * Math.log(u1));
    t[i] = m * Math.cos(2 * Math.PI * u2);
    t[i + 1] = m * Math.sin(2 * Math.PI * u2);
  }
  return t;
}

function normalise(v: Float32Array, off = 0, d = v.length): void {
  let s = 0;
  for (let j = 0; j < d; j++) s += v[off + j] * v[off + j];
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < d; j++) v[off + j] *= inv;
}

export interface ClipLikeOptions {
  n: number;
  dim?: number;
  /** Photos per cluster on average (default 100). */
  perCluster?: number;
  seed?: number;
}

export function clipLikeSet(opts: ClipLikeOptions): ClipLikeSet {
  const dim = opts.dim ?? 512;
  const n = opts.n;
  const seed = opts.seed ?? 1;
  const clusters = Math.max(2, Math.round(n / (opts.perCluster ?? 100)));
  const themes = Math.max(1, Math.round(clusters / 25));
  const rnd = prng(seed);
  const table = normalTable(seed + 1);
  const gauss = () => table[rnd() & 0xffff];
  const randomUnit = () => {
    const v = new Float32Array(dim);
    for (let j = 0; j < dim; j++) v[j] = gauss();
    normalise(v);
    return v;
  };
  const imageMean = randomUnit();
  const textMean = randomUnit();
  // Text and image means nearly orthogonal: the modality gap.
  let dot = 0;
  for (let j = 0; j < dim; j++) dot += textMean[j] * imageMean[j];
  for (let j = 0; j < dim; j++) textMean[j] -= dot * imageMean[j];
  normalise(textMean);

  const themeDir = Array.from({ length: themes }, randomUnit);
  const centres = new Float32Array(clusters * dim);
  const themeOf = new Int32Array(clusters);
  for (let c = 0; c < clusters; c++) {
    const t = rnd() % themes;
    themeOf[c] = t;
    const g = randomUnit();
    for (let j = 0; j < dim; j++) centres[c * dim + j] = 1.0 * imageMean[j] + 0.7 * themeDir[t][j] + 0.7 * g[j];
    normalise(centres, c * dim, dim);
  }
  // Uneven cluster sizes (a few big events, many small ones): weights ~ 1/(rank+5).
  const cum = new Float64Array(clusters);
  let total = 0;
  for (let c = 0; c < clusters; c++) cum[c] = total += 1 / (((c * 2654435761) % clusters) + 5);
  const pick = () => {
    const x = (rnd() / 4294967296) * total;
    let lo = 0;
    let hi = clusters - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const matrix = new Float32Array(n * dim);
  const cluster = new Int32Array(n);
  const spread = 0.55 / Math.sqrt(dim);
  const burst = 0.12 / Math.sqrt(dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    // One photo in twenty is a near-copy of the one before (bursts, edits).
    if (i > 0 && rnd() % 20 === 0) {
      cluster[i] = cluster[i - 1];
      for (let j = 0; j < dim; j++) matrix[o + j] = matrix[o - dim + j] + burst * gauss();
    } else {
      const c = pick();
      cluster[i] = c;
      const co = c * dim;
      for (let j = 0; j < dim; j++) matrix[o + j] = centres[co + j] + spread * gauss();
    }
    normalise(matrix, o, dim);
  }
  return { dim, n, matrix, cluster, clusters, centres, themeOf, imageMean, textMean };
}

/** Text-query-like vectors: half aim at one concept, a third at two, the rest at a whole theme. */
export function textQueries(set: ClipLikeSet, count: number, seed = 99): Float32Array[] {
  const { dim } = set;
  const rnd = prng(seed);
  const table = normalTable(seed + 1);
  const gauss = () => table[rnd() & 0xffff];
  const out: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const q = new Float32Array(dim);
    const kind = i % 6;
    const concept = new Float32Array(dim);
    if (kind < 3 || kind === 5) {
      const parts = kind === 5 ? 1 : kind < 2 ? 1 : 2;
      for (let p = 0; p < parts; p++) {
        const c = rnd() % set.clusters;
        for (let j = 0; j < dim; j++) concept[j] += set.centres[c * dim + j] - set.imageMean[j] * 0.7;
      }
    } else {
      // a theme: the mean of its clusters
      const t = set.themeOf[rnd() % set.clusters];
      for (let c = 0; c < set.clusters; c++) {
        if (set.themeOf[c] !== t) continue;
        for (let j = 0; j < dim; j++) concept[j] += set.centres[c * dim + j];
      }
      let m = 0;
      for (let j = 0; j < dim; j++) m += concept[j] * set.imageMean[j];
      for (let j = 0; j < dim; j++) concept[j] -= m * set.imageMean[j] * 0.7;
    }
    normalise(concept);
    for (let j = 0; j < dim; j++) q[j] = 0.9 * set.textMean[j] + 0.25 * set.imageMean[j] + 0.3 * concept[j] + (0.25 / Math.sqrt(dim)) * gauss();
    normalise(q);
    out.push(q);
  }
  return out;
}
