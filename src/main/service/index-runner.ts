// Runs index requests from the UI (desktop library process and serve alike): one run at a time, cancellable and pausable,
// with the last report and progress kept so a tab that connects mid-run (or after) can show where things stand.
// Pausing stops after the current batch (everything written so far stays); resuming runs the same folders
// again, which skips the photos already done, so it carries on where it stopped.
import type { Library } from '../core/index.js';
import type { IndexProgress, IndexReport } from '../../shared/types.js';

export interface IndexRunnerEvents {
  onDone(report: IndexReport): void;
  onError(message: string): void;
}

export class IndexRunner {
  private controller: AbortController | null = null;
  private running: Promise<void> | null = null;
  private roots: string[] | undefined;
  private pausing = false;
  last: IndexReport | null = null;
  progress: IndexProgress | null = null;
  /** The folders of a paused run (undefined: every folder), or null when nothing is paused. */
  paused: { roots: string[] | undefined } | null = null;

  constructor(
    private readonly lib: Library,
    private readonly events: IndexRunnerEvents,
  ) {
    lib.on('progress', (p) => {
      this.progress = p;
    });
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Starts a run over `roots` (or every root); false when one is already running. */
  start(roots?: string[]): boolean {
    if (this.running) return false;
    const controller = new AbortController();
    this.controller = controller;
    this.roots = roots;
    this.paused = null;
    this.pausing = false;
    this.progress = null;
    this.running = this.lib
      .index({ roots, signal: controller.signal })
      .then(
        (report) => {
          this.last = report;
          if (this.pausing && report.cancelled) this.paused = { roots: this.roots };
          this.events.onDone(report);
        },
        (err: unknown) => this.events.onError(err instanceof Error ? err.message : String(err)),
      )
      .finally(() => {
        this.running = null;
        this.controller = null;
        this.pausing = false;
      });
    return true;
  }

  cancel(): boolean {
    this.paused = null;
    if (!this.controller || this.controller.signal.aborted) return false;
    this.controller.abort();
    return true;
  }

  /** Stops the run after the current batch and remembers it, for resume(). */
  pause(): boolean {
    if (!this.controller || this.controller.signal.aborted) return false;
    this.pausing = true;
    this.controller.abort();
    return true;
  }

  /** Runs the paused folders again; false when nothing is paused or a run is going. */
  resume(): boolean {
    if (!this.paused || this.running) return false;
    return this.start(this.paused.roots);
  }

  /** Resolves when the current run (if any) has finished. */
  async idle(): Promise<void> {
    await this.running;
  }
}
