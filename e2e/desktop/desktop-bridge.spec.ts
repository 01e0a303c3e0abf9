// The desktop app's data path without the Electron binary: Debian's Chromium shows the built renderer with the
// built sandboxed preload (out/preload/index.cjs, given a stand-in `electron` module), whose IPC goes through the
// real handlers of src/main/app/ipc.ts (sender check, validation) to the real library process
// (src/main/utility/library-process.ts: ContractService, real engine, toy-color model) over the real rpc
// protocol; images come through the soutu-media handler, and duplicates:trash comes back to main's real request
// handler, where a stand-in for shell.trashItem moves the file. Only Electron itself is replaced.
// Run: npm run test:desktop-bridge (playwright test --project desktop-bridge).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IpcMainInvokeEvent } from 'electron';
import { expect, test } from '@playwright/test';
import { createAppProtocolHandler } from '../../src/main/app/app-protocol.js';
import { registerIpc, type IpcMainLike } from '../../src/main/app/ipc.js';
import { createMainRequestHandler } from '../../src/main/app/main-requests.js';
import { createMediaProtocolHandler, type MediaKind } from '../../src/main/app/media-protocol.js';
import { APP_ORIGIN, desktopCsp } from '../../src/main/app/security.js';
import { Library } from '../../src/main/core/index.js';
import { writeColourImages } from '../../src/main/core/testing/fixtures.js';
import { makeTestModel } from '../../src/main/core/testing/test-models.js';
import type { MediaLocation } from '../../src/main/service/contract-service.js';
import { LIBRARY_METHODS } from '../../src/main/service/library-rpc.js';
import { createRpcClient, memoryPortPair, serveRpc } from '../../src/main/service/rpc.js';
import { serveLibraryProcess } from '../../src/main/utility/library-process.js';
import { isKnownEvent } from '../../src/shared/contract.js';
import { eventChannel } from '../../src/shared/ipc-channels.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'electron');
const PRELOAD = path.join(REPO_ROOT, 'out', 'preload', 'index.cjs');
const RENDERER = path.join(REPO_ROOT, 'out', 'renderer');

type Soutu = { call(n: string, a: unknown): Promise<unknown>; on(e: string, cb: (p: unknown) => void): () => void };

test.describe.configure({ timeout: 240_000 });

test('the renderer drives the real library process through the built preload and the IPC handlers', async ({ page }) => {
  if (!existsSync(PRELOAD) || !existsSync(path.join(RENDERER, 'index.html'))) {
    // The preload and renderer under test are the built ones: build them rather than skip.
    const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    expect(r.status, 'electron-vite build').toBe(0);
  }
  await mkdir(ARTIFACTS, { recursive: true });
  const home = await mkdtemp(path.join(os.tmpdir(), 'soutu-bridge-'));
  const photos = path.join(home, 'photos');
  const libraryDir = path.join(home, 'library');
  const toy = path.join(home, 'models', 'toy');
  await makeTestModel('toy-color', toy);
  await writeColourImages(photos, { size: 96 });
  const lib = await Library.open(libraryDir, { model: toy, device: 'cpu' });
  await lib.index({ roots: [photos] });
  await lib.close();

  // The library process, in-process, over the real rpc protocol.
  const [mainSide, processSide] = memoryPortPair();
  const library = createRpcClient(mainSide);
  // What main answers the library process, with a folder standing in for the OS trash (shell.trashItem).
  const trashDir = path.join(home, 'Trash');
  await mkdir(trashDir);
  const trashItemCalls: string[] = [];
  serveRpc(
    mainSide,
    createMainRequestHandler({
      trashItem: async (file) => {
        trashItemCalls.push(file);
        await rename(file, path.join(trashDir, path.basename(file)));
      },
    }),
  );
  const { service } = serveLibraryProcess(processSide, { libraryDir, modelsDir: path.join(home, 'models'), systemLanguage: 'en' }, { exit: () => {} });

  // ipcMain stand-in holding the real handlers from ipc.ts.
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const ipcMain: IpcMainLike = { handle: (c, l) => void handlers.set(c, l), removeHandler: (c) => void handlers.delete(c), on: () => {}, removeListener: () => {} };
  registerIpc({
    ipcMain,
    trustedOrigins: [APP_ORIGIN],
    library: (name, args) => library.request(name, args),
    desktop: async (name) => (name === 'dialog:pickFolder' ? null : { ok: false }),
    startDrag: () => {},
  });
  const media = createMediaProtocolHandler({
    locate: async (id: string, kind: MediaKind) => (await library.request(LIBRARY_METHODS.locate, { id, kind })) as MediaLocation | null,
    displayJpeg: async (id) => (await library.request(LIBRARY_METHODS.displayJpeg, { id })) as Uint8Array | null,
    trustedOrigins: [APP_ORIGIN],
  });
  const app = createAppProtocolHandler({ root: RENDERER, csp: desktopCsp() });

  // app://soutu/... and soutu-media://kind/id, served over loopback HTTP for Chromium.
  const server = http.createServer(async (req, res) => {
    const m = /^\/__media\/(thumb|full)\/([^/?]+)/.exec(req.url ?? '');
    const r = new Request('http://x/', { method: req.method });
    Object.defineProperty(r, 'url', { value: m ? `soutu-media://${m[1]}/${m[2]}` : `app://soutu${req.url}` });
    const out = await (m ? media : app)(r);
    const headers: Record<string, string> = {};
    out.headers.forEach((v, k) => (headers[k] = v));
    res.writeHead(out.status, headers);
    res.end(Buffer.from(await out.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  try {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => /Content.Security.Policy|Refused/i.test(m.text()) && problems.push(m.text()));
    const trusted = { senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: null } } as unknown as IpcMainInvokeEvent;
    await page.exposeBinding('__ipcInvoke', async (_src, channel: string, args: unknown) => {
      const h = handlers.get(channel);
      if (!h) throw new Error(`No handler registered for '${channel}'`);
      return h(trusted, args);
    });
    library.onEvent((event, payload) => {
      if (isKnownEvent(event)) void page.evaluate(([c, p]) => (window as unknown as { __ipcEmit(c: string, p: unknown): void }).__ipcEmit(c, p), [eventChannel(event), payload] as const).catch(() => {});
    });
    // The built preload, run as the sandbox would run it, with a stand-in for the three electron APIs it uses.
    const preloadSource = readFileSync(PRELOAD, 'utf8');
    // Plain JS text, not a function: the test transpiler would wrap named functions in a helper the page lacks.
    await page.addInitScript({
      content: `(() => {
        const listeners = new Map();
        window.__ipcEmit = (c, p) => listeners.get(c)?.forEach((l) => l({}, p));
        const electron = {
          contextBridge: {
            exposeInMainWorld(key, api) {
              // Chromium has no soutu-media:// handler: map the URLs the preload builds onto the loopback server.
              const imageUrl = api.imageUrl;
              window[key] = { ...api, imageUrl: (p, k) => imageUrl(p, k).replace(/^soutu-media:\\/\\/(thumb|full)\\//, '/__media/$1/') };
            },
          },
          ipcRenderer: {
            invoke: (c, a) => window.__ipcInvoke(c, a),
            send: () => {},
            on: (c, l) => (listeners.get(c) ?? listeners.set(c, new Set()).get(c)).add(l),
            removeListener: (c, l) => listeners.get(c)?.delete(l),
          },
          webUtils: { getPathForFile: () => '' },
        };
        new Function('require', ${JSON.stringify(preloadSource)})((m) => {
          if (m !== 'electron') throw new Error('the sandboxed preload required ' + m);
          return electron;
        });
      })();`,
    });

    await page.goto(base + '/');
    await page.getByRole('searchbox').waitFor({ timeout: 20_000 });

    await test.step('the renderer sees window.soutu from the built preload', async () => {
      expect(await page.evaluate(() => (window as unknown as { soutu?: { transport?: string } }).soutu?.transport)).toBe('electron');
    });

    await test.step('searching 红色 shows red.jpg first, with its thumbnail through the soutu-media handler', async () => {
      await page.getByRole('searchbox').fill('红色');
      await page.keyboard.press('Enter');
      await expect(page.locator('[data-path]').first()).toHaveAttribute('data-path', /red\.jpg$/, { timeout: 30_000 });
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('[data-path] img');
        return !!img && img.complete && img.naturalWidth > 0;
      }, undefined, { timeout: 15_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-bridge-search.png') });
    });

    await test.step('bad arguments are refused with their code', async () => {
      const err = await page.evaluate(async () => {
        try {
          await (window as unknown as { soutu: Soutu }).soutu.call('photo:get', { id: '../etc' });
          return 'accepted';
        } catch (e) {
          return (e as Error).message;
        }
      });
      expect(err).toMatch(/^\[bad-request\] /);
    });

    await test.step('duplicates:trash goes page → preload → IPC → library process → main and back', async () => {
      const copy = path.join(photos, 'copies', 'red-again.jpg');
      await mkdir(path.dirname(copy));
      await copyFile(path.join(photos, 'red.jpg'), copy);
      const trash = await page.evaluate(async (copyPath) => {
        const soutu = (window as unknown as { soutu: Soutu }).soutu;
        const done = new Promise<void>((resolve) => {
          const off = soutu.on('index:done', () => (off(), resolve()));
        });
        await soutu.call('index:start', {});
        await done;
        const groups = (await soutu.call('duplicates:list', {})) as { photos: { id: string; path: string }[] }[];
        const id = groups.flatMap((g) => g.photos).find((p) => p.path === copyPath)?.id;
        if (!id) return { error: `no duplicate group holds the copy (${groups.length} groups)` };
        return { id, result: await soutu.call('duplicates:trash', { ids: [id] }), after: await soutu.call('photo:get', { id }) };
      }, copy);
      expect(trash).toMatchObject({ result: { trashed: 1, failed: [] }, after: null });
      expect(trashItemCalls).toEqual([copy]);
      expect(await readdir(trashDir)).toContain('red-again.jpg');
      expect(existsSync(copy)).toBe(false);
    });

    await test.step("the menu's open-settings command (app:menu event) opens Settings", async () => {
      await page.evaluate((c) => (window as unknown as { __ipcEmit(c: string, p: unknown): void }).__ipcEmit(c, { command: 'open-settings' }), eventChannel('app:menu'));
      await expect(page.locator('a[aria-current="page"][href="#/settings"]')).toBeVisible({ timeout: 5000 });
    });

    expect(problems, 'CSP violations or page errors').toEqual([]);
  } finally {
    server.close();
    await service.close();
    await rm(home, { recursive: true, force: true });
  }
});
