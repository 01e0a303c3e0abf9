// `soutu serve`: opens a library, serves the UI and API over HTTP until interrupted, and runs index requests
// in this same process. The CLI calls runServe(); tests and the e2e runner use startServe() in-process.
import os from 'node:os';
import path from 'node:path';
import { downloadModel } from '../main/core/embed/model-download.js';
import { defaultModelsDir, resolveModel } from '../main/core/embed/model-store.js';
import { Library, readLibraryMetaFile, type LibraryOptions } from '../main/core/library/library.js';
import { createServer, DEFAULT_PORT, type SoutuServer } from './http-server.js';
import { isLoopbackHost } from './security.js';
import { SettingsStore } from './settings-store.js';

export interface ServeOptions {
  library: string;
  host?: string;
  port?: number;
  /** Model id or folder; defaults to the library's model. */
  model?: string;
  modelsDir?: string;
  device?: 'auto' | 'cpu' | 'gpu';
  threads?: number;
  hubHost?: string;
  /** Access token; generated when the host is not loopback. */
  token?: string;
  staticDir?: string;
  allowedHosts?: string[];
  /** Let the duplicates view move photos to this machine's trash (--allow-trash). */
  allowTrash?: boolean;
  /** Watch the library's folders and index changes as they happen (the CLI turns this on; tests leave it off). */
  watch?: boolean;
  /** Download a missing catalog model before serving (default true). */
  allowDownload?: boolean;
  /** Where the banner and progress go (default stderr for progress, stdout for the banner). */
  out?: (line: string) => void;
  log?: (line: string) => void;
}

export interface RunningServe {
  server: SoutuServer;
  lib: Library;
  stop(): Promise<void>;
}

/** The model a new library gets when none is named (the same default as Library.open). */
const DEFAULT_MODEL = 'Xenova/clip-vit-base-patch32';

function lanAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out;
}

/**
 * Fetches the library's model before opening it when it is a catalog model not downloaded yet, printing
 * progress (Library.open would download it too, but silently, before anyone can subscribe to its events).
 */
async function downloadIfMissing(libDir: string, o: LibraryOptions, log: (line: string) => void): Promise<void> {
  const meta = await readLibraryMetaFile(libDir).catch(() => null);
  const spec = o.model ?? meta?.model?.source ?? meta?.model?.id ?? o.defaultModel ?? DEFAULT_MODEL;
  const modelsDir = o.modelsDir ?? defaultModelsDir();
  const r = await resolveModel(spec, modelsDir).catch(() => null);
  if (!r || r.ready || !r.catalog) return;
  log(`Downloading the model ${r.id} (about ${Math.round(r.catalog.approxBytes / 1e6)} MB; it is kept for next time)…`);
  let shown = -1;
  await downloadModel(r.catalog, r.source, {
    host: o.hubHost,
    onProgress: (p) => {
      const pct = Math.floor(p.percent ?? 0);
      if (pct >= shown + 10 || (pct === 100 && shown !== 100)) {
        shown = pct;
        log(`  ${p.file}: ${pct}%`);
      }
    },
  });
}

/** Opens the library and starts serving; resolves once the server listens. */
export async function startServe(opts: ServeOptions): Promise<RunningServe> {
  const print = opts.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const libDir = path.resolve(opts.library);
  // Device and threads chosen in the UI apply at the next start, unless the command line says otherwise.
  const saved = await new SettingsStore(libDir).get();
  const libOpts: LibraryOptions = {
    model: opts.model,
    modelsDir: opts.modelsDir,
    device: opts.device ?? saved.device,
    threads: opts.threads ?? saved.threads,
    hubHost: opts.hubHost ?? saved.hubHost ?? process.env.SOUTU_HUB_HOST,
    allowDownload: opts.allowDownload ?? true,
  };
  if (libOpts.allowDownload) await downloadIfMissing(libDir, libOpts, opts.log ?? ((l) => process.stderr.write(l + '\n')));
  const lib = await Library.open(libDir, { ...libOpts, onWarning: (m) => (opts.log ?? ((l) => process.stderr.write(l + '\n')))(`soutu: ${m}`) });
  lib.warmUp().catch(() => {}); // a failure here meets the first query again, which reports it
  if (opts.watch) lib.watch().catch((err) => (opts.log ?? ((l) => process.stderr.write(l + '\n')))(`soutu: folder watching is off: ${(err as Error).message}`));
  let server: SoutuServer;
  try {
    server = await createServer(lib, {
      host: opts.host,
      port: opts.port ?? DEFAULT_PORT,
      token: opts.token,
      staticDir: opts.staticDir,
      modelsDir: opts.modelsDir,
      allowedHosts: opts.allowedHosts,
      allowTrash: opts.allowTrash,
      log: opts.log,
    });
  } catch (err) {
    await lib.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`Port ${opts.port ?? DEFAULT_PORT} is in use; choose another with --port.`);
    if (code === 'EADDRNOTAVAIL') throw new Error(`${opts.host} is not an address of this machine.`);
    throw err;
  }

  const lines = [`Soutu is serving the library ${libDir}`, `  Open ${server.openUrl}`];
  if (server.host === '0.0.0.0' || server.host === '::') {
    for (const ip of lanAddresses()) lines.push(`    or http://${ip}:${server.port}/${server.token ? `?token=${server.token}` : ''}`);
  }
  if (server.token) lines.push(`  Access token: ${server.token}`, '  (anyone with this token can search and view the photos: share it only with people you trust)');
  else if (!isLoopbackHost(server.host)) lines.push('  Warning: no access token.');
  lines.push('Press Ctrl+C to stop.');
  print(lines.join('\n'));

  let stopped: Promise<void> | null = null;
  return {
    server,
    lib,
    stop() {
      stopped ??= (async () => {
        await server.close();
        await lib.close();
      })();
      return stopped;
    },
  };
}

/** Serves until SIGINT/SIGTERM, then cancels any index run, closes the library and resolves. */
export async function runServe(opts: ServeOptions): Promise<void> {
  const running = await startServe(opts);
  await new Promise<void>((resolve) => {
    let count = 0;
    const onSignal = () => {
      if (++count > 1) process.exit(130);
      process.stderr.write('\nsoutu: stopping…\n');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await running.stop();
}
