// The model calls of the contract (models:list, models:download, models:use, models:import) with or without an
// open library: the list with each catalog model's download size per precision, background downloads of the plan
// the settings ask for, and switches of model or precision (a re-embed in the background, never mixed vectors).
import { ApiError, type ModelEntry, type PrecisionChoice } from '../../shared/api.js';
import type { LibraryStatus } from '../../shared/types.js';
import { precisionPlan, type Library, type LibraryMeta, type ModelService } from '../core/index.js';
import { toApiError } from './errors.js';
import type { IndexRunner } from './index-runner.js';
import type { SettingsStore } from './settings-store.js';

export interface ModelCallsDeps {
  models: ModelService;
  settings: SettingsStore;
  /** library.json as it is on disk (the recorded model's folder, before the library opens too). */
  readMeta(): Promise<LibraryMeta | null>;
  /** The UI language, for titles and notes. */
  language(): Promise<string>;
  /** A background download failed (the sentence goes to the UI as app:warning). */
  warn(message: string): void;
  log(line: string): void;
}

/** What each precision of a catalog model downloads on a CPU (the plan ModelService.download fetches). */
export function planSizes(models: ModelService, id: string): ModelEntry['plans'] {
  const catalog = models.findInCatalog(id);
  if (!catalog) return null;
  const size = (setting: PrecisionChoice) => {
    const plan = precisionPlan(catalog, { setting, device: 'cpu' });
    return { bytes: plan.downloadBytes, estimated: plan.estimated };
  };
  return { quality: size('quality'), compact: size('compact') };
}

export class ModelCalls {
  constructor(private readonly deps: ModelCallsDeps) {}

  /**
   * models:list: the catalog and installed models, `active` marked. With `listActive`, an active model the
   * list does not know (a folder outside the models folder) is listed first under its id.
   */
  async list(active: string | null, listActive = false): Promise<ModelEntry[]> {
    const { models } = this.deps;
    const entries: ModelEntry[] = (await models.list(await this.deps.language())).map((m) => ({
      id: m.id,
      title: m.title,
      ready: m.ready,
      note: m.note,
      active: m.id === active,
      plans: planSizes(models, m.id),
    }));
    if (listActive && active && !entries.some((e) => e.active)) entries.unshift({ id: active, title: active, ready: true, note: null, active: true, plans: planSizes(models, active) });
    return entries;
  }

  /** models:list before the library opens: the model library.json records is the active one. */
  async listWithoutLibrary(): Promise<ModelEntry[]> {
    const meta = await this.deps.readMeta().catch(() => null);
    return this.list(meta?.model?.id ?? null);
  }

  /**
   * models:download: fetches a catalog model in the background, the files of the precision the settings name;
   * false when it is there or already coming. `onFetched` runs once it is there.
   */
  async startDownload(id: string, onFetched: () => void): Promise<{ started: boolean }> {
    const { models } = this.deps;
    const catalog = models.findInCatalog(id);
    if (!catalog) throw new ApiError('not-found', `Unknown model "${id.slice(0, 200)}".`);
    if ((await models.resolve(catalog.id)).ready || models.isDownloading(catalog.id)) return { started: false };
    const { hubHost: settingsHubHost, precision } = await this.deps.settings.get();
    models.download(catalog.id, { settingsHubHost, precision }).then(onFetched, (err: unknown) => {
      this.deps.warn(`Downloading ${catalog.id} failed: ${toApiError(err, this.deps.log, 'models:download').message}`);
    });
    return { started: true };
  }

  /**
   * models:use with a library: fetches the model's files for the precision (asked, else the one in Settings), then
   * switches; the same model at another precision is a switch too. The re-embed runs in the background and search
   * keeps serving the current vectors until it completes. A precision asked for becomes the Settings' choice.
   */
  async use(lib: Library, runner: IndexRunner, id: string, precision: PrecisionChoice | undefined, status: () => Promise<LibraryStatus>): Promise<LibraryStatus> {
    if (runner.busy) throw new ApiError('busy', 'Wait for indexing to finish (or cancel it) before switching models.');
    const settings = await this.deps.settings.get();
    const want = precision ?? settings.precision;
    const { spec, fallbackId } = await this.specOf(id);
    await this.deps.models.ensure(spec, { allowDownload: true, fallbackId, settingsHubHost: settings.hubHost, precision: want });
    const switched = await lib.switchModel(spec, { allowDownload: false, precision: want });
    if (precision) await this.deps.settings.set({ precision });
    if (switched.pendingModel) runner.start();
    return status();
  }

  /**
   * The library's own model is named by its id in the UI, but may load from a folder no id resolves to (a model
   * folder given to `soutu index --model`): the folder library.json records is used for it.
   */
  private async specOf(id: string): Promise<{ spec: string; fallbackId?: string }> {
    const meta = await this.deps.readMeta().catch(() => null);
    const recorded = [meta?.pendingModel, meta?.model].find((m) => m && m.id === id);
    return recorded?.source ? { spec: recorded.source, fallbackId: id } : { spec: id };
  }
}

/** models:import: the folder copied into the models folder, as the model list shows it. */
export async function importEntry(models: ModelService, folder: string, language: string): Promise<ModelEntry> {
  const r = await models.import(folder);
  const listed = (await models.list(language)).find((m) => m.id === r.id);
  return { id: r.id, title: listed?.title ?? r.id, ready: true, note: listed?.note ?? null, active: false, plans: planSizes(models, r.id) };
}
