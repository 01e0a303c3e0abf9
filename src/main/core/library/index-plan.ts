// What an index run has to do, before it does anything: walk the roots, compare with the catalog by (size,
// mtime) to find new and changed files and vanished ones, and recognise moves and renames by a content hash.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ScanProblem } from '../../../shared/types.js';
import { IMAGE_EXTENSIONS, sniffImageFormat } from '../decode/index.js';
import { photoId, quickHash, type WorkItem } from '../index/index-pipeline.js';
import { walkRoot, type ScannedFile } from '../scan/walk.js';
import { pairLivePhotos, sniffVideoFormat, VIDEO_EXTENSIONS } from '../video/index.js';
import type { PhotoRecord } from '../store/vector-store.js';
import type { RootMeta } from './library-meta.js';
import type { PhotoCatalog } from './photo-catalog.js';
import type { ProgressTracker } from './index-progress.js';

/** Failures worth another try at the next run even when the file did not change (the disk or share may be back). */
const RETRIED = new Set(['unreadable', 'timeout']);

export interface RunPlan {
  /** Files to decode and embed. */
  work: WorkItem[];
  /** Photos of the walked roots whose files are gone. */
  gone: PhotoRecord[];
  offlineRoots: string[];
  problems: ScanProblem[];
}

export interface PlanDeps {
  dir: string;
  catalog: PhotoCatalog;
  /** Ids that already have a vector of the run's model. */
  haveVector: ReadonlySet<string>;
  progress: ProgressTracker;
  signal?: AbortSignal;
  /** false: videos are neither walked nor dropped (the run leaves them as they are). */
  videos?: boolean;
}

/**
 * Walks every root. A root that is missing (an unplugged drive, an unmounted share) is marked offline and its
 * photos are kept. `roots` are updated in place (online flags).
 */
export async function planRun(roots: RootMeta[], deps: PlanDeps): Promise<RunPlan> {
  const { catalog, haveVector, progress, signal } = deps;
  const plan: RunPlan = { work: [], gone: [], offlineRoots: [], problems: [] };
  for (const meta of roots) {
    const root = meta.path;
    const st = await stat(root).catch(() => null);
    if (!st?.isDirectory()) {
      meta.online = false;
      plan.offlineRoots.push(root);
      plan.problems.push({ path: root, kind: 'not-found', message: 'This folder is offline (missing or unplugged); its photos are kept.' });
      continue;
    }
    meta.online = true;
    const seen = new Set<string>();
    const files: ScannedFile[] = [];
    const withVideos = deps.videos !== false;
    for await (const f of walkRoot(root, {
      exclude: [deps.dir],
      imageExtensions: IMAGE_EXTENSIONS,
      sniff: sniffImageFormat,
      ...(withVideos ? { videoExtensions: VIDEO_EXTENSIONS, sniffVideo: sniffVideoFormat } : {}),
      onProblem: (p) => plan.problems.push(p),
      signal,
    })) {
      files.push(f);
      seen.add(f.path);
      progress.p.found++;
      progress.emit();
    }
    if (signal?.aborted) break;
    // A Live Photo's MOV belongs to its still: it is not listed as a video of its own.
    const known = (file: string) => catalog.get(catalog.idForPath(file) ?? '');
    const live = pairLivePhotos(files.map((f) => ({ path: f.path, durationS: known(f.path)?.duration ?? null })));
    const motionOf = new Map(live.pairs.map((p) => [p.still, p.motion]));
    for (const f of files) {
      if (live.hidden.has(f.path)) {
        progress.p.found--;
        seen.delete(f.path);
        continue;
      }
      const id = catalog.idForPath(f.path);
      const rec = id ? catalog.get(id) : undefined;
      // Without videos in this run the MOVs were not walked: a still keeps the motion clip it had.
      const motion = withVideos ? motionOf.get(f.path) : (rec?.motion ?? undefined);
      // Unchanged: same size and time, same Live Photo pairing, and either a vector or a failure that re-reading would not change.
      const done = rec && ((rec.status === 'failed' && !RETRIED.has(rec.errorCode ?? '')) || haveVector.has(rec.kind === 'video' ? `${rec.id}@0` : rec.id));
      if (rec && rec.size === f.size && rec.mtime === f.mtime && rec.root === root && (rec.motion ?? undefined) === motion && done) {
        progress.p.unchanged++;
        continue;
      }
      plan.work.push({ path: f.path, root, size: f.size, mtime: f.mtime, id: rec?.id ?? photoId(f.path), kind: f.kind, ...(motion ? { motion } : {}) });
    }
    for (const rec of catalog.values()) {
      if (rec.root !== root || seen.has(rec.path)) continue;
      // With videos left out of this run, known videos are not gone, only not looked at.
      if (!withVideos && rec.kind === 'video') continue;
      plan.gone.push(rec);
    }
  }
  return plan;
}

export interface Move {
  from: PhotoRecord;
  item: WorkItem;
}

/** New files whose content matches a vanished photo of the same size (a move or rename) keep that photo's vector. */
export async function detectMoves(plan: RunPlan, catalog: PhotoCatalog, haveVector: ReadonlySet<string>, signal?: AbortSignal): Promise<Move[]> {
  const goneBySize = new Map<number, PhotoRecord[]>();
  for (const g of plan.gone) if (g.status === 'ok' && haveVector.has(g.id)) goneBySize.set(g.size, [...(goneBySize.get(g.size) ?? []), g]);
  const moves: Move[] = [];
  if (goneBySize.size === 0) return moves;
  for (const item of plan.work) {
    if (signal?.aborted) break;
    if (catalog.has(item.id)) continue; // a changed file, not a new one
    const candidates = goneBySize.get(item.size);
    if (!candidates?.length) continue;
    item.hash = await quickHash(item.path, item.size, signal).catch(() => undefined);
    const match = candidates.find((c) => c.hash === item.hash);
    if (match) {
      candidates.splice(candidates.indexOf(match), 1);
      moves.push({ from: match, item });
    }
  }
  return moves;
}

/** The row a moved photo gets at its new path (its thumbnail is renamed by the caller). */
export function movedRow(from: PhotoRecord, item: WorkItem, thumb: string | null): PhotoRecord {
  return { ...from, id: item.id, path: item.path, root: item.root, folder: path.dirname(item.path), name: path.basename(item.path), mtime: item.mtime, size: item.size, thumb, indexedAt: Date.now() };
}
