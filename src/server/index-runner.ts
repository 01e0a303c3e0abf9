// Runs index requests from the UI inside the serving process: one run at a time, cancellable, with the
// last report and progress kept so a tab that connects mid-run (or after) can show where things stand.
import type { Library } from '../main/core/library/library.js';
import type { IndexProgress, IndexReport } from '../shared/types.js';

export interface IndexRunnerEvents {
  onDone(report: IndexReport): void;
  onError(message: string): void;
}

export class IndexRunner {
  private controller: AbortController | null = null;
  private running: Promise<void> | null = null;
  last: IndexReport | null = null;
  progress: IndexProgress | null = null;

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
    this.progress = null;
    this.running = this.lib
      .index({ roots, signal: controller.signal })
      .then(
        (report) => {
          this.last = report;
          this.events.onDone(report);
        },
        (err: unknown) => this.events.onError(err instanceof Error ? err.message : String(err)),
      )
      .finally(() => {
        this.running = null;
        this.controller = null;
      });
    return true;
  }

  cancel(): boolean {
    if (!this.controller || this.controller.signal.aborted) return false;
    this.controller.abort();
    return true;
  }

  /** Resolves when the current run (if any) has finished. */
  async idle(): Promise<void> {
    await this.running;
  }
}
