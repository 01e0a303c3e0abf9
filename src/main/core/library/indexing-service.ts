// One index run at a time: plan (walk, diff, moves), the decode → embed → write pipeline, then the run's end
// (a model switch completes, orphans are swept, old duplicate hashes renewed, tags, compaction, snapshot).
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { IndexProgress, IndexReport } from '../../../shared/types.js';
import { decodePhoto } from '../decode/index.js';
import { SoutuError } from '../errors.js';
import { runPipeline, thumbRelPath, type WorkItem } from '../index/index-pipeline.js';
import type { ModelVectors, PhotoRecord, VectorStore } from '../store/vector-store.js';
import type { ActiveIndex } from './active-index.js';
import { rehashOutdated } from './dhash-migration.js';
import { detectMoves, movedRow, planRun, type Move } from './index-plan.js';
import { ProgressTracker } from './index-progress.js';
import type { ModelMeta } from './library-meta.js';
import type { MetadataStore } from './metadata-store.js';
import type { ModelSession } from './model-session.js';
import type { PhotoCatalog } from './photo-catalog.js';
import type { RemovalService } from './removal-service.js';
import { isFrameId, ownerOf, type FrameCatalog } from './frame-catalog.js';
import type { OcrService } from './ocr-service.js';
import { indexVideos } from './video-indexer.js';
import type { TagService } from './tag-service.js';

export interface IndexOptions {
  roots?: string[];
  /** false skips reading text in photos this run (`--no-ocr`); the library's setting applies otherwise. */
  ocr?: boolean;
  /** false leaves video files out of this run (`--no-video`): new ones are not added, known ones are kept. */
  video?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  batchSize?: number;
  decodeConcurrency?: number;
}

export interface IndexingDeps {
  dir: string;
  readOnly: boolean;
  threads?: number;
  openedAt: number;
  meta: MetadataStore;
  store: VectorStore;
  catalog: PhotoCatalog;
  models: ModelSession;
  index: ActiveIndex;
  removal: RemovalService;
  tags: TagService;
  ocr: OcrService;
  frames: FrameCatalog;
  addRoot(root: string): Promise<void>;
  progress(p: IndexProgress): void;
  changed(): void;
  warn(message: string): void;
}

export class IndexingService {
  private current: Promise<IndexReport> | null = null;

  constructor(private readonly deps: IndexingDeps) {}

  /** The run in progress, if any. */
  get running(): Promise<IndexReport> | null {
    return this.current;
  }

  /** Indexes the given folders (added as roots) or every root. One run at a time. */
  index(opts: IndexOptions = {}): Promise<IndexReport> {
    if (this.current) return Promise.reject(new SoutuError('busy', 'An index run is already in progress.'));
    if (this.deps.readOnly) return Promise.reject(new SoutuError('bad-request', 'A library opened read-only cannot be indexed.'));
    const run = this.run(opts).finally(() => {
      this.current = null;
    });
    this.current = run;
    return run;
  }

  private async run(opts: IndexOptions): Promise<IndexReport> {
    const { deps } = this;
    const started = Date.now();
    for (const r of opts.roots ?? []) await deps.addRoot(r);
    const wanted = new Set((opts.roots ?? deps.meta.current.roots.map((r) => r.path)).map((r) => path.resolve(r)));
    const roots = deps.meta.current.roots.filter((r) => wanted.has(r.path));
    const target = deps.models.target;
    const vectors = await deps.store.vectors(target.key, target.dim);
    const haveVector: ReadonlySet<string> = target.key === deps.models.active?.key ? (await deps.index.get()).idSet() : new Set(await vectors.ids());
    const progress = new ProgressTracker((p) => {
      deps.progress(p);
      opts.onProgress?.(p);
    });

    // What was read from photos before loads while the folders are walked (the text stage starts from it).
    if (opts.ocr !== false && deps.ocr.enabled()) void deps.ocr.load().catch(() => {});

    // 1. Walk the roots and compare with the catalog.
    const plan = await planRun(roots, { dir: deps.dir, catalog: deps.catalog, haveVector, progress, signal: opts.signal, videos: opts.video });
    // 2. Moves and renames keep their vectors; vanished files leave the index.
    const moves = await detectMoves(plan, deps.catalog, haveVector, opts.signal);
    const movedIds = await this.applyMoves(moves, vectors, target);
    progress.p.moved = movedIds.size;
    const movedFrom = new Set(moves.filter((m) => movedIds.has(m.item.id)).map((m) => m.from.id));
    await deps.removal.deletePhotos(plan.gone.map((g) => g.id));
    progress.p.removed = plan.gone.filter((g) => !movedFrom.has(g.id)).length;

    // 3. Decode, embed, write: photos first, then videos (a long video never holds photos up).
    const todo = plan.work.filter((w) => !movedIds.has(w.id));
    const photos = todo.filter((w) => w.kind !== 'video');
    const videos = todo.filter((w) => w.kind === 'video');
    progress.p.phase = 'indexing';
    progress.p.found = progress.p.unchanged + todo.length + progress.p.moved;
    progress.todo = todo.length;
    progress.emit(true);
    let newlyFailed = 0;
    let cancelled: boolean;
    try {
      await runPipeline(
        photos,
        {
          store: deps.store,
          vectors,
          embedder: deps.models.indexing,
          decode: (file, spec, o) => decodePhoto(file, spec, o),
          thumbsDir: deps.dir,
          onCommit: (rows, vecs) => this.commit(rows, vecs, target),
        },
        {
          signal: opts.signal,
          batchSize: opts.batchSize,
          decodeConcurrency: opts.decodeConcurrency,
          // The user's thread setting bounds decoding as well as inference.
          threads: deps.threads,
          onItemDone: (row) => {
            if (row.status !== 'ok') newlyFailed++;
            progress.itemDone(row.status === 'ok', row.path);
          },
        },
      );
      if (videos.length > 0 && !opts.signal?.aborted) await this.runVideos(videos, vectors, target, progress, opts.signal, () => newlyFailed++);
    } finally {
      cancelled = opts.signal?.aborted === true;
      await this.finishRoots(roots.map((r) => r.path), cancelled);
      if (deps.models.switching && !cancelled) await this.completeSwitch(vectors);
    }
    const changed = todo.length > 0 || movedIds.size > 0 || plan.gone.length > 0;
    await this.afterRun(target, vectors, cancelled, changed, opts.signal);
    const ocr = !cancelled && opts.ocr !== false && deps.ocr.enabled() ? await this.readText(progress, opts.signal) : undefined;
    cancelled = cancelled || opts.signal?.aborted === true;
    progress.p.phase = cancelled ? 'cancelled' : 'done';
    progress.p.etaSeconds = 0;
    progress.emit(true);
    deps.changed();
    const report: IndexReport = {
      indexed: progress.p.indexed,
      unchanged: progress.p.unchanged,
      removed: progress.p.removed,
      moved: progress.p.moved,
      failed: deps.catalog.failures(roots.map((r) => r.path)),
      newlyFailed,
      offlineRoots: plan.offlineRoots,
      problems: plan.problems,
      cancelled,
      seconds: (Date.now() - started) / 1000,
      model: target.id,
      ...(ocr ? { ocr } : {}),
    };
    return report;
  }

  /** The video stage: after the photos, one video at a time, its frames embedded by the same model. */
  private async runVideos(items: WorkItem[], vectors: ModelVectors, target: ModelMeta, progress: ProgressTracker, signal: AbortSignal | undefined, failed: () => void): Promise<void> {
    const { deps } = this;
    await indexVideos(
      items,
      {
        dir: deps.dir,
        store: deps.store,
        vectors,
        embedder: deps.models.indexing,
        runDir: path.join(deps.dir, 'run'),
        threads: deps.threads,
        framesOf: (id) => deps.frames.ofVideo(id),
        onDropFrames: (id, frameIds) => {
          deps.frames.removeVideos([id]);
          deps.index.delete(frameIds);
        },
        onCommit: (row, frames, vecs) => {
          deps.catalog.commit([row]);
          deps.frames.setVideo(row.id, frames);
          deps.index.commit(target.key, vecs, row.status === 'ok' ? [] : [row.id]);
        },
      },
      {
        signal,
        onItemDone: (row) => {
          if (row.status !== 'ok') failed();
          progress.itemDone(row.status === 'ok', row.path);
        },
      },
    );
  }

  /** The text-reading stage: after the vectors, so every photo is searchable by meaning before its text is read. */
  private async readText(progress: ProgressTracker, signal?: AbortSignal): Promise<IndexReport['ocr']> {
    progress.p.phase = 'reading-text';
    progress.p.etaSeconds = null;
    progress.emit(true);
    try {
      const s = await this.deps.ocr.run({
        signal,
        onProgress: (done, total) => {
          progress.p.ocrDone = done;
          progress.p.ocrTotal = total;
          progress.emit(done === total);
        },
      });
      return { read: s.read, withText: s.withText, failed: s.failed, skippedByGate: s.skippedByGate };
    } catch (err) {
      this.deps.warn(`Could not read the text in photos: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Moves its vector, row and thumbnail to each moved file's new id; returns the ids that moved. */
  private async applyMoves(moves: Move[], vectors: ModelVectors, target: ModelMeta): Promise<Set<string>> {
    const movedIds = new Set<string>();
    if (moves.length === 0) return movedIds;
    const old = await vectors.get(moves.map((m) => m.from.id));
    const rows: PhotoRecord[] = [];
    const next = new Map<string, Float32Array>();
    for (const { from, item } of moves) {
      const v = old.get(from.id);
      if (!v) continue; // no vector after all: it is indexed as a new file
      let thumb: string | null = null;
      if (from.thumb) {
        const rel = thumbRelPath(item.id);
        await mkdir(path.dirname(path.join(this.deps.dir, rel)), { recursive: true });
        thumb = await rename(path.join(this.deps.dir, from.thumb), path.join(this.deps.dir, rel)).then(
          () => rel,
          () => null,
        );
      }
      rows.push(movedRow(from, item, thumb));
      next.set(item.id, v);
      movedIds.add(item.id);
    }
    await vectors.upsert([...next.keys()], [...next.values()]);
    await this.deps.store.upsertPhotos(rows);
    this.commit(rows, next, target);
    return movedIds;
  }

  /** Rows now durable: into the catalog, and their vectors into the index when they are the serving model's. */
  private commit(rows: PhotoRecord[], vecs: Map<string, Float32Array>, target: ModelMeta): void {
    this.deps.catalog.commit(rows);
    this.deps.index.commit(target.key, vecs, rows.filter((r) => r.status !== 'ok').map((r) => r.id));
  }

  private async finishRoots(paths: string[], cancelled: boolean): Promise<void> {
    await this.deps.meta.update((m) => {
      for (const r of m.roots) if (paths.includes(r.path) && r.online && !cancelled) r.lastIndexedAt = Date.now();
    });
  }

  /** A model switch completes when every ok photo has a vector of the new model. */
  private async completeSwitch(vectors: ModelVectors): Promise<void> {
    const have = new Set(await vectors.ids());
    const complete = [...this.deps.catalog.values()].every((p) => p.status !== 'ok' || have.has(p.id));
    if (complete) await this.deps.models.complete();
  }

  private async afterRun(target: ModelMeta, vectors: ModelVectors, cancelled: boolean, changed: boolean, signal?: AbortSignal): Promise<void> {
    const { deps } = this;
    if (await this.sweepOrphans(target, vectors)) changed = true;
    const serving = target.key === deps.models.active?.key;
    if (!cancelled) {
      await rehashOutdated({ dir: deps.dir, meta: deps.meta, catalog: deps.catalog, store: deps.store, openedAt: deps.openedAt }, signal).catch((err: unknown) =>
        deps.warn(`Could not update duplicate hashes: ${(err as Error).message}`),
      );
      if (serving) await deps.tags.afterRun(changed).catch((err: unknown) => deps.warn(`Could not tag photos: ${(err as Error).message}`));
    }
    await deps.store.optimize().catch((err: unknown) => deps.warn(`Could not compact the database: ${(err as Error).message}`));
    if (!cancelled && serving) deps.index.snapshot(true);
  }

  /**
   * Vectors (and video frames) whose photo or video row never landed (killed between the commits) are dropped;
   * true when there were any.
   */
  private async sweepOrphans(target: ModelMeta, vectors: ModelVectors): Promise<boolean> {
    const { index, catalog, frames, store } = this.deps;
    const strayVideos = [...frames.videos()].filter((v) => !catalog.isOk(v) || catalog.get(v)?.kind !== 'video');
    if (strayVideos.length > 0) {
      await (await store.frames()).deleteVideos(strayVideos);
      frames.removeVideos(strayVideos);
    }
    const swept = strayVideos.length > 0;
    const loaded = target.key === this.deps.models.active?.key ? index.loaded : null;
    const ids = loaded ? [...loaded.idSet()] : await vectors.ids();
    // A frame's vector belongs to its video, and to a frame the catalog still has.
    const orphans = ids.filter((id) => !catalog.isOk(ownerOf(id)) || (isFrameId(id) && !frames.get(id)));
    if (orphans.length === 0) return swept;
    await index.tableChange(async () => {
      await vectors.delete(orphans);
      index.delete(orphans);
    });
    return true;
  }
}
