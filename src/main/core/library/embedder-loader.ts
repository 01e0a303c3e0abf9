// Turns a model name or folder into a running Embedder: resolves it in the models folder (a recorded folder that
// moved falls back to its catalog id), downloads a missing catalog model when allowed, and opens its sessions.
import type { Embedder } from '../embed/embedder.js';
import { downloadModel, type DownloadProgress } from '../embed/model-download.js';
import { precisionPlan, type PrecisionSetting } from '../embed/model-catalog.js';
import { defaultModelsDir, planStatus, resolveModel } from '../embed/model-store.js';
import { TransformersClipEmbedder, type DevicePreference } from '../embed/transformers-clip-embedder.js';
import { SoutuError } from '../errors.js';

export interface LoadedEmbedder {
  embedder: Embedder;
  /** The folder it loaded from (recorded in library.json). */
  source: string;
}

export interface EmbedderLoader {
  /** `precision` overrides the loader's own for this load (a re-embed at another precision). */
  load(spec: string, o: { allowDownload: boolean; fallbackId?: string; precision?: PrecisionSetting }): Promise<LoadedEmbedder>;
}

export interface CatalogLoaderOptions {
  modelsDir?: string;
  hubHost?: string;
  device?: DevicePreference;
  threads?: number;
  precision?: PrecisionSetting;
  /** Wraps every embedder opened (tests count calls; the bench times them). */
  wrap?: (e: Embedder) => Embedder;
  onDownload?: (p: DownloadProgress) => void;
  onWarning?: (message: string) => void;
}

export function catalogEmbedderLoader(o: CatalogLoaderOptions): EmbedderLoader {
  return {
    async load(spec, { allowDownload, fallbackId, precision: asked }) {
      const precision = asked ?? o.precision ?? 'quality';
      const modelsDir = o.modelsDir ?? defaultModelsDir();
      let resolved = await resolveModel(spec, modelsDir).catch(async (err) => {
        if (fallbackId) return resolveModel(fallbackId, modelsDir);
        throw err;
      });
      // A catalog model fetched for another precision lacks this one's files: fetched when allowed, else the files
      // already there are used (they load as their own model key, so vectors never mix).
      if (resolved.ready && resolved.catalog && allowDownload) {
        const plan = precisionPlan(resolved.catalog, { setting: precision, device: 'cpu' });
        if (!(await planStatus(resolved.source, resolved.catalog, plan)).complete) {
          await downloadModel(resolved.catalog, resolved.source, { host: o.hubHost, plan, onProgress: (p) => o.onDownload?.(p) });
        }
      }
      if (!resolved.ready) {
        if (!resolved.catalog) throw new SoutuError('model-missing', `The model folder ${resolved.source} is incomplete.`);
        if (!allowDownload) {
          throw new SoutuError('model-missing', `The model ${resolved.id} is not downloaded yet. Run "soutu models download ${resolved.id}" (or index with downloads allowed).`);
        }
        await downloadModel(resolved.catalog, resolved.source, { host: o.hubHost, plan: precisionPlan(resolved.catalog, { setting: precision }), onProgress: (p) => o.onDownload?.(p) });
        resolved = { ...resolved, ready: true };
      }
      let embedder: Embedder = await TransformersClipEmbedder.open(resolved.source, {
        modelId: resolved.id,
        device: o.device ?? 'auto',
        threads: o.threads,
        precision,
        onFallback: (m) => o.onWarning?.(m),
      });
      if (o.wrap) embedder = o.wrap(embedder);
      return { embedder, source: resolved.source };
    },
  };
}
