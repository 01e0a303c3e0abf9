// Taking photos out of the library: rows, vectors of every model, tags and thumbnails, in a crash-safe order
// (vectors first), for vanished files, removed folders and photos moved to the OS trash.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { VectorStore } from '../store/vector-store.js';
import type { ActiveIndex } from './active-index.js';
import type { MetadataStore } from './metadata-store.js';
import { isInside, type PhotoCatalog } from './photo-catalog.js';
import type { FrameCatalog } from './frame-catalog.js';
import type { OcrService } from './ocr-service.js';
import type { TagService } from './tag-service.js';

export interface RemovalDeps {
  dir: string;
  store: VectorStore;
  meta: MetadataStore;
  catalog: PhotoCatalog;
  index: ActiveIndex;
  tags: TagService;
  ocr: OcrService;
  frames: FrameCatalog;
  /** Whether an index run is going on (its end takes the index snapshot). */
  indexing(): boolean;
  changed(): void;
}

export class RemovalService {
  constructor(private readonly deps: RemovalDeps) {}

  /** Deletes photos from the store, the index and the catalog. */
  async deletePhotos(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    // A load in flight may have read the table before this deletion: let it finish, then delete from it too.
    await this.deps.index.settle();
    await this.deps.index.tableChange(() => this.deleteRows(ids));
  }

  private async deleteRows(ids: string[]): Promise<void> {
    const { store, meta, catalog, index, tags, dir } = this.deps;
    // Vectors first: a kill in between leaves a photo row without a vector, which the next run redoes. A video's
    // vectors are its frames'.
    const { frames } = this.deps;
    const frameIds = ids.flatMap((id) => frames.ofVideo(id).map((f) => f.id));
    const vectorIds = [...ids, ...frameIds];
    const active = meta.current.model;
    for (const key of await store.listVectorTables()) {
      const t = await store.vectors(key, active?.key === key ? active.dim : 1);
      await t.delete(vectorIds);
    }
    if (active) await (await store.tags(active.key)).delete(vectorIds);
    await (await store.ocr()).delete(ids);
    const videoIds = ids.filter((id) => frames.ofVideo(id).length > 0);
    if (videoIds.length > 0) {
      for (const id of videoIds) for (const f of frames.ofVideo(id)) if (f.thumb) await rm(path.join(dir, f.thumb), { force: true });
      await (await store.frames()).deleteVideos(videoIds);
      frames.removeVideos(videoIds);
    }
    await store.deletePhotos(ids);
    tags.forget(vectorIds);
    this.deps.ocr.forget(ids);
    index.delete(vectorIds);
    for (const id of ids) {
      const r = catalog.remove(id);
      if (r?.thumb) await rm(path.join(dir, r.thumb), { force: true });
    }
  }

  /** Forgets a folder and its photos (the files stay where they are). */
  async removeRoot(root: string): Promise<number> {
    const abs = path.resolve(root);
    const ids = [...this.deps.catalog.values()].filter((p) => p.root === abs).map((p) => p.id);
    await this.deletePhotos(ids);
    if (ids.length && !this.deps.indexing()) this.deps.index.snapshot();
    await this.deps.meta.update((m) => {
      m.roots = m.roots.filter((r) => r.path !== abs);
    });
    this.deps.changed();
    return ids.length;
  }

  /**
   * Moves photos to the OS trash through the shell's `trash` (Electron's shell.trashItem, or a freedesktop/macOS
   * trash in serve mode when enabled), then drops them from the index. Never deletes outright.
   */
  async trash(ids: string[], trash: (file: string) => Promise<void>): Promise<{ trashed: number; failed: { id: string; error: string }[] }> {
    const failed: { id: string; error: string }[] = [];
    const done: string[] = [];
    const roots = this.deps.meta.current.roots.map((r) => r.path);
    for (const id of ids) {
      const p = this.deps.catalog.get(id);
      if (!p) {
        failed.push({ id, error: 'Not an indexed photo.' });
        continue;
      }
      if (!roots.some((r) => isInside(p.path, r))) {
        failed.push({ id, error: 'Outside the indexed folders.' });
        continue;
      }
      try {
        await trash(p.path);
        done.push(id);
      } catch (err) {
        failed.push({ id, error: `Could not move it to the trash: ${(err as Error).message}` });
      }
    }
    await this.deletePhotos(done);
    if (done.length) {
      // During an index run the table may hold vectors the index has not been given yet: the run's own end
      // takes the snapshot then.
      if (!this.deps.indexing()) this.deps.index.snapshot();
      this.deps.changed();
    }
    return { trashed: done.length, failed };
  }
}
