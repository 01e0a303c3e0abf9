import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Library } from '../core/library/library.js';
import type { LibraryStatus, SearchHit } from '../../shared/types.js';
import { SettingsStore } from '../../server/settings-store.js';
import { SoutuError } from '../core/errors.js';
import { CoreService, type CoreServiceDeps, type OpenRequest } from './core-service.js';

const ID = '0123456789abcdef';

function fakeLibrary(dir: string, root: string) {
  const lib = new EventEmitter() as EventEmitter & Record<string, unknown>;
  const status: LibraryStatus = {
    library: dir, photos: 1, failures: 0, roots: [{ path: root, online: true, photos: 1, failed: 0, lastIndexedAt: 1 }],
    model: { id: 'toy', dim: 3, device: 'cpu', dtype: 'fp32' }, pendingModel: null, schemaVersion: 1, tagMargin: 0.05,
  };
  const photo = { id: ID, path: path.join(root, 'a.jpg'), root, size: 1, mtime: 1, width: 1, height: 1, format: 'jpeg', takenAt: null, camera: null, gps: null, thumbnail: null, offline: false };
  Object.assign(lib, {
    dir,
    modelId: 'toy',
    status: vi.fn(async () => status),
    search: vi.fn(async (): Promise<SearchHit[]> => [{ ...photo, score: 0.9 }]),
    photo: vi.fn((id: string) => (id === ID ? photo : null)),
    thumbnailPath: vi.fn((id: string) => (id === ID ? path.join(dir, 'thumbs', '01', `${ID}.webp`) : null)),
    roots: vi.fn(() => [root]),
    failures: vi.fn(() => []),
    index: vi.fn(async () => ({ indexed: 1 })),
    close: vi.fn(async () => {}),
    isInsideRoots: vi.fn(() => true),
    albums: vi.fn(async () => [{ tag: 'cat' }]),
    trashPhotos: vi.fn(async (ids: string[], trash: (file: string) => Promise<void>) => {
      for (const id of ids) await trash(id === ID ? photo.path : path.join(root, '..', 'elsewhere.jpg'));
      return { trashed: ids.length, failed: [] };
    }),
  });
  return lib as unknown as Library & EventEmitter;
}

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-core-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function service(opts: { modelReady: boolean; openError?: Error; trash?: CoreServiceDeps['trash'] }) {
  const events: [string, unknown][] = [];
  const lib = fakeLibrary(tmp, path.join(tmp, 'photos'));
  let ready = opts.modelReady;
  const openLibrary = vi.fn(async ({ allowDownload, onDownload }: OpenRequest) => {
    if (opts.openError) throw opts.openError;
    if (!ready && !allowDownload) throw new SoutuError('model-missing', 'The model Xenova/clip-vit-base-patch32 is not downloaded yet.');
    if (!ready) onDownload({ model: 'Xenova/clip-vit-base-patch32', file: 'model.onnx', fileIndex: 0, fileCount: 1, bytes: 5, total: 10, percent: 50 });
    ready = true;
    return lib;
  });
  const deps: CoreServiceDeps = {
    libraryDir: tmp,
    modelsDir: path.join(tmp, 'models'),
    settings: new SettingsStore(tmp),
    openLibrary,
    listModels: async () => [{ id: 'Xenova/clip-vit-base-patch32', folder: '/m', ready: false, title: 'CLIP' }],
    readMeta: async () => ({ schemaVersion: 1, createdAt: 0, roots: [{ path: '/photos', addedAt: 0, lastIndexedAt: null, online: true }], model: null, pendingModel: null, settings: {} }),
    emit: (e, p) => void events.push([e, p]),
    trash: opts.trash,
  };
  return { svc: new CoreService(deps), lib, openLibrary, events };
}

describe('CoreService before a model is ready', () => {
  it('answers status, settings and models without a library, and refuses search with not-found', async () => {
    const { svc, openLibrary } = service({ modelReady: false });
    await svc.start();
    expect(svc.isOpen).toBe(false);
    const status = (await svc.call('library:status', {})) as LibraryStatus;
    expect(status.model).toBeNull();
    expect(status.roots.map((r) => r.path)).toEqual(['/photos']);
    expect(await svc.call('settings:set', { theme: 'dark' })).toEqual({ theme: 'dark' });
    expect(await svc.call('settings:get', {})).toEqual({ theme: 'dark' });
    expect(await svc.call('models:list', {})).toEqual([{ id: 'Xenova/clip-vit-base-patch32', title: 'CLIP', ready: false, note: null, active: false }]);
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
    const status = (await svc.call('models:use', { id: 'Xenova/clip-vit-base-patch32' })) as LibraryStatus;
    expect(status.model?.id).toBe('toy');
    expect(openLibrary).toHaveBeenLastCalledWith(expect.objectContaining({ allowDownload: true, model: 'Xenova/clip-vit-base-patch32' }));
    expect(events).toContainEqual(['model:download', { model: 'Xenova/clip-vit-base-patch32', file: 'model.onnx', bytes: 5, total: 10, percent: 50 }]);
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

  it('index:start answers at once, then fetches the model, opens and indexes in the background', async () => {
    const { svc, lib, openLibrary, events } = service({ modelReady: false });
    expect(await svc.call('index:start', {})).toEqual({ started: true });
    await vi.waitFor(() => expect(lib.index).toHaveBeenCalled());
    expect(openLibrary).toHaveBeenLastCalledWith(expect.objectContaining({ allowDownload: true }));
    await vi.waitFor(() => expect(events.some(([e]) => e === 'index:done')).toBe(true));
    expect(svc.isOpen).toBe(true);
  });

  it('validates arguments itself and refuses desktop calls', async () => {
    const { svc } = service({ modelReady: true });
    await expect(svc.call('search:text', { text: '' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(svc.call('shell:open', { id: ID })).rejects.toMatchObject({ code: 'unsupported' });
  });
});

describe('CoreService with a library', () => {
  it('delegates to the shared call handlers and forwards library events', async () => {
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
  });

  it('duplicates:trash asks main (deps.trash) with the photo\'s own folder, after checking it here too', async () => {
    const root = path.join(tmp, 'photos');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'a.jpg'), 'x');
    const trash = vi.fn(async () => {});
    const { svc, lib } = service({ modelReady: true, trash });
    await svc.start();
    expect(await svc.call('duplicates:trash', { ids: [ID] })).toEqual({ trashed: 1, failed: [] });
    expect(trash).toHaveBeenCalledWith(path.join(root, 'a.jpg'), [root]);
    await expect(svc.call('duplicates:trash', { ids: ['ffffffffffffffff'] })).rejects.toThrow(/not inside the library/);
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
    expect(svc.locate({ id: ID, kind: 'thumb' })).toEqual({ file: path.join(tmp, 'thumbs', '01', `${ID}.webp`), allowed: [path.join(tmp, 'thumbs')] });
    expect(svc.locate({ id: ID, kind: 'full' })).toEqual({ file: path.join(tmp, 'photos', 'a.jpg'), allowed: [path.join(tmp, 'photos')] });
    expect(svc.locate({ id: 'ffffffffffffffff', kind: 'full' })).toBeNull();
    for (const bad of [{ id: '../x', kind: 'full' }, { id: ID, kind: 'file' }, null, 'x']) {
      expect(() => svc.locate(bad)).toThrow(/Bad media request/);
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
