// openLibrary with Library.open and the model service faked: the precision chosen in Settings (or on the command
// line) reaches both the download and the library; left unset, a library's recorded precision decides which files
// the model needs (a compact library never fetches the full-precision ones just to open); text reading as chosen
// in Settings is applied to the library as it opens.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Library, type ModelService } from '../core/index.js';
import { openLibrary } from './open-library.js';

let dir: string;
let opened: ReturnType<typeof fakeLibrary>;

function fakeLibrary() {
  return { setOcrEnabled: vi.fn(async () => {}), close: vi.fn(async () => {}) };
}

function fakeModels() {
  return {
    modelsDir: '/models',
    specFor: vi.fn((record: { model?: { id: string; source: string } | null } | null, o: { model?: string; defaultModel?: string }) =>
      o.model ? { spec: o.model } : record?.model ? { spec: record.model.source, fallbackId: record.model.id } : { spec: o.defaultModel ?? 'default' },
    ),
    ensure: vi.fn(async () => ({ id: 'm', source: '/m', ready: true, catalog: null })),
  };
}

/** The model key a library records, as the embedder makes it (its vision class is part of the hash). */
function modelKey(id: string, dim: number, vision: 'q8' | 'full'): string {
  const h = createHash('sha1').update(vision === 'q8' ? id : `${id}#vision=${vision}`).digest('hex').slice(0, 6);
  return `${id.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 48)}_${h}_${dim}`;
}

async function recordModel(vision: 'q8' | 'full'): Promise<void> {
  const model = { id: 'Xenova/clip-vit-base-patch32', source: '/models/clip', key: modelKey('Xenova/clip-vit-base-patch32', 512, vision), dim: 512 };
  await writeFile(path.join(dir, 'library.json'), JSON.stringify({ schemaVersion: 1, createdAt: 0, roots: [], model, pendingModel: null, settings: {} }));
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'soutu-open-'));
  opened = fakeLibrary();
  vi.spyOn(Library, 'open').mockImplementation(async () => opened as unknown as Library);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('openLibrary', () => {
  it('passes the precision chosen in Settings to the download and to the library, and applies text reading', async () => {
    const models = fakeModels();
    await openLibrary({ libraryDir: dir, models: models as unknown as ModelService, settings: { precision: 'compact', ocr: false }, allowDownload: true });
    expect(models.ensure).toHaveBeenCalledWith('default', expect.objectContaining({ precision: 'compact', allowDownload: true }));
    expect(Library.open).toHaveBeenCalledWith(dir, expect.objectContaining({ precision: 'compact', allowDownload: false }));
    expect(opened.setOcrEnabled).toHaveBeenCalledWith(false);
  });

  it('a precision given by the caller (the CLI flag) wins over Settings', async () => {
    const models = fakeModels();
    await openLibrary({ libraryDir: dir, models: models as unknown as ModelService, settings: { precision: 'compact' }, precision: 'quality', allowDownload: true });
    expect(models.ensure).toHaveBeenCalledWith('default', expect.objectContaining({ precision: 'quality' }));
    expect(Library.open).toHaveBeenCalledWith(dir, expect.objectContaining({ precision: 'quality' }));
  });

  it('never set: the library opens at its recorded precision, and only that precision\'s files are made ready', async () => {
    const models = fakeModels();
    await recordModel('q8');
    await openLibrary({ libraryDir: dir, models: models as unknown as ModelService, settings: {}, allowDownload: true });
    expect(models.ensure).toHaveBeenCalledWith('/models/clip', expect.objectContaining({ precision: 'compact', fallbackId: 'Xenova/clip-vit-base-patch32' }));
    expect((vi.mocked(Library.open).mock.calls[0][1] ?? {}).precision).toBeUndefined();
    expect(opened.setOcrEnabled).not.toHaveBeenCalled();

    await recordModel('full');
    await openLibrary({ libraryDir: dir, models: models as unknown as ModelService, allowDownload: true });
    expect(models.ensure).toHaveBeenLastCalledWith('/models/clip', expect.objectContaining({ precision: 'quality' }));
  });

  it('a precision in Settings never switches an existing library: it opens as recorded (only an asked precision switches)', async () => {
    const models = fakeModels();
    await recordModel('full');
    await openLibrary({ libraryDir: dir, models: models as unknown as ModelService, settings: { precision: 'compact' }, allowDownload: true });
    expect(models.ensure).toHaveBeenCalledWith('/models/clip', expect.objectContaining({ precision: 'quality' }));
    expect((vi.mocked(Library.open).mock.calls[0][1] ?? {}).precision).toBeUndefined();
    await openLibrary({ libraryDir: dir, models: models as unknown as ModelService, settings: { precision: 'quality' }, precision: 'compact', allowDownload: true });
    expect(vi.mocked(Library.open).mock.calls[1][1]).toEqual(expect.objectContaining({ precision: 'compact' }));
  });

  it('a new library with nothing chosen leaves the precision to the engine (full precision)', async () => {
    const models = fakeModels();
    await openLibrary({ libraryDir: dir, models: models as unknown as ModelService, allowDownload: false });
    expect(models.ensure).toHaveBeenCalledWith('default', expect.objectContaining({ precision: undefined }));
    expect((vi.mocked(Library.open).mock.calls[0][1] ?? {}).precision).toBeUndefined();
  });

  it('a read-only open changes nothing in the library', async () => {
    await openLibrary({ libraryDir: dir, models: fakeModels() as unknown as ModelService, settings: { ocr: true }, allowDownload: false, readOnly: true });
    expect(opened.setOcrEnabled).not.toHaveBeenCalled();
  });
});
