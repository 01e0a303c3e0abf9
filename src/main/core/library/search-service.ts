// Search over the active index: text (with the query language and file-name keywords), images and mixed
// queries, ranked with prefilters and the adaptive best/more cutoff; query vectors cached; warm-up after open.
import path from 'node:path';
import type { ImageQuery, SearchHit, SearchOptions, WeightedImage } from '../../../shared/types.js';
import { decodePhoto } from '../decode/index.js';
import { l2normalize } from '../embed/embedder.js';
import { SoutuError } from '../errors.js';
import { LruCache } from '../search/lru-cache.js';
import { isArithmetic, keywordTokens, parseQuery } from '../search/query-parser.js';
import { bestMatchCutoff, DEFAULT_CUTOFF, ScoreAccumulator } from '../search/relevance.js';
import { findCatalogModel } from '../embed/model-catalog.js';
import type { ActiveIndex } from './active-index.js';
import type { ModelSession } from './model-session.js';
import type { PhotoCatalog } from './photo-catalog.js';

const DEFAULT_LIMIT = 50;
/** What a file or folder name matching every query keyword adds to a photo's score (hybrid search). */
const KEYWORD_BOOST = 0.1;
/** Words too common to count as filename keywords in hybrid search. */
const STOPWORDS = new Set(['a', 'an', 'the', 'of', 'on', 'in', 'at', 'to', 'and', 'or', 'with', 'photo', 'picture', 'image', 'photos', 'pictures', 'images', 'my', 'for', 'from', 'by', 'is', 'are', '的', '照片', '图片']);

export interface SearchServiceDeps {
  catalog: PhotoCatalog;
  index: ActiveIndex;
  models: ModelSession;
  /** False once the library is closing (the warm-up stops). */
  open(): boolean;
}

export class SearchService {
  private readonly queryCache = new LruCache<string, Float32Array>(512);
  private warming: Promise<void> | null = null;

  constructor(private readonly deps: SearchServiceDeps) {
    deps.models.on('switched', () => this.queryCache.clear());
  }

  /** Embeds a text query with the serving model (cached). */
  async textVector(text: string): Promise<Float32Array> {
    const embedder = this.deps.models.query;
    const key = `${embedder.modelKey}\u0000${text}`;
    const hit = this.queryCache.get(key);
    if (hit) return hit;
    const [v] = await embedder.embedTexts([text]);
    this.queryCache.set(key, v);
    return v;
  }

  async imageVector(query: ImageQuery): Promise<Float32Array> {
    const { catalog, index, models } = this.deps;
    if (query.kind === 'photo') {
      const v = (await index.get()).get(query.id);
      if (!v) throw new SoutuError('not-found', `No indexed photo with id ${query.id}.`);
      return v;
    }
    const input = query.kind === 'path' ? path.resolve(query.path) : Buffer.from(query.bytes);
    const indexedId = query.kind === 'path' ? catalog.idForPath(input as string) : undefined;
    if (indexedId) {
      const v = (await index.get()).get(indexedId);
      if (v) return v;
    }
    const res = await decodePhoto(input, models.query.imageSpec, { thumbSize: 0, wantTensor: true });
    if (!res.ok) throw new SoutuError('bad-request', `Cannot use this image: ${res.error.reason}`);
    const [v] = await models.query.embedImages([res.value.tensor]);
    return v;
  }

  /**
   * The query language: text with rclip-style arithmetic (「海边 + 日落 - 人」, "2:cat + dog"), optionally mixed
   * with weighted images (a photo chip plus "at night"). Plain text also matches file and folder names.
   */
  async query(q: { text?: string; images?: WeightedImage[] }, opts: SearchOptions = {}): Promise<SearchHit[]> {
    const text = (q.text ?? '').trim();
    const images = q.images ?? [];
    if (!text && images.length === 0) throw new SoutuError('bad-request', 'Type something to search for, or add an image.');
    this.requireReady();
    // The index before the query encoder: reading the store's batches after ONNX Runtime has set up its session
    // left ~200 MB more resident at 100k photos (the allocator could not reuse the freed batches), the other way
    // round it does not.
    await this.deps.index.get();
    const terms = text ? parseQuery(text) : [];
    const parts: { v: Float32Array; w: number }[] = [];
    for (const t of terms) parts.push({ v: await this.textVector(t.text), w: t.weight });
    for (const im of images) parts.push({ v: await this.imageVector(im.image), w: im.weight });
    const v = parts.length === 1 && parts[0].w === 1 ? parts[0].v : this.combine(parts);
    const keywords = text && !isArithmetic(terms) && images.length === 0 ? keywordTokens(text).filter((k) => !STOPWORDS.has(k)) : [];
    const exclude = images.length === 1 && !text && images[0].image.kind === 'photo' ? images[0].image.id : undefined;
    return this.hits(v, opts, exclude, keywords);
  }

  async similar(query: ImageQuery, opts: SearchOptions = {}): Promise<SearchHit[]> {
    this.requireReady();
    const v = await this.imageVector(query);
    return this.hits(v, opts, query.kind === 'photo' ? query.id : undefined);
  }

  /** The weighted sum of query vectors, normalised. */
  combine(parts: readonly { v: Float32Array; w: number }[]): Float32Array {
    const v = new Float32Array(this.deps.models.query.dim);
    for (const p of parts) for (let j = 0; j < v.length; j++) v[j] += p.w * p.v[j];
    return l2normalize(v);
  }

  private requireReady(): void {
    if (!this.deps.models.searchReady()) {
      throw new SoutuError('busy', 'The previous model cannot be loaded while the library switches models; search works again when indexing finishes.');
    }
  }

  /**
   * Ranks photos for a query vector: prefiltered exact search, optional filename/folder keyword blending
   * (hybrid), adaptive best/more tiers from this query's own score distribution, then sort and paging.
   */
  async hits(q: Float32Array, opts: SearchOptions, exclude?: string, keywords: string[] = []): Promise<SearchHit[]> {
    const { catalog, index } = this.deps;
    const idx = await index.get();
    const limit = Math.max(0, Math.min(opts.limit ?? DEFAULT_LIMIT, 10_000));
    const offset = Math.max(0, opts.offset ?? 0);
    const base = catalog.filter(opts.filters);
    const accept = exclude ? (id: string) => id !== exclude && base(id) : base;
    const stats = new ScoreAccumulator();
    const want = opts.sort === 'date' ? Math.max(offset + limit, 1000) : offset + limit;
    const boost = keywords.length > 0 ? catalog.keywords.boosts(keywords, KEYWORD_BOOST / keywords.length) : undefined;
    const rows = idx.search(q, want, accept, stats, boost);
    index.searched(idx);
    // The cutoff follows the vector scores' distribution; a keyword boost can lift a hit above it.
    const params = findCatalogModel(this.deps.models.query.modelId)?.defaults.relevance ?? DEFAULT_CUTOFF;
    const cutoff = rows.length > 0 ? bestMatchCutoff(Math.max(...rows.map((r) => r.base ?? r.score)), stats.stats(), params) : -Infinity;
    let out: SearchHit[] = rows
      .filter((r) => opts.minScore === undefined || r.score >= opts.minScore)
      .map((r) => ({ ...catalog.info(catalog.get(r.id)!), score: r.score, tier: r.score >= cutoff ? ('best' as const) : ('more' as const) }));
    if (opts.bestOnly) out = out.filter((h) => h.tier === 'best');
    if (opts.sort === 'date') out.sort((a, b) => (b.takenAt ?? b.mtime) - (a.takenAt ?? a.mtime));
    return out.slice(offset, offset + limit);
  }

  /**
   * Gets search ready in the background after opening: the index (and its int8 copy), then the query encoder,
   * so that the first query a person types is answered at full speed. The shells call it and do not wait;
   * a failure here would meet the first query again, which reports it.
   */
  warmUp(): Promise<void> {
    return (this.warming ??= (async () => {
      const { index, models } = this.deps;
      if (!this.deps.open() || !models.active || !models.searchReady()) return;
      const idx = await index.get();
      if (!this.deps.open()) return;
      idx.prepare();
      await this.textVector('a photo');
    })());
  }

  /** Waits for a warm-up in progress (at close). */
  async settle(): Promise<void> {
    await this.warming?.catch(() => {});
  }
}
