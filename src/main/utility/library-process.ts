// Entry of the library process (an Electron utilityProcess): owns the Library (LanceDB, ONNX sessions, sharp) so
// indexing and embedding never run on the main thread. It answers the contract through the same ContractService
// as `soutu serve`, plus the few internal questions main asks for protocols and drag-out (library-rpc.ts); main
// talks to it over process.parentPort with the rpc protocol. Node only: nothing here imports electron.
import { isCallName } from '../../shared/api.js';
import { ModelService, readLibraryMetaFile } from '../core/index.js';
import { ContractService, type MediaLocation } from '../service/contract-service.js';
import { displayJpeg } from '../service/display-image.js';
import { LIBRARY_METHODS, TRASH_METHOD, type LibraryProcessInit, type TrashRequest } from '../service/library-rpc.js';
import { openLibrary } from '../service/open-library.js';
import { guardPath, resolveInsideRoots } from '../service/path-guard.js';
import { createRpcClient, serveRpc, type PortLike } from '../service/rpc.js';
import { SettingsStore } from '../service/settings-store.js';

export type { LibraryProcessInit };

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

/** A small PNG of a thumbnail for the drag image (sharp lives in this process, not in main). */
async function dragIcon(thumbnailFile: string, thumbs: string): Promise<Uint8Array | null> {
  const real = await resolveInsideRoots(thumbnailFile, [thumbs]);
  if (!real) return null;
  const { default: sharp } = await import('sharp');
  return new Uint8Array(await sharp(real).resize(128, 128, { fit: 'inside' }).png().toBuffer());
}

export interface LibraryProcessOptions {
  /** The process's model service (default: one over init.modelsDir, reading the environment once). */
  models?: ModelService;
  /** Ends the process after internal:close has answered (tests pass a stand-in). */
  exit?: () => void;
}

export function serveLibraryProcess(port: PortLike, init: LibraryProcessInit, o: LibraryProcessOptions = {}): { service: ContractService } {
  const models = o.models ?? new ModelService({ modelsDir: init.modelsDir });
  const exit = o.exit ?? (() => process.exit(0));
  const settings = new SettingsStore(init.libraryDir);
  let server: ReturnType<typeof serveRpc> | null = null;
  const emit = (event: string, payload: unknown) => server?.emit(event, payload);
  // The same port carries this process's few requests of main (requests and answers each go one way).
  const main = createRpcClient(port);

  const service: ContractService = new ContractService({
    libraryDir: init.libraryDir,
    settings,
    models,
    systemLanguage: init.systemLanguage,
    log,
    emit,
    readMeta: () => readLibraryMetaFile(init.libraryDir),
    async openLibrary(req) {
      const s = await settings.get();
      const lib = await openLibrary({
        libraryDir: init.libraryDir,
        models,
        settings: s,
        model: req.model,
        precision: req.precision,
        defaultModel: models.defaultFor(s.language ?? init.systemLanguage),
        allowDownload: req.allowDownload,
        onWarning: (m) => emit('app:warning', { message: m }),
      });
      lib.warmUp().catch(() => {}); // a failure here meets the first query again, which reports it
      // Added, changed, renamed and deleted photos are picked up within seconds while the app runs.
      lib.watch().catch((err: unknown) => log(`folder watching is off: ${(err as Error).message}`));
      return lib;
    },
    async trash(file, allowed) {
      // Main moves it (shell.trashItem), after its own path-guard check; a minute covers a slow network drive.
      await main.request(TRASH_METHOD, { file, allowed } satisfies TrashRequest, { timeoutMs: 60_000 });
    },
  });

  const locate = (args: unknown): MediaLocation | null => {
    const { id, kind } = (args ?? {}) as { id?: unknown; kind?: unknown };
    return service.locate(id, kind);
  };

  server = serveRpc(port, async (method, args) => {
    if (isCallName(method)) return service.call(method, args);
    switch (method) {
      case LIBRARY_METHODS.locate: {
        // Every media kind: a moment by its index, a preview made first (the media protocol's own request).
        const { id, kind, index, start } = (args ?? {}) as { id?: unknown; kind?: unknown; index?: unknown; start?: unknown };
        return service.locate(id, kind, { index: typeof index === 'number' ? index : undefined, start: typeof start === 'number' ? start : undefined });
      }
      case LIBRARY_METHODS.dragItem: {
        const id = (args as { id?: unknown } | null)?.id;
        const full = locate({ id, kind: 'full' });
        if (!full) return null;
        const thumb = locate({ id, kind: 'thumb' });
        const icon = thumb ? await dragIcon(thumb.file, thumb.allowed[0]).catch(() => null) : null;
        return { ...full, icon };
      }
      case LIBRARY_METHODS.displayJpeg: {
        const full = locate({ id: (args as { id?: unknown } | null)?.id, kind: 'full' });
        if (!full) return null;
        const real = await guardPath(full.file, full.allowed);
        return real.ok ? displayJpeg(real.path) : null;
      }
      case LIBRARY_METHODS.ping:
        return { pid: process.pid, open: service.isOpen };
      case LIBRARY_METHODS.close:
        await service.close();
        setTimeout(exit, 50);
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
    serveLibraryProcess(port, msg.init);
    port.postMessage({ kind: 'ready' });
  });
  process.on('uncaughtException', (err) => log(`uncaught: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`));
}
