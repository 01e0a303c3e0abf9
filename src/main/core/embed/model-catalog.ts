// Models Soutu knows by name: where to fetch them from and how to run them.
// Local folders in the same transformers.js layout can be used as well (models import, --model <folder>).

export interface CatalogModel {
  id: string;
  title: string;
  languages: ('zh' | 'en')[];
  /** Files to fetch, relative to the repo root. */
  files: string[];
  dtype: 'q8' | 'fp32';
  layout: 'split' | 'combined';
  approxBytes: number;
  note: string;
}

export const MODEL_CATALOG: readonly CatalogModel[] = [
  {
    id: 'Xenova/chinese-clip-vit-base-patch16',
    title: 'Chinese-CLIP ViT-B/16',
    languages: ['zh', 'en'],
    files: [
      'config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'onnx/model_quantized.onnx',
    ],
    dtype: 'q8',
    layout: 'combined',
    approxBytes: 190_000_000,
    note: 'Default for Chinese. Zero-shot text→image R@1 62.7 on Flickr30K-CN (published).',
  },
  {
    id: 'Xenova/clip-vit-base-patch32',
    title: 'OpenAI CLIP ViT-B/32',
    languages: ['en'],
    files: [
      'config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'onnx/text_model_quantized.onnx',
      'onnx/vision_model_quantized.onnx',
    ],
    dtype: 'q8',
    layout: 'split',
    approxBytes: 155_000_000,
    note: 'Default for English; fastest.',
  },
  {
    id: 'Xenova/clip-vit-base-patch16',
    title: 'OpenAI CLIP ViT-B/16',
    languages: ['en'],
    files: [
      'config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'onnx/text_model_quantized.onnx',
      'onnx/vision_model_quantized.onnx',
    ],
    dtype: 'q8',
    layout: 'split',
    approxBytes: 152_000_000,
    note: 'More accurate than B/32, about 4× slower to index.',
  },
];

export function findCatalogModel(id: string): CatalogModel | undefined {
  return MODEL_CATALOG.find((m) => m.id.toLowerCase() === id.toLowerCase());
}

export function defaultModelFor(language: string): string {
  return language.toLowerCase().startsWith('zh') ? 'Xenova/chinese-clip-vit-base-patch16' : 'Xenova/clip-vit-base-patch32';
}
