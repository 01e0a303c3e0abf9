// Models as one service, configured once per process: which models exist (catalog and installed), where they
// live, which one a language starts with, the hub host (flag, then settings, then SOUTU_HUB_HOST: read here and
// nowhere else), and downloads (one per model at a time, through the environment's proxy) and imports.
// A thin wrapper over core/embed's model-store, model-download and model-catalog; failures become SoutuErrors.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { defaultModelFor, findCatalogModel, localized, MODEL_CATALOG, precisionPlan, type CatalogModel, type Localized, type PrecisionSetting } from '../embed/model-catalog.js';
import { downloadModel, ModelDownloadError, type DownloadProgress } from '../embed/model-download.js';
import { defaultModelsDir, importModel, listModels, planStatus, resolveModel, type ResolvedModel } from '../embed/model-store.js';
import { SoutuError } from '../errors.js';
import { proxyAwareFetch, type Environment } from './proxy.js';

export type { DownloadProgress, ResolvedModel };

export interface ModelServiceOptions {
  /** Where models are kept; default SOUTU_MODELS_DIR or the user data folder. */
  modelsDir?: string;
  /** A hub host given explicitly (the CLI's --hub-host); wins over settings and the environment. */
  hubHost?: string;
  /** The environment read for SOUTU_HUB_HOST and the proxy variables (default process.env). */
  env?: Environment;
  /** Replaces the (proxy-aware) fetch; tests. */
  fetch?: typeof fetch;
}

export interface ModelListing {
  id: string;
  folder: string;
  ready: boolean;
  /** In the language asked for (English for folders outside the catalog). */
  title: string;
  titles: Localized;
  /** The catalog's note in that language; null outside the catalog. */
  note: string | null;
}

export interface DownloadRequest {
  /** The hub host the library's settings name, if any (the explicit option and the environment decide otherwise). */
  settingsHubHost?: string;
  /** Which files to fetch: full-precision vision (default) or the compact q8 pair (model-catalog.ts precisionPlan). */
  precision?: PrecisionSetting;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

export interface EnsureRequest extends DownloadRequest {
  /** Fetch a missing catalog model (else a missing one is a 'model-missing' error). */
  allowDownload: boolean;
  /** A recorded folder may have moved: then this catalog id is tried instead. */
  fallbackId?: string;
}

/** A model the library records or is asked to use: a catalog id or a folder. */
export interface LibraryModelRecord {
  model?: { id: string; source: string } | null;
  pendingModel?: { id: string; source: string } | null;
}

function isErrno(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException | null)?.code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

export class ModelService extends EventEmitter<{ download: [DownloadProgress] }> {
  readonly modelsDir: string;
  /** The model a library starts with when nothing else is known (English UI). */
  readonly defaultModelId: string;
  private readonly env: Environment;
  private readonly explicitHost: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly downloads = new Map<string, Promise<ResolvedModel>>();

  constructor(opts: ModelServiceOptions = {}) {
    super();
    this.env = opts.env ?? process.env;
    this.modelsDir = path.resolve(opts.modelsDir ?? defaultModelsDir());
    this.explicitHost = opts.hubHost || undefined;
    this.fetchImpl = opts.fetch ?? proxyAwareFetch(this.env);
    this.defaultModelId = defaultModelFor('en');
  }

  /** The first model for a UI language (Chinese-CLIP for Chinese, CLIP otherwise). */
  defaultFor(language: string | undefined): string {
    return language ? defaultModelFor(language) : this.defaultModelId;
  }

  /** The hub host to download from: the explicit option, then the library's setting, then SOUTU_HUB_HOST. */
  hubHost(settingsHubHost?: string): string | undefined {
    return this.explicitHost ?? (settingsHubHost || undefined) ?? (this.env.SOUTU_HUB_HOST || undefined);
  }

  catalog(): readonly CatalogModel[] {
    return MODEL_CATALOG;
  }

  findInCatalog(id: string): CatalogModel | undefined {
    return findCatalogModel(id);
  }

  /** The catalog's models (downloaded or not) and any other model folder in the models folder. */
  async list(language = 'en'): Promise<ModelListing[]> {
    const installed = await listModels(this.modelsDir);
    return installed.map((m) => {
      const c = findCatalogModel(m.id);
      const titles: Localized = m.titles ?? { en: m.title, 'zh-CN': m.title };
      return { id: m.id, folder: m.folder, ready: m.ready, title: localized(titles, language), titles, note: c ? localized(c.note, language) : null };
    });
  }

  /** Turns a catalog id or a model folder into a folder to load; does not download. Unknown → 'bad-request'. */
  async resolve(spec: string): Promise<ResolvedModel> {
    try {
      return await resolveModel(spec, this.modelsDir);
    } catch (err) {
      if (err instanceof SoutuError || isErrno(err)) throw err;
      // resolveModel refuses only what it was given: an unknown id, or a path that is no model folder.
      throw new SoutuError('bad-request', err instanceof Error ? err.message : String(err));
    }
  }

  /** The model a library opens with: the one asked for, else the one it records, else the default. */
  specFor(record: LibraryModelRecord | null, o: { model?: string; defaultModel?: string } = {}): { spec: string; fallbackId?: string } {
    const recorded = record?.pendingModel ?? record?.model ?? null;
    if (o.model) return { spec: o.model };
    if (recorded) return { spec: recorded.source || recorded.id, fallbackId: recorded.id };
    return { spec: o.defaultModel ?? this.defaultModelId };
  }

  isDownloading(id: string): boolean {
    return this.downloads.has(findCatalogModel(id)?.id ?? id);
  }

  /**
   * Downloads a catalog model (resumable and verified by the downloader); a second call for a model already being
   * fetched joins that download. Unknown id → 'not-found'; a failed transfer → 'io' with the downloader's sentence.
   */
  download(id: string, req: DownloadRequest = {}): Promise<ResolvedModel> {
    const catalog = findCatalogModel(id);
    if (!catalog) {
      const known = MODEL_CATALOG.map((m) => m.id).join(', ');
      return Promise.reject(new SoutuError('not-found', `Unknown model "${id.slice(0, 200)}". Known: ${known}.`));
    }
    const running = this.downloads.get(catalog.id);
    if (running) return running;
    const p = (async () => {
      const target = await resolveModel(catalog.id, this.modelsDir);
      try {
        await downloadModel(catalog, target.source, {
          plan: precisionPlan(catalog, { setting: req.precision ?? 'quality', device: 'cpu' }),
          host: this.hubHost(req.settingsHubHost),
          fetchImpl: this.fetchImpl,
          signal: req.signal,
          onProgress: (progress) => {
            req.onProgress?.(progress);
            this.emit('download', progress);
          },
        });
      } catch (err) {
        if (err instanceof ModelDownloadError) throw new SoutuError('io', err.message);
        throw err;
      }
      return { ...target, ready: true };
    })();
    this.downloads.set(catalog.id, p);
    const forget = () => {
      if (this.downloads.get(catalog.id) === p) this.downloads.delete(catalog.id);
    };
    p.then(forget, forget);
    return p;
  }

  /** A model ready to load: resolved, and downloaded first when it is a missing catalog model and that is allowed. */
  async ensure(spec: string, req: EnsureRequest): Promise<ResolvedModel> {
    let resolved = await this.resolve(spec).catch((err: unknown) => {
      if (req.fallbackId && req.fallbackId !== spec) return this.resolve(req.fallbackId);
      throw err;
    });
    // A catalog model fetched for another precision lacks this one's files: fetched when allowed, else the files
    // already there are used (an older q8-only folder keeps working, as its own model key).
    if (resolved.ready && resolved.catalog && req.allowDownload) {
      const plan = precisionPlan(resolved.catalog, { setting: req.precision ?? 'quality', device: 'cpu' });
      if (!(await planStatus(resolved.source, resolved.catalog, plan)).complete) return this.download(resolved.catalog.id, req);
    }
    if (resolved.ready) return resolved;
    if (!resolved.catalog) throw new SoutuError('model-missing', `The model folder ${resolved.source} is incomplete.`);
    if (!req.allowDownload) {
      throw new SoutuError('model-missing', `The model ${resolved.id} is not downloaded yet. Run "soutu models download ${resolved.id}" (or index with downloads allowed).`);
    }
    resolved = await this.download(resolved.catalog.id, req);
    return resolved;
  }

  /** Copies a model folder in (for machines that cannot reach the hub). Not a model folder → 'bad-request'. */
  async import(folder: string, o: { id?: string } = {}): Promise<ResolvedModel> {
    const src = path.resolve(folder);
    if (!existsSync(path.join(src, 'config.json'))) throw new SoutuError('bad-request', `${src} is not a model folder: config.json is missing.`);
    for (const f of ['preprocessor_config.json', 'tokenizer.json']) {
      if (!existsSync(path.join(src, f))) throw new SoutuError('bad-request', `${src} is not a complete model folder: ${f} is missing.`);
    }
    const probe = await this.resolve(src);
    if (!probe.ready) throw new SoutuError('bad-request', `${src} has no ONNX model files in a layout Soutu can load (onnx/…).`);
    return importModel(src, { id: o.id, modelsDir: this.modelsDir });
  }
}
