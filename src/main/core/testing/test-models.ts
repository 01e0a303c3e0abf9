// Generates small or synthetic CLIP models in the transformers.js folder layout, deterministically, so tests
// and benchmarks run the real tokenizer → ONNX Runtime path without downloading weights.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder, float, makeModel, type Dim } from '../embed/onnx/graph-builder.js';
import { DataType, writeFileAtomic, writeModel, type ModelProto } from '../embed/onnx/onnx-proto.js';

export type TestModelKind = 'toy-color' | 'toy-color-combined' | 'synthetic-vit-b32';
export const TEST_MODEL_KINDS: readonly TestModelKind[] = ['toy-color', 'toy-color-combined', 'synthetic-vit-b32'];

export function isTestModelKind(s: string): s is TestModelKind {
  return (TEST_MODEL_KINDS as readonly string[]).includes(s);
}

// ---------------------------------------------------------------------------------------------------------
// toy-color: an "embedding" that is a colour histogram plus a coarse colour layout, and text that names colours.

export interface ToyColor {
  name: string;
  /** English words that mean this colour (each a single token). */
  en: readonly string[];
  /** The Chinese character for it (a single token). */
  zh: string;
  /** sRGB 0–255 prototype; a solid image of exactly this colour maps one-hot onto the colour. */
  rgb: readonly [number, number, number];
}

/** The colour prototypes, in embedding order: histogram dim k is TOY_COLORS[k]. */
export const TOY_COLORS: readonly ToyColor[] = [
  { name: 'red', en: ['red'], zh: '红', rgb: [255, 0, 0] },
  { name: 'orange', en: ['orange'], zh: '橙', rgb: [255, 128, 0] },
  { name: 'yellow', en: ['yellow'], zh: '黄', rgb: [255, 255, 0] },
  { name: 'green', en: ['green'], zh: '绿', rgb: [0, 153, 0] },
  { name: 'cyan', en: ['cyan'], zh: '青', rgb: [0, 255, 255] },
  { name: 'blue', en: ['blue'], zh: '蓝', rgb: [0, 0, 255] },
  { name: 'purple', en: ['purple'], zh: '紫', rgb: [128, 0, 128] },
  { name: 'pink', en: ['pink'], zh: '粉', rgb: [255, 192, 203] },
  { name: 'brown', en: ['brown'], zh: '棕', rgb: [150, 75, 0] },
  { name: 'white', en: ['white'], zh: '白', rgb: [255, 255, 255] },
  { name: 'black', en: ['black'], zh: '黑', rgb: [0, 0, 0] },
  { name: 'gray', en: ['gray', 'grey'], zh: '灰', rgb: [128, 128, 128] },
];

export const TOY_K = TOY_COLORS.length;
/** The 224×224 image is average-pooled to TOY_GRID×TOY_GRID patches (28 px each). */
export const TOY_GRID = 8;
/** Patch assignments are averaged over 2×2 blocks into a TOY_COARSE×TOY_COARSE layout. */
export const TOY_COARSE = 4;
/** Embedding size: K histogram dims, then K dims for each of the 16 coarse cells (row-major). */
export const TOY_DIM = TOY_K * (1 + TOY_COARSE * TOY_COARSE);
/** Softmax temperature over -‖p − c‖² in normalised pixel space; small enough that pure colours are one-hot. */
export const TOY_TAU = 0.05;
export const TOY_SPATIAL_WEIGHT = 0.5;
/** Added to every histogram dim of a text vector so that text without colour words still normalises. */
export const TOY_TEXT_EPSILON = 1e-4;
export const TOY_MAX_LENGTH = 77;

export const CLIP_IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_IMAGE_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export const CLIP_PREPROCESSOR_CONFIG = {
  image_processor_type: 'CLIPImageProcessor',
  feature_extractor_type: 'CLIPFeatureExtractor',
  do_resize: true,
  size: { shortest_edge: 224 },
  resample: 3,
  do_center_crop: true,
  crop_size: { height: 224, width: 224 },
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
  do_normalize: true,
  image_mean: [...CLIP_IMAGE_MEAN],
  image_std: [...CLIP_IMAGE_STD],
  do_convert_rgb: true,
};

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const TOY_FILLER_WORDS = [
  ...'a an the photo photos picture image of in on at with and or is this that my some color colour colored coloured'.split(' '),
  ...'dark light bright pure solid plain background wall sky sea flower car cat dog house tree ##s'.split(' '),
  ...'的色照片图张一和与是颜天空海花车猫狗房子树纯深浅亮背景墙'.split(''),
  ...'+ - , . ， 。 、 0 1 2 3 4 5 6 7 8 9'.split(' '),
];

/** The toy vocabulary: token id = index. Colour words follow the specials. */
export const TOY_VOCAB: readonly string[] = [
  ...SPECIAL_TOKENS,
  ...TOY_COLORS.flatMap((c) => [...c.en, c.zh]),
  ...TOY_FILLER_WORDS,
];

/** The colour index a toy token stands for, or -1. */
export function toyColorOfToken(token: string): number {
  return TOY_COLORS.findIndex((c) => c.en.includes(token) || c.zh === token);
}

/** A prototype in the model's input space: (rgb/255 − mean)/std. */
export function toyPrototypeNormalized(c: ToyColor): [number, number, number] {
  return [0, 1, 2].map((i) => (c.rgb[i] / 255 - CLIP_IMAGE_MEAN[i]) / CLIP_IMAGE_STD[i]) as [number, number, number];
}

function buildToyVision(b: GraphBuilder, pixelValues: string): string {
  const protos = new Float32Array(TOY_K * 3);
  TOY_COLORS.forEach((c, k) => protos.set(toyPrototypeNormalized(c), k * 3));
  const patch = 224 / TOY_GRID;
  const pooled = b.op('AveragePool', [pixelValues], { kernel_shape: [patch, patch], strides: [patch, patch] });
  const nhwc = b.op('Transpose', [pooled], { perm: [0, 2, 3, 1] });
  const patches = b.op('Reshape', [nhwc, b.constI64([-1, TOY_GRID * TOY_GRID, 1, 3])]);
  const diff = b.op('Sub', [patches, b.init('toy.prototypes', protos, [TOY_K, 3])]);
  const dist = b.op('ReduceSum', [b.op('Mul', [diff, diff]), b.constI64([-1])], { keepdims: 0 });
  const assign = b.op('Softmax', [b.op('Mul', [dist, b.constF([-1 / TOY_TAU], [])])], { axis: -1 });
  const hist = b.op('ReduceMean', [assign], { axes: [1], keepdims: 0 });
  const half = TOY_GRID / TOY_COARSE;
  const blocks = b.op('Reshape', [assign, b.constI64([-1, TOY_COARSE, half, TOY_COARSE, half, TOY_K])]);
  const coarse = b.op('ReduceMean', [blocks], { axes: [2, 4], keepdims: 0 });
  const flat = b.op('Reshape', [coarse, b.constI64([-1, TOY_COARSE * TOY_COARSE * TOY_K])]);
  const spatial = b.op('Mul', [flat, b.constF([TOY_SPATIAL_WEIGHT], [])]);
  return b.op('Concat', [hist, spatial], { axis: 1 });
}

function buildToyText(b: GraphBuilder, inputIds: string, attentionMask: string, tokenTypeIds?: string): string {
  const table = new Float32Array(TOY_VOCAB.length * TOY_DIM);
  TOY_VOCAB.forEach((tok, id) => {
    const k = toyColorOfToken(tok);
    if (k >= 0) table[id * TOY_DIM + k] = 1;
  });
  let emb = b.op('Gather', [b.init('toy.token_embedding', table, [TOY_VOCAB.length, TOY_DIM]), inputIds]);
  if (tokenTypeIds) {
    // Chinese-CLIP's BERT adds token-type embeddings; all zero here, but it makes token_type_ids a real input.
    const types = b.init('toy.token_type_embedding', new Float32Array(2 * TOY_DIM), [2, TOY_DIM]);
    emb = b.op('Add', [emb, b.op('Gather', [types, tokenTypeIds])]);
  }
  const mask = b.op('Unsqueeze', [b.op('Cast', [attentionMask], { to: DataType.FLOAT }), b.constI64([-1])]);
  const summed = b.op('ReduceSum', [b.op('Mul', [emb, mask]), b.constI64([1])], { keepdims: 0 });
  const eps = new Float32Array(TOY_DIM);
  eps.fill(TOY_TEXT_EPSILON, 0, TOY_K);
  return b.op('Add', [summed, b.init('toy.text_epsilon', eps, [TOY_DIM])]);
}

function toyModels(): { text: ModelProto; vision: ModelProto } {
  const t = new GraphBuilder('toy_color_text');
  const ids = t.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = t.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  t.op('Identity', [buildToyText(t, ids, mask)], {}, { outputs: ['text_embeds'] });
  t.output('text_embeds', 'float', ['batch_size', TOY_DIM]);

  const v = new GraphBuilder('toy_color_vision');
  const px = v.input('pixel_values', 'float', ['batch_size', 3, 224, 224]);
  v.op('Identity', [buildToyVision(v, px)], {}, { outputs: ['image_embeds'] });
  v.output('image_embeds', 'float', ['batch_size', TOY_DIM]);
  return { text: makeModel(t.build()), vision: makeModel(v.build()) };
}

/** One graph like a CLIPModel export: both towers, L2-normalised embeddings and scaled logits. */
function toyCombinedModel(): ModelProto {
  const b = new GraphBuilder('toy_color_combined');
  const ids = b.input('input_ids', 'int64', ['text_batch_size', 'sequence_length']);
  const px = b.input('pixel_values', 'float', ['image_batch_size', 3, 224, 224]);
  const mask = b.input('attention_mask', 'int64', ['text_batch_size', 'sequence_length']);
  const types = b.input('token_type_ids', 'int64', ['text_batch_size', 'sequence_length']);
  const l2 = (x: string): string => b.op('Div', [x, b.op('ReduceL2', [x], { axes: [-1], keepdims: 1 })]);
  const text = l2(buildToyText(b, ids, mask, types));
  const image = l2(buildToyVision(b, px));
  const scale = b.op('Exp', [b.init('logit_scale', Float32Array.of(Math.log(100)), [])]);
  const sim = b.op('MatMul', [text, b.op('Transpose', [image], { perm: [1, 0] })]);
  b.op('Mul', [sim, scale], {}, { outputs: ['logits_per_text'] });
  b.op('Transpose', ['logits_per_text'], { perm: [1, 0] }, { outputs: ['logits_per_image'] });
  b.op('Identity', [text], {}, { outputs: ['text_embeds'] });
  b.op('Identity', [image], {}, { outputs: ['image_embeds'] });
  b.output('logits_per_image', 'float', ['image_batch_size', 'text_batch_size']);
  b.output('logits_per_text', 'float', ['text_batch_size', 'image_batch_size']);
  b.output('text_embeds', 'float', ['text_batch_size', TOY_DIM]);
  b.output('image_embeds', 'float', ['image_batch_size', TOY_DIM]);
  return makeModel(b.build());
}

// ---------------------------------------------------------------------------------------------------------
// Tokenizer files: a BERT WordPiece tokenizer, the kind Chinese-CLIP uses (Chinese split into characters).

interface TokenizerSpec {
  vocab: readonly string[];
  maxLength: number;
}

function tokenizerFiles(spec: TokenizerSpec): Record<string, unknown> {
  const id = (t: string): number => spec.vocab.indexOf(t);
  const vocab: Record<string, number> = {};
  spec.vocab.forEach((t, i) => {
    if (t in vocab) throw new Error(`duplicate token ${t}`);
    vocab[t] = i;
  });
  const special = (t: string): [string, { id: string; ids: number[]; tokens: string[] }] => [
    t,
    { id: t, ids: [id(t)], tokens: [t] },
  ];
  const seq = (s: 'A' | 'B', type_id: number) => ({ Sequence: { id: s, type_id } });
  const tok = (t: string, type_id: number) => ({ SpecialToken: { id: t, type_id } });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t) => ({
      id: id(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
      pair: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
      special_tokens: Object.fromEntries([special('[CLS]'), special('[SEP]')]),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    model_max_length: spec.maxLength,
    do_lower_case: true,
    tokenize_chinese_chars: true,
    strip_accents: null,
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
  const specialTokensMap = {
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
  return {
    'tokenizer.json': tokenizer,
    'tokenizer_config.json': tokenizerConfig,
    'special_tokens_map.json': specialTokensMap,
  };
}

// ---------------------------------------------------------------------------------------------------------
// synthetic-vit-b32: CLIP ViT-B/32 architecture at full size with seeded random weights, fp32 and q8.

export const SYNTHETIC_VOCAB_SIZE = 49408;
/** Weight `name` of the synthetic model is seededNormal(`${SYNTHETIC_SEED}/${name}`, size, std). */
export const SYNTHETIC_SEED = 'soutu-synthetic-vit-b32-v1';

const VISION = { width: 768, layers: 12, heads: 12, mlp: 3072, patch: 32, image: 224 } as const;
const TEXT = { width: 512, layers: 12, heads: 8, mlp: 2048, positions: 77 } as const;
const EMBED_DIM = 512;

/**
 * 49408 WordPiece entries: specials, the toy words, letters, digits, punctuation, every CJK unified
 * ideograph (so Chinese splits into known characters), then 2- and 3-letter pieces. [CLS]/[SEP] take the two
 * highest ids, as <|startoftext|>/<|endoftext|> do in CLIP, so argmax(input_ids) finds the end token.
 */
export function syntheticVocab(): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (t: string): void => {
    if (out.length < SYNTHETIC_VOCAB_SIZE - 2 && !seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  };
  ['[PAD]', '[UNK]', '[MASK]'].forEach(add);
  TOY_VOCAB.filter((t) => !SPECIAL_TOKENS.includes(t)).forEach(add);
  const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
  for (const c of [...letters, ...'0123456789'.split('')]) {
    add(c);
    add(`##${c}`);
  }
  for (const c of '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('')) add(c);
  for (let cp = 0x4e00; cp <= 0x9fff; cp++) add(String.fromCodePoint(cp));
  for (const a of letters) for (const b of letters) add(a + b);
  for (const a of letters) for (const b of letters) add(`##${a}${b}`);
  for (const a of letters) for (const b of letters) for (const c of letters) add(a + b + c);
  for (const a of letters) for (const b of letters) for (const c of letters) add(`##${a}${b}${c}`);
  out.push('[CLS]', '[SEP]');
  if (out.length !== SYNTHETIC_VOCAB_SIZE) throw new Error(`synthetic vocab has ${out.length} entries`);
  return out;
}

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

/** Weights by name, generated once and shared by the fp32 and q8 graphs. */
class Weights {
  private readonly cache = new Map<string, Float32Array>();
  normal(name: string, n: number, std = 0.02): Float32Array {
    let w = this.cache.get(name);
    if (!w) this.cache.set(name, (w = seededNormal(`${SYNTHETIC_SEED}/${name}`, n, std)));
    return w;
  }
  filled(name: string, n: number, value: number): Float32Array {
    let w = this.cache.get(name);
    if (!w) this.cache.set(name, (w = new Float32Array(n).fill(value)));
    return w;
  }
}

function quantizeInt8Symmetric(w: Float32Array): { q: Int8Array; scale: number } {
  let max = 0;
  for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]));
  const scale = max > 0 ? max / 127 : 1;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i] / scale)));
  return { q, scale };
}

function quantizeUint8(w: Float32Array): { q: Uint8Array; scale: number; zeroPoint: number } {
  let min = 0;
  let max = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i] < min) min = w[i];
    if (w[i] > max) max = w[i];
  }
  const scale = max > min ? (max - min) / 255 : 1;
  const zeroPoint = Math.max(0, Math.min(255, Math.round(-min / scale)));
  const q = new Uint8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(0, Math.min(255, Math.round(w[i] / scale) + zeroPoint));
  return { q, scale, zeroPoint };
}

/** fp32, or q8 the way transformers.js' scripts/quantize.py makes it (int8 weights, uint8 when a Conv is present). */
type Precision = 'fp32' | 'q8-int8' | 'q8-uint8';

/**
 * Builds transformer pieces. In q8, weight MatMuls get the pattern of onnxruntime's dynamic quantization:
 * DynamicQuantizeLinear on the activation (shared by its consumers), MatMulInteger with per-tensor weights,
 * Cast, Mul by the product of the two scales, then the float bias. As with MatMulConstBOnly (which
 * transformers.js sets), attention's activation × activation MatMuls stay float.
 */
class TowerBuilder {
  private readonly quantized = new Map<string, [string, string, string]>();

  constructor(
    readonly b: GraphBuilder,
    readonly w: Weights,
    readonly precision: Precision,
  ) {}

  get q8(): boolean {
    return this.precision !== 'fp32';
  }

  dynamicQuantize(x: string): [string, string, string] {
    let q = this.quantized.get(x);
    if (!q) {
      q = this.b.node('DynamicQuantizeLinear', [x], {}, { outputs: 3 }) as [string, string, string];
      this.quantized.set(x, q);
    }
    return q;
  }

  /** Quantized weight initializers: [values, scale, zero point]. */
  quantizedWeight(name: string, weight: Float32Array, dims: number[]): [string, string, string] {
    const { b } = this;
    if (this.precision === 'q8-int8') {
      const { q, scale } = quantizeInt8Symmetric(weight);
      return [
        b.init(`${name}_quantized`, q, dims),
        b.init(`${name}_scale`, Float32Array.of(scale), []),
        b.init(`${name}_zero_point`, Int8Array.of(0), []),
      ];
    }
    const { q, scale, zeroPoint } = quantizeUint8(weight);
    return [
      b.init(`${name}_quantized`, q, dims),
      b.init(`${name}_scale`, Float32Array.of(scale), []),
      b.init(`${name}_zero_point`, Uint8Array.of(zeroPoint), []),
    ];
  }

  linear(x: string, name: string, inDim: number, outDim: number, bias = true): string {
    const { b } = this;
    const weight = this.w.normal(`${name}.weight`, inDim * outDim);
    let y: string;
    if (this.q8) {
      const [xq, xs, xz] = this.dynamicQuantize(x);
      const [wq, ws, wz] = this.quantizedWeight(`${name}.weight`, weight, [inDim, outDim]);
      const acc = b.op('Cast', [b.op('MatMulInteger', [xq, wq, xz, wz])], { to: DataType.FLOAT });
      y = b.op('Mul', [acc, b.op('Mul', [xs, ws])]);
    } else {
      y = b.op('MatMul', [x, b.init(`${name}.weight`, weight, [inDim, outDim])]);
    }
    if (bias) y = b.op('Add', [y, b.init(`${name}.bias`, this.w.filled(`${name}.bias`, outDim, 0), [outDim])]);
    return y;
  }

  layerNorm(x: string, name: string, dim: number): string {
    const scale = this.b.init(`${name}.weight`, this.w.filled(`${name}.weight`, dim, 1), [dim]);
    const bias = this.b.init(`${name}.bias`, this.w.filled(`${name}.bias`, dim, 0), [dim]);
    return this.b.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: float(1e-5) });
  }

  /** x: [batch, seq, width]; mask (optional) broadcasts to [batch, heads, seq, seq]. */
  attention(x: string, name: string, width: number, heads: number, mask?: string): string {
    const { b } = this;
    const dh = width / heads;
    const q = b.op('Mul', [this.linear(x, `${name}.q_proj`, width, width), b.constF([1 / Math.sqrt(dh)], [])]);
    const k = this.linear(x, `${name}.k_proj`, width, width);
    const v = this.linear(x, `${name}.v_proj`, width, width);
    const split = b.constI64([0, -1, heads, dh]);
    const qh = b.op('Transpose', [b.op('Reshape', [q, split])], { perm: [0, 2, 1, 3] });
    const kh = b.op('Transpose', [b.op('Reshape', [k, split])], { perm: [0, 2, 3, 1] });
    const vh = b.op('Transpose', [b.op('Reshape', [v, split])], { perm: [0, 2, 1, 3] });
    let scores = b.op('MatMul', [qh, kh]);
    if (mask) scores = b.op('Add', [scores, mask]);
    const probs = b.op('Softmax', [scores], { axis: -1 });
    const ctx = b.op('Transpose', [b.op('MatMul', [probs, vh])], { perm: [0, 2, 1, 3] });
    const merged = b.op('Reshape', [ctx, b.constI64([0, -1, width])]);
    return this.linear(merged, `${name}.out_proj`, width, width);
  }

  encoderLayer(h: string, name: string, width: number, heads: number, mlp: number, mask?: string): string {
    const { b } = this;
    const attn = this.attention(this.layerNorm(h, `${name}.layer_norm1`, width), `${name}.self_attn`, width, heads, mask);
    const h1 = b.op('Add', [h, attn]);
    const x = this.linear(this.layerNorm(h1, `${name}.layer_norm2`, width), `${name}.mlp.fc1`, width, mlp);
    const gelu = b.op('Mul', [x, b.op('Sigmoid', [b.op('Mul', [x, b.constF([1.702], [])])])]); // QuickGELU
    return b.op('Add', [h1, this.linear(gelu, `${name}.mlp.fc2`, mlp, width)]);
  }
}

function syntheticVision(w: Weights, q8: boolean): ModelProto {
  const b = new GraphBuilder('clip_vision_model');
  // The vision tower has a Conv, for which transformers.js picks uint8 weights (ConvInteger needs them).
  const t = new TowerBuilder(b, w, q8 ? 'q8-uint8' : 'fp32');
  const { width, patch, image } = VISION;
  const grid = image / patch;
  const tokens = grid * grid + 1;
  const px = b.input('pixel_values', 'float', ['batch_size', 3, image, image]);
  const convW = w.normal('vision_model.embeddings.patch_embedding.weight', width * 3 * patch * patch);
  const convDims = [width, 3, patch, patch];
  let patches: string;
  if (q8) {
    const [xq, xs, xz] = t.dynamicQuantize(px);
    const [wq, ws, wz] = t.quantizedWeight('vision_model.embeddings.patch_embedding.weight', convW, convDims);
    const acc = b.op('ConvInteger', [xq, wq, xz, wz], { kernel_shape: [patch, patch], strides: [patch, patch] });
    patches = b.op('Mul', [b.op('Cast', [acc], { to: DataType.FLOAT }), b.op('Mul', [xs, ws])]);
  } else {
    const wName = b.init('vision_model.embeddings.patch_embedding.weight', convW, convDims);
    patches = b.op('Conv', [px, wName], { kernel_shape: [patch, patch], strides: [patch, patch] });
  }
  const seq = b.op('Transpose', [b.op('Reshape', [patches, b.constI64([0, width, -1])])], { perm: [0, 2, 1] });
  const cls = b.init('vision_model.embeddings.class_embedding', w.normal('vision_model.embeddings.class_embedding', width), [1, 1, width]);
  const batch = b.op('Shape', [px], { start: 0, end: 1 });
  const clsB = b.op('Expand', [cls, b.op('Concat', [batch, b.constI64([1, width])], { axis: 0 })]);
  const pos = b.init(
    'vision_model.embeddings.position_embedding.weight',
    w.normal('vision_model.embeddings.position_embedding.weight', tokens * width),
    [tokens, width],
  );
  let h = b.op('Add', [b.op('Concat', [clsB, seq], { axis: 1 }), pos]);
  h = t.layerNorm(h, 'vision_model.pre_layrnorm', width);
  for (let i = 0; i < VISION.layers; i++) {
    h = t.encoderLayer(h, `vision_model.encoder.layers.${i}`, width, VISION.heads, VISION.mlp);
  }
  const pooled = t.layerNorm(b.op('Gather', [h, b.constI64([0], [])], { axis: 1 }), 'vision_model.post_layernorm', width);
  const emb = t.linear(pooled, 'visual_projection', width, EMBED_DIM, false);
  b.op('Identity', [emb], {}, { outputs: ['image_embeds'] });
  b.output('image_embeds', 'float', ['batch_size', EMBED_DIM]);
  return makeModel(b.build());
}

function syntheticText(w: Weights, q8: boolean): ModelProto {
  const b = new GraphBuilder('clip_text_model');
  const t = new TowerBuilder(b, w, q8 ? 'q8-int8' : 'fp32');
  const { width, positions } = TEXT;
  const dims: Dim[] = ['batch_size', 'sequence_length'];
  const ids = b.input('input_ids', 'int64', dims);
  const mask = b.input('attention_mask', 'int64', dims);
  const seqLen = b.op('Shape', [ids], { start: 1, end: 2 });

  const tableName = 'text_model.embeddings.token_embedding.weight';
  const table = w.normal(tableName, SYNTHETIC_VOCAB_SIZE * width);
  let tok: string;
  if (q8) {
    // quantize_dynamic's GatherQuant: gather quantized rows, then dequantize them.
    const [tq, ts, tz] = t.quantizedWeight(tableName, table, [SYNTHETIC_VOCAB_SIZE, width]);
    tok = b.op('DequantizeLinear', [b.op('Gather', [tq, ids]), ts, tz]);
  } else {
    tok = b.op('Gather', [b.init(tableName, table, [SYNTHETIC_VOCAB_SIZE, width]), ids]);
  }
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

  for (let i = 0; i < TEXT.layers; i++) {
    h = t.encoderLayer(h, `text_model.encoder.layers.${i}`, width, TEXT.heads, TEXT.mlp, attnMask);
  }
  h = t.layerNorm(h, 'text_model.final_layer_norm', width);
  // HF CLIP pools at the end token, found as argmax(input_ids).
  const eos = b.op('ArgMax', [ids], { axis: -1, keepdims: 1 });
  const pooled = b.op('GatherND', [h, eos], { batch_dims: 1 });
  const emb = t.linear(pooled, 'text_projection', width, EMBED_DIM, false);
  b.op('Identity', [emb], {}, { outputs: ['text_embeds'] });
  b.output('text_embeds', 'float', ['batch_size', EMBED_DIM]);
  return makeModel(b.build());
}

// ---------------------------------------------------------------------------------------------------------

function configFor(kind: TestModelKind, vocabSize: number): Record<string, unknown> {
  if (kind === 'synthetic-vit-b32') {
    return {
      architectures: ['CLIPModel'],
      model_type: 'clip',
      projection_dim: EMBED_DIM,
      logit_scale_init_value: 2.6592,
      text_config: {
        model_type: 'clip_text_model',
        vocab_size: vocabSize,
        hidden_size: TEXT.width,
        intermediate_size: TEXT.mlp,
        num_attention_heads: TEXT.heads,
        num_hidden_layers: TEXT.layers,
        max_position_embeddings: TEXT.positions,
        hidden_act: 'quick_gelu',
        projection_dim: EMBED_DIM,
        pad_token_id: 0,
        bos_token_id: vocabSize - 2,
        eos_token_id: vocabSize - 1,
      },
      vision_config: {
        model_type: 'clip_vision_model',
        image_size: VISION.image,
        patch_size: VISION.patch,
        num_channels: 3,
        hidden_size: VISION.width,
        intermediate_size: VISION.mlp,
        num_attention_heads: VISION.heads,
        num_hidden_layers: VISION.layers,
        hidden_act: 'quick_gelu',
        projection_dim: EMBED_DIM,
      },
      soutu_test_model: kind,
    };
  }
  const chinese = kind === 'toy-color-combined';
  return {
    architectures: [chinese ? 'ChineseCLIPModel' : 'CLIPModel'],
    model_type: chinese ? 'chinese_clip' : 'clip',
    projection_dim: TOY_DIM,
    logit_scale_init_value: 2.6592,
    text_config: {
      model_type: chinese ? 'chinese_clip_text_model' : 'clip_text_model',
      vocab_size: vocabSize,
      hidden_size: TOY_DIM,
      intermediate_size: TOY_DIM,
      num_attention_heads: 1,
      num_hidden_layers: 0,
      max_position_embeddings: TOY_MAX_LENGTH,
      projection_dim: TOY_DIM,
      pad_token_id: 0,
      ...(chinese ? { type_vocab_size: 2 } : {}),
    },
    vision_config: {
      model_type: chinese ? 'chinese_clip_vision_model' : 'clip_vision_model',
      image_size: 224,
      patch_size: 32,
      num_channels: 3,
      hidden_size: TOY_DIM,
      intermediate_size: TOY_DIM,
      num_attention_heads: 1,
      num_hidden_layers: 0,
      projection_dim: TOY_DIM,
    },
    soutu_test_model: kind,
    soutu_toy_color: {
      colors: TOY_COLORS.map((c) => c.name),
      grid: TOY_GRID,
      coarse_grid: TOY_COARSE,
      tau: TOY_TAU,
      spatial_weight: TOY_SPATIAL_WEIGHT,
      text_epsilon: TOY_TEXT_EPSILON,
    },
  };
}

async function writeJsonFiles(outDir: string, files: Record<string, unknown>): Promise<void> {
  for (const [name, value] of Object.entries(files)) {
    await writeFileAtomic(join(outDir, name), JSON.stringify(value, null, name === 'tokenizer.json' ? undefined : 2));
  }
}

/** Writes a model folder (config, preprocessor, tokenizer, onnx/…) of the given kind into `outDir`. */
export async function makeTestModel(kind: TestModelKind, outDir: string): Promise<void> {
  if (!isTestModelKind(kind)) throw new Error(`unknown test model kind ${String(kind)}`);
  const onnxDir = join(outDir, 'onnx');
  await mkdir(onnxDir, { recursive: true });
  const synthetic = kind === 'synthetic-vit-b32';
  const vocab = synthetic ? syntheticVocab() : [...TOY_VOCAB];
  await writeJsonFiles(outDir, {
    'config.json': configFor(kind, vocab.length),
    'preprocessor_config.json': CLIP_PREPROCESSOR_CONFIG,
    ...tokenizerFiles({ vocab, maxLength: synthetic ? TEXT.positions : TOY_MAX_LENGTH }),
  });

  if (kind === 'toy-color') {
    const { text, vision } = toyModels();
    await writeModel(join(onnxDir, 'text_model.onnx'), text);
    await writeModel(join(onnxDir, 'vision_model.onnx'), vision);
  } else if (kind === 'toy-color-combined') {
    await writeModel(join(onnxDir, 'model.onnx'), toyCombinedModel());
  } else {
    // One tower at a time, so only one tower's weights (≤ 350 MB fp32) are held at once.
    let w = new Weights();
    await writeModel(join(onnxDir, 'vision_model.onnx'), syntheticVision(w, false));
    await writeModel(join(onnxDir, 'vision_model_quantized.onnx'), syntheticVision(w, true));
    w = new Weights();
    await writeModel(join(onnxDir, 'text_model.onnx'), syntheticText(w, false));
    await writeModel(join(onnxDir, 'text_model_quantized.onnx'), syntheticText(w, true));
  }
}
