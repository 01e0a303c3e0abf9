import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  Tensor,
  env,
} from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOY_DIM, makeTestModel } from '../../testing/test-models.js';
import { GraphBuilder, makeModel } from './graph-builder.js';
import { encodeModel, readModel, writeModel, type GraphProto } from './onnx-proto.js';
import { extractSubModel, outerScopeReferences, splitCombinedModel } from './split-combined.js';

env.allowRemoteModels = false;
env.allowLocalModels = true;

const names = (xs: { name?: string }[] | undefined): string[] => (xs ?? []).map((x) => x.name ?? '');
const LOAD = {
  local_files_only: true,
  dtype: 'fp32',
  device: 'cpu',
  session_options: { intraOpNumThreads: 1 },
} as const;

describe('splitCombinedModel on toy-color-combined (model_type chinese_clip)', () => {
  let dir: string;
  let onnxDir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'soutu-split-'));
    await makeTestModel('toy-color-combined', dir);
    onnxDir = join(dir, 'onnx');
    await splitCombinedModel(join(onnxDir, 'model.onnx'), {
      textPath: join(onnxDir, 'soutu_text.onnx'),
      visionPath: join(onnxDir, 'soutu_vision.onnx'),
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a text model without pixel inputs and a vision model with only pixel_values', async () => {
    const text = await readModel(join(onnxDir, 'soutu_text.onnx'));
    const vision = await readModel(join(onnxDir, 'soutu_vision.onnx'));
    expect(names(text.graph!.input)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(names(text.graph!.output)).toEqual(['text_embeds']);
    expect(names(vision.graph!.input)).toEqual(['pixel_values']);
    expect(names(vision.graph!.output)).toEqual(['image_embeds']);
    expect(names(text.graph!.initializer)).toContain('toy.token_embedding');
    expect(names(text.graph!.initializer)).not.toContain('toy.prototypes');
    expect(names(text.graph!.initializer)).not.toContain('logit_scale');
    expect(names(vision.graph!.initializer)).toContain('toy.prototypes');
    expect(names(vision.graph!.initializer)).not.toContain('toy.token_embedding');
    expect(text.opset_import).toEqual((await readModel(join(onnxDir, 'model.onnx'))).opset_import);
    expect((await readdir(onnxDir)).sort()).toEqual(['model.onnx', 'soutu_text.onnx', 'soutu_vision.onnx']);
  });

  it('loads through transformers.js as soutu_text/soutu_vision and matches the combined model', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(dir);
    const enc = tokenizer(['a red photo', '红色和蓝色的照片', 'nothing'], { padding: true, truncation: true });
    const textModel = await CLIPTextModelWithProjection.from_pretrained(dir, { ...LOAD, model_file_name: 'soutu_text' });
    const visionModel = await CLIPVisionModelWithProjection.from_pretrained(dir, {
      ...LOAD,
      model_file_name: 'soutu_vision',
    });
    const pixels = new Float32Array(2 * 3 * 224 * 224).map((_, i) => Math.sin(i / 5000) * 2);
    const pixelValues = new Tensor('float32', pixels, [2, 3, 224, 224]);
    const { text_embeds } = await textModel(enc);
    const { image_embeds } = await visionModel({ pixel_values: pixelValues });
    expect(text_embeds.dims).toEqual([3, TOY_DIM]);
    expect(image_embeds.dims).toEqual([2, TOY_DIM]);

    const combined = await ort.InferenceSession.create(join(onnxDir, 'model.onnx'));
    const full = await combined.run({
      input_ids: enc.input_ids.ort_tensor,
      attention_mask: enc.attention_mask.ort_tensor,
      token_type_ids: enc.token_type_ids!.ort_tensor,
      pixel_values: new ort.Tensor('float32', pixels, [2, 3, 224, 224]),
    });
    expect(Array.from(text_embeds.data as Float32Array)).toEqual(Array.from(full.text_embeds.data as Float32Array));
    expect(Array.from(image_embeds.data as Float32Array)).toEqual(Array.from(full.image_embeds.data as Float32Array));
    await Promise.all([textModel.dispose(), visionModel.dispose(), combined.release()]);
  });
});

/**
 * A two-tower graph whose text side runs through an If whose branches (one nested) read outer-scope values:
 * a node output, and initializers used nowhere else.
 */
function ifCombinedModel(): GraphProto {
  const b = new GraphBuilder('combined');
  const ids = b.input('input_ids', 'int64', ['batch', 'seq']);
  const px = b.input('pixel_values', 'float', ['batch', 3, 2, 2]);
  const idsF = b.op('Cast', [ids], { to: 1 }, { outputs: ['ids_f'] });
  b.init('scale_then', Float32Array.of(10), []);
  b.init('offset_else', Float32Array.of(-1), []);
  b.init('nested_bias', Float32Array.of(0.25), []);
  b.init('unused_weight', new Float32Array(1000), [1000]);
  const total = b.op('ReduceSum', [idsF], { keepdims: 0 });
  const cond = b.op('Greater', [total, b.init('zero', Float32Array.of(0), [])], {}, { outputs: ['cond'] });

  const inner = new GraphBuilder('inner_then', 'inner_');
  inner.op('Add', [idsF, 'nested_bias'], {}, { outputs: ['inner_out'] });
  inner.output('inner_out', 'float', null);
  const innerElse = new GraphBuilder('inner_else', 'inner_else_');
  innerElse.op('Identity', [idsF], {}, { outputs: ['inner_else_out'] });
  innerElse.output('inner_else_out', 'float', null);

  const thenB = new GraphBuilder('then', 'then_');
  const nested = thenB.op('If', [cond], { then_branch: inner.build(), else_branch: innerElse.build() });
  thenB.op('Mul', [nested, 'scale_then'], {}, { outputs: ['then_out'] });
  thenB.output('then_out', 'float', null);
  const elseB = new GraphBuilder('else', 'else_');
  elseB.op('Add', [idsF, 'offset_else'], {}, { outputs: ['else_out'] });
  elseB.output('else_out', 'float', null);

  const branch = b.op('If', [cond], { then_branch: thenB.build(), else_branch: elseB.build() });
  b.op('ReduceSum', [branch, b.constI64([1])], { keepdims: 0 }, { outputs: ['text_embeds'] });
  b.op('ReduceMean', [px], { axes: [2, 3], keepdims: 0 }, { outputs: ['image_embeds'] });
  b.output('text_embeds', 'float', ['batch']);
  b.output('image_embeds', 'float', ['batch', 3]);
  return b.build();
}

describe('splitCombinedModel on the fp16 and q8 toy-color-combined', () => {
  it('splits Cast chains and dynamic-quantization nodes with their towers; writes only the towers asked for', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'soutu-split-prec-'));
    try {
      await makeTestModel('toy-color-combined', dir, { precisions: ['fp16', 'q8'] });
      for (const sfx of ['_fp16', '_quantized']) {
        const combined = join(dir, 'onnx', `model${sfx}.onnx`);
        await splitCombinedModel(combined, { textPath: join(dir, 'onnx', `soutu_text${sfx}.onnx`) });
        const text = await readModel(join(dir, 'onnx', `soutu_text${sfx}.onnx`));
        expect(names(text.graph!.input)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
        expect(names(text.graph!.output)).toEqual(['text_embeds']);
        const ops = text.graph!.node!.map((n) => n.op_type);
        if (sfx === '_quantized') expect(ops).toContain('DequantizeLinear'); // the toy's embedding Gather, quantized
        else expect(ops.filter((o) => o === 'Cast').length).toBeGreaterThanOrEqual(2); // int64→fp32→fp16, fp16→fp32 out
        const ids = new ort.Tensor('int64', BigInt64Array.of(5n, 6n, 7n, 8n), [2, 2]);
        const feeds = { input_ids: ids, attention_mask: new ort.Tensor('int64', BigInt64Array.of(1n, 1n, 1n, 0n), [2, 2]), token_type_ids: new ort.Tensor('int64', new BigInt64Array(4), [2, 2]) };
        const full = await ort.InferenceSession.create(combined);
        const part = await ort.InferenceSession.create(join(dir, 'onnx', `soutu_text${sfx}.onnx`));
        const px = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.3), [1, 3, 224, 224]);
        const a = await full.run({ ...feeds, pixel_values: px });
        const b = await part.run(feeds);
        expect(Array.from(b.text_embeds.data as Float32Array)).toEqual(Array.from(a.text_embeds.data as Float32Array));
        await Promise.all([full.release(), part.release()]);
      }
      expect((await readdir(join(dir, 'onnx'))).sort()).toEqual(['model_fp16.onnx', 'model_quantized.onnx', 'soutu_text_fp16.onnx', 'soutu_text_quantized.onnx']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('extractSubModel', () => {
  it('counts outer-scope references of (nested) subgraphs as uses', async () => {
    const model = makeModel(ifCombinedModel());
    const ifNode = model.graph!.node!.find((n) => n.op_type === 'If')!;
    const thenRefs = outerScopeReferences(ifNode.attribute!.find((a) => a.name === 'then_branch')!.g!);
    expect([...thenRefs].sort()).toEqual(['cond', 'ids_f', 'nested_bias', 'scale_then']);

    const text = extractSubModel(model, ['text_embeds']);
    expect(names(text.graph!.input)).toEqual(['input_ids']);
    const kept = names(text.graph!.initializer);
    expect(kept).toEqual(expect.arrayContaining(['nested_bias', 'offset_else', 'scale_then', 'zero']));
    expect(kept).not.toContain('unused_weight');
    expect(kept).toHaveLength(5); // plus the ReduceSum axes constant
    const vision = extractSubModel(model, ['image_embeds']);
    expect(names(vision.graph!.input)).toEqual(['pixel_values']);
    expect(vision.graph!.initializer).toEqual([]);

    const ids = new ort.Tensor('int64', BigInt64Array.of(1n, 2n, 3n, 4n), [2, 2]);
    const full = await ort.InferenceSession.create(encodeModel(model));
    const part = await ort.InferenceSession.create(encodeModel(text));
    const px = new ort.Tensor('float32', new Float32Array(24).fill(1), [2, 3, 2, 2]);
    const a = await full.run({ input_ids: ids, pixel_values: px });
    const c = await part.run({ input_ids: ids });
    // then branch: (ids + 0.25) * 10, summed per row
    expect(Array.from(c.text_embeds.data as Float32Array)).toEqual([35, 75]);
    expect(Array.from(c.text_embeds.data as Float32Array)).toEqual(Array.from(a.text_embeds.data as Float32Array));
  });

  it('refuses a graph whose towers are entangled', async () => {
    const b = new GraphBuilder('entangled');
    const ids = b.input('input_ids', 'int64', ['batch', 'seq']);
    const px = b.input('pixel_values', 'float', ['batch', 3, 2, 2]);
    const sumIds = b.op('ReduceSum', [b.op('Cast', [ids], { to: 1 }), b.constI64([1])], { keepdims: 1 });
    b.op('Identity', [sumIds], {}, { outputs: ['text_embeds'] });
    const pooled = b.op('ReduceMean', [px], { axes: [2, 3], keepdims: 0 });
    b.op('Mul', [pooled, sumIds], {}, { outputs: ['image_embeds'] });
    b.output('text_embeds', 'float', ['batch', 1]);
    b.output('image_embeds', 'float', ['batch', 3]);
    const dir = await mkdtemp(join(tmpdir(), 'soutu-split-bad-'));
    try {
      await writeModel(join(dir, 'model.onnx'), makeModel(b.build()));
      await expect(
        splitCombinedModel(join(dir, 'model.onnx'), { textPath: join(dir, 't.onnx'), visionPath: join(dir, 'v.onnx') }),
      ).rejects.toThrow(/non-image inputs \(input_ids\)/);
      expect(await readdir(dir)).toEqual(['model.onnx']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
