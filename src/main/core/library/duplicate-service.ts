// Near-duplicate groups for review: photos whose difference hashes are close and whose CLIP vectors agree,
// each group ordered with the one to keep (largest, then biggest file) first.
import type { DuplicateGroup } from '../../../shared/types.js';
import { findDuplicateGroups } from '../search/duplicates.js';
import type { ActiveIndex } from './active-index.js';
import type { PhotoCatalog } from './photo-catalog.js';
import { compareSignatures, probeVideo, videoSignature, type VideoSignature } from '../video/index.js';

export async function duplicateGroups(catalog: PhotoCatalog, index: ActiveIndex, opts: { maxHamming?: number; minCosine?: number } = {}): Promise<DuplicateGroup[]> {
  const idx = await index.get();
  const candidates = [...catalog.values()]
    .filter((p) => p.status === 'ok' && p.phash && p.kind !== 'video')
    .map((p) => ({ id: p.id, phash: p.phash!, width: p.width, height: p.height, bytes: p.size, contentHash: p.hash || undefined }));
  const cos = (a: string, b: string) => {
    const va = idx.get(a);
    return va ? (idx.score(b, va) ?? 0) : 0;
  };
  return findDuplicateGroups(candidates, cos, opts)
    .map((ids) => {
      const photos = ids.map((id) => catalog.infoById(id)!);
      photos.sort((a, b) => b.width * b.height - a.width * a.height || b.size - a.size || a.path.localeCompare(b.path));
      return { paths: photos.map((p) => p.path), photos, keep: photos[0].id };
    })
    .sort((a, b) => b.photos.length - a.photos.length || a.paths[0].localeCompare(b.paths[0]));
}

/** Durations further apart than this share (2%) are different videos, whatever they show. */
const DURATION_TOLERANCE = 0.02;

/**
 * Groups of the same video re-encoded (another codec, bitrate or size): videos of about the same length are
 * compared by their signatures (frame hashes at fixed fractions of the duration), computed only for such pairs
 * and remembered for this library's lifetime.
 */
export async function videoDuplicateGroups(catalog: PhotoCatalog, cache: Map<string, VideoSignature | null>, runDir: string): Promise<DuplicateGroup[]> {
  const videos = [...catalog.values()].filter((p) => p.status === 'ok' && p.kind === 'video' && (p.duration ?? 0) > 0).sort((a, b) => a.duration! - b.duration!);
  const signature = async (p: (typeof videos)[number]): Promise<VideoSignature | null> => {
    const key = `${p.id}:${p.size}:${p.mtime}`;
    if (cache.has(key)) return cache.get(key)!;
    const probe = await probeVideo(p.path, { runDir });
    const sig = probe.ok ? await videoSignature(p.path, probe.value, { runDir }) : null;
    const value = sig?.ok ? sig.value : null;
    cache.set(key, value);
    return value;
  };
  const parent = new Map(videos.map((v) => [v.id, v.id]));
  const find = (x: string): string => (parent.get(x) === x ? x : find(parent.get(x)!));
  for (let i = 0; i < videos.length; i++) {
    for (let j = i + 1; j < videos.length && videos[j].duration! <= videos[i].duration! * (1 + DURATION_TOLERANCE); j++) {
      if (find(videos[i].id) === find(videos[j].id)) continue;
      const [a, b] = [await signature(videos[i]), await signature(videos[j])];
      if (a && b && compareSignatures(a, b).same) parent.set(find(videos[i].id), find(videos[j].id));
    }
  }
  const groups = new Map<string, string[]>();
  for (const v of videos) {
    const r = find(v.id);
    groups.set(r, [...(groups.get(r) ?? []), v.id]);
  }
  return [...groups.values()]
    .filter((g) => g.length > 1)
    .map((ids) => {
      const photos = ids.map((id) => catalog.infoById(id)!);
      photos.sort((a, b) => b.width * b.height - a.width * a.height || b.size - a.size || a.path.localeCompare(b.path));
      return { paths: photos.map((p) => p.path), photos, keep: photos[0].id };
    });
}
