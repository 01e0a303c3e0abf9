// Near-duplicate groups for review: photos whose difference hashes are close and whose CLIP vectors agree,
// each group ordered with the one to keep (largest, then biggest file) first.
import type { DuplicateGroup } from '../../../shared/types.js';
import { findDuplicateGroups } from '../search/duplicates.js';
import type { ActiveIndex } from './active-index.js';
import type { PhotoCatalog } from './photo-catalog.js';

export async function duplicateGroups(catalog: PhotoCatalog, index: ActiveIndex, opts: { maxHamming?: number; minCosine?: number } = {}): Promise<DuplicateGroup[]> {
  const idx = await index.get();
  const candidates = [...catalog.values()]
    .filter((p) => p.status === 'ok' && p.phash)
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
