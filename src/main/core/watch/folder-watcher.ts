// Watches the library's roots and says which roots changed, a couple of seconds after things settle, so the
// Library can run a cheap incremental index; falls back to periodic rescans when the OS runs out of watches.
import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import { watch as chokidarWatch, type ChokidarOptions, type FSWatcher } from 'chokidar';
import { isHiddenName, isNeverImageName, isSystemDirName } from '../scan/walk.js';
import { isInside } from '../fs/paths.js';

export interface FolderWatcherOptions {
  roots: string[];
  /** Folders never watched (the library folder). */
  exclude?: string[];
  /** Roots whose files were added, changed, renamed or deleted, or that went offline or came back. */
  onChange: (roots: string[]) => void;
  /** Plain sentences for the user: the switch to periodic rescans, for one. */
  onWarning?: (message: string) => void;
  /** Quiet time after the last event of a root before it is reported; files being copied keep it waiting. */
  settleMs?: number;
  /** A root with events that never stop (a long import) is still reported this often. */
  maxWaitMs?: number;
  /** Rescan interval once the OS watch limit was hit. */
  pollIntervalMs?: number;
  /** How often roots are checked for disappearing (unplugged) or coming back. */
  rootCheckMs?: number;
  /** Creates a chokidar watcher; tests inject one to simulate the OS limit. */
  watchFactory?: (paths: string[], options: ChokidarOptions) => FSWatcher;
}

export type WatchMode = 'watching' | 'polling' | 'closed';

const DEFAULTS = { settleMs: 2000, maxWaitMs: 30_000, pollIntervalMs: 5 * 60_000, rootCheckMs: 30_000 };

/** Folders given to one chokidar instance at a time while starting (see RootWatch). */
const START_BATCH = 32;

/** Errors that mean "the OS will not give more watches": inotify's ENOSPC, and running out of descriptors. */
export function isWatchLimitError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE' || /limit for number of file watchers/i.test(String((err as Error)?.message));
}


async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

/** Every folder under `dir` (itself included) that should be watched; files are never stat-ed. */
async function listFolders(dir: string, skip: (full: string, name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    out.push(d);
    const handle = await opendir(d, { bufferSize: 256 }).catch(() => null); // unreadable: the walker reports it
    if (!handle) continue;
    try {
      for await (const e of handle) {
        if (!e.isDirectory()) continue;
        const full = path.join(d, e.name);
        if (!skip(full, e.name)) stack.push(full);
      }
    } catch {
      // A folder that vanished mid-listing is simply not watched.
    }
  }
  return out;
}

interface Pending {
  first: number;
  timer: NodeJS.Timeout;
}

/**
 * The watches of one root. chokidar reads every folder it is given at once, stat-ing each file; on a 100k-file
 * tree that puts ~16k file-system requests in flight and leaves ~300 MB of RSS behind. So folders are listed
 * here first (no stat per file) and handed to chokidar with depth 0, a batch at a time, each batch waiting for
 * the previous one to be ready; folders that appear later go to one more instance.
 */
class RootWatch {
  private instances: FSWatcher[] = [];
  private live: FSWatcher | null = null;
  private folders = new Set<string>();
  private closed = false;

  constructor(
    readonly root: string,
    private host: FolderWatcher,
  ) {}

  async start(): Promise<void> {
    const all = await listFolders(this.root, this.host.skipFolder);
    for (let i = 0; i < all.length && !this.closed; i += START_BATCH) {
      const batch = all.slice(i, i + START_BATCH);
      for (const d of batch) this.folders.add(d);
      const w = this.host.createInstance(batch, this);
      this.instances.push(w);
      await new Promise<void>((resolve) => {
        w.once('ready', () => resolve());
        // An OS limit hit before ready still ends the wait (the host falls back to rescans).
        w.once('error', () => setImmediate(resolve));
      });
    }
  }

  /** A folder appeared (created, moved or copied in): watch it and everything below it. */
  async addTree(dir: string): Promise<void> {
    if (this.closed || this.folders.has(dir)) return;
    const dirs = (await listFolders(dir, this.host.skipFolder)).filter((d) => !this.folders.has(d));
    if (this.closed || dirs.length === 0) return;
    for (const d of dirs) this.folders.add(d);
    if (this.live) this.live.add(dirs);
    else {
      this.live = this.host.createInstance(dirs, this);
      this.instances.push(this.live);
    }
  }

  /** A folder went away: close its watches and those below it, so a new folder of that name is watched afresh. */
  forgetTree(dir: string): void {
    const gone = [...this.folders].filter((d) => isInside(d, dir));
    if (gone.length === 0) return;
    for (const d of gone) this.folders.delete(d);
    for (const w of this.instances) w.unwatch(gone);
  }

  count(): number {
    return this.folders.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = this.instances;
    this.instances = [];
    this.live = null;
    this.folders.clear();
    await Promise.all(all.map((w) => w.close().catch(() => {})));
  }
}

/**
 * Watches folders only, never single files. chokidar on its own gives every file its own fs.watch handle and
 * state (100k photos = 100k inotify watches, the "3 GB watcher"); a folder's watch already reports every entry
 * added, changed, renamed or removed inside it, which is all the Library needs to know which root to rescan.
 */
export class FolderWatcher {
  private rootWatches = new Map<string, RootWatch>();
  private roots: string[] = [];
  private online = new Map<string, boolean>();
  private pending = new Map<string, Pending>();
  private pollTimer: NodeJS.Timeout | null = null;
  private rootTimer: NodeJS.Timeout | null = null;
  private _mode: WatchMode = 'watching';
  private readonly exclude: string[];
  private readonly o: Required<Pick<FolderWatcherOptions, 'settleMs' | 'maxWaitMs' | 'pollIntervalMs' | 'rootCheckMs'>>;

  private constructor(private opts: FolderWatcherOptions) {
    this.exclude = (opts.exclude ?? []).map((p) => path.resolve(p));
    this.o = {
      settleMs: opts.settleMs ?? DEFAULTS.settleMs,
      maxWaitMs: opts.maxWaitMs ?? DEFAULTS.maxWaitMs,
      pollIntervalMs: opts.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      rootCheckMs: opts.rootCheckMs ?? DEFAULTS.rootCheckMs,
    };
  }

  /** Starts watching; resolves once the initial folders are watched (or the fallback to rescans is in place). */
  static async start(opts: FolderWatcherOptions): Promise<FolderWatcher> {
    const w = new FolderWatcher(opts);
    w.roots = [...new Set(opts.roots.map((r) => path.resolve(r)))];
    for (const r of w.roots) {
      const up = await isDir(r);
      w.online.set(r, up);
      if (up) await w.watchRoot(r);
    }
    w.rootTimer = setInterval(() => void w.checkRoots(), w.o.rootCheckMs);
    w.rootTimer.unref();
    return w;
  }

  get mode(): WatchMode {
    return this._mode;
  }

  /** Number of folders with a live watch (for diagnostics and the memory test). */
  watchedFolders(): number {
    let n = 0;
    for (const rw of this.rootWatches.values()) n += rw.count();
    return n;
  }

  /** Follows the Library's root list after addRoot/removeRoot. */
  async setRoots(roots: string[]): Promise<void> {
    const next = [...new Set(roots.map((r) => path.resolve(r)))];
    const removed = this.roots.filter((r) => !next.includes(r));
    const added = next.filter((r) => !this.roots.includes(r));
    this.roots = next;
    for (const r of removed) {
      this.online.delete(r);
      await this.unwatchRoot(r);
      const p = this.pending.get(r);
      if (p) clearTimeout(p.timer);
      this.pending.delete(r);
    }
    for (const r of added) {
      const up = await isDir(r);
      this.online.set(r, up);
      if (up) await this.watchRoot(r);
    }
  }

  async close(): Promise<void> {
    this._mode = 'closed';
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.rootTimer) clearInterval(this.rootTimer);
    await Promise.all([...this.rootWatches.keys()].map((r) => this.unwatchRoot(r)));
  }

  /** Folders not to watch: the library folder, hidden and system folders. */
  readonly skipFolder = (full: string, name: string): boolean =>
    this.exclude.some((e) => isInside(full, e)) || isHiddenName(name) || isSystemDirName(name);

  private ignored = (p: string, stats?: { isDirectory(): boolean }): boolean => {
    const abs = path.resolve(p);
    // Roots themselves may have any name (a root may well be a hidden folder the user chose).
    if (this.roots.includes(abs)) return false;
    if (this.skipFolder(abs, path.basename(abs))) return true;
    // Folders only: files are covered by their folder's watch, symbolic links by the index runs.
    return stats !== undefined && !stats.isDirectory();
  };

  /** One chokidar instance over `dirs`, each folder's own entries only (depth 0). Used by RootWatch. */
  createInstance(dirs: string[], rw: RootWatch): FSWatcher {
    const factory = this.opts.watchFactory ?? chokidarWatch;
    const w = factory(dirs, {
      depth: 0,
      ignoreInitial: true,
      followSymlinks: false,
      ignorePermissionErrors: true,
      atomic: false,
      persistent: true,
      ignored: this.ignored,
    });
    w.on('raw', (_event, evPath, details) => this.onRaw(rw, evPath, (details as { watchedPath?: string } | undefined)?.watchedPath));
    w.on('unlinkDir', (p) => {
      rw.forgetTree(path.resolve(p));
      this.touch(path.resolve(p));
    });
    w.on('error', (err) => this.onError(err));
    return w;
  }

  private async watchRoot(root: string): Promise<void> {
    if (this._mode !== 'watching' || this.rootWatches.has(root)) return;
    const rw = new RootWatch(root, this);
    this.rootWatches.set(root, rw);
    await rw.start();
  }

  private async unwatchRoot(root: string): Promise<void> {
    const rw = this.rootWatches.get(root);
    this.rootWatches.delete(root);
    await rw?.close();
  }

  private onRaw(rw: RootWatch, evPath: string | null | undefined, watchedPath: string | undefined): void {
    if (!watchedPath || this._mode !== 'watching') return;
    const dir = path.resolve(watchedPath);
    const name = evPath ? path.basename(evPath) : '';
    // Sidecars, videos and temp files (".part", hidden rsync temps) do not change the photo index.
    if (name && isNeverImageName(name)) return;
    const full = name && name !== path.basename(dir) ? path.join(dir, name) : dir;
    this.touch(full);
    // A folder created, renamed or moved in gets watched; one that went away loses its watches.
    if (full !== dir && !this.skipFolder(full, name)) {
      void stat(full).then(
        (st) => (st.isDirectory() ? rw.addTree(full) : undefined),
        () => rw.forgetTree(full),
      );
    }
  }

  private rootOf(p: string): string | null {
    let best: string | null = null;
    for (const r of this.roots) if (isInside(p, r) && (!best || r.length > best.length)) best = r;
    return best;
  }

  /** Something under `p` changed: (re)arm its root's timer, bounded by maxWaitMs since the first event. */
  private touch(p: string): void {
    if (this.exclude.some((e) => isInside(p, e))) return;
    const root = this.rootOf(p);
    if (!root) return;
    const now = Date.now();
    const prev = this.pending.get(root);
    if (prev) clearTimeout(prev.timer);
    const first = prev?.first ?? now;
    const delay = Math.max(0, Math.min(this.o.settleMs, first + this.o.maxWaitMs - now));
    this.pending.set(root, { first, timer: setTimeout(() => this.flush(root), delay) });
  }

  private flush(root: string): void {
    this.pending.delete(root);
    if (this._mode === 'closed') return;
    this.opts.onChange([root]);
  }

  private onError(err: unknown): void {
    if (this._mode !== 'watching' || !isWatchLimitError(err)) return;
    void this.fallBackToPolling(err);
  }

  private async fallBackToPolling(err: unknown): Promise<void> {
    this._mode = 'polling';
    const minutes = Math.round(this.o.pollIntervalMs / 6000) / 10;
    const code = (err as NodeJS.ErrnoException).code ?? 'limit';
    this.opts.onWarning?.(
      `The system's limit on watched folders was reached (${code}), so changes are no longer seen instantly: ` +
        `Soutu now rescans your folders every ${minutes} minute${minutes === 1 ? '' : 's'}.` +
        (code === 'ENOSPC' ? ' On Linux, raising fs.inotify.max_user_watches restores instant updates.' : ''),
    );
    this.pollTimer = setInterval(() => {
      const up = this.roots.filter((r) => this.online.get(r));
      if (up.length > 0 && this._mode === 'polling') this.opts.onChange(up);
    }, this.o.pollIntervalMs);
    this.pollTimer.unref();
    // Give the watches back: a half-watched tree would only look complete.
    await Promise.all([...this.rootWatches.keys()].map((r) => this.unwatchRoot(r)));
  }

  /** Notices roots that were unplugged or came back (watches on a vanished drive say nothing reliable). */
  private async checkRoots(): Promise<void> {
    const flipped: string[] = [];
    for (const r of this.roots) {
      const up = await isDir(r);
      if (up === this.online.get(r)) continue;
      this.online.set(r, up);
      flipped.push(r);
      if (up) await this.watchRoot(r);
      else await this.unwatchRoot(r);
    }
    if (flipped.length > 0 && this._mode !== 'closed') this.opts.onChange(flipped);
  }
}
