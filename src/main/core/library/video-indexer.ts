// The video stage of an index run: each video is probed, its moments sampled (scene changes and every few
// seconds, from keyframes) and embedded through the same tensor path as photos, then committed in the
// crash-safe order: frame vectors, frame rows and thumbnails, and the video's own row last (its commit marker).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Embedder } from '../embed/embedder.js';
import { quickHash, thumbRelPath, type WorkItem } from '../index/index-pipeline.js';
import type { FrameRecord, ModelVectors, PhotoRecord, VectorStore } from '../store/vector-store.js';
import { probeVideo, sampleVideo, type SampledFrame, type VideoFailure, type VideoPoster } from '../video/index.js';
import { frameId } from './frame-catalog.js';

/** Frames embedded per inference batch (as photos). */
const BATCH = 8;

export interface VideoIndexDeps {
  dir: string;
  store: VectorStore;
  vectors: ModelVectors;
  embedder: Embedder;
  /** Where ffmpeg's pid files go (reaped at the next start after a crash). */
  runDir: string;
  threads?: number;
  /** Frames of a video the library had before (a changed file): dropped with their vectors. */
  framesOf(videoId: string): readonly FrameRecord[];
  /** A video is durable: into the catalogs and the index. */
  onCommit(row: PhotoRecord, frames: FrameRecord[], vectors: Map<string, Float32Array>): void;
  /** Old frames of a re-indexed video left the table. */
  onDropFrames(videoId: string, frameIds: string[]): void;
}

/** The short container name shown as the video's format. */
function formatOf(container: string, sniffed: string | null): string {
  if (sniffed) return sniffed;
  return container.split(',')[0] || 'video';
}

function baseRow(item: WorkItem): PhotoRecord {
  return {
    id: item.id, path: item.path, root: item.root, folder: path.dirname(item.path), name: path.basename(item.path), size: item.size, mtime: item.mtime,
    hash: item.hash ?? '', width: 0, height: 0, format: '', takenAt: null, camera: null, lat: null, lon: null, thumb: null, phash: null,
    status: 'failed', errorCode: null, error: null, errorDetails: null, indexedAt: Date.now(), kind: 'video', duration: null, codec: null, motion: null,
  };
}

function failedRow(item: WorkItem, e: VideoFailure): PhotoRecord {
  return { ...baseRow(item), errorCode: e.code, error: e.reason, errorDetails: e.details ?? null };
}

/** Indexes videos one after another; each returns its row (ok or failed) through onCommit. Stops at `signal`. */
export async function indexVideos(items: WorkItem[], deps: VideoIndexDeps, opts: { signal?: AbortSignal; onItemDone?: (row: PhotoRecord) => void } = {}): Promise<void> {
  for (const item of items) {
    if (opts.signal?.aborted) return;
    const row = await indexVideo(item, deps, opts.signal);
    if (row) opts.onItemDone?.(row);
  }
}

/** One video; null when cancelled before its row was written (the next run does it again). */
async function indexVideo(item: WorkItem, deps: VideoIndexDeps, signal?: AbortSignal): Promise<PhotoRecord | null> {
  const commitFailed = async (e: VideoFailure) => {
    const row = failedRow(item, e);
    await dropOldFrames(item.id, deps);
    await deps.store.upsertPhotos([row]);
    deps.onCommit(row, [], new Map());
    return row;
  };
  item.hash ??= await quickHash(item.path, item.size, signal).catch(() => undefined);
  if (signal?.aborted) return null;
  const probe = await probeVideo(item.path, { signal, runDir: deps.runDir }).catch((err: unknown) => {
    if (signal?.aborted) return null;
    throw err;
  });
  if (!probe) return null;
  if (!probe.ok) return commitFailed(probe.error);
  const p = probe.value;

  const frames: SampledFrame[] = [];
  const vectors = new Map<string, Float32Array>();
  let batch: SampledFrame[] = [];
  let poster: VideoPoster | null = null;
  let error: VideoFailure | undefined;
  const flush = async () => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    const vecs = await deps.embedder.embedImages(b.map((f) => f.tensor));
    b.forEach((f, i) => {
      vectors.set(frameId(item.id, frames.indexOf(f)), vecs[i]);
      f.tensor = new Float32Array(0); // the vector is all that is kept of it
    });
  };
  try {
    for await (const s of sampleVideo(item.path, p, { spec: deps.embedder.imageSpec, signal, runDir: deps.runDir, threads: deps.threads })) {
      if (s.kind === 'frame') {
        frames.push(s.frame);
        batch.push(s.frame);
        if (batch.length >= BATCH) await flush();
      } else if (s.kind === 'poster') poster = s.poster;
      else error = s.error;
    }
    await flush();
  } catch (err) {
    if (signal?.aborted) return null;
    throw err;
  }
  if (signal?.aborted) return null;
  if (frames.length === 0) return commitFailed(error ?? { code: 'corrupt', reason: 'No picture could be read from this video.', details: { media: 'video' } });

  // Old frames first (a changed file keeps its id), then vectors, frame rows and thumbnails, the video row last.
  await dropOldFrames(item.id, deps);
  const records: FrameRecord[] = [];
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    const id = frameId(item.id, i);
    const thumb = thumbRelPath(id);
    await mkdir(path.dirname(path.join(deps.dir, thumb)), { recursive: true });
    await writeFile(path.join(deps.dir, thumb), f.thumbnail);
    records.push({ id, videoId: item.id, t: f.t, thumb, dhash: f.dhash });
  }
  await deps.vectors.upsert([...vectors.keys()], [...vectors.values()]);
  await (await deps.store.frames()).upsert(records);
  const cover = poster ?? { thumbnail: frames[0].thumbnail, dhash: frames[0].dhash };
  const thumb = thumbRelPath(item.id);
  await mkdir(path.dirname(path.join(deps.dir, thumb)), { recursive: true });
  await writeFile(path.join(deps.dir, thumb), cover.thumbnail);
  const row: PhotoRecord = {
    ...baseRow(item),
    status: 'ok',
    width: p.width,
    height: p.height,
    format: formatOf(p.container, p.sniffed),
    takenAt: p.createdAt,
    camera: p.camera,
    lat: p.gps?.lat ?? null,
    lon: p.gps?.lon ?? null,
    thumb,
    phash: cover.dhash,
    duration: p.durationS,
    codec: p.codec,
    // A video cut short still has its first part: say so, and keep what could be read.
    ...(error ? { errorCode: null, error: `Only the first part could be read: ${error.reason}` } : {}),
  };
  await deps.store.upsertPhotos([row]);
  deps.onCommit(row, records, vectors);
  return row;
}

/** A re-indexed video's earlier frames leave the table, the vectors and the thumbnails. */
async function dropOldFrames(videoId: string, deps: VideoIndexDeps): Promise<void> {
  const old = deps.framesOf(videoId);
  if (old.length === 0) return;
  const ids = old.map((f) => f.id);
  await deps.vectors.delete(ids);
  await (await deps.store.frames()).deleteVideos([videoId]);
  for (const f of old) if (f.thumb) await rm(path.join(deps.dir, f.thumb), { force: true });
  deps.onDropFrames(videoId, ids);
}
