// Photos hashed for near-duplicates by an earlier version of the hash are hashed again once, from their
// thumbnails (which have the decoder's working size: about 3 ms a photo). Runs after an index run.
import path from 'node:path';
import { dhashOfImageFile } from '../decode/dhash.js';
import type { PhotoRecord, VectorStore } from '../store/vector-store.js';
import type { MetadataStore } from './metadata-store.js';
import type { PhotoCatalog } from './photo-catalog.js';

/** Version of the near-duplicate hash (decode/dhash.ts): 2 hashes the decoder's pixels in JS (1 hashed the thumbnail with libvips). */
export const DHASH_VERSION = 2;

/**
 * Rehashes the ok photos indexed before `openedAt` (photos indexed since already have the current hash). An
 * interrupted pass starts over at the next run; the version is recorded only when the pass completes.
 */
export async function rehashOutdated(deps: { dir: string; meta: MetadataStore; catalog: PhotoCatalog; store: VectorStore; openedAt: number }, signal?: AbortSignal): Promise<void> {
  const { dir, meta, catalog, store, openedAt } = deps;
  if (meta.current.settings.dhashVersion === DHASH_VERSION) return;
  const stale = [...catalog.values()].filter((p) => p.status === 'ok' && p.phash !== null && p.thumb && p.indexedAt < openedAt);
  let batch: PhotoRecord[] = [];
  const flush = async () => {
    if (batch.length > 0) await store.upsertPhotos(batch);
    batch = [];
  };
  for (const p of stale) {
    if (signal?.aborted) return;
    const phash = await dhashOfImageFile(path.join(dir, p.thumb!)).catch(() => null);
    if (phash === null || phash === p.phash) continue; // a missing thumbnail keeps its hash until the photo is re-indexed
    const next = { ...p, phash };
    catalog.commit([next]);
    batch.push(next);
    if (batch.length >= 2000) await flush();
  }
  await flush();
  await meta.update((m) => {
    m.settings.dhashVersion = DHASH_VERSION;
  });
}
