// The indexing pipeline: decode (parallel) → embed (batches) → write (batches), joined by bounded channels so
// decoding overlaps inference and memory stays flat. Rows are committed vectors-first, photo-row-last, so a
// kill at any point leaves either a finished photo or one that the next run redoes: never a duplicate.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { describeKind, errnoOf, fileKindDetail, NotAFileError, openRegularFile, TimeoutError, withDeadline } from '../fs/safe-open.js';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { DecodeFailure, DecodeResult, PreprocessSpec } from '../decode/index.js';
import type { Embedder } from '../embed/embedder.js';
import type { ModelVectors, PhotoRecord, VectorStore } from '../store/vector-store.js';
import { Channel } from './channel.js';

export interface WorkItem {
  path: string;
  root: string;
  size: number;
  mtime: number;
  /** Known already (a changed file keeps its id). */
  id: string;
  hash?: string;
  /** A Live Photo's motion clip (the same-named MOV). */
  motion?: string;
  /** Videos go through the video stage (their frames), not the photo pipeline. */
  kind?: 'photo' | 'video';
}

export interface PipelineDeps {
  store: VectorStore;
  vectors: ModelVectors;
  embedder: Embedder;
  decode: (file: string, spec: PreprocessSpec, opts: { thumbSize: number }) => Promise<DecodeResult>;
  thumbsDir: string;
  /** Called after each commit, with the rows now durable and the vectors of the ok ones. */
  onCommit: (rows: PhotoRecord[], vectors: Map<string, Float32Array>) => void;
}

export interface PipelineOptions {
  signal?: AbortSignal;
  /** Cores the run may use (sets libvips' threads per image); default: all available. */
  threads?: number;
  batchSize?: number;
  decodeConcurrency?: number;
  writeBatch?: number;
  writeIntervalMs?: number;
  thumbSize?: number;
  onItemDone?: (row: PhotoRecord) => void;
  /** How long one file's decode may take before it is abandoned and recorded as failed. */
  decodeDeadlineMs?: number;
}

/** A decode that takes longer than this is abandoned (a hung share, a pathological file); the run goes on. */
/** Thumbnails' shortest edge in pixels (the grid's tiles; the text gate also looks at them). */
export const THUMB_SHORT_EDGE = 320;
export const DECODE_DEADLINE_MS = 120_000;

/** What a file that could not even be read becomes: a typed failure with a reason, never an exception. */
function readFailure(err: unknown): DecodeFailure {
  if (err instanceof NotAFileError) return { code: 'not-a-file', reason: `Skipped: it is ${describeKind(err.kind)}, not a photo file.`, details: { fileKind: fileKindDetail(err.kind) } };
  if (err instanceof TimeoutError) return { code: 'timeout', reason: err.message, details: { ms: err.ms } };
  const e = err as NodeJS.ErrnoException;
  const errno = errnoOf(e);
  return { code: 'unreadable', reason: `Cannot read the file: ${e.code === 'EACCES' ? 'permission denied' : e.message}.`, ...(errno ? { details: { errno } } : {}) };
}

export interface PipelineDefaults {
  batchSize: number;
  decodeConcurrency: number;
  /** libvips threads per image operation (parallelism comes from decoding several photos at once). */
  sharpConcurrency: number;
  writeBatch: number;
  thumbSize: number;
}

/**
 * The settings a run uses on `threads` cores unless told otherwise (measurements: bench/PERFORMANCE.md). One photo
 * more in decoding than there are cores keeps the cores busy while a decoder waits on its file or on the queue
 * (2 cores: 15.1–15.6 photos/s and 96–97% CPU against 13.5–14.2 and 91–92%).
 */
export function pipelineDefaults(threads = os.availableParallelism()): PipelineDefaults {
  const t = Math.max(1, Math.floor(threads));
  return { batchSize: 8, decodeConcurrency: t + 1, sharpConcurrency: 1, writeBatch: 64, thumbSize: THUMB_SHORT_EDGE };
}

/**
 * Applies the process-wide part of the thread budget: one libvips thread per image operation, so that `threads`
 * photos decoding at once use `threads` cores (sharp's own default is one per core per operation on macOS and
 * Windows, which oversubscribes the cores that inference needs).
 */
export function applyIndexThreads(threads = os.availableParallelism()): void {
  sharp.concurrency(pipelineDefaults(threads).sharpConcurrency);
}

export function photoId(file: string): string {
  return createHash('sha1').update(path.resolve(file)).digest('hex').slice(0, 16);
}

/** How long reading a file's fingerprint may take before it is abandoned (a hung network share, say). */
export const HASH_DEADLINE_MS = 30_000;

/**
 * Content fingerprint cheap enough for every file: size plus the first and last 64 KiB. Refuses anything but a
 * regular file (a FIFO swapped in after the scan) and gives up after HASH_DEADLINE_MS or on `signal`.
 */
export async function quickHash(file: string, size: number, signal?: AbortSignal): Promise<string> {
  const read = (async () => {
    const h = createHash('sha1');
    h.update(String(size));
    const { handle: fh } = await openRegularFile(file);
    try {
      const n = 64 * 1024;
      const buf = Buffer.alloc(n);
      const a = await fh.read(buf, 0, Math.min(n, size), 0);
      h.update(buf.subarray(0, a.bytesRead));
      if (size > n) {
        const b = await fh.read(buf, 0, Math.min(n, size - n), Math.max(n, size - n));
        h.update(buf.subarray(0, b.bytesRead));
      }
    } finally {
      await fh.close();
    }
    return h.digest('hex');
  })();
  return withDeadline(read, HASH_DEADLINE_MS, `Reading ${file}`, signal);
}

export function thumbRelPath(id: string): string {
  return path.join('thumbs', id.slice(0, 2), `${id}.webp`);
}

interface Decoded {
  item: WorkItem;
  row: PhotoRecord;
  tensor: Float32Array | null;
}

export async function runPipeline(items: WorkItem[], deps: PipelineDeps, opts: PipelineOptions = {}): Promise<void> {
  const defaults = pipelineDefaults(opts.threads);
  applyIndexThreads(opts.threads);
  const batchSize = opts.batchSize ?? defaults.batchSize;
  const decodeConcurrency = opts.decodeConcurrency ?? defaults.decodeConcurrency;
  const writeBatch = opts.writeBatch ?? defaults.writeBatch;
  const writeIntervalMs = opts.writeIntervalMs ?? 2000;
  const thumbSize = opts.thumbSize ?? defaults.thumbSize;
  const decodeDeadlineMs = opts.decodeDeadlineMs ?? DECODE_DEADLINE_MS;
  const spec = deps.embedder.imageSpec;
  const decoded = new Channel<Decoded>(Math.max(16, batchSize * 2));
  const toWrite = new Channel<{ row: PhotoRecord; vector: Float32Array | null }>(writeBatch * 2);
  const aborted = () => opts.signal?.aborted === true;
  let firstError: unknown = null;
  const fail = (err: unknown) => {
    firstError ??= err;
    decoded.close();
    toWrite.close();
  };

  // Stage 1: decode, in parallel.
  let next = 0;
  const decodeWorker = async () => {
    while (!aborted() && firstError === null) {
      const i = next++;
      if (i >= items.length) return;
      const item = items[i];
      const base: PhotoRecord = {
        id: item.id,
        path: item.path,
        root: item.root,
        folder: path.dirname(item.path),
        name: path.basename(item.path),
        size: item.size,
        mtime: item.mtime,
        hash: item.hash ?? '',
        width: 0,
        height: 0,
        format: '',
        takenAt: null,
        camera: null,
        lat: null,
        lon: null,
        thumb: null,
        phash: null,
        status: 'failed',
        errorCode: null,
        error: null,
        errorDetails: null,
        indexedAt: Date.now(),
        kind: 'photo',
        duration: null,
        codec: null,
        motion: item.motion ?? null,
      };
      let result: DecodeResult;
      try {
        if (!base.hash) base.hash = await quickHash(item.path, item.size, opts.signal);
        result = await withDeadline(deps.decode(item.path, spec, { thumbSize }), decodeDeadlineMs, `Decoding ${item.path}`, opts.signal);
      } catch (err) {
        if (aborted()) return; // cancelled: the file is redone by the next run, not recorded as failed
        result = { ok: false, error: readFailure(err) };
      }
      if (!result.ok) {
        const { code, reason, details } = result.error;
        await decoded.push({ item, row: { ...base, errorCode: code, error: reason, errorDetails: details ?? null }, tensor: null }).catch(() => {});
        continue;
      }
      const v = result.value;
      const rel = thumbRelPath(item.id);
      try {
        await mkdir(path.join(deps.thumbsDir, path.dirname(rel)), { recursive: true });
        await writeFile(path.join(deps.thumbsDir, rel), v.thumbnail);
      } catch (err) {
        fail(new Error(`Cannot write thumbnails into the library folder: ${(err as Error).message}`));
        return;
      }
      const row: PhotoRecord = {
        ...base,
        status: 'ok',
        width: v.meta.width,
        height: v.meta.height,
        format: v.meta.format,
        takenAt: v.meta.takenAt,
        camera: v.meta.camera,
        lat: v.meta.gps?.lat ?? null,
        lon: v.meta.gps?.lon ?? null,
        thumb: rel,
        phash: v.dhash,
      };
      await decoded.push({ item, row, tensor: v.tensor }).catch(() => {});
    }
  };
  const decoders = Promise.all(Array.from({ length: decodeConcurrency }, decodeWorker)).then(() => decoded.close());

  // Stage 2: embed in batches.
  const embedStage = (async () => {
    let batch: Decoded[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const b = batch;
      batch = [];
      const vecs = await deps.embedder.embedImages(b.map((d) => d.tensor!));
      for (let i = 0; i < b.length; i++) await toWrite.push({ row: b[i].row, vector: vecs[i] });
    };
    try {
      for await (const d of decoded) {
        if (firstError !== null) break;
        if (d.tensor === null) {
          await toWrite.push({ row: d.row, vector: null });
          continue;
        }
        batch.push(d);
        if (batch.length >= batchSize) await flush();
      }
      if (!aborted() && firstError === null) await flush();
    } catch (err) {
      fail(err);
    } finally {
      toWrite.close();
    }
  })();

  // Stage 3: write in batches; vectors first, the photo row (the commit marker) last.
  const writeStage = (async () => {
    let rows: PhotoRecord[] = [];
    let vecs = new Map<string, Float32Array>();
    let last = Date.now();
    const flush = async () => {
      if (rows.length === 0) return;
      const r = rows;
      const v = vecs;
      rows = [];
      vecs = new Map();
      last = Date.now();
      if (v.size > 0) await deps.vectors.upsert([...v.keys()], [...v.values()]);
      await deps.store.upsertPhotos(r);
      deps.onCommit(r, v);
      for (const row of r) opts.onItemDone?.(row);
    };
    try {
      for await (const { row, vector } of toWrite) {
        rows.push(row);
        if (vector) vecs.set(row.id, vector);
        if (rows.length >= writeBatch || Date.now() - last >= writeIntervalMs) await flush();
      }
      // Whatever was embedded is worth keeping, even when cancelled.
      await flush();
    } catch (err) {
      fail(err);
    }
  })();

  await Promise.all([decoders, embedStage, writeStage]);
  if (firstError !== null) throw firstError;
}
