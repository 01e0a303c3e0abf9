// Entry of the library process (Electron utilityProcess): owns the Library (LanceDB, ONNX sessions, sharp) so
// indexing and embedding never run on the main thread; main talks to it over process.parentPort (see rpc.ts).
// Node only: nothing here imports electron.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { isCallName } from '../../shared/api.js';
import { decodeHeicRgba } from '../core/decode/heic-fallback.js';
import { BROWSER_FORMATS } from '../core/decode/open-image.js';
import { sniffImageFormat } from '../core/decode/sniff.js';
import { defaultModelFor } from '../core/embed/model-catalog.js';
import { listModels } from '../core/embed/model-store.js';
import { Library, readLibraryMetaFile, type LibraryOptions } from '../core/library/library.js';
import { SettingsStore } from '../../server/settings-store.js';
import { CoreService, type OpenRequest } from './core-service.js';
import { TRASH_METHOD, type TrashRequest } from './main-requests.js';
import { resolveInsideRoots } from './path-guard.js';
import { createRpcClient, serveRpc, type PortLike } from './rpc.js';

export interface LibraryProcessInit {
  libraryDir: string;
  modelsDir: string;
  /** The OS language (app.getLocale()), used to pick the first model when the user has not chosen one. */
  systemLanguage: string;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  off(event: 'message', listener: (e: { data: unknown }) => void): void;
}


function log(line: string): void {
  process.stderr.write(`[soutu library] ${line}\n`);
}

function parentPortLike(): PortLike {
  const pp = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (!pp) throw new Error('library-process must be started with utilityProcess.fork');
  return {
    postMessage: (m) => pp.postMessage(m),
    onMessage(listener) {
      const l = (e: { data: unknown }) => listener(e.data);
      pp.on('message', l);
      return () => pp.off('message', l);
    },
  };
}

export function startLibraryProcess(port: PortLike, init: LibraryProcessInit): { service: CoreService } {
  const settings = new SettingsStore(init.libraryDir);
  let server: ReturnType<typeof serveRpc> | null = null;
  const emit = (event: string, payload: unknown) => server?.emit(event, payload);
  // The same port carries this process's few requests of main (requests and answers each go one way).
  const main = createRpcClient(port);

  const service: CoreService = new CoreService({
    libraryDir: init.libraryDir,
    modelsDir: init.modelsDir,
    settings,
    log,
    emit,
    readMeta: () => readLibraryMetaFile(init.libraryDir),
    listModels: () => listModels(init.modelsDir),
    async openLibrary(req: OpenRequest) {
      const s = req.settings;
      const opts: LibraryOptions = {
        modelsDir: init.modelsDir,
        model: req.model,
        device: s.device,
        threads: s.threads,
        hubHost: s.hubHost ?? process.env.SOUTU_HUB_HOST,
        defaultModel: defaultModelFor(s.language ?? init.systemLanguage),
        allowDownload: req.allowDownload,
        onDownload: req.onDownload,
      };
      const lib = await Library.open(init.libraryDir, { ...opts, onWarning: (m) => emit('app:warning', { message: m }) });
      lib.warmUp().catch(() => {}); // a failure here meets the first query again, which reports it
      // Added, changed, renamed and deleted photos are picked up within seconds while the app runs.
      lib.watch().catch((err) => log(`folder watching is off: ${(err as Error).message}`));
      return lib;
    },
    async trash(file, allowed) {
      // Main moves it (shell.trashItem), after its own path-guard check; a minute covers a slow network drive.
      await main.request(TRASH_METHOD, { file, allowed } satisfies TrashRequest, { timeoutMs: 60_000 });
    },
    async dragIcon(thumbnailFile) {
      const real = await resolveInsideRoots(thumbnailFile, [path.join(init.libraryDir, 'thumbs')]);
      if (!real) return null;
      return new Uint8Array(await sharp(real).resize(128, 128, { fit: 'inside' }).png().toBuffer());
    },
    async displayJpeg(file, roots) {
      const real = await resolveInsideRoots(file, roots);
      if (!real) return null;
      const st = await stat(real);
      if (st.size > 512 * 1024 * 1024) return null;
      const bytes = await readFile(real);
      const format = sniffImageFormat(bytes.subarray(0, 64));
      if (!format || BROWSER_FORMATS.has(format)) return null;
      const resize = { fit: 'inside' as const, withoutEnlargement: true };
      try {
        return new Uint8Array(await sharp(bytes).rotate().resize(2560, 2560, resize).jpeg({ quality: 88 }).toBuffer());
      } catch (err) {
        if (format !== 'heif') throw err;
        // sharp's prebuilt libvips has no HEVC decoder: the engine's fallback decodes HEIC to raw pixels.
        const raw = await decodeHeicRgba(bytes);
        return new Uint8Array(
          await sharp(Buffer.from(raw.data), { raw: { width: raw.width, height: raw.height, channels: 4 } })
            .resize(2560, 2560, resize)
            .jpeg({ quality: 88 })
            .toBuffer(),
        );
      }
    },
  });

  server = serveRpc(port, async (method, args) => {
    if (isCallName(method)) return service.call(method, args);
    switch (method) {
      case 'internal:locate':
        return service.locate(args);
      case 'internal:dragItem':
        return service.dragItem(args);
      case 'internal:displayJpeg':
        return service.displayJpeg(args);
      case 'internal:ping':
        return { pid: process.pid, open: service.isOpen };
      case 'internal:close':
        await service.close();
        setTimeout(() => process.exit(0), 50);
        return { closed: true };
      default:
        throw new Error(`Unknown method ${String(method).slice(0, 64)}`);
    }
  });
  void service.start();
  return { service };
}

// Started as a utility process: wait for the init message from main, then serve.
if ((process as unknown as { parentPort?: unknown }).parentPort) {
  const port = parentPortLike();
  const off = port.onMessage((m) => {
    const msg = m as { kind?: string; init?: LibraryProcessInit };
    if (msg?.kind !== 'init' || !msg.init) return;
    off();
    startLibraryProcess(port, msg.init);
    port.postMessage({ kind: 'ready' });
  });
  process.on('uncaughtException', (err) => log(`uncaught: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`));
}
