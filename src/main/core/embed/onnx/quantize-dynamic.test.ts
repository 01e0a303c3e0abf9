// Dynamic int8 quantization against onnxruntime's quant_utils arithmetic, and the graph patterns it emits.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, makeModel } from './graph-builder.js';
import { DataType, encodeModel, type ModelProto } from './onnx-proto.js';
import { quantizeDynamic, quantizeWeight, roundHalfEven } from './quantize-dynamic.js';

describe('quantizeWeight', () => {
  it('rounds half to even, as numpy does', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3]);
  });

  it('int8: symmetric, zero point 0, scale = max|w| / 127, ties to even', () => {
    // max |w| = 127 · 2⁻⁷, so the scale is exactly 2⁻⁷ and 64.5, 0.5 and 1.5 steps are exact ties.
    const w = Float32Array.of(-127 / 128, 64.5 / 128, 0.5 / 128, 1.5 / 128, 0);
    const q = quantizeWeight(w, 'int8');
    expect(q.scale).toBe(1 / 128);
    expect(q.zeroPoint).toBe(0);
    expect(Array.from(q.values)).toEqual([-127, 64, 0, 2, 0]);
    expect(q.values).toBeInstanceOf(Int8Array);
  });

  it('uint8: asymmetric over [min(w, 0), max(w, 0)], zero point round(−min / scale)', () => {
    const w = Float32Array.of(-0.5, 2, 1, 0);
    const q = quantizeWeight(w, 'uint8');
    const scale64 = Math.fround(2.5) / 255;
    expect(q.scale).toBe(Math.fround(scale64));
    expect(q.zeroPoint).toBe(roundHalfEven(0.5 / scale64)); // 51
    expect(q.values[0]).toBe(0);
    expect(q.values[1]).toBe(255);
    expect(q.values[3]).toBe(q.zeroPoint);
    // Dequantized values are within half a step of the originals.
    w.forEach((x, i) => expect(Math.abs((q.values[i] - q.zeroPoint) * q.scale - x)).toBeLessThanOrEqual(q.scale / 2 + 1e-7));
  });

  it('a constant tensor gets scale 1', () => {
    expect(quantizeWeight(new Float32Array(5), 'int8')).toMatchObject({ scale: 1, zeroPoint: 0 });
  });
});

/** x [2, 8] → two MatMuls on x (one shared DynamicQuantizeLinear), an activation×activation MatMul, a Gather table. */
function sample(withConv: boolean): ModelProto {
  const b = new GraphBuilder('sample');
  const x = b.input('x', 'float', ['batch', 8]);
  const ids = b.input('ids', 'int64', ['batch']);
  const w = (name: string, n: number, m: number) => b.init(name, Float32Array.from({ length: n * m }, (_, i) => Math.sin(i * 0.7 + n) / 4), [n, m]);
  const a = b.op('MatMul', [x, w('wa', 8, 8)], {}, { name: 'mm_a' });
  const c = b.op('MatMul', [x, w('wb', 8, 8)], {}, { name: 'mm_b' });
  const aa = b.op('MatMul', [a, b.op('Transpose', [c], { perm: [1, 0] })]); // both inputs activations: stays float
  const row = b.op('Gather', [w('table', 10, 8), ids], { axis: 0 });
  let y = b.op('Add', [b.op('MatMul', [aa, c]), row]);
  if (withConv) {
    const img = b.op('Reshape', [y, b.constI64([-1, 1, 2, 4])]);
    const conv = b.op('Conv', [img, b.init('k', Float32Array.of(0.5, -0.25, 0.75, 1), [2, 1, 1, 2]), b.init('kb', Float32Array.of(0.1, -0.2), [2])], { kernel_shape: [1, 2], strides: [1, 2] });
    y = b.op('Reshape', [conv, b.constI64([-1, 8])]);
  }
  b.op('Identity', [y], {}, { outputs: ['y'] });
  b.output('y', 'float', ['batch', 8]);
  return makeModel(b.build());
}

async function run(model: ModelProto): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
  try {
    const r = await s.run({
      x: new ort.Tensor('float32', Float32Array.from({ length: 16 }, (_, i) => Math.cos(i) * 2), [2, 8]),
      ids: new ort.Tensor('int64', BigInt64Array.of(3n, 7n), [2]),
    });
    return r.y.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('quantizeDynamic', () => {
  it('emits DynamicQuantizeLinear → MatMulInteger → Cast → Mul, shares the activation quantizer, keeps A×B float', async () => {
    const m = sample(false);
    const q = quantizeDynamic(m);
    const ops = q.graph!.node!.map((n) => n.op_type);
    expect(ops.filter((o) => o === 'DynamicQuantizeLinear')).toHaveLength(1); // x, shared by mm_a and mm_b
    expect(ops.filter((o) => o === 'MatMulInteger')).toHaveLength(2);
    expect(ops.filter((o) => o === 'MatMul')).toHaveLength(2); // a·cᵀ and (a·cᵀ)·c
    expect(ops).toContain('DequantizeLinear'); // the gathered table rows
    const mmi = q.graph!.node!.find((n) => n.name === 'mm_a_quant')!;
    expect(mmi.input).toEqual(['x_quantized', 'wa_quantized', 'x_zero_point', 'wa_zero_point']);
    const byName = new Map(q.graph!.initializer!.map((t) => [t.name, t]));
    expect(byName.get('wa_quantized')!.data_type).toBe(DataType.INT8); // no Conv: int8 weights
    expect(byName.get('table_quantized')!.data_type).toBe(DataType.INT8);
    expect(byName.has('wa')).toBe(false); // float originals dropped
    const [a, b] = [await run(m), await run(q)];
    const scale = Math.max(...a.map(Math.abs));
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(0.03 * scale));
  });

  it('uses uint8 weights when the model has a Conv (ConvInteger), with the Conv bias added after scaling', async () => {
    const m = sample(true);
    const q = quantizeDynamic(m);
    const ops = q.graph!.node!.map((n) => n.op_type);
    expect(ops).toContain('ConvInteger');
    expect(ops).not.toContain('Conv');
    const byName = new Map(q.graph!.initializer!.map((t) => [t.name, t]));
    expect(byName.get('wa_quantized')!.data_type).toBe(DataType.UINT8);
    expect(byName.get('k_quantized')!.data_type).toBe(DataType.UINT8);
    const [a, b] = [await run(m), await run(q)];
    const scale = Math.max(...a.map(Math.abs));
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(0.03 * scale));
  });
});
