// The Albums page's state: the automatic albums (grouped by subject), the user's tags and smart albums, the
// album shown (its photos as a raw array), hand edits with Undo, and the tag strictness (the engine's margin,
// read from the library status; a change of ours shows at once and is sent debounced). Stale answers dropped.
import type { LibraryStatus, SearchHit, SmartAlbumInfo, AlbumInfo } from '../../../shared/types';
import { albumName } from '../lib/album-filter';
import { baseName } from '../lib/format';
import { i18n, t } from '../lib/i18n.svelte';
import { messageOf, type AppState } from './app.svelte';

export type OpenAlbum = { kind: 'tag'; album: AlbumInfo } | { kind: 'smart'; album: SmartAlbumInfo };

/** Where the strictness change stands, for the line beside the slider. */
export type MarginNote = { kind: 'updating' } | { kind: 'done'; albums: number; value: number } | null;

/** The order of the groups on the page; a group the vocabulary adds later comes last. */
const GROUPS = ['custom', 'people', 'animal', 'scene', 'plant', 'food', 'event', 'sport', 'vehicle', 'object', 'indoor', 'weather', 'art', 'document'];
const MARGIN_DEBOUNCE_MS = 300;
const ALL = { limit: 10_000 };

function rank(group: string): number {
  const i = GROUPS.indexOf(group);
  return i === -1 ? GROUPS.length : i;
}

/**
 * The default margin of the model in use, once the status carries it (`tagMarginDefault`, asked of the
 * contract); null until then, and the page then shows no default rather than one of its own.
 */
function defaultMarginOf(status: LibraryStatus | null): number | null {
  const d = (status as (LibraryStatus & { tagMarginDefault?: unknown }) | null)?.tagMarginDefault;
  return typeof d === 'number' && Number.isFinite(d) ? d : null;
}

export class AlbumsState {
  albums = $state.raw<AlbumInfo[] | null>(null);
  smart = $state.raw<SmartAlbumInfo[]>([]);
  loadError = $state<string | null>(null);
  open = $state.raw<OpenAlbum | null>(null);
  hits = $state.raw<SearchHit[]>([]);
  loadingHits = $state(false);
  marginNote = $state.raw<MarginNote>(null);
  /** A margin chosen here that the engine has not confirmed yet: the slider shows it, the status does not move it. */
  private pendingMargin = $state<number | null>(null);

  /** The strictness the slider shows: ours while it is on its way, else the engine's (null before the status). */
  // (Arrow functions: the constructor's `app` is not set yet while the fields are initialised.)
  margin = $derived.by(() => this.pendingMargin ?? this.app.status?.tagMargin ?? null);
  marginDefault = $derived.by(() => defaultMarginOf(this.app.status));
  // The slider's range reaches out to a margin set elsewhere beyond it (the contract allows -1…1).
  marginMin = $derived.by(() => Math.min(0, this.app.status?.tagMargin ?? 0));
  marginMax = $derived.by(() => Math.max(0.15, this.app.status?.tagMargin ?? 0));
  /** Automatic albums by group (the user's own tags first), in the page's order. */
  grouped = $derived.by(() => {
    // Local to this derivation, rebuilt each time: nothing observes it while it is filled.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const by = new Map<string, AlbumInfo[]>();
    for (const a of this.albums ?? []) {
      const g = a.user ? 'custom' : a.group;
      by.set(g, [...(by.get(g) ?? []), a]);
    }
    return [...by.entries()].sort((x, y) => rank(x[0]) - rank(y[0]));
  });

  private loadSeq = 0;
  private marginSeq = 0;
  private marginTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly app: AppState) {}

  /**
   * The page opens: the overview, with fresh lists (and status: the margin may have been changed by another
   * client), reloaded after each indexing run while the page shows. Returns what to call when it closes.
   */
  enter(): () => void {
    this.open = null;
    this.hits = [];
    void this.load();
    void this.app.refreshStatus();
    return this.app.api.on('index:done', () => void this.load());
  }

  async load(): Promise<void> {
    const seq = ++this.loadSeq;
    try {
      const [a, s] = await Promise.all([this.app.api.call('albums:list', {}), this.app.api.call('smart:list', {})]);
      if (seq !== this.loadSeq) return;
      this.albums = a;
      this.smart = s;
      this.loadError = null;
    } catch (err) {
      this.albums = this.albums ?? [];
      this.loadError = messageOf(err);
    }
  }

  /** An album's name in the interface language. */
  nameOf(album: AlbumInfo): string {
    return albumName(album, i18n.lang);
  }

  async show(o: OpenAlbum): Promise<void> {
    this.open = o;
    this.hits = [];
    this.loadingHits = true;
    try {
      const hits =
        o.kind === 'tag'
          ? await this.app.api.call('album:get', { tag: o.album.id, options: ALL })
          : await this.app.api.call('smart:preview', { text: o.album.text, photoIds: o.album.photoIds, threshold: o.album.threshold, options: ALL });
      if (this.open === o) this.hits = hits;
    } catch (err) {
      this.app.error(err);
    } finally {
      if (this.open === o) this.loadingHits = false;
    }
  }

  back(): void {
    this.open = null;
    // Counts may have changed (photos removed here, or added to other albums).
    void this.load();
  }

  /** The slider moved: show it at once, tell the engine once it rests. */
  setMargin(value: number): void {
    this.pendingMargin = value;
    this.marginNote = { kind: 'updating' };
    if (this.marginTimer) clearTimeout(this.marginTimer);
    this.marginTimer = setTimeout(() => {
      this.marginTimer = null;
      void this.applyMargin(Math.round(value * 100) / 100);
    }, MARGIN_DEBOUNCE_MS);
  }

  /** Sets the engine's tag margin, then reloads the albums (their counts), dropping stale answers. */
  private async applyMargin(value: number): Promise<void> {
    const seq = ++this.marginSeq;
    try {
      await this.app.api.call('tags:threshold', { margin: value });
      if (seq === this.marginSeq) {
        // The engine has it now: the status says so, and the slider follows the status again.
        if (this.app.status) this.app.status = { ...this.app.status, tagMargin: value };
        if (!this.marginTimer) this.pendingMargin = null;
      }
      const a = await this.app.api.call('albums:list', {});
      if (seq !== this.marginSeq) return;
      ++this.loadSeq;
      this.albums = a;
      this.loadError = null;
      this.marginNote = { kind: 'done', albums: a.length, value };
    } catch (err) {
      if (seq !== this.marginSeq || this.marginTimer) return;
      this.marginNote = null;
      this.pendingMargin = null;
      this.app.error(err);
    }
  }

  private adjustCount(id: string, delta: number): void {
    if (this.albums) this.albums = this.albums.map((a) => (a.id === id ? { ...a, count: Math.max(0, a.count + delta) } : a));
  }

  /**
   * Takes a photo out of the open automatic album; the notice offers Undo, which drops that decision so the
   * automatic tagging places the photo again, with its own score (one added by hand, score 1, is added back).
   * Resolves true once the photo is gone from `hits`.
   */
  async removeFromAlbum(hit: SearchHit): Promise<boolean> {
    const o = this.open;
    if (o?.kind !== 'tag') return false;
    const album = o.album;
    const byHand = hit.score === 1;
    try {
      await this.app.api.call('album:edit', { tag: album.id, id: hit.id, action: 'remove' });
    } catch (err) {
      this.app.error(err);
      return false;
    }
    const at = this.hits.indexOf(hit);
    this.hits = this.hits.filter((h) => h !== hit);
    this.adjustCount(album.id, -1);
    const name = baseName(hit.path);
    this.app.toastWithUndo(t('albums.removed', { name, album: this.nameOf(album) }), async () => {
      await this.app.api.call('album:edit', { tag: album.id, id: hit.id, action: byHand ? 'add' : 'reset' });
      // The engine decides whether (and with which score) it is back.
      const fresh = (await this.app.api.call('album:get', { tag: album.id, options: ALL })).find((h) => h.id === hit.id);
      if (!fresh) {
        this.app.toast(t('albums.undoneNotBack', { name, album: this.nameOf(album) }));
        return;
      }
      const now = this.open;
      if (now?.kind === 'tag' && now.album.id === album.id && !this.hits.some((h) => h.id === hit.id)) {
        const k = Math.max(0, Math.min(at, this.hits.length));
        this.hits = [...this.hits.slice(0, k), fresh, ...this.hits.slice(k)];
      }
      this.adjustCount(album.id, 1);
      this.app.toast(t('common.undone'));
    });
    return true;
  }

  /** Adds a tag of the user's own; resolves true when it was added. */
  async addTag(label: string): Promise<boolean> {
    try {
      await this.app.api.call('tags:add', { label });
      this.app.toast(t('albums.tagAdded', { label }));
      await this.load();
      return true;
    } catch (err) {
      this.app.error(err);
      return false;
    }
  }

  /** How many photos a smart album with this description would hold now (null when it cannot be told). */
  async previewCount(text: string, threshold: number): Promise<number | null> {
    try {
      return (await this.app.api.call('smart:preview', { text, threshold, options: ALL })).length;
    } catch {
      return null;
    }
  }

  async saveSmart(def: { name: string; text: string; threshold: number }): Promise<boolean> {
    try {
      await this.app.api.call('smart:save', def);
      await this.load();
      return true;
    } catch (err) {
      this.app.error(err);
      return false;
    }
  }

  async deleteSmart(album: SmartAlbumInfo): Promise<void> {
    try {
      await this.app.api.call('smart:delete', { id: album.id });
      await this.load();
    } catch (err) {
      this.app.error(err);
    }
  }
}
