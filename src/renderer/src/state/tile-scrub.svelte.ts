// Scrubbing video tiles: which tile shows which of its moments instead of its poster. The pointer across a tile
// picks the moment under it, once the tile's moments are there; they are asked for only after the pointer has
// rested on the tile a moment (DWELL_MS), so sweeping across the grid asks for nothing. On a focused tile, , and .
// step through the moments (before the first: the poster again), and what is shown is said to screen readers.
import type { SoutuApi } from '../../../shared/api';
import type { SearchHit } from '../../../shared/types';
import { formatDuration } from '../lib/format';
import { t } from '../lib/i18n.svelte';
import { formatMoment, momentAt } from '../lib/video';
import { VideoMomentsState } from './video-moments.svelte';

const DWELL_MS = 150;

export class TileScrub {
  /** The tile showing a moment (`key`: stepped to from the keyboard), or null. */
  current = $state<{ id: string; at: number; key: boolean; length: number } | null>(null);
  readonly moments: VideoMomentsState;

  private dwell: ReturnType<typeof setTimeout> | undefined;
  private hover: { id: string; frac: number } | null = null;

  constructor(api: SoutuApi) {
    this.moments = new VideoMomentsState(api);
  }

  /** The moment tile `id` shows, or null for its poster. */
  at(id: string): number | null {
    return this.current?.id === id ? this.current.at : null;
  }

  /** What a screen reader hears after a step: "0:07 of 0:15". */
  get said(): string {
    const c = this.current;
    const m = c?.key ? this.moments.of(c.id) : null;
    if (!c || !m) return '';
    return t('video.scrubAt', { at: formatMoment(m.times[c.at]), length: formatDuration(c.length || m.duration) });
  }

  move(hit: SearchHit, e: PointerEvent): void {
    if (hit.kind !== 'video' || e.pointerType === 'touch') return;
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const frac = box.width > 0 ? (e.clientX - box.left) / box.width : 0;
    const known = this.moments.of(hit.id);
    if (known) {
      this.current = { id: hit.id, at: momentAt(frac, 1, known.times.length), key: false, length: hit.duration ?? 0 };
      return;
    }
    const fresh = this.hover?.id !== hit.id;
    this.hover = { id: hit.id, frac };
    if (known === null || !fresh) return;
    clearTimeout(this.dwell);
    this.dwell = setTimeout(async () => {
      const m = await this.moments.load(hit.id);
      const hover = this.hover;
      if (m && hover?.id === hit.id) this.current = { id: hit.id, at: momentAt(hover.frac, 1, m.times.length), key: false, length: hit.duration ?? 0 };
    }, DWELL_MS);
  }

  leave(hit: SearchHit): void {
    clearTimeout(this.dwell);
    this.hover = null;
    if (this.current?.id === hit.id && !this.current.key) this.current = null;
  }

  /** Keyboard focus moved to tile `id`: another tile's moment goes back to its poster. */
  focus(id: string): void {
    if (this.current && this.current.id !== id) this.current = null;
  }

  /** The moment before or after the one `hit` shows; `still()` says whether it is still the tile to step. */
  async step(hit: SearchHit, dir: 1 | -1, still: () => boolean): Promise<void> {
    const m = await this.moments.load(hit.id);
    if (!m || !still()) return;
    const now = this.at(hit.id) ?? -1;
    const next = Math.max(-1, Math.min(m.times.length - 1, now + dir));
    this.current = next < 0 ? null : { id: hit.id, at: next, key: true, length: hit.duration ?? 0 };
  }
}
