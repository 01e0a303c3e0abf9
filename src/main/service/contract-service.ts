// Answers the contract for one library, whatever the shell: the desktop's library process and `soutu serve`
// both run this, so argument validation, error codes, event batching, model switching and the time before a
// model is ready are written once. Before the first model is there, status, settings and models work, and
// folders added (roots:add, index:start) are queued: the call answers at once, the model downloads with
// progress events, and every queued folder is added and indexed as soon as the library opens.
import path from 'node:path';
import { ApiError, isCallName, parseArgs, type CallName, type EventName, type EventPayloads, type PrecisionChoice } from '../../shared/api.js';
import { isDesktopCall, isPhotoId, MEDIA_KINDS, precisionOfModel } from '../../shared/contract.js';
import type { IndexProgress, LibraryStatus, RootInfo, SearchHit, SearchOptions } from '../../shared/types.js';
import { DEFAULT_TAG_MARGIN, errorCode, SoutuError, type Library, type LibraryMeta, type ModelService } from '../core/index.js';
import { createCallHandlers, folderFromUser, requireFolder, type CallHandlers } from './call-handlers.js';
import { toApiError } from './errors.js';
import { IndexRunner } from './index-runner.js';
import { importEntry, ModelCalls } from './model-calls.js';
import { guardPath, isInside } from './path-guard.js';
import type { SettingsStore } from './settings-store.js';

export interface OpenRequest {
  /** Fetch a missing catalog model first (progress as model:download events). */
  allowDownload: boolean;
  /** Open with this model (a catalog id or folder) instead of the one the library records. */
  model?: string;
  /** At this precision (models:use before the library could open); else as the library records. */
  precision?: PrecisionChoice;
}

export interface ContractServiceDeps {
  libraryDir: string;
  settings: SettingsStore;
  models: ModelService;
  /** Opens the library (see open-library.ts); a missing model is SoutuError('model-missing'). */
  openLibrary(req: OpenRequest): Promise<Library>;
  /** library.json as it is on disk, for the status before the library opens. */
  readMeta(): Promise<LibraryMeta | null>;
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  /** The OS language, for model titles when the settings name none. */
  systemLanguage?: string;
  /**
   * Moves a photo file to the trash once this service has checked it lies inside `allowed` (its library folder).
   * Without it, duplicates:trash is refused.
   */
  trash?(file: string, allowed: string[]): Promise<void>;
  log?(line: string): void;
  /** How long library:changed waits to coalesce a burst of changes (default 100 ms). */
  changedDelayMs?: number;
}

/** Where the bytes of a photo's or video's media are and which folders they must stay inside. */
export interface MediaLocation {
  file: string;
  allowed: string[];
  /**
   * For a thumbnail, a moment's thumbnail or a preview: the photo or video it shows, which must not lead outside its
   * folder either (it shows the same picture). Absent while that folder is offline (nothing to check; a thumbnail
   * still shows).
   */
  source?: { file: string; allowed: string[] };
  /** The file is a video in this container (mp4, mov, webm, mkv, avi, 3gp): sent with byte ranges, typed by it. */
  video?: string;
  /** A transcoded preview: where in the video it starts and how long it lasts, seconds (t plays at t − startS). */
  preview?: { startS: number; durationS: number };
}

/** What a call answers while no library is open (its model is not there yet). */
const WITHOUT_LIBRARY: Partial<Record<CallName, () => unknown>> = {
  'photo:get': () => null,
  'photo:text': () => null,
  'video:moments': () => null,
  'index:last': () => null,
  'failures:list': () => [],
  'albums:list': () => [],
  'smart:list': () => [],
  'duplicates:list': () => [],
  'index:cancel': () => ({ cancelled: false }),
  'index:pause': () => ({ paused: false }),
  'index:resume': () => ({ started: false }),
};

export class ContractService {
  private lib: Library | null = null;
  private runner: IndexRunner | null = null;
  private handlers: CallHandlers | null = null;
  private opening: Promise<Library> | null = null;
  private openingWithDownload = false;
  /** The model asked for when the open library was opened (models:use before any library), else null. */
  private openedWith: string | null = null;
  /** Folders added before the library could open; `all` when an index run of every folder was asked for. */
  private readonly queue = { folders: [] as string[], all: false };
  private queueRun: Promise<void> | null = null;
  private detach: (() => void) | null = null;
  private closed = false;
  /** False for a library adopted open (serve): close() then leaves it to its owner. */
  private ownsLibrary = true;
  private readonly log: (line: string) => void;
  private readonly stopDownloads: () => void;
  private readonly modelCalls: ModelCalls;

  constructor(private readonly deps: ContractServiceDeps) {
    this.log = deps.log ?? (() => {});
    this.modelCalls = new ModelCalls({
      models: deps.models,
      settings: deps.settings,
      readMeta: deps.readMeta,
      language: () => this.language(),
      warn: (message) => deps.emit('app:warning', { message }),
      log: this.log,
    });
    // Every download of this process's models (first open, models:download, models:use) shows as progress.
    const onDownload = (p: { model: string; file: string; bytes: number; total: number | null; percent: number | null }) =>
      deps.emit('model:download', { model: p.model, file: p.file, bytes: p.bytes, total: p.total, percent: p.percent });
    deps.models.on('download', onDownload);
    this.stopDownloads = () => deps.models.off('download', onDownload);
  }

  /** Opens the library in the background when its model is already there (so the first search is quick). */
  async start(): Promise<void> {
    try {
      await this.ensureOpen(false);
    } catch (err) {
      const e = toApiError(err, this.log, 'open');
      if (errorCode(err) !== 'model-missing') this.deps.emit('app:warning', { message: e.message });
      this.log(`library not opened yet: ${e.message}`);
    }
  }

  get isOpen(): boolean {
    return this.lib !== null;
  }

  /** The index run's progress while one is going (for a client that connects mid-run). */
  get progress(): IndexProgress | null {
    return this.runner?.busy ? this.runner.progress : null;
  }

  /** Answers one contract call. Arguments are validated here too, so this never trusts its caller. */
  async call(name: CallName, raw: unknown): Promise<unknown> {
    try {
      if (!isCallName(name)) throw new ApiError('bad-request', `Unknown call ${String(name).slice(0, 64)}`);
      const args = parseArgs(name, raw);
      if (isDesktopCall(name)) throw new ApiError('unsupported', `${name} is only available in the desktop app.`);
      return await this.answer(name, args);
    } catch (err) {
      throw toApiError(err, this.log, name);
    }
  }

  /**
   * search:image for an image a shell has received as raw bytes and written to `file`, a temporary file of its own
   * (serve's upload route): the same search as the call, without the bytes ever becoming a base64 string.
   * `options` is checked by the call's own schema.
   */
  async similarToFile(file: string, options: unknown): Promise<SearchHit[]> {
    try {
      const args = parseArgs('search:image', { image: { kind: 'photo', id: '0000000000000000' }, ...(options === undefined ? {} : { options }) });
      const lib = await this.ensureOpen(false);
      return await lib.similar({ kind: 'path', path: file }, args.options as SearchOptions | undefined);
    } catch (err) {
      throw toApiError(err, this.log, 'search:image');
    }
  }

  private run(name: CallName, args: unknown): Promise<unknown> {
    return (this.handlers![name] as (a: unknown) => Promise<unknown>)(args);
  }

  private async answer(name: CallName, args: unknown): Promise<unknown> {
    if (this.handlers) return this.run(name, args);
    switch (name) {
      case 'library:status':
        // A plain open (model on disk) takes a moment: answer with the open library. One that downloads the
        // model first takes minutes: answer now, with the queued folders.
        if (!this.openingWithDownload) await this.opening?.catch(() => {});
        return this.status();
      case 'settings:get':
        return this.deps.settings.get();
      case 'settings:set':
        return this.deps.settings.set(args as never);
      case 'models:list':
        return this.modelCalls.listWithoutLibrary();
      case 'models:download':
        return this.startDownload((args as { id: string }).id);
      case 'models:import':
        return importEntry(this.deps.models, folderFromUser((args as { path: string }).path), await this.language());
      case 'roots:add': {
        const folder = await requireFolder((args as { path: string }).path, this.deps.libraryDir);
        if (await this.openIfModelReady()) break;
        this.enqueue([folder], false);
        return this.status();
      }
      case 'roots:remove': {
        // A folder still waiting for the model is simply taken off the queue.
        const abs = folderFromUser((args as { path: string }).path);
        if (!this.queue.folders.includes(abs) || (await this.openIfModelReady())) break;
        this.queue.folders = this.queue.folders.filter((f) => f !== abs);
        return this.status();
      }
      case 'index:start': {
        const { roots } = args as { roots?: string[] };
        const folders = roots ? await Promise.all(roots.map((r) => requireFolder(r, this.deps.libraryDir))) : [];
        if (await this.openIfModelReady()) break;
        if (!roots && (await this.recordedRoots()).length === 0 && this.queue.folders.length === 0) {
          throw new ApiError('bad-request', 'Add a folder first.');
        }
        this.enqueue(folders, !roots);
        return { started: true };
      }
      case 'models:use': {
        // No library yet (its model is missing): open it with the chosen model at the chosen precision (the
        // shell's open reads it from the settings), fetching that one.
        const { id, precision } = args as { id: string; precision?: PrecisionChoice };
        if (precision) await this.deps.settings.set({ precision });
        const lib = await this.ensureOpen(true, id, precision);
        if (this.openedWith !== id) break; // another open won the race: switch from its model
        const status = await lib.status();
        if (status.pendingModel) this.runner!.start();
        return this.status();
      }
      default:
        try {
          await this.ensureOpen(false);
        } catch (err) {
          const fallback = WITHOUT_LIBRARY[name];
          if (fallback && errorCode(err) === 'model-missing') return fallback();
          throw err;
        }
    }
    return this.run(name, args);
  }

  /** Opens the library now when its model is on disk (quick); false when the model is missing or downloading. */
  private async openIfModelReady(): Promise<boolean> {
    try {
      await this.ensureOpen(false);
      return true;
    } catch (err) {
      if (errorCode(err) === 'model-missing') return false;
      throw err;
    }
  }

  /** Throws the engine's SoutuError as it is (the caller maps it), so its code can still be read here. */
  private async ensureOpen(allowDownload: boolean, model?: string, precision?: PrecisionChoice): Promise<Library> {
    if (this.closed) throw new ApiError('busy', 'Soutu is closing.');
    if (this.lib) return this.lib;
    if (this.opening && !model && this.openingWithDownload && !allowDownload) {
      // Never wait minutes for a download from a call that would not start one.
      throw new SoutuError('model-missing', 'The model is still downloading; the library opens as soon as it is ready.');
    }
    if (this.opening && !model && (this.openingWithDownload || !allowDownload)) return this.opening;
    if (this.opening) await this.opening.catch(() => {}); // a plain open is in flight; retry after it
    if (this.lib) return this.lib;
    this.openingWithDownload = allowDownload;
    const attempt = (async () => {
      const lib = await this.deps.openLibrary({ allowDownload, model, precision });
      if (this.closed) {
        await lib.close();
        throw new ApiError('busy', 'Soutu is closing.');
      }
      this.attach(lib, model ?? null);
      return lib;
    })();
    this.opening = attempt;
    try {
      return await attempt;
    } finally {
      if (this.opening === attempt) this.opening = null;
    }
  }

  /** Uses an already open library (serve opens it before listening); `close()` then leaves it open. */
  adopt(lib: Library): void {
    if (this.lib) throw new Error('ContractService already has a library.');
    this.attach(lib, null);
    this.ownsLibrary = false;
  }

  private attach(lib: Library, openedWith: string | null): void {
    const { emit } = this.deps;
    void this.syncPrecision(lib);
    // 'changed' comes in bursts (several per index run, one per watcher batch): one status per burst.
    let changedTimer: ReturnType<typeof setTimeout> | null = null;
    const onChanged = () => {
      changedTimer ??= setTimeout(() => {
        changedTimer = null;
        this.status().then(
          (s) => emit('library:changed', s),
          (err: unknown) => this.log(`status failed: ${toApiError(err).message}`),
        );
      }, this.deps.changedDelayMs ?? 100);
    };
    const onProgress = (p: IndexProgress) => emit('index:progress', p);
    const onWarning = (message: string) => emit('app:warning', { message });
    lib.on('changed', onChanged);
    lib.on('progress', onProgress);
    lib.on('warning', onWarning);
    const runner = new IndexRunner(lib, {
      onDone: (report) => emit('index:done', report),
      onError: (message) => emit('app:warning', { message }),
    });
    this.detach = () => {
      lib.off('changed', onChanged);
      lib.off('progress', onProgress);
      lib.off('warning', onWarning);
      if (changedTimer) clearTimeout(changedTimer);
    };
    this.runner = runner;
    this.handlers = createCallHandlers({
      lib,
      runner,
      settings: this.deps.settings,
      models: this.deps.models,
      language: () => this.language(),
      status: () => this.status(),
      changed: onChanged,
      modelCalls: this.modelCalls,
      startDownload: (id) => this.startDownload(id),
      useModel: (id, precision) => this.modelCalls.use(lib, runner, id, precision, () => this.status()),
      trash: this.deps.trash ? (file) => this.trashFile(lib, file) : undefined,
    });
    this.openedWith = openedWith;
    this.lib = lib;
    if (this.queue.folders.length > 0 || this.queue.all) this.queueRun = this.runQueue(lib, runner);
    else onChanged();
  }

  /** Adds the folders queued before the library opened, then indexes them (or everything) in one run. */
  private async runQueue(lib: Library, runner: IndexRunner): Promise<void> {
    const { folders, all } = this.queue;
    const added: string[] = [];
    for (const f of folders) {
      try {
        await lib.addRoot(f);
        added.push(f);
      } catch (err) {
        this.deps.emit('app:warning', { message: toApiError(err, this.log, 'roots:add').message });
      }
    }
    this.queue.folders = [];
    this.queue.all = false;
    this.deps.emit('library:changed', await this.status());
    if (all || added.length > 0) runner.start(all ? undefined : added);
  }

  /** Queues folders (and maybe a run of everything) for when the library opens, and starts opening it. */
  private enqueue(folders: string[], all: boolean): void {
    for (const f of folders) if (!this.queue.folders.includes(f)) this.queue.folders.push(f);
    this.queue.all ||= all;
    void this.status().then((s) => this.deps.emit('library:changed', s), () => {});
    void this.ensureOpen(true).catch((err: unknown) => {
      // The folders stay queued: adding one again (or fetching the model from Settings) tries again.
      this.deps.emit('app:warning', { message: toApiError(err, this.log, 'open').message });
    });
  }

  /** The library's status, or (before it opens) what library.json records, with the queued folders. */
  async status(): Promise<LibraryStatus> {
    const queued = [...this.queue.folders];
    if (this.lib) {
      const s = await this.lib.status();
      return queued.length > 0 ? { ...s, queuedFolders: queued } : s;
    }
    const meta = await this.deps.readMeta().catch(() => null);
    const roots: RootInfo[] = (meta?.roots ?? []).map((r) => ({ path: r.path, online: r.online, photos: 0, failed: 0, lastIndexedAt: r.lastIndexedAt }));
    return {
      library: this.deps.libraryDir,
      photos: 0,
      failures: 0,
      roots,
      model: null,
      pendingModel: null,
      schemaVersion: 0,
      tagMargin: DEFAULT_TAG_MARGIN,
      ...(queued.length > 0 ? { queuedFolders: queued } : {}),
    };
  }

  private async recordedRoots(): Promise<string[]> {
    return ((await this.deps.readMeta().catch(() => null))?.roots ?? []).map((r) => r.path);
  }

  async language(): Promise<string> {
    return (await this.deps.settings.get()).language ?? this.deps.systemLanguage ?? 'en';
  }

  /**
   * Settings show the precision the library is at: once no switch is pending, a choice that differs (the CLI
   * re-embedded it, or a switch never started) follows the library's vectors.
   */
  private async syncPrecision(lib: Library): Promise<void> {
    try {
      const [status, saved] = await Promise.all([lib.status(), this.deps.settings.get()]);
      const actual = precisionOfModel(status.model);
      if (status.model && !status.pendingModel && saved.precision && saved.precision !== actual) await this.deps.settings.set({ precision: actual });
    } catch (err) {
      this.log(`precision setting: ${toApiError(err).message}`);
    }
  }

  /** models:download: fetches a catalog model in the background; false when it is there or already coming. */
  startDownload(id: string): Promise<{ started: boolean }> {
    return this.modelCalls.startDownload(id, () => {
      // Folders queued by an earlier attempt (whose download failed) get their library now.
      if (!this.lib && !this.closed && (this.queue.folders.length > 0 || this.queue.all)) this.enqueue([], false);
    });
  }

  /** Checks that the file lies inside one of the library's folders (after symlinks) before the shell moves it. */
  private async trashFile(lib: Library, file: string): Promise<void> {
    const allowed = lib.roots().filter((r) => isInside(file, r));
    if (allowed.length === 0 || !(await guardPath(file, allowed)).ok) {
      throw new ApiError('forbidden', 'It is not inside the library’s folders (or no longer exists).');
    }
    await this.deps.trash!(file, allowed);
  }

  /**
   * Where the bytes of a photo's or video's media are (thumb, full, moment, motion, preview; see media-handler.ts);
   * null when unknown, offline, of another kind (a moment of a photo, the motion of a still without one), without
   * thumbnail, or when no preview could be made. The two-argument form answers at once, for the kinds that need
   * nothing chosen or made (thumb, full, motion; null for the others). With `at` it answers every kind: a moment by
   * its `index` into video:moments' times, a preview made first (or found in the cache) so that it covers the
   * time `at.start` (seconds); `at.signal` gives up on making it.
   */
  locate(id: unknown, kind: unknown): MediaLocation | null;
  locate(id: unknown, kind: unknown, at: { index?: number; start?: number; signal?: AbortSignal }): Promise<MediaLocation | null>;
  locate(id: unknown, kind: unknown, at?: { index?: number; start?: number; signal?: AbortSignal }): MediaLocation | null | Promise<MediaLocation | null> {
    if (!isPhotoId(id) || !(MEDIA_KINDS as readonly unknown[]).includes(kind)) throw new ApiError('bad-request', 'Bad media request.');
    if (at !== undefined && at.index !== undefined && !(Number.isInteger(at.index) && at.index >= 0)) throw new ApiError('bad-request', 'Bad moment index.');
    const lib = this.lib;
    const photo = lib?.photo(id);
    // Only media of folders still in the library. The thumbnail of a photo whose folder is gone goes too.
    const allowed = photo ? lib!.roots().filter((r) => r === photo.root) : [];
    if (!lib || !photo || allowed.length === 0) return at === undefined ? null : Promise.resolve(null);
    const source = photo.offline ? {} : { source: { file: photo.path, allowed } };
    const thumbs = [path.join(lib.dir, 'thumbs')];
    const now = (): MediaLocation | null => {
      switch (kind) {
        case 'thumb': {
          const file = lib.thumbnailPath(id);
          return file ? { file, allowed: thumbs, ...source } : null;
        }
        case 'moment': {
          const file = photo.kind === 'video' && at?.index !== undefined ? lib.videoMedia.momentThumbnail(id, at.index) : null;
          return file ? { file, allowed: thumbs, ...source } : null;
        }
        case 'full':
          if (photo.offline) return null;
          return photo.kind === 'video' ? { file: photo.path, allowed, video: photo.format.toLowerCase() } : { file: photo.path, allowed };
        case 'motion': {
          const file = photo.offline || !photo.motion ? null : lib.videoMedia.motionFile(id);
          return file ? { file, allowed, video: path.extname(file).slice(1).toLowerCase() } : null;
        }
        default:
          return null;
      }
    };
    if (at === undefined) return now();
    if (kind !== 'preview') return Promise.resolve().then(now);
    // A preview shows the video (or the Live Photo's motion clip): that file must not lead outside its folder.
    const shown = photo.offline ? null : photo.kind === 'video' ? photo.path : photo.motion ? lib.videoMedia.motionFile(id) : null;
    if (!shown) return Promise.resolve(null);
    return guardPath(shown, allowed).then(async (checked) => {
      // Nothing is transcoded from a file that leads outside its folder: its own location is answered, for the
      // media handler's guard to refuse the same way as the file itself.
      if (!checked.ok) return { file: shown, allowed, video: 'mp4' };
      const p = await lib.videoMedia.preview(id, at.start ?? 0, at.signal);
      return p ? { file: p.path, allowed: [path.join(lib.dir, 'cache', 'previews')], source: { file: shown, allowed }, video: 'mp4', preview: { startS: p.startS, durationS: p.durationS } } : null;
    });
  }

  /** Stops indexing and closes the library (releasing its lock), unless it was adopted open. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopDownloads();
    this.runner?.cancel();
    await this.queueRun?.catch(() => {});
    await this.opening?.catch(() => {});
    await this.runner?.idle().catch(() => {});
    this.detach?.();
    const lib = this.lib;
    this.lib = null;
    this.handlers = null;
    if (this.ownsLibrary) await lib?.close();
  }
}
