// The library's models at run time: the embedder new vectors are made with (the pending model during a switch)
// and the one queries are embedded with (the model whose vectors serve search). Emits 'switched' when the
// serving model changes, so caches built on the old one (index, query vectors, tags) drop themselves.
import { EventEmitter } from 'node:events';
import type { Embedder } from '../embed/embedder.js';
import { defaultModelFor, type PrecisionSetting } from '../embed/model-catalog.js';
import type { VectorStore } from '../store/vector-store.js';
import { modelKeyOf } from '../embed/transformers-clip-embedder.js';
import type { EmbedderLoader } from './embedder-loader.js';
import type { ModelMeta } from './library-meta.js';
import type { MetadataStore } from './metadata-store.js';


export interface ModelSessionOpen {
  /** A catalog id or folder to use instead of the one the library records. */
  model?: string;
  defaultModel?: string;
  allowDownload: boolean;
  /**
   * The precision asked for explicitly (CLI --precision). Without it the library's recorded model opens at the
   * precision its vectors were made with, so an upgrade never starts a re-embed on its own; a re-embed at another
   * precision is offered (status.model.vision) and started with switchTo.
   */
  precision?: PrecisionSetting;
  warn(message: string): void;
}

/** The precision a recorded model's vectors were made with: its key says whether the vision weights were int8. */
export function recordedPrecision(m: ModelMeta): PrecisionSetting {
  return m.key === modelKeyOf(m.id, m.dim, 'q8') ? 'compact' : 'quality';
}

function metaOf(e: Embedder, source: string): ModelMeta {
  return { id: e.modelId, source, key: e.modelKey, dim: e.dim };
}

export class ModelSession extends EventEmitter<{ switched: [] }> {
  private constructor(
    private readonly meta: MetadataStore,
    private readonly store: VectorStore,
    private readonly loader: EmbedderLoader,
    private indexEmbedder: Embedder,
    private queryEmbedder: Embedder,
  ) {
    super();
  }

  static async open(meta: MetadataStore, store: VectorStore, loader: EmbedderLoader, o: ModelSessionOpen): Promise<ModelSession> {
    const m = meta.current;
    // With no model named anywhere, the catalog's default (the one place that names it).
    const spec = o.model ?? m.pendingModel?.source ?? m.model?.source ?? m.model?.id ?? o.defaultModel ?? defaultModelFor('en');
    const recorded = !o.model && (spec === m.model?.source || spec === m.pendingModel?.source);
    // The library's own model, however it is named (its folder, its id or nothing at all).
    const target = m.pendingModel ?? m.model;
    const record = target && (spec === target.source || spec === target.id) ? target : null;
    const precision = o.precision ?? (record ? recordedPrecision(record) : undefined);
    const loaded = await loader.load(spec, { allowDownload: o.allowDownload, fallbackId: recorded ? record?.id : undefined, precision });
    const session = new ModelSession(meta, store, loader, loaded.embedder, loaded.embedder);
    await session.select(metaOf(loaded.embedder, loaded.source));
    const active = meta.current.model;
    if (meta.current.pendingModel && active) {
      // Mid-switch: queries keep using the previous model (and its vectors) until the new ones are complete.
      session.queryEmbedder = await loader.load(active.source, { allowDownload: false, fallbackId: active.id, precision: recordedPrecision(active) }).then(
        (e) => e.embedder,
        (err: unknown) => {
          o.warn(`The previous model cannot be loaded (${(err as Error).message}); search waits for the new one.`);
          return loaded.embedder;
        },
      );
    }
    return session;
  }

  /** Embeds what is being indexed (photos, and during a switch the re-embed). */
  get indexing(): Embedder {
    return this.indexEmbedder;
  }

  /** Embeds queries, for the vectors that serve search. */
  get query(): Embedder {
    return this.queryEmbedder;
  }

  /** The model whose vectors serve search. */
  get active(): ModelMeta | null {
    return this.meta.current.model;
  }

  /** The model new vectors are written for: the pending one during a switch. */
  get target(): ModelMeta {
    return this.meta.current.pendingModel ?? this.meta.current.model!;
  }

  get switching(): boolean {
    return this.meta.current.pendingModel !== null;
  }

  /** True when the query model matches the vectors that serve search. */
  searchReady(): boolean {
    return this.meta.current.model?.key === this.queryEmbedder.modelKey;
  }

  /** Makes `model` the library's model; a different model than the active one becomes the pending one. */
  private async select(model: ModelMeta): Promise<void> {
    await this.store.vectors(model.key, model.dim); // its table exists from now on
    await this.meta.update((m) => {
      if (!m.model || m.model.key === model.key) {
        m.model = model;
        m.pendingModel = null;
      } else {
        m.pendingModel = model;
      }
    });
  }

  /**
   * Starts a switch to another model: new vectors go to its own table while search keeps the current model,
   * until complete(). Switching back to the serving model (or choosing the first one) takes effect at once.
   * Returns false when `spec` is the model already in use. The same model at another precision (full-precision
   * vision after a compact q8 index) is another model key, so it re-embeds like any switch.
   */
  async switchTo(spec: string, allowDownload: boolean, precision?: PrecisionSetting): Promise<boolean> {
    const next = await this.loader.load(spec, { allowDownload, precision });
    if (next.embedder.modelKey === this.indexEmbedder.modelKey) {
      await next.embedder.close();
      return false;
    }
    if (this.indexEmbedder !== this.queryEmbedder) await this.indexEmbedder.close();
    this.indexEmbedder = next.embedder;
    await this.select(metaOf(next.embedder, next.source));
    if (!this.meta.current.pendingModel) this.serveIndexingModel();
    return true;
  }

  /** The pending model has a vector for every photo: it serves search from now on. */
  async complete(): Promise<void> {
    await this.meta.update((m) => {
      m.model = m.pendingModel ?? m.model;
      m.pendingModel = null;
    });
    this.serveIndexingModel();
  }

  private serveIndexingModel(): void {
    if (this.queryEmbedder !== this.indexEmbedder) void this.queryEmbedder.close().catch(() => {});
    this.queryEmbedder = this.indexEmbedder;
    this.emit('switched');
  }

  async close(): Promise<void> {
    await this.indexEmbedder.close();
    if (this.queryEmbedder !== this.indexEmbedder) await this.queryEmbedder.close();
  }
}
