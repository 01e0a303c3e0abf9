// Dynamic int8 quantization of an fp32 ONNX model, as the hub's `_quantized` files are made (transformers.js
// quantize.py → onnxruntime's ONNXQuantizer in IntegerOps mode, per-tensor, no reduced range, MatMulConstBOnly).
//
// MatMul with a constant B: DynamicQuantizeLinear on the activation (one per activation, shared by its consumers),
// MatMulInteger, Cast to float, Mul by the product of the two scales. Conv with constant weights: the same with
// ConvInteger. Gather on a constant table: the table is stored quantized and the gathered rows are dequantized.
// Weights are int8 symmetric (zero point 0, range ±127) or uint8 asymmetric; as quantize.py does, uint8 is chosen
// when the model has a Conv (onnxruntime-web has no int8-weight ConvInteger). Scales, zero points and rounding
// follow onnxruntime's quant_utils: float32 range, float64 scale, round half to even.
import { tensorFloats } from './float16-convert.js';
import { inferElemTypes } from './value-types.js';
import { AttributeType, DataType, type ModelProto, type NodeProto, type TensorProto } from './onnx-proto.js';

export type WeightType = 'int8' | 'uint8';

export interface QuantizeOptions {
  /** Default: uint8 when the model has a Conv, else int8 (transformers.js quantize.py's q8 rule). */
  weightType?: WeightType;
  /** Operators to quantize; default all three. */
  opTypes?: Iterable<'MatMul' | 'Conv' | 'Gather'>;
}

export interface QuantizedWeight {
  values: Int8Array | Uint8Array;
  /** A float32 value. */
  scale: number;
  zeroPoint: number;
}

const FLOAT32_TINY = 1.1754943508222875e-38;

/** numpy's round: to nearest, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Per-tensor quantization parameters and values, as onnxruntime's quantize_data computes them. */
export function quantizeWeight(w: Float32Array, type: WeightType): QuantizedWeight {
  let min = 0;
  let max = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i] < min) min = w[i];
    if (w[i] > max) max = w[i];
  }
  const symmetric = type === 'int8';
  const [qmin, qmax] = symmetric ? [-127, 127] : [0, 255];
  let rmin = min;
  let rmax = max;
  if (symmetric) {
    const absmax = Math.max(-rmin, rmax);
    rmin = -absmax;
    rmax = absmax;
  }
  // rmax - rmin is a float32 subtraction in numpy; the division by the integer range is float64.
  const scale64 = Math.fround(rmax - rmin) / (qmax - qmin);
  let scale: number;
  let zeroPoint: number;
  if (scale64 < FLOAT32_TINY) {
    scale = 1;
    zeroPoint = 0;
  } else {
    zeroPoint = symmetric ? roundHalfEven((qmin + qmax) / 2) : roundHalfEven(qmin - rmin / scale64);
    scale = Math.fround(scale64);
  }
  const [lo, hi] = type === 'int8' ? [-128, 127] : [0, 255];
  const values = type === 'int8' ? new Int8Array(w.length) : new Uint8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const q = roundHalfEven(Math.fround(w[i] / scale)) + zeroPoint;
    values[i] = q < lo ? lo : q > hi ? hi : q;
  }
  return { values, scale, zeroPoint };
}

function tensorOf(name: string, data: Int8Array | Uint8Array | Float32Array, dims: readonly unknown[]): TensorProto {
  const dataType = data instanceof Int8Array ? DataType.INT8 : data instanceof Uint8Array ? DataType.UINT8 : DataType.FLOAT;
  return { name, data_type: dataType, dims: [...(dims as number[])], raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** The quantized model; `model` itself is not modified (tensors it keeps are shared). */
export function quantizeDynamic(model: ModelProto, opts: QuantizeOptions = {}): ModelProto {
  const g = model.graph;
  if (!g) throw new Error('model has no graph');
  const nodes = g.node ?? [];
  const weightType: WeightType = opts.weightType ?? (nodes.some((n) => n.op_type === 'Conv') ? 'uint8' : 'int8');
  const ops = new Set<string>(opts.opTypes ?? ['MatMul', 'Conv', 'Gather']);
  const types = inferElemTypes(g);
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const floatInit = (name: string | undefined) => !!name && inits.get(name)?.data_type === DataType.FLOAT;
  const taken = new Set<string>([...types.keys(), ...nodes.map((n) => n.name ?? '')]);
  const unique = (base: string): string => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };

  const newInits: TensorProto[] = [];
  const quantizedWeights = new Map<string, [string, string, string]>();
  const weight = (name: string): [string, string, string] => {
    let q = quantizedWeights.get(name);
    if (q) return q;
    const t = inits.get(name)!;
    const { values, scale, zeroPoint } = quantizeWeight(tensorFloats(t), weightType);
    q = [unique(`${name}_quantized`), unique(`${name}_scale`), unique(`${name}_zero_point`)];
    newInits.push(
      tensorOf(q[0], values, t.dims ?? []),
      tensorOf(q[1], Float32Array.of(scale), []),
      tensorOf(q[2], weightType === 'int8' ? Int8Array.of(zeroPoint) : Uint8Array.of(zeroPoint), []),
    );
    quantizedWeights.set(name, q);
    return q;
  };
  const out: NodeProto[] = [];
  const dynamic = new Map<string, [string, string, string]>();
  const activation = (x: string): [string, string, string] => {
    let q = dynamic.get(x);
    if (!q) {
      q = [unique(`${x}_quantized`), unique(`${x}_scale`), unique(`${x}_zero_point`)];
      out.push({ op_type: 'DynamicQuantizeLinear', name: unique(`${x}_QuantizeLinear`), input: [x], output: [...q] });
      dynamic.set(x, q);
    }
    return q;
  };
  const cast = (input: string, output: string): NodeProto => ({
    op_type: 'Cast',
    name: unique(`${output}_node`),
    input: [input],
    output: [output],
    attribute: [{ name: 'to', type: AttributeType.INT, i: DataType.FLOAT }],
  });
  const mul = (a: string, b: string, output: string, name: string): NodeProto => ({ op_type: 'Mul', name: unique(name), input: [a, b], output: [output] });

  for (const n of nodes) {
    const op = n.op_type ?? '';
    const [a, b, c] = n.input ?? [];
    const y = n.output?.[0] ?? '';
    const base = n.name || y;
    if (ops.has('MatMul') && op === 'MatMul' && types.get(a) === DataType.FLOAT && floatInit(b)) {
      const [xq, xs, xz] = activation(a);
      const [wq, ws, wz] = weight(b);
      const acc = unique(`${y}_output_quantized`);
      const accF = unique(`${acc}_cast_output`);
      const scales = unique(`${base}_quant_scales_mul:0`);
      out.push(
        { op_type: 'MatMulInteger', name: unique(`${base}_quant`), input: [xq, wq, xz, wz], output: [acc] },
        cast(acc, accF),
        mul(xs, ws, scales, `${base}_quant_scales_mul`),
        mul(accF, scales, y, `${base}_quant_output_scale_mul`),
      );
    } else if (ops.has('Conv') && op === 'Conv' && types.get(a) === DataType.FLOAT && floatInit(b)) {
      const [xq, xs, xz] = activation(a);
      const [wq, ws, wz] = weight(b);
      const acc = unique(`${y}_output_quantized`);
      const accF = unique(`${acc}_cast_output`);
      const scales = unique(`${base}_quant_scales_mul:0`);
      out.push(
        { ...n, op_type: 'ConvInteger', name: unique(`${base}_quant`), input: [xq, wq, xz, wz], output: [acc] },
        cast(acc, accF),
        mul(xs, ws, scales, `${base}_quant_scales_mul`),
      );
      if (c) {
        // onnxruntime adds a bias as int32 before the Cast; adding it in float after scaling gives the same sum.
        const scaled = unique(`${y}_scaled`);
        const shape = unique(`${c}_conv_shape`);
        const reshaped = unique(`${c}_reshaped`);
        newInits.push({ name: shape, data_type: DataType.INT64, dims: [4], raw_data: new Uint8Array(BigInt64Array.of(1n, -1n, 1n, 1n).buffer) });
        out.push(
          mul(accF, scales, scaled, `${base}_quant_output_scale_mul`),
          { op_type: 'Reshape', name: unique(`${reshaped}_node`), input: [c, shape], output: [reshaped] },
          { op_type: 'Add', name: unique(`${base}_bias_add`), input: [scaled, reshaped], output: [y] },
        );
      } else {
        out.push(mul(accF, scales, y, `${base}_quant_output_scale_mul`));
      }
    } else if (ops.has('Gather') && op === 'Gather' && floatInit(a)) {
      const [tq, ts, tz] = weight(a);
      const gathered = unique(`${y}_quantized`);
      out.push({ ...n, input: [tq, ...(n.input ?? []).slice(1)], output: [gathered] });
      out.push({ op_type: 'DequantizeLinear', name: unique(`${y}_DequantizeLinear`), input: [gathered, ts, tz], output: [y] });
    } else {
      out.push(n);
    }
  }

  // Float weights that only quantized nodes read are gone from the graph now.
  const used = new Set<string>((g.output ?? []).map((o) => o.name ?? ''));
  for (const n of out) for (const i of n.input ?? []) used.add(i);
  const initializer = [...(g.initializer ?? []).filter((t) => used.has(t.name ?? '')), ...newInits];
  const graph = { ...g, node: out, initializer, input: (g.input ?? []).filter((i) => !inits.has(i.name ?? '') || used.has(i.name ?? '')) };
  const result: ModelProto = { graph };
  for (const k of ['ir_version', 'opset_import', 'producer_name', 'producer_version', 'domain', 'model_version', 'doc_string', 'metadata_props', 'functions'] as const) {
    if (Object.prototype.hasOwnProperty.call(model, k)) (result as Record<string, unknown>)[k] = model[k];
  }
  return result;
}
