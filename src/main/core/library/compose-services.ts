// The composition root of a Library: builds its services in dependency order, each given what it needs, and
// wires the model switch to the caches built on the serving model. Also the status the shells show.
import type { IndexProgress, LibraryStatus } from '../../../shared/types.js';
import type { Embedder } from '../embed/embedder.js';
import type { DownloadProgress } from '../embed/model-download.js';
import type { DevicePreference } from '../embed/transformers-clip-embedder.js';
import type { PrecisionSetting } from '../embed/model-catalog.js';
import type { VectorStore } from '../store/vector-store.js';
import { ActiveIndex } from './active-index.js';
import { catalogEmbedderLoader } from './embedder-loader.js';
import { IndexingService } from './indexing-service.js';
import type { MetadataStore } from './metadata-store.js';
import { ModelSession } from './model-session.js';
import { OcrService } from './ocr-service.js';
import type { OcrEngine } from '../ocr/ocr-engine.js';
import { FrameCatalog } from './frame-catalog.js';
import { PhotoCatalog } from './photo-catalog.js';
import { RemovalService } from './removal-service.js';
import { SearchService } from './search-service.js';
import { SmartAlbumService } from './smart-album-service.js';
import { TagService } from './tag-service.js';
import { UserDataStore } from './user-data.js';
import { WatchService } from './watch-service.js';

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
  /** The OCR engine to use (tests inject one); PaddleOCR by default, made when first needed. */
  ocrEngine?: () => OcrEngine;
  /**
   * Full-precision vision or the compact q8 pair. Asked for explicitly, a precision other than the one the library's
   * vectors were made with is a model switch (re-embed), never a mix; left out, the library opens at its recorded
   * precision, and a new library (or a newly chosen model) gets full precision.
   */
  precision?: PrecisionSetting;
}

export interface LibraryEvents {
  progress: [IndexProgress];
  download: [DownloadProgress];
  changed: [];
  warning: [string];
}

/** The services behind the facade, for white-box tests and the bench (read-only use). */
export interface LibraryServices {
  meta: MetadataStore;
  catalog: PhotoCatalog;
  frames: FrameCatalog;
  models: ModelSession;
  index: ActiveIndex;
  search: SearchService;
  indexing: IndexingService;
  tags: TagService;
  smart: SmartAlbumService;
  removal: RemovalService;
  watch: WatchService;
  ocr: OcrService;
}

/** How the services reach the facade: its events, and the two things only it does. */
export interface FacadeHooks {
  warning(message: string): void;
  changed(): void;
  progress(p: IndexProgress): void;
  download(p: DownloadProgress): void;
  addRoot(root: string): Promise<void>;
  /** False once the library is closing. */
  open(): boolean;
}

export async function composeServices(dir: string, opts: LibraryOptions, meta: MetadataStore, store: VectorStore, hooks: FacadeHooks): Promise<LibraryServices> {
  const readOnly = opts.readOnly === true;
  const warn = hooks.warning;
  const loader = catalogEmbedderLoader({
    modelsDir: opts.modelsDir, hubHost: opts.hubHost, device: opts.device, threads: opts.threads, precision: opts.precision, wrap: opts.wrapEmbedder, onWarning: warn,
    onDownload: (p) => {
      opts.onDownload?.(p);
      hooks.download(p);
    },
  });
  // The photo rows (a second at 100k) are read while the model's sessions are set up.
  const [models, rows] = await Promise.all([
    ModelSession.open(meta, store, loader, { model: opts.model, defaultModel: opts.defaultModel, allowDownload: opts.allowDownload === true, precision: opts.precision, warn }),
    store.allPhotos(),
  ]);
  const catalog = new PhotoCatalog(dir, () => new Set(meta.current.roots.filter((r) => !r.online).map((r) => r.path)));
  catalog.load(rows);
  const frames = new FrameCatalog();
  frames.load(await (await store.frames()).all());
  const userData = await UserDataStore.open(dir);
  // The index run in progress, read by services built before the indexing service.
  const running = () => indexing.running;
  const isIndexing = () => running() !== null;
  const index = new ActiveIndex({ dir, store, readOnly, activeModel: () => meta.current.model, indexing: isIndexing, warn });
  models.on('switched', () => index.reset());
  const tags = new TagService({ dir, readOnly, meta, userData, store, models, index, catalog, frames });
  let textBearing: (id: string) => boolean = () => false;
  const ocr = new OcrService({ dir, threads: opts.threads, store, meta, catalog, engine: opts.ocrEngine, warn, gate: { taggedAsText: (id) => textBearing(id) } });
  const search = new SearchService({ catalog, index, models, ocr, frames, open: hooks.open });
  const removal = new RemovalService({ dir, store, meta, catalog, index, tags, ocr, frames, indexing: isIndexing, changed: hooks.changed });
  const watch = new WatchService({
    dir, readOnly, roots: () => meta.current.roots.map((r) => r.path), running, warn,
    index: (roots) => indexing.index({ roots }),
  });
  const indexing: IndexingService = new IndexingService({
    dir, readOnly, threads: opts.threads, openedAt: Date.now(), meta, store, catalog, frames, models, index, removal, tags, ocr,
    // The gate reads the tags as the run left them (they are made just before the text stage).
    addRoot: hooks.addRoot, progress: hooks.progress, changed: hooks.changed, warn,
  });
  const refreshGate = async () => {
    // Photos a cancelled or failed tagging left out get their tags first (a run that changed nothing skips tagging).
    await tags.ensure().catch((err: unknown) => warn(`Could not tag photos: ${(err as Error).message}`));
    textBearing = await tags.textBearing().catch(() => () => false);
  };
  ocr.beforeRun = refreshGate;
  return { meta, catalog, frames, models, index, search, indexing, tags, smart: new SmartAlbumService(search, userData), removal, watch, ocr };
}

/** The vision precision of an embedder that says it (TransformersClipEmbedder does). */
function visionOf(e: object): { vision?: 'q8' | 'full' } {
  const v = (e as { visionClass?: unknown }).visionClass;
  return v === 'q8' || v === 'full' ? { vision: v } : {};
}

/** What the shells show about a library. */
export async function libraryStatus(dir: string, s: LibraryServices, schemaVersion: number): Promise<LibraryStatus> {
  const counts = s.catalog.counts();
  const { perRoot, ok, failed } = counts;
  const devices = s.models.query.devices();
  const m = s.meta.current;
  return {
    library: dir,
    photos: ok,
    failures: failed,
    roots: m.roots.map((r) => ({ path: r.path, online: r.online, photos: perRoot.get(r.path)?.photos ?? 0, failed: perRoot.get(r.path)?.failed ?? 0, lastIndexedAt: r.lastIndexedAt })),
    model: m.model
      ? { id: m.model.id, dim: m.model.dim, device: devices.text ?? devices.vision, dtype: s.models.query.dtype(), ...visionOf(s.models.query) }
      : null,
    pendingModel: m.pendingModel?.id ?? null,
    schemaVersion,
    tagMargin: s.tags.margin(),
    tagMarginDefault: s.tags.defaultMargin(),
    videos: counts.videos,
    ocr: { ...(await s.ocr.counts()), enabled: s.ocr.enabled() },
  };
}
