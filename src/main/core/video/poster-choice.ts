// Chooses a video's poster among the frames kept, as they stream by: the first after the opening moment that shows
// something (a black or flat frame does not), or, when none does, the most varied frame kept.
import { decodeRawRgb } from '../decode/decode-photo.js';
import type { PreprocessSpec } from '../decode/preprocess-spec.js';
import { lumaStdev } from './frame-signature.js';
import type { VideoSample } from './sample-types.js';

/** Poster candidates must show something: luma spread over the grid, in 0..255. */
const POSTER_MIN_STDEV = 12;

export class PosterChoice {
  private done = false;
  private fallback: { t: number; data: Buffer; score: number } | null = null;
  private readonly after: number;

  constructor(
    duration: number,
    private readonly sizes: { width: number; height: number; fullWidth: number; fullHeight: number },
    private readonly spec: PreprocessSpec,
    private readonly thumbSize: number,
  ) {
    this.after = Math.min(1, duration * 0.1);
  }

  /** Looks at a kept frame: true when it is to be the poster now (`make` it); otherwise it may become the fallback. */
  wants(t: number, data: Buffer, sig: Float32Array): boolean {
    if (this.done) return false;
    const spread = lumaStdev(sig);
    if (t >= this.after && spread >= POSTER_MIN_STDEV) return true;
    if (!this.fallback || spread > this.fallback.score) this.fallback = { t, data, score: spread };
    return false;
  }

  /** The frame to make the poster from when no kept frame was good enough; null once a poster is made. */
  leftover(): { t: number; data: Buffer } | null {
    return this.done ? null : this.fallback;
  }

  async make(t: number, data: Buffer): Promise<VideoSample> {
    this.done = true;
    this.fallback = null;
    const p = await decodeRawRgb(data, this.sizes, this.spec, { thumbSize: this.thumbSize, wantTensor: false });
    return { kind: 'poster', poster: { t, thumbnail: p.thumbnail, width: p.thumbWidth, height: p.thumbHeight, dhash: p.dhash } };
  }
}
