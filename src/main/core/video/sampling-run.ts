// What the stages of one video's sampling share: the resolved settings, the frames kept under the cap, the poster
// choice, and the ffmpeg passes, which all draw on one working-time budget for the whole video.
import path from 'node:path';
import { decodeRawRgb, rawWorkingSize } from '../decode/decode-photo.js';
import type { PreprocessSpec } from '../decode/preprocess-spec.js';
import type { FfmpegBinaries } from './ffmpeg-binaries.js';
import { passFailure, runPass, type PassResult, type RawFrame } from './frame-pass.js';
import { gridSignature } from './frame-signature.js';
import { PosterChoice } from './poster-choice.js';
import type { FrameReason, SampleStats, VideoSample } from './sample-types.js';
import type { VideoFailure } from './video-errors.js';
import type { VideoProbe } from './video-probe.js';

/** A frame a pass let out, with its grid signature. */
export type Candidate = RawFrame & { sig: Float32Array };

/** sampleVideo's options with their defaults applied. */
export interface SamplingSettings {
  spec: PreprocessSpec;
  momentThumb: number;
  posterThumb: number;
  cap: number;
  duration: number;
  maxGap: number;
  minGap: number;
  precision: number;
  threshold: number;
  threads: number;
  stallMs: number;
  budgetMs: number;
  memoryBytes?: number;
  signal?: AbortSignal;
  runDir?: string;
}

export class SamplingRun {
  /** Kept frames by time, with their signatures: the coverage gaps and the change detection of stage 3 read them. */
  readonly keptAt = new Map<number, Float32Array>();
  /** Frames counted under the cap, those that stage 2 has yet to place included. */
  kept = 0;
  private spentMs = 0;
  private readonly work: { width: number; height: number };
  private readonly frameBytes: number;
  private readonly sizes: { width: number; height: number; fullWidth: number; fullHeight: number };
  private readonly input: string;
  private readonly poster: PosterChoice;

  constructor(
    file: string,
    readonly probe: VideoProbe,
    readonly settings: SamplingSettings,
    readonly stats: SampleStats,
    private readonly bins: FfmpegBinaries,
  ) {
    // ffmpeg turns the picture upright (autorotate) and scales it to exactly the photo path's working buffer.
    this.work = rawWorkingSize(probe.width, probe.height, settings.spec, { thumbSize: settings.posterThumb });
    this.frameBytes = this.work.width * this.work.height * 3;
    this.sizes = { width: this.work.width, height: this.work.height, fullWidth: probe.width, fullHeight: probe.height };
    this.input = `file:${path.resolve(file)}`;
    this.poster = new PosterChoice(settings.duration, this.sizes, settings.spec, settings.posterThumb);
  }

  /**
   * Runs one ffmpeg pass over [from, from + span) (the whole file when span is null) and yields its frames with
   * their times and grid signatures. `select` chooses the frames ffmpeg lets out. Bounds: one working-time budget
   * for the whole sampling, shared by the passes; time spent by us and our consumer does not count.
   */
  async *pass(what: string, extra: string[], select: string, from: number, span: number | null): AsyncGenerator<Candidate, VideoFailure | null> {
    const s = this.settings;
    const work = this.work;
    const t0 = performance.now();
    let heldMs = 0;
    const lim = { timeoutMs: Math.max(1000, s.budgetMs - this.spentMs), stallMs: s.stallMs, memoryBytes: s.memoryBytes, signal: s.signal, runDir: s.runDir };
    const args = [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-threads', String(s.threads), ...extra,
      ...(from > 0 ? ['-ss', from.toFixed(4)] : []), ...(span !== null ? ['-t', span.toFixed(4)] : []), '-i', this.input,
      '-map', `0:${this.probe.streamIndex}`, '-an', '-sn', '-dn',
      '-vf', `select='${select}',scale=${work.width}:${work.height}:flags=bicubic,format=rgb24,setsar=1,showinfo`,
      '-vsync', '0', '-f', 'rawvideo', 'pipe:1',
    ];
    const result: PassResult = {};
    this.stats.processes++;
    for await (const raw of runPass(this.bins.ffmpeg, args, this.frameBytes, lim, result)) {
      const h0 = performance.now();
      // After an input seek ffmpeg counts time from the seek point.
      yield { t: from + raw.t, data: raw.data, sig: gridSignature(raw.data, work.width, work.height) };
      heldMs += performance.now() - h0;
    }
    this.spentMs += performance.now() - t0 - heldMs;
    return passFailure(result.exit!, what, lim.timeoutMs, s.memoryBytes, s.signal);
  }

  /** Emits one frame through the photo tensor path. `reserved`: its place under the cap was taken in stage 1. */
  async *emit(raw: Candidate, reason: FrameReason, change: number, reserved = false): AsyncGenerator<VideoSample> {
    if (!reserved) this.kept++;
    this.keptAt.set(raw.t, raw.sig);
    const out = await decodeRawRgb(raw.data, this.sizes, this.settings.spec, { thumbSize: this.settings.momentThumb });
    this.stats.frames++;
    yield { kind: 'frame', frame: { t: raw.t, reason, change, ...out } };
    if (this.poster.wants(raw.t, raw.data, raw.sig)) yield await this.poster.make(raw.t, raw.data);
  }

  /** After the last stage: the poster from the fallback frame, when no kept frame was good enough as it came. */
  async *lastPoster(): AsyncGenerator<VideoSample> {
    const fb = this.poster.leftover();
    if (fb) yield await this.poster.make(fb.t, fb.data);
  }
}

/**
 * Runs a pass to its end with for-await semantics (early exit closes it) and returns its failure, if any. `each`
 * may yield samples (a generator) or only look (a plain function).
 */
export async function* drain<T>(gen: AsyncGenerator<T, VideoFailure | null>, each: (x: T) => AsyncGenerator<VideoSample> | void): AsyncGenerator<VideoSample, VideoFailure | null> {
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
