// Search over the active index: text (with the query language and file-name keywords), images and mixed
// queries, ranked with prefilters and the adaptive best/more cutoff; query vectors cached; warm-up after open.
import path from 'node:path';
import type { ImageQuery, SearchHit, SearchOptions, WeightedImage } from '../../../shared/types.js';
import { decodePhoto } from '../decode/index.js';
import { l2normalize } from '../embed/embedder.js';
import { SoutuError } from '../errors.js';
import { withDeadline } from '../fs/safe-open.js';
import { LruCache } from '../search/lru-cache.js';
import { extractTextFilters, isArithmetic, keywordTokens, parseQuery } from '../search/query-parser.js';
import type { OcrTextHit } from '../ocr/index.js';
import type { OcrService } from './ocr-service.js';
import { ownerOf, type FrameCatalog } from './frame-catalog.js';
import type { VideoMoment } from '../../../shared/types.js';
import { bestMatchCutoff, DEFAULT_CUTOFF, ScoreAccumulator } from '../search/relevance.js';
import { findCatalogModel } from '../embed/model-catalog.js';
import type { ActiveIndex } from './active-index.js';
import type { ModelSession } from './model-session.js';
import type { PhotoCatalog } from './photo-catalog.js';

/** How long a query image may take to read and decode before the query is refused. */
export const QUERY_DECODE_DEADLINE_MS = 30_000;

const DEFAULT_LIMIT = 50;
/** What a file or folder name matching every query keyword adds to a photo's score (hybrid search). */
const KEYWORD_BOOST = 0.1;
/**
 * What text read in the photo that matches the whole query adds to its score (scaled by the match's own score:
 * 1 for an exact line, less for partial or one-slip matches). CLIP's cosines of a good and an unrelated photo
 * differ by about 0.1, so a photo that literally says the words comes first, and its meaning still ranks ties.
 */
const TEXT_BOOST = 0.25;
/** Words too common to count as filename keywords in hybrid search. */
const STOPWORDS = new Set(['a', 'an', 'the', 'of', 'on', 'in', 'at', 'to', 'and', 'or', 'with', 'photo', 'picture', 'image', 'photos', 'pictures', 'images', 'my', 'for', 'from', 'by', 'is', 'are', '的', '照片', '图片']);

export interface SearchServiceDeps {
  catalog: PhotoCatalog;
  index: ActiveIndex;
  models: ModelSession;
  ocr: OcrService;
  frames: FrameCatalog;
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
      const idx = await index.get();
      // A video stands for what it shows over time: the mean of its moments.
      const frames = catalog.get(query.id)?.kind === 'video' ? this.deps.frames.ofVideo(query.id) : [];
      const parts = frames.map((f) => idx.get(f.id)).filter((v): v is Float32Array => !!v);
      if (parts.length > 0) return this.combine(parts.map((v) => ({ v, w: 1 })));
      const v = idx.get(query.id);
      if (!v) throw new SoutuError('not-found', `No indexed photo with id ${query.id}.`);
      return v;
    }
    const input = query.kind === 'path' ? path.resolve(query.path) : Buffer.from(query.bytes);
    const indexedId = query.kind === 'path' ? catalog.idForPath(input as string) : undefined;
    if (indexedId) {
      const v = (await index.get()).get(indexedId);
      if (v) return v;
    }
    // A query image on a stalled share or a device never holds the caller forever.
    const res = await withDeadline(decodePhoto(input, models.query.imageSpec, { thumbSize: 0, wantTensor: true }), QUERY_DECODE_DEADLINE_MS, 'Reading the query image');
    if (!res.ok) throw new SoutuError('bad-request', `Cannot use this image: ${res.error.reason}`);
    const [v] = await models.query.embedImages([res.value.tensor]);
    return v;
  }

  /**
   * The query language: text with rclip-style arithmetic (「海边 + 日落 - 人」, "2:cat + dog"), optionally mixed
   * with weighted images (a photo chip plus "at night"). Plain text also matches file and folder names.
   */
  async query(q: { text?: string; images?: WeightedImage[] }, opts: SearchOptions = {}): Promise<SearchHit[]> {
    const { rest: text, text: textOnly } = extractTextFilters((q.text ?? '').trim());
    const images = q.images ?? [];
    if (!text && images.length === 0 && textOnly.length === 0) throw new SoutuError('bad-request', 'Type something to search for, or add an image.');
    // The text read in photos loads beside the vector index (both are needed by a plain query's first answer).
    void this.deps.ocr.load().catch(() => {});
    // text:"…" filters: only photos whose read text matches every one of them.
    const required = textOnly.length > 0 ? await this.textMatches(textOnly, opts) : null;
    if (!text && images.length === 0) return this.textOnlyHits(required!, opts);
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
    const plain = text !== '' && !isArithmetic(terms) && images.length === 0;
    const keywords = plain ? keywordTokens(text).filter((k) => !STOPWORDS.has(k)) : [];
    // Plain words also match the text read in photos, ranked together with meaning and names.
    const read = plain ? await this.deps.ocr.search(text, this.deps.catalog.filter(opts.filters)) : [];
    const exclude = images.length === 1 && !text && images[0].image.kind === 'photo' ? images[0].image.id : undefined;
    return this.hits(v, opts, exclude, keywords, read, required ?? undefined);
  }

  /** Photos whose text matches every filter, with the snippet of the first. */
  private async textMatches(filters: string[], opts: SearchOptions): Promise<Map<string, OcrTextHit>> {
    const accept = this.deps.catalog.filter(opts.filters);
    const each: Map<string, OcrTextHit>[] = [];
    for (const f of filters) {
      const hits = new Map<string, OcrTextHit>();
      for (const h of await this.deps.ocr.search(f, accept, 100_000)) hits.set(h.id, h);
      each.push(hits);
    }
    const [first, ...others] = each;
    return new Map([...(first ?? [])].filter(([id]) => others.every((m) => m.has(id))));
  }

  private textOnlyHits(matches: Map<string, OcrTextHit>, opts: SearchOptions): SearchHit[] {
    const { catalog } = this.deps;
    const limit = Math.max(0, Math.min(opts.limit ?? DEFAULT_LIMIT, 10_000));
    const offset = Math.max(0, opts.offset ?? 0);
    let hits: SearchHit[] = [...matches.values()]
      .sort((a, b) => b.score - a.score)
      .map((h) => ({ ...catalog.info(catalog.get(h.id)!), score: h.score, tier: 'best' as const, text: h.snippet, textHighlight: h.highlight }));
    if (opts.sort === 'date') hits = hits.sort((a, b) => (b.takenAt ?? b.mtime) - (a.takenAt ?? a.mtime));
    return hits.slice(offset, offset + limit);
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
  async hits(
    q: Float32Array,
    opts: SearchOptions,
    exclude?: string,
    keywords: string[] = [],
    read: OcrTextHit[] = [],
    required?: Map<string, OcrTextHit>,
  ): Promise<SearchHit[]> {
    const { catalog, index } = this.deps;
    const idx = await index.get();
    const limit = Math.max(0, Math.min(opts.limit ?? DEFAULT_LIMIT, 10_000));
    const offset = Math.max(0, opts.offset ?? 0);
    const { frames } = this.deps;
    const base = catalog.filter(opts.filters);
    // Frames are searched as themselves and answered as their video.
    const accept = (id: string) => {
      const owner = ownerOf(id);
      return owner !== exclude && base(owner) && (!required || required.has(owner));
    };
    const stats = new ScoreAccumulator();
    const want = opts.sort === 'date' ? Math.max(offset + limit, 1000) : offset + limit;
    const boost = keywords.length > 0 ? catalog.keywords.boosts(keywords, KEYWORD_BOOST / keywords.length) : new Map<string, number>();
    const snippets = new Map<string, OcrTextHit>(required ?? []);
    for (const h of read) {
      boost.set(h.id, (boost.get(h.id) ?? 0) + TEXT_BOOST * h.score);
      if (!snippets.has(h.id)) snippets.set(h.id, h);
    }
    // A video's name boost reaches its frames, which are what the index holds.
    for (const [id, b] of [...boost]) for (const f of frames.ofVideo(id)) boost.set(f.id, b);
    // A video may fill many places with its moments: ask for more, then keep one place per video.
    const rows = idx.search(q, frames.size > 0 ? want * 4 + 64 : want, accept, stats, boost.size > 0 ? boost : undefined);
    index.searched(idx);
    // The cutoff follows the vector scores' distribution; a keyword or text boost can lift a hit above it.
    const params = findCatalogModel(this.deps.models.query.modelId)?.defaults.relevance ?? DEFAULT_CUTOFF;
    const cutoff = rows.length > 0 ? bestMatchCutoff(Math.max(...rows.map((r) => r.base ?? r.score)), stats.stats(), params) : -Infinity;
    const moments = new Map<string, VideoMoment[]>();
    const firsts: typeof rows = [];
    for (const r of rows) {
      const owner = ownerOf(r.id);
      const f = owner !== r.id ? frames.get(r.id) : undefined;
      const seen = moments.get(owner);
      if (seen) {
        if (f) seen.push({ time: f.t, score: r.score });
        continue;
      }
      moments.set(owner, f ? [{ time: f.t, score: r.score }] : []);
      firsts.push(r);
    }
    let out: SearchHit[] = firsts
      .slice(0, want)
      .filter((r) => opts.minScore === undefined || r.score >= opts.minScore)
      .map((r) => {
        const owner = ownerOf(r.id);
        const hit: SearchHit = { ...catalog.info(catalog.get(owner)!), score: r.score, tier: r.score >= cutoff ? 'best' : 'more' };
        const t = snippets.get(owner);
        if (t) Object.assign(hit, { text: t.snippet, textHighlight: t.highlight });
        const m = moments.get(owner)!;
        if (m.length > 0) Object.assign(hit, { time: m[0].time, moments: m.slice(1, 9) });
        return hit;
      });
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
