// The progress of one index run as the UI sees it: counts per outcome, a rate over the last ten seconds and an
// estimate of the time left, reported at most five times a second (and always at phase changes).
import type { IndexProgress } from '../../../shared/types.js';

const EMIT_EVERY_MS = 200;
const RATE_WINDOW_MS = 10_000;

export class ProgressTracker {
  readonly p: IndexProgress = {
    phase: 'scanning', found: 0, done: 0, indexed: 0, unchanged: 0, skipped: 0, failed: 0, moved: 0, removed: 0, rate: 0, etaSeconds: null,
  };
  private lastEmit = 0;
  private readonly window: number[] = [];
  /** Files the pipeline will process (the rate's estimate counts down from it). */
  todo = 0;

  constructor(private readonly report: (p: IndexProgress) => void) {}

  emit(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastEmit < EMIT_EVERY_MS) return;
    this.lastEmit = now;
    this.report({ ...this.p });
  }

  /** One file went through the pipeline. */
  itemDone(ok: boolean, file: string): void {
    const p = this.p;
    p.done++;
    if (ok) p.indexed++;
    else p.failed++;
    const now = Date.now();
    this.window.push(now);
    while (this.window.length > 0 && now - this.window[0] > RATE_WINDOW_MS) this.window.shift();
    const span = (now - (this.window[0] ?? now)) / 1000;
    p.rate = span > 0.5 ? this.window.length / span : 0;
    p.etaSeconds = p.rate > 0 ? Math.round((this.todo - p.done) / p.rate) : null;
    p.current = file;
    this.emit();
  }
}
