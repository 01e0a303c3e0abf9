// Plays a video (or a Live Photo's motion clip) in a <video>: the file as it is when the browser can play it, else a
// preview the server makes on demand (an H.264 MP4, media-handler.ts). The preview is asked for at once when
// canPlayType says no to the container (AVI), or when the file turns out unplayable: the <video> reports an error
// (a codec it lacks in a container it knows) or opens without a picture (audio only plays). A preview covers a window
// of the video and says where it starts (X-Soutu-Preview-Start, read with a HEAD request that also waits for the
// transcode): a moment at t plays at t − start; a jump outside the window asks for the preview that covers it.
// Times here are always the video's own; the element's currentTime is the source's.
import type { SoutuApi } from '../../../shared/api';
import type { MediaKind } from '../../../shared/contract';
import { containerPlayable } from '../lib/video';

export interface PlayerSource {
  kind: 'original' | 'preview';
  url: string;
  /** Where the source starts in the video, seconds (0 for the original). */
  offset: number;
  /** How much of the video it holds from there, seconds. */
  span: number;
}

export type PlayerStatus = 'loading' | 'preparing' | 'ready' | 'failed';

export interface PlayerOptions {
  /** The browser's answer for a content type (HTMLMediaElement.canPlayType). */
  canPlayType: (mime: string) => string;
  fetch?: typeof fetch;
  /** Start playing once at the asked time (the lightbox); else wait for play(). */
  autoplay?: boolean;
}

export class VideoPlayer {
  source = $state.raw<PlayerSource | null>(null);
  /** 'ready' once the first asked time has been reached (and playback started when autoplay). */
  status = $state<PlayerStatus>('loading');
  /** Where playback is, in the video's own time. */
  time = $state(0);
  paused = $state(true);

  private el: HTMLVideoElement | null = null;
  /** The video time to go to once the source has loaded. */
  private pending: number | null = null;
  private seq = 0;
  private readonly fetcher: typeof fetch;

  constructor(
    private readonly api: SoutuApi,
    private readonly target: { id: string; format?: string },
    private readonly kind: Extract<MediaKind, 'full' | 'motion'>,
    private readonly opts: PlayerOptions,
  ) {
    this.fetcher = opts.fetch ?? ((...a) => fetch(...a));
  }

  /** Starts loading, to play from `t` seconds. */
  open(t: number): void {
    this.pending = Math.max(0, t);
    this.time = this.pending;
    if (containerPlayable(this.target.format, this.opts.canPlayType)) {
      this.source = { kind: 'original', url: this.api.mediaUrl(this.target, this.kind), offset: 0, span: Infinity };
      this.status = 'loading';
    } else void this.usePreview(this.pending);
  }

  attach(el: HTMLVideoElement | null): void {
    this.el = el;
  }

  /** The <video>'s loadedmetadata. */
  loaded(): void {
    const el = this.el;
    const s = this.source;
    if (!el || !s) return;
    // A picture-less original: a video codec the browser lacks (HEVC without a decoder), only the sound would play.
    if (s.kind === 'original' && el.videoWidth === 0) {
      void this.usePreview(this.pending ?? this.time);
      return;
    }
    const t = this.pending ?? this.time;
    this.pending = null;
    const local = Math.max(0, Math.min(t - s.offset, Number.isFinite(el.duration) ? el.duration : Infinity));
    if (local > 0.01) el.currentTime = local;
    else this.arrived();
  }

  /** The <video>'s seeked. */
  seeked(): void {
    this.tick();
    if (this.status !== 'ready') this.arrived();
  }

  /** The <video>'s error: the original gives way to a preview; a preview that fails is the end. */
  failed(): void {
    if (this.source?.kind === 'original') void this.usePreview(this.pending ?? this.time);
    else if (this.status !== 'preparing') this.status = 'failed';
  }

  /** The <video>'s timeupdate, play and pause. */
  tick(): void {
    const el = this.el;
    if (!el || !this.source) return;
    if (this.pending === null) this.time = el.currentTime + this.source.offset;
    this.paused = el.paused;
  }

  /** Goes to `t` seconds of the video, loading the preview that covers it when the current one does not. */
  seek(t: number): void {
    const s = this.source;
    const el = this.el;
    if (!s || !el || this.status === 'failed') return;
    this.time = t;
    if (s.kind === 'preview' && (t < s.offset || t >= s.offset + s.span - 0.05)) {
      void this.usePreview(t);
      return;
    }
    if (el.readyState >= 1) el.currentTime = Math.max(0, t - s.offset);
    else this.pending = t;
  }

  togglePlay(): void {
    if (!this.el || this.status === 'failed') return;
    if (this.el.paused) this.play();
    else this.el.pause();
  }

  play(): void {
    const el = this.el;
    if (!el) return;
    // Without a gesture browsers refuse sound: play muted then (the controls unmute).
    el.play().catch(() => {
      if (!this.el || el.muted) return;
      el.muted = true;
      return el.play().catch(() => {});
    });
  }

  private arrived(): void {
    this.status = 'ready';
    this.tick();
    if (this.opts.autoplay) this.play();
  }

  private async usePreview(t: number): Promise<void> {
    const seq = ++this.seq;
    this.status = 'preparing';
    this.pending = t;
    const url = `${this.api.mediaUrl(this.target, 'preview')}?start=${Math.max(0, t).toFixed(3)}`;
    try {
      const res = await this.fetcher(url, { method: 'HEAD', credentials: 'same-origin' });
      if (seq !== this.seq) return;
      if (!res.ok) throw new Error(`preview answered ${res.status}`);
      const offset = Number(res.headers.get('X-Soutu-Preview-Start'));
      const span = Number(res.headers.get('X-Soutu-Preview-Duration'));
      this.source = { kind: 'preview', url, offset: Number.isFinite(offset) ? offset : 0, span: span > 0 ? span : Infinity };
      this.status = 'loading';
    } catch {
      if (seq === this.seq) this.status = 'failed';
    }
  }
}
