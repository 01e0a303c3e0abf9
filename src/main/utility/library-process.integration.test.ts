// The library process end to end, without Electron: the real Library (LanceDB, ONNX Runtime, sharp) on the
// generated toy-color model, driven over the same rpc protocol main uses, and the media protocol on top.
// Main's side of the port is the real one too (createMainRequestHandler) with a stand-in for shell.trashItem.
import { copyFile, mkdir, mkdtemp, readdir, realpath, rename, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayloads, Settings } from '../../shared/api.js';
import type { DuplicateGroup, IndexReport, LibraryStatus, PhotoInfo, SearchHit } from '../../shared/types.js';
import { createMainRequestHandler } from '../app/main-requests.js';
import { createMediaProtocolHandler } from '../app/media-protocol.js';
import { APP_ORIGIN } from '../app/security.js';
import { Library } from '../core/index.js';
import { writeColourImages } from '../core/testing/fixtures.js';
import { makeTestModel } from '../core/testing/test-models.js';
import type { MediaLocation } from '../service/contract-service.js';
import { createRpcClient, memoryPortPair, serveRpc, type RpcClient } from '../service/rpc.js';
import { serveLibraryProcess } from './library-process.js';

let tmp: string;
let photos: string;
let trashDir: string;
const trashed: string[] = [];
let client: RpcClient;
let service: ReturnType<typeof serveLibraryProcess>['service'];
const events: [string, unknown][] = [];

function nextEvent<E extends keyof EventPayloads>(name: E, timeoutMs = 60_000): Promise<EventPayloads[E]> {
  const seen = events.length;
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const hit = events.slice(seen).find(([e]) => e === name);
      if (hit) {
        clearInterval(timer);
        resolve(hit[1] as EventPayloads[E]);
      }
    }, 20);
    setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`no ${name} event`));
    }, timeoutMs);
  });
}

beforeAll(async () => {
  tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'soutu-libproc-')));
  photos = path.join(tmp, 'photos');
  await writeColourImages(photos, { size: 64 });
  await symlink(path.join(tmp, 'outside.jpg'), path.join(photos, 'escape.jpg')).catch(() => {});
  const toy = path.join(tmp, 'models', 'toy');
  await makeTestModel('toy-color', toy);
  const libraryDir = path.join(tmp, 'library');
  await mkdir(libraryDir, { recursive: true });
  // The app opens whatever model the library records: record the toy model once, as the CLI would.
  await (await Library.open(libraryDir, { model: toy, device: 'cpu' })).close();
  const [mainSide, processSide] = memoryPortPair();
  client = createRpcClient(mainSide);
  client.onEvent((e, p) => events.push([e, p]));
  // shell.trashItem stand-in: moves the file into a folder and remembers what it was asked to move.
  trashDir = path.join(tmp, 'Trash');
  await mkdir(trashDir);
  serveRpc(
    mainSide,
    createMainRequestHandler({
      trashItem: async (file) => {
        trashed.push(file);
        await rename(file, path.join(trashDir, `${trashed.length}-${path.basename(file)}`));
      },
    }),
  );
  ({ service } = serveLibraryProcess(processSide, { libraryDir, modelsDir: path.join(tmp, 'models'), systemLanguage: 'zh-CN' }, { exit: () => {} }));
}, 120_000);

afterAll(async () => {
  await client?.request('internal:close').catch(() => {});
  await service?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('library process (real engine, toy-color model)', () => {
  it('adds a folder, indexes it with progress, and finds 红色 first', async () => {
    const status = (await client.request('roots:add', { path: photos })) as LibraryStatus;
    expect(status.roots.map((r) => r.path)).toEqual([photos]);
    const done = nextEvent('index:done');
    expect(await client.request('index:start', {})).toEqual({ started: true });
    const report = (await done) as IndexReport;
    expect(report.indexed).toBeGreaterThanOrEqual(7);
    expect(events.some(([e]) => e === 'index:progress')).toBe(true);
    const hits = (await client.request('search:text', { text: '红色' })) as SearchHit[];
    expect(path.basename(hits[0].path)).toBe('red.jpg');
    const similar = (await client.request('search:image', { image: { kind: 'photo', id: hits[0].id } })) as SearchHit[];
    expect(similar.every((h) => h.id !== hits[0].id)).toBe(true);
  });

  it('refuses bad arguments and desktop calls itself', async () => {
    await expect(client.request('search:text', { text: '' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(client.request('photo:get', { id: '../../etc/passwd' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(client.request('shell:open', { id: '0123456789abcdef' })).rejects.toMatchObject({ code: 'unsupported' });
    await expect(client.request('internal:whatever', {})).rejects.toMatchObject({ code: 'internal' });
  });

  it('keeps settings in the library folder', async () => {
    expect((await client.request('settings:set', { language: 'zh-CN', theme: 'dark' })) as Settings).toEqual({ language: 'zh-CN', theme: 'dark' });
    expect(await client.request('settings:get', {})).toEqual({ language: 'zh-CN', theme: 'dark' });
  });

  it('serves thumbnails and photos through the media protocol, and drag icons as PNG', async () => {
    const [hit] = (await client.request('search:text', { text: 'blue' })) as SearchHit[];
    const handler = createMediaProtocolHandler({
      locate: async (id, kind) => (await client.request('internal:locate', { id, kind })) as MediaLocation | null,
      displayJpeg: async (id) => (await client.request('internal:displayJpeg', { id })) as Uint8Array | null,
      trustedOrigins: [APP_ORIGIN],
    });
    const get = (url: string) => {
      const r = new Request('http://x/');
      Object.defineProperty(r, 'url', { value: url });
      Object.defineProperty(r, 'initiatorOrigin', { value: APP_ORIGIN });
      return handler(r);
    };
    const thumb = await get(`soutu-media://thumb/${hit.id}`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const full = await get(`soutu-media://full/${hit.id}`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('image/jpeg');
    expect((await get('soutu-media://full/ffffffffffffffff')).status).toBe(404);
    const drag = (await client.request('internal:dragItem', { id: hit.id })) as MediaLocation & { icon: Uint8Array | null };
    expect(drag.file).toBe(hit.path);
    expect(Buffer.from(drag.icon!).subarray(1, 4).toString()).toBe('PNG');
  });

  it('duplicates:trash goes to main and back: main moves the copy, the library forgets it', async () => {
    const copy = path.join(photos, 'again', 'red-copy.jpg');
    await mkdir(path.dirname(copy));
    await copyFile(path.join(photos, 'red.jpg'), copy);
    const done = nextEvent('index:done');
    expect(await client.request('index:start', {})).toEqual({ started: true });
    await done;
    const groups = (await client.request('duplicates:list', {})) as DuplicateGroup[];
    const group = groups.find((g) => g.paths.includes(copy));
    expect(group?.paths).toContain(path.join(photos, 'red.jpg'));
    const copyId = group!.photos.find((p) => p.path === copy)!.id;
    const result = await client.request('duplicates:trash', { ids: [copyId, 'ffffffffffffffff'] });
    expect(result).toEqual({ trashed: 1, failed: [{ id: 'ffffffffffffffff', error: expect.any(String) }] });
    expect(trashed).toEqual([copy]);
    expect(await readdir(path.dirname(copy))).toEqual([]);
    expect(await readdir(trashDir)).toEqual(['1-red-copy.jpg']);
    expect((await client.request('photo:get', { id: copyId })) as PhotoInfo | null).toBeNull();
    const hits = (await client.request('search:text', { text: '红色' })) as SearchHit[];
    expect(hits[0].path).toBe(path.join(photos, 'red.jpg'));
  });

  it('a failed move leaves the photo in the library and says why', async () => {
    const [hit] = (await client.request('search:text', { text: 'green' })) as SearchHit[];
    await rm(hit.path); // gone behind the library's back: neither process vouches for it any more
    const result = (await client.request('duplicates:trash', { ids: [hit.id] })) as { trashed: number; failed: { id: string; error: string }[] };
    expect(result.trashed).toBe(0);
    expect(result.failed[0].error).toMatch(/inside the library/);
    expect(trashed).toHaveLength(1);
    expect(await client.request('photo:get', { id: hit.id })).not.toBeNull();
  });
});
