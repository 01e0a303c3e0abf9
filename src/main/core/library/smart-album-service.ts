// Smart albums: saved queries (text, example photos, or both) with a similarity threshold, listed with their
// live counts; the definitions live in the user data, the photos are found by search each time.
import type { SearchHit, SearchOptions, SmartAlbumInfo } from '../../../shared/types.js';
import { SoutuError } from '../errors.js';
import type { SearchService } from './search-service.js';
import { smartAlbumSchema, type SmartAlbum, type UserDataStore } from './user-data.js';

export interface SmartAlbumDef {
  text?: string;
  photoIds?: string[];
  threshold: number;
}

export class SmartAlbumService {
  constructor(
    private readonly search: SearchService,
    private readonly userData: UserDataStore,
  ) {}

  private async vector(def: { text?: string; photoIds?: string[] }): Promise<Float32Array> {
    const parts: { v: Float32Array; w: number }[] = [];
    if (def.text?.trim()) parts.push({ v: await this.search.textVector(def.text.trim()), w: 1 });
    for (const id of def.photoIds ?? []) parts.push({ v: await this.search.imageVector({ kind: 'photo', id }), w: 1 });
    if (parts.length === 0) throw new SoutuError('bad-request', 'A smart album needs text, example photos, or both.');
    return this.search.combine(parts);
  }

  /** Photos of a smart album (saved, or a draft while the user moves the slider): cosine ≥ threshold, best first. */
  async hits(def: SmartAlbumDef, opts: SearchOptions = {}): Promise<SearchHit[]> {
    const v = await this.vector(def);
    return this.search.hits(v, { ...opts, minScore: def.threshold, limit: opts.limit ?? 1000 });
  }

  async list(): Promise<SmartAlbumInfo[]> {
    const out: SmartAlbumInfo[] = [];
    for (const a of this.userData.current.smartAlbums) {
      const hits = await this.hits(a, { limit: 10_000 }).catch(() => []);
      out.push({ id: a.id, name: a.name, text: a.text, photoIds: a.photoIds, threshold: a.threshold, count: hits.length });
    }
    return out;
  }

  async save(def: { id?: string; name: string; text?: string; photoIds?: string[]; threshold: number }): Promise<SmartAlbum> {
    const album = smartAlbumSchema.parse({ ...def, id: def.id ?? `sa-${Date.now().toString(36)}`, createdAt: Date.now() });
    await this.userData.update((ud) => {
      ud.smartAlbums = [...ud.smartAlbums.filter((a) => a.id !== album.id), album];
    });
    return album;
  }

  async remove(id: string): Promise<void> {
    await this.userData.update((ud) => {
      ud.smartAlbums = ud.smartAlbums.filter((a) => a.id !== id);
    });
  }
}
