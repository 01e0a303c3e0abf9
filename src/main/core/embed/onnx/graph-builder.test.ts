import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, float, floats, makeAttribute, makeModel } from './graph-builder.js';
import { AttributeType, DataType, encodeModel, valueInfoShape } from './onnx-proto.js';

describe('GraphBuilder', () => {
  it('builds a model that onnxruntime runs, with a symbolic batch dim', async () => {
    const b = new GraphBuilder('affine');
    const x = b.input('x', 'float', ['batch', 3]);
    const w = b.init('w', Float32Array.of(1, 0, 0, 1, 1, 1), [3, 2]);
    const y = b.op('Add', [b.op('MatMul', [x, w]), b.constF([0.5, -0.5])]);
    const scaled = b.op('Mul', [y, b.constF([2], [])]);
    b.op('LayerNormalization', [scaled, b.constF([1, 1]), b.constF([0, 0])], { axis: -1, epsilon: float(1e-5) }, {
      outputs: ['normed'],
    });
    b.op('Identity', [scaled], {}, { outputs: ['out'] });
    const idx = b.input('idx', 'int64', ['n']);
    b.op('Gather', [b.init('table', Int8Array.of(-3, 7, 11), [3]), idx], {}, { outputs: ['picked'] });
    b.output('out', 'float', ['batch', 2]);
    b.output('normed', 'float', ['batch', 2]);
    b.output('picked', 'int8', ['n']);
    const model = makeModel(b.build());
    expect(valueInfoShape(model.graph!.input![0])).toEqual(['batch', 3]);

    const session = await ort.InferenceSession.create(encodeModel(model));
    const res = await session.run({
      x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 0, 0, 0), [2, 3]),
      idx: new ort.Tensor('int64', BigInt64Array.of(2n, 0n), [2]),
    });
    // [1,2,3]·W = [4,5] → +[.5,-.5] → ×2 = [9, 9]; zeros → [1, -1]
    expect(Array.from(res.out.data as Float32Array)).toEqual([9, 9, 1, -1]);
    expect(res.out.dims).toEqual([2, 2]);
    expect(Array.from(res.picked.data as Int8Array)).toEqual([11, -3]);
    await session.release();
  });

  it('makes integer attributes from plain numbers and demands float() for floats', () => {
    expect(makeAttribute('axis', -1)).toMatchObject({ type: AttributeType.INT, i: -1 });
    expect(makeAttribute('perm', [0, 2, 1])).toMatchObject({ type: AttributeType.INTS, ints: [0, 2, 1] });
    expect(makeAttribute('alpha', float(1))).toMatchObject({ type: AttributeType.FLOAT, f: 1 });
    expect(makeAttribute('scales', floats([1, 2.5]))).toMatchObject({ type: AttributeType.FLOATS, floats: [1, 2.5] });
    expect(makeAttribute('mode', 'nearest').type).toBe(AttributeType.STRING);
    expect(() => makeAttribute('epsilon', 1e-5)).toThrow(/float/);
    const sub = new GraphBuilder('sub').build();
    expect(makeAttribute('then_branch', sub).type).toBe(AttributeType.GRAPH);
  });

  it('refuses duplicate value names and keeps initializer bytes as views', () => {
    const b = new GraphBuilder();
    const data = Float32Array.of(1, 2);
    b.init('a', data, [2]);
    expect(() => b.input('a', 'float', [2])).toThrow(/duplicate/);
    const t = b.initializers[0];
    expect(t.data_type).toBe(DataType.FLOAT);
    expect(t.raw_data!.buffer).toBe(data.buffer);
    expect(() => b.init('c', data, [3])).toThrow(/2 values/);
  });
});
