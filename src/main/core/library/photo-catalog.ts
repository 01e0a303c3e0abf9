// The library's photo rows in memory: by id and by path, with the file/folder-name keyword index beside them,
// and what the shells see of a row (PhotoInfo), filters for search, failures and per-folder counts.
import path from 'node:path';
import type { FailedFile, PhotoInfo, SearchFilters } from '../../../shared/types.js';
import { KeywordIndex } from '../search/keyword-index.js';
import type { PhotoRecord } from '../store/vector-store.js';

export { isInside } from '../fs/paths.js';
import { isInside } from '../fs/paths.js';

export interface RootCounts {
  photos: number;
  failed: number;
}

export class PhotoCatalog {
  private readonly photos = new Map<string, PhotoRecord>();
  private readonly byPath = new Map<string, string>();
  /** File and folder names of ok photos, for the hybrid keyword part of text search. */
  readonly keywords = new KeywordIndex();

  /**
   * @param libDir the library folder (thumbnails live under it)
   * @param offlineRoots the roots that are offline now (their photos are listed, not served)
   */
  constructor(
    private readonly libDir: string,
    private readonly offlineRoots: () => ReadonlySet<string>,
  ) {}

  /** Takes the rows read from the store at open. */
  load(rows: Iterable<PhotoRecord>): void {
    for (const r of rows) this.put(r);
  }

  get size(): number {
    return this.photos.size;
  }

  get(id: string): PhotoRecord | undefined {
    return this.photos.get(id);
  }

  has(id: string): boolean {
    return this.photos.has(id);
  }

  isOk(id: string): boolean {
    return this.photos.get(id)?.status === 'ok';
  }

  idForPath(file: string): string | undefined {
    return this.byPath.get(file);
  }

  values(): IterableIterator<PhotoRecord> {
    return this.photos.values();
  }

  /** Adds or replaces rows (a re-index, a move to a new path, a rehash). */
  commit(rows: Iterable<PhotoRecord>): void {
    for (const r of rows) {
      const old = this.photos.get(r.id);
      if (old && old.path !== r.path) this.byPath.delete(old.path);
      this.put(r);
    }
  }

  private put(r: PhotoRecord): void {
    this.photos.set(r.id, r);
    this.byPath.set(r.path, r.id);
    if (r.status === 'ok') this.keywords.set(r.id, r.root, r.path);
    else this.keywords.delete(r.id);
  }

  /** Forgets a photo; returns its row. */
  remove(id: string): PhotoRecord | undefined {
    const r = this.photos.get(id);
    if (!r) return undefined;
    this.keywords.delete(id);
    this.byPath.delete(r.path);
    this.photos.delete(id);
    return r;
  }

  /** What the shells see of a photo. */
  info(r: PhotoRecord, offline: ReadonlySet<string> = this.offlineRoots()): PhotoInfo {
    return {
      id: r.id,
      path: r.path,
      root: r.root,
      size: r.size,
      mtime: r.mtime,
      width: r.width,
      height: r.height,
      format: r.format,
      takenAt: r.takenAt,
      camera: r.camera,
      gps: r.lat !== null && r.lon !== null ? { lat: r.lat, lon: r.lon } : null,
      thumbnail: r.thumb ? path.join(this.libDir, r.thumb) : null,
      offline: offline.has(r.root),
      kind: r.kind,
      ...(r.kind === 'video' ? { duration: r.duration } : {}),
      ...(r.motion ? { motion: true } : {}),
    };
  }

  infoById(id: string): PhotoInfo | null {
    const r = this.photos.get(id);
    return r ? this.info(r) : null;
  }

  /** The search prefilter for `f`: ok photos only, within the folders, dates, formats, size and orientation. */
  filter(f: SearchFilters | undefined): (id: string) => boolean {
    if (!f) return (id) => this.photos.get(id)?.status === 'ok';
    const folders = f.folders?.map((x) => path.resolve(x));
    const formats = f.formats?.map((x) => x.toLowerCase().replace(/^jpg$/, 'jpeg'));
    return (id) => {
      const p = this.photos.get(id);
      if (!p || p.status !== 'ok') return false;
      if (folders && !folders.some((dir) => isInside(p.path, dir))) return false;
      const when = p.takenAt ?? p.mtime;
      if (f.from !== undefined && when < f.from) return false;
      if (f.to !== undefined && when > f.to) return false;
      if (formats && !formats.includes(p.format)) return false;
      if (f.minSize !== undefined && Math.min(p.width, p.height) < f.minSize) return false;
      if (f.orientation) {
        const o = p.width > p.height * 1.05 ? 'landscape' : p.height > p.width * 1.05 ? 'portrait' : 'square';
        if (o !== f.orientation) return false;
      }
      return true;
    };
  }

  /** Files that could not be read, by path, optionally only under some roots. */
  failures(roots?: readonly string[]): FailedFile[] {
    const out: FailedFile[] = [];
    for (const p of this.photos.values()) {
      if (p.status !== 'failed') continue;
      if (roots && !roots.includes(p.root)) continue;
      out.push({ path: p.path, error: p.error ?? 'Unknown error', code: p.errorCode ?? 'unknown', ...(p.errorDetails ? { details: p.errorDetails } : {}) });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Photos and failures per root, and in all. */
  counts(): { perRoot: Map<string, RootCounts>; ok: number; failed: number; videos: number } {
    const perRoot = new Map<string, RootCounts>();
    let ok = 0;
    let failed = 0;
    let videos = 0;
    for (const p of this.photos.values()) {
      const c = perRoot.get(p.root) ?? { photos: 0, failed: 0 };
      if (p.status === 'ok') {
        c.photos++;
        ok++;
        if (p.kind === 'video') videos++;
      } else {
        c.failed++;
        failed++;
      }
      perRoot.set(p.root, c);
    }
    return { perRoot, ok, failed, videos };
  }
}
