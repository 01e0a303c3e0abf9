// Models Soutu knows by name: the hub files of each precision with their sizes, which of them a device and setting
// need, and the search defaults that depend on the model. Folders in the same transformers.js layout work as well.
//
// Precision is chosen per tower and device, for search quality first:
//  - CPU vision: full-precision compute. Where the hub has an fp16 file, that file (half the download) is fetched and
//    widened to fp32 locally: the weights are then exactly the fp16 ones, the arithmetic fp32 (onnx/float16-convert.ts).
//  - CPU text: the int8 file. The text tower stays resident for every query: q8 holds 140–190 MB against 435 MB for
//    fp32 and encodes a query with 2–2.4× less CPU, at cosine ≥ 0.9987 (mean ≥ 0.999) to fp32 on the synthetic models
//    (bench/tasks/models.ts; random weights, so trained models' outliers may cost q8 more).
//  - GPU (DirectML, CoreML, CUDA, WebGPU): the fp16 files, which GPUs run natively.
//  - "compact": int8 for both towers: the smallest download (Chinese-CLIP 191 MB against 568 MB), about half the
//    memory and 1.45–1.6× less CPU per photo; vision vectors then sit at cosine ≈ 0.9996 to full precision.
// The stored vectors depend only on the vision weights' class, q8 or full (fp32, fp16, widened fp16 are within
// cosine 1e-6 of each other), so the model key carries that class and a change between classes re-embeds.

export type UiLanguage = 'en' | 'zh-CN';
/** A text in each UI language: `{ en: '…', 'zh-CN': '…' }`. */
export type Localized = Readonly<Record<UiLanguage, string>>;
export type Precision = 'fp32' | 'fp16' | 'q8';
export type Tower = 'text' | 'vision';
export type PrecisionSetting = 'quality' | 'compact';
export type DeviceKind = 'cpu' | 'gpu';
/** What the stored vectors depend on: int8 vision weights, or full-precision ones (fp32 / fp16). */
export type VisionClass = 'q8' | 'full';

export interface CatalogFile {
  /** Path inside the hub repository, e.g. onnx/model_fp16.onnx. */
  path: string;
  /** Size as the hub lists it (decimal MB × 1e6); `estimated` when derived rather than read off the hub. */
  bytes: number;
  estimated?: true;
}

/** bestMatchCutoff's parameters (src/main/core/search/relevance.ts). */
export interface RelevanceDefaults {
  /** z-score (against the library's scores for the query) that a "best" hit must reach. */
  minZ: number;
  /** A best hit must also be within this fraction of the top hit's z-score. */
  spread: number;
  /** When the top hit's z-score is below this, nothing is a best match. */
  noneBelowZ: number;
}

export interface ModelDefaults {
  relevance: RelevanceDefaults;
  /** Tagger margin: cosine to the concept minus the photo's best cosine to background prompts. */
  tagMargin: number;
  /** Where each number comes from. */
  sources: { relevance: string; tagMargin: string };
}

export interface CatalogModel {
  id: string;
  title: Localized;
  note: Localized;
  languages: ('zh' | 'en')[];
  layout: 'split' | 'combined';
  /** The small JSON files every precision needs. */
  configFiles: readonly string[];
  /** The ONNX file of each tower in each precision; in a combined layout both towers name the same file. */
  weights: Readonly<Record<Precision, Readonly<Record<Tower, CatalogFile>>>>;
  /** Text length in tokens, start and end tokens included. */
  contextLength: number;
  defaults: ModelDefaults;
  /** Download size of the default plan (quality, CPU), for messages. */
  approxBytes: number;
}

const CONFIG_FILES = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

const MB = (mb: number, estimated = false): { bytes: number; estimated?: true } => ({ bytes: Math.round(mb * 1e6), ...(estimated ? { estimated: true as const } : {}) });
const combined = (mb: number, estimated = false) => {
  return (suffix: string): Record<Tower, CatalogFile> => {
    const f: CatalogFile = { path: `onnx/model${suffix}.onnx`, ...MB(mb, estimated) };
    return { text: f, vision: f };
  };
};
const split = (suffix: string, textMb: number, visionMb: number, est: { text?: boolean; vision?: boolean } = {}): Record<Tower, CatalogFile> => ({
  text: { path: `onnx/text_model${suffix}.onnx`, ...MB(textMb, est.text) },
  vision: { path: `onnx/vision_model${suffix}.onnx`, ...MB(visionMb, est.vision) },
});

// The relevance cutoff works on z-scores of the query's own score distribution, so it does not depend on a
// model's cosine scale; the values are those tuned on toy-color and are not recalibrated (random-weight synthetic
// models have no semantics to tune against). The tag margin is in cosine units: CLIP and Chinese-CLIP both train
// their logit scale up to its clamp of 100, so 0.05 is 5 logits, e^5 ≈ 150× odds between concept and background
// in the zero-shot softmax, for either model. Both should be revisited with the real weights and labelled photos.
const RELEVANCE: RelevanceDefaults = { minZ: 2.5, spread: 0.5, noneBelowZ: 2 };
const SOURCES = {
  relevance: 'z-scores of the query\'s own score distribution (scale-free); tuned on toy-color, not recalibrated per model',
  tagMargin: 'logit scale 100 in both CLIP and Chinese-CLIP: 0.05 cosine = 5 logits; tuned on toy-color, not on real weights',
};

function entry(m: Omit<CatalogModel, 'approxBytes'>): CatalogModel {
  const full = m as CatalogModel;
  full.approxBytes = precisionPlan(full).downloadBytes;
  return full;
}

export const MODEL_CATALOG: readonly CatalogModel[] = [
  entry({
    id: 'Xenova/chinese-clip-vit-base-patch16',
    title: { en: 'Chinese-CLIP ViT-B/16', 'zh-CN': '中文 CLIP ViT-B/16' },
    note: {
      en: 'Default for Chinese; understands English too. Zero-shot text→image R@1 62.7 on Flickr30K-CN (published).',
      'zh-CN': '中文默认模型，也能理解英文。Flickr30K-CN 零样本文搜图 R@1 62.7（论文数据）。',
    },
    languages: ['zh', 'en'],
    layout: 'combined',
    configFiles: CONFIG_FILES,
    // Sizes from the hub listing. The synthetic Chinese-CLIP written in the same layout comes to 753.2 / 376.6 /
    // 189.7 MB, so the parameter count matches.
    weights: { fp32: combined(754)(''), fp16: combined(377)('_fp16'), q8: combined(191)('_quantized') },
    contextLength: 52,
    defaults: { relevance: RELEVANCE, tagMargin: 0.05, sources: SOURCES },
  }),
  entry({
    id: 'Xenova/clip-vit-base-patch32',
    title: { en: 'OpenAI CLIP ViT-B/32', 'zh-CN': 'OpenAI CLIP ViT-B/32' },
    note: { en: 'Default for English; fastest.', 'zh-CN': '英文默认模型；速度最快。' },
    languages: ['en'],
    layout: 'split',
    configFiles: CONFIG_FILES,
    // vision fp16 and text q8 from the hub listing; the rest are the synthetic ViT-B/32's sizes (same tensors, and
    // its vision fp16 file comes to 175.7 MB against the hub's 176).
    weights: {
      fp32: split('', 253.8, 351.4, { text: true, vision: true }),
      fp16: split('_fp16', 126.9, 176, { text: true }),
      q8: split('_quantized', 64.5, 88.4, { vision: true }),
    },
    contextLength: 77,
    defaults: { relevance: RELEVANCE, tagMargin: 0.05, sources: SOURCES },
  }),
  entry({
    id: 'Xenova/clip-vit-base-patch16',
    title: { en: 'OpenAI CLIP ViT-B/16', 'zh-CN': 'OpenAI CLIP ViT-B/16' },
    note: { en: 'More accurate than B/32, about 4× slower to index.', 'zh-CN': '比 B/32 更准，建索引约慢 4 倍。' },
    languages: ['en'],
    layout: 'split',
    configFiles: CONFIG_FILES,
    // Estimates: the synthetic ViT-B/16's sizes (same tensors as the real one); its text tower is B/32's.
    weights: {
      fp32: split('', 253.8, 344.8, { text: true, vision: true }),
      fp16: split('_fp16', 126.9, 172.4, { text: true, vision: true }),
      q8: split('_quantized', 64.5, 87.1, { text: true, vision: true }),
    },
    contextLength: 77,
    defaults: { relevance: RELEVANCE, tagMargin: 0.05, sources: SOURCES },
  }),
];

export function findCatalogModel(id: string): CatalogModel | undefined {
  return MODEL_CATALOG.find((m) => m.id.toLowerCase() === id.toLowerCase());
}

export function defaultModelFor(language: string): string {
  return language.toLowerCase().startsWith('zh') ? 'Xenova/chinese-clip-vit-base-patch16' : 'Xenova/clip-vit-base-patch32';
}

/** The text for `lang` ('zh', 'zh-CN', 'zh-TW' → Chinese; anything else → English). */
export function localized(text: Localized, lang: string): string {
  return lang.toLowerCase().startsWith('zh') ? text['zh-CN'] : text.en;
}

export interface TowerPlan {
  /** What the tower computes in. */
  compute: Precision;
  /** The hub file it is made from. */
  file: CatalogFile;
  /** The file is fp16 and is widened to fp32 after download. */
  widen: boolean;
}

export interface PrecisionPlan {
  setting: PrecisionSetting;
  device: DeviceKind;
  text: TowerPlan;
  vision: TowerPlan;
  /** Every file to fetch: the JSON files, then each distinct ONNX file. */
  files: string[];
  /** Bytes of the ONNX files to fetch (the JSON files add about 2 MB). */
  downloadBytes: number;
  /** True when some of those sizes are estimates. */
  estimated: boolean;
  visionClass: VisionClass;
}

/** What each tower computes in, for a setting and the kind of device that runs it. */
export function towerPrecisions(setting: PrecisionSetting = 'quality', device: DeviceKind = 'cpu'): Record<Tower, Precision> {
  if (setting === 'compact') return { text: 'q8', vision: 'q8' };
  return device === 'gpu' ? { text: 'fp16', vision: 'fp16' } : { text: 'q8', vision: 'fp32' };
}

/** The files a model needs for a setting on a device, and how each tower is made from them. */
export function precisionPlan(model: CatalogModel, o: { setting?: PrecisionSetting; device?: DeviceKind } = {}): PrecisionPlan {
  const setting = o.setting ?? 'quality';
  const device = o.device ?? 'cpu';
  const want = towerPrecisions(setting, device);
  const tower = (t: Tower): TowerPlan => {
    const p = want[t];
    if (p === 'fp32' && model.weights.fp16) return { compute: 'fp32', file: model.weights.fp16[t], widen: true };
    return { compute: p, file: model.weights[p][t], widen: false };
  };
  const text = tower('text');
  const vision = tower('vision');
  const onnx = [...new Map([text.file, vision.file].map((f) => [f.path, f])).values()];
  return {
    setting,
    device,
    text,
    vision,
    files: [...model.configFiles, ...onnx.map((f) => f.path)],
    downloadBytes: onnx.reduce((s, f) => s + f.bytes, 0),
    estimated: onnx.some((f) => f.estimated),
    visionClass: vision.compute === 'q8' ? 'q8' : 'full',
  };
}
