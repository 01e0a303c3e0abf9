// Keeps the on-disk snapshot of a Library's search index (the file format: search/index-snapshot.ts) in step with
// the index: reads it when the index loads, writes it in the background after changes made through the Library,
// one write at a time, never while a table change has not reached the index yet, and finishes everything on close.
import { readdirSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { readIndexSnapshot, writeIndexSnapshot, type SnapshotKey } from '../search/index-snapshot.js';
import { VectorIndex } from '../search/vector-index.js';

export interface IndexSnapshotsOptions {
  readOnly: boolean;
  /** The vector table's version now. */
  tableVersion(modelKey: string, dim: number): Promise<number>;
  /** The index that serves search now (a snapshot of any other is pointless). */
  currentIndex(): VectorIndex | null;
  /** Whether an index run is going on (its end takes the snapshot). */
  indexing(): boolean;
  warn(message: string): void;
}

export class IndexSnapshots {
  /** The queue of background writes. */
  private writes: Promise<void> | null = null;
  /** Version reads of snapshots about to be queued. */
  private preps = new Set<Promise<void>>();
  /** What the snapshot on disk holds, when this process wrote or read it. */
  private saved: { idx: VectorIndex; generation: number; version: number; int8: boolean } | null = null;
  /** The latest snapshot queued (or read): whether it has the int8 copy. */
  private queued: { idx: VectorIndex; int8: boolean } | null = null;
  /** Table changes written to the store and not yet applied to the index. */
  private changesInFlight = 0;
  private closed = false;

  constructor(
    private readonly libDir: string,
    private readonly opts: IndexSnapshotsOptions,
  ) {}

  /** Removes a library's snapshots (synchronously: it runs inside a store repair, before any load can read one). */
  static removeAll(libDir: string): void {
    const dir = path.join(libDir, 'cache');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const f of names) if (f.startsWith('index-')) rmSync(path.join(dir, f), { force: true });
  }

  private file(modelKey: string): string {
    return path.join(this.libDir, 'cache', `index-${modelKey}.f16`);
  }

  /** The index from the snapshot, when there is one for this table at this version with this many rows. */
  async load(key: SnapshotKey, rowCount: number): Promise<VectorIndex | null> {
    const idx = new VectorIndex(key.dim, 64);
    const snap = await readIndexSnapshot(this.file(key.modelKey), key, (n, stride, centre) => idx.int8Target(n, stride, centre));
    if (!snap || snap.ids.length !== rowCount) {
      idx.dispose(); // an int8 copy prepared for a snapshot that did not check out
      return null;
    }
    idx.loadFloat16(snap.ids, snap.rows, snap.int8);
    const int8 = snap.int8 !== undefined;
    this.saved = { idx, generation: idx.generation, version: key.version, int8 };
    this.queued = { idx, int8 };
    return idx;
  }

  /** After a load that scanned the table at `key.version` (unchanged through the scan). */
  afterScan(idx: VectorIndex, key: SnapshotKey): void {
    if (!this.opts.readOnly && idx.size > 0) this.save(idx, key);
  }

  /**
   * After a change made through the Library: the index as it is now is the table at its new version. `runEnd`:
   * an index run as it ends (every other caller stays out of a run, whose end takes the snapshot). The version is
   * read now, and nothing is written while a table change is between the table and the index.
   */
  afterChange(modelKey: string, dim: number, runEnd = false): void {
    const idx = this.opts.currentIndex();
    if (!idx || this.opts.readOnly || this.closed) return;
    const prep = (async () => {
      const version = await this.opts.tableVersion(modelKey, dim);
      if (this.closed || this.opts.currentIndex() !== idx || (!runEnd && this.opts.indexing()) || this.changesInFlight > 0) return;
      this.save(idx, { modelKey, dim, version });
    })().catch(() => {});
    this.preps.add(prep);
    void prep.finally(() => this.preps.delete(prep));
  }

  /** After a search: the first large search builds the int8 copy, which the next open can then read. */
  afterSearch(idx: VectorIndex, modelKey: string, dim: number): void {
    const q = this.queued;
    if (q && q.idx === idx && !q.int8 && idx.hasInt8 && !this.opts.indexing()) {
      this.queued = { idx, int8: true };
      this.afterChange(modelKey, dim);
    }
  }

  /** Runs a change that writes the table first and reaches the index at its end: no snapshot is taken meanwhile. */
  async tableChange<T>(change: () => Promise<T>): Promise<T> {
    this.changesInFlight++;
    try {
      return await change();
    } finally {
      this.changesInFlight--;
    }
  }

  /**
   * Queues a write of the index's own rows (no copy). Should the index change before or while it is written, the
   * write is dropped or the file removed: it would no longer be what the table holds at `key.version`.
   */
  private save(idx: VectorIndex, key: SnapshotKey): void {
    if (this.closed) return;
    const gen = idx.generation;
    const file = this.file(key.modelKey);
    const before = this.writes ?? Promise.resolve();
    this.queued = { idx, int8: idx.hasInt8 };
    this.writes = before.then(async () => {
      if (idx.generation !== gen) return; // a later write has the current rows
      // The rows as they are now (unchanged since the version was read), with the int8 copy if built meanwhile.
      const { ids, rows, int8 } = idx.rowsForSnapshot();
      const last = this.saved;
      // Nothing changed since the snapshot on disk (a watcher's run that found nothing to do): keep it, unless it
      // lacks the int8 copy that the index has built since.
      if (last && last.idx === idx && last.generation === gen && last.version === key.version && (last.int8 || int8 === null)) return;
      try {
        await mkdir(path.dirname(file), { recursive: true });
        await writeIndexSnapshot(file, key, ids.slice(), rows, int8);
        if (idx.generation !== gen) await rm(file, { force: true });
        else this.saved = { idx, generation: gen, version: key.version, int8: int8 !== null };
      } catch (err) {
        await rm(file, { force: true }).catch(() => {});
        this.opts.warn(`Could not save the search index for a faster start: ${(err as Error).message}`);
      }
    });
  }

  /** Finishes the version reads and writes already asked for; nothing new starts. */
  async close(): Promise<void> {
    await Promise.all([...this.preps]);
    this.closed = true;
    for (let w = this.writes; w; w = this.writes === w ? null : this.writes) await w;
  }
}
