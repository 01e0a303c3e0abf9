// Indexing as the UI sees it: live progress from events, the last report, and the failed-files list.
import type { SoutuApi } from '../../../shared/api';
import type { FailedFile, IndexProgress, IndexReport } from '../../../shared/types';
import { t } from '../lib/i18n.svelte';
import type { AppState } from './app.svelte';

const IDLE_PHASES = new Set(['done', 'cancelled']);

export class IndexingState {
  progress = $state.raw<IndexProgress | null>(null);
  last = $state.raw<IndexReport | null>(null);
  failures = $state.raw<FailedFile[]>([]);
  starting = $state(false);
  cancelling = $state(false);
  pausing = $state(false);
  /** The last run was paused (not cancelled): Resume carries on with the same folders. */
  paused = $state(false);

  running = $derived(this.starting || (this.progress !== null && !IDLE_PHASES.has(this.progress.phase)));
  /** Photos this run has to process (new or changed), once scanning is over. */
  todo = $derived(this.progress ? Math.max(0, this.progress.found - this.progress.unchanged - this.progress.moved) : 0);
  fraction = $derived.by(() => {
    const p = this.progress;
    if (!p || p.phase === 'scanning') return null;
    if (IDLE_PHASES.has(p.phase)) return 1;
    // The text stage counts its own photos (those worth reading), unknown until it has started.
    if (p.phase === 'reading-text') return p.ocrTotal === undefined ? null : p.ocrTotal > 0 ? Math.min(1, (p.ocrDone ?? 0) / p.ocrTotal) : 1;
    return this.todo > 0 ? Math.min(1, p.done / this.todo) : 1;
  });

  constructor(
    private readonly api: SoutuApi,
    private readonly app: AppState,
  ) {}

  async init(): Promise<void> {
    this.api.on('index:progress', (p) => {
      // The photos are in (searchable by meaning) once text reading starts: the status counts them, and the
      // text still to read, from then on.
      const readingStarts = p.phase === 'reading-text' && this.progress?.phase !== 'reading-text';
      this.progress = p;
      this.starting = false;
      if (readingStarts) void this.app.refreshStatus();
    });
    this.api.on('index:done', (r) => {
      this.last = r;
      this.starting = false;
      this.cancelling = false;
      this.paused = r.cancelled && this.pausing;
      this.pausing = false;
      if (this.progress && !IDLE_PHASES.has(this.progress.phase)) this.progress = { ...this.progress, phase: r.cancelled ? 'cancelled' : 'done' };
      void this.loadFailures();
      void this.app.refreshStatus();
    });
    try {
      this.last = await this.api.call('index:last', {});
    } catch {
      // shown as "never indexed"
    }
    await this.loadFailures();
  }

  async loadFailures(): Promise<void> {
    try {
      this.failures = await this.api.call('failures:list', {});
    } catch (err) {
      this.app.error(err);
    }
  }

  /** Starts indexing `roots` (or every folder). */
  async start(roots?: string[]): Promise<void> {
    this.starting = true;
    this.paused = false;
    // Show "scanning" before asking: a quick run's progress and index:done events can arrive before the
    // call's answer, and must not be overwritten by a placeholder afterwards (it would never finish).
    const before = this.progress;
    if (!before || IDLE_PHASES.has(before.phase)) {
      this.progress = { phase: 'scanning', found: 0, done: 0, indexed: 0, unchanged: 0, skipped: 0, failed: 0, moved: 0, removed: 0, rate: 0, etaSeconds: null };
    }
    const placeholder = this.progress;
    try {
      const r = await this.api.call('index:start', roots ? { roots } : {});
      if (!r.started) {
        this.starting = false;
        if (this.progress === placeholder) this.progress = before;
        this.app.toast(t('folders.alreadyRunning'), 'info');
      }
    } catch (err) {
      this.starting = false;
      if (this.progress === placeholder) this.progress = before;
      this.app.error(err);
    }
  }

  async pause(): Promise<void> {
    this.pausing = true;
    try {
      const r = await this.api.call('index:pause', {});
      if (!r.paused) this.pausing = false;
    } catch (err) {
      this.pausing = false;
      this.app.error(err);
    }
  }

  async resume(): Promise<void> {
    this.paused = false;
    this.starting = true;
    try {
      const r = await this.api.call('index:resume', {});
      // Nothing paused on the server side (it restarted, say): a plain rescan does the same job.
      if (!r.started) await this.start();
    } catch (err) {
      this.starting = false;
      this.app.error(err);
    }
  }

  async cancel(): Promise<void> {
    this.cancelling = true;
    this.paused = false;
    try {
      await this.api.call('index:cancel', {});
    } catch (err) {
      this.cancelling = false;
      this.app.error(err);
    }
  }
}
