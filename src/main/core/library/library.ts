// The core facade: everything Soutu can do is a method here, so the CLI, the Electron shell, the HTTP server
// and the tests all drive the same code. Owns the store, the embedder and the in-memory search index.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type {
  AlbumInfo,
  DuplicateGroup,
  FailedFile,
  ImageQuery,
  IndexProgress,
  IndexReport,
  LibraryStatus,
  PhotoInfo,
  ScanProblem,
  SearchFilters,
  SearchHit,
  SearchOptions,
  SmartAlbumInfo,
  WeightedImage,
} from '../../../shared/types.js';
import { decodePhoto, IMAGE_EXTENSIONS, sniffImageFormat, type DecodeResult } from '../decode/index.js';
import { differenceHash } from '../decode/dhash.js';
import sharp from 'sharp';
import type { Embedder } from '../embed/embedder.js';
import { downloadModel, type DownloadProgress } from '../embed/model-download.js';
import { defaultModelsDir, resolveModel } from '../embed/model-store.js';
import { TransformersClipEmbedder, type DevicePreference } from '../embed/transformers-clip-embedder.js';
import { photoId, quickHash, runPipeline, thumbRelPath, type WorkItem } from '../index/index-pipeline.js';
import { walkRoot, type ScannedFile } from '../scan/walk.js';
import { LruCache } from '../search/lru-cache.js';
import { findDuplicateGroups } from '../search/duplicates.js';
import { isArithmetic, keywordTokens, parseQuery } from '../search/query-parser.js';
import { bestMatchCutoff, ScoreAccumulator } from '../search/relevance.js';
import { DEFAULT_TAG_MARGIN, Tagger } from '../tags/tagger.js';
import { conceptMatches, defaultVocabularyPath, loadVocabulary, parseVocabulary, type Concept, type Vocabulary } from '../tags/vocabulary.js';
import { findCatalogModel } from '../embed/model-catalog.js';
import { l2normalize } from '../embed/embedder.js';
import { readUserData, writeUserData, smartAlbumSchema, type SmartAlbum, type UserData } from './user-data.js';
import { writeFile } from 'node:fs/promises';
import { VectorIndex } from '../search/vector-index.js';
import { KeywordIndex } from '../search/keyword-index.js';
import { LanceVectorStore, type StoreRepair } from '../store/lance-vector-store.js';
import { FolderWatcher, type FolderWatcherOptions } from '../watch/folder-watcher.js';
import type { ModelVectors, PhotoRecord, VectorStore } from '../store/vector-store.js';
import { readMeta, writeMeta, type LibraryMeta, type ModelMeta } from './library-meta.js';
import { acquireLock, type LibraryLock } from './library-lock.js';
import { IndexSnapshots } from './index-snapshots.js';
import { SoutuError } from '../errors.js';

export interface LibraryOptions {
  /** Model to use: a catalog id or a model folder. Defaults to the library's model, else the default model. */
  model?: string;
  modelsDir?: string;
  device?: DevicePreference;
  threads?: number;
  hubHost?: string;
  /** Download a missing catalog model on open (with progress events). */
  allowDownload?: boolean;
  defaultModel?: string;
  /** Model download progress while open() fetches a missing catalog model (events cannot be subscribed yet). */
  onDownload?: (p: DownloadProgress) => void;
  /** Lets tests and shells inject another embedder (e.g. one that counts calls) around the real one. */
  wrapEmbedder?: (e: Embedder) => Embedder;
  readOnly?: boolean;
  /** Warnings raised while open() runs (a damaged table rolled back, an old table upgraded): events cannot be subscribed yet. */
  onWarning?: (message: string) => void;
}

export type WatchOptions = Pick<FolderWatcherOptions, 'settleMs' | 'maxWaitMs' | 'pollIntervalMs' | 'rootCheckMs'>;

export interface IndexOptions {
  roots?: string[];
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  batchSize?: number;
  decodeConcurrency?: number;
}

export interface LibraryEvents {
  progress: [IndexProgress];
  download: [DownloadProgress];
  changed: [];
  warning: [string];
}

const DEFAULT_LIMIT = 50;
/** Version of the near-duplicate hash (decode/dhash.ts): 2 hashes the decoder's pixels in JS (1 hashed the thumbnail with libvips). */
const DHASH_VERSION = 2;
/** Words too common to count as filename keywords in hybrid search. */
const STOPWORDS = new Set(['a', 'an', 'the', 'of', 'on', 'in', 'at', 'to', 'and', 'or', 'with', 'photo', 'picture', 'image', 'photos', 'pictures', 'images', 'my', 'for', 'from', 'by', 'is', 'are', '的', '照片', '图片']);

function toInfo(r: PhotoRecord, libDir: string, offlineRoots: Set<string>): PhotoInfo {
  return {
    id: r.id,
    path: r.path,
    root: r.root,
    size: r.size,
    mtime: r.mtime,
    width: r.width,
    height: r.height,
    format: r.format,
    takenAt: r.takenAt,
    camera: r.camera,
    gps: r.lat !== null && r.lon !== null ? { lat: r.lat, lon: r.lon } : null,
    thumbnail: r.thumb ? path.join(libDir, r.thumb) : null,
    offline: offlineRoots.has(r.root),
  };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export class Library extends EventEmitter<LibraryEvents> {
  private photos = new Map<string, PhotoRecord>();
  private byPath = new Map<string, string>();
  /** File and folder names of ok photos, for the hybrid keyword part of text search. */
  private keywords = new KeywordIndex();
  private vindex: VectorIndex | null = null;
  private vindexLoad: { key: string; p: Promise<VectorIndex> } | null = null;
  /** The on-disk snapshot of the index. */
  private readonly snapshots: IndexSnapshots;
  /** Set by close(): no new background work starts. */
  private closing = false;
  private warming: Promise<void> | null = null;
  /** Photos indexed from now on have the current duplicate hash. */
  private readonly openedAt = Date.now();
  private vectors: ModelVectors | null = null;
  private queryCache = new LruCache<string, Float32Array>(512);
  private indexing: Promise<IndexReport> | null = null;
  private watcher: FolderWatcher | null = null;
  private watchQueue = new Set<string>();
  private watchLoop: Promise<void> | null = null;
  private userData: UserData | null = null;
  private taggerP: Promise<Tagger> | null = null;
  /** Active model's tags per photo: [concept id, margin], best first. */
  private tagsById = new Map<string, [string, number][]>();
  private tagsLoaded = false;
  /** Embeds queries with the active model; differs from `embedder` only while a model switch is re-embedding. */
  private searchEmbedder!: Embedder;

  private constructor(
    readonly dir: string,
    private meta: LibraryMeta,
    private store: VectorStore,
    private embedder: Embedder,
    private lock: LibraryLock | null,
    private opts: LibraryOptions,
  ) {
    super();
    this.snapshots = new IndexSnapshots(dir, {
      readOnly: opts.readOnly === true,
      tableVersion: async (key, dim) => (await this.store.vectors(key, dim)).version(),
      currentIndex: () => this.vindex,
      indexing: () => this.indexing !== null,
      warn: (m) => this.emit('warning', m),
    });
  }

  static async open(dir: string, opts: LibraryOptions = {}): Promise<Library> {
    const abs = path.resolve(dir);
    await mkdir(abs, { recursive: true });
    const lock = opts.readOnly ? null : await acquireLock(abs);
    try {
      const meta = await readMeta(abs);
      const onRepair = (r: StoreRepair) => {
        // A rolled-back or recreated table can reach a version number again with other contents: index snapshots
        // taken before the repair must not match it.
        IndexSnapshots.removeAll(abs);
        opts.onWarning?.(r.message);
      };
      const store = await LanceVectorStore.open(path.join(abs, 'db'), { readOnly: opts.readOnly, onRepair });
      const spec = opts.model ?? meta.pendingModel?.source ?? meta.model?.source ?? meta.model?.id ?? opts.defaultModel ?? 'Xenova/clip-vit-base-patch32';
      const lib = new Library(abs, meta, store, null as unknown as Embedder, lock, opts);
      const recorded = !opts.model && (spec === meta.model?.source || spec === meta.pendingModel?.source);
      const embedder = await lib.loadEmbedder(spec, { allowDownload: opts.allowDownload === true, fallbackId: recorded ? (meta.pendingModel ?? meta.model)?.id : undefined });
      lib.embedder = embedder.embedder;
      for (const r of await store.allPhotos()) {
        lib.photos.set(r.id, r);
        lib.byPath.set(r.path, r.id);
        if (r.status === 'ok') lib.keywords.set(r.id, r.root, r.path);
      }
      await lib.selectModel({ id: lib.embedder.modelId, source: embedder.source, key: lib.embedder.modelKey, dim: lib.embedder.dim });
      lib.searchEmbedder = lib.embedder;
      if (lib.meta.pendingModel && lib.meta.model) {
        // Mid-switch: queries keep using the previous model (and its vectors) until the new ones are complete.
        const active = lib.meta.model;
        lib.searchEmbedder = await lib.loadEmbedder(active.source, { allowDownload: false, fallbackId: active.id }).then(
          (e) => e.embedder,
          (err) => {
            lib.emit('warning', `The previous model cannot be loaded (${(err as Error).message}); search waits for the new one.`);
            return lib.embedder;
          },
        );
      }
      lib.userData = await readUserData(abs);
      return lib;
    } catch (err) {
      await lock?.release();
      throw err;
    }
  }

  /** Resolves a model name or folder, downloading a missing catalog model when allowed, and opens its embedder. */
  private async loadEmbedder(spec: string, o: { allowDownload: boolean; fallbackId?: string }): Promise<{ embedder: Embedder; source: string }> {
    const modelsDir = this.opts.modelsDir ?? defaultModelsDir();
    let resolved = await resolveModel(spec, modelsDir).catch(async (err) => {
      // A recorded folder may have moved: try the recorded id as a catalog id.
      if (o.fallbackId) return resolveModel(o.fallbackId, modelsDir);
      throw err;
    });
    if (!resolved.ready) {
      if (!resolved.catalog) throw new SoutuError('model-missing', `The model folder ${resolved.source} is incomplete.`);
      if (!o.allowDownload) {
        throw new SoutuError('model-missing', `The model ${resolved.id} is not downloaded yet. Run "soutu models download ${resolved.id}" (or index with downloads allowed).`);
      }
      await downloadModel(resolved.catalog, resolved.source, {
        host: this.opts.hubHost,
        onProgress: (p) => {
          this.opts.onDownload?.(p);
          this.emit('download', p);
        },
      });
      resolved = { ...resolved, ready: true };
    }
    let embedder: Embedder = await TransformersClipEmbedder.open(resolved.source, {
      modelId: resolved.id,
      device: this.opts.device ?? 'auto',
      threads: this.opts.threads,
      onFallback: (m) => this.emit('warning', m),
    });
    if (this.opts.wrapEmbedder) embedder = this.opts.wrapEmbedder(embedder);
    return { embedder, source: resolved.source };
  }

  /**
   * Starts a switch to another model: new photos and a re-embed of every photo go to the new model's own
   * table, while search keeps serving the current model until the next index() run completes the switch.
   */
  async switchModel(spec: string, o: { allowDownload?: boolean } = {}): Promise<LibraryStatus> {
    if (this.indexing) throw new SoutuError('busy', 'Wait for indexing to finish (or cancel it) before switching models.');
    const next = await this.loadEmbedder(spec, { allowDownload: o.allowDownload ?? true });
    if (next.embedder.modelKey === this.embedder.modelKey) {
      await next.embedder.close();
      return this.status();
    }
    if (this.embedder !== this.searchEmbedder) await this.embedder.close();
    this.embedder = next.embedder;
    await this.selectModel({ id: next.embedder.modelId, source: next.source, key: next.embedder.modelKey, dim: next.embedder.dim });
    if (!this.meta.pendingModel) {
      // Back to the model already serving (or the first model of an empty library).
      if (this.searchEmbedder !== this.embedder) await this.searchEmbedder.close();
      this.searchEmbedder = this.embedder;
      this.vindex = null;
      this.taggerP = null;
      this.tagsLoaded = false;
      this.tagsById.clear();
    }
    this.emit('changed');
    return this.status();
  }

  /** Makes `model` the library's model. A different model than before keeps its own vector table. */
  private async selectModel(model: ModelMeta): Promise<void> {
    const prev = this.meta.model;
    this.vectors = await this.store.vectors(model.key, model.dim);
    if (!prev || prev.key === model.key) {
      this.meta.model = model;
      this.meta.pendingModel = null;
    } else {
      // Switching: the old vectors keep serving until the new ones are complete (see index()).
      this.meta.pendingModel = model;
    }
    if (!this.opts.readOnly) await writeMeta(this.dir, this.meta);
  }

  get modelId(): string {
    return this.embedder.modelId;
  }

  /** The active model's index, loaded once: concurrent callers (a query, an index run, the warm-up) share one load. */
  private activeIndex(): Promise<VectorIndex> {
    if (this.vindex) return Promise.resolve(this.vindex);
    const model = this.meta.model!;
    if (this.vindexLoad?.key === model.key) return this.vindexLoad.p;
    const p = this.loadIndex(model).then(
      (idx) => {
        if (this.vindexLoad?.p === p) this.vindexLoad = null;
        // A model switch that completed meanwhile has made this index the wrong one: load again.
        if (this.meta.model?.key !== model.key) return this.activeIndex();
        this.vindex = idx;
        return idx;
      },
      (err: unknown) => {
        if (this.vindexLoad?.p === p) this.vindexLoad = null;
        throw err;
      },
    );
    this.vindexLoad = { key: model.key, p };
    return p;
  }

  private async loadIndex(model: ModelMeta): Promise<VectorIndex> {
    const table = model.key === this.vectors?.key ? this.vectors : await this.store.vectors(model.key, model.dim);
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

  /**
   * Photos hashed for near-duplicates by an earlier version of the hash (before DHASH_VERSION) are hashed again
   * from their thumbnails, which have the decoder's working size (about 3 ms a photo, once). Photos indexed since
   * this Library opened already have the current hash. An interrupted pass starts over at the next run.
   */
  private async rehashOutdated(signal?: AbortSignal): Promise<void> {
    if (this.opts.readOnly || this.meta.settings.dhashVersion === DHASH_VERSION) return;
    const stale = [...this.photos.values()].filter((p) => p.status === 'ok' && p.phash !== null && p.thumb && p.indexedAt < this.openedAt);
    let batch: PhotoRecord[] = [];
    const flush = async () => {
      if (batch.length > 0) await this.store.upsertPhotos(batch);
      batch = [];
    };
    for (const p of stale) {
      if (signal?.aborted) return;
      const thumb = await sharp(path.join(this.dir, p.thumb!))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true })
        .catch(() => null);
      if (!thumb) continue; // a missing thumbnail keeps its hash; the photo's next re-index replaces both
      const phash = differenceHash(thumb.data, thumb.info.width, thumb.info.height, thumb.info.channels);
      if (phash === p.phash) continue;
      const next = { ...p, phash };
      this.photos.set(p.id, next);
      batch.push(next);
      if (batch.length >= 2000) await flush();
    }
    await flush();
    this.meta.settings.dhashVersion = DHASH_VERSION;
    await writeMeta(this.dir, this.meta);
  }

  /** After a change made through this Library (`runEnd`: an index run as it ends): snapshot the index. */
  private snapshotIndex(runEnd = false): void {
    const model = this.meta.model;
    if (model) this.snapshots.afterChange(model.key, model.dim, runEnd);
  }

  /** True when the query model matches the vectors that serve search. */
  private searchReady(): boolean {
    return this.meta.model?.key === this.searchEmbedder.modelKey;
  }

  roots(): string[] {
    return this.meta.roots.map((r) => r.path);
  }

  async addRoot(root: string): Promise<void> {
    const abs = path.resolve(root);
    if (isInside(this.dir, abs) && abs === this.dir) throw new Error('The library folder cannot be a photo folder.');
    if (this.meta.roots.some((r) => r.path === abs)) return;
    const st = await stat(abs).catch(() => null);
    if (!st?.isDirectory()) throw new Error(`${abs} is not a folder.`);
    this.meta.roots.push({ path: abs, addedAt: Date.now(), lastIndexedAt: null, online: true });
    await writeMeta(this.dir, this.meta);
    await this.watcher?.setRoots(this.roots());
    this.emit('changed');
  }

  async removeRoot(root: string): Promise<number> {
    const abs = path.resolve(root);
    const ids = [...this.photos.values()].filter((p) => p.root === abs).map((p) => p.id);
    await this.deletePhotos(ids);
    if (ids.length && !this.indexing) this.snapshotIndex();
    this.meta.roots = this.meta.roots.filter((r) => r.path !== abs);
    await writeMeta(this.dir, this.meta);
    await this.watcher?.setRoots(this.roots());
    this.emit('changed');
    return ids.length;
  }

  private async deletePhotos(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    // A load in flight may have read the table before this deletion: let it finish, then delete from it too.
    await this.vindexLoad?.p.catch(() => {});
    await this.snapshots.tableChange(() => this.deletePhotoRows(ids));
  }

  private async deletePhotoRows(ids: string[]): Promise<void> {
    // Vectors first: a kill in between leaves a photo row without a vector, which the next run redoes.
    for (const key of await this.store.listVectorTables()) {
      const t = await this.store.vectors(key, this.meta.model?.key === key ? this.meta.model.dim : 1);
      await t.delete(ids);
    }
    if (this.meta.model) await (await this.store.tags(this.meta.model.key)).delete(ids);
    await this.store.deletePhotos(ids);
    for (const id of ids) {
      this.tagsById.delete(id);
      this.keywords.delete(id);
      const r = this.photos.get(id);
      if (r) this.byPath.delete(r.path);
      this.photos.delete(id);
      this.vindex?.delete(id);
      if (r?.thumb) await rm(path.join(this.dir, r.thumb), { force: true });
    }
  }

  /** Indexes the given folders (added as roots) or every root. One run at a time. */
  async index(opts: IndexOptions = {}): Promise<IndexReport> {
    if (this.indexing) throw new SoutuError('busy', 'An index run is already in progress.');
    this.indexing = this.doIndex(opts).finally(() => {
      this.indexing = null;
    });
    return this.indexing;
  }

  private async doIndex(opts: IndexOptions): Promise<IndexReport> {
    const started = Date.now();
    for (const r of opts.roots ?? []) await this.addRoot(r);
    const targetRoots = (opts.roots ?? this.roots()).map((r) => path.resolve(r));
    const target = this.meta.pendingModel ?? this.meta.model!;
    const targetVectors = await this.store.vectors(target.key, target.dim);
    const haveVector: Set<string> =
      target.key === this.meta.model?.key ? (await this.activeIndex()).idSet() : new Set(await targetVectors.ids());
    const problems: ScanProblem[] = [];
    const progress: IndexProgress = {
      phase: 'scanning', found: 0, done: 0, indexed: 0, unchanged: 0, skipped: 0, failed: 0, moved: 0, removed: 0, rate: 0, etaSeconds: null,
    };
    let lastEmit = 0;
    const emit = (force = false) => {
      const now = Date.now();
      if (!force && now - lastEmit < 200) return;
      lastEmit = now;
      const p = { ...progress };
      this.emit('progress', p);
      opts.onProgress?.(p);
    };

    // 1. Walk every online root.
    const offlineRoots: string[] = [];
    const work: WorkItem[] = [];
    const gone: PhotoRecord[] = [];
    for (const root of targetRoots) {
      const meta = this.meta.roots.find((r) => r.path === root)!;
      const st = await stat(root).catch(() => null);
      if (!st?.isDirectory()) {
        // Unplugged drive or unmounted share: keep its photos, mark it offline.
        meta.online = false;
        offlineRoots.push(root);
        problems.push({ path: root, kind: 'not-found', message: 'This folder is offline (missing or unplugged); its photos are kept.' });
        continue;
      }
      meta.online = true;
      const seen = new Set<string>();
      const files: ScannedFile[] = [];
      for await (const f of walkRoot(root, {
        exclude: [this.dir],
        imageExtensions: IMAGE_EXTENSIONS,
        sniff: sniffImageFormat,
        onProblem: (p) => problems.push(p),
        signal: opts.signal,
      })) {
        files.push(f);
        seen.add(f.path);
        progress.found++;
        emit();
      }
      if (opts.signal?.aborted) break;
      for (const f of files) {
        const id = this.byPath.get(f.path);
        const rec = id ? this.photos.get(id) : undefined;
        if (rec && rec.size === f.size && rec.mtime === f.mtime && rec.root === root && ((rec.status === 'failed' && rec.errorCode !== 'unreadable') || haveVector.has(rec.id))) {
          progress.unchanged++;
          continue;
        }
        work.push({ path: f.path, root, size: f.size, mtime: f.mtime, id: rec?.id ?? photoId(f.path) });
      }
      for (const rec of this.photos.values()) {
        if (rec.root === root && !seen.has(rec.path)) gone.push(rec);
      }
    }

    // 2. Moves and renames: a new file whose content matches a vanished one keeps that one's vector.
    const goneBySize = new Map<number, PhotoRecord[]>();
    for (const g of gone) if (g.status === 'ok' && haveVector.has(g.id)) goneBySize.set(g.size, [...(goneBySize.get(g.size) ?? []), g]);
    const moved: { from: PhotoRecord; item: WorkItem }[] = [];
    if (goneBySize.size > 0) {
      for (const item of work) {
        if (this.photos.has(item.id)) continue; // a changed file, not a new one
        const candidates = goneBySize.get(item.size);
        if (!candidates?.length) continue;
        item.hash = await quickHash(item.path, item.size).catch(() => undefined);
        const match = candidates.find((c) => c.hash === item.hash);
        if (match) {
          candidates.splice(candidates.indexOf(match), 1);
          moved.push({ from: match, item });
        }
      }
    }
    const movedIds = new Set(moved.map((m) => m.item.id));
    if (moved.length > 0) {
      const vecs = await targetVectors.get(moved.map((m) => m.from.id));
      const rows: PhotoRecord[] = [];
      const newVecs = new Map<string, Float32Array>();
      for (const { from, item } of moved) {
        const v = vecs.get(from.id);
        if (!v) {
          movedIds.delete(item.id); // no vector after all: index it as a new file
          continue;
        }
        let thumb: string | null = null;
        if (from.thumb) {
          thumb = thumbRelPath(item.id);
          await mkdir(path.dirname(path.join(this.dir, thumb)), { recursive: true });
          await rename(path.join(this.dir, from.thumb), path.join(this.dir, thumb)).catch(() => (thumb = null));
        }
        rows.push({ ...from, id: item.id, path: item.path, root: item.root, folder: path.dirname(item.path), name: path.basename(item.path), mtime: item.mtime, size: item.size, thumb, indexedAt: Date.now() });
        newVecs.set(item.id, v);
      }
      await targetVectors.upsert([...newVecs.keys()], [...newVecs.values()]);
      await this.store.upsertPhotos(rows);
      this.commitRows(rows, newVecs, target);
      progress.moved = rows.length;
    }
    // Vanished files (moved ones included: their rows now live under the new id) leave the index.
    const movedFrom = new Set(moved.filter((m) => movedIds.has(m.item.id)).map((m) => m.from.id));
    await this.deletePhotos(gone.map((g) => g.id));
    progress.removed = gone.filter((g) => !movedFrom.has(g.id)).length;

    // 3. Decode, embed, write.
    const todo = work.filter((w) => !movedIds.has(w.id));
    progress.phase = 'indexing';
    progress.found = progress.unchanged + todo.length + progress.moved;
    emit(true);
    const rateWindow: number[] = [];
    let newlyFailed = 0;
    let cancelled = false;
    try {
      await runPipeline(
        todo,
        {
          store: this.store,
          vectors: targetVectors,
          embedder: this.embedder,
          decode: (file, spec, o) => decodePhoto(file, spec, o),
          thumbsDir: this.dir,
          onCommit: (rows, vecs) => this.commitRows(rows, vecs, target),
        },
        {
          signal: opts.signal,
          batchSize: opts.batchSize,
          decodeConcurrency: opts.decodeConcurrency,
          // The user's thread setting bounds decoding as well as inference.
          threads: this.opts.threads,
          onItemDone: (row) => {
            progress.done++;
            if (row.status === 'ok') progress.indexed++;
            else {
              progress.failed++;
              newlyFailed++;
            }
            const now = Date.now();
            rateWindow.push(now);
            while (rateWindow.length > 0 && now - rateWindow[0] > 10_000) rateWindow.shift();
            const span = (now - (rateWindow[0] ?? now)) / 1000;
            progress.rate = span > 0.5 ? rateWindow.length / span : 0;
            const left = todo.length - progress.done;
            progress.etaSeconds = progress.rate > 0 ? Math.round(left / progress.rate) : null;
            progress.current = row.path;
            emit();
          },
        },
      );
    } finally {
      cancelled = opts.signal?.aborted === true;
      for (const root of targetRoots) {
        const m = this.meta.roots.find((r) => r.path === root);
        if (m && m.online && !cancelled) m.lastIndexedAt = Date.now();
      }
      // A model switch completes when every ok photo has a vector of the new model.
      if (this.meta.pendingModel && !cancelled) {
        const pending = this.meta.pendingModel;
        const have = new Set(await targetVectors.ids());
        const complete = [...this.photos.values()].every((p) => p.status !== 'ok' || have.has(p.id));
        if (complete) {
          this.meta.model = pending;
          this.meta.pendingModel = null;
          this.vindex = null;
          this.queryCache.clear();
          if (this.searchEmbedder !== this.embedder) await this.searchEmbedder.close().catch(() => {});
          this.searchEmbedder = this.embedder;
          this.taggerP = null;
          this.tagsLoaded = false;
          this.tagsById.clear();
        }
      }
      await writeMeta(this.dir, this.meta);
    }
    await this.sweepOrphans(target, targetVectors);
    if (!cancelled) await this.rehashOutdated(opts.signal).catch((err) => this.emit('warning', `Could not update duplicate hashes: ${(err as Error).message}`));
    if (!cancelled && target.key === this.meta.model?.key) {
      await this.ensureTags().catch((err) => this.emit('warning', `Could not tag photos: ${(err as Error).message}`));
    }
    await this.store.optimize().catch((err) => this.emit('warning', `Could not compact the database: ${(err as Error).message}`));
    if (!cancelled && target.key === this.meta.model?.key) this.snapshotIndex(true);
    progress.phase = cancelled ? 'cancelled' : 'done';
    progress.etaSeconds = 0;
    emit(true);
    this.emit('changed');
    const failed = this.failures(targetRoots);
    return {
      indexed: progress.indexed,
      unchanged: progress.unchanged,
      removed: progress.removed,
      moved: progress.moved,
      failed,
      newlyFailed,
      offlineRoots,
      problems,
      cancelled,
      seconds: (Date.now() - started) / 1000,
      model: target.id,
    };
  }

  /** Vectors whose photo row never landed (killed between the two commits) are dropped. */
  private async sweepOrphans(target: ModelMeta, vectors: ModelVectors): Promise<void> {
    const ids = target.key === this.meta.model?.key && this.vindex ? [...this.vindex.idSet()] : await vectors.ids();
    const orphans = ids.filter((id) => this.photos.get(id)?.status !== 'ok');
    if (orphans.length > 0) {
      await this.snapshots.tableChange(async () => {
        await vectors.delete(orphans);
        for (const id of orphans) this.vindex?.delete(id);
      });
    }
  }

  private commitRows(rows: PhotoRecord[], vecs: Map<string, Float32Array>, target: ModelMeta): void {
    for (const r of rows) {
      const old = this.photos.get(r.id);
      if (old && old.path !== r.path) this.byPath.delete(old.path);
      this.photos.set(r.id, r);
      this.byPath.set(r.path, r.id);
      if (r.status === 'ok') this.keywords.set(r.id, r.root, r.path);
      else {
        this.keywords.delete(r.id);
        this.vindex?.delete(r.id);
      }
    }
    if (this.vindex && target.key === this.meta.model?.key) for (const [id, v] of vecs) this.vindex.set(id, v);
  }

  failures(roots?: string[]): FailedFile[] {
    const out: FailedFile[] = [];
    for (const p of this.photos.values()) {
      if (p.status !== 'failed') continue;
      if (roots && !roots.includes(p.root)) continue;
      out.push({ path: p.path, error: p.error ?? 'Unknown error', code: p.errorCode ?? 'unknown' });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  private filterFn(f: SearchFilters | undefined): ((id: string) => boolean) | undefined {
    if (!f) return (id) => this.photos.get(id)?.status === 'ok';
    const folders = f.folders?.map((x) => path.resolve(x));
    const formats = f.formats?.map((x) => x.toLowerCase().replace(/^jpg$/, 'jpeg'));
    return (id) => {
      const p = this.photos.get(id);
      if (!p || p.status !== 'ok') return false;
      if (folders && !folders.some((dir) => isInside(p.path, dir))) return false;
      const when = p.takenAt ?? p.mtime;
      if (f.from !== undefined && when < f.from) return false;
      if (f.to !== undefined && when > f.to) return false;
      if (formats && !formats.includes(p.format)) return false;
      if (f.minSize !== undefined && Math.min(p.width, p.height) < f.minSize) return false;
      if (f.orientation) {
        const o = p.width > p.height * 1.05 ? 'landscape' : p.height > p.width * 1.05 ? 'portrait' : 'square';
        if (o !== f.orientation) return false;
      }
      return true;
    };
  }

  private offlineRoots(): Set<string> {
    return new Set(this.meta.roots.filter((r) => !r.online).map((r) => r.path));
  }

  /**
   * Ranks photos for a query vector: prefiltered exact search, optional filename/folder keyword blending
   * (hybrid), adaptive best/more tiers from this query's own score distribution, then sort and paging.
   */
  private async hits(q: Float32Array, opts: SearchOptions, exclude?: string, keywords: string[] = []): Promise<SearchHit[]> {
    const idx = await this.activeIndex();
    const limit = Math.max(0, Math.min(opts.limit ?? DEFAULT_LIMIT, 10_000));
    const offset = Math.max(0, opts.offset ?? 0);
    const base = this.filterFn(opts.filters);
    const accept = exclude ? (id: string) => id !== exclude && (base ? base(id) : true) : base;
    const stats = new ScoreAccumulator();
    const want = opts.sort === 'date' ? Math.max(offset + limit, 1000) : offset + limit;
    const boost = keywords.length > 0 ? this.keywordBoost(keywords) : undefined;
    const rows = idx.search(q, want, accept, stats, boost);
    const model = this.meta.model;
    if (model) this.snapshots.afterSearch(idx, model.key, model.dim);
    // The cutoff follows the vector scores' distribution; a keyword boost can lift a hit above it.
    const cutoff = rows.length > 0 ? bestMatchCutoff(Math.max(...rows.map((r) => r.base ?? r.score)), stats.stats()) : -Infinity;
    let out: SearchHit[] = rows
      .filter((r) => opts.minScore === undefined || r.score >= opts.minScore)
      .map((r) => ({ ...toInfo(this.photos.get(r.id)!, this.dir, this.offlineRoots()), score: r.score, tier: r.score >= cutoff ? ('best' as const) : ('more' as const) }));
    if (opts.bestOnly) out = out.filter((h) => h.tier === 'best');
    if (opts.sort === 'date') out.sort((a, b) => (b.takenAt ?? b.mtime) - (a.takenAt ?? a.mtime));
    return out.slice(offset, offset + limit);
  }

  /** Hybrid search: photos whose file or folder name holds query keywords get this much added to their score. */
  private keywordBoost(keywords: string[]): Map<string, number> {
    const BOOST = 0.1;
    return this.keywords.boosts(keywords, BOOST / keywords.length);
  }

  /** Embeds a text query (cached). */
  async textVector(text: string): Promise<Float32Array> {
    const key = `${this.searchEmbedder.modelKey}\u0000${text}`;
    const hit = this.queryCache.get(key);
    if (hit) return hit;
    const [v] = await this.searchEmbedder.embedTexts([text]);
    this.queryCache.set(key, v);
    return v;
  }

  async search(text: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    return this.query({ text }, opts);
  }

  /**
   * The query language: text with rclip-style arithmetic (「海边 + 日落 - 人」, "2:cat + dog"), optionally mixed
   * with weighted images (a photo chip plus "at night"). Plain text also matches file and folder names.
   */
  async query(q: { text?: string; images?: WeightedImage[] }, opts: SearchOptions = {}): Promise<SearchHit[]> {
    const text = (q.text ?? '').trim();
    const images = q.images ?? [];
    if (!text && images.length === 0) throw new Error('Type something to search for, or add an image.');
    if (!this.searchReady()) throw new SoutuError('busy', 'The previous model cannot be loaded while the library switches models; search works again when indexing finishes.');
    // The index before the query encoder: reading the store's batches after ONNX Runtime has set up its session
    // left ~200 MB more resident at 100k photos (the allocator could not reuse the freed batches), the other way
    // round it does not.
    await this.activeIndex();
    const terms = text ? parseQuery(text) : [];
    const parts: { v: Float32Array; w: number }[] = [];
    for (const t of terms) parts.push({ v: await this.textVector(t.text), w: t.weight });
    for (const im of images) parts.push({ v: await this.imageVector(im.image), w: im.weight });
    let v: Float32Array;
    if (parts.length === 1 && parts[0].w === 1) v = parts[0].v;
    else {
      v = new Float32Array(this.searchEmbedder.dim);
      for (const p of parts) for (let j = 0; j < v.length; j++) v[j] += p.w * p.v[j];
      l2normalize(v);
    }
    const keywords = text && !isArithmetic(terms) && images.length === 0 ? keywordTokens(text).filter((k) => !STOPWORDS.has(k)) : [];
    const exclude = images.length === 1 && !text && images[0].image.kind === 'photo' ? images[0].image.id : undefined;
    return this.hits(v, opts, exclude, keywords);
  }

  /**
   * Gets search ready in the background after opening: the index (and its int8 copy), then the query encoder,
   * so that the first query a person types is answered at full speed. The shells call it and do not wait;
   * a failure here would meet the first query again, which reports it.
   */
  warmUp(): Promise<void> {
    return (this.warming ??= (async () => {
      if (this.closing || !this.meta.model || !this.searchReady()) return;
      const idx = await this.activeIndex();
      if (this.closing) return;
      idx.prepare();
      await this.textVector('a photo');
    })());
  }

  async imageVector(query: ImageQuery): Promise<Float32Array> {
    if (query.kind === 'photo') {
      const v = (await this.activeIndex()).get(query.id);
      if (!v) throw new SoutuError('not-found', `No indexed photo with id ${query.id}.`);
      return v;
    }
    const input = query.kind === 'path' ? path.resolve(query.path) : Buffer.from(query.bytes);
    const indexedId = query.kind === 'path' ? this.byPath.get(input as string) : undefined;
    if (indexedId) {
      const v = (await this.activeIndex()).get(indexedId);
      if (v) return v;
    }
    const res: DecodeResult = await decodePhoto(input, this.searchEmbedder.imageSpec, { thumbSize: 0, wantTensor: true });
    if (!res.ok) throw new SoutuError('bad-request', `Cannot use this image: ${res.error.reason}`);
    const [v] = await this.searchEmbedder.embedImages([res.value.tensor]);
    return v;
  }

  async similar(query: ImageQuery, opts: SearchOptions = {}): Promise<SearchHit[]> {
    const v = await this.imageVector(query);
    return this.hits(v, opts, query.kind === 'photo' ? query.id : undefined);
  }

  photo(id: string): PhotoInfo | null {
    const r = this.photos.get(id);
    if (!r) return null;
    const offline = new Set(this.meta.roots.filter((x) => !x.online).map((x) => x.path));
    return toInfo(r, this.dir, offline);
  }

  /** Absolute path of an indexed photo's thumbnail, or null. */
  thumbnailPath(id: string): string | null {
    const r = this.photos.get(id);
    return r?.thumb ? path.join(this.dir, thumbRelPath(r.id)) : null;
  }

  /** True when `file` lies inside one of the library's roots (after resolving). */
  isInsideRoots(file: string): boolean {
    const abs = path.resolve(file);
    return this.meta.roots.some((r) => isInside(abs, r.path));
  }

  // ---- Albums, tags, smart albums, duplicates -------------------------------------------------------------

  private tagMargin(): number {
    const m = Number(this.meta.settings.tagMargin);
    return Number.isFinite(m) ? m : DEFAULT_TAG_MARGIN;
  }

  private async vocabulary(): Promise<Vocabulary> {
    const custom = typeof this.meta.settings.vocabulary === 'string' ? path.join(this.dir, this.meta.settings.vocabulary) : null;
    const v = await loadVocabulary(custom && existsSync(custom) ? custom : defaultVocabularyPath());
    const user = this.userData?.userTags ?? [];
    if (user.length === 0) return v;
    const concepts: Concept[] = [
      ...v.concepts,
      ...user.map((t) => ({ id: t.id, en: t.en || t.label, zh: t.zh || t.label, group: 'user', prompts: { en: [], zh: [] }, aliases: { en: [t.label], zh: [t.label] }, user: true })),
    ];
    return { ...v, concepts, hash: `${v.hash}-${user.map((u) => u.id).join(',')}` };
  }

  private tagger(): Promise<Tagger> {
    return (this.taggerP ??= (async () => {
      const vocab = await this.vocabulary();
      const catalog = findCatalogModel(this.searchEmbedder.modelId);
      const languages = catalog ? catalog.languages : (['en', 'zh'] as const);
      return Tagger.build(this.searchEmbedder, vocab, languages, path.join(this.dir, 'cache'));
    })().catch((err) => {
      this.taggerP = null;
      throw err;
    }));
  }

  private async loadTags(): Promise<void> {
    if (this.tagsLoaded || !this.meta.model) return;
    const table = await this.store.tags(this.meta.model.key);
    for (const row of await table.all()) this.tagsById.set(row.id, row.tags);
    this.tagsLoaded = true;
  }

  /** Tags every ok photo of the active model that has none yet; a new vocabulary retags everything. */
  async ensureTags(): Promise<number> {
    if (!this.meta.model || !this.searchReady()) return 0;
    await this.loadTags();
    const table = await this.store.tags(this.meta.model.key);
    // The version needs only the vocabulary's hash; the concept vectors are built only when something needs tags.
    const version = `${this.meta.model.key}:${(await this.vocabulary()).hash}`;
    const stale = this.meta.settings.tagsVersion !== version;
    if (stale) {
      await table.clear();
      this.tagsById.clear();
    }
    const idx = await this.activeIndex();
    const todo = [...this.photos.values()].filter((p) => p.status === 'ok' && !this.tagsById.has(p.id) && idx.has(p.id));
    const rows: { id: string; tags: [string, number][] }[] = [];
    if (todo.length > 0) {
      const tagger = await this.tagger();
      for (const p of todo) rows.push({ id: p.id, tags: tagger.tag(idx.get(p.id)!) });
    }
    for (let i = 0; i < rows.length; i += 2000) await table.upsert(rows.slice(i, i + 2000));
    for (const r of rows) this.tagsById.set(r.id, r.tags);
    if (stale) {
      this.meta.settings.tagsVersion = version;
      if (!this.opts.readOnly) await writeMeta(this.dir, this.meta);
    }
    return rows.length;
  }

  /** Uses a custom vocabulary (a JSON array of {en, zh} concepts) for this library, and retags without re-embedding. */
  async setVocabulary(file: string | null): Promise<void> {
    if (file === null) delete this.meta.settings.vocabulary;
    else {
      const vocab = parseVocabulary(JSON.parse(await readFile(file, 'utf8')));
      await writeFile(path.join(this.dir, 'vocabulary.json'), JSON.stringify({ concepts: vocab.concepts, templates: vocab.templates, background: vocab.background }, null, 2));
      this.meta.settings.vocabulary = 'vocabulary.json';
    }
    await writeMeta(this.dir, this.meta);
    this.taggerP = null;
    await this.ensureTags();
  }

  async setTagMargin(margin: number): Promise<void> {
    if (!Number.isFinite(margin) || margin < -1 || margin > 1) throw new Error('The tag threshold must be between -1 and 1.');
    this.meta.settings.tagMargin = margin;
    await writeMeta(this.dir, this.meta);
  }

  private albumMembers(concept: Concept): Map<string, number> {
    const margin = this.tagMargin();
    const members = new Map<string, number>();
    for (const [id, tags] of this.tagsById) {
      const t = tags.find(([c]) => c === concept.id);
      if (t && t[1] >= margin && this.photos.get(id)?.status === 'ok') members.set(id, t[1]);
    }
    const edits = this.userData?.albumEdits[concept.id];
    for (const id of edits?.removed ?? []) members.delete(id);
    for (const id of edits?.added ?? []) if (this.photos.get(id)?.status === 'ok' && !members.has(id)) members.set(id, 1);
    return members;
  }

  /** One album per tag with at least one photo, largest first. */
  async albums(): Promise<AlbumInfo[]> {
    await this.ensureTags();
    const tagger = await this.tagger();
    const offline = this.offlineRoots();
    const out: AlbumInfo[] = [];
    for (const c of tagger.vocab.concepts) {
      const members = this.albumMembers(c);
      if (members.size === 0) continue;
      let cover: string | null = null;
      let best = -Infinity;
      for (const [id, score] of members) if (score > best) [best, cover] = [score, id];
      out.push({ id: c.id, tag: c.en, zh: c.zh, group: c.group, count: members.size, cover: cover ? toInfo(this.photos.get(cover)!, this.dir, offline) : null, user: c.user === true });
    }
    return out.sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
  }

  private async concept(tag: string): Promise<Concept> {
    const tagger = await this.tagger();
    const c = tagger.vocab.concepts.find((x) => conceptMatches(x, tag));
    if (!c) throw new SoutuError('not-found', `No album called "${tag}".`);
    return c;
  }

  /** An album's photos, best first (score = how far the photo beats its background baseline; 1 = added by hand). */
  async album(tag: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    await this.ensureTags();
    const c = await this.concept(tag);
    const accept = this.filterFn(opts.filters);
    const offline = this.offlineRoots();
    const hits = [...this.albumMembers(c)]
      .filter(([id]) => !accept || accept(id))
      .map(([id, score]) => ({ ...toInfo(this.photos.get(id)!, this.dir, offline), score, tier: 'best' as const }))
      .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
    if (opts.sort === 'date') hits.sort((a, b) => (b.takenAt ?? b.mtime) - (a.takenAt ?? a.mtime));
    const offset = opts.offset ?? 0;
    return hits.slice(offset, offset + (opts.limit ?? 1000));
  }

  /** Adds a photo to, or removes it from, an auto album. Stored apart from the index; survives re-index and retag. */
  async editAlbum(tag: string, photoId: string, action: 'add' | 'remove' | 'reset'): Promise<void> {
    const c = await this.concept(tag);
    if (!this.photos.has(photoId)) throw new SoutuError('not-found', `No indexed photo with id ${photoId}.`);
    const ud = this.userData!;
    const e = (ud.albumEdits[c.id] ??= { added: [], removed: [] });
    e.added = e.added.filter((x) => x !== photoId);
    e.removed = e.removed.filter((x) => x !== photoId);
    if (action !== 'reset') (action === 'add' ? e.added : e.removed).push(photoId);
    await writeUserData(this.dir, ud);
  }

  /** A tag of the user's own, in any language; photos are tagged with it right away. */
  async addUserTag(label: string): Promise<string> {
    const clean = label.trim();
    if (!clean || clean.length > 60) throw new Error('A tag needs 1 to 60 characters.');
    const ud = this.userData!;
    const existing = ud.userTags.find((t) => t.label === clean);
    if (existing) return existing.id;
    const id = `user-${Date.now().toString(36)}`;
    ud.userTags.push({ id, label: clean });
    await writeUserData(this.dir, ud);
    this.taggerP = null;
    await this.ensureTags();
    return id;
  }

  private async smartVector(def: { text?: string; photoIds?: string[] }): Promise<Float32Array> {
    const images = (def.photoIds ?? []).map((id) => ({ image: { kind: 'photo' as const, id }, weight: 1 }));
    const parts: Float32Array[] = [];
    if (def.text?.trim()) parts.push(await this.textVector(def.text.trim()));
    for (const im of images) parts.push(await this.imageVector(im.image));
    if (parts.length === 0) throw new Error('A smart album needs text, example photos, or both.');
    const v = new Float32Array(this.searchEmbedder.dim);
    for (const p of parts) for (let j = 0; j < v.length; j++) v[j] += p[j];
    return l2normalize(v);
  }

  /** Photos of a smart album (saved, or a draft while the user moves the slider): cosine ≥ threshold, best first. */
  async smartAlbumHits(def: { text?: string; photoIds?: string[]; threshold: number }, opts: SearchOptions = {}): Promise<SearchHit[]> {
    const v = await this.smartVector(def);
    return this.hits(v, { ...opts, minScore: def.threshold, limit: opts.limit ?? 1000 });
  }

  async smartAlbums(): Promise<SmartAlbumInfo[]> {
    const out: SmartAlbumInfo[] = [];
    for (const a of this.userData!.smartAlbums) {
      const hits = await this.smartAlbumHits(a, { limit: 10_000 }).catch(() => []);
      out.push({ id: a.id, name: a.name, text: a.text, photoIds: a.photoIds, threshold: a.threshold, count: hits.length });
    }
    return out;
  }

  async saveSmartAlbum(def: { id?: string; name: string; text?: string; photoIds?: string[]; threshold: number }): Promise<SmartAlbum> {
    const album = smartAlbumSchema.parse({ ...def, id: def.id ?? `sa-${Date.now().toString(36)}`, createdAt: Date.now() });
    const ud = this.userData!;
    ud.smartAlbums = [...ud.smartAlbums.filter((a) => a.id !== album.id), album];
    await writeUserData(this.dir, ud);
    return album;
  }

  async deleteSmartAlbum(id: string): Promise<void> {
    const ud = this.userData!;
    ud.smartAlbums = ud.smartAlbums.filter((a) => a.id !== id);
    await writeUserData(this.dir, ud);
  }

  /** Groups of near-identical photos (resized, re-compressed, burst), with the one to keep first. */
  async duplicates(opts: { maxHamming?: number; minCosine?: number } = {}): Promise<DuplicateGroup[]> {
    const idx = await this.activeIndex();
    const candidates = [...this.photos.values()].filter((p) => p.status === 'ok' && p.phash).map((p) => ({ id: p.id, phash: p.phash! }));
    const cos = (a: string, b: string) => {
      const va = idx.get(a);
      return va ? (idx.score(b, va) ?? 0) : 0;
    };
    const offline = this.offlineRoots();
    return findDuplicateGroups(candidates, cos, opts)
      .map((ids) => {
        const photos = ids.map((id) => toInfo(this.photos.get(id)!, this.dir, offline));
        photos.sort((a, b) => b.width * b.height - a.width * a.height || b.size - a.size || a.path.localeCompare(b.path));
        return { paths: photos.map((p) => p.path), photos, keep: photos[0].id };
      })
      .sort((a, b) => b.photos.length - a.photos.length || a.paths[0].localeCompare(b.paths[0]));
  }

  /**
   * Moves photos to the OS trash through the shell's `trash` (Electron's shell.trashItem, or a freedesktop/macOS
   * trash in serve mode when enabled), then drops them from the index. Never deletes outright.
   */
  async trashPhotos(ids: string[], trash: (file: string) => Promise<void>): Promise<{ trashed: number; failed: { id: string; error: string }[] }> {
    const failed: { id: string; error: string }[] = [];
    const done: string[] = [];
    for (const id of ids) {
      const p = this.photos.get(id);
      if (!p) {
        failed.push({ id, error: 'Not an indexed photo.' });
        continue;
      }
      if (!this.isInsideRoots(p.path)) {
        failed.push({ id, error: 'Outside the indexed folders.' });
        continue;
      }
      try {
        await trash(p.path);
        done.push(id);
      } catch (err) {
        failed.push({ id, error: `Could not move it to the trash: ${(err as Error).message}` });
      }
    }
    await this.deletePhotos(done);
    if (done.length) {
      // During an index run the table may hold vectors the index has not been given yet: the run's own end
      // takes the snapshot then.
      if (!this.indexing) this.snapshotIndex();
      this.emit('changed');
    }
    return { trashed: done.length, failed };
  }

  async status(): Promise<LibraryStatus> {
    const perRoot = new Map<string, { photos: number; failed: number }>();
    let ok = 0;
    let failed = 0;
    for (const p of this.photos.values()) {
      const c = perRoot.get(p.root) ?? { photos: 0, failed: 0 };
      if (p.status === 'ok') {
        c.photos++;
        ok++;
      } else {
        c.failed++;
        failed++;
      }
      perRoot.set(p.root, c);
    }
    const devices = this.searchEmbedder.devices();
    return {
      library: this.dir,
      photos: ok,
      failures: failed,
      roots: this.meta.roots.map((r) => ({
        path: r.path,
        online: r.online,
        photos: perRoot.get(r.path)?.photos ?? 0,
        failed: perRoot.get(r.path)?.failed ?? 0,
        lastIndexedAt: r.lastIndexedAt,
      })),
      model: this.meta.model
        ? { id: this.meta.model.id, dim: this.meta.model.dim, device: devices.text ?? devices.vision, dtype: this.searchEmbedder.dtype() }
        : null,
      pendingModel: this.meta.pendingModel?.id ?? null,
      schemaVersion: this.store.schemaVersion,
      tagMargin: this.tagMargin(),
    };
  }

  /** What open() had to repair or upgrade in the database (also passed to `onWarning` while opening). */
  storeRepairs(): StoreRepair[] {
    return this.store instanceof LanceVectorStore ? [...this.store.repairs] : [];
  }

  /**
   * Keeps the index current: roots whose files are added, changed, renamed or deleted (or that go offline or come
   * back) get an incremental index run a couple of seconds after things settle. Resolves once watching started.
   */
  async watch(opts: WatchOptions = {}): Promise<void> {
    if (this.opts.readOnly) throw new SoutuError('bad-request', 'A library opened read-only cannot watch its folders.');
    if (this.watcher) return;
    this.watcher = await FolderWatcher.start({
      ...opts,
      roots: this.roots(),
      exclude: [this.dir],
      onChange: (roots) => this.queueReindex(roots),
      onWarning: (m) => this.emit('warning', m),
    });
  }

  get watching(): 'watching' | 'polling' | null {
    const m = this.watcher?.mode;
    return m === 'watching' || m === 'polling' ? m : null;
  }

  async unwatch(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    this.watchQueue.clear();
    await w?.close();
    await this.watchLoop;
  }

  /** One watcher-driven run at a time; roots that change meanwhile are collected for the next one. */
  private queueReindex(roots: string[]): void {
    for (const r of roots) this.watchQueue.add(r);
    this.watchLoop ??= (async () => {
      try {
        while (this.watcher && this.watchQueue.size > 0) {
          // A run already in progress (the user's or ours) goes first; the queued roots are rescanned after it.
          if (this.indexing) {
            await this.indexing.catch(() => {});
            continue;
          }
          const next = [...this.watchQueue].filter((r) => this.meta.roots.some((m) => m.path === r));
          this.watchQueue.clear();
          if (next.length === 0) continue;
          await this.index({ roots: next }).catch((err) => this.emit('warning', `Could not update the index after a change: ${(err as Error).message}`));
        }
      } finally {
        this.watchLoop = null;
      }
    })();
  }

  async close(): Promise<void> {
    await this.unwatch();
    await this.indexing?.catch(() => {});
    // A load in flight (the warm-up's) and the snapshot writes it queued finish before the store closes.
    await this.vindexLoad?.p.catch(() => {});
    await this.snapshots.close();
    this.closing = true;
    await this.warming?.catch(() => {});
    await this.embedder.close();
    if (this.searchEmbedder && this.searchEmbedder !== this.embedder) await this.searchEmbedder.close();
    await this.store.close();
    await this.lock?.release();
  }
}

export async function readLibraryMetaFile(dir: string): Promise<LibraryMeta | null> {
  const file = path.join(dir, 'library.json');
  if (!existsSync(file)) return null;
  return JSON.parse(await readFile(file, 'utf8')) as LibraryMeta;
}
