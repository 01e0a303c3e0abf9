// Embedder over transformers.js (tokenizer, config, model classes) and onnxruntime-node (sessions).
// Towers load lazily and separately, so a text query never loads or runs the vision tower. Each tower runs the
// file of its own precision (model-catalog.ts says which, per device); a combined graph (Chinese-CLIP's layout)
// is split, and an fp16 file widened, once, beside the originals (tower-files.ts).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { access, copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import {
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  Tensor,
  env as hfEnv,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import { preprocessSpecFromConfig, type PreprocessSpec } from '../decode/index.js';
import { l2normalize, type Embedder } from './embedder.js';
import { findCatalogModel, towerPrecisions, type DeviceKind, type Precision, type PrecisionSetting, type Tower, type VisionClass } from './model-catalog.js';
import { chooseTowerFile, materializeTowerFile, towerFilePath, visionClassOf, DTYPE_SUFFIX, type LayoutKind, type TowerFile } from './tower-files.js';

// Models are fetched by Soutu's own downloader (model-download.ts); transformers.js only reads local folders.
hfEnv.allowRemoteModels = false;
hfEnv.allowLocalModels = true;
// ONNX graphs go to ONNX Runtime as file paths. transformers.js 4.3 opens a local file as a response object that
// starts streaming the whole file into memory even when only its path is used (the 64 MB text graph stayed
// resident until the next garbage collection, the 88 MB vision graph while indexing). Answered from a cache, it
// hands the path on without reading anything. It asks the cache twice: by the local path, then by the file's hub
// URL, which for a local folder is <remoteHost>/<folder without leading slashes>/resolve/<revision>/<file>; both
// are answered with the local path of an existing .onnx file. Any other file (the JSON ones) reads as before. If a
// later transformers.js asks differently, loading fails loudly (the integration tests load real sessions).
const onnxSeen = new Set<string>();
function localOnnxPath(key: unknown): string | undefined {
  if (typeof key !== 'string' || !key.endsWith('.onnx')) return undefined;
  if (path.isAbsolute(key)) {
    if (!existsSync(key)) return undefined;
    onnxSeen.add(key);
    return key;
  }
  const at = key.lastIndexOf('/resolve/');
  if (at < 0) return undefined;
  const file = key.slice(at + '/resolve/'.length).split('/').slice(1).join('/');
  const host = hfEnv.remoteHost.replace(/\/+$/, '');
  for (const p of onnxSeen) {
    if (!p.endsWith(`/${file}`)) continue;
    const folder = p.slice(0, p.length - file.length - 1).replace(/^\/+/, '');
    if (key.slice(0, at) === `${host}/${folder}`) return p;
  }
  return undefined;
}
hfEnv.useCustomCache = true;
hfEnv.customCache = { match: async (key: string) => localOnnxPath(key), put: async () => {} };


export type DevicePreference = 'auto' | 'cpu' | 'gpu';
/** 'auto' follows the precision setting per tower and device; a precision forces it for both towers. */
export type DtypePreference = 'auto' | Precision;

export interface EmbedderOptions {
  device?: DevicePreference;
  /** Intra-op threads for ONNX Runtime. ORT's default behaves single-threaded here, so always set it. */
  threads?: number;
  /** 'quality' (default) or 'compact' (q8 towers); see model-catalog.ts. */
  precision?: PrecisionSetting;
  /** Forces one precision for both towers (tests, benches); 'auto' (default) follows `precision`. */
  dtype?: DtypePreference;
  /** Overrides the id derived from the folder (catalog models pass their hub id). */
  modelId?: string;
  /** Tokens per text; default the catalog's context length, else the config's positions capped at 77. */
  contextLength?: number;
  /** Called with a human sentence when a provider fails and the next one is tried. */
  onFallback?: (message: string) => void;
}

/** How a loaded tower runs: what `Library.status()` and the bench report. */
export interface TowerRuntime {
  /** The execution provider that runs it: 'cpu', 'cuda', 'dml', 'coreml' or 'webgpu'. */
  device: string;
  /** Precision of the arithmetic. */
  compute: Precision;
  /** Precision of the stored weights (fp16 for a widened file). */
  weights: Precision;
  /** The session's file, e.g. onnx/vision_model_fp16_widened.onnx, and the folder it is in. */
  file: string;
  folder: string;
  /** One entry per provider that failed before this one ("cuda failed: …"). */
  fallbacks: string[];
}

/**
 * onnxruntime-node ships DirectML (Windows) and CoreML (macOS) in its package; the CUDA provider is an opt-in
 * download (ONNXRUNTIME_NODE_INSTALL=cuda12). Trying CUDA without its library only prints native errors.
 */
export function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
    return existsSync(path.join(pkg, 'bin', 'napi-v6', 'linux', process.arch, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/**
 * Execution providers to try, best first; CPU always last. 'gpu' asks for the GPU explicitly: it also tries
 * CUDA when its library looks absent (to say why it failed) and WebGPU (experimental in onnxruntime-node; it fails
 * within milliseconds where there is no adapter), which 'auto' leaves out.
 */
export function deviceCandidates(
  pref: DevicePreference,
  platform: NodeJS.Platform = process.platform,
  hasCuda: () => boolean = cudaProviderInstalled,
): string[] {
  if (pref === 'cpu') return ['cpu'];
  const gpu = pref === 'gpu';
  if (platform === 'win32') return gpu ? ['dml', 'webgpu', 'cpu'] : ['dml', 'cpu'];
  if (platform === 'darwin') return gpu ? ['coreml', 'webgpu', 'cpu'] : ['coreml', 'cpu'];
  if (gpu) return ['cuda', 'webgpu', 'cpu'];
  return hasCuda() ? ['cuda', 'cpu'] : ['cpu'];
}

export interface Layout {
  kind: LayoutKind;
  /** Precisions of the files present: for a split folder, those of either tower. */
  precisions: Precision[];
}

export function detectLayout(dir: string): Layout {
  const has = (f: string) => existsSync(path.join(dir, 'onnx', f));
  const all: Precision[] = ['fp32', 'fp16', 'q8'];
  const text = all.filter((p) => has(`text_model${DTYPE_SUFFIX[p]}.onnx`));
  const vision = all.filter((p) => has(`vision_model${DTYPE_SUFFIX[p]}.onnx`));
  if (text.length && vision.length) return { kind: 'split', precisions: all.filter((p) => text.includes(p) || vision.includes(p)) };
  const combined = all.filter((p) => has(`model${DTYPE_SUFFIX[p]}.onnx`));
  if (combined.length) return { kind: 'combined', precisions: combined };
  throw new Error(
    `No CLIP model files in ${dir}: expected onnx/text_model*.onnx and onnx/vision_model*.onnx, or onnx/model*.onnx.`,
  );
}

/**
 * Table-name-safe key of a model's vectors: id, dimension, and the vision weights' class. Int8 vision keeps the key
 * of earlier versions (every catalog download was q8 then), so those libraries stay valid and a switch to full
 * precision is a model switch (re-embed), never a mix.
 */
export function modelKeyOf(modelId: string, dim: number, vision: VisionClass = 'q8'): string {
  const slug = modelId.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 48);
  const h = createHash('sha1').update(vision === 'q8' ? modelId : `${modelId}#vision=${vision}`).digest('hex').slice(0, 6);
  return `${slug}_${h}_${dim}`;
}

export function localModelId(dir: string): string {
  return `local:${path.basename(path.resolve(dir))}:${createHash('sha1').update(path.resolve(dir)).digest('hex').slice(0, 8)}`;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`Cannot read ${path.basename(file)} in the model folder ${path.dirname(file)}: ${(err as Error).message}`, { cause: err });
  }
}

/** "vision: cuda, fp16" or, after a fallback, a sentence saying which GPU providers failed and that the CPU runs it. */
export function describeTowerRuntime(tower: Tower, rt: TowerRuntime | null): string {
  if (!rt) return `${tower}: not loaded`;
  const precision = rt.compute === rt.weights ? rt.compute : `${rt.compute} compute from ${rt.weights} weights`;
  const ran = `${tower}: ${rt.device}, ${precision} (${rt.file})`;
  if (rt.fallbacks.length === 0) return ran;
  const tried = rt.fallbacks.join('; ');
  return rt.device === 'cpu' ? `${ran}. No GPU provider could run the ${tower} model (${tried}), so it runs on the CPU.` : `${ran}, after ${tried}.`;
}

type ModelClass = typeof CLIPTextModelWithProjection | typeof CLIPVisionModelWithProjection;

export class TransformersClipEmbedder implements Embedder {
  readonly modelKey: string;
  readonly visionClass: VisionClass;
  /** Tokens per text, start and end tokens included. */
  readonly contextLength: number;
  private tokenizerP: Promise<PreTrainedTokenizer> | null = null;
  private textP: Promise<PreTrainedModel> | null = null;
  private visionP: Promise<PreTrainedModel> | null = null;
  private readonly runtimes: Record<Tower, TowerRuntime | null> = { text: null, vision: null };
  private cacheDirP: Promise<string> | null = null;

  private constructor(
    readonly dir: string,
    readonly modelId: string,
    readonly dim: number,
    readonly imageSpec: PreprocessSpec,
    private layout: Layout,
    private planned: Record<Tower, TowerFile>,
    contextLength: number,
    private opts: Required<Omit<EmbedderOptions, 'modelId' | 'onFallback' | 'contextLength'>> & Pick<EmbedderOptions, 'onFallback'>,
  ) {
    this.visionClass = visionClassOf(planned.vision);
    this.modelKey = modelKeyOf(modelId, dim, this.visionClass);
    this.contextLength = contextLength;
  }

  /** Opens a model folder in transformers.js layout. Reads only the small JSON files; sessions load on first use. */
  static async open(dir: string, options: EmbedderOptions = {}): Promise<TransformersClipEmbedder> {
    const abs = path.resolve(dir);
    const config = await readJson(path.join(abs, 'config.json'));
    const pre = await readJson(path.join(abs, 'preprocessor_config.json'));
    const spec = preprocessSpecFromConfig(pre);
    const layout = detectLayout(abs);
    const textCfg = (config.text_config ?? {}) as Record<string, unknown>;
    const dim = Number(config.projection_dim ?? textCfg.projection_dim ?? 512);
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`config.json of ${abs} has no valid projection_dim.`);
    const threads = options.threads ?? Math.max(1, os.availableParallelism());
    const modelId = options.modelId ?? (await manifestId(abs)) ?? localModelId(abs);
    const catalog = findCatalogModel(modelId);
    const maxPos = Number(textCfg.max_position_embeddings ?? 77);
    const contextLength = options.contextLength ?? catalog?.contextLength ?? Math.min(Number.isFinite(maxPos) && maxPos > 0 ? maxPos : 77, 77);
    const opts = { device: options.device ?? 'auto', threads, precision: options.precision ?? 'quality', dtype: options.dtype ?? 'auto', onFallback: options.onFallback } as const;
    // The key must be known before any session loads; the vision class does not depend on the device (q8 stays q8,
    // and fp32, fp16 and widened fp16 are all full precision), so the CPU choice decides it.
    const planned = {} as Record<Tower, TowerFile>;
    for (const tower of ['text', 'vision'] as const) {
      const f = chooseTowerFile(abs, layout.kind, tower, wantedPrecision(opts, 'cpu')[tower]);
      if (!f) throw new Error(`The model folder ${abs} has no ${tower} model file.`);
      planned[tower] = f;
    }
    return new TransformersClipEmbedder(abs, modelId, dim, spec, layout, planned, contextLength, opts);
  }

  /** Precisions as planned before loading, then as loaded: 'q8', 'fp32', or e.g. 'vision fp32 (fp16 weights), text q8'. */
  dtype(): string {
    const d = (t: Tower) => {
      const rt = this.runtimes[t];
      const compute = rt?.compute ?? this.planned[t].compute;
      const weights = rt?.weights ?? this.planned[t].weights;
      return compute === weights ? compute : `${compute} (${weights} weights)`;
    };
    const [v, t] = [d('vision'), d('text')];
    return v === t ? v : `vision ${v}, text ${t}`;
  }

  devices() {
    return { text: this.runtimes.text?.device ?? null, vision: this.runtimes.vision?.device ?? null };
  }

  /** How each loaded tower runs (null until it loads). */
  runtime(): Record<Tower, TowerRuntime | null> {
    return { text: this.runtimes.text, vision: this.runtimes.vision };
  }

  /** A per-user folder for derived files when the model folder is read-only; it mirrors the small JSON files. */
  private cacheDir(): Promise<string> {
    return (this.cacheDirP ??= (async () => {
      const cacheRoot = process.env.SOUTU_CACHE_DIR ?? path.join(os.tmpdir(), `soutu-split-${os.userInfo().uid}`);
      const cache = path.join(cacheRoot, createHash('sha1').update(this.dir).digest('hex').slice(0, 16));
      await mkdir(path.join(cache, 'onnx'), { recursive: true });
      for (const f of await readdir(this.dir)) if (f.endsWith('.json') || f.endsWith('.txt')) await copyFile(path.join(this.dir, f), path.join(cache, f));
      return cache;
    })());
  }

  /** The folder a tower file loads from, deriving it first when needed. */
  private async prepare(f: TowerFile): Promise<string> {
    if (!f.derive.split && !f.derive.widen) return this.dir;
    if (existsSync(path.join(this.dir, towerFilePath(f)))) return this.dir;
    try {
      await access(path.join(this.dir, 'onnx'), fsConstants.W_OK);
      return await materializeTowerFile(this.dir, f, this.dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw err;
    }
    return materializeTowerFile(this.dir, f, await this.cacheDir());
  }

  private async loadTower(tower: Tower): Promise<PreTrainedModel> {
    const cls: ModelClass = tower === 'text' ? CLIPTextModelWithProjection : CLIPVisionModelWithProjection;
    const errors: string[] = [];
    for (const device of deviceCandidates(this.opts.device)) {
      const kind: DeviceKind = device === 'cpu' ? 'cpu' : 'gpu';
      let file = chooseTowerFile(this.dir, this.layout.kind, tower, wantedPrecision(this.opts, kind)[tower]) ?? this.planned[tower];
      let folder: string;
      try {
        folder = await this.prepare(file);
      } catch (err) {
        // A graph the widening does not understand still runs as fp16: ONNX Runtime's CPU provider computes it mostly
        // in fp32 anyway. Other conversion errors are not the provider's fault and propagate.
        if (!file.derive.widen) throw err;
        const fp16 = { ...file, compute: 'fp16' as const, fileBase: file.fileBase.replace(/_fp16_widened$/, ''), dtype: 'fp16' as const, derive: { ...file.derive, widen: false } };
        this.opts.onFallback?.(`Running the ${tower} model's fp16 file directly (${String((err as Error).message).split('\n')[0]}).`);
        file = fp16;
        folder = await this.prepare(file);
      }
      try {
        const model = await cls.from_pretrained(folder, {
          local_files_only: true,
          model_file_name: file.fileBase,
          dtype: file.dtype,
          device: device as 'cpu',
          session_options: {
            intraOpNumThreads: this.opts.threads,
            interOpNumThreads: 1,
            graphOptimizationLevel: 'all',
            // Errors still surface as exceptions; ORT's own warnings on stderr would only confuse users.
            logSeverityLevel: 3,
            // ORT's idle threads yield rather than spin. While indexing, libvips decodes on the same cores (0.121-0.126
            // against 0.127-0.140 CPU-s a photo); after a text query, the vector scan's helper thread needs the core
            // the spinning thread held (bench/PERFORMANCE.md).
            extra: { session: { intra_op: { allow_spinning: '0' } } },
            // The text tower stays resident for the app's whole life and sees small inputs of varying length: without
            // ORT's arena its buffers are freed after each query (12 MB less held idle, measured on the text session alone).
            ...(tower === 'text' ? { enableCpuMemArena: false } : {}),
          },
        });
        this.runtimes[tower] = { device, compute: file.compute, weights: file.weights, file: towerFilePath(file), folder, fallbacks: [...errors] };
        if (errors.length > 0) this.opts.onFallback?.(`Using ${device} for the ${tower} model (${errors.join('; ')}).`);
        return model;
      } catch (err) {
        errors.push(`${device} failed: ${String((err as Error).message ?? err).split('\n')[0]}`);
      }
    }
    throw new Error(`Cannot load the ${tower} model from ${this.dir}: ${errors.join('; ')}`);
  }

  private tokenizer(): Promise<PreTrainedTokenizer> {
    return (this.tokenizerP ??= AutoTokenizer.from_pretrained(this.dir, { local_files_only: true }));
  }

  private text(): Promise<PreTrainedModel> {
    return (this.textP ??= this.loadTower('text').catch((err) => {
      this.textP = null;
      throw err;
    }));
  }

  private vision(): Promise<PreTrainedModel> {
    return (this.visionP ??= this.loadTower('vision').catch((err) => {
      this.visionP = null;
      throw err;
    }));
  }

  /** Loads the text tower now (a warm session makes the first query fast). */
  async warmText(): Promise<void> {
    await Promise.all([this.tokenizer(), this.text()]);
  }

  /** Loads the vision tower now (the bench times loading apart from the first batch). */
  async warmVision(): Promise<void> {
    await this.vision();
  }

  private async encode(texts: string[]): Promise<Record<string, Tensor>> {
    const tokenizer = await this.tokenizer();
    // Truncated here rather than by transformers.js, which cuts after adding the special tokens and so drops the end
    // token ([SEP], or CLIP's end token that its pooling looks for); CN-CLIP and the HF tokenizers keep it.
    const enc = tokenizer(texts, { padding: false, truncation: false, return_tensor: false }) as unknown as Record<string, number[][]>;
    const max = this.contextLength;
    const cut = (row: number[]) => (row.length > max ? [...row.slice(0, max - 1), row[row.length - 1]] : row);
    const rows = Object.fromEntries(Object.entries(enc).map(([k, v]) => [k, v.map(cut)]));
    // A single query is not padded: the text tower costs ~2.4× more at the full 77 tokens. Padding a batch to its
    // longest text does not change an fp32 embedding (the attention mask hides the pad tokens).
    const len = Math.max(...rows.input_ids.map((r) => r.length));
    const pad = tokenizer.pad_token_id ?? 0;
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(rows)) {
      const data = new BigInt64Array(v.length * len).fill(BigInt(k === 'input_ids' ? pad : 0));
      v.forEach((row, i) => row.forEach((x, j) => (data[i * len + j] = BigInt(x))));
      out[k] = new Tensor('int64', data, [v.length, len]);
    }
    return out;
  }

  /** Token ids and attention masks exactly as embedTexts feeds them to the text tower. */
  async tokenize(texts: string[]): Promise<{ ids: number[][]; mask: number[][] }> {
    const enc = await this.encode(texts);
    const rows = (t: Tensor) => (t.tolist() as (number | bigint)[][]).map((r) => r.map(Number));
    return { ids: rows(enc.input_ids), mask: rows(enc.attention_mask) };
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const [inputs, model] = await Promise.all([this.encode(texts), this.text()]);
    const out = (await model(inputs)) as { text_embeds: Tensor };
    return this.rows(out.text_embeds);
  }

  async embedImages(tensors: Float32Array[]): Promise<Float32Array[]> {
    if (tensors.length === 0) return [];
    const { width, height } = this.imageSpec.size;
    const per = 3 * width * height;
    const batch = new Float32Array(per * tensors.length);
    tensors.forEach((t, i) => {
      if (t.length !== per) throw new Error(`image tensor has ${t.length} values, expected ${per}`);
      batch.set(t, i * per);
    });
    const model = await this.vision();
    const out = (await model({ pixel_values: new Tensor('float32', batch, [tensors.length, 3, height, width]) })) as {
      image_embeds: Tensor;
    };
    return this.rows(out.image_embeds);
  }

  private rows(t: Tensor): Float32Array[] {
    const data = t.data as Float32Array;
    const [n, d] = t.dims as number[];
    if (d !== this.dim) throw new Error(`model returned ${d}-d vectors, config says ${this.dim}`);
    const out: Float32Array[] = [];
    for (let i = 0; i < n; i++) out.push(l2normalize(data.slice(i * d, (i + 1) * d)));
    return out;
  }

  async close(): Promise<void> {
    const models = await Promise.allSettled([this.textP, this.visionP].filter(Boolean) as Promise<PreTrainedModel>[]);
    for (const m of models) if (m.status === 'fulfilled') await m.value.dispose();
    this.textP = this.visionP = null;
  }
}

function wantedPrecision(o: { precision: PrecisionSetting; dtype: DtypePreference }, device: DeviceKind): Record<Tower, Precision> {
  if (o.dtype !== 'auto') return { text: o.dtype, vision: o.dtype };
  return towerPrecisions(o.precision, device);
}

/** The hub id recorded by Soutu's downloader (or importer) in the folder, if any. */
async function manifestId(dir: string): Promise<string | null> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, 'soutu-model.json'), 'utf8')) as { id?: unknown };
    return typeof m.id === 'string' && m.id ? m.id : null;
  } catch {
    return null;
  }
}
