// ContractService against a fake Library and a fake model service: the time before a model is ready (status,
// settings and models answer; folders queue while the model downloads, then all get indexed), error codes,
// library:changed batching, the trash check and media locations.
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModelEntry } from '../../shared/api.js';
import type { LibraryStatus, SearchHit } from '../../shared/types.js';
import { ModelService, SoutuError, type Library, type LibraryMeta } from '../core/index.js';
import { ContractService, type ContractServiceDeps, type OpenRequest } from './contract-service.js';
import { SettingsStore } from './settings-store.js';

const ID = '0123456789abcdef';
const MODEL = 'Xenova/clip-vit-base-patch32';
/** The real catalog (sizes per precision); constructing a ModelService touches no disk. */
const CATALOG = new ModelService({ modelsDir: os.tmpdir() });

function fakeLibrary(dir: string, root: string) {
  const lib = new EventEmitter() as EventEmitter & Record<string, unknown>;
  const roots = [root];
  const state = { ocr: true, pendingModel: null as string | null };
  const status = (): LibraryStatus => ({
    library: dir, photos: 1, failures: 0, roots: roots.map((r) => ({ path: r, online: true, photos: 1, failed: 0, lastIndexedAt: 1 })),
    model: { id: 'toy', dim: 3, device: 'cpu', dtype: 'fp32', vision: 'q8' }, pendingModel: state.pendingModel, schemaVersion: 1, tagMargin: 0.05,
    ocr: { done: 1, pending: 0, enabled: state.ocr },
  });
  const photo = { id: ID, path: path.join(root, 'a.jpg'), root, size: 1, mtime: 1, width: 1, height: 1, format: 'jpeg', takenAt: null, camera: null, gps: null, thumbnail: null, offline: false, kind: 'photo' as const };
  Object.assign(lib, {
    dir,
    modelId: 'toy',
    status: vi.fn(async () => status()),
    search: vi.fn(async (): Promise<SearchHit[]> => [{ ...photo, score: 0.9 }]),
    photo: vi.fn((id: string) => (id === ID ? photo : null)),
    thumbnailPath: vi.fn((id: string) => (id === ID ? path.join(dir, 'thumbs', '01', `${ID}.webp`) : null)),
    roots: vi.fn(() => [...roots]),
    addRoot: vi.fn(async (r: string) => {
      if (!roots.includes(r)) roots.push(r);
      lib.emit('changed');
    }),
    failures: vi.fn(() => []),
    index: vi.fn(async () => ({ indexed: 1, cancelled: false })),
    setOcrEnabled: vi.fn(async (on: boolean) => {
      state.ocr = on;
    }),
    switchModel: vi.fn(async (spec: string, o: { precision?: string }) => {
      state.pendingModel = spec === 'toy' && !o.precision ? null : 'toy';
      return status();
    }),
    close: vi.fn(async () => {}),
    albums: vi.fn(async () => [{ tag: 'cat' }]),
    trashPhotos: vi.fn(async (ids: string[], trash: (file: string) => Promise<void>) => {
      for (const id of ids) await trash(id === ID ? photo.path : path.join(root, '..', 'elsewhere.jpg'));
      return { trashed: ids.length, failed: [] };
    }),
  });
  return lib as unknown as Library & EventEmitter;
}

/** A model service whose one model downloads when told to (`finish()`), with progress as it goes. */
function fakeModels(ready: { value: boolean }) {
  const models = new EventEmitter() as EventEmitter & Record<string, unknown>;
  let finish!: () => void;
  let gate = new Promise<void>((r) => (finish = r));
  Object.assign(models, {
    modelsDir: '/models',
    defaultModelId: MODEL,
    defaultFor: () => MODEL,
    findInCatalog: (id: string) => (id === MODEL ? CATALOG.findInCatalog(id) : undefined),
    ensure: vi.fn(async () => ({ id: MODEL, source: '/m', ready: true, catalog: null })),
    isDownloading: () => false,
    list: vi.fn(async () => [{ id: MODEL, folder: '/m', ready: ready.value, title: 'CLIP', titles: { en: 'CLIP', 'zh-CN': 'CLIP' }, note: 'English' }]),
    resolve: vi.fn(async (spec: string) => {
      if (spec !== MODEL) throw new SoutuError('bad-request', `Unknown model "${spec}".`);
      return { id: MODEL, source: '/m', ready: ready.value, catalog: { id: MODEL } };
    }),
    download: vi.fn(async () => {
      models.emit('download', { model: MODEL, file: 'model.onnx', fileIndex: 0, fileCount: 1, bytes: 5, total: 10, percent: 50 });
      await gate;
      ready.value = true;
      return { id: MODEL, source: '/m', ready: true, catalog: { id: MODEL } };
    }),
    import: vi.fn(async (folder: string) => {
      throw new SoutuError('bad-request', `${folder} is not a model folder: config.json is missing.`);
    }),
  });
  return {
    models: models as unknown as ModelService & EventEmitter,
    finish: () => finish(),
    reset: () => (gate = new Promise<void>((r) => (finish = r))),
  };
}

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-contract-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function service(opts: { modelReady: boolean; openError?: Error; trash?: ContractServiceDeps['trash']; finishDownload?: boolean; meta?: Partial<LibraryMeta> }) {
  const events: [string, unknown][] = [];
  const lib = fakeLibrary(tmp, path.join(tmp, 'photos'));
  const ready = { value: opts.modelReady };
  const fake = fakeModels(ready);
  if (opts.finishDownload !== false) fake.finish();
  const openLibrary = vi.fn(async ({ allowDownload }: OpenRequest) => {
    if (opts.openError) throw opts.openError;
    if (!ready.value && !allowDownload) throw new SoutuError('model-missing', `The model ${MODEL} is not downloaded yet.`);
    if (!ready.value) await fake.models.download(MODEL);
    return lib;
  });
  const deps: ContractServiceDeps = {
    libraryDir: path.join(tmp, 'library'), // photo folders sit beside it, as they must
    settings: new SettingsStore(tmp),
    models: fake.models,
    openLibrary,
    readMeta: async () => ({ schemaVersion: 1, createdAt: 0, roots: [{ path: '/photos', addedAt: 0, lastIndexedAt: null, online: true }], model: null, pendingModel: null, settings: {}, ...opts.meta }),
    emit: (e, p) => void events.push([e, p]),
    trash: opts.trash,
    changedDelayMs: 20,
  };
  return { svc: new ContractService(deps), lib, openLibrary, events, fake, deps };
}

describe('ContractService before a model is ready', () => {
  it('answers status, settings and models without a library, and refuses search with not-found', async () => {
    const { svc, openLibrary } = service({ modelReady: false });
    await svc.start();
    expect(svc.isOpen).toBe(false);
    const status = (await svc.call('library:status', {})) as LibraryStatus;
    expect(status.model).toBeNull();
    expect(status.roots.map((r) => r.path)).toEqual(['/photos']);
    expect(await svc.call('settings:set', { theme: 'dark' })).toEqual({ theme: 'dark' });
    expect(await svc.call('settings:get', {})).toEqual({ theme: 'dark' });
    const [entry] = (await svc.call('models:list', {})) as ModelEntry[];
    expect(entry).toMatchObject({ id: MODEL, title: 'CLIP', ready: false, note: 'English', active: false });
    // Each precision's download, from the catalog: compact (int8 both towers) is the smaller one.
    expect(entry.plans!.quality.bytes).toBeGreaterThan(entry.plans!.compact.bytes);
    expect(entry.plans!.compact.bytes).toBeGreaterThan(100e6);
    expect(await svc.call('failures:list', {})).toEqual([]);
    await expect(svc.call('search:text', { text: 'red' })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('not downloaded') });
    expect(await svc.call('albums:list', {})).toEqual([]);
    expect(await svc.call('duplicates:list', {})).toEqual([]);
    expect(await svc.call('index:pause', {})).toEqual({ paused: false });
    expect(openLibrary.mock.calls.every(([r]) => r.allowDownload === false)).toBe(true);
  });

  it('models:download and models:import need no library; models:use opens it with the chosen model', async () => {
    const { svc, openLibrary, events } = service({ modelReady: false });
    await expect(svc.call('models:download', { id: 'no/such-model' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(svc.call('models:import', { path: path.join(tmp, 'missing-model') })).rejects.toMatchObject({ code: 'bad-request' });
    expect(openLibrary).not.toHaveBeenCalled();
    const status = (await svc.call('models:use', { id: MODEL })) as LibraryStatus;
    expect(status.model?.id).toBe('toy');
    expect(openLibrary).toHaveBeenLastCalledWith(expect.objectContaining({ allowDownload: true, model: MODEL }));
    expect(events).toContainEqual(['model:download', { model: MODEL, file: 'model.onnx', bytes: 5, total: 10, percent: 50 }]);
  });

  it('engine error codes map to the contract (locked → busy), not message text', async () => {
    const { svc, events } = service({ modelReady: true, openError: new SoutuError('locked', 'The library is in use by another Soutu process (pid 42).') });
    await svc.start();
    expect(events).toContainEqual(['app:warning', { message: 'The library is in use by another Soutu process (pid 42).' }]);
    await expect(svc.call('search:text', { text: 'red' })).rejects.toMatchObject({ code: 'busy' });
    const { svc: quiet, events: none } = service({ modelReady: false });
    await quiet.start();
    expect(none).toEqual([]); // a missing model is not worth a warning: the window offers the download
  });

  it('an untyped failure is an internal error (logged), never a bad request', async () => {
    const logged: string[] = [];
    const { svc } = service({ modelReady: true, openError: Object.assign(new Error('ENOENT: no such file, open /x'), { code: 'ENOENT', syscall: 'open' }) });
    (svc as unknown as { log: (l: string) => void }).log = (l) => logged.push(l);
    await expect(svc.call('search:text', { text: 'red' })).rejects.toMatchObject({ code: 'internal', message: 'ENOENT: no such file, open /x' });
    expect(logged.some((l) => l.startsWith('search:text failed: Error: ENOENT'))).toBe(true);
  });

  it('validates arguments itself and refuses desktop calls', async () => {
    const { svc } = service({ modelReady: true });
    await expect(svc.call('search:text', { text: '' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(svc.call('smart:preview', { threshold: 0.2 })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(svc.call('shell:open', { id: ID })).rejects.toMatchObject({ code: 'unsupported' });
  });
});

describe('first run: adding folders while the model downloads', () => {
  it('answers at once, shows progress and queued folders, then adds and indexes every folder added meanwhile', async () => {
    const { svc, lib, events, fake } = service({ modelReady: false, finishDownload: false });
    await svc.start();
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    await mkdir(a);
    await mkdir(b);
    // The menu's "Add folder": roots:add then index:start, both answered while the download is still going.
    const first = (await svc.call('roots:add', { path: a })) as LibraryStatus;
    expect(first.queuedFolders).toEqual([a]);
    expect(await svc.call('index:start', { roots: [a] })).toEqual({ started: true });
    const second = (await svc.call('roots:add', { path: b })) as LibraryStatus;
    expect(second.queuedFolders).toEqual([a, b]);
    expect(((await svc.call('library:status', {})) as LibraryStatus).queuedFolders).toEqual([a, b]);
    await vi.waitFor(() => expect(events.some(([e]) => e === 'model:download')).toBe(true));
    expect(svc.isOpen).toBe(false);
    expect(lib.addRoot).not.toHaveBeenCalled();
    // A queued folder can be taken back before the model arrives.
    const c = path.join(tmp, 'c');
    await mkdir(c);
    await svc.call('roots:add', { path: c });
    expect(((await svc.call('roots:remove', { path: c })) as LibraryStatus).queuedFolders).toEqual([a, b]);
    // A bad folder is still refused at once, typed.
    await expect(svc.call('roots:add', { path: path.join(tmp, 'missing') })).rejects.toMatchObject({ code: 'bad-request' });
    expect(fake.models.download).toHaveBeenCalledTimes(1);

    fake.finish();
    await vi.waitFor(() => expect(lib.index).toHaveBeenCalled());
    expect(lib.addRoot).toHaveBeenCalledWith(a);
    expect(lib.addRoot).toHaveBeenCalledWith(b);
    expect(lib.index).toHaveBeenCalledTimes(1);
    expect((lib.index as unknown as { mock: { calls: [{ roots?: string[] }][] } }).mock.calls[0][0].roots).toEqual([a, b]);
    await vi.waitFor(() => expect(events.some(([e]) => e === 'index:done')).toBe(true));
    const after = (await svc.call('library:status', {})) as LibraryStatus;
    expect(after.queuedFolders).toBeUndefined();
    expect(after.roots.map((r) => r.path)).toEqual([path.join(tmp, 'photos'), a, b]);
    await svc.close();
  });

  it('a failed download keeps the folders queued; fetching the model from Settings then indexes them', async () => {
    const { svc, lib, events, openLibrary } = service({ modelReady: false });
    let failOnce = true;
    const open = openLibrary.getMockImplementation()!;
    openLibrary.mockImplementation(async (req: OpenRequest) => {
      if (req.allowDownload && failOnce) {
        failOnce = false;
        throw new SoutuError('io', 'Could not reach huggingface.co to download the model.');
      }
      return open(req);
    });
    const a = path.join(tmp, 'a');
    await mkdir(a);
    expect(((await svc.call('roots:add', { path: a })) as LibraryStatus).queuedFolders).toEqual([a]);
    await vi.waitFor(() => expect(events).toContainEqual(['app:warning', { message: 'Could not reach huggingface.co to download the model.' }]));
    expect(((await svc.call('library:status', {})) as LibraryStatus).queuedFolders).toEqual([a]);
    expect(await svc.call('models:download', { id: MODEL })).toEqual({ started: true });
    await vi.waitFor(() => expect(lib.index).toHaveBeenCalled());
    expect(lib.addRoot).toHaveBeenCalledWith(a);
    expect((lib.index as unknown as { mock: { calls: [{ roots?: string[] }][] } }).mock.calls[0][0].roots).toEqual([a]);
    await svc.close();
  });

  it('index:start of everything before the model answers at once and indexes every folder once open', async () => {
    const { svc, lib, openLibrary, events } = service({ modelReady: false });
    expect(await svc.call('index:start', {})).toEqual({ started: true });
    await vi.waitFor(() => expect(lib.index).toHaveBeenCalled());
    expect((lib.index as unknown as { mock: { calls: [{ roots?: string[] }][] } }).mock.calls[0][0].roots).toBeUndefined();
    expect(openLibrary).toHaveBeenLastCalledWith(expect.objectContaining({ allowDownload: true }));
    await vi.waitFor(() => expect(events.some(([e]) => e === 'index:done')).toBe(true));
    expect(svc.isOpen).toBe(true);
  });
});

describe('ContractService with a library', () => {
  it('delegates to the call handlers, forwards library events and batches library:changed', async () => {
    const { svc, lib, events } = service({ modelReady: true });
    await svc.start();
    expect(svc.isOpen).toBe(true);
    const hits = (await svc.call('search:text', { text: '红色' })) as SearchHit[];
    expect(hits[0].id).toBe(ID);
    lib.emit('progress', { phase: 'indexing', done: 1 });
    lib.emit('warning', 'careful');
    expect(events).toContainEqual(['index:progress', { phase: 'indexing', done: 1 }]);
    expect(events).toContainEqual(['app:warning', { message: 'careful' }]);
    expect(await svc.call('albums:list', {})).toEqual([{ tag: 'cat' }]);
    await new Promise((r) => setTimeout(r, 60));
    const before = events.filter(([e]) => e === 'library:changed').length;
    for (let i = 0; i < 10; i++) lib.emit('changed');
    await new Promise((r) => setTimeout(r, 80));
    expect(events.filter(([e]) => e === 'library:changed').length - before).toBe(1);
  });

  it("duplicates:trash asks the shell (deps.trash) with the photo's own folder, after checking it here", async () => {
    const root = path.join(tmp, 'photos');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'a.jpg'), 'x');
    const trash = vi.fn(async () => {});
    const { svc, lib } = service({ modelReady: true, trash });
    await svc.start();
    expect(await svc.call('duplicates:trash', { ids: [ID] })).toEqual({ trashed: 1, failed: [] });
    expect(trash).toHaveBeenCalledWith(path.join(root, 'a.jpg'), [root]);
    await expect(svc.call('duplicates:trash', { ids: ['ffffffffffffffff'] })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/not inside the library/) });
    expect(trash).toHaveBeenCalledTimes(1);
    expect(lib.trashPhotos).toHaveBeenCalledTimes(2);
  });

  it('without deps.trash, duplicates:trash is refused', async () => {
    const { svc } = service({ modelReady: true });
    await svc.start();
    await expect(svc.call('duplicates:trash', { ids: [ID] })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('locates media only by a valid id, inside the thumbs folder or the photo root', async () => {
    const { svc } = service({ modelReady: true });
    await svc.start();
    const root = path.join(tmp, 'photos');
    expect(svc.locate(ID, 'thumb')).toEqual({
      file: path.join(tmp, 'thumbs', '01', `${ID}.webp`),
      allowed: [path.join(tmp, 'thumbs')],
      source: { file: path.join(root, 'a.jpg'), allowed: [root] },
    });
    expect(svc.locate(ID, 'full')).toEqual({ file: path.join(root, 'a.jpg'), allowed: [root] });
    expect(svc.locate('ffffffffffffffff', 'full')).toBeNull();
    for (const [id, kind] of [['../x', 'full'], [ID, 'file'], [null, 'thumb'], ['x', undefined]]) {
      expect(() => svc.locate(id, kind)).toThrow(/Bad media request/);
    }
  });

  it('close() stops and closes the library', async () => {
    const { svc, lib } = service({ modelReady: true });
    await svc.start();
    await svc.close();
    expect(lib.close).toHaveBeenCalled();
    await expect(svc.call('search:text', { text: 'x' })).rejects.toMatchObject({ code: 'busy' });
  });
});

describe('text reading and precision', () => {
  it('settings:set of ocr sets the library\'s own setting; turning it back on starts a run that reads the skipped photos', async () => {
    const { svc, lib, events } = service({ modelReady: true });
    await svc.start();
    expect(await svc.call('settings:set', { ocr: false })).toEqual({ ocr: false });
    expect(lib.setOcrEnabled).toHaveBeenLastCalledWith(false);
    expect(lib.index).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(events.some(([e, p]) => e === 'library:changed' && (p as LibraryStatus).ocr?.enabled === false)).toBe(true));
    expect(await svc.call('settings:set', { ocr: true })).toEqual({ ocr: true });
    expect(lib.setOcrEnabled).toHaveBeenLastCalledWith(true);
    await vi.waitFor(() => expect(lib.index).toHaveBeenCalledTimes(1));
    // Already on: nothing to fill, no other run.
    await svc.call('settings:set', { ocr: true, theme: 'dark' });
    expect(lib.setOcrEnabled).toHaveBeenCalledTimes(2);
    expect(lib.index).toHaveBeenCalledTimes(1);
    await svc.close();
  });

  it('settings:set of a precision only stores it: no switch, no re-embed', async () => {
    const { svc, lib, fake } = service({ modelReady: true });
    await svc.start();
    expect(await svc.call('settings:set', { precision: 'compact' })).toEqual({ precision: 'compact' });
    expect(lib.switchModel).not.toHaveBeenCalled();
    expect(fake.models.ensure).not.toHaveBeenCalled();
    expect(lib.index).not.toHaveBeenCalled();
    await expect(svc.call('settings:set', { precision: 'tiny' })).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('models:use with a precision fetches that plan, switches at it (the same model too), re-embeds and saves the choice', async () => {
    // The library's model loads from a folder no id resolves to: the recorded folder is what gets switched.
    const meta = { model: { id: 'toy', source: '/models/toy', key: 'toy_abc_3', dim: 3 } };
    const { svc, lib, fake } = service({ modelReady: true, meta });
    await svc.start();
    const status = (await svc.call('models:use', { id: 'toy', precision: 'quality' })) as LibraryStatus;
    expect(fake.models.ensure).toHaveBeenCalledWith('/models/toy', expect.objectContaining({ allowDownload: true, precision: 'quality', fallbackId: 'toy' }));
    expect(lib.switchModel).toHaveBeenCalledWith('/models/toy', { allowDownload: false, precision: 'quality' });
    expect(status.pendingModel).toBe('toy');
    await vi.waitFor(() => expect(lib.index).toHaveBeenCalledTimes(1));
    expect(await svc.call('settings:get', {})).toEqual({ precision: 'quality' });
    await expect(svc.call('models:use', { id: 'toy', precision: 'fp8' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(svc.call('models:use', { id: 'toy', extra: 1 })).rejects.toMatchObject({ code: 'bad-request' });
    await svc.close();
  });

  it('models:use without a precision uses the one in Settings', async () => {
    const { svc, lib, fake } = service({ modelReady: true });
    await svc.start();
    await svc.call('settings:set', { precision: 'compact' });
    await svc.call('models:use', { id: MODEL });
    expect(fake.models.ensure).toHaveBeenCalledWith(MODEL, expect.objectContaining({ precision: 'compact' }));
    expect(lib.switchModel).toHaveBeenCalledWith(MODEL, { allowDownload: false, precision: 'compact' });
    await svc.close();
  });

  it('models:use with a precision before any library saves it first, for the open to use', async () => {
    const { svc, openLibrary, deps } = service({ modelReady: false });
    const seen: unknown[] = [];
    const open = openLibrary.getMockImplementation()!;
    openLibrary.mockImplementation(async (req: OpenRequest) => {
      seen.push((await deps.settings.get()).precision);
      return open(req);
    });
    await svc.call('models:use', { id: MODEL, precision: 'compact' });
    expect(seen).toEqual(['compact']);
    await svc.close();
  });
});
