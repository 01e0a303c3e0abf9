// fp16 narrowing (as the hub's _fp16 files) and widening back to fp32, on small graphs run by ONNX Runtime.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  clampToFloat16Bits,
  convertFloatToFloat16,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  tensorFloats,
  widenFloat16ToFloat32,
} from './float16-convert.js';
import { GraphBuilder, makeModel } from './graph-builder.js';
import { DataType, encodeModel, int64ToNumber, type ModelProto } from './onnx-proto.js';
import { inferElemTypes } from './value-types.js';

/**
 * Float input x [2, 4] and int64 mask [2, 4]: x·W + b, a Max with a weight that an unblocked Mul uses too (one
 * initializer needed in both types), a Cast chain from the int64 mask, and an output (y) that another output reads.
 */
function sampleModel(): ModelProto {
  const b = new GraphBuilder('sample');
  const x = b.input('x', 'float', ['batch', 4]);
  const mask = b.input('mask', 'int64', ['batch', 4]);
  const w = b.init('w', Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + 1) / 3), [4, 4]);
  const shared = b.init('shared', Float32Array.of(0.125, -0.5, 0.75, 2), [4]); // exact in fp16: both copies agree
  const big = b.init('big', Float32Array.of(1, 3e-8, -2e4, 0.3), [4]); // clamped and rounded in fp16
  const h = b.op('Add', [b.op('MatMul', [x, w]), b.constF([0.1, 0.2, 0.3, 0.4])]);
  const maxed = b.op('Max', [h, shared]); // blocked: runs in fp32 between Casts
  const scaled = b.op('Mul', [b.op('Mul', [maxed, shared]), big]); // unblocked: needs `shared` in fp16
  const m = b.op('Cast', [mask], { to: DataType.FLOAT }); // blocked (a Cast): int64 → fp32, then → fp16
  b.op('Mul', [scaled, m], {}, { outputs: ['y'] });
  b.op('ReduceSum', ['y', b.constI64([1])], { keepdims: 0 }, { outputs: ['total'] });
  b.output('y', 'float', ['batch', 4]);
  b.output('total', 'float', ['batch']);
  return makeModel(b.build());
}

const feeds = () => ({
  x: new ort.Tensor('float32', Float32Array.from({ length: 8 }, (_, i) => (i - 3.5) / 2), [2, 4]),
  mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 0n, 1n, 1n, 0n, 1n, 1n]), [2, 4]),
});

async function run(model: ModelProto): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
  try {
    const r = await s.run(feeds());
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

/** `m` with every float weight clamped and rounded as the fp16 file stores it (the graph stays fp32). */
function roundedWeights(m: ModelProto): ModelProto {
  return {
    ...m,
    graph: {
      ...m.graph!,
      initializer: m.graph!.initializer!.map((t) => {
        if (t.data_type !== DataType.FLOAT) return t;
        const v = Float32Array.from(tensorFloats(t), (x) => float16BitsToFloat32(clampToFloat16Bits(x)));
        return { name: t.name, dims: t.dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(v.buffer) };
      }),
    },
  };
}

const castTo = (m: ModelProto) => (m.graph!.node ?? []).filter((n) => n.op_type === 'Cast').map((n) => `${n.input![0]}→${n.output![0]}:${int64ToNumber(n.attribute![0].i)}`);

describe('fp16 bits', () => {
  it('round to nearest even like Math.f16round, subnormals, overflow and NaN included', () => {
    const edge = [0, -0, 1, -1, 65504, 65519.99, 65520, 1e9, -1e9, 2 ** -24, 2 ** -25, 2 ** -25 * 1.0001, 1e-10, 6.097555160522461e-5, 1 + 2 ** -11, 1 + 3 * 2 ** -11, Infinity, -Infinity, NaN];
    const f16 = (Math as unknown as { f16round?: (x: number) => number }).f16round;
    const random = Array.from({ length: 20_000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 16) - 10));
    for (const x of [...edge, ...random]) {
      const got = float16BitsToFloat32(float32ToFloat16Bits(x));
      if (f16) expect(Object.is(got, f16(Math.fround(x))) || (Number.isNaN(got) && Number.isNaN(x)), String(x)).toBe(true);
    }
    expect(float16BitsToFloat32(float32ToFloat16Bits(1 + 2 ** -11))).toBe(1); // tie → even
    expect(float16BitsToFloat32(float32ToFloat16Bits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(float16BitsToFloat32(float32ToFloat16Bits(1e9))).toBe(Infinity);
  });

  it('clamp into [1e-7, 1e4] by magnitude first, as float16.py does', () => {
    const v = (x: number) => float16BitsToFloat32(clampToFloat16Bits(x));
    expect(v(3e-8)).toBe(float16BitsToFloat32(float32ToFloat16Bits(1e-7)));
    expect(v(-3e-8)).toBe(-v(3e-8));
    expect(v(2e4)).toBe(10000);
    expect(v(-1e38)).toBe(-10000);
    expect(v(0)).toBe(0);
    expect(v(Infinity)).toBe(Infinity);
  });
});

describe('convertFloatToFloat16 (keep_io_types)', () => {
  it('keeps float32 at the edges, fp32 around blocked operators, and runs close to fp32', async () => {
    const m = sampleModel();
    const h = convertFloatToFloat16(m);
    const g = h.graph!;
    expect(g.input!.map((i) => i.type!.tensor_type!.elem_type)).toEqual([DataType.FLOAT, DataType.INT64]);
    expect(g.output!.map((o) => o.type!.tensor_type!.elem_type)).toEqual([DataType.FLOAT, DataType.FLOAT]);
    const casts = castTo(h);
    expect(casts).toContain('x→x_fp16:10'); // graph input
    expect(casts).toContain('y_fp16→y:1'); // graph output; `total` reads y_fp16
    expect(g.node!.find((n) => n.op_type === 'ReduceSum')!.input![0]).toBe('y_fp16');
    // The Cast chain: the model's own Cast stays int64 → fp32, and one more Cast makes it fp16.
    const own = g.node!.find((n) => n.op_type === 'Cast' && n.input![0] === 'mask')!;
    expect(int64ToNumber(own.attribute![0].i)).toBe(DataType.FLOAT);
    expect(casts.filter((c) => c.startsWith(`${own.output![0]}→`))).toEqual([`${own.output![0]}→${own.output![0]}_fp16:10`]);
    // `shared` is needed in both types: fp16 for the Mul, an fp32 copy for the blocked Max.
    const inits = new Map(g.initializer!.map((t) => [t.name, t.data_type]));
    expect(inits.get('shared')).toBe(DataType.FLOAT16);
    expect(inits.get('shared_fp32')).toBe(DataType.FLOAT);
    expect(inits.get('w')).toBe(DataType.FLOAT16);
    const types = inferElemTypes(g); // consistent types everywhere (throws otherwise when run below)
    const max = g.node!.find((n) => n.op_type === 'Max')!;
    expect(max.input!.map((i) => types.get(i))).toEqual([DataType.FLOAT, DataType.FLOAT]);

    // Against the same weights in fp32, only fp16 activations differ (the -2e4 weight is -1e4 in both).
    const [a, b] = [await run(roundedWeights(m)), await run(h)];
    for (const k of ['y', 'total']) a[k].forEach((v, i) => expect(Math.abs(v - b[k][i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(v))));
  });

  it('leaves the input model untouched', () => {
    const m = sampleModel();
    const before = encodeModel(m);
    convertFloatToFloat16(m);
    expect(Buffer.from(encodeModel(m)).equals(Buffer.from(before))).toBe(true);
  });
});

describe('widenFloat16ToFloat32', () => {
  it('gives back the fp32 graph with fp16-rounded weights: same nodes, bitwise equal outputs', async () => {
    const m = sampleModel();
    const w = widenFloat16ToFloat32(convertFloatToFloat16(m));
    expect(w.graph!.node!.map((n) => n.op_type)).toEqual(m.graph!.node!.map((n) => n.op_type));
    expect(w.graph!.output!.map((o) => o.name)).toEqual(['y', 'total']);
    expect(castTo(w)).toEqual(castTo(m));
    for (const t of w.graph!.initializer!) expect(t.data_type === DataType.FLOAT16).toBe(false);
    const rounded = roundedWeights(m);
    const [a, b] = [await run(rounded), await run(w)];
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
    expect(Array.from(b.total)).toEqual(Array.from(a.total));
  });
});

describe('widenFloat16ToFloat32 on operators it does not know', () => {
  it('keeps the Casts after them and still widens the rest (here com.microsoft BiasGelu)', async () => {
    const b = new GraphBuilder('unknown');
    const x = b.input('x', 'float16', ['n', 4]);
    const bias = b.init('bias', new Float32Array(4), [4]);
    const y = b.op('BiasGelu', [x, bias], {}, { domain: 'com.microsoft' });
    b.op('Cast', [y], { to: DataType.FLOAT }, { outputs: ['out'] });
    b.output('out', 'float', ['n', 4]);
    const graph = b.build();
    // Make the bias an fp16 tensor, as in an fp16 file.
    graph.initializer = graph.initializer!.map((t) => ({ ...t, data_type: DataType.FLOAT16, raw_data: new Uint8Array(8) }));
    const fp16 = makeModel(graph, { extraOpsets: [{ domain: 'com.microsoft', version: 1 }] });
    expect(() => inferElemTypes(fp16.graph!)).toThrow(/BiasGelu/);
    const w = widenFloat16ToFloat32(fp16);
    expect(w.graph!.input![0].type!.tensor_type!.elem_type).toBe(DataType.FLOAT);
    expect(w.graph!.initializer![0].data_type).toBe(DataType.FLOAT);
    expect(castTo(w)).toEqual([`${y}→out:1`]);
    const s = await ort.InferenceSession.create(encodeModel(w), { logSeverityLevel: 3 });
    const r = await s.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 0, 1, 2), [1, 4]) });
    expect((r.out.data as Float32Array)[3]).toBeCloseTo(1.9545, 3); // gelu(2)
    await s.release();
  });
});
