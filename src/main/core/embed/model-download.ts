// Fetches a catalog model from the hub (or a mirror) into the user's models folder: the files of one precision plan,
// resumable (HTTP Range), retried with backoff, verified (size, and sha256 / git-blob sha1 from the hub's headers)
// before use; then the towers the plan runs are prepared (split out of a combined graph, fp16 widened to fp32).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { precisionPlan, type CatalogModel, type DeviceKind, type PrecisionPlan, type PrecisionSetting } from './model-catalog.js';
import { chooseTowerFile, materializeTowerFile, towerFilePath } from './tower-files.js';

export const DEFAULT_HUB_HOST = 'https://huggingface.co';
export const MODEL_MANIFEST = 'soutu-model.json';

export interface DownloadProgress {
  model: string;
  /** 'download' while bytes arrive; 'prepare' while a tower is split or widened after the download (no byte counts). */
  phase?: 'download' | 'prepare';
  file: string;
  fileIndex: number;
  fileCount: number;
  bytes: number;
  total: number | null;
  percent: number | null;
}

export interface DownloadOptions {
  host?: string;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  retries?: number;
  /** Milliseconds before the first retry; doubles each time. */
  backoffMs?: number;
  fetchImpl?: typeof fetch;
  /** The files to fetch: default the quality plan for the CPU (precisionPlan(model)). */
  plan?: PrecisionPlan;
}

export class ModelDownloadError extends Error {
  constructor(
    message: string,
    readonly kind: 'network' | 'http' | 'verify' | 'aborted',
  ) {
    super(message);
    this.name = 'ModelDownloadError';
  }
}

interface RemoteInfo {
  size: number | null;
  sha256: string | null;
  gitSha1: string | null;
}

export interface ModelManifest {
  id: string;
  host: string;
  completedAt: number;
  /** Every verified file in the folder (earlier downloads of other precisions included). */
  files: Record<string, { size: number; sha256?: string; gitSha1?: string }>;
  /** The plan of the last download; absent in folders written before precisions were chosen (those are q8). */
  plan?: { setting: PrecisionSetting; device: DeviceKind };
  /** Files made locally from the downloaded ones (split towers, widened fp16). */
  derived?: string[];
}

function fileUrl(host: string, id: string, file: string): string {
  const base = host.replace(/\/+$/, '');
  return `${base}/${id.split('/').map(encodeURIComponent).join('/')}/resolve/main/${file.split('/').map(encodeURIComponent).join('/')}`;
}

function cleanEtag(v: string | null): string | null {
  if (!v) return null;
  return v.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
}

async function hashFile(file: string, kind: 'sha256' | 'git'): Promise<string> {
  const h = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git') h.update(`blob ${(await stat(file)).size}\0`);
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Asks the hub what a file should be (size and hash), without following the CDN redirect. */
async function remoteInfo(f: typeof fetch, url: string, signal?: AbortSignal): Promise<RemoteInfo> {
  const res = await f(url, { method: 'HEAD', redirect: 'manual', signal });
  if (res.status >= 400) throw new ModelDownloadError(`${hostOf(url)} answered ${res.status} for ${url}`, 'http');
  const linkedSize = res.headers.get('x-linked-size');
  const len = res.headers.get('content-length');
  const linkedEtag = cleanEtag(res.headers.get('x-linked-etag'));
  const etag = cleanEtag(res.headers.get('etag'));
  const redirected = res.status >= 300 && res.status < 400;
  return {
    size: linkedSize ? Number(linkedSize) : !redirected && len ? Number(len) : null,
    sha256: linkedEtag && /^[0-9a-f]{64}$/.test(linkedEtag) ? linkedEtag : null,
    gitSha1: !linkedEtag && etag && /^[0-9a-f]{40}$/.test(etag) ? etag : null,
  };
}

async function fetchToFile(
  f: typeof fetch,
  url: string,
  part: string,
  onBytes: (bytes: number, total: number | null) => void,
  signal?: AbortSignal,
): Promise<void> {
  const have = existsSync(part) ? (await stat(part)).size : 0;
  const res = await f(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, redirect: 'follow', signal });
  if (res.status === 416) return; // already complete
  if (!res.ok || !res.body) throw new ModelDownloadError(`${hostOf(url)} answered ${res.status} for ${url}`, 'http');
  const append = res.status === 206 && have > 0;
  const len = Number(res.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(len) ? len + (append ? have : 0) : null;
  const fh = await open(part, append ? 'a' : 'w');
  let bytes = append ? have : 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      await fh.write(chunk);
      bytes += chunk.byteLength;
      onBytes(bytes, total);
    }
  } finally {
    await fh.close();
  }
}

async function previousManifest(dest: string, id: string): Promise<ModelManifest | null> {
  try {
    const m = JSON.parse(await readFile(path.join(dest, MODEL_MANIFEST), 'utf8')) as ModelManifest;
    return m.id === id ? m : null;
  } catch {
    return null;
  }
}

/**
 * Downloads the files of a precision plan of `model` into `dest` and prepares the towers it runs, returning the
 * folder. Files already verified are kept, as are other precisions downloaded before.
 */
export async function downloadModel(model: CatalogModel, dest: string, opts: DownloadOptions = {}): Promise<string> {
  const f = opts.fetchImpl ?? fetch;
  const host = opts.host || DEFAULT_HUB_HOST;
  const retries = opts.retries ?? 3;
  const plan = opts.plan ?? precisionPlan(model);
  const before = await previousManifest(dest, model.id);
  const manifest: ModelManifest = { id: model.id, host, completedAt: 0, files: { ...before?.files } };
  await mkdir(dest, { recursive: true });
  const files = plan.files;

  for (const [index, file] of files.entries()) {
    const url = fileUrl(host, model.id, file);
    const target = path.join(dest, file);
    const part = `${target}.part`;
    await mkdir(path.dirname(target), { recursive: true });
    let lastError: unknown = null;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (opts.signal?.aborted) throw new ModelDownloadError('The download was cancelled.', 'aborted');
      try {
        const info = await remoteInfo(f, url, opts.signal);
        if (existsSync(target) && info.size !== null && (await stat(target)).size === info.size) {
          // Finished earlier: verify again rather than trust it.
          await verify(target, info, file);
        } else {
          await fetchToFile(f, url, part, (bytes, total) => {
            const t = info.size ?? total;
            opts.onProgress?.({ model: model.id, phase: 'download', file, fileIndex: index, fileCount: files.length, bytes, total: t, percent: t ? Math.min(100, (bytes / t) * 100) : null });
          }, opts.signal);
          try {
            await verify(part, info, file);
          } catch (err) {
            await rm(part, { force: true }); // a corrupt partial file must not be resumed
            throw err;
          }
          await rename(part, target);
        }
        const size = (await stat(target)).size;
        manifest.files[file] = { size, ...(info.sha256 ? { sha256: info.sha256 } : {}), ...(info.gitSha1 ? { gitSha1: info.gitSha1 } : {}) };
        lastError = null;
        break;
      } catch (err) {
        lastError = err;
        if (opts.signal?.aborted) throw new ModelDownloadError('The download was cancelled.', 'aborted');
        if (err instanceof ModelDownloadError && err.kind === 'http' && /answered 4\d\d/.test(err.message)) break;
        if (attempt < retries) await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 500) * 2 ** attempt));
      }
    }
    if (lastError) throw explain(lastError, host, model.id);
  }
  // The first query and the first indexed photo should not wait for a split or a widening: do them now.
  const derived = new Set(before?.derived ?? []);
  for (const tower of ['text', 'vision'] as const) {
    const choice = chooseTowerFile(dest, model.layout, tower, plan[tower].compute);
    if (!choice || (!choice.derive.split && !choice.derive.widen)) continue;
    const file = towerFilePath(choice);
    opts.onProgress?.({ model: model.id, phase: 'prepare', file, fileIndex: files.length - 1, fileCount: files.length, bytes: 0, total: null, percent: null });
    await materializeTowerFile(dest, choice, dest);
    derived.add(file);
  }
  manifest.plan = { setting: plan.setting, device: plan.device };
  manifest.derived = [...derived];
  manifest.completedAt = Date.now();
  await writeFile(path.join(dest, MODEL_MANIFEST), JSON.stringify(manifest, null, 2));
  return dest;
}

async function verify(file: string, info: RemoteInfo, name: string): Promise<void> {
  const size = (await stat(file)).size;
  if (info.size !== null && size !== info.size) {
    throw new ModelDownloadError(`${name}: got ${size} bytes, expected ${info.size}.`, 'verify');
  }
  if (info.sha256) {
    const got = await hashFile(file, 'sha256');
    if (got !== info.sha256) throw new ModelDownloadError(`${name}: sha256 ${got} does not match ${info.sha256}.`, 'verify');
  } else if (info.gitSha1) {
    const got = await hashFile(file, 'git');
    if (got !== info.gitSha1) throw new ModelDownloadError(`${name}: checksum ${got} does not match ${info.gitSha1}.`, 'verify');
  }
}

/** One sentence a person can act on, never a stack trace. */
function explain(err: unknown, host: string, id: string): ModelDownloadError {
  if (err instanceof ModelDownloadError && err.kind !== 'network') {
    if (err.kind === 'verify') return new ModelDownloadError(`The download of ${id} from ${hostOf(host)} was damaged (${err.message}) even after retrying; try again or use another mirror with --hub-host.`, 'verify');
    return new ModelDownloadError(`Could not download ${id} from ${hostOf(host)}: ${err.message}. Set a mirror with --hub-host <url> (or SOUTU_HUB_HOST, e.g. https://hf-mirror.com), or copy the model folder in with "soutu models import <folder>".`, err.kind);
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const why = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return new ModelDownloadError(
    `Could not reach ${hostOf(host)} to download ${id} (${why}). Set a mirror with --hub-host <url> (or SOUTU_HUB_HOST, e.g. https://hf-mirror.com), or download the model folder on another machine and run "soutu models import <folder>".`,
    'network',
  );
}
