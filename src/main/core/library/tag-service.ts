// Auto albums: photos tagged zero-shot against the bilingual vocabulary (plus the user's own tags), stored per
// model, with the strictness margin, the user's manual album edits, and the album listings built from them.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AlbumInfo, SearchHit, SearchOptions } from '../../../shared/types.js';
import { findCatalogModel } from '../embed/model-catalog.js';
import { SoutuError } from '../errors.js';
import { writeFileAtomically } from '../fs/atomic-file.js';
import type { VectorStore } from '../store/vector-store.js';
import { DEFAULT_TAG_MARGIN, Tagger } from '../tags/tagger.js';
import { conceptMatches, defaultVocabularyPath, loadVocabulary, parseVocabulary, type Concept, type Vocabulary } from '../tags/vocabulary.js';
import type { ActiveIndex } from './active-index.js';
import type { MetadataStore } from './metadata-store.js';
import type { ModelSession } from './model-session.js';
import type { PhotoCatalog } from './photo-catalog.js';
import { ownerOf, type FrameCatalog } from './frame-catalog.js';
import type { UserDataStore } from './user-data.js';

export interface TagServiceDeps {
  dir: string;
  readOnly: boolean;
  meta: MetadataStore;
  userData: UserDataStore;
  store: VectorStore;
  models: ModelSession;
  index: ActiveIndex;
  catalog: PhotoCatalog;
  frames: FrameCatalog;
}

export class TagService {
  private taggerP: Promise<Tagger> | null = null;
  /** Serving model's tags per photo: [concept id, margin], best first. */
  private readonly tagsById = new Map<string, [string, number][]>();
  private tagsLoaded = false;

  constructor(private readonly deps: TagServiceDeps) {
    deps.models.on('switched', () => this.reset());
  }

  /** Tags belong to a model and a vocabulary: a change of either drops what was built. */
  private reset(): void {
    this.taggerP = null;
    this.tagsLoaded = false;
    this.tagsById.clear();
  }

  /** The user's strictness when set, else the serving model's default (its catalog entry says where that comes from). */
  margin(): number {
    const set = this.deps.meta.current.settings.tagMargin;
    const m = set === undefined || set === null ? NaN : Number(set);
    if (Number.isFinite(m)) return m;
    return findCatalogModel(this.deps.models.query.modelId)?.defaults.tagMargin ?? DEFAULT_TAG_MARGIN;
  }

  /** The serving model's default strictness, for the UI's "reset" (status carries it). */
  defaultMargin(): number {
    return findCatalogModel(this.deps.models.query.modelId)?.defaults.tagMargin ?? DEFAULT_TAG_MARGIN;
  }

  async setMargin(margin: number): Promise<void> {
    if (!Number.isFinite(margin) || margin < -1 || margin > 1) throw new SoutuError('bad-request', 'The tag threshold must be between -1 and 1.');
    await this.deps.meta.update((m) => {
      m.settings.tagMargin = margin;
    });
  }

  private async vocabulary(): Promise<Vocabulary> {
    const setting = this.deps.meta.current.settings.vocabulary;
    const custom = typeof setting === 'string' ? path.join(this.deps.dir, setting) : null;
    const v = await loadVocabulary(custom && existsSync(custom) ? custom : defaultVocabularyPath());
    const user = this.deps.userData.current.userTags;
    if (user.length === 0) return v;
    const concepts: Concept[] = [
      ...v.concepts,
      ...user.map((t) => ({ id: t.id, en: t.en || t.label, zh: t.zh || t.label, group: 'user', prompts: { en: [], zh: [] }, aliases: { en: [t.label], zh: [t.label] }, user: true })),
    ];
    return { ...v, concepts, hash: `${v.hash}-${user.map((u) => u.id).join(',')}` };
  }

  /** What the stored tags must have been made with to be current: the model's key and the vocabulary's hash. */
  private async tagsVersion(modelKey: string): Promise<string> {
    return `${modelKey}:${(await this.vocabulary()).hash}`;
  }

  private tagger(): Promise<Tagger> {
    return (this.taggerP ??= (async () => {
      const embedder = this.deps.models.query;
      const catalog = findCatalogModel(embedder.modelId);
      const languages = catalog ? catalog.languages : (['en', 'zh'] as const);
      return Tagger.build(embedder, await this.vocabulary(), languages, path.join(this.deps.dir, 'cache'));
    })().catch((err: unknown) => {
      this.taggerP = null;
      throw err;
    }));
  }

  private async loadTags(): Promise<void> {
    const model = this.deps.models.active;
    if (this.tagsLoaded || !model) return;
    for (const row of await (await this.deps.store.tags(model.key)).all()) this.tagsById.set(row.id, row.tags);
    this.tagsLoaded = true;
  }

  /** Tags every ok photo of the serving model that has none yet; a new vocabulary retags everything. */
  /**
   * After an index run: tags the photos it added, or everything when the tags are not the current model's and
   * vocabulary's. A run that changed nothing leaves current tags alone (no need to load them all to find none
   * missing); albums and the text gate call ensure() themselves when they need the tags.
   */
  async afterRun(changed: boolean): Promise<number> {
    const model = this.deps.models.active;
    if (!changed && model && this.deps.meta.current.settings.tagsVersion === (await this.tagsVersion(model.key))) return 0;
    return this.ensure();
  }

  async ensure(): Promise<number> {
    const { models, store, meta, index, catalog } = this.deps;
    const model = models.active;
    if (!model || !models.searchReady()) return 0;
    await this.loadTags();
    const table = await store.tags(model.key);
    // The version needs only the vocabulary's hash; the concept vectors are built only when something needs tags.
    const version = await this.tagsVersion(model.key);
    const stale = meta.current.settings.tagsVersion !== version;
    if (stale) {
      await table.clear();
      this.tagsById.clear();
    }
    const idx = await index.get();
    // Photos are tagged by their vector, videos by each of their moments'.
    const todo: string[] = [];
    for (const p of catalog.values()) {
      if (p.status !== 'ok') continue;
      const ids = p.kind === 'video' ? this.deps.frames.ofVideo(p.id).map((f) => f.id) : [p.id];
      for (const id of ids) if (!this.tagsById.has(id) && idx.has(id)) todo.push(id);
    }
    const rows: { id: string; tags: [string, number][] }[] = [];
    if (todo.length > 0) {
      const tagger = await this.tagger();
      for (const id of todo) rows.push({ id, tags: tagger.tag(idx.get(id)!) });
    }
    for (let i = 0; i < rows.length; i += 2000) await table.upsert(rows.slice(i, i + 2000));
    for (const r of rows) this.tagsById.set(r.id, r.tags);
    if (stale) {
      await meta.update((m) => {
        m.settings.tagsVersion = version;
      });
    }
    return rows.length;
  }

  /** Uses a custom vocabulary (a JSON array of {en, zh} concepts) for this library, and retags without re-embedding. */
  async setVocabulary(file: string | null): Promise<void> {
    if (file !== null) {
      const vocab = parseVocabulary(JSON.parse(await readFile(file, 'utf8')));
      await writeFileAtomically(path.join(this.deps.dir, 'vocabulary.json'), JSON.stringify({ concepts: vocab.concepts, templates: vocab.templates, background: vocab.background }, null, 2));
    }
    await this.deps.meta.update((m) => {
      if (file === null) delete m.settings.vocabulary;
      else m.settings.vocabulary = 'vocabulary.json';
    });
    this.taggerP = null;
    await this.ensure();
  }

  /**
   * A test of "CLIP saw text-bearing things here" (screenshots, documents, receipts, signs: the vocabulary's
   * document group) for the text-reading gate, built from the tags as they are now.
   */
  async textBearing(): Promise<(id: string) => boolean> {
    if (!this.deps.models.active || !this.deps.models.searchReady()) return () => false;
    await this.loadTags();
    const concepts = new Set((await this.tagger()).vocab.concepts.filter((c) => c.group === 'document').map((c) => c.id));
    const margin = this.margin();
    return (id) => (this.tagsById.get(id) ?? []).some(([c, m]) => concepts.has(c) && m >= margin);
  }

  /** Forgets the tags of deleted photos (the table rows go with the photo rows). */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.tagsById.delete(id);
  }

  /** An album's photos and videos with their scores (a video: its best moment's), and each video's best moment. */
  private members(concept: Concept, best?: Map<string, string>): Map<string, number> {
    const { catalog, userData } = this.deps;
    const margin = this.margin();
    const members = new Map<string, number>();
    for (const [id, tags] of this.tagsById) {
      const t = tags.find(([c]) => c === concept.id);
      const owner = ownerOf(id);
      if (!t || t[1] < margin || !catalog.isOk(owner)) continue;
      if (t[1] > (members.get(owner) ?? -Infinity)) {
        members.set(owner, t[1]);
        if (owner !== id) best?.set(owner, id);
      }
    }
    const edits = userData.current.albumEdits[concept.id];
    for (const id of edits?.removed ?? []) members.delete(id);
    for (const id of edits?.added ?? []) if (catalog.isOk(id) && !members.has(id)) members.set(id, 1);
    return members;
  }

  /** One album per tag with at least one photo, largest first. */
  async albums(): Promise<AlbumInfo[]> {
    await this.ensure();
    const tagger = await this.tagger();
    const { catalog } = this.deps;
    const out: AlbumInfo[] = [];
    for (const c of tagger.vocab.concepts) {
      const members = this.members(c);
      if (members.size === 0) continue;
      let cover: string | null = null;
      let best = -Infinity;
      for (const [id, score] of members) if (score > best) [best, cover] = [score, id];
      out.push({ id: c.id, tag: c.en, zh: c.zh, group: c.group, count: members.size, cover: cover ? catalog.infoById(cover) : null, user: c.user === true });
    }
    return out.sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
  }

  private async concept(tag: string): Promise<Concept> {
    const c = (await this.tagger()).vocab.concepts.find((x) => conceptMatches(x, tag));
    if (!c) throw new SoutuError('not-found', `No album called "${tag}".`);
    return c;
  }

  /** An album's photos, best first (score = how far the photo beats its background baseline; 1 = added by hand). */
  async album(tag: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    await this.ensure();
    const c = await this.concept(tag);
    const { catalog } = this.deps;
    const accept = catalog.filter(opts.filters);
    const bestFrame = new Map<string, string>();
    const hits = [...this.members(c, bestFrame)]
      .filter(([id]) => accept(id))
      .map(([id, score]) => {
        const frame = bestFrame.get(id);
        const t = frame ? this.deps.frames.get(frame)?.t : undefined;
        return { ...catalog.infoById(id)!, score, tier: 'best' as const, ...(t !== undefined ? { time: t } : {}) };
      })
      .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
    if (opts.sort === 'date') hits.sort((a, b) => (b.takenAt ?? b.mtime) - (a.takenAt ?? a.mtime));
    const offset = opts.offset ?? 0;
    return hits.slice(offset, offset + (opts.limit ?? 1000));
  }

  /** Adds a photo to, or removes it from, an auto album. Stored apart from the index; survives re-index and retag. */
  async editAlbum(tag: string, photoId: string, action: 'add' | 'remove' | 'reset'): Promise<void> {
    const c = await this.concept(tag);
    if (!this.deps.catalog.has(photoId)) throw new SoutuError('not-found', `No indexed photo with id ${photoId}.`);
    await this.deps.userData.update((ud) => {
      const e = (ud.albumEdits[c.id] ??= { added: [], removed: [] });
      e.added = e.added.filter((x) => x !== photoId);
      e.removed = e.removed.filter((x) => x !== photoId);
      if (action !== 'reset') (action === 'add' ? e.added : e.removed).push(photoId);
    });
  }

  /** A tag of the user's own, in any language; photos are tagged with it right away. */
  async addUserTag(label: string): Promise<string> {
    const clean = label.trim();
    if (!clean || clean.length > 60) throw new SoutuError('bad-request', 'A tag needs 1 to 60 characters.');
    const existing = this.deps.userData.current.userTags.find((t) => t.label === clean);
    if (existing) return existing.id;
    const id = `user-${Date.now().toString(36)}`;
    await this.deps.userData.update((ud) => {
      ud.userTags.push({ id, label: clean });
    });
    this.taggerP = null;
    await this.ensure();
    return id;
  }
}
