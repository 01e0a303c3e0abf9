// The in-memory search index of the serving model: loaded once (from its snapshot when the table has not changed,
// else from the table), shared by concurrent callers, kept in step with commits and deletions, snapshotted.
import type { VectorStore } from '../store/vector-store.js';
import { VectorIndex } from '../search/vector-index.js';
import { IndexSnapshots } from './index-snapshots.js';
import type { ModelMeta } from './library-meta.js';

export interface ActiveIndexDeps {
  dir: string;
  store: VectorStore;
  readOnly: boolean;
  /** The model whose vectors serve search. */
  activeModel(): ModelMeta | null;
  /** Whether an index run is going on (its end takes the snapshot). */
  indexing(): boolean;
  warn(message: string): void;
}

export class ActiveIndex {
  private index: VectorIndex | null = null;
  private loading: { key: string; p: Promise<VectorIndex> } | null = null;
  private readonly snapshots: IndexSnapshots;

  constructor(private readonly deps: ActiveIndexDeps) {
    this.snapshots = new IndexSnapshots(deps.dir, {
      readOnly: deps.readOnly,
      tableVersion: async (key, dim) => (await deps.store.vectors(key, dim)).version(),
      currentIndex: () => this.index,
      indexing: deps.indexing,
      warn: deps.warn,
    });
  }

  /** The index if it is loaded (no load starts). */
  get loaded(): VectorIndex | null {
    return this.index;
  }

  /** The serving model's index, loaded once: concurrent callers (a query, an index run, the warm-up) share one load. */
  get(): Promise<VectorIndex> {
    if (this.index) return Promise.resolve(this.index);
    const model = this.deps.activeModel();
    if (!model) return Promise.reject(new Error('The library has no model yet.'));
    if (this.loading?.key === model.key) return this.loading.p;
    const p = this.load(model).then(
      (idx) => {
        if (this.loading?.p === p) this.loading = null;
        // A model switch that completed meanwhile has made this index the wrong one: load again.
        if (this.deps.activeModel()?.key !== model.key) return this.get();
        this.index = idx;
        return idx;
      },
      (err: unknown) => {
        if (this.loading?.p === p) this.loading = null;
        throw err;
      },
    );
    this.loading = { key: model.key, p };
    return p;
  }

  private async load(model: ModelMeta): Promise<VectorIndex> {
    const table = await this.deps.store.vectors(model.key, model.dim);
    // From the snapshot of a previous load when the table has not changed since; otherwise straight from the
    // store's batches into float16 rows (no float32 copy of the table: 2 GB at a million), then snapshot that.
    const key = { modelKey: model.key, dim: table.dim, version: await table.version() };
    const count = await table.count();
    const fromSnapshot = await this.snapshots.load(key, count);
    if (fromSnapshot) return fromSnapshot;
    const idx = new VectorIndex(table.dim, count + 64);
    await table.scan((ids, matrix) => idx.append(ids, matrix));
    if ((await table.version()) === key.version) this.snapshots.afterScan(idx, key);
    return idx;
  }

  /** The serving model changed: the next get() loads its index. */
  reset(): void {
    this.index = null;
  }

  /** Vectors just committed for `modelKey`: they reach the index when it serves that model. */
  commit(modelKey: string, vectors: ReadonlyMap<string, Float32Array>, dropped: readonly string[]): void {
    if (!this.index) return;
    for (const id of dropped) this.index.delete(id);
    if (modelKey === this.deps.activeModel()?.key) for (const [id, v] of vectors) this.index.set(id, v);
  }

  delete(ids: Iterable<string>): void {
    if (this.index) for (const id of ids) this.index.delete(id);
  }

  /** Waits for a load in flight (it may have read the table before a deletion, which then applies to it too). */
  async settle(): Promise<void> {
    await this.loading?.p.catch(() => {});
  }

  /** Runs a change that writes the table first and reaches the index at its end (no snapshot meanwhile). */
  tableChange<T>(change: () => Promise<T>): Promise<T> {
    return this.snapshots.tableChange(change);
  }

  /** After a change made through the Library (`runEnd`: an index run as it ends): snapshot the index. */
  snapshot(runEnd = false): void {
    const model = this.deps.activeModel();
    if (model) this.snapshots.afterChange(model.key, model.dim, runEnd);
  }

  /** After a search, which may have built the int8 copy worth saving. */
  searched(idx: VectorIndex): void {
    const model = this.deps.activeModel();
    if (model) this.snapshots.afterSearch(idx, model.key, model.dim);
  }

  async close(): Promise<void> {
    await this.settle();
    await this.snapshots.close();
  }
}
