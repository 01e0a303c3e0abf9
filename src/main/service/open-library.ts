// Opens a library the way every shell does: the model it will load is made ready first through the process's
// ModelService (so a missing one downloads with progress, through the proxy, from the configured hub), then the
// Library opens without downloading anything itself.
import { Library, readLibraryMetaFile, recordedPrecision, type DownloadProgress, type LibraryMeta, type LibraryOptions, type ModelService, type PrecisionSetting } from '../core/index.js';
import type { Settings } from '../../shared/api.js';

export interface OpenLibraryOptions {
  libraryDir: string;
  models: ModelService;
  /** The library's UI settings: device, threads, hub host, precision and text reading apply unless given here. */
  settings?: Settings;
  /** A catalog id or folder to use instead of the one the library records. */
  model?: string;
  /** The model a new library starts with (ModelService.defaultFor(language)). */
  defaultModel?: string;
  device?: LibraryOptions['device'];
  threads?: number;
  /**
   * The precision asked for (CLI --precision, or models:use before the library could open). Left out, the library
   * opens at the precision its vectors were made with (a new library: the one in Settings, else quality); asked for
   * and different, it becomes a switch (re-embed at the next run).
   */
  precision?: PrecisionSetting;
  /** Fetch a missing catalog model; otherwise a missing one is SoutuError('model-missing'). */
  allowDownload: boolean;
  readOnly?: boolean;
  onDownload?(p: DownloadProgress): void;
  onWarning?(message: string): void;
}

/**
 * The precision whose files the model needs: the one asked for, else the one the library's recorded model was
 * indexed with (a compact library must not fetch the full-precision files just to open), else full precision.
 */
function filesPrecision(meta: LibraryMeta | null, spec: string, asked: PrecisionSetting | undefined): PrecisionSetting | undefined {
  if (asked) return asked;
  const target = meta?.pendingModel ?? meta?.model ?? null;
  return target && (spec === target.source || spec === target.id) ? recordedPrecision(target) : undefined;
}

export async function openLibrary(o: OpenLibraryOptions): Promise<Library> {
  const meta = await readLibraryMetaFile(o.libraryDir).catch(() => null);
  const { spec, fallbackId } = o.models.specFor(meta, { model: o.model, defaultModel: o.defaultModel });
  // The precision in Settings is what a new library starts with; an existing one keeps the precision its vectors
  // were made with unless one is asked for here (a switch re-embeds every photo, so it is never made by reading a
  // setting: models:use and --precision ask for it).
  const precision = o.precision ?? (meta?.model || meta?.pendingModel ? undefined : o.settings?.precision);
  await o.models.ensure(spec, {
    allowDownload: o.allowDownload,
    fallbackId,
    settingsHubHost: o.settings?.hubHost,
    precision: filesPrecision(meta, spec, precision),
    onProgress: o.onDownload,
  });
  const lib = await Library.open(o.libraryDir, {
    model: o.model,
    modelsDir: o.models.modelsDir,
    device: o.device ?? o.settings?.device,
    threads: o.threads ?? o.settings?.threads,
    precision,
    defaultModel: o.defaultModel,
    allowDownload: false,
    readOnly: o.readOnly,
    onWarning: o.onWarning,
  });
  // Text reading as chosen in Settings while the library was closed (the library keeps the setting itself).
  if (!o.readOnly && o.settings?.ocr !== undefined) {
    try {
      await lib.setOcrEnabled(o.settings.ocr);
    } catch (err) {
      await lib.close().catch(() => {});
      throw err;
    }
  }
  return lib;
}
