// Small pure helpers for videos in the UI: which content type to ask the browser about, where a pointer over a
// tile falls among a video's moments, and the matched moments of a hit in time order with stepping between them.
import type { SearchHit } from '../../../shared/types';
import { formatDuration } from './format';

/** A moment's time as a player shows it: the second it is in ("0:04" from 4.0 to 4.99 s), never rounded up. */
export function formatMoment(seconds: number): string {
  return formatDuration(Math.floor(Math.max(0, seconds)));
}

/**
 * The content type to ask `canPlayType` about for a video container (PhotoInfo.format). The ISO-BMFF family (MP4,
 * MOV, M4V, 3GP) is asked as MP4: Chromium plays H.264 in a QuickTime file although it answers "" for
 * video/quicktime. '' for a container nobody is asked about (then the file is simply tried).
 */
export function containerMime(format: string | undefined): string {
  switch ((format ?? '').toLowerCase()) {
    case 'mp4':
    case 'm4v':
    case 'mov':
    case '3gp':
      return 'video/mp4';
    case 'webm':
      return 'video/webm';
    case 'mkv':
      return 'video/x-matroska';
    case 'avi':
      return 'video/x-msvideo';
    default:
      return '';
  }
}

/** False when the browser says it cannot play this container at all (then a preview is asked for at once). */
export function containerPlayable(format: string | undefined, canPlayType: (mime: string) => string): boolean {
  const mime = containerMime(format);
  return mime === '' || canPlayType(mime) !== '';
}

/** The moment under a pointer at `x` across a tile `width` wide, of `count` moments (clamped to the ends). */
export function momentAt(x: number, width: number, count: number): number {
  if (count <= 0 || !(width > 0)) return 0;
  return Math.max(0, Math.min(count - 1, Math.floor((x / width) * count)));
}

/** The times (seconds) of a hit's matching moments, the best one included, in time order without repeats. */
export function matchTimes(hit: Pick<SearchHit, 'time' | 'moments'>): number[] {
  const all = [...(hit.time !== undefined ? [hit.time] : []), ...(hit.moments ?? []).map((m) => m.time)];
  return [...new Set(all.filter((t) => Number.isFinite(t) && t >= 0))].sort((a, b) => a - b);
}

/** Within this distance (seconds) a time counts as being at a moment. */
const NEAR_S = 0.25;

/** The moment before (dir −1) or after (+1) time `now`, or null at the ends. */
export function stepMoment(times: readonly number[], now: number, dir: 1 | -1): number | null {
  if (dir > 0) return times.find((t) => t > now + NEAR_S) ?? null;
  for (let i = times.length - 1; i >= 0; i--) if (times[i] < now - NEAR_S) return times[i];
  return null;
}

/** The index of the moment `now` is at or has last passed (−1 before the first). */
export function currentMoment(times: readonly number[], now: number): number {
  let at = -1;
  for (let i = 0; i < times.length; i++) if (times[i] <= now + NEAR_S) at = i;
  return at;
}

/** The index among a video's sampled times (video:moments) of the one nearest `t`, or -1 when none is close. */
export function sampledIndex(times: readonly number[], t: number): number {
  let best = -1;
  let gap = Infinity;
  for (let i = 0; i < times.length; i++) {
    const d = Math.abs(times[i] - t);
    if (d < gap) {
      gap = d;
      best = i;
    }
  }
  return gap <= 0.05 ? best : -1;
}
