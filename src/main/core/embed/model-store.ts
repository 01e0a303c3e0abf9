// Where models live on the user's machine (never inside the app bundle), and how a model name or folder
// given by the user becomes a folder to load: catalog ids map to <models>/<slug>, folders are used as they are.
import { SoutuError } from '../errors.js';
import { existsSync } from 'node:fs';
import { cp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findCatalogModel, MODEL_CATALOG, type CatalogFile, type CatalogModel, type Localized, type PrecisionPlan } from './model-catalog.js';
import { MODEL_MANIFEST, type ModelManifest } from './model-download.js';
import { detectLayout, localModelId } from './transformers-clip-embedder.js';

/** Soutu's per-user data folder; the same place Electron's app.getPath('userData') gives for the app "Soutu". */
export function defaultDataDir(): string {
  if (process.env.SOUTU_HOME) return path.resolve(process.env.SOUTU_HOME);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Soutu');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Soutu');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Soutu');
}

export function defaultModelsDir(): string {
  return process.env.SOUTU_MODELS_DIR ? path.resolve(process.env.SOUTU_MODELS_DIR) : path.join(defaultDataDir(), 'models');
}

export function catalogFolder(modelsDir: string, id: string): string {
  return path.join(modelsDir, id.replace(/[\\/]+/g, '__'));
}

export interface ResolvedModel {
  id: string;
  /** Folder to load from. */
  source: string;
  /**
   * True when the folder can be loaded now: a completed download (of any precision plan, including the q8-only
   * downloads of earlier versions) or a model folder given by path. Which precision then runs is the embedder's
   * choice from what is there; planStatus() says what a plan would still have to fetch.
   */
  ready: boolean;
  catalog: CatalogModel | null;
}

async function manifestOf(dir: string): Promise<ModelManifest | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, MODEL_MANIFEST), 'utf8')) as ModelManifest;
  } catch {
    return null;
  }
}

function looksLikeModelFolder(dir: string): boolean {
  if (!existsSync(path.join(dir, 'config.json'))) return false;
  try {
    detectLayout(dir);
    return true;
  } catch {
    return false;
  }
}

/** Turns `--model <id|folder>` into a folder. Does not download. */
export async function resolveModel(spec: string, modelsDir = defaultModelsDir()): Promise<ResolvedModel> {
  const asPath = path.resolve(spec);
  if (existsSync(asPath) && existsSync(path.join(asPath, 'config.json'))) {
    const m = await manifestOf(asPath);
    return { id: m?.id ?? localModelId(asPath), source: asPath, ready: looksLikeModelFolder(asPath), catalog: m ? findCatalogModel(m.id) ?? null : null };
  }
  const catalog = findCatalogModel(spec);
  if (!catalog) {
    const hubLike = /^[\w.-]+\/[\w.-]+$/.test(spec);
    if (!hubLike && (spec.includes('/') || spec.includes(path.sep) || spec.startsWith('.'))) {
      throw new SoutuError('bad-request', `No model folder at ${asPath} (a model folder needs config.json and onnx/).`);
    }
    throw new SoutuError('bad-request', `Unknown model "${spec}". Known models: ${MODEL_CATALOG.map((m) => m.id).join(', ')}; or give a model folder.`);
  }
  const dir = catalogFolder(modelsDir, catalog.id);
  const m = await manifestOf(dir);
  const ready = !!m && m.completedAt > 0 && Object.keys(m.files).every((f) => existsSync(path.join(dir, f))) && looksLikeModelFolder(dir);
  return { id: catalog.id, source: dir, ready, catalog };
}

export interface PlanStatus {
  /** Every file of the plan is in the folder, verified by an earlier download. */
  complete: boolean;
  missing: CatalogFile[];
  /** Bytes still to download (the ONNX files; JSON files count as 0). */
  missingBytes: number;
}

/** What downloading `plan` into `dir` would still fetch. */
export async function planStatus(dir: string, model: CatalogModel, plan: PrecisionPlan): Promise<PlanStatus> {
  const m = await manifestOf(dir);
  const have = (f: string) => !!m && m.id === model.id && f in m.files && existsSync(path.join(dir, f));
  const known = new Map([plan.text.file, plan.vision.file].map((f) => [f.path, f]));
  const missing = plan.files.filter((f) => !have(f)).map((f) => known.get(f) ?? { path: f, bytes: 0 });
  return { complete: missing.length === 0, missing, missingBytes: missing.reduce((s, f) => s + f.bytes, 0) };
}

export interface InstalledModel {
  id: string;
  folder: string;
  ready: boolean;
  /** English title (the id for folders outside the catalog). */
  title: string;
  /** The title in each UI language (always set by listModels; optional so that older fakes still type-check). */
  titles?: Localized;
}

export async function listModels(modelsDir = defaultModelsDir()): Promise<InstalledModel[]> {
  const out: InstalledModel[] = [];
  for (const c of MODEL_CATALOG) {
    const r = await resolveModel(c.id, modelsDir);
    out.push({ id: c.id, folder: r.source, ready: r.ready, title: c.title.en, titles: c.title });
  }
  if (existsSync(modelsDir)) {
    for (const name of await readdir(modelsDir)) {
      const dir = path.join(modelsDir, name);
      if (out.some((m) => m.folder === dir)) continue;
      const m = await manifestOf(dir);
      if (m && looksLikeModelFolder(dir)) out.push({ id: m.id, folder: dir, ready: true, title: m.id, titles: { en: m.id, 'zh-CN': m.id } });
    }
  }
  return out;
}

/**
 * Copies a model folder (downloaded elsewhere) into the models folder, for machines that cannot reach the hub.
 * The id is taken from `id`, else matched against the catalog by config.json's _name_or_path, else local:<name>.
 */
export async function importModel(folder: string, opts: { id?: string; modelsDir?: string } = {}): Promise<ResolvedModel> {
  const src = path.resolve(folder);
  if (!existsSync(path.join(src, 'config.json'))) throw new SoutuError('bad-request', `${src} is not a model folder: config.json is missing.`);
  for (const f of ['preprocessor_config.json', 'tokenizer.json']) {
    if (!existsSync(path.join(src, f))) throw new SoutuError('bad-request', `${src} is not a complete model folder: ${f} is missing.`);
  }
  detectLayout(src); // throws with a clear sentence when no ONNX files are there
  const config = JSON.parse(await readFile(path.join(src, 'config.json'), 'utf8')) as { _name_or_path?: string };
  const base = (config._name_or_path ?? '').split('/').pop() ?? '';
  const guessed = opts.id ?? MODEL_CATALOG.find((c) => base && c.id.endsWith('/' + base))?.id ?? `local:${path.basename(src)}`;
  const modelsDir = opts.modelsDir ?? defaultModelsDir();
  const dest = catalogFolder(modelsDir, guessed.replace(/^local:/, 'local__'));
  const tmp = `${dest}.importing`;
  await rm(tmp, { recursive: true, force: true });
  await cp(src, tmp, { recursive: true, filter: (p) => !p.endsWith('.part') });
  const manifest: ModelManifest = { id: guessed, host: 'import:' + src, completedAt: Date.now(), files: {} };
  await writeFile(path.join(tmp, MODEL_MANIFEST), JSON.stringify(manifest, null, 2));
  await rm(dest, { recursive: true, force: true });
  await rename(tmp, dest);
  return { id: guessed, source: dest, ready: true, catalog: findCatalogModel(guessed) ?? null };
}
