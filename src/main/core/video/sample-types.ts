// The shapes sampleVideo takes and streams out (options, frames, poster, statistics), apart from the code so that
// the sampler's modules and its callers share one definition.
import type { PreprocessSpec } from '../decode/preprocess-spec.js';
import type { FfmpegBinaries } from './ffmpeg-binaries.js';
import type { VideoFailure } from './video-errors.js';

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
