// Keeps the index current while the app runs: roots whose files are added, changed, renamed or deleted (or that
// go offline or come back) get an incremental index run a couple of seconds after things settle.
import type { IndexReport } from '../../../shared/types.js';
import { SoutuError } from '../errors.js';
import { FolderWatcher, type FolderWatcherOptions } from '../watch/folder-watcher.js';

export type WatchOptions = Pick<FolderWatcherOptions, 'settleMs' | 'maxWaitMs' | 'pollIntervalMs' | 'rootCheckMs'>;

export interface WatchDeps {
  dir: string;
  readOnly: boolean;
  roots(): string[];
  /** The run in progress, if any (the user's or ours). */
  running(): Promise<IndexReport> | null;
  index(roots: string[]): Promise<IndexReport>;
  warn(message: string): void;
}

export class WatchService {
  private watcher: FolderWatcher | null = null;
  private readonly queue = new Set<string>();
  private loop: Promise<void> | null = null;

  constructor(private readonly deps: WatchDeps) {}

  /** Starts watching every root; resolves once watching started. */
  async start(opts: WatchOptions = {}): Promise<void> {
    if (this.deps.readOnly) throw new SoutuError('bad-request', 'A library opened read-only cannot watch its folders.');
    if (this.watcher) return;
    this.watcher = await FolderWatcher.start({
      ...opts,
      roots: this.deps.roots(),
      exclude: [this.deps.dir],
      onChange: (roots) => this.enqueue(roots),
      onWarning: (m) => this.deps.warn(m),
    });
  }

  get mode(): 'watching' | 'polling' | null {
    const m = this.watcher?.mode;
    return m === 'watching' || m === 'polling' ? m : null;
  }

  /** The roots changed (added or removed folders). */
  async rootsChanged(): Promise<void> {
    await this.watcher?.setRoots(this.deps.roots());
  }

  async stop(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    this.queue.clear();
    await w?.close();
    await this.loop;
  }

  /** One watcher-driven run at a time; roots that change meanwhile are collected for the next one. */
  private enqueue(roots: string[]): void {
    for (const r of roots) this.queue.add(r);
    this.loop ??= (async () => {
      try {
        while (this.watcher && this.queue.size > 0) {
          // A run already in progress goes first; the queued roots are rescanned after it.
          const running = this.deps.running();
          if (running) {
            await running.catch(() => {});
            continue;
          }
          const known = new Set(this.deps.roots());
          const next = [...this.queue].filter((r) => known.has(r));
          this.queue.clear();
          if (next.length === 0) continue;
          await this.deps.index(next).catch((err: unknown) => this.deps.warn(`Could not update the index after a change: ${(err as Error).message}`));
        }
      } finally {
        this.loop = null;
      }
    })();
  }
}
