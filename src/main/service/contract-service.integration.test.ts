// Metadata writes through the service race no more: 20 concurrent calls that each rewrite a file of the library
// (roots:add and tags:threshold → library.json, settings:set → ui-settings.json) all succeed, and every file is
// whole and holds every change afterwards. Real Library (LanceDB, toy-color model), real ContractService.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LibraryStatus } from '../../shared/types.js';
import { Library, ModelService, readLibraryMetaFile } from '../core/index.js';
import { tempDir } from '../core/testing/temp.js';
import { makeTestModel } from '../core/testing/test-models.js';
import { ContractService } from './contract-service.js';
import { openLibrary } from './open-library.js';
import { SETTINGS_FILE, SettingsStore } from './settings-store.js';

let root: string;
let cleanup: () => Promise<void>;
let libraryDir: string;
let service: ContractService;
let toy: string;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-writes-'));
  toy = path.join(root, 'toy');
  await makeTestModel('toy-color', toy);
  libraryDir = path.join(root, 'library');
  // Record the toy model once, as the CLI would; the service then opens whatever the library records.
  await (await Library.open(libraryDir, { model: toy, device: 'cpu' })).close();
  const models = new ModelService({ modelsDir: path.join(root, 'models'), env: {} });
  const settings = new SettingsStore(libraryDir);
  service = new ContractService({
    libraryDir,
    settings,
    models,
    openLibrary: (req) => openLibrary({ libraryDir, models, settings: {}, model: req.model, allowDownload: req.allowDownload }),
    readMeta: () => readLibraryMetaFile(libraryDir),
    emit: () => {},
  });
  await service.start();
  expect(service.isOpen).toBe(true);
}, 120_000);

afterAll(async () => {
  await service?.close();
  await cleanup?.();
});

describe('20 concurrent metadata writes through the service', () => {
  it('all succeed and every file holds every change', async () => {
    const folders = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const dir = path.join(root, `photos-${i}`);
        await mkdir(dir);
        return dir;
      }),
    );
    const margins = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06];
    const themes = ['dark', 'light', 'system'] as const;
    const calls: Promise<unknown>[] = [
      ...folders.map((p) => service.call('roots:add', { path: p })),
      ...margins.map((margin) => service.call('tags:threshold', { margin })),
      ...themes.map((theme) => service.call('settings:set', { theme })),
      service.call('settings:set', { language: 'zh-CN' }),
      service.call('settings:set', { threads: 2 }),
      service.call('settings:set', { device: 'cpu' }),
    ];
    expect(calls).toHaveLength(20);
    const results = await Promise.allSettled(calls);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);

    const status = (await service.call('library:status', {})) as LibraryStatus;
    expect(status.roots.map((r) => r.path).sort()).toEqual([...folders].sort());
    expect(margins).toContain(status.tagMargin);
    const meta = await readLibraryMetaFile(libraryDir);
    expect(meta?.roots.map((r) => r.path).sort()).toEqual([...folders].sort());

    // Every key of every settings:set landed (the writes queue; none overwrote another's change).
    const saved = JSON.parse(await readFile(path.join(libraryDir, SETTINGS_FILE), 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ language: 'zh-CN', threads: 2, device: 'cpu' });
    expect(themes).toContain(saved.theme);
    expect(await service.call('settings:get', {})).toEqual(saved);
    // No temporary file left behind by any writer.
    expect((await readdir(libraryDir)).filter((f) => /\.tmp|\.\d+$/.test(f))).toEqual([]);
  }, 120_000);
});
