// Embedder over transformers.js (tokenizer, config, model classes) and onnxruntime-node (sessions).
// Towers load lazily and separately, so a text query never loads or runs the vision tower; a combined
// graph (Chinese-CLIP's layout) is split once into a text and a vision graph beside the original.
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
import { splitCombinedModel } from './onnx/split-combined.js';

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
export type DtypePreference = 'auto' | 'q8' | 'fp32';

export interface EmbedderOptions {
  device?: DevicePreference;
  /** Intra-op threads for ONNX Runtime. ORT's default behaves single-threaded here, so always set it. */
  threads?: number;
  dtype?: DtypePreference;
  /** Overrides the id derived from the folder (catalog models pass their hub id). */
  modelId?: string;
  /** Called with a human sentence when a provider fails and the next one is tried. */
  onFallback?: (message: string) => void;
}

const DTYPE_SUFFIX: Record<'q8' | 'fp32', string> = { q8: '_quantized', fp32: '' };

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

/** Execution providers to try, best first; CPU always last. */
export function deviceCandidates(
  pref: DevicePreference,
  platform: NodeJS.Platform = process.platform,
  hasCuda: () => boolean = cudaProviderInstalled,
): string[] {
  if (pref === 'cpu') return ['cpu'];
  if (platform === 'win32') return ['dml', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'cpu'];
  // 'gpu' asks for the GPU explicitly: try CUDA even when its library looks absent, and say why it failed.
  return pref === 'gpu' || hasCuda() ? ['cuda', 'cpu'] : ['cpu'];
}

interface Layout {
  kind: 'split' | 'combined';
  dtype: 'q8' | 'fp32';
}

export function detectLayout(dir: string, pref: DtypePreference = 'auto'): Layout {
  const has = (f: string) => existsSync(path.join(dir, 'onnx', f));
  const order: ('q8' | 'fp32')[] = pref === 'fp32' ? ['fp32', 'q8'] : ['q8', 'fp32'];
  for (const dtype of order) {
    const s = DTYPE_SUFFIX[dtype];
    if (has(`text_model${s}.onnx`) && has(`vision_model${s}.onnx`)) return { kind: 'split', dtype };
  }
  for (const dtype of order) {
    if (has(`model${DTYPE_SUFFIX[dtype]}.onnx`)) return { kind: 'combined', dtype };
  }
  throw new Error(
    `No CLIP model files in ${dir}: expected onnx/text_model*.onnx and onnx/vision_model*.onnx, or onnx/model*.onnx.`,
  );
}

export function modelKeyOf(modelId: string, dim: number): string {
  const slug = modelId.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 48);
  const h = createHash('sha1').update(modelId).digest('hex').slice(0, 6);
  return `${slug}_${h}_${dim}`;
}

export function localModelId(dir: string): string {
  return `local:${path.basename(path.resolve(dir))}:${createHash('sha1').update(path.resolve(dir)).digest('hex').slice(0, 8)}`;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`Cannot read ${path.basename(file)} in the model folder ${path.dirname(file)}: ${(err as Error).message}`);
  }
}

type ModelClass = typeof CLIPTextModelWithProjection | typeof CLIPVisionModelWithProjection;

export class TransformersClipEmbedder implements Embedder {
  readonly modelKey: string;
  private tokenizerP: Promise<PreTrainedTokenizer> | null = null;
  private textP: Promise<PreTrainedModel> | null = null;
  private visionP: Promise<PreTrainedModel> | null = null;
  private splitP: Promise<string> | null = null;
  private textDevice: string | null = null;
  private visionDevice: string | null = null;
  private maxTextLength: number;

  private constructor(
    readonly dir: string,
    readonly modelId: string,
    readonly dim: number,
    readonly imageSpec: PreprocessSpec,
    private layout: Layout,
    private config: Record<string, unknown>,
    private opts: Required<Omit<EmbedderOptions, 'modelId' | 'onFallback'>> & Pick<EmbedderOptions, 'onFallback'>,
  ) {
    this.modelKey = modelKeyOf(modelId, dim);
    const textCfg = (config.text_config ?? {}) as Record<string, unknown>;
    const maxPos = Number(textCfg.max_position_embeddings ?? 77);
    this.maxTextLength = Math.min(Number.isFinite(maxPos) && maxPos > 0 ? maxPos : 77, 77);
  }

  /** Opens a model folder in transformers.js layout. Reads only the small JSON files; sessions load on first use. */
  static async open(dir: string, options: EmbedderOptions = {}): Promise<TransformersClipEmbedder> {
    const abs = path.resolve(dir);
    const config = await readJson(path.join(abs, 'config.json'));
    const pre = await readJson(path.join(abs, 'preprocessor_config.json'));
    const spec = preprocessSpecFromConfig(pre);
    const layout = detectLayout(abs, options.dtype ?? 'auto');
    const textCfg = (config.text_config ?? {}) as Record<string, unknown>;
    const dim = Number(config.projection_dim ?? textCfg.projection_dim ?? 512);
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`config.json of ${abs} has no valid projection_dim.`);
    const threads = options.threads ?? Math.max(1, os.availableParallelism());
    return new TransformersClipEmbedder(abs, options.modelId ?? localModelId(abs), dim, spec, layout, config, {
      device: options.device ?? 'auto',
      threads,
      dtype: layout.dtype,
      onFallback: options.onFallback,
    });
  }

  dtype(): string {
    return this.layout.dtype;
  }

  devices() {
    return { text: this.textDevice, vision: this.visionDevice };
  }

  private fileBase(tower: 'text' | 'vision'): string {
    if (this.layout.kind === 'split') return tower === 'text' ? 'text_model' : 'vision_model';
    return tower === 'text' ? 'soutu_text' : 'soutu_vision';
  }

  /**
   * Returns the folder the towers load from. A combined graph is split once, beside the original; when the
   * model folder is read-only, into a per-user cache folder that mirrors its small JSON files.
   */
  private ensureSplit(): Promise<string> {
    if (this.layout.kind === 'split') return Promise.resolve(this.dir);
    return (this.splitP ??= (async () => {
      const s = DTYPE_SUFFIX[this.layout.dtype];
      const combined = path.join(this.dir, 'onnx', `model${s}.onnx`);
      const targets = (dir: string) => ({ textPath: path.join(dir, 'onnx', `soutu_text${s}.onnx`), visionPath: path.join(dir, 'onnx', `soutu_vision${s}.onnx`) });
      const here = targets(this.dir);
      if (existsSync(here.textPath) && existsSync(here.visionPath)) return this.dir;
      try {
        await access(path.join(this.dir, 'onnx'), fsConstants.W_OK);
        await splitCombinedModel(combined, here);
        return this.dir;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw err;
      }
      const cacheRoot = process.env.SOUTU_CACHE_DIR ?? path.join(os.tmpdir(), `soutu-split-${os.userInfo().uid}`);
      const cache = path.join(cacheRoot, createHash('sha1').update(this.dir).digest('hex').slice(0, 16));
      const there = targets(cache);
      if (!(existsSync(there.textPath) && existsSync(there.visionPath))) {
        await mkdir(path.join(cache, 'onnx'), { recursive: true });
        for (const f of await readdir(this.dir)) if (f.endsWith('.json') || f.endsWith('.txt')) await copyFile(path.join(this.dir, f), path.join(cache, f));
        await splitCombinedModel(combined, there);
      }
      return cache;
    })().catch((err) => {
      this.splitP = null;
      throw err;
    }));
  }

  private async loadTower(tower: 'text' | 'vision'): Promise<PreTrainedModel> {
    const folder = await this.ensureSplit();
    const cls: ModelClass = tower === 'text' ? CLIPTextModelWithProjection : CLIPVisionModelWithProjection;
    const errors: string[] = [];
    for (const device of deviceCandidates(this.opts.device)) {
      try {
        const model = await cls.from_pretrained(folder, {
          local_files_only: true,
          model_file_name: this.fileBase(tower),
          dtype: this.layout.dtype,
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
          },
        });
        if (tower === 'text') this.textDevice = device;
        else this.visionDevice = device;
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

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const [tokenizer, model] = await Promise.all([this.tokenizer(), this.text()]);
    // A single query is not padded: the text tower costs ~2.4× more at the full 77 tokens.
    const inputs = tokenizer(texts, { padding: texts.length > 1, truncation: true, max_length: this.maxTextLength });
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
