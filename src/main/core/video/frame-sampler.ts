// Picks the moments of a video worth indexing and streams them out as they are decoded: keyframes where the
// picture changes, at least one frame every few seconds, at most a cap per video, each upright and through the
// photo tensor path (decodeRawRgb), plus one poster thumbnail.
//
// How, and why this way (numbers from this 2-core VM, 1080p30 H.264, ffmpeg 2018 build):
// 1. Keyframes only (`-skip_frame nokey`): 30 s of video with a keyframe every second decodes in 0.8 s, against
//    3.8 s for every frame. Each comes out scaled to the photo path's working size in one swscale step. A keyframe
//    is kept when it differs from the last kept frame (8×8 colour grid, mean absolute difference), or when the next
//    one would leave more than `maxGapS` uncovered (one keyframe of look-ahead).
// 2. A change seen between keyframes more than `precisionS` apart is placed: the stretch between them is decoded
//    and the frame after the largest jump between neighbouring candidates (a quarter second apart) is kept instead
//    of the keyframe. Skipped where the keyframe came earlier than the encoder's regular interval (the encoder put
//    it at the cut), and after MAX_REFINES per video.
// 3. Stretches longer than `maxGapS` without a kept frame (long-GOP files, one-keyframe phone clips, MediaRecorder
//    WebM) are decoded whole, since no keyframe lies inside to seek to, and go through the same choice as stage 1.
//    With maxGapS < 5 s every 5-second event holds a frame, placed to the quarter second. Long-GOP files therefore
//    cost about a full decode; that is the price of the guarantee (measured in bench/tasks/video.ts).
import os from 'node:os';
import path from 'node:path';
import { decodeRawRgb, rawWorkingSize } from '../decode/decode-photo.js';
import type { PreprocessSpec } from '../decode/preprocess-spec.js';
import { ffmpegBinaries, FfmpegUnavailableError, type FfmpegBinaries } from './ffmpeg-binaries.js';
import { abortError, startMedia, type MediaExit } from './media-process.js';
import { memoryFailure, timeoutFailure, videoFailure, type VideoFailure } from './video-errors.js';
import type { VideoProbe } from './video-probe.js';

export interface SampleOptions {
  /** The model's tensor recipe (embedder.imageSpec). */
  spec: PreprocessSpec;
  /** Short edge of each moment's thumbnail; default 160. */
  momentThumbSize?: number;
  /** Short edge of the poster thumbnail; default 320 (as photos). */
  posterThumbSize?: number;
  /** Longest time between two sampled frames, seconds; default 4 (below the 5 s of the shortest event to find). */
  maxGapS?: number;
  /** Shortest time between two frames kept for a picture change; default 1. */
  minGapS?: number;
  /** A picture change is placed to within this, seconds; default 1 (finer costs decoding between keyframes). */
  precisionS?: number;
  /** Most frames per video; default 200. Long videos get a wider grid so that the cap holds. */
  maxFrames?: number;
  /** Mean absolute difference of the 8×8 colour grid (0..1) that counts as a new picture; default 0.08. */
  sceneThreshold?: number;
  /** Decoder threads per ffmpeg; default min(4, cores). */
  threads?: number;
  /** Working time for the whole sampling; default 60 s + 2 s per second of video. */
  timeoutMs?: number;
  /** A process printing nothing for this long is stopped; default 60 s. */
  stallMs?: number;
  memoryBytes?: number;
  signal?: AbortSignal;
  runDir?: string;
  binaries?: FfmpegBinaries;
}

export type FrameReason = 'first' | 'scene' | 'interval' | 'fill';

export interface SampledFrame {
  /** Seconds from the start of the video (what a player's currentTime shows). */
  t: number;
  reason: FrameReason;
  /** Difference from the frame kept before it (0..1); 0 for the first. */
  change: number;
  /** CHW float32 per the spec, ready for embedder.embedImages. */
  tensor: Float32Array;
  /** WebP, short edge momentThumbSize. */
  thumbnail: Buffer;
  thumbWidth: number;
  thumbHeight: number;
  /** dHash of the frame (16 hex digits, as photos). */
  dhash: string;
}

export interface VideoPoster {
  t: number;
  /** WebP, short edge posterThumbSize. */
  thumbnail: Buffer;
  width: number;
  height: number;
  dhash: string;
}

export interface SampleStats {
  /** Frames pass 1 looked at (keyframes, or a 2-per-second choice where the decoder cannot skip). */
  candidates: number;
  frames: number;
  /** Changes placed by decoding between two keyframes. */
  refined: number;
  /** Candidates looked at between keyframes further apart than maxGap. */
  fills: number;
  processes: number;
  maxGapS: number;
  wallMs: number;
}

export type VideoSample =
  | { kind: 'frame'; frame: SampledFrame }
  | { kind: 'poster'; poster: VideoPoster }
  /** Always last. `error` is set when decoding stopped early: the frames before it are good. */
  | { kind: 'end'; stats: SampleStats; error?: VideoFailure };

interface RawFrame {
  t: number;
  data: Buffer;
}

const GRID = 8;
/** Poster candidates must show something: luma spread over the grid, in 0..255. */
const POSTER_MIN_STDEV = 12;
/** Most changes per video placed by decoding between keyframes (each costs up to maxGapS of decoding). */
const MAX_REFINES = 40;
/** Frames ffmpeg may decode ahead of the one being turned into a tensor. */
const READ_AHEAD = 2;

/** 8×8 grid of mean RGB (192 values, 0..255), with every other pixel read: enough to see a cut. */
export function gridSignature(data: Uint8Array, width: number, height: number): Float32Array {
  const sums = new Float64Array(GRID * GRID * 3);
  const counts = new Float64Array(GRID * GRID);
  for (let y = 0; y < height; y += 2) {
    const row = Math.min(GRID - 1, Math.floor((y * GRID) / height)) * GRID;
    for (let x = 0; x < width; x += 2) {
      const cell = row + Math.min(GRID - 1, Math.floor((x * GRID) / width));
      const o = (y * width + x) * 3;
      sums[cell * 3] += data[o];
      sums[cell * 3 + 1] += data[o + 1];
      sums[cell * 3 + 2] += data[o + 2];
      counts[cell]++;
    }
  }
  const out = new Float32Array(GRID * GRID * 3);
  for (let i = 0; i < out.length; i++) out[i] = counts[Math.floor(i / 3)] > 0 ? sums[i] / counts[Math.floor(i / 3)] : 0;
  return out;
}

export function gridDistance(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d / (a.length * 255);
}

function lumaStdev(sig: Float32Array): number {
  const n = sig.length / 3;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const y = 0.299 * sig[i * 3] + 0.587 * sig[i * 3 + 1] + 0.114 * sig[i * 3 + 2];
    s += y;
    s2 += y * y;
  }
  const mean = s / n;
  return Math.sqrt(Math.max(0, s2 / n - mean * mean));
}

const SHOWINFO = /Parsed_showinfo.*?\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:\s*(-?[0-9.eE+-]+)/;

interface PassResult {
  /** Set when the pass has ended (ffmpeg gone). */
  exit?: MediaExit;
}

/**
 * One ffmpeg run that writes raw RGB frames of a known size; yields each with its time (from showinfo on stderr,
 * matched by order) and puts the exit in `result` at the end. The bounds stop counting while the caller holds a
 * frame; a caller that stops iterating early ends ffmpeg (for-await calls return(), which runs the finally).
 */
async function* runPass(
  bin: string,
  args: string[],
  frameBytes: number,
  limits: { timeoutMs: number; stallMs: number; memoryBytes?: number; signal?: AbortSignal; runDir?: string },
  result: PassResult,
): AsyncGenerator<RawFrame, void> {
  const times: number[] = [];
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const proc = startMedia(bin, args, {
    ...limits,
    onStderrLine: (line) => {
      const m = SHOWINFO.exec(line);
      if (!m) return false;
      times.push(Number(m[3]));
      poke();
      return true;
    },
  });
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
    poke();
  });
  // Read-ahead of READ_AHEAD frames: ffmpeg decodes the next keyframe while this process makes the tensor and the
  // thumbnail of the last one (a 1080p working frame is ~0.5 MB, far more than a pipe holds).
  const queue: Buffer[] = [];
  let ended = false;
  /** Set when the consumer has stopped: the rest of the output is read and dropped, so the pipe can close. */
  let dropping = false;
  let buf = Buffer.allocUnsafe(frameBytes);
  let fill = 0;
  const stdout = proc.stdout;
  stdout.on('data', (chunk: Buffer) => {
    if (dropping) return;
    for (let off = 0; off < chunk.length;) {
      const n = Math.min(frameBytes - fill, chunk.length - off);
      chunk.copy(buf, fill, off, off + n);
      fill += n;
      off += n;
      if (fill === frameBytes) {
        queue.push(buf);
        buf = Buffer.allocUnsafe(frameBytes);
        fill = 0;
      }
    }
    if (queue.length >= READ_AHEAD) stdout.pause();
    poke();
  });
  stdout.once('end', () => {
    ended = true;
    poke();
  });
  stdout.once('error', () => {
    ended = true;
    poke();
  });
  const next = () => new Promise<void>((r) => (wake = r));
  let frames = 0;
  let finished = false;
  try {
    for (;;) {
      while (queue.length === 0 && !ended && !exited) await next();
      const data = queue.shift();
      if (!data) break;
      if (queue.length < READ_AHEAD && stdout.isPaused()) stdout.resume();
      // stderr is another pipe: the frame's showinfo line may still be on its way.
      while (times.length <= frames && !exited) await next();
      const t = times[frames++];
      if (t === undefined || !Number.isFinite(t)) continue;
      proc.hold();
      try {
        yield { t, data };
      } finally {
        proc.release();
      }
    }
    finished = true;
  } finally {
    // The consumer stopped early (break, an error, an abort): end ffmpeg and wait until it is gone.
    // A stream left paused would never end, and 'close' (hence `exited`) waits for it: found by a SIGKILL-free hang
    // that a test hit one run in six.
    if (!finished) {
      dropping = true;
      proc.kill('done');
      stdout.resume();
    }
    result.exit = await proc.exited;
  }
}

function passFailure(exit: MediaExit, what: string, timeoutMs: number, memoryBytes: number | undefined, signal?: AbortSignal): VideoFailure | null {
  if (exit.killedFor === 'cancel' && signal?.aborted) throw abortError(signal);
  if (exit.spawnError) return videoFailure('unavailable', 'The bundled ffmpeg could not be started.', exit.spawnError);
  if (exit.killedFor === 'timeout') return timeoutFailure(what, timeoutMs, exit.stderr);
  if (exit.killedFor === 'stalled') return videoFailure('timeout', `Gave up: ${what} stopped making progress.`, exit.stderr);
  if (exit.killedFor === 'memory') return memoryFailure(what, memoryBytes ?? 0, exit.stderr);
  if (exit.killedFor === 'shutdown') return videoFailure('timeout', `Stopped: ${what} was interrupted by shutdown.`);
  if (exit.code !== 0 && exit.killedFor === null) {
    if (/cannot allocate memory|out of memory/i.test(exit.stderr)) return memoryFailure(what, memoryBytes ?? 0, exit.stderr);
    return videoFailure('corrupt', `The video is damaged: ${what} failed.`, exit.stderr || `ffmpeg exited with ${exit.code ?? exit.signal}`);
  }
  return null;
}

/**
 * Samples a probed video. Yields frames and the poster as they are ready, then one 'end' item. Never throws for a
 * bad file (the failure is in 'end'); an abort throws the signal's reason and stops ffmpeg.
 */
export async function* sampleVideo(file: string, probe: VideoProbe, opts: SampleOptions): AsyncGenerator<VideoSample> {
  const started = performance.now();
  const spec = opts.spec;
  const momentThumb = opts.momentThumbSize ?? 160;
  const posterThumb = opts.posterThumbSize ?? 320;
  const cap = Math.max(1, opts.maxFrames ?? 200);
  const duration = probe.durationS;
  // The grid uses at most three quarters of the cap; the rest is for picture changes.
  const maxGap = Math.max(opts.maxGapS ?? 4, duration / Math.max(1, Math.floor(cap * 0.75)));
  const minGap = Math.min(opts.minGapS ?? 1, maxGap / 2);
  const precision = opts.precisionS ?? 1;
  const threshold = opts.sceneThreshold ?? 0.08;
  const threads = opts.threads ?? Math.max(1, Math.min(4, os.availableParallelism()));
  const stallMs = opts.stallMs ?? 60_000;
  const budgetMs = opts.timeoutMs ?? 60_000 + 2000 * duration;
  const stats: SampleStats = { candidates: 0, frames: 0, refined: 0, fills: 0, processes: 0, maxGapS: maxGap, wallMs: 0 };
  const end = (error?: VideoFailure): VideoSample => {
    stats.wallMs = performance.now() - started;
    return error ? { kind: 'end', stats, error } : { kind: 'end', stats };
  };

  let bins: FfmpegBinaries;
  try {
    bins = opts.binaries ?? ffmpegBinaries();
  } catch (e) {
    yield end(videoFailure('unavailable', e instanceof FfmpegUnavailableError ? e.message : 'The bundled ffmpeg could not be found.', e));
    return;
  }

  // ffmpeg turns the picture upright (autorotate) and scales it to exactly the photo path's working buffer.
  const work = rawWorkingSize(probe.width, probe.height, spec, { thumbSize: posterThumb });
  const frameBytes = work.width * work.height * 3;
  const sizes = { width: work.width, height: work.height, fullWidth: probe.width, fullHeight: probe.height };
  const input = `file:${path.resolve(file)}`;

  let spentMs = 0;
  /**
   * Runs one ffmpeg pass over [from, from + span) (the whole file when span is null) and yields its frames with
   * their times and grid signatures. `select` chooses the frames ffmpeg lets out. Bounds: one working-time budget
   * for the whole sampling, shared by the passes; time spent by us and our consumer does not count.
   */
  async function* pass(what: string, extra: string[], select: string, from: number, span: number | null): AsyncGenerator<RawFrame & { sig: Float32Array }, VideoFailure | null> {
    const t0 = performance.now();
    let heldMs = 0;
    const lim = { timeoutMs: Math.max(1000, budgetMs - spentMs), stallMs, memoryBytes: opts.memoryBytes, signal: opts.signal, runDir: opts.runDir };
    const args = [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-threads', String(threads), ...extra,
      ...(from > 0 ? ['-ss', from.toFixed(4)] : []), ...(span !== null ? ['-t', span.toFixed(4)] : []), '-i', input,
      '-map', `0:${probe.streamIndex}`, '-an', '-sn', '-dn',
      '-vf', `select='${select}',scale=${work.width}:${work.height}:flags=bicubic,format=rgb24,setsar=1,showinfo`,
      '-vsync', '0', '-f', 'rawvideo', 'pipe:1',
    ];
    const result: PassResult = {};
    stats.processes++;
    for await (const raw of runPass(bins.ffmpeg, args, frameBytes, lim, result)) {
      const h0 = performance.now();
      // After an input seek ffmpeg counts time from the seek point.
      yield { t: from + raw.t, data: raw.data, sig: gridSignature(raw.data, work.width, work.height) };
      heldMs += performance.now() - h0;
    }
    spentMs += performance.now() - t0 - heldMs;
    return passFailure(result.exit!, what, lim.timeoutMs, opts.memoryBytes, opts.signal);
  }

  /**
   * Runs a pass to its end with for-await semantics (early exit closes it) and returns its failure, if any. `each`
   * may yield samples (a generator) or only look (a plain function).
   */
  async function* drain<T>(gen: AsyncGenerator<T, VideoFailure | null>, each: (x: T) => AsyncGenerator<VideoSample> | void): AsyncGenerator<VideoSample, VideoFailure | null> {
    try {
      for (;;) {
        const r = await gen.next();
        if (r.done) return r.value;
        const out = each(r.value);
        if (out) yield* out;
      }
    } finally {
      await gen.return(null);
    }
  }

  // Kept frames by time, with their signatures: the coverage gaps and the change detection of stage 3 read them.
  const keptAt = new Map<number, Float32Array>();
  let kept = 0;
  let posterDone = false;
  let posterFallback: { t: number; data: Buffer; score: number } | null = null;
  const posterAfter = Math.min(1, duration * 0.1);

  const makePoster = async (t: number, data: Buffer): Promise<VideoSample> => {
    posterDone = true;
    posterFallback = null;
    const p = await decodeRawRgb(data, sizes, spec, { thumbSize: posterThumb, wantTensor: false });
    return { kind: 'poster', poster: { t, thumbnail: p.thumbnail, width: p.thumbWidth, height: p.thumbHeight, dhash: p.dhash } };
  };

  /** Emits one frame through the photo tensor path. `reserved`: its place under the cap was taken in stage 1. */
  async function* emit(raw: RawFrame & { sig: Float32Array }, reason: FrameReason, change: number, reserved = false): AsyncGenerator<VideoSample> {
    if (!reserved) kept++;
    keptAt.set(raw.t, raw.sig);
    const out = await decodeRawRgb(raw.data, sizes, spec, { thumbSize: momentThumb });
    stats.frames++;
    yield { kind: 'frame', frame: { t: raw.t, reason, change, ...out } };
    if (!posterDone) {
      const spread = lumaStdev(raw.sig);
      if (raw.t >= posterAfter && spread >= POSTER_MIN_STDEV) yield await makePoster(raw.t, raw.data);
      else if (!posterFallback || spread > posterFallback.score) posterFallback = { t: raw.t, data: raw.data, score: spread };
    }
  }

  /**
   * The choice over a time-ordered run of candidates, starting after a kept frame at (lastT, lastSig): keep a
   * candidate that differs from the last kept one (not closer than minGap), and keep the one before a candidate
   * that would leave more than maxGap uncovered. `end` is where the run's coverage must reach.
   */
  function chooser(lastT: number, lastSig: Float32Array | null, end: number) {
    let pending: (RawFrame & { sig: Float32Array }) | null = null;
    return {
      /** Looks at the next candidate; `onChange` may take a change over (true) instead of keeping it here. */
      async *offer(c: RawFrame & { sig: Float32Array }, onChange?: (c: RawFrame & { sig: Float32Array }, ref: Float32Array) => boolean): AsyncGenerator<VideoSample> {
        if (pending && c.t - lastT > maxGap && kept < cap) {
          const p = pending;
          pending = null;
          yield* emit(p, 'interval', lastSig ? gridDistance(p.sig, lastSig) : 0);
          lastT = p.t;
          lastSig = p.sig;
        }
        pending = null;
        if (lastSig === null) {
          if (kept < cap) {
            yield* emit(c, 'first', 0);
            lastT = c.t;
            lastSig = c.sig;
          }
          return;
        }
        const change = gridDistance(c.sig, lastSig);
        const gridLeft = Math.ceil(Math.max(0, end - c.t) / maxGap);
        if (change >= threshold && c.t - lastT >= minGap && kept + 1 + gridLeft <= cap) {
          if (!onChange?.(c, lastSig)) yield* emit(c, 'scene', change);
          lastT = c.t;
          lastSig = c.sig;
        } else pending = c;
      },
      async *finish(): AsyncGenerator<VideoSample> {
        if (pending && end - lastT > maxGap && kept < cap) yield* emit(pending, 'interval', lastSig ? gridDistance(pending.sig, lastSig) : 0);
        pending = null;
      },
    };
  }

  let error: VideoFailure | null;
  // Candidates in stage 2 and 3: every keyframe, and other frames at most four a second. Frames no other frame
  // refers to need not be decoded to reach the next ones (`-skip_frame noref`: about a tenth less work with B-frames).
  const dense = 'isnan(prev_selected_t)+gte(t-prev_selected_t,0.25)+eq(key,1)';
  const NOREF = ['-skip_frame', 'noref'];

  // ---- stage 1: keyframes ------------------------------------------------------------------------------------
  // `-skip_frame nokey` makes decoders skip non-key frames (H.264, HEVC, VP8, MPEG-4 part 2). This build's VP9
  // decoder ignores it and decodes every frame: the select then lets out at most two frames a second (four when
  // they are keyframes), which also bounds all-intra streams (MJPEG, ProRes). `-discard nokey` at the demuxer
  // would be faster for MP4, but it leaves H.264 keyframes behind B-frames with the wrong time (3.12 s for 3.00).
  const refines: { from: RawFrame & { sig: Float32Array }; to: number }[] = [];
  {
    let prev: (RawFrame & { sig: Float32Array }) | null = null;
    // The longest keyframe interval so far: an encoder's regular one. A keyframe that comes sooner was put there by
    // the encoder's own scene-cut detection, so the change is at that keyframe and needs no search.
    let regular = 0;
    const frameS = probe.fps && probe.fps > 0 ? 1 / probe.fps : 0.04;
    const choose = chooser(-Infinity, null, duration);
    // A change seen between two keyframes more than `precision` apart happened somewhere between them: stage 2
    // finds where. Its frame is counted under the cap now, and kept there.
    const defer = (c: RawFrame & { sig: Float32Array }): boolean => {
      if (!prev || refines.length >= MAX_REFINES) return false;
      const gap = c.t - prev.t;
      if (gap <= precision * 1.05 || gap > maxGap || gap < regular - 1.5 * frameS) return false;
      refines.push({ from: prev, to: c.t });
      kept++;
      return true;
    };
    error = yield* drain(pass('decoding the keyframes', ['-skip_frame', 'nokey'], 'isnan(prev_selected_t)+gte(t-prev_selected_t,0.5-0.25*key)', 0, null), async function* (c) {
      stats.candidates++;
      yield* choose.offer(c, defer);
      if (prev) regular = Math.max(regular, c.t - prev.t);
      prev = c;
    });
    yield* choose.finish();
    // A decoder that flags no keyframe at all (intra-refresh H.264) fails nothing: stage 3 covers the video.
    if (error && error.code === 'corrupt' && stats.candidates === 0) error = null;
  }

  // ---- stage 2: where exactly did the picture change? ----------------------------------------------------------
  // The cut is where two neighbouring candidates differ most (a quarter second apart); a slow drift, with no such
  // jump, leaves the keyframe that showed the change as the frame.
  for (const r of refines) {
    if (error) break;
    let best: { frame: RawFrame & { sig: Float32Array }; jump: number } | null = null;
    let last: (RawFrame & { sig: Float32Array }) | null = null;
    let before = r.from.sig;
    error = yield* drain(pass('finding a scene change', NOREF, dense, r.from.t + 0.001, r.to - r.from.t + 0.01), (x) => {
      const jump = gridDistance(x.sig, before);
      if (!best || jump > best.jump) best = { frame: x, jump };
      before = x.sig;
      last = x;
    });
    const b = best as { frame: RawFrame & { sig: Float32Array }; jump: number } | null;
    const pick = b && b.jump >= threshold ? b.frame : last;
    if (pick) {
      stats.refined++;
      yield* emit(pick, 'scene', gridDistance(pick.sig, r.from.sig), true);
    } else kept--;
  }

  // ---- stage 3: cover gaps longer than maxGap ------------------------------------------------------------------
  // Between kept frames further apart than maxGap, every frame is decoded (no keyframe lies there to seek to) and
  // looked at four times a second, with the same choice as stage 1: a change is found to the quarter second.
  if (!error) {
    const times = [...keptAt.keys()].sort((a, b) => a - b);
    const gaps: [number, number][] = [];
    let prev = 0;
    for (const b of [...times, duration]) {
      if (b - prev > maxGap) gaps.push([prev, b]);
      prev = b;
    }
    // Nothing kept at all (no keyframe flagged, e.g. intra-refresh H.264): the whole video, however short.
    if (times.length === 0 && gaps.length === 0) gaps.push([0, duration]);
    for (const [a, b] of gaps) {
      if (kept >= cap) break;
      const choose = chooser(keptAt.has(a) ? a : -Infinity, keptAt.get(a) ?? null, b);
      const from = keptAt.has(a) ? a + 0.001 : a;
      error = yield* drain(pass('decoding frames between keyframes', NOREF, dense, from, b - from), async function* (c) {
        if (c.t >= b - 0.001) return;
        stats.fills++;
        yield* choose.offer(c);
      });
      yield* choose.finish();
      if (error) break;
    }
  }

  if (!posterDone && posterFallback) {
    const fb: { t: number; data: Buffer } = posterFallback;
    yield await makePoster(fb.t, fb.data);
  }
  if (!error && stats.frames === 0) error = videoFailure('corrupt', 'The video is damaged: no frame of it could be decoded.');
  yield end(error ?? undefined);
}
