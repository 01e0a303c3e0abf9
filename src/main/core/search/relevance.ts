// Adaptive relevance cutoff: a query's "best matches" are the hits that stand out from the library's own score
// distribution for that query (z-score), and from the top hit, rather than everything above a fixed number.

export interface ScoreStats {
  mean: number;
  std: number;
  count: number;
}

/** Running mean/variance (Welford) so the search loop can collect stats without a second pass. */
export class ScoreAccumulator {
  private n = 0;
  private m = 0;
  private s = 0;

  add(x: number): void {
    this.n++;
    const d = x - this.m;
    this.m += d / this.n;
    this.s += d * (x - this.m);
  }

  stats(): ScoreStats {
    return { mean: this.m, std: this.n > 1 ? Math.sqrt(this.s / (this.n - 1)) : 0, count: this.n };
  }
}

/** The cutoff's parameters; each model's come from its catalog entry (embed/model-catalog.ts), with their source. */
export interface CutoffParams {
  /** z-score that a "best" hit must reach. */
  minZ: number;
  /** A best hit must also be within this fraction of the top hit's z-score. */
  spread: number;
  /** When the top hit's z-score is below this, nothing is a best match. */
  noneBelowZ: number;
}

export const DEFAULT_CUTOFF: CutoffParams = { minZ: 2.5, spread: 0.5, noneBelowZ: 2 };

/**
 * The score at and above which a hit is a "best match": at least `minZ` standard deviations above the mean,
 * and within `spread` of the top hit's z-score, so one strong match does not drag weak ones in with it.
 */
export function bestMatchCutoff(topScore: number, stats: ScoreStats, params: CutoffParams = DEFAULT_CUTOFF): number {
  const { minZ, spread, noneBelowZ } = params;
  if (stats.count < 5 || stats.std <= 1e-9) return -Infinity;
  const zTop = (topScore - stats.mean) / stats.std;
  // Nothing stands out: no best matches at all (the UI says so instead of showing noise as answers).
  if (zTop < noneBelowZ) return Infinity;
  // Small libraries cannot reach minZ; the top hit still counts when it stands out at all.
  const z = Math.max(Math.min(minZ, zTop), zTop * spread);
  return Math.min(topScore, stats.mean + z * stats.std);
}
