// A compact fingerprint of a video's pictures (dHashes of frames at fixed fractions of its duration) and the
// comparison that recognises the same video re-encoded (other codec, bitrate, size, frame rate) but not another video.
import path from 'node:path';
import { differenceHash, hammingHex } from '../decode/dhash.js';
import { ffmpegBinaries, FfmpegUnavailableError, type FfmpegBinaries } from './ffmpeg-binaries.js';
import { runMedia } from './media-process.js';
import { memoryFailure, timeoutFailure, videoFailure, type VideoResult } from './video-errors.js';
import type { VideoProbe } from './video-probe.js';

export interface VideoSignature {
  durationS: number;
  /** dHash (16 hex digits) at each fraction; null where the frame is flat (black, a solid colour) or missing. */
  hashes: (string | null)[];
}

export interface SignatureOptions {
  /** Frames; default 8, at (i + 0.5) / n of the duration (away from fades at both ends). */
  frames?: number;
  /** Per frame; default 20 s. */
  timeoutMs?: number;
  memoryBytes?: number;
  signal?: AbortSignal;
  runDir?: string;
  binaries?: FfmpegBinaries;
}

const W = 144;
const H = 128;
/** Luma spread (0..255) below which a frame carries too little picture to hash. */
const FLAT_STDEV = 6;
/** Bits (of 64) two hashes of one frame may differ by after re-encoding (measured: ≤ 6 across codecs and sizes). */
export const SAME_FRAME_BITS = 12;

function flat(rgb: Buffer): boolean {
  let s = 0;
  let s2 = 0;
  const n = rgb.length / 3;
  for (let i = 0; i < rgb.length; i += 3) {
    const y = 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
    s += y;
    s2 += y * y;
  }
  const m = s / n;
  return Math.sqrt(Math.max(0, s2 / n - m * m)) < FLAT_STDEV;
}

/**
 * Decodes one small frame at each fraction with an accurate seek (re-encodes keep their pictures at the same
 * times, not their keyframes). One short ffmpeg per frame: as fast as one process with many inputs (measured),
 * and one bad spot costs only its own frame.
 */
export async function videoSignature(file: string, probe: VideoProbe, opts: SignatureOptions = {}): Promise<VideoResult<VideoSignature>> {
  let bins: FfmpegBinaries;
  try {
    bins = opts.binaries ?? ffmpegBinaries();
  } catch (e) {
    return { ok: false, error: videoFailure('unavailable', e instanceof FfmpegUnavailableError ? e.message : 'The bundled ffmpeg could not be found.', e) };
  }
  const n = Math.max(3, opts.frames ?? 8);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const hashes: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    const t = (probe.durationS * (i + 0.5)) / n;
    const r = await runMedia(bins.ffmpeg, [
      '-hide_banner', '-nostdin', '-v', 'error', '-ss', t.toFixed(3), '-i', `file:${path.resolve(file)}`,
      '-map', `0:${probe.streamIndex}`, '-frames:v', '1', '-vf', `scale=${W}:${H}:flags=area,format=rgb24`, '-f', 'rawvideo', 'pipe:1',
    ], { timeoutMs, memoryBytes: opts.memoryBytes, signal: opts.signal, runDir: opts.runDir, maxStdoutBytes: W * H * 3 * 2 });
    if (r.killedFor === 'timeout') return { ok: false, error: timeoutFailure('fingerprinting the video', timeoutMs, r.stderr) };
    if (r.killedFor === 'memory') return { ok: false, error: memoryFailure('fingerprinting the video', opts.memoryBytes ?? 0, r.stderr) };
    if (r.spawnError) return { ok: false, error: videoFailure('unavailable', 'The bundled ffmpeg could not be started.', r.spawnError) };
    const rgb = r.stdout.subarray(0, W * H * 3);
    hashes.push(r.code === 0 && rgb.length === W * H * 3 && !flat(rgb) ? differenceHash(rgb, W, H) : null);
  }
  return { ok: true, value: { durationS: probe.durationS, hashes } };
}

export interface SignatureMatch {
  same: boolean;
  /** Frames both signatures could hash. */
  compared: number;
  /** Of those, frames within SAME_FRAME_BITS. */
  matching: number;
  /** Median differing bits over the compared frames (64 when none). */
  medianBits: number;
}

/**
 * Same video when the durations agree (within 1 s or 2 %) and at least three quarters of the frames both could
 * hash, and at least three, are within SAME_FRAME_BITS. Flat frames say nothing (two black clips are not copies).
 */
export function compareSignatures(a: VideoSignature, b: VideoSignature): SignatureMatch {
  const bits: number[] = [];
  if (a.hashes.length === b.hashes.length) {
    for (let i = 0; i < a.hashes.length; i++) {
      const x = a.hashes[i];
      const y = b.hashes[i];
      if (x && y) bits.push(hammingHex(x, y));
    }
  }
  const sorted = [...bits].sort((p, q) => p - q);
  const medianBits = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : 64;
  const matching = bits.filter((d) => d <= SAME_FRAME_BITS).length;
  const durOk = Math.abs(a.durationS - b.durationS) <= Math.max(1, 0.02 * Math.max(a.durationS, b.durationS));
  const same = durOk && bits.length >= 3 && matching >= Math.ceil(0.75 * bits.length);
  return { same, compared: bits.length, matching, medianBits };
}
