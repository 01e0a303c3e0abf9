// Synthetic CLIPs: the real architectures at full size with seeded random weights. They cost what the real
// models cost (parameters, FLOPs, file sizes) but know nothing; toy-color is the one with real semantics.
import { GraphBuilder, float, int64Data, makeModel, type Dim } from '../embed/onnx/graph-builder.js';
import { DataType, type ModelProto } from '../embed/onnx/onnx-proto.js';
import { CHINESE_CLIP_VOCAB_SIZE, SYNTHETIC_VOCAB_SIZE } from './synthetic-vocabs.js';

/** Weight `name` of the synthetic ViT-B/32 is seededNormal(`${SYNTHETIC_SEED}/${name}`, size, std). */
export const SYNTHETIC_SEED = 'soutu-synthetic-vit-b32-v1';
const SEEDS = {
  'synthetic-vit-b32': SYNTHETIC_SEED,
  'synthetic-vit-b16': 'soutu-synthetic-vit-b16-v1',
  'synthetic-chinese-clip': 'soutu-synthetic-chinese-clip-v1',
} as const;
export type SyntheticKind = keyof typeof SEEDS;

interface VisionShape {
  width: number;
  layers: number;
  heads: number;
  mlp: number;
  patch: number;
  image: number;
}
const VIT_B32: VisionShape = { width: 768, layers: 12, heads: 12, mlp: 3072, patch: 32, image: 224 };
/** CLIP ViT-B/16, also Chinese-CLIP's vision tower: 14×14 patches + [CLS] = 197 tokens. */
const VIT_B16: VisionShape = { ...VIT_B32, patch: 16 };
/** OpenAI CLIP's text tower (ViT-B/32 and ViT-B/16 share it); 77 positions, the tokenizer's max length too. */
export const CLIP_TEXT = { width: 512, layers: 12, heads: 8, mlp: 2048, positions: 77 } as const;
/** Chinese-CLIP's text tower: RoBERTa-wwm-ext-base-chinese, a BERT-base (post-LayerNorm, erf GELU). */
export const CHINESE_CLIP_TEXT = { width: 768, layers: 12, heads: 12, mlp: 3072, positions: 512, typeVocab: 2, eps: 1e-12 } as const;
/** Chinese-CLIP trains and evaluates with 52-token texts (cn_clip.clip.tokenize's context_length). */
export const CHINESE_CLIP_CONTEXT_LENGTH = 52;
const EMBED_DIM = 512;

/** Seeded xoshiro128** streams, one per tensor name, so weights do not depend on generation order. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(key: string) {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    const next = (): number => {
      h = (h + 0x9e3779b9) | 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in (0, 1]. */
  uniform(): number {
    return ((this.u32() >>> 8) + 1) / 16777216;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** `n` normal samples (Box–Muller) from a stream seeded by `key` alone: same key, same values. */
export function seededNormal(key: string, n: number, std = 1): Float32Array {
  const rng = new Rng(key);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = std * Math.sqrt(-2 * Math.log(rng.uniform()));
    const th = 2 * Math.PI * rng.uniform();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

/** Weights by name, generated once and shared by every graph of a kind that uses them. */
class Weights {
  private readonly cache = new Map<string, Float32Array>();
  constructor(private readonly seed: string) {}
  normal(name: string, n: number, std = 0.02): Float32Array {
    let w = this.cache.get(name);
    if (!w) this.cache.set(name, (w = seededNormal(`${this.seed}/${name}`, n, std)));
    return w;
  }
  filled(name: string, n: number, value: number): Float32Array {
    let w = this.cache.get(name);
    if (!w) this.cache.set(name, (w = new Float32Array(n).fill(value)));
    return w;
  }
}

/** Transformer pieces in fp32 (the fp16 and q8 variants are converted from the fp32 graph, as the hub's are). */
class TowerBuilder {
  constructor(
    readonly b: GraphBuilder,
    readonly w: Weights,
  ) {}

  linear(x: string, name: string, inDim: number, outDim: number, bias = true): string {
    const { b } = this;
    let y = b.op('MatMul', [x, b.init(`${name}.weight`, this.w.normal(`${name}.weight`, inDim * outDim), [inDim, outDim])]);
    if (bias) y = b.op('Add', [y, b.init(`${name}.bias`, this.w.filled(`${name}.bias`, outDim, 0), [outDim])]);
    return y;
  }

  layerNorm(x: string, name: string, dim: number, eps = 1e-5): string {
    const scale = this.b.init(`${name}.weight`, this.w.filled(`${name}.weight`, dim, 1), [dim]);
    const bias = this.b.init(`${name}.bias`, this.w.filled(`${name}.bias`, dim, 0), [dim]);
    return this.b.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: float(eps) });
  }

  /** x: [batch, seq, width]; mask (optional) broadcasts to [batch, heads, seq, seq]. */
  attention(x: string, name: string, width: number, heads: number, mask?: string, names = CLIP_ATTENTION, outName = `${name}.${names.out}`): string {
    const { b } = this;
    const dh = width / heads;
    const q = this.linear(x, `${name}.${names.q}`, width, width);
    const k = this.linear(x, `${name}.${names.k}`, width, width);
    const v = this.linear(x, `${name}.${names.v}`, width, width);
    const split = b.constI64([0, -1, heads, dh]);
    const qh = b.op('Transpose', [b.op('Reshape', [q, split])], { perm: [0, 2, 1, 3] });
    const kh = b.op('Transpose', [b.op('Reshape', [k, split])], { perm: [0, 2, 3, 1] });
    const vh = b.op('Transpose', [b.op('Reshape', [v, split])], { perm: [0, 2, 1, 3] });
    let scores = b.op('Div', [b.op('MatMul', [qh, kh]), b.constF([Math.sqrt(dh)], [])]);
    if (mask) scores = b.op('Add', [scores, mask]);
    const probs = b.op('Softmax', [scores], { axis: -1 });
    const ctx = b.op('Transpose', [b.op('MatMul', [probs, vh])], { perm: [0, 2, 1, 3] });
    const merged = b.op('Reshape', [ctx, b.constI64([0, -1, width])]);
    return this.linear(merged, outName, width, width);
  }

  /** CLIP's pre-LayerNorm block with QuickGELU. */
  clipLayer(h: string, name: string, width: number, heads: number, mlp: number, mask?: string): string {
    const { b } = this;
    const attn = this.attention(this.layerNorm(h, `${name}.layer_norm1`, width), `${name}.self_attn`, width, heads, mask);
    const h1 = b.op('Add', [h, attn]);
    const x = this.linear(this.layerNorm(h1, `${name}.layer_norm2`, width), `${name}.mlp.fc1`, width, mlp);
    const gelu = b.op('Mul', [x, b.op('Sigmoid', [b.op('Mul', [x, b.constF([1.702], [])])])]);
    return b.op('Add', [h1, this.linear(gelu, `${name}.mlp.fc2`, mlp, width)]);
  }

  /** BERT's post-LayerNorm block with erf GELU. */
  bertLayer(h: string, name: string, width: number, heads: number, mlp: number, eps: number, mask: string): string {
    const { b } = this;
    const attn = this.attention(h, `${name}.attention.self`, width, heads, mask, BERT_ATTENTION, `${name}.attention.output.dense`);
    const h1 = this.layerNorm(b.op('Add', [attn, h]), `${name}.attention.output.LayerNorm`, width, eps);
    const x = this.linear(h1, `${name}.intermediate.dense`, width, mlp);
    const erf = b.op('Erf', [b.op('Div', [x, b.constF([Math.SQRT2], [])])]);
    const gelu = b.op('Mul', [b.op('Mul', [x, b.op('Add', [erf, b.constF([1], [])])]), b.constF([0.5], [])]);
    return this.layerNorm(b.op('Add', [this.linear(gelu, `${name}.output.dense`, mlp, width), h1]), `${name}.output.LayerNorm`, width, eps);
  }
}

const CLIP_ATTENTION = { q: 'q_proj', k: 'k_proj', v: 'v_proj', out: 'out_proj' };
// HF BERT keeps the attention's output projection outside self-attention (attention.output.dense): bertLayer names it.
const BERT_ATTENTION = { q: 'query', k: 'key', v: 'value', out: 'output.dense' };

/** CLIP's vision transformer up to the projection (not normalised): [batch, 3, 224, 224] → [batch, 512]. */
function clipVision(t: TowerBuilder, px: string, shape: VisionShape, prefix = 'vision_model'): string {
  const { b, w } = t;
  const { width, patch, image } = shape;
  const tokens = (image / patch) ** 2 + 1;
  const convName = `${prefix}.embeddings.patch_embedding.weight`;
  const conv = b.init(convName, w.normal(convName, width * 3 * patch * patch), [width, 3, patch, patch]);
  const patches = b.op('Conv', [px, conv], { kernel_shape: [patch, patch], strides: [patch, patch] });
  const seq = b.op('Transpose', [b.op('Reshape', [patches, b.constI64([0, width, -1])])], { perm: [0, 2, 1] });
  const clsName = `${prefix}.embeddings.class_embedding`;
  const cls = b.init(clsName, w.normal(clsName, width), [1, 1, width]);
  const batch = b.op('Shape', [px], { start: 0, end: 1 });
  const clsB = b.op('Expand', [cls, b.op('Concat', [batch, b.constI64([1, width])], { axis: 0 })]);
  const posName = `${prefix}.embeddings.position_embedding.weight`;
  const pos = b.init(posName, w.normal(posName, tokens * width), [tokens, width]);
  let h = b.op('Add', [b.op('Concat', [clsB, seq], { axis: 1 }), pos]);
  h = t.layerNorm(h, `${prefix}.pre_layrnorm`, width);
  for (let i = 0; i < shape.layers; i++) h = t.clipLayer(h, `${prefix}.encoder.layers.${i}`, width, shape.heads, shape.mlp);
  const pooled = t.layerNorm(b.op('Gather', [h, b.constI64([0], [])], { axis: 1 }), `${prefix}.post_layernorm`, width);
  return t.linear(pooled, 'visual_projection', width, EMBED_DIM, false);
}

/** CLIP's causal text transformer, pooled at the end token (argmax of input_ids), projected to 512. */
function clipText(t: TowerBuilder, ids: string, mask: string, vocabSize: number): string {
  const { b, w } = t;
  const { width, positions } = CLIP_TEXT;
  const seqLen = b.op('Shape', [ids], { start: 1, end: 2 });
  const tableName = 'text_model.embeddings.token_embedding.weight';
  const tok = b.op('Gather', [b.init(tableName, w.normal(tableName, vocabSize * width), [vocabSize, width]), ids]);
  const posName = 'text_model.embeddings.position_embedding.weight';
  const posTable = b.init(posName, w.normal(posName, positions * width, 0.01), [positions, width]);
  const pos = b.op('Slice', [posTable, b.constI64([0]), seqLen, b.constI64([0])]);
  let h = b.op('Add', [tok, pos]);
  // Causal mask (precomputed for 77 positions, sliced to the batch's length) plus the padding mask.
  const causal = new Float32Array(positions * positions);
  for (let i = 0; i < positions; i++) for (let j = i + 1; j < positions; j++) causal[i * positions + j] = -1e9;
  const causalFull = b.init('text_model.causal_mask', causal, [positions, positions]);
  const ends = b.op('Concat', [seqLen, seqLen], { axis: 0 });
  const causalS = b.op('Slice', [causalFull, b.constI64([0, 0]), ends, b.constI64([0, 1])]);
  const maskF = b.op('Cast', [mask], { to: DataType.FLOAT });
  const padding = b.op('Mul', [b.op('Sub', [b.constF([1], []), maskF]), b.constF([-1e9], [])]);
  const attnMask = b.op('Add', [causalS, b.op('Unsqueeze', [padding, b.constI64([1, 2])])]);
  for (let i = 0; i < CLIP_TEXT.layers; i++) h = t.clipLayer(h, `text_model.encoder.layers.${i}`, width, CLIP_TEXT.heads, CLIP_TEXT.mlp, attnMask);
  h = t.layerNorm(h, 'text_model.final_layer_norm', width);
  const eos = b.op('ArgMax', [ids], { axis: -1, keepdims: 1 });
  const pooled = b.op('GatherND', [h, eos], { batch_dims: 1 });
  return t.linear(pooled, 'text_projection', width, EMBED_DIM, false);
}

/**
 * Chinese-CLIP's text tower as HF exports it: BERT embeddings (word + token type + position, LayerNorm), the
 * extended attention mask (1 − mask) · float32 min, 12 post-LN layers, the [CLS] state, then text_projection.
 */
function bertText(t: TowerBuilder, ids: string, mask: string, types: string): string {
  const { b, w } = t;
  const { width, positions, typeVocab, eps } = CHINESE_CLIP_TEXT;
  const p = 'text_model';
  const wordName = `${p}.embeddings.word_embeddings.weight`;
  const word = b.op('Gather', [b.init(wordName, w.normal(wordName, CHINESE_CLIP_VOCAB_SIZE * width), [CHINESE_CLIP_VOCAB_SIZE, width]), ids]);
  const typeName = `${p}.embeddings.token_type_embeddings.weight`;
  const type = b.op('Gather', [b.init(typeName, w.normal(typeName, typeVocab * width), [typeVocab, width]), types]);
  const seqLen = b.op('Shape', [ids], { start: 1, end: 2 });
  const positionIds = b.init(`${p}.embeddings.position_ids`, int64Data(Array.from({ length: positions }, (_, i) => i)), [1, positions]);
  const posIds = b.op('Slice', [positionIds, b.constI64([0]), seqLen, b.constI64([1])]);
  const posName = `${p}.embeddings.position_embeddings.weight`;
  const pos = b.op('Gather', [b.init(posName, w.normal(posName, positions * width), [positions, width]), posIds]);
  let h = t.layerNorm(b.op('Add', [b.op('Add', [word, type]), pos]), `${p}.embeddings.LayerNorm`, width, eps);
  const maskF = b.op('Cast', [b.op('Unsqueeze', [mask, b.constI64([1, 2])])], { to: DataType.FLOAT });
  const ext = b.op('Mul', [b.op('Sub', [b.constF([1], []), maskF]), b.constF([-3.4028234663852886e38], [])]);
  for (let i = 0; i < CHINESE_CLIP_TEXT.layers; i++) {
    h = t.bertLayer(h, `${p}.encoder.layer.${i}`, width, CHINESE_CLIP_TEXT.heads, CHINESE_CLIP_TEXT.mlp, eps, ext);
  }
  const cls = b.op('Gather', [h, b.constI64([0], [])], { axis: 1 });
  return t.linear(cls, 'text_projection', width, EMBED_DIM, false);
}

function splitVisionModel(w: Weights, shape: VisionShape): ModelProto {
  const b = new GraphBuilder('clip_vision_model');
  const px = b.input('pixel_values', 'float', ['batch_size', 3, shape.image, shape.image]);
  b.op('Identity', [clipVision(new TowerBuilder(b, w), px, shape)], {}, { outputs: ['image_embeds'] });
  b.output('image_embeds', 'float', ['batch_size', EMBED_DIM]);
  return makeModel(b.build());
}

function splitTextModel(w: Weights): ModelProto {
  const b = new GraphBuilder('clip_text_model');
  const dims: Dim[] = ['batch_size', 'sequence_length'];
  const ids = b.input('input_ids', 'int64', dims);
  const mask = b.input('attention_mask', 'int64', dims);
  b.op('Identity', [clipText(new TowerBuilder(b, w), ids, mask, SYNTHETIC_VOCAB_SIZE)], {}, { outputs: ['text_embeds'] });
  b.output('text_embeds', 'float', ['batch_size', EMBED_DIM]);
  return makeModel(b.build());
}

/** Chinese-CLIP as transformers.js exports ChineseCLIPModel: one graph, both towers, normalised embeddings, logits. */
function chineseClipModel(w: Weights): ModelProto {
  const b = new GraphBuilder('chinese_clip');
  const ids = b.input('input_ids', 'int64', ['text_batch_size', 'sequence_length']);
  const px = b.input('pixel_values', 'float', ['image_batch_size', 3, 224, 224]);
  const mask = b.input('attention_mask', 'int64', ['text_batch_size', 'sequence_length']);
  const types = b.input('token_type_ids', 'int64', ['text_batch_size', 'sequence_length']);
  const t = new TowerBuilder(b, w);
  const l2 = (x: string): string => b.op('Div', [x, b.op('ReduceL2', [x], { axes: [-1], keepdims: 1 })]);
  const text = l2(bertText(t, ids, mask, types));
  const image = l2(clipVision(t, px, VIT_B16));
  const scale = b.op('Exp', [b.init('logit_scale', Float32Array.of(Math.log(100)), [])]);
  const sim = b.op('MatMul', [text, b.op('Transpose', [image], { perm: [1, 0] })]);
  b.op('Mul', [sim, scale], {}, { outputs: ['logits_per_text'] });
  b.op('Transpose', ['logits_per_text'], { perm: [1, 0] }, { outputs: ['logits_per_image'] });
  b.op('Identity', [text], {}, { outputs: ['text_embeds'] });
  b.op('Identity', [image], {}, { outputs: ['image_embeds'] });
  b.output('logits_per_image', 'float', ['image_batch_size', 'text_batch_size']);
  b.output('logits_per_text', 'float', ['text_batch_size', 'image_batch_size']);
  b.output('text_embeds', 'float', ['text_batch_size', EMBED_DIM]);
  b.output('image_embeds', 'float', ['image_batch_size', EMBED_DIM]);
  return makeModel(b.build());
}

// Each call builds its graph with fresh Weights, so a caller that writes one tower before building the next holds only
// that tower's weights.

/** The split vision tower (onnx/vision_model.onnx) of a synthetic OpenAI CLIP. */
export function syntheticVisionModel(kind: 'synthetic-vit-b32' | 'synthetic-vit-b16'): ModelProto {
  return splitVisionModel(new Weights(SEEDS[kind]), kind === 'synthetic-vit-b32' ? VIT_B32 : VIT_B16);
}

/** The split text tower (onnx/text_model.onnx) of a synthetic OpenAI CLIP. */
export function syntheticTextModel(kind: 'synthetic-vit-b32' | 'synthetic-vit-b16'): ModelProto {
  return splitTextModel(new Weights(SEEDS[kind]));
}

/** The synthetic Chinese-CLIP's one combined graph (onnx/model.onnx). */
export function syntheticChineseClipModel(): ModelProto {
  return chineseClipModel(new Weights(SEEDS['synthetic-chinese-clip']));
}

function visionConfig(shape: VisionShape, modelType: string): Record<string, unknown> {
  return {
    model_type: modelType,
    image_size: shape.image,
    patch_size: shape.patch,
    num_channels: 3,
    hidden_size: shape.width,
    intermediate_size: shape.mlp,
    num_attention_heads: shape.heads,
    num_hidden_layers: shape.layers,
    hidden_act: 'quick_gelu',
    projection_dim: EMBED_DIM,
  };
}

/** config.json of a synthetic model, with the real model's sizes and names. */
export function syntheticConfig(kind: SyntheticKind, vocabSize: number): Record<string, unknown> {
  if (kind === 'synthetic-vit-b32' || kind === 'synthetic-vit-b16') {
    return {
      architectures: ['CLIPModel'],
      model_type: 'clip',
      projection_dim: EMBED_DIM,
      logit_scale_init_value: 2.6592,
      text_config: {
        model_type: 'clip_text_model',
        vocab_size: vocabSize,
        hidden_size: CLIP_TEXT.width,
        intermediate_size: CLIP_TEXT.mlp,
        num_attention_heads: CLIP_TEXT.heads,
        num_hidden_layers: CLIP_TEXT.layers,
        max_position_embeddings: CLIP_TEXT.positions,
        hidden_act: 'quick_gelu',
        projection_dim: EMBED_DIM,
        pad_token_id: 0,
        bos_token_id: vocabSize - 2,
        eos_token_id: vocabSize - 1,
      },
      vision_config: visionConfig(kind === 'synthetic-vit-b32' ? VIT_B32 : VIT_B16, 'clip_vision_model'),
      soutu_test_model: kind,
    };
  }
  return {
    architectures: ['ChineseCLIPModel'],
    model_type: 'chinese_clip',
    projection_dim: EMBED_DIM,
    logit_scale_init_value: 2.6592,
    text_config: {
      model_type: 'chinese_clip_text_model',
      architectures: ['ChineseCLIPTextModel'],
      vocab_size: vocabSize,
      hidden_size: CHINESE_CLIP_TEXT.width,
      intermediate_size: CHINESE_CLIP_TEXT.mlp,
      num_attention_heads: CHINESE_CLIP_TEXT.heads,
      num_hidden_layers: CHINESE_CLIP_TEXT.layers,
      max_position_embeddings: CHINESE_CLIP_TEXT.positions,
      type_vocab_size: CHINESE_CLIP_TEXT.typeVocab,
      hidden_act: 'gelu',
      layer_norm_eps: CHINESE_CLIP_TEXT.eps,
      pad_token_id: 0,
      bos_token_id: 0,
      eos_token_id: 2,
    },
    vision_config: visionConfig(VIT_B16, 'chinese_clip_vision_model'),
    soutu_test_model: kind,
  };
}
