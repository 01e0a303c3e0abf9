// The model contract of the engine: texts and preprocessed image tensors in, L2-normalised vectors out.
// TransformersClipEmbedder implements it over transformers.js + onnxruntime-node.
import type { PreprocessSpec } from '../decode/index.js';

export interface Embedder {
  /** Stable id of the model (a hub id such as Xenova/clip-vit-base-patch32, or local:<name>). */
  readonly modelId: string;
  /** Safe table-name key: model id + dimension, so that two models' vectors never share a table. */
  readonly modelKey: string;
  readonly dim: number;
  /** What the image tensor must look like (from the model's preprocessor_config.json). */
  readonly imageSpec: PreprocessSpec;
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  /** Each tensor is CHW float32 as described by imageSpec. */
  embedImages(tensors: Float32Array[]): Promise<Float32Array[]>;
  /** The execution provider that actually runs each tower ('cpu', 'cuda', …), once loaded. */
  devices(): { text: string | null; vision: string | null };
  dtype(): string;
  close(): Promise<void>;
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (!(n > 0) || !Number.isFinite(n)) return v.fill(0);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}
