// Writes a generated model folder (config, preprocessor, tokenizer, onnx/… in each precision asked for) in the
// transformers.js layout, deterministically: same kind and options, same bytes.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { convertFloatToFloat16 } from '../embed/onnx/float16-convert.js';
import { writeFileAtomic, writeModel, type ModelProto } from '../embed/onnx/onnx-proto.js';
import { quantizeDynamic } from '../embed/onnx/quantize-dynamic.js';
import { CHINESE_CLIP_PREPROCESSOR_CONFIG, CLIP_PREPROCESSOR_CONFIG } from './preprocessor-configs.js';
import { CHINESE_CLIP_TEXT, CLIP_TEXT, syntheticChineseClipModel, syntheticConfig, syntheticTextModel, syntheticVisionModel } from './synthetic-clip-model.js';
import { chineseClipVocab, syntheticVocab } from './synthetic-vocabs.js';
import { tokenizerFiles } from './test-tokenizers.js';
import { TOY_MAX_LENGTH, TOY_VOCAB, toyCombinedModel, toyConfig, toyModels } from './toy-color-model.js';

export type TestModelKind = 'toy-color' | 'toy-color-combined' | 'synthetic-vit-b32' | 'synthetic-vit-b16' | 'synthetic-chinese-clip';
export const TEST_MODEL_KINDS: readonly TestModelKind[] = ['toy-color', 'toy-color-combined', 'synthetic-vit-b32', 'synthetic-vit-b16', 'synthetic-chinese-clip'];

export function isTestModelKind(s: string): s is TestModelKind {
  return (TEST_MODEL_KINDS as readonly string[]).includes(s);
}

function configFor(kind: TestModelKind, vocabSize: number): Record<string, unknown> {
  return kind === 'toy-color' || kind === 'toy-color-combined' ? toyConfig(kind, vocabSize) : syntheticConfig(kind, vocabSize);
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
    ...tokenizerFiles({ vocab, maxLength: chinese ? CHINESE_CLIP_TEXT.positions : synthetic ? CLIP_TEXT.positions : TOY_MAX_LENGTH }),
  });

  if (kind === 'toy-color') {
    const { text, vision } = toyModels();
    await writePrecisions(onnxDir, 'text_model', text, opts.precisions ?? ['fp32']);
    await writePrecisions(onnxDir, 'vision_model', vision, opts.precisions ?? ['fp32']);
  } else if (kind === 'toy-color-combined') {
    await writePrecisions(onnxDir, 'model', toyCombinedModel(), opts.precisions ?? ['fp32']);
  } else if (chinese) {
    // All 188M weights at once (one graph): about 750 MB of fp32 plus the encoded file.
    await writePrecisions(onnxDir, 'model', syntheticChineseClipModel(), opts.precisions ?? ['fp32', 'fp16', 'q8']);
  } else {
    // One tower at a time, so only one tower's weights (≤ 350 MB fp32) are held at once.
    const precisions = opts.precisions ?? ['fp32', 'q8'];
    await writePrecisions(onnxDir, 'vision_model', syntheticVisionModel(kind), precisions);
    await writePrecisions(onnxDir, 'text_model', syntheticTextModel(kind), precisions);
  }
}
