// HEVC-coded HEIF (iPhone HEIC) through libheif compiled to wasm, for sharp builds without an HEVC decoder.
// libheif applies the HEIF transforms (irot, imir, clap) itself, so the pixels come back upright.
// The wasm decode is synchronous (~0.8 s for 12 MP), so it runs in a worker thread; where no worker can load
// the library, it falls back to this thread.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { PoolUnavailableError, WorkerPool } from './worker-pool';

export interface RawRgba {
  data: Buffer;
  width: number;
  height: number;
  channels: 4;
}

type HeicDecode = typeof import('heic-decode').default;
let decoder: Promise<HeicDecode> | undefined;

/** Decodes the primary image of an HEIF file to RGBA in this thread. Throws on failure (callers classify the error). */
export async function decodeHeicRgbaInThread(file: Uint8Array): Promise<RawRgba> {
  // Loaded on first use: the wasm module costs memory and start-up time that most libraries never need.
  decoder ??= import('heic-decode').then((m) => m.default);
  const decode = await decoder;
  const { width, height, data } = await decode({ buffer: file });
  return checked(width, height, data);
}

function checked(width: number, height: number, data: ArrayBufferView & { length: number }): RawRgba {
  if (!width || !height || !data || data.length !== width * height * 4) {
    throw new Error(`HEIF decoder returned ${width}x${height} with ${data?.length} bytes`);
  }
  return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), width, height, channels: 4 };
}

/**
 * The worker: loads heic-decode by the path the calling thread resolved (bundles and test runners differ in
 * where they put our code, not in where node_modules is), says ready, then decodes one file per message and
 * hands the pixels back without copying.
 */
const HEIC_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const decode = require(workerData.heicDecodePath);
parentPort.postMessage({ ready: true });
parentPort.on('message', async ({ id, req }) => {
  try {
    const { width, height, data } = await decode({ buffer: new Uint8Array(req.file) });
    const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    const pixels = own ? data : new Uint8ClampedArray(data);
    parentPort.postMessage({ id, ok: true, res: { width, height, data: pixels } }, [pixels.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, ok: false, message: String((e && e.message) || e) });
  }
});
`;

/** Default time one image may take in the worker (12 MP takes ~0.8 s; 50 MP about 4 s). */
export const HEIC_TIMEOUT_MS = 60_000;

let timeoutMs = HEIC_TIMEOUT_MS;

/** Sets the per-image limit for later decodes (tests, or a setting); returns the previous one. */
export function setHeicTimeoutMs(ms: number): number {
  const prev = timeoutMs;
  timeoutMs = ms;
  return prev;
}

interface HeicReq { file: ArrayBuffer }
interface HeicRes { width: number; height: number; data: Uint8ClampedArray }

let pool: WorkerPool<HeicReq, HeicRes> | null | undefined;

function heicPool(): WorkerPool<HeicReq, HeicRes> | null {
  if (pool !== undefined) return pool;
  let heicDecodePath: string;
  try {
    heicDecodePath = createRequire(import.meta.url).resolve('heic-decode');
  } catch {
    pool = null;
    return pool;
  }
  pool = new WorkerPool<HeicReq, HeicRes>({
    source: HEIC_WORKER_SOURCE,
    workerData: { heicDecodePath },
    // Each worker holds its own wasm heap (a few hundred MB after a large photo); two keep a CPU for the rest.
    size: availableParallelism() >= 4 ? 2 : 1,
    timeoutMs: HEIC_TIMEOUT_MS,
    idleMs: 30_000,
  });
  return pool;
}

/**
 * Decodes the primary image of an HEIF file to RGBA in a worker thread. Throws on failure: the decoder's own
 * error, or PoolTimeoutError / PoolCrashError from the pool (callers classify them).
 */
export async function decodeHeicRgba(file: Uint8Array, opts: { timeoutMs?: number } = {}): Promise<RawRgba> {
  const p = heicPool();
  if (p) {
    // A copy the worker owns (the file is still needed here for EXIF), moved rather than cloned.
    const copy = new Uint8Array(file.byteLength);
    copy.set(file);
    try {
      const res = await p.run({ file: copy.buffer }, [copy.buffer], opts.timeoutMs ?? timeoutMs);
      return checked(res.width, res.height, res.data);
    } catch (e) {
      if (!(e instanceof PoolUnavailableError)) throw e;
    }
  }
  return decodeHeicRgbaInThread(file);
}

/** Stops the HEIC workers (tests; a process exits fine without it). */
export async function closeHeicPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.close();
}
