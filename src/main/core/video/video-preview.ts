// Playable previews for videos the app's browser engine cannot play (HEVC where the platform has no decoder, AVI,
// Matroska, MPEG-4 part 2, odd audio): a short H.264/AAC MP4 made on demand into a cache folder that is bounded in
// bytes and files (least recently used go first); concurrent requests for the same preview share one transcode.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { ffmpegBinaries, FfmpegUnavailableError, type FfmpegBinaries } from './ffmpeg-binaries.js';
import { abortError, runMedia } from './media-process.js';
import { memoryFailure, timeoutFailure, videoFailure, videoFileSystemFailure, type VideoResult } from './video-errors.js';
import type { VideoProbe } from './video-probe.js';

/** What the app's Chromium can decode beyond the baseline; the renderer finds out with MediaSource.isTypeSupported. */
export interface PlaybackSupport {
  /** HEVC: Chromium uses the platform decoder (macOS, Windows with the HEVC extension or hardware); default false. */
  hevc?: boolean;
  /** AV1 through dav1d; default true (every Chromium the app ships with has it). */
  av1?: boolean;
  /** Matroska files (Chromium plays many, but does not promise to); default false. */
  matroska?: boolean;
}

const ISO_BMFF = new Set(['mp4', 'mov', 'm4v', '3gp']);
const AUDIO_OK = new Set(['aac', 'mp3', 'opus', 'vorbis', 'flac']);
// Chromium's software H.264 decoder takes 8-bit 4:2:0 only (not High 10 or 4:2:2/4:4:4 profiles).
const H264_PIX = new Set(['yuv420p', 'yuvj420p']);

/** True when the app's browser engine can play the file as it is; false means: ask for a preview. */
export function browserPlayable(p: VideoProbe, support: PlaybackSupport = {}): boolean {
  const container = p.sniffed;
  const video = p.codec;
  if (container === 'avi' || container === null) return false;
  if (container === 'mkv' && !support.matroska) return false;
  const matroska = container === 'webm' || container === 'mkv';
  let videoOk = false;
  // WebM allows VP8, VP9 and AV1 only; Chromium's MP4 reader takes H.264, VP9, AV1 and (with a decoder) HEVC.
  if (video === 'h264') videoOk = (ISO_BMFF.has(container) || container === 'mkv') && H264_PIX.has(p.pixelFormat ?? 'yuv420p');
  else if (video === 'vp8') videoOk = matroska;
  else if (video === 'vp9') videoOk = true;
  else if (video === 'av1') videoOk = support.av1 ?? true;
  else if (video === 'hevc') videoOk = (support.hevc ?? false) && (ISO_BMFF.has(container) || container === 'mkv');
  if (!videoOk) return false;
  return !p.hasAudio || (p.audioCodec !== null && AUDIO_OK.has(p.audioCodec));
}

export interface PreviewOptions {
  cacheDir: string;
  /** Where the preview starts in the video, seconds; default 0. */
  startS?: number;
  /** Longest preview, seconds; default 300. */
  maxDurationS?: number;
  /** Short edge of the picture at most; default 720. */
  maxShortEdge?: number;
  /** Hard size of one preview file (ffmpeg -fs); default 256 MB. */
  maxFileBytes?: number;
  /** Cache bounds; defaults 2 GB and 64 files. */
  maxCacheBytes?: number;
  maxCacheFiles?: number;
  /** Default 60 s + 4 s per second of preview. */
  timeoutMs?: number;
  memoryBytes?: number;
  signal?: AbortSignal;
  runDir?: string;
  binaries?: FfmpegBinaries;
}

export interface Preview {
  path: string;
  mime: 'video/mp4';
  /** Where in the original the preview starts: a moment at time t is at t - startS in the preview. */
  startS: number;
  durationS: number;
  /** Served from the cache without transcoding. */
  cached: boolean;
}

interface Job {
  result: Promise<VideoResult<Preview>>;
  /** Stops the transcode once every caller waiting for it has given up. */
  controller: AbortController;
  waiters: number;
}

const inflight = new Map<string, Job>();

function evenSize(w: number, h: number, maxShort: number): { width: number; height: number } {
  const s = Math.min(1, maxShort / Math.min(w, h));
  const even = (x: number) => Math.max(2, 2 * Math.round((x * s) / 2));
  return { width: even(w), height: even(h) };
}

/**
 * The preview's file, made if needed. Requests for the same file, window and size share one transcode; a caller's
 * abort ends its own wait, and the transcode stops when no caller waits for it any more.
 */
export async function previewFor(file: string, probe: VideoProbe, opts: PreviewOptions): Promise<VideoResult<Preview>> {
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    return { ok: false, error: videoFileSystemFailure(e) };
  }
  const startS = Math.max(0, Math.min(opts.startS ?? 0, Math.max(0, probe.durationS - 0.5)));
  const durationS = Math.min(opts.maxDurationS ?? 300, probe.durationS - startS);
  const size = evenSize(probe.width, probe.height, opts.maxShortEdge ?? 720);
  const key = createHash('sha1')
    .update(JSON.stringify([path.resolve(file), st.size, st.mtimeMs, startS.toFixed(3), durationS.toFixed(3), size.width, size.height]))
    .digest('hex');
  const out = path.join(opts.cacheDir, `${key}.mp4`);
  const hit = await stat(out).catch(() => null);
  if (hit?.isFile() && hit.size > 0) {
    const now = new Date();
    // The modification time is the cache's recency: touching it on use makes eviction least-recently-used.
    await utimes(out, now, now).catch(() => undefined);
    return { ok: true, value: { path: out, mime: 'video/mp4', startS, durationS, cached: true } };
  }
  let job = inflight.get(key);
  // A job whose last waiter just gave up is stopping: start afresh rather than wait for its abort.
  if (!job || job.controller.signal.aborted) {
    const controller = new AbortController();
    const j: Job = { controller, waiters: 0, result: Promise.resolve(null as unknown as VideoResult<Preview>) };
    j.result = transcode(file, probe, out, startS, durationS, size, { ...opts, signal: controller.signal }).finally(() => inflight.delete(key));
    // Rejections reach the callers through `wait`; this keeps an abandoned job from being an unhandled rejection.
    j.result.catch(() => undefined);
    inflight.set(key, j);
    job = j;
  }
  return wait(job, opts.signal);
}

function wait(job: Job, signal: AbortSignal | undefined): Promise<VideoResult<Preview>> {
  if (signal?.aborted) throw abortError(signal);
  job.waiters++;
  return new Promise<VideoResult<Preview>>((resolve, reject) => {
    let gone = false;
    const leave = () => {
      if (gone) return;
      gone = true;
      signal?.removeEventListener('abort', onAbort);
      if (--job.waiters === 0) job.controller.abort();
    };
    const onAbort = () => {
      leave();
      reject(abortError(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    job.result.then(
      (v) => {
        if (gone) return;
        gone = true;
        job.waiters--;
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        if (gone) return;
        gone = true;
        job.waiters--;
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

async function transcode(
  file: string, probe: VideoProbe, out: string, startS: number, durationS: number,
  size: { width: number; height: number }, opts: PreviewOptions,
): Promise<VideoResult<Preview>> {
  let bins: FfmpegBinaries;
  try {
    bins = opts.binaries ?? ffmpegBinaries();
  } catch (e) {
    return { ok: false, error: videoFailure('unavailable', e instanceof FfmpegUnavailableError ? e.message : 'The bundled ffmpeg could not be found.', e) };
  }
  await mkdir(opts.cacheDir, { recursive: true });
  const tmp = path.join(opts.cacheDir, `${path.basename(out, '.mp4')}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  const timeoutMs = opts.timeoutMs ?? 60_000 + 4000 * durationS;
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error',
    ...(startS > 0 ? ['-ss', startS.toFixed(3)] : []), '-t', durationS.toFixed(3), '-i', `file:${path.resolve(file)}`,
    '-map', `0:${probe.streamIndex}`, ...(probe.hasAudio ? ['-map', '0:a:0?'] : []), '-sn', '-dn',
    // Autorotate turns the picture upright before the scale, so the preview plays upright without metadata.
    '-vf', `scale=${size.width}:${size.height}:flags=bicubic,format=yuv420p,setsar=1`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '26', '-maxrate', '4M', '-bufsize', '8M', '-profile:v', 'high',
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2',
    '-movflags', '+faststart', '-fs', String(opts.maxFileBytes ?? 256 * 2 ** 20), '-f', 'mp4', tmp,
  ];
  let r;
  try {
    r = await runMedia(bins.ffmpeg, args, { timeoutMs, memoryBytes: opts.memoryBytes, signal: opts.signal, runDir: opts.runDir });
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  if (r.code !== 0 || r.killedFor) {
    await rm(tmp, { force: true });
    if (r.spawnError) return { ok: false, error: videoFailure('unavailable', 'The bundled ffmpeg could not be started.', r.spawnError) };
    if (r.killedFor === 'timeout') return { ok: false, error: timeoutFailure('making a playable preview', timeoutMs, r.stderr) };
    if (r.killedFor === 'memory') return { ok: false, error: memoryFailure('making a playable preview', opts.memoryBytes ?? 0, r.stderr) };
    return { ok: false, error: videoFailure('corrupt', 'A playable preview could not be made from this video.', r.stderr) };
  }
  await rename(tmp, out);
  await evict(opts.cacheDir, out, opts.maxCacheBytes ?? 2 * 2 ** 30, opts.maxCacheFiles ?? 64);
  return { ok: true, value: { path: out, mime: 'video/mp4', startS, durationS, cached: false } };
}

/** Removes least recently used previews until the cache fits; never `keep` (just made) or a file being written. */
export async function evict(dir: string, keep: string, maxBytes: number, maxFiles: number): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{40}\.mp4$/.test(n));
  const files = (
    await Promise.all(names.map(async (n) => {
      const p = path.join(dir, n);
      const s = await stat(p).catch(() => null);
      return s ? { p, size: s.size, used: s.mtimeMs } : null;
    }))
  ).filter((x): x is { p: string; size: number; used: number } => x !== null);
  files.sort((a, b) => a.used - b.used);
  let bytes = files.reduce((a, f) => a + f.size, 0);
  let count = files.length;
  const removed: string[] = [];
  for (const f of files) {
    if (bytes <= maxBytes && count <= maxFiles) break;
    if (f.p === path.resolve(keep) || f.p === keep) continue;
    await rm(f.p, { force: true });
    bytes -= f.size;
    count--;
    removed.push(f.p);
  }
  return removed;
}
