// The search: the text or image query, its results (a raw array: thousands of hits are never proxied),
// sorting, paging as the grid scrolls, and the recent searches. Stale answers are dropped by sequence number.
import type { SoutuApi } from '../../../shared/api';
import type { SearchHit } from '../../../shared/types';
import { clearRecent, loadRecent, pushRecent } from '../lib/recent-searches';
import { messageOf } from './app.svelte';

export type QueryImage =
  | { kind: 'bytes'; base64: string; previewUrl: string; name: string; revoke: boolean }
  | { kind: 'photo'; id: string; previewUrl: string; name: string; revoke: false };

export type SortOrder = 'relevance' | 'date';

const FIRST_PAGE = 300;
const NEXT_PAGE = 1000;
const MAX_RESULTS = 10_000;
export const DEBOUNCE_MS = 250;

export class SearchState {
  text = $state('');
  image = $state.raw<QueryImage | null>(null);
  hits = $state.raw<SearchHit[]>([]);
  sort = $state<SortOrder>('relevance');
  loading = $state(false);
  error = $state<string | null>(null);
  /** True once results for the current query have arrived (distinguishes "no results" from "not searched"). */
  searched = $state(false);
  hasMore = $state(false);
  /** Only the hits that stand out from the rest (the engine's adaptive cutoff). */
  bestOnly = $state(false);
  recent = $state<string[]>(loadRecent());

  /** How many of the loaded hits are in the engine's "best" tier. */
  bestCount = $derived(this.hits.reduce((n, h) => n + (h.tier === 'best' ? 1 : 0), 0));
  active = $derived(this.image !== null || this.text.trim() !== '');

  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly api: SoutuApi) {}

  /** The text changed (never called mid-composition): search after a short pause. With an image chip,
   *  the words refine it (「夜晚」 with a photo of a street: that street at night). */
  setText(text: string): void {
    this.text = text;
    this.schedule();
  }

  setSort(sort: SortOrder): void {
    if (sort === this.sort) return;
    this.sort = sort;
    this.schedule(0);
  }

  setBestOnly(on: boolean): void {
    if (on === this.bestOnly) return;
    this.bestOnly = on;
    this.schedule(0);
  }

  /** Enter: search now and remember the query. */
  submit(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.text.trim()) this.recent = pushRecent(this.recent, this.text);
    void this.run(false);
  }

  /** Runs a search for `text` right away (recent searches, examples). */
  searchFor(text: string): void {
    this.text = text;
    if (this.image) this.dropImage();
    this.submit();
  }

  setImage(img: QueryImage): void {
    this.dropImage();
    this.image = img;
    this.text = '';
    if (this.timer) clearTimeout(this.timer);
    void this.run(false);
  }

  clearImage(): void {
    this.dropImage();
    this.schedule(0);
  }

  clear(): void {
    this.text = '';
    this.dropImage();
    this.schedule(0);
  }

  forgetRecent(): void {
    clearRecent();
    this.recent = [];
  }

  remember(): void {
    if (this.text.trim()) this.recent = pushRecent(this.recent, this.text);
  }

  async loadMore(): Promise<void> {
    if (!this.hasMore || this.loading) return;
    await this.run(true);
  }

  /** Repeats the current query (after indexing changed the library). */
  refresh(): void {
    if (this.active) void this.run(false);
  }

  private dropImage(): void {
    if (this.image?.revoke) URL.revokeObjectURL(this.image.previewUrl);
    this.image = null;
  }

  private schedule(delay = DEBOUNCE_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.active) {
      this.seq++;
      this.hits = [];
      this.searched = false;
      this.loading = false;
      this.error = null;
      this.hasMore = false;
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run(false);
    }, delay);
  }

  private async run(append: boolean): Promise<void> {
    if (!this.active) return;
    const seq = ++this.seq;
    const offset = append ? this.hits.length : 0;
    const limit = Math.min(append ? NEXT_PAGE : FIRST_PAGE, MAX_RESULTS - offset);
    if (limit <= 0) return;
    const options = { limit, offset, sort: this.sort, ...(this.bestOnly ? { bestOnly: true } : {}) };
    this.loading = true;
    try {
      const img = this.image;
      const text = this.text.trim();
      const image = img ? (img.kind === 'photo' ? { kind: 'photo' as const, id: img.id } : { kind: 'bytes' as const, base64: img.base64 }) : null;
      const hits = image
        ? text
          ? await this.api.call('search:query', { text, images: [{ image, weight: 1 }], options })
          : await this.api.call('search:image', { image, options })
        : await this.api.call('search:text', { text, options });
      if (seq !== this.seq) return;
      this.hits = append ? [...this.hits, ...hits] : hits;
      this.hasMore = hits.length === limit && this.hits.length < MAX_RESULTS;
      this.error = null;
      this.searched = true;
    } catch (err) {
      if (seq !== this.seq) return;
      this.error = messageOf(err);
      if (!append) this.hits = [];
      this.searched = true;
      this.hasMore = false;
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }
}
