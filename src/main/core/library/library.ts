// The core facade: everything Soutu can do is a method here, so the CLI, the Electron shell, the HTTP server and
// the tests all drive the same code. open() is the composition root; each method delegates to one service.
import { EventEmitter } from 'node:events';
import { mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type {
  AlbumInfo, DuplicateGroup, FailedFile, ImageQuery, IndexReport, LibraryStatus, PhotoInfo, SearchHit, SearchOptions, SmartAlbumInfo, WeightedImage,
} from '../../../shared/types.js';
import type { PrecisionSetting } from '../embed/model-catalog.js';
import { SoutuError } from '../errors.js';
import type { OcrLine } from '../ocr/ocr-engine.js';
import { killAllMediaProcesses, reapOrphans, type VideoSignature } from '../video/index.js';
import { VideoMedia } from './video-media.js';
import { thumbRelPath } from '../index/index-pipeline.js';
import { LanceVectorStore, type StoreRepair } from '../store/lance-vector-store.js';
import { composeServices, libraryStatus, type LibraryEvents, type LibraryOptions, type LibraryServices } from './compose-services.js';
import { duplicateGroups, videoDuplicateGroups } from './duplicate-service.js';
import { IndexSnapshots } from './index-snapshots.js';
import type { IndexOptions } from './indexing-service.js';
import { acquireLock, type LibraryLock } from './library-lock.js';
import { MetadataStore } from './metadata-store.js';
import { checkRoot } from './root-policy.js';
import type { SmartAlbumDef } from './smart-album-service.js';
import type { SmartAlbum } from './user-data.js';
import type { WatchOptions } from './watch-service.js';

export type { IndexOptions } from './indexing-service.js';
export type { WatchOptions } from './watch-service.js';
export type { LibraryEvents, LibraryOptions, LibraryServices } from './compose-services.js';
export { readLibraryMetaFile } from './library-meta.js';

export class Library extends EventEmitter<LibraryEvents> {
  private closing = false;
  private media: VideoMedia | null = null;
  /** Video signatures computed for duplicate checks, by id, size and mtime. */
  private readonly signatures = new Map<string, VideoSignature | null>();

  private constructor(
    readonly dir: string,
    private readonly store: LanceVectorStore,
    private readonly lock: LibraryLock | null,
    private readonly repairs: StoreRepair[],
    private readonly services: LibraryServices,
  ) {
    super();
  }

  static async open(dir: string, opts: LibraryOptions = {}): Promise<Library> {
    const abs = path.resolve(dir);
    // Private by default: photos' names, places and thumbnails are nobody else's business on a shared machine.
    await mkdir(abs, { recursive: true, mode: 0o700 });
    const lock = opts.readOnly ? null : await acquireLock(abs);
    // ffmpeg processes a killed earlier run left behind (recorded in <library>/run) are ended first.
    if (lock) await reapOrphans(path.join(abs, 'run')).catch(() => {});
    let store: LanceVectorStore | null = null;
    try {
      const readOnly = opts.readOnly === true;
      const meta = await MetadataStore.open(abs, readOnly);
      const repairs: StoreRepair[] = [];
      store = await LanceVectorStore.open(path.join(abs, 'db'), {
        readOnly,
        onRepair: (r) => {
          // A rolled-back or recreated table can reach a version number again with other contents: index snapshots
          // taken before the repair must not match it.
          IndexSnapshots.removeAll(abs);
          repairs.push(r);
          opts.onWarning?.(r.message);
        },
      });
      // The services report through the facade, which exists once they do: callbacks reach it through `self`.
      let self: Library | null = null;
      const services = await composeServices(abs, opts, meta, store, {
        warning: (m) => self?.emit('warning', m),
        changed: () => self?.emit('changed'),
        progress: (p) => self?.emit('progress', p),
        download: (p) => self?.emit('download', p),
        addRoot: (r) => self!.addRoot(r),
        open: () => self?.closing === false,
      });
      self = new Library(abs, store, lock, repairs, services);
      return self;
    } catch (err) {
      await store?.close().catch(() => {});
      await lock?.release();
      throw err;
    }
  }

  /** The services behind the facade (tests and the bench read them; shells use the methods). */
  get internals(): Readonly<LibraryServices> {
    return this.services;
  }

  get modelId(): string {
    return this.services.models.indexing.modelId;
  }

  /**
   * Starts a switch to another model: new photos and a re-embed of every photo go to the new model's own
   * table, while search keeps serving the current model until the next index() run completes the switch.
   */
  async switchModel(spec: string, o: { allowDownload?: boolean; precision?: PrecisionSetting } = {}): Promise<LibraryStatus> {
    if (this.services.indexing.running) throw new SoutuError('busy', 'Wait for indexing to finish (or cancel it) before switching models.');
    if (await this.services.models.switchTo(spec, o.allowDownload ?? true, o.precision)) this.emit('changed');
    return this.status();
  }

  roots(): string[] {
    return this.services.meta.current.roots.map((r) => r.path);
  }

  /** Adds a photo folder. Refuses the disk's root, system folders, the library folder and what is not a folder. */
  async addRoot(root: string): Promise<void> {
    const abs = path.resolve(root);
    checkRoot(abs, this.dir);
    if (this.roots().includes(abs)) return;
    const st = await stat(abs).catch(() => null);
    if (!st?.isDirectory()) throw new SoutuError('bad-request', `${abs} is not a folder.`);
    // A link to / or /etc is judged by where it leads.
    const real = await realpath(abs).catch(() => abs);
    if (real !== abs) checkRoot(real, await realpath(this.dir).catch(() => this.dir));
    await this.services.meta.update((m) => {
      if (!m.roots.some((r) => r.path === abs)) m.roots.push({ path: abs, addedAt: Date.now(), lastIndexedAt: null, online: true });
    });
    await this.services.watch.rootsChanged();
    this.emit('changed');
  }

  async removeRoot(root: string): Promise<number> {
    const n = await this.services.removal.removeRoot(root);
    await this.services.watch.rootsChanged();
    return n;
  }

  /** Indexes the given folders (added as roots) or every root. One run at a time. */
  index(opts: IndexOptions = {}): Promise<IndexReport> {
    return this.services.indexing.index(opts);
  }

  failures(roots?: string[]): FailedFile[] {
    return this.services.catalog.failures(roots);
  }

  /** Embeds a text query (cached). */
  textVector(text: string): Promise<Float32Array> {
    return this.services.search.textVector(text);
  }

  search(text: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    return this.services.search.query({ text }, opts);
  }

  query(q: { text?: string; images?: WeightedImage[] }, opts: SearchOptions = {}): Promise<SearchHit[]> {
    return this.services.search.query(q, opts);
  }

  warmUp(): Promise<void> {
    // The text index loads beside the vector index, so the first plain query can match text too.
    void this.services.ocr.load().catch((err: unknown) => this.emit('warning', `Could not load the text read in photos: ${(err as Error).message}`));
    return this.services.search.warmUp();
  }

  imageVector(query: ImageQuery): Promise<Float32Array> {
    return this.services.search.imageVector(query);
  }

  similar(query: ImageQuery, opts: SearchOptions = {}): Promise<SearchHit[]> {
    return this.services.search.similar(query, opts);
  }

  photo(id: string): PhotoInfo | null {
    return this.services.catalog.infoById(id);
  }

  /** Absolute path of an indexed photo's thumbnail, or null. */
  thumbnailPath(id: string): string | null {
    return this.services.catalog.get(id)?.thumb ? path.join(this.dir, thumbRelPath(id)) : null;
  }

  ensureTags(): Promise<number> {
    return this.services.tags.ensure();
  }

  setVocabulary(file: string | null): Promise<void> {
    return this.services.tags.setVocabulary(file);
  }

  setTagMargin(margin: number): Promise<void> {
    return this.services.tags.setMargin(margin);
  }

  albums(): Promise<AlbumInfo[]> {
    return this.services.tags.albums();
  }

  album(tag: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    return this.services.tags.album(tag, opts);
  }

  editAlbum(tag: string, photoId: string, action: 'add' | 'remove' | 'reset'): Promise<void> {
    return this.services.tags.editAlbum(tag, photoId, action);
  }

  addUserTag(label: string): Promise<string> {
    return this.services.tags.addUserTag(label);
  }

  smartAlbumHits(def: SmartAlbumDef, opts: SearchOptions = {}): Promise<SearchHit[]> {
    return this.services.smart.hits(def, opts);
  }

  smartAlbums(): Promise<SmartAlbumInfo[]> {
    return this.services.smart.list();
  }

  saveSmartAlbum(def: { id?: string; name: string; text?: string; photoIds?: string[]; threshold: number }): Promise<SmartAlbum> {
    return this.services.smart.save(def);
  }

  deleteSmartAlbum(id: string): Promise<void> {
    return this.services.smart.remove(id);
  }

  /** Groups of near-identical photos (resized, re-compressed, burst) and re-encoded videos, the one to keep first. */
  async duplicates(opts: { maxHamming?: number; minCosine?: number } = {}): Promise<DuplicateGroup[]> {
    const photos = await duplicateGroups(this.services.catalog, this.services.index, opts);
    const videos = await videoDuplicateGroups(this.services.catalog, this.signatures, path.join(this.dir, 'run'));
    return [...photos, ...videos].sort((a, b) => b.photos.length - a.photos.length || a.paths[0].localeCompare(b.paths[0]));
  }

  trashPhotos(ids: string[], trash: (file: string) => Promise<void>): Promise<{ trashed: number; failed: { id: string; error: string }[] }> {
    return this.services.removal.trash(ids, trash);
  }

  status(): Promise<LibraryStatus> {
    return libraryStatus(this.dir, this.services, this.store.schemaVersion);
  }

  /** The text lines read from a photo (boxes in its upright pixels), or null when none were read. */
  photoText(id: string): Promise<OcrLine[] | null> {
    return this.services.ocr.lines(id);
  }

  /** A video's moments' thumbnails, Live Photo clips and browser previews (for the media routes). */
  get videoMedia(): VideoMedia {
    return (this.media ??= new VideoMedia(this.dir, this.services.catalog, this.services.frames));
  }

  /** A video's sampled moments (seconds, in order) and its length; null for photos and unknown ids. */
  videoMoments(id: string): { duration: number; times: number[] } | null {
    const r = this.services.catalog.get(id);
    if (r?.kind !== 'video') return null;
    return { duration: r.duration ?? 0, times: this.services.frames.ofVideo(id).map((f) => f.t) };
  }

  /** Turns reading text in photos on or off for this library; turning it back on fills the gap at the next run. */
  setOcrEnabled(on: boolean): Promise<void> {
    return this.services.ocr.setEnabled(on);
  }

  /** What open() had to repair or upgrade in the database (also passed to `onWarning` while opening). */
  storeRepairs(): StoreRepair[] {
    return [...this.repairs];
  }

  /** Keeps the index current while the library is open (see WatchService). Resolves once watching started. */
  watch(opts: WatchOptions = {}): Promise<void> {
    return this.services.watch.start(opts);
  }

  get watching(): 'watching' | 'polling' | null {
    return this.services.watch.mode;
  }

  unwatch(): Promise<void> {
    return this.services.watch.stop();
  }

  async close(): Promise<void> {
    const s = this.services;
    await s.watch.stop();
    await s.indexing.running?.catch(() => {});
    // A load in flight (the warm-up's) and the snapshot writes it queued finish before the store closes.
    await s.index.close();
    this.closing = true;
    await s.search.settle();
    await s.ocr.close();
    killAllMediaProcesses();
    await s.models.close();
    await s.meta.flush();
    await this.store.close();
    await this.lock?.release();
  }
}
