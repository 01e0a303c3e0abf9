// What the library process answers: every non-desktop call of the contract (through the same call handlers as
// serve mode, so the transports cannot drift), plus the few internal questions main asks for protocols and drag.
// It also covers the time before a model is ready: status, settings and models work; adding a folder fetches it.
import { DEFAULT_TAG_MARGIN } from '../core/tags/tagger.js';
import path from 'node:path';
import {
  ApiError,
  calls,
  parseArgs,
  type CallName,
  type EventName,
  type EventPayloads,
  type ModelEntry,
  type Settings,
} from '../../shared/api.js';
import type { FailedFile, LibraryStatus } from '../../shared/types.js';
import type { DownloadProgress } from '../core/embed/model-download.js';
import type { InstalledModel } from '../core/embed/model-store.js';
import { errorCode, SoutuError } from '../core/errors.js';
import type { Library } from '../core/library/library.js';
import type { LibraryMeta } from '../core/library/library-meta.js';
import { createCallHandlers, toApiError, type CallHandlers } from '../../server/call-handlers.js';
import { IndexRunner } from '../../server/index-runner.js';
import type { SettingsStore } from '../../server/settings-store.js';
import { PHOTO_ID_RE } from './ipc-channels.js';
import { isLexicallyInside, resolveInsideRoots } from './path-guard.js';

/** Calls that only the desktop shell (main) can answer; the library process refuses them. */
export const DESKTOP_CALLS: ReadonlySet<CallName> = new Set(
  (Object.keys(calls) as CallName[]).filter((n) => (calls[n] as { desktopOnly?: boolean }).desktopOnly),
);

/** Calls that need no open library (they only touch the models folder): served before the first model is there. */
const LIBRARY_FREE = new Set<CallName>(['models:download', 'models:import']);

/** Lists that are simply empty while no library can open (no model yet), rather than an error. */
const EMPTY_WITHOUT_MODEL = new Set<CallName>(['albums:list', 'smart:list', 'duplicates:list']);

export interface OpenRequest {
  settings: Settings;
  /** Fetch a missing catalog model first (progress goes to onDownload). */
  allowDownload: boolean;
  /** Open with this model (a catalog id or folder) instead of the one the library records. */
  model?: string;
  /** Download progress of the model being fetched, during open and any later switchModel. */
  onDownload(p: DownloadProgress): void;
}

export interface CoreServiceDeps {
  libraryDir: string;
  modelsDir: string;
  settings: SettingsStore;
  openLibrary(req: OpenRequest): Promise<Library>;
  listModels(): Promise<InstalledModel[]>;
  readMeta(): Promise<LibraryMeta | null>;
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  /**
   * Moves a photo to the OS trash: main does it (shell.trashItem), after checking `file` against `allowed` itself.
   * Without it, duplicates:trash is refused.
   */
  trash?(file: string, allowed: string[]): Promise<void>;
  /** A small PNG of a thumbnail for the drag image (sharp lives in this process, not in main). */
  dragIcon?(thumbnailFile: string): Promise<Uint8Array | null>;
  /** A JPEG rendering of a photo the renderer cannot show natively (HEIC, TIFF, JPEG 2000). */
  displayJpeg?(file: string, roots: string[]): Promise<Uint8Array | null>;
  log?(line: string): void;
}

/** Where a photo's bytes are and which folders they must stay inside (main re-checks with path-guard). */
export interface MediaLocation {
  file: string;
  allowed: string[];
}

/** The engine's typed errors become the contract's codes; anything else is an internal error with its sentence. */
function asApiError(err: unknown): ApiError {
  const mapped = toApiError(err);
  if (mapped instanceof ApiError) return mapped;
  return new ApiError('internal', err instanceof Error ? err.message : String(err));
}

/** Stands in for the library in the library-free handlers: any use of it says that no model is ready yet. */
function absent<T>(what: string): T {
  return new Proxy(
    {},
    {
      get() {
        throw new SoutuError('model-missing', `Soutu has no model ready yet, so the ${what} is not open.`);
      },
    },
  ) as T;
}

export class CoreService {
  private lib: Library | null = null;
  private runner: IndexRunner | null = null;
  private handlers: CallHandlers | null = null;
  /** Handlers for LIBRARY_FREE calls, used open or not (one download registry for both). */
  private readonly standalone: CallHandlers;
  private opening: Promise<Library> | null = null;
  private openingWithDownload = false;
  /** The model asked for when the open library was opened (models:use before any library), else null. */
  private openedWith: string | null = null;
  private pendingIndex: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly deps: CoreServiceDeps) {
    this.standalone = createCallHandlers({
      lib: absent<Library>('library'),
      runner: absent<IndexRunner>('library'),
      settings: deps.settings,
      modelsDir: deps.modelsDir,
      emit: deps.emit,
    });
  }

  /** Opens the library in the background when its model is already there (so the first search is quick). */
  async start(): Promise<void> {
    try {
      await this.ensureOpen(false);
    } catch (err) {
      const e = asApiError(err);
      if (errorCode(err) !== 'model-missing') this.deps.emit('app:warning', { message: e.message });
      this.deps.log?.(`library not opened yet: ${e.message}`);
    }
  }

  get isOpen(): boolean {
    return this.lib !== null;
  }

  /** Throws the engine's SoutuError as it is (callers map it), so its code can still be read here. */
  private async ensureOpen(allowDownload: boolean, model?: string): Promise<Library> {
    if (this.closed) throw new ApiError('busy', 'Soutu is closing.');
    if (this.lib) return this.lib;
    if (this.opening && !model && (this.openingWithDownload || !allowDownload)) return this.opening;
    if (this.opening) await this.opening.catch(() => {}); // a plain open is in flight; retry after it
    if (this.lib) return this.lib;
    this.openingWithDownload = allowDownload;
    const attempt = (async () => {
      const settings = await this.deps.settings.get();
      const lib = await this.deps.openLibrary({ settings, allowDownload, model, onDownload: (p) => this.emitDownload(p) });
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

  private emitDownload(p: DownloadProgress): void {
    this.deps.emit('model:download', { model: p.model, file: p.file, bytes: p.bytes, total: p.total, percent: p.percent });
  }

  private attach(lib: Library, openedWith: string | null): void {
    const { emit } = this.deps;
    // Download progress arrives through OpenRequest.onDownload (during open and later switches alike).
    lib.on('progress', (p) => emit('index:progress', p));
    lib.on('warning', (m) => emit('app:warning', { message: m }));
    lib.on('changed', () => {
      lib.status().then(
        (s) => emit('library:changed', s),
        () => {},
      );
    });
    this.runner = new IndexRunner(lib, {
      onDone: (report) => emit('index:done', report),
      onError: (message) => emit('app:warning', { message }),
    });
    this.handlers = createCallHandlers({
      lib,
      runner: this.runner,
      settings: this.deps.settings,
      modelsDir: this.deps.modelsDir,
      emit,
      trash: this.deps.trash ? (file) => this.trashFile(lib, file) : undefined,
    });
    this.openedWith = openedWith;
    this.lib = lib;
    lib.status().then(
      (s) => emit('library:changed', s),
      () => {},
    );
  }

  /**
   * The library process vouches for the file (its real location lies inside the library folder that holds it),
   * then main, which owns shell.trashItem, checks the same again before moving it.
   */
  private async trashFile(lib: Library, file: string): Promise<void> {
    const allowed = lib.roots().filter((r) => isLexicallyInside(file, r));
    if (allowed.length === 0 || !(await resolveInsideRoots(file, allowed))) throw new Error('It is not inside the library’s folders (or no longer exists).');
    await this.deps.trash!(file, allowed);
  }

  /** Answers one contract call. Arguments are validated here too, so this process never trusts its caller. */
  async call(name: CallName, raw: unknown): Promise<unknown> {
    try {
      return await this.answer(name, raw);
    } catch (err) {
      throw asApiError(err);
    }
  }

  private async answer(name: CallName, raw: unknown): Promise<unknown> {
    if (DESKTOP_CALLS.has(name)) throw new ApiError('unsupported', `${name} is answered by the app window, not the library.`);
    const args = parseArgs(name, raw);
    const run = (h: CallHandlers) => (h[name] as (a: unknown) => Promise<unknown>)(args);
    if (LIBRARY_FREE.has(name)) return run(this.standalone);
    if (this.handlers) return run(this.handlers);
    switch (name) {
      case 'settings:get':
        return this.deps.settings.get();
      case 'settings:set':
        return this.deps.settings.set(args as Settings);
      case 'models:list':
        return this.modelsWithoutLibrary();
      case 'library:status':
        await this.opening?.catch(() => {});
        return this.lib ? this.lib.status() : this.statusWithoutLibrary();
      case 'index:last':
        return null;
      case 'failures:list':
        return [] satisfies FailedFile[];
      case 'photo:get':
        return null;
      case 'index:cancel':
        return { cancelled: false };
      case 'index:pause':
        return { paused: false };
      case 'index:resume':
        return { started: false };
      case 'index:start':
        return this.startIndexAfterOpening(args as { roots?: string[] });
      case 'roots:add':
        await this.ensureOpen(true);
        break;
      case 'models:use': {
        // No library yet (its model is missing): open it with the chosen model, fetching that one.
        const { id } = args as { id: string };
        const lib = await this.ensureOpen(true, id);
        if (this.openedWith !== id) break; // another open won the race: switch from its model
        const status = await lib.status();
        if (status.pendingModel) this.runner!.start();
        return status;
      }
      default:
        try {
          await this.ensureOpen(false);
        } catch (err) {
          if (EMPTY_WITHOUT_MODEL.has(name) && errorCode(err) === 'model-missing') return [];
          throw err;
        }
    }
    return run(this.handlers!);
  }

  /**
   * index:start before the model is there: answer at once and fetch the model, open and index in the
   * background, so the window shows download progress instead of waiting on a call for minutes.
   */
  private startIndexAfterOpening(args: { roots?: string[] }): { started: boolean } {
    if (this.pendingIndex) return { started: false };
    this.pendingIndex = (async () => {
      try {
        await this.ensureOpen(true);
        await this.handlers!['index:start'](args as never);
      } catch (err) {
        this.deps.emit('app:warning', { message: err instanceof Error ? err.message : String(err) });
      } finally {
        this.pendingIndex = null;
      }
    })();
    return { started: true };
  }

  private async statusWithoutLibrary(): Promise<LibraryStatus> {
    const meta = await this.deps.readMeta().catch(() => null);
    return {
      library: this.deps.libraryDir,
      photos: 0,
      failures: 0,
      roots: (meta?.roots ?? []).map((r) => ({ path: r.path, online: r.online, photos: 0, failed: 0, lastIndexedAt: r.lastIndexedAt })),
      model: null,
      pendingModel: null,
      schemaVersion: 0,
      tagMargin: DEFAULT_TAG_MARGIN,
    };
  }

  private async modelsWithoutLibrary(): Promise<ModelEntry[]> {
    const [installed, meta] = await Promise.all([this.deps.listModels(), this.deps.readMeta().catch(() => null)]);
    const active = meta?.model?.id ?? null;
    return installed.map((m) => ({ id: m.id, title: m.title, ready: m.ready, note: null, active: m.id === active }));
  }

  /** Where the bytes of a thumbnail or a full photo are; null when unknown, offline or without thumbnail. */
  locate(raw: unknown): MediaLocation | null {
    const { id, kind } = (raw ?? {}) as { id?: unknown; kind?: unknown };
    if (typeof id !== 'string' || !PHOTO_ID_RE.test(id) || (kind !== 'thumb' && kind !== 'full')) {
      throw new ApiError('bad-request', 'Bad media request.');
    }
    const lib = this.lib;
    if (!lib) return null;
    const photo = lib.photo(id);
    if (!photo) return null;
    if (kind === 'thumb') {
      const file = lib.thumbnailPath(id);
      return file ? { file, allowed: [path.join(lib.dir, 'thumbs')] } : null;
    }
    if (photo.offline) return null;
    // Only photos of folders still in the library.
    const allowed = lib.roots().filter((r) => r === photo.root);
    return allowed.length > 0 ? { file: photo.path, allowed } : null;
  }

  /** The file to drag out of the window and a small icon for it. */
  async dragItem(raw: unknown): Promise<(MediaLocation & { icon: Uint8Array | null }) | null> {
    const { id } = (raw ?? {}) as { id?: unknown };
    const full = this.locate({ id, kind: 'full' });
    if (!full) return null;
    const thumb = this.locate({ id, kind: 'thumb' });
    const icon = thumb && this.deps.dragIcon ? await this.deps.dragIcon(thumb.file).catch(() => null) : null;
    return { ...full, icon };
  }

  async displayJpeg(raw: unknown): Promise<Uint8Array | null> {
    const { id } = (raw ?? {}) as { id?: unknown };
    const full = this.locate({ id, kind: 'full' });
    if (!full || !this.deps.displayJpeg) return null;
    return this.deps.displayJpeg(full.file, full.allowed);
  }

  /** Stops indexing and closes the library (releasing its lock). */
  async close(): Promise<void> {
    this.closed = true;
    this.runner?.cancel();
    await this.pendingIndex?.catch(() => {});
    await this.opening?.catch(() => {});
    await this.runner?.idle().catch(() => {});
    const lib = this.lib;
    this.lib = null;
    this.handlers = null;
    await lib?.close();
  }
}
