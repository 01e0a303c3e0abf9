// The synthetic Chinese-CLIP through the catalog path the real download takes: its layout and conversions, the
// combined-graph split on every precision, exact widening, the precision plans in the embedder, and the tokenizer.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { CATALOG_TEST_MODELS_DIR, CHINESE_CLIP_VOCAB_SIZE, ensureCatalogTestModel, linkCatalogTestModel } from '../testing/test-models.js';
import { precisionPlan, type CatalogModel } from './model-catalog.js';
import { resolveModel } from './model-store.js';
import { clampToFloat16Bits, float16BitsToFloat32, tensorFloats, widenFloat16ToFloat32 } from './onnx/float16-convert.js';
import { DataType, decodeModel, encodeModel, int64ToNumber, type ModelProto } from './onnx/onnx-proto.js';
import { splitTowers } from './onnx/split-combined.js';
import { TransformersClipEmbedder } from './transformers-clip-embedder.js';

let dir: string;
let id: string;
let catalog: CatalogModel;

beforeAll(async () => {
  ({ id } = await ensureCatalogTestModel('synthetic-chinese-clip', CATALOG_TEST_MODELS_DIR));
  const r = await resolveModel(id, CATALOG_TEST_MODELS_DIR);
  expect(r.ready).toBe(true);
  dir = r.source;
  catalog = r.catalog!;
}, 600_000);

const SESSION = { intraOpNumThreads: 2, graphOptimizationLevel: 'all', logSeverityLevel: 3 } as const;
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const cos = (a: Float32Array, b: Float32Array) => {
  let s = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return s / Math.sqrt(na * nb);
};

/** Two texts (the second padded) and two images, as ONNX Runtime tensors. */
function feeds() {
  const ids = [101n, 1541n, 755n, 225n, 102n, 101n, 492n, 102n, 0n, 0n];
  const t = (v: bigint[]) => new ort.Tensor('int64', BigInt64Array.from(v), [2, 5]);
  return {
    text: { input_ids: t(ids), attention_mask: t(ids.map((x, i) => (i < 8 ? 1n : 0n))), token_type_ids: t(ids.map(() => 0n)) },
    image: { pixel_values: new ort.Tensor('float32', Float32Array.from({ length: 2 * 3 * 224 * 224 }, (_, i) => Math.sin(i / 777) * 1.5), [2, 3, 224, 224]) },
  };
}

async function runOnce(model: ModelProto | Uint8Array, inputs: Record<string, ort.Tensor>): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(model instanceof Uint8Array ? model : encodeModel(model), SESSION);
  try {
    const out = await s.run(inputs);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

const onnx = (f: string) => path.join(dir, 'onnx', f);

describe('synthetic Chinese-CLIP in the catalog layout', () => {
  it('resolves by its catalog id with the hub\'s file names, and sizes within 1.5% of the hub\'s', async () => {
    for (const p of ['fp32', 'fp16', 'q8'] as const) {
      const f = catalog.weights[p].vision;
      const size = (await stat(path.join(dir, f.path))).size;
      expect(Math.abs(size / f.bytes - 1), f.path).toBeLessThan(0.015);
    }
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'chinese_clip', projection_dim: 512 });
    expect(config.text_config).toMatchObject({ vocab_size: 21128, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, max_position_embeddings: 512 });
    expect(config.vision_config).toMatchObject({ patch_size: 16, image_size: 224, hidden_size: 768, num_hidden_layers: 12 });
    const tok = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8'));
    expect(Object.keys(tok.model.vocab)).toHaveLength(CHINESE_CLIP_VOCAB_SIZE);
    expect(tok.model.vocab).toMatchObject({ '[PAD]': 0, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, '[MASK]': 103 });
    expect(tok.normalizer).toMatchObject({ type: 'BertNormalizer', handle_chinese_chars: true, lowercase: true });
  });

  it('has the export\'s inputs and outputs, BERT-base + ViT-B/16 (197 tokens), and the hub\'s fp16 and q8 patterns', async () => {
    const q8 = decodeModel(await readFile(onnx('model_quantized.onnx')));
    const g = q8.graph!;
    expect(g.input!.map((i) => i.name)).toEqual(['input_ids', 'pixel_values', 'attention_mask', 'token_type_ids']);
    expect(g.output!.map((o) => o.name)).toEqual(['logits_per_image', 'logits_per_text', 'text_embeds', 'image_embeds']);
    const count = (m: ModelProto, op: string) => m.graph!.node!.filter((n) => n.op_type === op).length;
    expect(count(q8, 'DynamicQuantizeLinear')).toBeGreaterThan(90);
    expect(count(q8, 'MatMulInteger')).toBe(12 * 6 * 2 + 2); // q, k, v, out, fc1, fc2 per layer, both towers; 2 projections
    expect(count(q8, 'ConvInteger')).toBe(1);
    expect(count(q8, 'MatMul')).toBe(12 * 2 * 2 + 1); // attention's activation products, and the logits
    const inits = new Map(g.initializer!.map((t) => [t.name, t]));
    // Conv present → uint8 weights everywhere (transformers.js quantize.py), embedding tables dequantized after Gather.
    expect(inits.get('text_model.embeddings.word_embeddings.weight_quantized')!.data_type).toBe(DataType.UINT8);
    expect(inits.get('vision_model.embeddings.position_embedding.weight')!.dims!.map(int64ToNumber)).toEqual([197, 768]);
    expect(count(q8, 'LayerNormalization')).toBe(1 + 12 * 2 + 2 + 12 * 2);

    const fp16 = decodeModel(await readFile(onnx('model_fp16.onnx')));
    const casts = fp16.graph!.node!.filter((n) => n.op_type === 'Cast');
    const to = (n: (typeof casts)[number]) => int64ToNumber(n.attribute![0].i);
    expect(casts.find((n) => n.input![0] === 'pixel_values' && to(n) === DataType.FLOAT16)).toBeDefined();
    for (const out of ['text_embeds', 'image_embeds', 'logits_per_text', 'logits_per_image']) {
      expect(casts.find((n) => n.output![0] === out && to(n) === DataType.FLOAT), out).toBeDefined();
    }
    // The attention mask's Cast chain: int64 → fp32 (the model's own Cast, blocked) → fp16.
    const own = casts.find((n) => to(n) === DataType.FLOAT && fp16.graph!.node!.some((m) => m.output![0] === n.input![0] && m.op_type === 'Unsqueeze'))!;
    expect(casts.some((n) => n.input![0] === own.output![0] && to(n) === DataType.FLOAT16)).toBe(true);
  });

  it('split towers give the combined graph\'s outputs on fp32, fp16 and q8, to 1e-5', async () => {
    const f = feeds();
    const report: string[] = [];
    for (const file of ['model.onnx', 'model_fp16.onnx', 'model_quantized.onnx']) {
      const bytes = await readFile(onnx(file));
      const full = await runOnce(bytes, { ...f.text, ...f.image });
      const { text, vision } = splitTowers(decodeModel(bytes));
      const t = await runOnce(text, f.text);
      const v = await runOnce(vision, f.image);
      const dt = maxDiff(t.text_embeds, full.text_embeds);
      const dv = maxDiff(v.image_embeds, full.image_embeds);
      report.push(`${file}: text ${dt}, image ${dv}`);
      expect(dt, file).toBeLessThanOrEqual(1e-5);
      expect(dv, file).toBeLessThanOrEqual(1e-5);
      expect(Object.keys(t)).toEqual(['text_embeds']);
    }
    console.log(`split vs combined, max |Δ|: ${report.join('; ')}`);
  });

  it('widening is exact: widened fp16 = fp32 graph with fp16-rounded weights, bit for bit', async () => {
    const f = feeds();
    const fp32 = decodeModel(await readFile(onnx('model.onnx')));
    const rounded: ModelProto = {
      ...fp32,
      graph: {
        ...fp32.graph!,
        initializer: fp32.graph!.initializer!.map((t) => {
          if (t.data_type !== DataType.FLOAT) return t;
          const v = Float32Array.from(tensorFloats(t), (x) => float16BitsToFloat32(clampToFloat16Bits(x)));
          return { name: t.name, dims: t.dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(v.buffer) };
        }),
      },
    };
    const fp16 = decodeModel(await readFile(onnx('model_fp16.onnx')));
    const widened = widenFloat16ToFloat32(fp16);
    expect(widened.graph!.node!.length).toBe(fp32.graph!.node!.length);
    const [rw, ww, direct] = [rounded, widened, fp16].map((m) => splitTowers(m));
    const diffs: Record<string, number> = {};
    for (const tower of ['vision', 'text'] as const) {
      const inputs = tower === 'vision' ? f.image : f.text;
      const key = tower === 'vision' ? 'image_embeds' : 'text_embeds';
      const r = (await runOnce(rw[tower], inputs))[key];
      const w = (await runOnce(ww[tower], inputs))[key];
      const d = (await runOnce(direct[tower], inputs))[key];
      expect(maxDiff(w, r), tower).toBe(0);
      diffs[tower] = maxDiff(w, d);
      // ONNX Runtime's CPU provider runs an fp16 graph mostly in fp32 (it casts around nodes without fp16 kernels and
      // folds the weight casts), but keeps Reshape/Transpose/Gather and a few isolated nodes in fp16, so activations
      // are rounded to fp16 there. The widened graph never rounds them: it differs from fp16-direct by that rounding.
      expect(diffs[tower], tower).toBeLessThan(5e-4);
    }
    console.log(`widened vs fp16 run directly on the CPU, max |Δ| of normalised embeddings: vision ${diffs.vision}, text ${diffs.text}`);
  });
});

describe('embedder on the synthetic Chinese-CLIP, through the catalog id', () => {
  const opened: TransformersClipEmbedder[] = [];
  let cleanup: () => Promise<void>;
  let planDir: string;
  beforeAll(async () => {
    // A models folder holding what the CPU quality download fetches: model_fp16.onnx and model_quantized.onnx.
    const t = await tempDir('soutu-cc-plan-');
    cleanup = t.cleanup;
    const linked = await linkCatalogTestModel('synthetic-chinese-clip', t.dir, precisionPlan(catalog).files);
    const r = await resolveModel(linked.id, t.dir);
    expect(r.ready).toBe(true);
    planDir = r.source;
  }, 600_000);
  afterAll(async () => {
    for (const e of opened) await e.close();
    await cleanup?.();
  });
  const open = async (folder: string, o: { precision?: 'quality' | 'compact'; dtype?: 'fp32' }) => {
    const e = await TransformersClipEmbedder.open(folder, { modelId: id, device: 'cpu', threads: 2, ...o });
    opened.push(e);
    return e;
  };

  it('quality: q8 text split from the q8 file, fp32 vision widened from fp16; compact: q8 both, its own key', async () => {
    const quality = await open(planDir, { precision: 'quality' });
    const compact = await open(planDir, { precision: 'compact' });
    const full = await open(dir, { dtype: 'fp32' });
    expect(quality.contextLength).toBe(52);
    expect(quality.visionClass).toBe('full');
    expect(compact.visionClass).toBe('q8');
    expect(full.visionClass).toBe('full');
    expect(compact.modelKey).not.toBe(quality.modelKey);
    expect(full.modelKey).toBe(quality.modelKey); // fp32 and widened fp16 vectors share a table
    const texts = ['海边的日落', 'a dog on the beach', '2023年 北京 夜景'];
    const tq = await quality.embedTexts(texts);
    expect(quality.devices()).toEqual({ text: 'cpu', vision: null }); // a text query never loads the vision tower
    expect(quality.runtime().text).toMatchObject({ compute: 'q8', weights: 'q8', file: 'onnx/soutu_text_quantized.onnx' });
    const img = [(feeds().image.pixel_values.data as Float32Array).slice(0, 3 * 224 * 224)];
    const [vq] = await quality.embedImages(img);
    expect(quality.runtime().vision).toMatchObject({ compute: 'fp32', weights: 'fp16', file: 'onnx/soutu_vision_fp16_widened.onnx' });
    const [vc] = await compact.embedImages(img);
    expect(compact.runtime().vision).toMatchObject({ compute: 'q8', file: 'onnx/soutu_vision_quantized.onnx' });
    const tf = await full.embedTexts(texts);
    const [vf] = await full.embedImages(img);
    expect(full.runtime().vision!.file).toBe('onnx/soutu_vision.onnx');
    const textCos = tq.map((v, i) => cos(v, tf[i]));
    console.log(`q8 vs fp32 text cosine: ${textCos.map((c) => c.toFixed(6)).join(', ')}; vision q8 vs fp32 ${cos(vc, vf).toFixed(6)}, widened fp16 vs fp32 1 − ${(1 - cos(vq, vf)).toExponential(2)}`);
    for (const c of textCos) expect(c).toBeGreaterThan(0.99);
    expect(cos(vc, vf)).toBeGreaterThan(0.99);
    expect(cos(vq, vf)).toBeGreaterThan(0.99999);
  });

  it('padding does not change an fp32 text embedding; dynamic q8 quantizes a whole batch with one scale', async () => {
    const others = ['海边的日落和远处的帆船，天空是橙色的'];
    const full = await open(dir, { dtype: 'fp32' });
    const [alone] = await full.embedTexts(['日落']);
    const [, padded] = await full.embedTexts([...others, '日落']);
    expect(maxDiff(alone, padded)).toBeLessThan(1e-5);
    const q8 = await open(planDir, { precision: 'quality' });
    const [qa] = await q8.embedTexts(['日落']);
    const [, qp] = await q8.embedTexts([...others, '日落']);
    // DynamicQuantizeLinear takes one range over the whole tensor, pad rows included: batch-mates shift the result.
    console.log(`q8 text embedding of a query alone vs in a padded batch: max |Δ| ${maxDiff(qa, qp).toExponential(2)}, cosine ${cos(qa, qp).toFixed(6)}`);
    expect(cos(qa, qp)).toBeGreaterThan(0.999);
  });
});

// ---- tokenizer ----------------------------------------------------------------------------------------------

/** BERT's BasicTokenizer (clean text, Chinese characters split, lower case, accents stripped, punctuation split). */
function basicTokens(text: string): string[] {
  const cjk = (cp: number) =>
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
  let cleaned = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || (/[\p{Cc}\p{Cf}]/u.test(ch) && !/[\t\n\r]/.test(ch))) continue;
    cleaned += /\s/u.test(ch) ? ' ' : cjk(cp) ? ` ${ch} ` : ch;
  }
  const punct = (ch: string) => {
    const cp = ch.codePointAt(0)!;
    return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126) || /\p{P}/u.test(ch);
  };
  const out: string[] = [];
  for (const word of cleaned.split(' ').filter(Boolean)) {
    let cur = '';
    for (const ch of word.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '')) {
      if (punct(ch)) {
        if (cur) out.push(cur);
        out.push(ch);
        cur = '';
      } else cur += ch;
    }
    if (cur) out.push(cur);
  }
  return out;
}

/** Greedy longest-match-first WordPiece with ## continuations; a word with an unknown piece is [UNK]. */
function wordPiece(word: string, vocab: Record<string, number>): string[] {
  const chars = [...word];
  if (chars.length > 100) return ['[UNK]'];
  const out: string[] = [];
  for (let start = 0; start < chars.length; ) {
    let end = chars.length;
    let piece: string | null = null;
    while (start < end) {
      const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
      if (sub in vocab) {
        piece = sub;
        break;
      }
      end--;
    }
    if (!piece) return ['[UNK]'];
    out.push(piece);
    start = end;
  }
  return out;
}

describe('Chinese-CLIP tokenizer (transformers.js, from the model\'s tokenizer.json)', () => {
  let tokenizer: PreTrainedTokenizer;
  let vocab: Record<string, number>;
  let embedder: TransformersClipEmbedder;
  beforeAll(async () => {
    tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    vocab = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')).model.vocab;
    embedder = await TransformersClipEmbedder.open(dir, { modelId: id, device: 'cpu', threads: 2 });
  });
  afterAll(async () => embedder?.close());

  it('splits mixed Chinese, English, digits and punctuation as BERT\'s basic tokenizer does', async () => {
    const q = '「2023年 海边 sunset!」';
    const expected = ['「', '2023', '年', '海', '边', 'sunset', '!', '」'];
    expect(basicTokens(q)).toEqual(expected);
    expect(tokenizer.tokenize(q)).toEqual(expected);
    const { ids, mask } = await embedder.tokenize([q]);
    expect(ids[0]).toEqual([101, ...expected.map((t) => vocab[t]), 102]);
    expect(mask[0]).toEqual(ids[0].map(() => 1));
    const queries = [
      q,
      'SUNSET at the Beach，海边日落。',
      'Café Über 3.5mm 镜头',
      '小猫🐱在沙发上睡觉',
      '台灣 邊境 風景 vs 台湾边境风景',
      'iPhone15拍的照片(夜景)',
      'hello,world!!  tabs\tand\nnewlines',
      '全角ＡＢＣ１２３ and x' + 'y'.repeat(120),
    ];
    for (const text of queries) {
      const mine = basicTokens(text).flatMap((w) => wordPiece(w, vocab));
      expect(tokenizer.tokenize(text), text).toEqual(mine);
    }
  });

  it('truncates to the 52-token context and pads a batch to its longest text', async () => {
    const long = '海'.repeat(80);
    const { ids, mask } = await embedder.tokenize([long, '日落']);
    expect(ids[0]).toHaveLength(52);
    expect(ids[0][0]).toBe(101);
    expect(ids[0][51]).toBe(102);
    expect(ids[1]).toEqual([101, vocab['日'], vocab['落'], 102, ...Array(48).fill(0)]);
    expect(mask[1]).toEqual([1, 1, 1, 1, ...Array(48).fill(0)]);
    const single = await embedder.tokenize([long]);
    expect(single.ids[0]).toHaveLength(52);
  });

});
