// Opens a library the way every shell does: the model it will load is made ready first through the process's
// ModelService (so a missing one downloads with progress, through the proxy, from the configured hub), then the
// Library opens without downloading anything itself.
import { Library, readLibraryMetaFile, type DownloadProgress, type LibraryOptions, type ModelService } from '../core/index.js';
import type { Settings } from '../../shared/api.js';

export interface OpenLibraryOptions {
  libraryDir: string;
  models: ModelService;
  /** The library's UI settings: device, threads and hub host apply unless given here. */
  settings?: Settings;
  /** A catalog id or folder to use instead of the one the library records. */
  model?: string;
  /** The model a new library starts with (ModelService.defaultFor(language)). */
  defaultModel?: string;
  device?: LibraryOptions['device'];
  threads?: number;
  /** Fetch a missing catalog model; otherwise a missing one is SoutuError('model-missing'). */
  allowDownload: boolean;
  readOnly?: boolean;
  onDownload?(p: DownloadProgress): void;
  onWarning?(message: string): void;
}

export async function openLibrary(o: OpenLibraryOptions): Promise<Library> {
  const meta = await readLibraryMetaFile(o.libraryDir).catch(() => null);
  const { spec, fallbackId } = o.models.specFor(meta, { model: o.model, defaultModel: o.defaultModel });
  await o.models.ensure(spec, { allowDownload: o.allowDownload, fallbackId, settingsHubHost: o.settings?.hubHost, onProgress: o.onDownload });
  return Library.open(o.libraryDir, {
    model: o.model,
    modelsDir: o.models.modelsDir,
    device: o.device ?? o.settings?.device,
    threads: o.threads ?? o.settings?.threads,
    defaultModel: o.defaultModel,
    allowDownload: false,
    readOnly: o.readOnly,
    onWarning: o.onWarning,
  });
}
