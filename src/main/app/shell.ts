// The Electron shell: the window, the app:// and soutu-media:// protocols, IPC, the menu, drag-out and the
// native dialogs, all translating between Electron and the library process (library-process-host.ts), which
// answers the contract through the shared service layer. Lifecycle (single instance, ready, quit) stays in
// src/main/index.ts.
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  nativeTheme,
  protocol,
  screen,
  session,
  shell,
  utilityProcess,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
} from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type CallName, type Settings } from '../../shared/api.js';
import { isKnownEvent, type MenuCommand } from '../../shared/contract.js';
import { PROCESS_ENV, V8_FLAGS } from '../../shared/process-flags.js';
import { eventChannel } from '../../shared/ipc-channels.js';
import type { MediaLocation } from '../service/contract-service.js';
import { LIBRARY_METHODS } from '../service/library-rpc.js';
import { resolveInsideRoots } from '../service/path-guard.js';
import libraryProcessPath from '../utility/library-process?modulePath';
import { createAppProtocolHandler } from './app-protocol.js';
import { registerIpc } from './ipc.js';
import { LibraryProcessHost, type ChildLike } from './library-process-host.js';
import { createMainRequestHandler, isImageFile } from './main-requests.js';
import { createMediaProtocolHandler, type MediaAt, type MediaKind } from './media-protocol.js';
import { buildMenuTemplate, menuLanguage, type MenuLanguage } from './menu.js';
import { APP_ORIGIN, APP_SCHEME, MEDIA_SCHEME, denyAllPermissions, desktopCsp, hardenWebContents, originOf, trustedOrigins } from './security.js';
import { loadWindowState, MIN_SIZE, saveWindowState, type WindowState } from './window-state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEBSITE = 'https://github.com/soutu-app/soutu';
/** 32×32 translucent blue square: the drag image when a thumbnail cannot be used (macOS needs a non-empty one). */
const FALLBACK_DRAG_ICON =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAMElEQVRYw+3OIQEAAAgDMIKRiZxUoA0xbibmVz17SSUgICAgICAgICAgICAgIJAOPMNOLIibVq3HAAAAAElFTkSuQmCC';
/** Extensions "Open with default app" may hand to the OS: images only, so a tampered row cannot launch a program. */
const OPENABLE = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.apng', '.webp', '.avif', '.gif', '.tif', '.tiff', '.heic', '.heif', '.hif', '.bmp', '.jp2', '.j2k', '.jpf']);

function log(line: string): void {
  process.stderr.write(`[soutu] ${line}\n`);
}

/**
 * Registers app:// and soutu-media:// as standard, secure schemes. Must run before the app is ready.
 * app:// gets fetch and code cache (it serves the UI); soutu-media:// fetch + CORS (its own origin only).
 */
export function registerPrivilegedSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    // stream: <video> takes the handler's 206 answers as a stream (Electron's protocol docs).
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } },
  ]);
}

export interface ShellPaths {
  userData: string;
  libraryDir: string;
  modelsDir: string;
  rendererDir: string;
  preload: string;
  windowStateFile: string;
}

/** Where everything is. Models and the library live in userData, never in the (read-only) asar. */
export function shellPaths(): ShellPaths {
  const userData = app.getPath('userData');
  // The preload must be CommonJS to run sandboxed; electron-vite names it .cjs or .js depending on config.
  const preloadDir = path.join(here, '..', 'preload');
  const preload = ['index.cjs', 'index.js', 'index.mjs'].map((f) => path.join(preloadDir, f)).find((f) => existsSync(f)) ?? path.join(preloadDir, 'index.cjs');
  if (preload.endsWith('.mjs')) log('warning: the preload was built as ESM (index.mjs); sandboxed windows need it as CommonJS (see electron.vite.config.ts).');
  return {
    userData,
    libraryDir: path.join(userData, 'library'),
    modelsDir: process.env.SOUTU_MODELS_DIR ? path.resolve(process.env.SOUTU_MODELS_DIR) : path.join(userData, 'models'),
    rendererDir: path.join(here, '..', 'renderer'),
    preload,
    windowStateFile: path.join(userData, 'window-state.json'),
  };
}

export interface Shell {
  library: LibraryProcessHost;
  /** Sends a library-process event to the UI (wire LibraryProcessHost's onEvent here). */
  forwardEvent(event: string, payload: unknown): void;
  window(): BrowserWindow | null;
  /** Shows (or re-creates) the main window, e.g. for a second instance or the macOS dock. */
  focus(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the library process. Call once the app is ready; events go to the windows through `shell`. */
export function startLibraryProcess(paths: ShellPaths, onEvent: (event: string, payload: unknown) => void): LibraryProcessHost {
  const host = new LibraryProcessHost({
    fork: () =>
      utilityProcess.fork(libraryProcessPath, [], { serviceName: 'Soutu Library', stdio: 'inherit', execArgv: [...V8_FLAGS], env: { ...PROCESS_ENV, ...process.env } }) as unknown as ChildLike,
    init: { libraryDir: paths.libraryDir, modelsDir: paths.modelsDir, systemLanguage: app.getLocale() },
    onEvent,
    // The library process asks main to move photos to the trash (duplicates:trash); main re-checks each path.
    serve: createMainRequestHandler({ trashItem: (file) => shell.trashItem(file), log }),
    onCrash: ({ code, restarting }) => {
      log(`library process exited with code ${code}${restarting ? '; restarting' : '; giving up'}`);
      onEvent('app:warning', {
        message: restarting
          ? 'The search engine stopped unexpectedly and is restarting.'
          : 'The search engine keeps stopping; please restart Soutu.',
      });
    },
  });
  host.start();
  return host;
}

export async function createShell(paths: ShellPaths, library: LibraryProcessHost): Promise<Shell> {
  const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
  const origins = trustedOrigins({ isPackaged: app.isPackaged, devServerUrl: devUrl });
  const csp = desktopCsp();
  const isTrustedUrl = (url: string) => {
    const o = originOf(url);
    return o !== null && origins.includes(o);
  };
  let win: BrowserWindow | null = null;
  let lang: MenuLanguage = menuLanguage(undefined, app.getLocale());

  // ---- security for every web contents and the default session ----
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents, { trustedOrigins: origins, openExternal: (u) => void shell.openExternal(u), log }));
  denyAllPermissions(session.defaultSession, log);
  if (devUrl) {
    // The dev server's pages get the development CSP (Vite's <style> tags and HMR socket); app:// pages get the
    // production one from the protocol.
    const devOrigin = originOf(devUrl)!;
    const devCsp = desktopCsp(devUrl);
    session.defaultSession.webRequest.onHeadersReceived({ urls: [`${devOrigin}/*`] }, (details, cb) => {
      cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [devCsp] } });
    });
  }

  // ---- protocols ----
  // A preview is transcoded before it is answered: minutes for a long video.
  const locate = async (id: string, kind: MediaKind, at?: MediaAt) =>
    (await library.request(LIBRARY_METHODS.locate, { id, kind, index: at?.index, start: at?.start }, { timeoutMs: kind === 'preview' ? 600_000 : 15_000 })) as MediaLocation | null;
  protocol.handle(APP_SCHEME, createAppProtocolHandler({ root: paths.rendererDir, csp }));
  protocol.handle(
    MEDIA_SCHEME,
    createMediaProtocolHandler({
      locate,
      // sharp and the HEIC decoder live in the library process: it converts (display-image.ts) and sends the JPEG.
      displayJpeg: async (id) => (await library.request(LIBRARY_METHODS.displayJpeg, { id }, { timeoutMs: 60_000 })) as Uint8Array | null,
      trustedOrigins: origins,
      log,
    }),
  );

  // ---- events and menu commands to the UI ----
  const sendToUi = (channel: string, payload: unknown) => {
    for (const w of BrowserWindow.getAllWindows()) {
      const wc = w.webContents;
      if (!wc.isDestroyed() && isTrustedUrl(wc.getURL())) wc.send(channel, payload);
    }
  };
  const forwardEvent = (event: string, payload: unknown) => {
    if (isKnownEvent(event)) sendToUi(eventChannel(event), payload);
  };
  const command = (cmd: MenuCommand) => forwardEvent('app:menu', { command: cmd });

  // ---- settings that main applies: theme and menu language ----
  const applySettings = (s: Settings) => {
    nativeTheme.themeSource = s.theme ?? 'system';
    const next = menuLanguage(s.language, app.getLocale());
    if (next !== lang || !Menu.getApplicationMenu()) {
      lang = next;
      installMenu();
    }
  };

  // ---- desktop-only calls ----
  const photoFile = async (id: string): Promise<string | null> => {
    const loc = await locate(id, 'full');
    return loc ? resolveInsideRoots(loc.file, loc.allowed) : null;
  };
  const pickFolder = async (owner: BrowserWindow | null): Promise<string | null> => {
    const opts: Electron.OpenDialogOptions = { properties: ['openDirectory', 'createDirectory', 'dontAddToRecent'] };
    const r = owner ? await dialog.showOpenDialog(owner, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  };
  const desktop = async (name: CallName, args: unknown, event: IpcMainInvokeEvent): Promise<unknown> => {
    switch (name) {
      case 'shell:reveal': {
        const file = await photoFile((args as { id: string }).id);
        if (!file) return { ok: false };
        shell.showItemInFolder(file);
        return { ok: true };
      }
      case 'shell:open': {
        const file = await photoFile((args as { id: string }).id);
        if (!file || !OPENABLE.has(path.extname(file).toLowerCase()) || !(await isImageFile(file))) return { ok: false };
        return { ok: (await shell.openPath(file)) === '' };
      }
      case 'dialog:pickFolder':
        return pickFolder(BrowserWindow.fromWebContents(event.sender));
      default:
        throw new Error(`${name} is not a desktop call`);
    }
  };

  // ---- drag a result out to another app ----
  const startDrag = (event: IpcMainEvent, id: string) => {
    const sender = event.sender;
    void (async () => {
      const item = (await library.request(LIBRARY_METHODS.dragItem, { id }, { timeoutMs: 5000 })) as (MediaLocation & { icon: Uint8Array | null }) | null;
      if (!item || sender.isDestroyed()) return;
      const file = await resolveInsideRoots(item.file, item.allowed);
      if (!file) return;
      let icon = item.icon ? nativeImage.createFromBuffer(Buffer.from(item.icon)) : nativeImage.createEmpty();
      if (icon.isEmpty()) icon = nativeImage.createFromDataURL(FALLBACK_DRAG_ICON);
      sender.startDrag({ file, icon });
    })().catch((err: unknown) => log(`drag failed: ${(err as Error).message}`));
  };

  const unregisterIpc = registerIpc({
    ipcMain,
    trustedOrigins: origins,
    library: (name, args) => library.request(name, args),
    desktop,
    startDrag,
    onResult: (name, value) => {
      if (name === 'settings:get' || name === 'settings:set') applySettings(value as Settings);
    },
    log,
  });

  // ---- menu ----
  // Both calls answer at once, even on the first run while the model downloads: the library process queues
  // the folder and indexes it when the model is ready (the window shows the download's progress meanwhile).
  const addFolderFromMenu = async () => {
    try {
      const folder = await pickFolder(win);
      if (!folder) return;
      await library.request('roots:add', parseArgs('roots:add', { path: folder }));
      await library.request('index:start', parseArgs('index:start', { roots: [folder] }));
      command('open-folders');
    } catch (err) {
      forwardEvent('app:warning', { message: (err as Error).message });
    }
  };
  function installMenu(): void {
    const template = buildMenuTemplate({
      lang,
      platform: process.platform,
      isDev: !app.isPackaged,
      actions: {
        command,
        addFolder: () => void addFolderFromMenu(),
        about: () => app.showAboutPanel(),
        openWebsite: () => void shell.openExternal(WEBSITE),
      },
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }
  app.setAboutPanelOptions({ applicationName: 'Soutu (搜图)', applicationVersion: app.getVersion(), website: WEBSITE });
  installMenu();
  library.request('settings:get').then((s) => applySettings(s as Settings), (err: unknown) => log(`settings: ${(err as Error).message}`));

  // ---- the window ----
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  const currentState = (w: BrowserWindow): WindowState => {
    const b = w.getNormalBounds();
    return { x: b.x, y: b.y, width: b.width, height: b.height, maximized: w.isMaximized(), fullScreen: w.isFullScreen() };
  };
  // The last save in flight, awaited by close() so quitting does not cut it short.
  let saving: Promise<void> = Promise.resolve();
  const saveState = (w: BrowserWindow) => {
    const state = currentState(w);
    saving = saving
      .then(() => saveWindowState(paths.windowStateFile, state))
      .catch((err: unknown) => log(`could not save the window state: ${(err as Error).message}`));
  };

  async function createWindow(): Promise<BrowserWindow> {
    const state = await loadWindowState(paths.windowStateFile, screen.getAllDisplays().map((d) => d.workArea));
    const w = new BrowserWindow({
      x: state.x,
      y: state.y,
      width: state.width,
      height: state.height,
      minWidth: MIN_SIZE.width,
      minHeight: MIN_SIZE.height,
      show: false,
      title: 'Soutu',
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#1c1c1e' : '#ffffff',
      // Spelled out here (not spread from a constant) so reviewers and static checkers see them at the call.
      webPreferences: {
        preload: paths.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        experimentalFeatures: false,
        navigateOnDragDrop: false,
        // Middle-click (auxclick) on a link would bypass the click handlers; window.open is denied anyway.
        disableBlinkFeatures: 'Auxclick',
        safeDialogs: true,
        spellcheck: false,
        devTools: !app.isPackaged,
      },
    });
    if (state.maximized) w.maximize();
    if (state.fullScreen) w.setFullScreen(true);
    w.once('ready-to-show', () => w.show());
    const scheduleSave = () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => !w.isDestroyed() && saveState(w), 500);
    };
    w.on('resize', scheduleSave);
    w.on('move', scheduleSave);
    w.on('close', () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveState(w);
    });
    w.on('closed', () => {
      if (win === w) win = null;
    });
    w.webContents.on('render-process-gone', (_e, details) => {
      log(`renderer gone: ${details.reason}`);
      if (details.reason !== 'clean-exit' && !w.isDestroyed()) w.reload();
    });
    await w.loadURL(devUrl ?? `${APP_ORIGIN}/index.html`).catch((err: unknown) => log(`load failed: ${(err as Error).message}`));
    return w;
  }

  win = await createWindow();

  return {
    library,
    forwardEvent,
    window: () => win,
    async focus() {
      if (!win || win.isDestroyed()) win = await createWindow();
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
    },
    async close() {
      unregisterIpc();
      await saving;
      await library.close();
    },
  };
}
