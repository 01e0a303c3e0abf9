// The desktop app's data path without the Electron binary: Debian's Chromium shows the built renderer with
// the built sandboxed preload (out/preload/index.cjs, given a stand-in `electron` module), whose IPC goes
// through the real handlers of src/main/app/ipc.ts (sender check, validation) to the library process logic
// (real engine, toy-color model) over the real rpc protocol; images come through the soutu-media handler, and
// duplicates:trash comes back to main's real request handler, where a stand-in for shell.trashItem moves the file.
// Only Electron itself is replaced. Run: tsx e2e/desktop-bridge.ts (after electron-vite build).
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IpcMainInvokeEvent } from 'electron';
import { chromium } from 'playwright-core';
import { Library } from '../src/main/core/library/library.js';
import { writeColourImages } from '../src/main/core/testing/fixtures.js';
import { makeTestModel } from '../src/main/core/testing/test-models.js';
import { createAppProtocolHandler } from '../src/main/app/app-protocol.js';
import type { MediaLocation } from '../src/main/app/core-service.js';
import { eventChannel, isKnownEvent } from '../src/main/app/ipc-channels.js';
import { registerIpc, type IpcMainLike } from '../src/main/app/ipc.js';
import { startLibraryProcess } from '../src/main/app/library-process.js';
import { createMainRequestHandler } from '../src/main/app/main-requests.js';
import { createMediaProtocolHandler, type MediaKind } from '../src/main/app/media-protocol.js';
import { createRpcClient, memoryPortPair, serveRpc } from '../src/main/app/rpc.js';
import { APP_ORIGIN, contentSecurityPolicy } from '../src/main/app/security.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.SOUTU_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'electron');
let failures = 0;

function check(cond: unknown, what: string): void {
  process.stdout.write(`  ${cond ? '✓' : '✗'} ${what}\n`);
  if (!cond) failures++;
}

async function main(): Promise<number> {
  const preload = path.join(REPO_ROOT, 'out', 'preload', 'index.cjs');
  const renderer = path.join(REPO_ROOT, 'out', 'renderer');
  if (!existsSync(preload) || !existsSync(path.join(renderer, 'index.html')) || !existsSync(CHROMIUM)) {
    process.stdout.write('SKIPPED: needs out/preload, out/renderer (electron-vite build) and Chromium.\n');
    return 0;
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
  const core = createRpcClient(mainSide);
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
  const { service } = startLibraryProcess(processSide, { libraryDir, modelsDir: path.join(home, 'models'), systemLanguage: 'en' });

  // ipcMain stand-in holding the real handlers from ipc.ts.
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const ipcMain: IpcMainLike = { handle: (c, l) => void handlers.set(c, l), removeHandler: (c) => void handlers.delete(c), on: () => {}, removeListener: () => {} };
  registerIpc({
    ipcMain,
    trustedOrigins: [APP_ORIGIN],
    core: (name, args) => core.request(name, args),
    desktop: async (name) => (name === 'dialog:pickFolder' ? null : { ok: false }),
    startDrag: () => {},
  });
  const locate = async (id: string, kind: MediaKind) => (await core.request('internal:locate', { id, kind })) as MediaLocation | null;
  const media = createMediaProtocolHandler({ locate, trustedOrigins: [APP_ORIGIN] });
  const app = createAppProtocolHandler({ root: renderer, csp: contentSecurityPolicy() });

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

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => /Content.Security.Policy|Refused/i.test(m.text()) && problems.push(m.text()));
    const trusted = { senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: null } } as unknown as IpcMainInvokeEvent;
    await page.exposeBinding('__ipcInvoke', async (_src, channel: string, args: unknown) => {
      const h = handlers.get(channel);
      if (!h) throw new Error(`No handler registered for '${channel}'`);
      return h(trusted, args);
    });
    core.onEvent((event, payload) => {
      if (isKnownEvent(event)) void page.evaluate(([c, p]) => (window as unknown as { __ipcEmit(c: string, p: unknown): void }).__ipcEmit(c, p), [eventChannel(event), payload] as const).catch(() => {});
    });
    // The built preload, run as the sandbox would run it, with a stand-in for the three electron APIs it uses.
    const preloadSource = readFileSync(preload, 'utf8');
    // Plain JS text, not a function: tsx would wrap named functions in a helper the page does not have.
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
    check(await page.evaluate(() => (window as unknown as { soutu?: { transport?: string } }).soutu?.transport === 'electron'), 'the renderer sees window.soutu from the built preload');
    await page.getByRole('searchbox').fill('红色');
    await page.keyboard.press('Enter');
    const red = await page
      .waitForFunction(() => document.querySelector('[data-path]')?.getAttribute('data-path')?.endsWith('red.jpg') === true, undefined, { timeout: 30_000 })
      .then(() => true, () => false);
    check(red, 'searching 红色 shows red.jpg first (IPC envelope → library process → real engine)');
    const thumb = await page
      .waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('[data-path] img');
        return !!img && img.complete && img.naturalWidth > 0;
      }, undefined, { timeout: 15_000 })
      .then(() => true, () => false);
    check(thumb, 'its thumbnail loads through the soutu-media handler');
    await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-bridge-search.png') });
    const err = await page.evaluate(async () => {
      try {
        await (window as unknown as { soutu: { call(n: string, a: unknown): Promise<unknown> } }).soutu.call('photo:get', { id: '../etc' });
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    });
    check(err.startsWith('[bad-request] '), `bad arguments are refused with their code: ${err.slice(0, 60)}`);

    // Trash a duplicate: page → preload → ipc handler → library process → main's trash handler and back.
    const copy = path.join(photos, 'copies', 'red-again.jpg');
    await mkdir(path.dirname(copy));
    await copyFile(path.join(photos, 'red.jpg'), copy);
    const trash = await page.evaluate(async (copyPath) => {
      type Soutu = { call(n: string, a: unknown): Promise<unknown>; on(e: string, cb: (p: unknown) => void): () => void };
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
    check(
      'result' in trash && JSON.stringify(trash.result) === JSON.stringify({ trashed: 1, failed: [] }) && trash.after === null,
      `duplicates:trash moves the copy and the library forgets it: ${JSON.stringify(trash).slice(0, 160)}`,
    );
    check(
      trashItemCalls.length === 1 && trashItemCalls[0] === copy && (await readdir(trashDir)).includes('red-again.jpg') && !existsSync(copy),
      'main was asked to trash exactly that file, and it is in the (stand-in) trash',
    );
    // A menu item: main sends the contract's app:menu event; the page goes to Settings.
    await page.evaluate((c) => (window as unknown as { __ipcEmit(c: string, p: unknown): void }).__ipcEmit(c, { command: 'open-settings' }), eventChannel('app:menu'));
    const menu = await page
      .locator('a[aria-current="page"][href="#/settings"]')
      .waitFor({ timeout: 5000 })
      .then(() => true, () => false);
    check(menu, "the menu's open-settings command (app:menu event) opens Settings");
    check(problems.length === 0, `no CSP violations or page errors${problems.length ? ': ' + problems.slice(0, 3).join(' | ') : ''}`);
  } finally {
    await browser.close();
    server.close();
    await service.close();
    await rm(home, { recursive: true, force: true });
  }
  process.stdout.write(failures === 0 ? 'desktop-bridge: all passed\n' : `desktop-bridge: ${failures} failed\n`);
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stdout.write(`desktop-bridge: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
