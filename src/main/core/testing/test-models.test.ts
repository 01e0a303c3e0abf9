import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPModel,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  RawImage,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Processor,
} from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModel } from '../embed/onnx/onnx-proto.js';
import { resolveModel } from '../embed/model-store.js';
import {
  CATALOG_TEST_MODELS_DIR,
  CHINESE_CLIP_VOCAB_SIZE,
  SYNTHETIC_CATALOG_IDS,
  SYNTHETIC_GENERATOR_VERSION,
  SYNTHETIC_KINDS,
  SYNTHETIC_SEED,
  SYNTHETIC_VOCAB_SIZE,
  chineseClipVocab,
  ensureCatalogTestModel,
  isCjkCodePoint,
  TOY_COLORS,
  TOY_DIM,
  TOY_K,
  TOY_VOCAB,
  makeTestModel,
  seededNormal,
  syntheticVocab,
  type ToyColor,
} from './test-models.js';

env.allowRemoteModels = false;
env.allowLocalModels = true;

const LOAD = {
  local_files_only: true,
  dtype: 'fp32',
  device: 'cpu',
  session_options: { intraOpNumThreads: 2 },
} as const;

type Rgb = readonly [number, number, number];

/** A 224×224 image; `pick(x, y)` gives each pixel's colour. */
function image(pick: (x: number, y: number) => Rgb): RawImage {
  const data = new Uint8ClampedArray(224 * 224 * 3);
  for (let y = 0; y < 224; y++) {
    for (let x = 0; x < 224; x++) data.set(pick(x, y), (y * 224 + x) * 3);
  }
  return new RawImage(data, 224, 224, 3);
}
const solid = (c: ToyColor): RawImage => image(() => c.rgb);
const color = (name: string): ToyColor => TOY_COLORS.find((c) => c.name === name)!;

function rows(data: Float32Array, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < data.length; i += dim) out.push(normalize(data.slice(i, i + dim)));
  return out;
}
function normalize(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i], 0);
const add = (a: Float32Array, b: Float32Array, sign = 1): Float32Array => normalize(a.map((x, i) => x + sign * b[i]));
const argmax = (xs: number[]): number => xs.indexOf(Math.max(...xs));

describe('toy-color through transformers.js', () => {
  let dir: string;
  let tokenizer: PreTrainedTokenizer;
  let processor: Processor;
  let textModel: PreTrainedModel;
  let visionModel: PreTrainedModel;

  const embedTexts = async (texts: string[]): Promise<Float32Array[]> => {
    const { text_embeds } = await textModel(tokenizer(texts, { padding: true, truncation: true }));
    return rows(text_embeds.data as Float32Array, TOY_DIM);
  };
  const embedImages = async (images: RawImage[]): Promise<Float32Array[]> => {
    const { image_embeds } = await visionModel(await processor(images));
    return rows(image_embeds.data as Float32Array, TOY_DIM);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'soutu-toy-'));
    await makeTestModel('toy-color', dir);
    tokenizer = await AutoTokenizer.from_pretrained(dir);
    processor = await AutoProcessor.from_pretrained(dir);
    textModel = await CLIPTextModelWithProjection.from_pretrained(dir, { ...LOAD, model_file_name: 'text_model' });
    visionModel = await CLIPVisionModelWithProjection.from_pretrained(dir, { ...LOAD, model_file_name: 'vision_model' });
  });
  afterAll(async () => {
    await Promise.all([textModel?.dispose(), visionModel?.dispose()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the transformers.js folder layout', async () => {
    expect((await readdir(dir)).sort()).toEqual([
      'config.json',
      'onnx',
      'preprocessor_config.json',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect((await readdir(join(dir, 'onnx'))).sort()).toEqual(['text_model.onnx', 'vision_model.onnx']);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'clip', projection_dim: TOY_DIM, soutu_test_model: 'toy-color' });
    expect(config.vision_config).toMatchObject({ image_size: 224, patch_size: 32 });
  });

  it('tokenizes English words and Chinese characters with the BERT WordPiece tokenizer', () => {
    const enc = tokenizer(['a red photo', '红色的照片'], { padding: true, truncation: true });
    expect(enc.input_ids.dims).toEqual([2, 7]);
    expect(enc.attention_mask.dims).toEqual([2, 7]);
    const zh = ['[CLS]', '红', '色', '的', '照', '片', '[SEP]'];
    expect(enc.input_ids.tolist()[1].map(Number)).toEqual(zh.map((t) => TOY_VOCAB.indexOf(t)));
    expect(tokenizer.tokenize('红色的照片')).toEqual(zh.slice(1, -1));
    expect(tokenizer.tokenize('Reds and GREY')).toEqual(['red', '##s', 'and', 'grey']);
    expect(Number(enc.attention_mask.tolist()[0][6])).toBe(0);
  });

  it('ranks a solid colour image first for its own words, in English and Chinese', async () => {
    const templates = [
      (c: ToyColor) => c.en[0],
      (c: ToyColor) => `a ${c.en[0]} photo`,
      (c: ToyColor) => `${c.zh}色`,
      (c: ToyColor) => `${c.zh}色的照片`,
    ];
    const images = await embedImages(TOY_COLORS.map(solid));
    for (const template of templates) {
      const texts = await embedTexts(TOY_COLORS.map(template));
      images.forEach((img, k) => {
        expect(argmax(texts.map((t) => dot(t, img))), `${TOY_COLORS[k].name} / ${template(TOY_COLORS[k])}`).toBe(k);
      });
    }
  });

  it('retrieves the right colour image for a text query', async () => {
    const images = await embedImages(TOY_COLORS.map(solid));
    const [green, blue, grey] = await embedTexts(['a photo of green', '蓝', 'something GREY']);
    expect(TOY_COLORS[argmax(images.map((i) => dot(green, i)))].name).toBe('green');
    expect(TOY_COLORS[argmax(images.map((i) => dot(blue, i)))].name).toBe('blue');
    expect(TOY_COLORS[argmax(images.map((i) => dot(grey, i)))].name).toBe('gray');
  });

  it('supports query arithmetic: 红 + 蓝 prefers a half red/half blue image; red − yellow puts orange below red', async () => {
    const red = color('red').rgb;
    const blue = color('blue').rgb;
    const [imgRed, imgBlue, imgHalf, imgOrange, imgYellow] = await embedImages([
      solid(color('red')),
      solid(color('blue')),
      image((x) => (x < 112 ? red : blue)),
      solid(color('orange')),
      solid(color('yellow')),
    ]);
    const [tRed, tBlue, tRedEn, tYellowEn] = await embedTexts(['红', '蓝', 'red', 'yellow']);
    const both = add(tRed, tBlue);
    expect(dot(both, imgHalf)).toBeGreaterThan(dot(both, imgRed));
    expect(dot(both, imgHalf)).toBeGreaterThan(dot(both, imgBlue));
    const minus = add(tRedEn, tYellowEn, -1);
    expect(dot(minus, imgRed)).toBeGreaterThan(dot(minus, imgOrange));
    expect(dot(minus, imgOrange)).toBeGreaterThan(dot(minus, imgYellow));
  });

  it('gives finite scores to a query without colour words', async () => {
    const [t] = await embedTexts(['a photo of a cat']);
    const images = await embedImages([solid(color('red')), solid(color('white'))]);
    for (const img of images) expect(Number.isFinite(dot(t, img))).toBe(true);
    expect(t.every(Number.isFinite)).toBe(true);
  });

  it('tells layouts apart (the spatial part makes image-to-image search discriminative)', async () => {
    const red = color('red').rgb;
    const blue = color('blue').rgb;
    const [lr, tb, lr2] = await embedImages([
      image((x) => (x < 112 ? red : blue)),
      image((_, y) => (y < 112 ? red : blue)),
      image((x) => (x < 112 ? red : blue)),
    ]);
    expect(dot(lr, lr2)).toBeCloseTo(1, 5);
    expect(dot(lr, tb)).toBeLessThan(0.6);
    // Same colours in the same amounts: the histogram parts agree, only the layout differs.
    for (let k = 0; k < TOY_K; k++) expect(lr[k]).toBeCloseTo(tb[k], 6);
  });

  it('is deterministic', async () => {
    const again = await mkdtemp(join(tmpdir(), 'soutu-toy-again-'));
    try {
      await makeTestModel('toy-color', again);
      for (const f of ['config.json', 'tokenizer.json', 'onnx/text_model.onnx', 'onnx/vision_model.onnx']) {
        expect((await readFile(join(again, f))).equals(await readFile(join(dir, f))), f).toBe(true);
      }
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});

describe('toy-color-combined', () => {
  let split: string;
  let combined: string;
  beforeAll(async () => {
    split = await mkdtemp(join(tmpdir(), 'soutu-toy-split-'));
    combined = await mkdtemp(join(tmpdir(), 'soutu-toy-combined-'));
    await Promise.all([makeTestModel('toy-color', split), makeTestModel('toy-color-combined', combined)]);
  });
  afterAll(async () => {
    await rm(split, { recursive: true, force: true });
    await rm(combined, { recursive: true, force: true });
  });

  it('is one CLIPModel-like graph (chinese_clip config) giving the split model\'s embeddings, normalised', async () => {
    const graph = (await readModel(join(combined, 'onnx', 'model.onnx'))).graph!;
    expect(graph.input!.map((i) => i.name)).toEqual(['input_ids', 'pixel_values', 'attention_mask', 'token_type_ids']);
    expect(graph.output!.map((o) => o.name)).toEqual([
      'logits_per_image',
      'logits_per_text',
      'text_embeds',
      'image_embeds',
    ]);
    const config = JSON.parse(await readFile(join(combined, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('chinese_clip');

    const texts = ['a red photo', '蓝色和黄色', 'nothing here'];
    const imgs = [solid(color('red')), image((x, y) => (x + y < 224 ? color('green').rgb : color('pink').rgb))];
    const tokenizer = await AutoTokenizer.from_pretrained(combined);
    const processor = await AutoProcessor.from_pretrained(combined);
    const inputs = { ...tokenizer(texts, { padding: true, truncation: true }), ...(await processor(imgs)) };
    const model = await CLIPModel.from_pretrained(combined, LOAD);
    const out = await model(inputs);
    expect(out.logits_per_image.dims).toEqual([2, 3]);

    const text = await CLIPTextModelWithProjection.from_pretrained(split, { ...LOAD, model_file_name: 'text_model' });
    const vision = await CLIPVisionModelWithProjection.from_pretrained(split, { ...LOAD, model_file_name: 'vision_model' });
    const te = rows((await text(inputs)).text_embeds.data as Float32Array, TOY_DIM);
    const ie = rows((await vision(inputs)).image_embeds.data as Float32Array, TOY_DIM);
    const cte = out.text_embeds.data as Float32Array;
    const cie = out.image_embeds.data as Float32Array;
    te.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - cte[i * TOY_DIM + j])).toBeLessThan(1e-5)));
    ie.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - cie[i * TOY_DIM + j])).toBeLessThan(1e-5)));
    // logits_per_image = 100 · cos
    expect((out.logits_per_image.data as Float32Array)[0]).toBeCloseTo(100 * dot(ie[0], te[0]), 3);
    await Promise.all([model.dispose(), text.dispose(), vision.dispose()]);
  });
});

describe('synthetic-vit-b32', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'soutu-synthetic-'));
    await makeTestModel('synthetic-vit-b32', dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes fp32 and q8 towers of CLIP ViT-B/32 size', async () => {
    const sizes = Object.fromEntries(
      await Promise.all(
        ['vision_model', 'vision_model_quantized', 'text_model', 'text_model_quantized'].map(
          async (f) => [f, (await stat(join(dir, 'onnx', `${f}.onnx`))).size / 1e6] as const,
        ),
      ),
    );
    expect(sizes.vision_model).toBeGreaterThan(340);
    expect(sizes.text_model).toBeGreaterThan(240);
    expect(sizes.vision_model_quantized).toBeLessThan(sizes.vision_model / 3.5);
    expect(sizes.text_model_quantized).toBeLessThan(sizes.text_model / 3.5);
  });

  it('uses seeded weights (same name, same values) and a 49408-entry vocab', async () => {
    const vision = await readModel(join(dir, 'onnx', 'vision_model.onnx'));
    const name = 'vision_model.embeddings.class_embedding';
    const t = vision.graph!.initializer!.find((x) => x.name === name)!;
    const raw = new Uint8Array(t.raw_data!);
    const stored = new Float32Array(raw.buffer, raw.byteOffset, 768);
    expect(Array.from(stored)).toEqual(Array.from(seededNormal(`${SYNTHETIC_SEED}/${name}`, 768, 0.02)));
    const sample = seededNormal('check', 100_000, 0.02);
    const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
    const std = Math.sqrt(sample.reduce((a, b) => a + (b - mean) ** 2, 0) / sample.length);
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(std).toBeCloseTo(0.02, 3);
    expect(syntheticVocab()).toHaveLength(SYNTHETIC_VOCAB_SIZE);
    const tok = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    expect(Object.keys(tok.model.vocab)).toHaveLength(SYNTHETIC_VOCAB_SIZE);
  });

  it('runs both precisions through transformers.js with dynamic batch and sequence length', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(dir);
    const processor = await AutoProcessor.from_pretrained(dir);
    const enc = tokenizer(['a photo of a dog', '一只狗的照片 in the park at night'], { padding: true, truncation: true });
    expect(enc.input_ids.dims[1]).toBeLessThanOrEqual(77);
    const long = tokenizer(['word '.repeat(200)], { padding: true, truncation: true });
    expect(long.input_ids.dims).toEqual([1, 77]);
    const pixels = await processor([image((x, y) => [x, y, 128]), image((x) => [255 - x, 40, 200])]);

    const results: Record<string, { text: Float32Array[]; image: Float32Array[] }> = {};
    for (const dtype of ['q8', 'fp32'] as const) {
      const opts = { ...LOAD, dtype };
      const text = await CLIPTextModelWithProjection.from_pretrained(dir, { ...opts, model_file_name: 'text_model' });
      const vision = await CLIPVisionModelWithProjection.from_pretrained(dir, { ...opts, model_file_name: 'vision_model' });
      const te = (await text(enc)).text_embeds;
      const ie = (await vision(pixels)).image_embeds;
      expect(te.dims).toEqual([2, 512]);
      expect(ie.dims).toEqual([2, 512]);
      expect((await text(long)).text_embeds.dims).toEqual([1, 512]);
      results[dtype] = { text: rows(te.data as Float32Array, 512), image: rows(ie.data as Float32Array, 512) };
      await Promise.all([text.dispose(), vision.dispose()]);
    }
    for (const kind of ['text', 'image'] as const) {
      results.q8[kind].forEach((v, i) => {
        expect(v.every(Number.isFinite)).toBe(true);
        // Quantization error stays small: q8 and fp32 embeddings of the same input nearly coincide.
        expect(dot(v, results.fp32[kind][i])).toBeGreaterThan(0.97);
      });
    }
    // Different inputs give different embeddings.
    expect(dot(results.fp32.image[0], results.fp32.image[1])).toBeLessThan(0.999);
    expect(dot(results.fp32.text[0], results.fp32.text[1])).toBeLessThan(0.999);
  });
});

describe('synthetic Chinese-CLIP vocabulary', () => {
  it('has 21128 entries with bert-base-chinese\'s special ids, GB2312 and Big5 hanzi, Latin pieces', () => {
    const v = chineseClipVocab();
    expect(v).toHaveLength(CHINESE_CLIP_VOCAB_SIZE);
    expect(new Set(v).size).toBe(v.length);
    expect([v[0], v[1], v[99], v[100], v[101], v[102], v[103]]).toEqual(['[PAD]', '[unused1]', '[unused99]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    const hanzi = v.filter((t) => [...t].length === 1 && isCjkCodePoint(t.codePointAt(0)!));
    expect(hanzi.length).toBeGreaterThan(8500); // 6763 from GB2312, the rest traditional forms from Big5
    for (const t of ['海', '边', '邊', '臺', '台', '猫', '貓', '2023', 'sunset', '「', '」', '##in', 'z']) expect(v, t).toContain(t);
    expect(v.filter((t) => t.startsWith('##')).length).toBeGreaterThan(1000);
    expect(chineseClipVocab()).toEqual(v);
  });
});

describe('catalog stand-ins', () => {
  it('live in the catalog folders of the models they stand in for, generated once per generator version', async () => {
    for (const kind of SYNTHETIC_KINDS) {
      const { id, dir } = await ensureCatalogTestModel(kind, CATALOG_TEST_MODELS_DIR);
      expect(id).toBe(SYNTHETIC_CATALOG_IDS[kind]);
      const r = await resolveModel(id, CATALOG_TEST_MODELS_DIR);
      expect(r).toMatchObject({ ready: true, source: dir });
      const manifest = JSON.parse(await readFile(join(dir, 'soutu-model.json'), 'utf8'));
      expect(manifest.host).toBe(`synthetic:${kind}:v${SYNTHETIC_GENERATOR_VERSION}`);
      for (const p of ['fp32', 'fp16', 'q8'] as const) {
        for (const tower of ['text', 'vision'] as const) expect(manifest.files[r.catalog!.weights[p][tower].path], `${kind} ${p} ${tower}`).toBeDefined();
      }
      // A second call reuses the folder instead of generating again.
      await ensureCatalogTestModel(kind, CATALOG_TEST_MODELS_DIR);
      const again = JSON.parse(await readFile(join(dir, 'soutu-model.json'), 'utf8'));
      expect(again.completedAt).toBe(manifest.completedAt);
    }
  }, 600_000);
});
