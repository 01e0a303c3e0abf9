// The three stages of sampling one video (frame-sampler.ts says why this way): the keyframes, the changes seen
// between keyframes placed by decoding there, and the stretches no kept frame covers decoded whole.
import { gridDistance } from './frame-signature.js';
import type { VideoSample } from './sample-types.js';
import { drain, type Candidate, type SamplingRun } from './sampling-run.js';
import type { VideoFailure } from './video-errors.js';

/** Most changes per video placed by decoding between keyframes (each costs up to maxGapS of decoding). */
const MAX_REFINES = 40;
// Candidates in stage 2 and 3: every keyframe, and other frames at most four a second. Frames no other frame
// refers to need not be decoded to reach the next ones (`-skip_frame noref`: about a tenth less work with B-frames).
const DENSE = 'isnan(prev_selected_t)+gte(t-prev_selected_t,0.25)+eq(key,1)';
const NOREF = ['-skip_frame', 'noref'];

/** A change seen between two keyframes, for stage 2 to place; its frame is counted under the cap already. */
export interface Refine {
  from: Candidate;
  to: number;
}

/**
 * The choice over a time-ordered run of candidates, starting after a kept frame at (lastT, lastSig): keep a
 * candidate that differs from the last kept one (not closer than minGap), and keep the one before a candidate
 * that would leave more than maxGap uncovered. `end` is where the run's coverage must reach.
 */
class FrameChooser {
  private pending: Candidate | null = null;

  constructor(
    private readonly run: SamplingRun,
    private lastT: number,
    private lastSig: Float32Array | null,
    private readonly end: number,
  ) {}

  /** Looks at the next candidate; `onChange` may take a change over (true) instead of keeping it here. */
  async *offer(c: Candidate, onChange?: (c: Candidate, ref: Float32Array) => boolean): AsyncGenerator<VideoSample> {
    const { cap, maxGap, minGap, threshold } = this.run.settings;
    if (this.pending && c.t - this.lastT > maxGap && this.run.kept < cap) {
      const p = this.pending;
      this.pending = null;
      yield* this.run.emit(p, 'interval', this.lastSig ? gridDistance(p.sig, this.lastSig) : 0);
      this.lastT = p.t;
      this.lastSig = p.sig;
    }
    this.pending = null;
    if (this.lastSig === null) {
      if (this.run.kept < cap) {
        yield* this.run.emit(c, 'first', 0);
        this.lastT = c.t;
        this.lastSig = c.sig;
      }
      return;
    }
    const change = gridDistance(c.sig, this.lastSig);
    const gridLeft = Math.ceil(Math.max(0, this.end - c.t) / maxGap);
    if (change >= threshold && c.t - this.lastT >= minGap && this.run.kept + 1 + gridLeft <= cap) {
      if (!onChange?.(c, this.lastSig)) yield* this.run.emit(c, 'scene', change);
      this.lastT = c.t;
      this.lastSig = c.sig;
    } else this.pending = c;
  }

  async *finish(): AsyncGenerator<VideoSample> {
    const { cap, maxGap } = this.run.settings;
    if (this.pending && this.end - this.lastT > maxGap && this.run.kept < cap) {
      yield* this.run.emit(this.pending, 'interval', this.lastSig ? gridDistance(this.pending.sig, this.lastSig) : 0);
    }
    this.pending = null;
  }
}

/**
 * Stage 1, keyframes. `-skip_frame nokey` makes decoders skip non-key frames (H.264, HEVC, VP8, MPEG-4 part 2).
 * This build's VP9 decoder ignores it and decodes every frame: the select then lets out at most two frames a second
 * (four when they are keyframes), which also bounds all-intra streams (MJPEG, ProRes). `-discard nokey` at the
 * demuxer would be faster for MP4, but it leaves H.264 keyframes behind B-frames with the wrong time (3.12 s for 3.00).
 */
export async function* keyframeStage(run: SamplingRun): AsyncGenerator<VideoSample, { error: VideoFailure | null; refines: Refine[] }> {
  const { duration, maxGap, precision } = run.settings;
  const refines: Refine[] = [];
  let prev: Candidate | null = null;
  // The longest keyframe interval so far: an encoder's regular one. A keyframe that comes sooner was put there by
  // the encoder's own scene-cut detection, so the change is at that keyframe and needs no search.
  let regular = 0;
  const frameS = run.probe.fps && run.probe.fps > 0 ? 1 / run.probe.fps : 0.04;
  const choose = new FrameChooser(run, -Infinity, null, duration);
  // A change seen between two keyframes more than `precision` apart happened somewhere between them: stage 2
  // finds where. Its frame is counted under the cap now, and kept there.
  const defer = (c: Candidate): boolean => {
    if (!prev || refines.length >= MAX_REFINES) return false;
    const gap = c.t - prev.t;
    if (gap <= precision * 1.05 || gap > maxGap || gap < regular - 1.5 * frameS) return false;
    refines.push({ from: prev, to: c.t });
    run.kept++;
    return true;
  };
  let error = yield* drain(run.pass('decoding the keyframes', ['-skip_frame', 'nokey'], 'isnan(prev_selected_t)+gte(t-prev_selected_t,0.5-0.25*key)', 0, null), async function* (c) {
    run.stats.candidates++;
    yield* choose.offer(c, defer);
    if (prev) regular = Math.max(regular, c.t - prev.t);
    prev = c;
  });
  yield* choose.finish();
  // A decoder that flags no keyframe at all (intra-refresh H.264) fails nothing: stage 3 covers the video.
  if (error && error.code === 'corrupt' && run.stats.candidates === 0) error = null;
  return { error, refines };
}

/**
 * Stage 2, where exactly did the picture change? The cut is where two neighbouring candidates differ most (a quarter
 * second apart); a slow drift, with no such jump, leaves the keyframe that showed the change as the frame.
 */
export async function* refineStage(run: SamplingRun, refines: Refine[]): AsyncGenerator<VideoSample, VideoFailure | null> {
  const { threshold } = run.settings;
  let error: VideoFailure | null = null;
  for (const r of refines) {
    if (error) break;
    let best: { frame: Candidate; jump: number } | null = null;
    let last: Candidate | null = null;
    let before = r.from.sig;
    error = yield* drain(run.pass('finding a scene change', NOREF, DENSE, r.from.t + 0.001, r.to - r.from.t + 0.01), (x) => {
      const jump = gridDistance(x.sig, before);
      if (!best || jump > best.jump) best = { frame: x, jump };
      before = x.sig;
      last = x;
    });
    const b = best as { frame: Candidate; jump: number } | null;
    const pick = b && b.jump >= threshold ? b.frame : last;
    if (pick) {
      run.stats.refined++;
      yield* run.emit(pick, 'scene', gridDistance(pick.sig, r.from.sig), true);
    } else run.kept--;
  }
  return error;
}

/**
 * Stage 3, cover gaps longer than maxGap. Between kept frames further apart than maxGap, every frame is decoded (no
 * keyframe lies there to seek to) and looked at four times a second, with the same choice as stage 1: a change is
 * found to the quarter second.
 */
export async function* fillStage(run: SamplingRun): AsyncGenerator<VideoSample, VideoFailure | null> {
  const { cap, duration, maxGap } = run.settings;
  const keptAt = run.keptAt;
  let error: VideoFailure | null = null;
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
    if (run.kept >= cap) break;
    const choose = new FrameChooser(run, keptAt.has(a) ? a : -Infinity, keptAt.get(a) ?? null, b);
    const from = keptAt.has(a) ? a + 0.001 : a;
    error = yield* drain(run.pass('decoding frames between keyframes', NOREF, DENSE, from, b - from), async function* (c) {
      if (c.t >= b - 0.001) return;
      run.stats.fills++;
      yield* choose.offer(c);
    });
    yield* choose.finish();
    if (error) break;
  }
  return error;
}
