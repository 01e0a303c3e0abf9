// Generates small or synthetic CLIP models in the transformers.js folder layout, deterministically, so tests
// and benchmarks run the real tokenizer → ONNX Runtime path without downloading weights.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL_MANIFEST, type ModelManifest } from '../embed/model-download.js';
import { catalogFolder } from '../embed/model-store.js';
import { convertFloatToFloat16 } from '../embed/onnx/float16-convert.js';
import { GraphBuilder, float, int64Data, makeModel, type Dim } from '../embed/onnx/graph-builder.js';
import { DataType, writeFileAtomic, writeModel, type ModelProto } from '../embed/onnx/onnx-proto.js';
import { quantizeDynamic } from '../embed/onnx/quantize-dynamic.js';

export type TestModelKind = 'toy-color' | 'toy-color-combined' | 'synthetic-vit-b32' | 'synthetic-vit-b16' | 'synthetic-chinese-clip';
export const TEST_MODEL_KINDS: readonly TestModelKind[] = ['toy-color', 'toy-color-combined', 'synthetic-vit-b32', 'synthetic-vit-b16', 'synthetic-chinese-clip'];

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
  /** tokenizer_config.json's model_max_length. */
  maxLength: number;
}

function tokenizerFiles(spec: TokenizerSpec): Record<string, unknown> {
  const ids = new Map<string, number>();
  const vocab: Record<string, number> = {};
  spec.vocab.forEach((t, i) => {
    if (ids.has(t)) throw new Error(`duplicate token ${t}`);
    ids.set(t, i);
    vocab[t] = i;
  });
  const id = (t: string): number => ids.get(t) ?? -1;
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
// Synthetic CLIPs: the real architectures at full size with seeded random weights. They cost what the real
// models cost (parameters, FLOPs, file sizes) but know nothing; toy-color is the one with real semantics.

export const SYNTHETIC_VOCAB_SIZE = 49408;
/** Weight `name` of the synthetic ViT-B/32 is seededNormal(`${SYNTHETIC_SEED}/${name}`, size, std). */
export const SYNTHETIC_SEED = 'soutu-synthetic-vit-b32-v1';
const SEEDS = {
  'synthetic-vit-b32': SYNTHETIC_SEED,
  'synthetic-vit-b16': 'soutu-synthetic-vit-b16-v1',
  'synthetic-chinese-clip': 'soutu-synthetic-chinese-clip-v1',
} as const;
type SyntheticKind = keyof typeof SEEDS;

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
const TEXT = { width: 512, layers: 12, heads: 8, mlp: 2048, positions: 77 } as const;
/** Chinese-CLIP's text tower: RoBERTa-wwm-ext-base-chinese, a BERT-base (post-LayerNorm, erf GELU). */
export const CHINESE_CLIP_TEXT = { width: 768, layers: 12, heads: 12, mlp: 3072, positions: 512, typeVocab: 2, eps: 1e-12 } as const;
export const CHINESE_CLIP_VOCAB_SIZE = 21128;
/** Chinese-CLIP trains and evaluates with 52-token texts (cn_clip.clip.tokenize's context_length). */
export const CHINESE_CLIP_CONTEXT_LENGTH = 52;
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

/** BERT's BasicTokenizer treats these code points as Chinese characters (each one becomes its own word). */
export function isCjkCodePoint(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Characters of a legacy double-byte charset, in code order, decoded with the WHATWG decoder for `label`. */
function charsetHanzi(label: string, leads: [number, number], trails: [number, number][]): string[] {
  const dec = new TextDecoder(label);
  const out: string[] = [];
  for (let lead = leads[0]; lead <= leads[1]; lead++) {
    for (const [t0, t1] of trails) {
      for (let trail = t0; trail <= t1; trail++) {
        const ch = dec.decode(Uint8Array.of(lead, trail));
        const cp = ch.codePointAt(0) ?? 0;
        if ([...ch].length === 1 && isCjkCodePoint(cp)) out.push(ch);
      }
    }
  }
  return out;
}

/** Everyday English words of photo searches, kept whole (bert-base-chinese's vocabulary has such words too). */
const LATIN_WORDS = (
  'the and of in on at with for from by to is it my our your this that photo photos picture image pictures ' +
  'sun sunset sunrise sky sea beach ocean lake river mountain mountains snow rain cloud clouds night city street ' +
  'road car cars bus train bike bicycle boat plane dog dogs cat cats bird birds horse fish flower flowers tree trees ' +
  'forest garden park grass leaf leaves food cake coffee tea wine beer pizza dinner lunch breakfast party birthday ' +
  'wedding baby kid kids child children family friend friends mom dad man woman people girl boy face smile portrait ' +
  'selfie house home room kitchen window door wall bridge tower temple church castle museum shop market red green ' +
  'blue yellow white black orange pink purple gray grey brown gold silver light dark old new big small day morning ' +
  'evening autumn winter spring summer holiday travel trip vacation hiking camping ski swim run walk game sport ' +
  'football soccer basketball music concert book books phone computer screen paper art painting drawing'
).split(' ');

/**
 * 21128 WordPiece entries, the size of Chinese-CLIP's (bert-base-chinese) vocabulary and in its order of kinds:
 * [PAD], [unused1–99], [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103, punctuation, digits, letters, CJK punctuation,
 * whole English words and numbers, the 6763 GB2312 hanzi, then Big5's frequent (mostly traditional) hanzi, then
 * ## continuation pieces and 2–3 letter pieces until the size is reached.
 */
export function chineseClipVocab(): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (t: string): void => {
    if (out.length < CHINESE_CLIP_VOCAB_SIZE && !seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  };
  add('[PAD]');
  for (let i = 1; i < 100; i++) add(`[unused${i}]`);
  ['[UNK]', '[CLS]', '[SEP]', '[MASK]', '<S>', '<T>'].forEach(add);
  for (const c of '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('')) add(c);
  const digits = '0123456789'.split('');
  const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
  [...digits, ...letters].forEach(add);
  for (const c of '，。、；：？！「」『』（）【】《》〈〉“”‘’…—～·'.split('')) add(c);
  LATIN_WORDS.forEach(add);
  for (let y = 1900; y < 2040; y++) add(String(y));
  for (let n = 10; n < 100; n++) add(String(n));
  // GB2312 hanzi: rows 0xB0–0xF7, columns 0xA1–0xFE. Big5's frequent hanzi: 0xA440–0xC67E.
  charsetHanzi('gbk', [0xb0, 0xf7], [[0xa1, 0xfe]]).forEach(add);
  charsetHanzi('big5', [0xa4, 0xc6], [[0x40, 0x7e], [0xa1, 0xfe]]).forEach(add);
  for (const c of [...digits, ...letters]) add(`##${c}`);
  for (const a of digits) for (const b of digits) add(`##${a}${b}`);
  for (const a of letters) for (const b of letters) add(a + b);
  for (const a of letters) for (const b of letters) add(`##${a}${b}`);
  for (const a of letters) for (const b of letters) for (const c of letters) {
    add(`##${a}${b}${c}`);
    add(a + b + c);
  }
  if (out.length !== CHINESE_CLIP_VOCAB_SIZE) throw new Error(`Chinese-CLIP vocab has ${out.length} entries`);
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
  const { width, positions } = TEXT;
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
  for (let i = 0; i < TEXT.layers; i++) h = t.clipLayer(h, `text_model.encoder.layers.${i}`, width, TEXT.heads, TEXT.mlp, attnMask);
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

// ---------------------------------------------------------------------------------------------------------

/** OFA-Sys/chinese-clip-vit-base-patch16's preprocessor_config.json: a plain 224×224 bicubic resize, no crop. */
export const CHINESE_CLIP_PREPROCESSOR_CONFIG = {
  do_center_crop: false,
  do_normalize: true,
  do_resize: true,
  feature_extractor_type: 'ChineseCLIPFeatureExtractor',
  image_mean: [...CLIP_IMAGE_MEAN],
  image_std: [...CLIP_IMAGE_STD],
  resample: 3,
  size: { height: 224, width: 224 },
};

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

function configFor(kind: TestModelKind, vocabSize: number): Record<string, unknown> {
  if (kind === 'synthetic-vit-b32' || kind === 'synthetic-vit-b16') {
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
      vision_config: visionConfig(kind === 'synthetic-vit-b32' ? VIT_B32 : VIT_B16, 'clip_vision_model'),
      soutu_test_model: kind,
    };
  }
  if (kind === 'synthetic-chinese-clip') {
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

export type TestPrecision = 'fp32' | 'fp16' | 'q8';
const SUFFIX: Record<TestPrecision, string> = { fp32: '', fp16: '_fp16', q8: '_quantized' };

export interface MakeTestModelOptions {
  /**
   * Which precisions of a synthetic model to write, each as the hub names it (model.onnx, model_fp16.onnx,
   * model_quantized.onnx). Default: fp32 and q8 for the split synthetic models, all three for Chinese-CLIP, fp32
   * for the toy models.
   */
  precisions?: readonly TestPrecision[];
}

/** Writes `model` and its converted precisions as onnx/<base><suffix>.onnx. */
async function writePrecisions(onnxDir: string, base: string, model: ModelProto, precisions: readonly TestPrecision[]): Promise<void> {
  for (const p of precisions) {
    const variant = p === 'fp32' ? model : p === 'fp16' ? convertFloatToFloat16(model, { keepIoTypes: true }) : quantizeDynamic(model);
    await writeModel(join(onnxDir, `${base}${SUFFIX[p]}.onnx`), variant);
  }
}

/** Writes a model folder (config, preprocessor, tokenizer, onnx/…) of the given kind into `outDir`. */
export async function makeTestModel(kind: TestModelKind, outDir: string, opts: MakeTestModelOptions = {}): Promise<void> {
  if (!isTestModelKind(kind)) throw new Error(`unknown test model kind ${String(kind)}`);
  const onnxDir = join(outDir, 'onnx');
  await mkdir(onnxDir, { recursive: true });
  const chinese = kind === 'synthetic-chinese-clip';
  const synthetic = kind === 'synthetic-vit-b32' || kind === 'synthetic-vit-b16';
  const vocab = chinese ? chineseClipVocab() : synthetic ? syntheticVocab() : [...TOY_VOCAB];
  await writeJsonFiles(outDir, {
    'config.json': configFor(kind, vocab.length),
    'preprocessor_config.json': chinese ? CHINESE_CLIP_PREPROCESSOR_CONFIG : CLIP_PREPROCESSOR_CONFIG,
    ...tokenizerFiles({ vocab, maxLength: chinese ? CHINESE_CLIP_TEXT.positions : synthetic ? TEXT.positions : TOY_MAX_LENGTH }),
  });

  if (kind === 'toy-color') {
    const { text, vision } = toyModels();
    await writePrecisions(onnxDir, 'text_model', text, opts.precisions ?? ['fp32']);
    await writePrecisions(onnxDir, 'vision_model', vision, opts.precisions ?? ['fp32']);
  } else if (kind === 'toy-color-combined') {
    await writePrecisions(onnxDir, 'model', toyCombinedModel(), opts.precisions ?? ['fp32']);
  } else if (chinese) {
    // All 188M weights at once (one graph): about 750 MB of fp32 plus the encoded file.
    await writePrecisions(onnxDir, 'model', chineseClipModel(new Weights(SEEDS[kind])), opts.precisions ?? ['fp32', 'fp16', 'q8']);
  } else {
    // One tower at a time, so only one tower's weights (≤ 350 MB fp32) are held at once.
    const precisions = opts.precisions ?? ['fp32', 'q8'];
    await writePrecisions(onnxDir, 'vision_model', splitVisionModel(new Weights(SEEDS[kind as SyntheticKind]), kind === 'synthetic-vit-b32' ? VIT_B32 : VIT_B16), precisions);
    await writePrecisions(onnxDir, 'text_model', splitTextModel(new Weights(SEEDS[kind as SyntheticKind])), precisions);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Synthetic models in the place of catalog models: tests and benches load them through resolveModel(catalog id),
// the path the real downloads take, with the hub's file names for every precision.

/** The catalog model each synthetic model stands in for (same layout, file names, tensor shapes). */
export const SYNTHETIC_CATALOG_IDS: Readonly<Record<SyntheticKind, string>> = {
  'synthetic-vit-b32': 'Xenova/clip-vit-base-patch32',
  'synthetic-vit-b16': 'Xenova/clip-vit-base-patch16',
  'synthetic-chinese-clip': 'Xenova/chinese-clip-vit-base-patch16',
};
export const SYNTHETIC_KINDS = Object.keys(SYNTHETIC_CATALOG_IDS) as SyntheticKind[];
export type { SyntheticKind };
/**
 * The shared models folder of generated catalog stand-ins: <repo>/.cache/test-models (gitignored). Only valid when
 * this module runs from the source tree (tests, tsx scripts); bundled bench tasks get the folder as an argument.
 */
export const CATALOG_TEST_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..', '.cache', 'test-models');

/** Bumped whenever a synthetic model's graphs, weights or files change, so cached copies are regenerated. */
export const SYNTHETIC_GENERATOR_VERSION = 1;

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
  }
  return out.sort();
}

/**
 * Makes the catalog folder of `SYNTHETIC_CATALOG_IDS[kind]` under `modelsDir` hold the synthetic model in fp32, fp16
 * and q8 with a completed download manifest, as a download would leave it; returns the catalog id and folder.
 * Generated once (Chinese-CLIP: about 30 s, 1.3 GB) and kept while SYNTHETIC_GENERATOR_VERSION stays the same; files
 * the embedder derives there (split towers, widened fp16) are kept with it. Safe to call from parallel processes.
 */
export async function ensureCatalogTestModel(kind: SyntheticKind, modelsDir: string): Promise<{ id: string; dir: string }> {
  const id = SYNTHETIC_CATALOG_IDS[kind];
  const dir = catalogFolder(modelsDir, id);
  const host = `synthetic:${kind}:v${SYNTHETIC_GENERATOR_VERSION}`;
  const current = async (): Promise<boolean> => {
    try {
      const m = JSON.parse(await readFile(join(dir, MODEL_MANIFEST), 'utf8')) as ModelManifest;
      return m.host === host && m.completedAt > 0;
    } catch {
      return false;
    }
  };
  if (await current()) return { id, dir };
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await makeTestModel(kind, tmp, { precisions: ['fp32', 'fp16', 'q8'] });
    const manifest: ModelManifest = { id, host, completedAt: Date.now(), files: {} };
    for (const f of await listFiles(tmp)) manifest.files[f] = { size: (await stat(join(tmp, f))).size };
    await writeFile(join(tmp, MODEL_MANIFEST), JSON.stringify(manifest, null, 2));
    if (await current()) return { id, dir }; // another process finished first
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (!(await current())) throw err;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { id, dir };
}

/**
 * A catalog folder under `modelsDir` holding only `files` of the generated stand-in (symlinks into the cached one),
 * with a completed manifest: what a download of one precision plan leaves. Derived files are written there, not
 * into the cache.
 */
export async function linkCatalogTestModel(kind: SyntheticKind, modelsDir: string, files: readonly string[], cacheDir = CATALOG_TEST_MODELS_DIR): Promise<{ id: string; dir: string }> {
  const source = await ensureCatalogTestModel(kind, cacheDir);
  const dir = catalogFolder(modelsDir, source.id);
  const host = `synthetic:${kind}:v${SYNTHETIC_GENERATOR_VERSION}`;
  try {
    // Already linked with these files (and maybe derived files made since): keep it.
    const m = JSON.parse(await readFile(join(dir, MODEL_MANIFEST), 'utf8')) as ModelManifest;
    if (m.host === host && Object.keys(m.files).sort().join('\n') === [...files].sort().join('\n') && files.every((f) => existsSync(join(dir, f)))) return { id: source.id, dir };
  } catch {
    // not linked yet
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const manifest: ModelManifest = { id: source.id, host, completedAt: Date.now(), files: {} };
  for (const f of files) {
    await symlink(join(source.dir, f), join(dir, f));
    manifest.files[f] = { size: (await stat(join(source.dir, f))).size };
  }
  await writeFile(join(dir, MODEL_MANIFEST), JSON.stringify(manifest, null, 2));
  return { id: source.id, dir };
}
