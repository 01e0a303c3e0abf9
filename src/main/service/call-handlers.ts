// One handler per call of the contract, over an open Library. Transport-free: ContractService validates the
// argument with the shared schema first, answers what needs no library, and hands the rest here with clean
// values. Every refusal of the caller's input is typed (ApiError or the engine's SoutuError), never a bare Error.
import { realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApiError, type CallArgsOut, type CallName, type CallResult, type PrecisionChoice, type Settings } from '../../shared/api.js';
import type { LibraryStatus, SmartAlbumInfo } from '../../shared/types.js';
import { rootRefusal, SoutuError, type Library, type ModelService } from '../core/index.js';
import type { IndexRunner } from './index-runner.js';
import { importEntry, type ModelCalls } from './model-calls.js';
import { toImageQueries, toImageQuery } from './query-image.js';
import type { SettingsStore } from './settings-store.js';

/** The result as declared (photo:get and index:last can be null). */
export type CallHandler<N extends CallName> = (args: CallArgsOut<N>) => Promise<CallResult<N>>;
export type CallHandlers = { [N in CallName]: CallHandler<N> };

export interface HandlerContext {
  lib: Library;
  runner: IndexRunner;
  settings: SettingsStore;
  models: ModelService;
  /** The UI language for model titles and notes. */
  language(): Promise<string>;
  /** The library's status as the UI sees it (queued folders included). */
  status(): Promise<LibraryStatus>;
  /** Tells every window the status changed (library:changed, coalesced). */
  changed(): void;
  /** models:list and the model list's sizes. */
  modelCalls: ModelCalls;
  /** Starts fetching a catalog model in the background (progress as model:download events). */
  startDownload(id: string): Promise<{ started: boolean }>;
  /** Makes `id` the library's model (at `precision`), downloading it first if needed; re-embeds in the background. */
  useModel(id: string, precision?: PrecisionChoice): Promise<LibraryStatus>;
  /** Moves one photo file to the trash after checking it; absent where not allowed (serve without --allow-trash). */
  trash?: (file: string) => Promise<void>;
}

/** A folder typed by a person: `~` expanded, must be absolute (a server's working folder means nothing to them). */
export function folderFromUser(p: string): string {
  const t = p.trim();
  const expanded = t === '~' ? os.homedir() : t.startsWith('~/') ? path.join(os.homedir(), t.slice(2)) : t;
  if (!path.isAbsolute(expanded)) throw new SoutuError('bad-request', `Give the full path of the folder (for example /home/me/Pictures), not "${t.slice(0, 200)}".`);
  return path.resolve(expanded);
}

/** An existing folder (absolute, `~` expanded), or a 'bad-request' saying what is wrong with it. */
export async function requireFolder(p: string, libraryDir?: string): Promise<string> {
  const abs = folderFromUser(p);
  const st = await stat(abs).catch(() => null);
  if (!st) throw new SoutuError('bad-request', `${abs} does not exist (or cannot be read).`);
  if (!st.isDirectory()) throw new SoutuError('bad-request', `${abs} is not a folder.`);
  if (libraryDir) {
    // The engine's root policy, on the path as given and on where it leads: a folder queued before the model is
    // ready is refused now, not when the library opens.
    const lib = path.resolve(libraryDir);
    const realLib = await realpath(lib).catch(() => lib);
    const real = await realpath(abs).catch(() => abs);
    const why = rootRefusal(abs, lib) ?? (real !== abs ? rootRefusal(real, realLib) : null);
    if (why) throw new SoutuError('bad-request', why);
  }
  return abs;
}

const desktopOnly = (name: CallName) => async (): Promise<never> => {
  throw new ApiError('unsupported', `${name} is only available in the desktop app.`);
};

export function createCallHandlers(ctx: HandlerContext): CallHandlers {
  const { lib, runner, settings, models } = ctx;
  return {
    'library:status': () => ctx.status(),

    'search:text': ({ text, options }) => lib.search(text, options),

    'search:image': async ({ image, options }) => lib.similar(await toImageQuery(lib, image), options),

    'search:query': async ({ text, images, options }) => lib.query({ text, images: images ? await toImageQueries(lib, images) : undefined }, options),

    'photo:get': async ({ id }) => lib.photo(id),

    'roots:add': async ({ path: p }) => {
      await lib.addRoot(await requireFolder(p, lib.dir));
      return ctx.status();
    },

    'roots:remove': async ({ path: p }) => {
      const abs = folderFromUser(p);
      if (!lib.roots().includes(abs)) throw new SoutuError('not-found', `${abs} is not one of the library's folders.`);
      if (runner.busy) throw new SoutuError('busy', 'Indexing is running; cancel it or wait before removing a folder.');
      await lib.removeRoot(abs);
      return ctx.status();
    },

    'index:start': async ({ roots }) => {
      const folders = roots ? await Promise.all(roots.map((r) => requireFolder(r, lib.dir))) : undefined;
      if (!folders && lib.roots().length === 0) throw new SoutuError('bad-request', 'Add a folder first.');
      // The run would add them anyway; adding them first refuses a disk root or system folder now, with a 400.
      if (!runner.busy) for (const f of folders ?? []) await lib.addRoot(f);
      return { started: runner.start(folders) };
    },

    'index:cancel': async () => ({ cancelled: runner.cancel() }),

    'index:pause': async () => ({ paused: runner.pause() }),

    'index:resume': async () => ({ started: runner.resume() }),

    'index:last': async () => runner.last,

    'failures:list': async () => lib.failures(),

    'settings:get': () => settings.get(),

    'settings:set': (patch) => setSettings(ctx, patch),

    'models:list': async () => ctx.modelCalls.list((await lib.status()).model?.id ?? lib.modelId, true),

    'models:download': ({ id }) => ctx.startDownload(id),

    'models:use': ({ id, precision }) => ctx.useModel(id, precision),

    'models:import': async ({ path: p }) => importEntry(models, folderFromUser(p), await ctx.language()),

    'albums:list': () => lib.albums(),

    'album:get': ({ tag, options }) => lib.album(tag, options),

    'album:edit': async ({ tag, id, action }) => {
      await lib.editAlbum(tag, id, action);
      return { ok: true };
    },

    'tags:add': async ({ label }) => ({ id: await lib.addUserTag(label) }),

    'tags:threshold': async ({ margin }) => {
      await lib.setTagMargin(margin);
      return { margin };
    },

    'smart:list': () => lib.smartAlbums(),

    'smart:preview': ({ text, photoIds, threshold, options }) => lib.smartAlbumHits({ text, photoIds, threshold }, options),

    'smart:save': async (def) => {
      const saved = await lib.saveSmartAlbum(def);
      const info: SmartAlbumInfo | undefined = (await lib.smartAlbums()).find((a) => a.id === saved.id);
      return info ?? { id: saved.id, name: def.name, text: def.text, photoIds: def.photoIds, threshold: def.threshold, count: 0 };
    },

    'smart:delete': async ({ id }) => {
      await lib.deleteSmartAlbum(id);
      return { ok: true };
    },

    'duplicates:list': () => lib.duplicates(),

    'duplicates:trash': async ({ ids }) => {
      const trash = ctx.trash;
      if (!trash) throw new ApiError('forbidden', 'Moving photos to the trash is turned off here; start "soutu serve" with --allow-trash to allow it.');
      if (runner.busy) throw new SoutuError('busy', 'Wait for indexing to finish before moving photos to the trash.');
      return lib.trashPhotos(ids, trash);
    },

    'shell:reveal': desktopOnly('shell:reveal'),
    'shell:open': desktopOnly('shell:open'),
    'dialog:pickFolder': desktopOnly('dialog:pickFolder'),

    'photo:text': async ({ id }) => {
      const info = lib.photo(id);
      const lines = info ? await lib.photoText(id) : null;
      return info && lines ? { width: info.width, height: info.height, lines } : null;
    },

    'video:moments': async ({ id }) => lib.videoMoments(id),
  };
}

/**
 * settings:set with a library open. Text reading is the library's own setting too: it follows at once, and turned
 * back on, an index run starts (unless one is going) so the photos skipped meanwhile are read. A precision is only
 * stored: re-embedding is models:use's, after the UI has asked.
 */
async function setSettings(ctx: HandlerContext, patch: Settings): Promise<Settings> {
  const { lib, runner } = ctx;
  const wasReading = patch.ocr === undefined ? null : ((await lib.status()).ocr?.enabled ?? true);
  const saved = await ctx.settings.set(patch);
  if (patch.ocr !== undefined && patch.ocr !== wasReading) {
    await lib.setOcrEnabled(patch.ocr);
    ctx.changed();
    if (patch.ocr && lib.roots().length > 0) runner.start();
  }
  return saved;
}
