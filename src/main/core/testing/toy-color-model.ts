// toy-color: an "embedding" that is a colour histogram plus a coarse colour layout, and text that names colours;
// its constants, vocabulary, graphs and config.json, the one generated model with real semantics.
import { GraphBuilder, makeModel } from '../embed/onnx/graph-builder.js';
import { DataType, type ModelProto } from '../embed/onnx/onnx-proto.js';
import { CLIP_IMAGE_MEAN, CLIP_IMAGE_STD } from './preprocessor-configs.js';
import { SPECIAL_TOKENS } from './test-tokenizers.js';

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

export function toyModels(): { text: ModelProto; vision: ModelProto } {
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
export function toyCombinedModel(): ModelProto {
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

export type ToyKind = 'toy-color' | 'toy-color-combined';

/** config.json of a toy model: a CLIP (or, combined, a Chinese-CLIP) whose sizes are the toy's, plus its recipe. */
export function toyConfig(kind: ToyKind, vocabSize: number): Record<string, unknown> {
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
