// Pairs iPhone Live Photos in a folder listing: a HEIC/JPEG still and the short MOV with the same name, so the MOV
// belongs to the photo instead of being listed as a video of its own. Pure: names and known durations in, pairs out.
import path from 'node:path';

export interface FolderFile {
  path: string;
  /** Seconds, when already known (a probe or an earlier index); a longer MOV is a video in its own right. */
  durationS?: number | null;
}

export interface LivePhotoPair {
  still: string;
  motion: string;
}

/** A Live Photo's motion part is ~3 s (1.5 s either side of the shot); a little room for rounding and old models. */
export const LIVE_PHOTO_MAX_S = 3.6;

// When one name has several stills (an export with both), the HEIC is the original.
const STILL_RANK: Record<string, number> = { heic: 0, heif: 1, jpg: 2, jpeg: 3 };

function parts(p: string): { dir: string; stem: string; ext: string } {
  const ext = path.extname(p);
  return { dir: path.dirname(p), stem: path.basename(p, ext).toLowerCase(), ext: ext.slice(1).toLowerCase() };
}

/**
 * Pairs each MOV with the still of the same stem in the same folder (names compared case-insensitively, as the
 * iPhone writes IMG_1234.HEIC with IMG_1234.MOV and exports may change the case). A MOV known to be longer than
 * LIVE_PHOTO_MAX_S is not paired. `hidden` lists the MOVs that should not show up as videos.
 */
export function pairLivePhotos(files: readonly FolderFile[]): { pairs: LivePhotoPair[]; hidden: Set<string> } {
  const stills = new Map<string, { path: string; rank: number }>();
  for (const f of files) {
    const { dir, stem, ext } = parts(f.path);
    const rank = STILL_RANK[ext];
    if (rank === undefined) continue;
    const key = `${dir}\u0000${stem}`;
    const have = stills.get(key);
    if (!have || rank < have.rank) stills.set(key, { path: f.path, rank });
  }
  const pairs: LivePhotoPair[] = [];
  const hidden = new Set<string>();
  for (const f of files) {
    const { dir, stem, ext } = parts(f.path);
    if (ext !== 'mov') continue;
    if (typeof f.durationS === 'number' && f.durationS > LIVE_PHOTO_MAX_S) continue;
    const still = stills.get(`${dir}\u0000${stem}`);
    if (!still) continue;
    pairs.push({ still: still.path, motion: f.path });
    hidden.add(f.path);
  }
  return { pairs, hidden };
}
