// Generated test models (small or synthetic CLIPs in the transformers.js layout, so tests and benchmarks run the real
// tokenizer → ONNX Runtime path without downloads), all from one import path: importers need not know which module.
export {
  CATALOG_TEST_MODELS_DIR,
  SYNTHETIC_CATALOG_IDS,
  SYNTHETIC_GENERATOR_VERSION,
  SYNTHETIC_KINDS,
  ensureCatalogTestModel,
  linkCatalogTestModel,
} from './catalog-test-models.js';
export { CHINESE_CLIP_PREPROCESSOR_CONFIG, CLIP_IMAGE_MEAN, CLIP_IMAGE_STD, CLIP_PREPROCESSOR_CONFIG } from './preprocessor-configs.js';
export { CHINESE_CLIP_CONTEXT_LENGTH, CHINESE_CLIP_TEXT, SYNTHETIC_SEED, seededNormal, type SyntheticKind } from './synthetic-clip-model.js';
export { CHINESE_CLIP_VOCAB_SIZE, SYNTHETIC_VOCAB_SIZE, chineseClipVocab, isCjkCodePoint, syntheticVocab } from './synthetic-vocabs.js';
export { TEST_MODEL_KINDS, isTestModelKind, makeTestModel, type MakeTestModelOptions, type TestModelKind, type TestPrecision } from './test-model-writer.js';
export {
  TOY_COARSE,
  TOY_COLORS,
  TOY_DIM,
  TOY_GRID,
  TOY_K,
  TOY_MAX_LENGTH,
  TOY_SPATIAL_WEIGHT,
  TOY_TAU,
  TOY_TEXT_EPSILON,
  TOY_VOCAB,
  toyColorOfToken,
  toyPrototypeNormalized,
  type ToyColor,
} from './toy-color-model.js';
