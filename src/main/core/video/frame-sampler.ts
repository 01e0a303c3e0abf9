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
//
// The parts: sampling-stages.ts (the three stages and the choice they share), sampling-run.ts (the state they
// share and the passes), frame-pass.ts (one ffmpeg process), frame-signature.ts, poster-choice.ts, sample-types.ts.
import os from 'node:os';
import { ffmpegBinaries, FfmpegUnavailableError, type FfmpegBinaries } from './ffmpeg-binaries.js';
import type { SampleOptions, SampleStats, VideoSample } from './sample-types.js';
import { SamplingRun, type SamplingSettings } from './sampling-run.js';
import { fillStage, keyframeStage, refineStage } from './sampling-stages.js';
import { videoFailure, type VideoFailure } from './video-errors.js';
import type { VideoProbe } from './video-probe.js';

// The module's public surface from before it was split: importers keep one path.
export { gridDistance, gridSignature } from './frame-signature.js';
export type { FrameReason, SampledFrame, SampleOptions, SampleStats, VideoPoster, VideoSample } from './sample-types.js';

/**
 * Samples a probed video. Yields frames and the poster as they are ready, then one 'end' item. Never throws for a
 * bad file (the failure is in 'end'); an abort throws the signal's reason and stops ffmpeg.
 */
export async function* sampleVideo(file: string, probe: VideoProbe, opts: SampleOptions): AsyncGenerator<VideoSample> {
  const started = performance.now();
  const cap = Math.max(1, opts.maxFrames ?? 200);
  const duration = probe.durationS;
  // The grid uses at most three quarters of the cap; the rest is for picture changes.
  const maxGap = Math.max(opts.maxGapS ?? 4, duration / Math.max(1, Math.floor(cap * 0.75)));
  const settings: SamplingSettings = {
    spec: opts.spec,
    momentThumb: opts.momentThumbSize ?? 160,
    posterThumb: opts.posterThumbSize ?? 320,
    cap,
    duration,
    maxGap,
    minGap: Math.min(opts.minGapS ?? 1, maxGap / 2),
    precision: opts.precisionS ?? 1,
    threshold: opts.sceneThreshold ?? 0.08,
    threads: opts.threads ?? Math.max(1, Math.min(4, os.availableParallelism())),
    stallMs: opts.stallMs ?? 60_000,
    budgetMs: opts.timeoutMs ?? 60_000 + 2000 * duration,
    memoryBytes: opts.memoryBytes,
    signal: opts.signal,
    runDir: opts.runDir,
  };
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

  const run = new SamplingRun(file, probe, settings, stats, bins);
  const keyframes = yield* keyframeStage(run);
  let error = keyframes.error;
  // Each stage runs only while the ones before it have not failed: the frames already out stay good.
  if (!error) error = yield* refineStage(run, keyframes.refines);
  if (!error) error = yield* fillStage(run);
  yield* run.lastPoster();
  if (!error && stats.frames === 0) error = videoFailure('corrupt', 'The video is damaged: no frame of it could be decoded.');
  yield end(error ?? undefined);
}
