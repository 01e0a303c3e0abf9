// One handler per call of the contract, over the Library facade. Transport-free: the HTTP server (and any
// other shell) validates arguments with the shared schema first, then calls these with clean values.
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { findCatalogModel } from '../main/core/embed/model-catalog.js';
import { defaultModelsDir, listModels } from '../main/core/embed/model-store.js';
import type { Library } from '../main/core/library/library.js';
import { ApiError, calls, type CallName, type ModelEntry } from '../shared/api.js';
import type { ImageQuery } from '../shared/types.js';
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
}

/** Runs `fn`; a plain Error from the engine (about the caller's input) becomes a 400 with its sentence. */
async function asBadRequest<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError) throw err;
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

const unsupported = (what: string) => async (): Promise<never> => {
  throw new ApiError('unsupported', `${what} is only available in the desktop app.`);
};

export function createCallHandlers(ctx: HandlerContext): CallHandlers {
  const { lib, runner, settings } = ctx;
  return {
    'library:status': () => lib.status(),

    'search:text': ({ text, options }) => asBadRequest(() => lib.search(text, options)),

    'search:image': ({ image, options }) =>
      asBadRequest(async () => {
        let query: ImageQuery;
        if (image.kind === 'bytes') query = { kind: 'bytes', bytes: decodeBase64(image.base64) };
        else if (image.kind === 'photo') {
          if (!lib.photo(image.id)) throw new ApiError('not-found', 'No indexed photo has this id.');
          query = image;
        } else {
          // A path makes the server read a file: only ones inside the indexed folders.
          const abs = folderFromUser(image.path);
          if (!lib.isInsideRoots(abs)) throw new ApiError('forbidden', 'Only images inside the indexed folders can be used by path; upload the image instead.');
          query = { kind: 'path', path: abs };
        }
        return lib.similar(query, options);
      }),

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

    'index:last': async () => runner.last,

    'failures:list': async () => lib.failures(),

    'settings:get': () => settings.get(),

    'settings:set': (patch) => settings.set(patch),

    'models:list': async () => {
      const active = (await lib.status()).model?.id ?? lib.modelId;
      const installed = await listModels(ctx.modelsDir ?? defaultModelsDir());
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

    'shell:reveal': unsupported('Showing a file in its folder'),
    'shell:open': unsupported('Opening a file in another app'),
    'dialog:pickFolder': unsupported('The folder picker'),
  };
}
