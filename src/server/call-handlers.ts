// One handler per call of the contract, over the Library facade. Transport-free: the HTTP server (and any
// other shell) validates arguments with the shared schema first, then calls these with clean values.
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { findCatalogModel } from '../main/core/embed/model-catalog.js';
import { downloadModel } from '../main/core/embed/model-download.js';
import { defaultModelsDir, importModel, listModels, resolveModel } from '../main/core/embed/model-store.js';
import type { Library } from '../main/core/library/library.js';
import { ApiError, calls, type CallName, type EventName, type EventPayloads, type ModelEntry } from '../shared/api.js';
import type { ImageQuery, SmartAlbumInfo } from '../shared/types.js';
import { SoutuError, type SoutuErrorCode } from '../main/core/errors.js';
import type { IndexRunner } from './index-runner.js';
import type { SettingsStore } from './settings-store.js';

export type CallArgsOut<N extends CallName> = z.output<(typeof calls)[N]['args']>;
/** The result type as declared (CallResult drops `null` too, but photo:get and index:last can be null). */
export type CallResultOrNull<N extends CallName> = Exclude<(typeof calls)[N]['result'], undefined>;
export type CallHandlers = { [N in CallName]: (args: CallArgsOut<N>) => Promise<CallResultOrNull<N>> };

export interface HandlerContext {
  lib: Library;
  runner: IndexRunner;
  settings: SettingsStore;
  modelsDir?: string;
  /** Sends an event to every client (model download progress). */
  emit?: <E extends EventName>(event: E, payload: EventPayloads[E]) => void;
  /** Moves one file to the OS trash (throws on failure); absent where not allowed (serve without --allow-trash). */
  trash?: (file: string) => Promise<void>;
}

const ENGINE_CODES: Record<SoutuErrorCode, ApiError['code']> = {
  'bad-request': 'bad-request',
  'not-found': 'not-found',
  'model-missing': 'not-found',
  locked: 'busy',
  busy: 'busy',
  io: 'internal',
  unsupported: 'unsupported',
};

/** The engine's typed errors keep their meaning across the wire; anything else stays as it is (a 500). */
export function toApiError(err: unknown): unknown {
  if (err instanceof SoutuError) return new ApiError(ENGINE_CODES[err.code] ?? 'internal', err.message);
  return err;
}

/** Runs `fn`; an untyped Error from the engine (about the caller's input) becomes a 400 with its sentence. */
async function asBadRequest<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const mapped = toApiError(err);
    if (mapped instanceof ApiError) throw mapped;
    throw new ApiError('bad-request', err instanceof Error ? err.message : String(err));
  }
}

/** A folder typed by a person: `~` expanded, must be absolute (a server's working folder means nothing to them). */
export function folderFromUser(p: string): string {
  const t = p.trim();
  const expanded = t === '~' ? os.homedir() : t.startsWith('~/') ? path.join(os.homedir(), t.slice(2)) : t;
  if (!path.isAbsolute(expanded)) throw new ApiError('bad-request', `Give the full path of the folder (for example /home/me/Pictures), not "${t.slice(0, 200)}".`);
  return path.resolve(expanded);
}

async function requireFolder(p: string): Promise<string> {
  const abs = folderFromUser(p);
  const st = await stat(abs).catch(() => null);
  if (!st) throw new ApiError('bad-request', `${abs} does not exist (or cannot be read by the server).`);
  if (!st.isDirectory()) throw new ApiError('bad-request', `${abs} is not a folder.`);
  return abs;
}

function decodeBase64(b64: string): Buffer {
  const clean = b64.replace(/^data:[^,]*,/, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) throw new ApiError('bad-request', 'The image is not valid base64.');
  const bytes = Buffer.from(clean, 'base64');
  if (bytes.length === 0) throw new ApiError('bad-request', 'The image is empty.');
  return bytes;
}

type ImageArg = { kind: 'path'; path: string } | { kind: 'bytes'; base64: string } | { kind: 'photo'; id: string };

/** A query image from the wire: bytes decoded, photo ids checked, paths only inside the indexed folders. */
function toImageQuery(lib: Library, image: ImageArg): ImageQuery {
  if (image.kind === 'bytes') return { kind: 'bytes', bytes: decodeBase64(image.base64) };
  if (image.kind === 'photo') {
    if (!lib.photo(image.id)) throw new ApiError('not-found', 'No indexed photo has this id.');
    return image;
  }
  // A path makes the server read a file: only ones inside the indexed folders.
  const abs = folderFromUser(image.path);
  if (!lib.isInsideRoots(abs)) throw new ApiError('forbidden', 'Only images inside the indexed folders can be used by path; upload the image instead.');
  return { kind: 'path', path: abs };
}

const unsupported = (what: string) => async (): Promise<never> => {
  throw new ApiError('unsupported', `${what} is only available in the desktop app.`);
};

export function createCallHandlers(ctx: HandlerContext): CallHandlers {
  const handlers = rawHandlers(ctx);
  for (const name of Object.keys(handlers) as CallName[]) {
    const h = handlers[name] as (a: unknown) => Promise<unknown>;
    (handlers as Record<CallName, (a: unknown) => Promise<unknown>>)[name] = (a) =>
      h(a).catch((err: unknown) => {
        throw toApiError(err);
      });
  }
  return handlers;
}

function rawHandlers(ctx: HandlerContext): CallHandlers {
  const { lib, runner, settings } = ctx;
  const modelsDir = ctx.modelsDir ?? defaultModelsDir();
  const downloading = new Set<string>();
  return {
    'library:status': () => lib.status(),

    'search:text': ({ text, options }) => asBadRequest(() => lib.search(text, options)),

    'search:image': ({ image, options }) => asBadRequest(() => lib.similar(toImageQuery(lib, image), options)),

    'search:query': ({ text, images, options }) =>
      asBadRequest(() =>
        lib.query({ text, images: images?.map((w) => ({ image: toImageQuery(lib, w.image), weight: w.weight })) }, options),
      ),

    'photo:get': async ({ id }) => lib.photo(id),

    'roots:add': async ({ path: p }) => {
      const abs = await requireFolder(p);
      await asBadRequest(() => lib.addRoot(abs));
      return lib.status();
    },

    'roots:remove': async ({ path: p }) => {
      const abs = folderFromUser(p);
      if (!lib.roots().includes(abs)) throw new ApiError('not-found', `${abs} is not one of the library's folders.`);
      if (runner.busy) throw new ApiError('busy', 'Indexing is running; cancel it or wait before removing a folder.');
      await lib.removeRoot(abs);
      return lib.status();
    },

    'index:start': async ({ roots }) => {
      const folders = roots ? await Promise.all(roots.map(requireFolder)) : undefined;
      if (!folders && lib.roots().length === 0) throw new ApiError('bad-request', 'Add a folder first.');
      return { started: runner.start(folders) };
    },

    'index:cancel': async () => ({ cancelled: runner.cancel() }),

    'index:pause': async () => ({ paused: runner.pause() }),

    'index:resume': async () => ({ started: runner.resume() }),

    'index:last': async () => runner.last,

    'failures:list': async () => lib.failures(),

    'settings:get': () => settings.get(),

    'settings:set': (patch) => settings.set(patch),

    'models:list': async () => {
      const active = (await lib.status()).model?.id ?? lib.modelId;
      const installed = await listModels(modelsDir);
      const entries: ModelEntry[] = installed.map((m) => ({
        id: m.id,
        title: m.title,
        ready: m.ready,
        note: findCatalogModel(m.id)?.note ?? null,
        active: m.id === active,
      }));
      if (!entries.some((e) => e.active)) entries.unshift({ id: active, title: active, ready: true, note: null, active: true });
      return entries;
    },

    'models:download': async ({ id }) => {
      const catalog = findCatalogModel(id);
      if (!catalog) throw new ApiError('not-found', `Unknown model "${id.slice(0, 200)}".`);
      const target = await resolveModel(catalog.id, modelsDir);
      if (target.ready) return { started: false };
      if (downloading.has(catalog.id)) return { started: false };
      const host = (await settings.get()).hubHost ?? process.env.SOUTU_HUB_HOST;
      downloading.add(catalog.id);
      void downloadModel(catalog, target.source, {
        host,
        onProgress: (p) => ctx.emit?.('model:download', { model: p.model, file: p.file, bytes: p.bytes, total: p.total, percent: p.percent }),
      })
        .catch((err: unknown) => ctx.emit?.('app:warning', { message: `Downloading ${catalog.id} failed: ${err instanceof Error ? err.message : String(err)}` }))
        .finally(() => downloading.delete(catalog.id));
      return { started: true };
    },

    'models:use': async ({ id }) => {
      if (runner.busy) throw new ApiError('busy', 'Wait for indexing to finish (or cancel it) before switching models.');
      // Downloads the model if needed (progress events), then re-embeds in the background; search keeps
      // serving the current model until that run completes the switch.
      const status = await asBadRequest(() => lib.switchModel(id, { allowDownload: true }));
      if (status.pendingModel) runner.start();
      return status;
    },

    'models:import': ({ path: p }) =>
      asBadRequest(async () => {
        const r = await importModel(folderFromUser(p), { modelsDir });
        return { id: r.id, title: r.catalog?.title ?? r.id, ready: true, note: r.catalog?.note ?? null, active: false };
      }),

    'albums:list': () => lib.albums(),

    'album:get': ({ tag, options }) => asBadRequest(() => lib.album(tag, options)),

    'album:edit': ({ tag, id, action }) =>
      asBadRequest(async () => {
        await lib.editAlbum(tag, id, action);
        return { ok: true };
      }),

    'tags:add': ({ label }) => asBadRequest(async () => ({ id: await lib.addUserTag(label) })),

    'tags:threshold': ({ margin }) =>
      asBadRequest(async () => {
        await lib.setTagMargin(margin);
        return { margin };
      }),

    'smart:list': () => lib.smartAlbums(),

    'smart:preview': ({ text, photoIds, threshold, options }) => asBadRequest(() => lib.smartAlbumHits({ text, photoIds, threshold }, options)),

    'smart:save': (def) =>
      asBadRequest(async () => {
        const saved = await lib.saveSmartAlbum(def);
        const info: SmartAlbumInfo | undefined = (await lib.smartAlbums()).find((a) => a.id === saved.id);
        return info ?? { id: saved.id, name: def.name, text: def.text, photoIds: def.photoIds, threshold: def.threshold, count: 0 };
      }),

    'smart:delete': ({ id }) =>
      asBadRequest(async () => {
        await lib.deleteSmartAlbum(id);
        return { ok: true };
      }),

    'duplicates:list': () => lib.duplicates(),

    'duplicates:trash': async ({ ids }) => {
      const trash = ctx.trash;
      if (!trash) throw new ApiError('forbidden', 'Moving photos to the trash is turned off here; start "soutu serve" with --allow-trash to allow it.');
      if (runner.busy) throw new ApiError('busy', 'Wait for indexing to finish before moving photos to the trash.');
      return lib.trashPhotos(ids, trash);
    },

    'shell:reveal': unsupported('Showing a file in its folder'),
    'shell:open': unsupported('Opening a file in another app'),
    'dialog:pickFolder': unsupported('The folder picker'),
  };
}
