// `soutu serve`: opens a library, serves the UI and API over HTTP until interrupted, and runs index requests
// in this same process. The CLI calls runServe(); tests and the e2e runner use startServe() in-process.
// Stopping is bounded: a file that never answers (a stalled network share) cannot keep the process alive.
import os from 'node:os';
import path from 'node:path';
import { ModelService, SoutuError, type DownloadProgress, type Library } from '../main/core/index.js';
import { openLibrary } from '../main/service/open-library.js';
import { SettingsStore } from '../main/service/settings-store.js';
import { createServer, DEFAULT_PORT, type SoutuServer } from './http-server.js';

export interface ServeOptions {
  library: string;
  host?: string;
  port?: number;
  /** Model id or folder; defaults to the library's model. */
  model?: string;
  modelsDir?: string;
  device?: 'auto' | 'cpu' | 'gpu';
  threads?: number;
  /** The --hub-host flag; otherwise the library's setting, then SOUTU_HUB_HOST (ModelService decides). */
  hubHost?: string;
  /** Access token; a random one per start when absent. `false` (--no-token) is refused off loopback. */
  token?: string | false;
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

function lanAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out;
}

/** SoutuError takes no options (yet): the cause is attached afterwards. */
function withCause<E extends Error>(e: E, cause: unknown): E {
  e.cause = cause;
  return e;
}

/** Prints a missing model's download as it goes: a line to start, then every 10 %. */
function downloadPrinter(models: ModelService, log: (line: string) => void): (p: DownloadProgress) => void {
  let started = false;
  let shown = -1;
  return (p) => {
    if (!started) {
      started = true;
      const mb = Math.round((models.findInCatalog(p.model)?.approxBytes ?? 0) / 1e6);
      log(`Downloading the model ${p.model} (about ${mb} MB; it is kept for next time)…`);
    }
    if (p.percent === null) return;
    const pct = Math.floor(p.percent);
    if (pct >= shown + 10 || (pct === 100 && shown !== 100)) {
      shown = pct;
      log(`  ${p.file}: ${pct}%`);
    }
  };
}

/** Opens the library and starts serving; resolves once the server listens. */
export async function startServe(opts: ServeOptions): Promise<RunningServe> {
  const print = opts.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const libDir = path.resolve(opts.library);
  const models = new ModelService({ modelsDir: opts.modelsDir, hubHost: opts.hubHost });
  // Device and threads chosen in the UI apply at the next start, unless the command line says otherwise.
  const saved = await new SettingsStore(libDir).get();
  const lib: Library = await openLibrary({
    libraryDir: libDir,
    models,
    settings: saved,
    model: opts.model,
    defaultModel: models.defaultModelId,
    device: opts.device,
    threads: opts.threads,
    allowDownload: opts.allowDownload ?? true,
    onDownload: downloadPrinter(models, log),
    onWarning: (m) => log(`soutu: ${m}`),
  });
  lib.warmUp().catch(() => {}); // a failure here meets the first query again, which reports it
  if (opts.watch) lib.watch().catch((err: unknown) => log(`soutu: folder watching is off: ${(err as Error).message}`));
  let server: SoutuServer;
  try {
    server = await createServer(lib, {
      host: opts.host,
      port: opts.port ?? DEFAULT_PORT,
      token: opts.token,
      staticDir: opts.staticDir,
      models,
      allowedHosts: opts.allowedHosts,
      allowTrash: opts.allowTrash,
      log: opts.log,
    });
  } catch (err) {
    await lib.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw withCause(new SoutuError('busy', `Port ${opts.port ?? DEFAULT_PORT} is in use; choose another with --port.`), err);
    if (code === 'EADDRNOTAVAIL') throw withCause(new SoutuError('bad-request', `${opts.host} is not an address of this machine.`), err);
    throw err;
  }

  const lines = [`Soutu is serving the library ${libDir}`, `  Open ${server.openUrl}`];
  if (server.host === '0.0.0.0' || server.host === '::') {
    for (const ip of lanAddresses()) lines.push(`    or http://${ip}:${server.port}/${server.token ? `?token=${server.token}` : ''}`);
  }
  if (server.token) lines.push(`  Access token: ${server.token}`, '  (anyone with this token can search and view the photos: share it only with people you trust)');
  lines.push('Press Ctrl+C to stop.');
  print(lines.join('\n'));
  if (!server.token) {
    log(`soutu: warning: serving without an access token. Every user and every program on this machine can open ${server.url} and see the photos.`);
  }

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

/** How long stopping may take before the process exits without waiting (committed work is already on disk). */
export const STOP_BOUND_MS = 8000;

/**
 * Ends the process. A read that a stalled disk or share never finishes holds a libuv thread, and process.exit()
 * waits for those threads (it would hang too): when file requests are still pending after a moment, the process
 * ends by the signal it was sent instead, which the system carries out without waiting for anything.
 */
async function exitProcess(code: number, signal: NodeJS.Signals): Promise<never> {
  const pendingFiles = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('FSReq')).length;
  for (let i = 0; i < 10 && pendingFiles() > 0; i++) await new Promise((r) => setTimeout(r, 100));
  if (pendingFiles() > 0) {
    process.stderr.write('soutu: a file is not answering (a stalled disk or network share); exiting without waiting for it.\n');
    killSelf(signal);
  }
  process.exit(code);
}

function killSelf(signal: NodeJS.Signals): never {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  // The default action of SIGINT/SIGTERM ends the process; should it be delayed, nothing else runs meanwhile.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
}

/**
 * Serves until SIGINT/SIGTERM, then stops (cancels any index run, keeping what it committed, and closes the
 * library) within STOP_BOUND_MS, and ends the process. A second signal ends it at once.
 */
export async function runServe(opts: ServeOptions): Promise<never> {
  // The handlers come first: from the banner on, a signal is a stop that closes the library.
  let started = false;
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    let first: NodeJS.Signals | null = null;
    const onSignal = (sig: NodeJS.Signals) => {
      // Before serve has started (a model downloading, the library opening) there is nothing to finish: what the
      // library committed is on disk, and a lock left behind is taken over as stale.
      if (first || !started) killSelf(sig);
      first = sig;
      process.stderr.write('\nsoutu: stopping… (again to stop at once)\n');
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const running = await startServe(opts);
  started = true;
  const signal = await signalled;
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    running.stop().then(
      () => true,
      (err: unknown) => {
        process.stderr.write(`soutu: stopping failed: ${(err as Error).message}\n`);
        return false;
      },
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_BOUND_MS))),
  ]);
  clearTimeout(timer);
  if (!stopped) process.stderr.write('soutu: stopping takes too long (a file or disk is not answering); exiting without waiting.\n');
  return exitProcess(stopped ? 0 : 1, signal);
}
