// fp32 ⇄ fp16 conversion of whole ONNX models: narrowing as the hub's `_fp16` files are made (transformers.js'
// float16.py with keep_io_types, after onnxconverter-common), and widening such a file back to fp32 compute.
//
// Narrowing keeps float32 graph inputs/outputs behind Cast nodes, keeps the operators of the block list (ORT has
// no fp16 kernel for them, and Cast cannot change its own output type) in fp32 with Casts around them, and clamps
// weights into fp16's range first (|x| < 1e-7 → ±1e-7, |x| > 1e4 → ±1e4). Unlike float16.py it inserts one Cast
// per value and type rather than one per consumer, so it never makes the fp32→fp16→fp32 pairs that float16.py then
// has to remove. Widening turns every fp16 tensor and type back into fp32 (exactly: each fp16 value is an fp32 value)
// and drops the Casts that became fp32→fp32, which gives back the original graph with fp16-rounded weights: its
// outputs equal those of the fp32 graph with rounded weights bit for bit (chinese-clip.integration.test.ts).
// Why widen rather than run the fp16 file on the CPU: ONNX Runtime's CPU provider has few fp16 kernels, so it casts
// around the others and folds the weight casts at load; it computes mostly in fp32 already, but keeps
// Reshape/Transpose/Gather (type-generic) in fp16, rounding activations there (max |Δ| 5.5e-5 on the synthetic
// Chinese-CLIP's normalised embeddings against the widened graph), and it holds more memory than the fp32 file
// itself (both Chinese-CLIP towers: 1.40 GB against 1.15 GB, bench/tasks/models.ts).
import { inferElemTypes } from './value-types.js';
import {
  AttributeType,
  DataType,
  int64ToNumber,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-proto.js';

// ---- scalar conversions ---------------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The IEEE binary16 bit pattern nearest to `x` (round to nearest, ties to even; overflow → ±Inf; NaN kept). */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal in fp16 (or zero): shift the full significand, rounding on the dropped bits.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q);
  }
  const q = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the significand correctly bumps the exponent (up to Inf).
  return sign | (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1) ? q + 1 : q);
}

let halfTable: Float32Array | null = null;

/** All 65536 fp16 values as fp32, built once: widening is then a table lookup per weight. */
function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) t[h] = sign * m * 2 ** -24;
    else if (e === 0x1f) t[h] = m ? NaN : sign * Infinity;
    else t[h] = sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return (halfTable = t);
}

export function float16BitsToFloat32(h: number): number {
  return float16Table()[h & 0xffff];
}

export interface Float16Range {
  /** Non-zero magnitudes below this become ±this (default 1e-7, as float16.py). */
  minPositive?: number;
  /** Finite magnitudes above this become ±this (default 1e4, as float16.py). */
  maxFinite?: number;
}

/**
 * `x` as float16.py stores it: clamped into [minPositive, maxFinite] by magnitude (zero, ±Inf and NaN unchanged),
 * then rounded to fp16. Returns the fp16 bits.
 */
export function clampToFloat16Bits(x: number, range: Float16Range = {}): number {
  // numpy compares the float32 array with the bounds as float32 (the Python floats are weak scalars).
  const lo = Math.fround(range.minPositive ?? 1e-7);
  const hi = Math.fround(range.maxFinite ?? 1e4);
  let v = x;
  if (v > 0 && v < lo) v = lo;
  else if (v < 0 && v > -lo) v = -lo;
  else if (v > hi && v < Infinity) v = hi;
  else if (v < -hi && v > -Infinity) v = -hi;
  return float32ToFloat16Bits(v);
}

// ---- tensors --------------------------------------------------------------------------------------------------

function elementCount(t: TensorProto): number {
  return (t.dims ?? []).reduce<number>((a, d) => a * int64ToNumber(d), 1);
}

/** A tensor's float32 values (a copy when raw_data is not 4-byte aligned in its buffer). */
export function tensorFloats(t: TensorProto): Float32Array {
  if (t.data_type !== DataType.FLOAT) throw new Error(`tensor ${t.name} is not float32`);
  const raw = t.raw_data;
  if (raw && raw.byteLength > 0) {
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    return new Float32Array(new Uint8Array(raw).buffer); // a copy (Buffer.slice would be a view)
  }
  return Float32Array.from(t.float_data ?? []);
}

/** A tensor's fp16 bit patterns. ONNX keeps fp16 values in raw_data, or one per int32_data entry. */
export function tensorHalfBits(t: TensorProto): Uint16Array {
  if (t.data_type !== DataType.FLOAT16) throw new Error(`tensor ${t.name} is not float16`);
  const raw = t.raw_data;
  if (raw && raw.byteLength > 0) {
    if (raw.byteOffset % 2 === 0) return new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
    return new Uint16Array(new Uint8Array(raw).buffer);
  }
  const n = elementCount(t);
  const data = t.int32_data ?? [];
  if (data.length !== n) throw new Error(`tensor ${t.name}: ${data.length} values for ${n} elements`);
  return Uint16Array.from(data, (v) => v & 0xffff);
}

function withData(t: TensorProto, dataType: number, data: Uint8Array): TensorProto {
  const out: TensorProto = { name: t.name, dims: t.dims, data_type: dataType, raw_data: data };
  if (t.doc_string) out.doc_string = t.doc_string;
  return out;
}

export function tensorToFloat16(t: TensorProto, range: Float16Range = {}): TensorProto {
  const src = tensorFloats(t);
  const dst = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = clampToFloat16Bits(src[i], range);
  return withData(t, DataType.FLOAT16, new Uint8Array(dst.buffer));
}

export function tensorToFloat32(t: TensorProto): TensorProto {
  const src = tensorHalfBits(t);
  const table = float16Table();
  const dst = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]];
  return withData(t, DataType.FLOAT, new Uint8Array(dst.buffer));
}

// ---- narrowing ------------------------------------------------------------------------------------------------

/** transformers.js' float16.py DEFAULT_OP_BLOCK_LIST (Cast included: a Cast's output type is its own attribute). */
export const FLOAT16_OP_BLOCK_LIST: readonly string[] = [
  'ArrayFeatureExtractor', 'Binarizer', 'CastMap', 'CategoryMapper', 'DictVectorizer', 'FeatureVectorizer', 'Imputer',
  'LabelEncoder', 'LinearClassifier', 'LinearRegressor', 'Normalizer', 'OneHotEncoder', 'RandomUniformLike',
  'SVMClassifier', 'SVMRegressor', 'Scaler', 'TreeEnsembleClassifier', 'TreeEnsembleRegressor', 'ZipMap',
  'NonMaxSuppression', 'TopK', 'RoiAlign', 'Resize', 'CumSum', 'Min', 'Max', 'Upsample', 'RandomNormalLike', 'Cast',
];

export interface Float16Options extends Float16Range {
  /** Keep float32 graph inputs and outputs, converting at the edges (as the hub's `_fp16` files do). Default true. */
  keepIoTypes?: boolean;
  opBlockList?: Iterable<string>;
  nodeBlockList?: Iterable<string>;
}

const FP16 = DataType.FLOAT16;
const FP32 = DataType.FLOAT;

function castNode(input: string, output: string, to: number): NodeProto {
  return { op_type: 'Cast', name: output, input: [input], output: [output], attribute: [{ name: 'to', type: AttributeType.INT, i: to }] };
}

function retypeValueInfo(v: ValueInfoProto, name: string, elemType: number): ValueInfoProto {
  const tt = v.type?.tensor_type;
  return { ...v, name, type: { ...v.type, tensor_type: { ...tt, elem_type: elemType } } };
}

function copyModel(model: ModelProto, graph: GraphProto): ModelProto {
  const out: ModelProto = { graph };
  for (const k of ['ir_version', 'opset_import', 'producer_name', 'producer_version', 'domain', 'model_version', 'doc_string', 'metadata_props', 'functions'] as const) {
    if (Object.prototype.hasOwnProperty.call(model, k)) (out as Record<string, unknown>)[k] = model[k];
  }
  return out;
}

/** Converts a node's float tensor attributes (Constant / ConstantOfShape values) to fp16. */
function narrowAttributes(node: NodeProto, range: Float16Range): NodeProto {
  const attrs = node.attribute ?? [];
  if (!attrs.some((a) => a.t?.data_type === FP32 || (a.tensors ?? []).some((t) => t.data_type === FP32) || (node.op_type === 'Constant' && (a.name === 'value_float' || a.name === 'value_floats')))) return node;
  const attribute: AttributeProto[] = attrs.map((a) => {
    if (node.op_type === 'Constant' && a.name === 'value_float') {
      return { name: 'value', type: AttributeType.TENSOR, t: tensorToFloat16({ name: '', dims: [], data_type: FP32, float_data: [a.f ?? 0] }, range) };
    }
    if (node.op_type === 'Constant' && a.name === 'value_floats') {
      const vals = a.floats ?? [];
      return { name: 'value', type: AttributeType.TENSOR, t: tensorToFloat16({ name: '', dims: [vals.length], data_type: FP32, float_data: [...vals] }, range) };
    }
    const b: AttributeProto = { ...a };
    if (a.t?.data_type === FP32) b.t = tensorToFloat16(a.t, range);
    if (a.tensors?.length) b.tensors = a.tensors.map((t) => (t.data_type === FP32 ? tensorToFloat16(t, range) : t));
    return b;
  });
  return { ...node, attribute };
}

/**
 * The fp16 version of an fp32 model: float initializers and activations become fp16, except around blocked
 * operators. The input model is not modified (unchanged tensors are shared).
 */
export function convertFloatToFloat16(model: ModelProto, opts: Float16Options = {}): ModelProto {
  const g = model.graph;
  if (!g) throw new Error('model has no graph');
  const keepIo = opts.keepIoTypes ?? true;
  const blockOps = new Set(opts.opBlockList ?? FLOAT16_OP_BLOCK_LIST);
  const blockNodes = new Set(opts.nodeBlockList ?? []);
  const blocked = (n: NodeProto) => blockOps.has(n.op_type ?? '') || blockNodes.has(n.name ?? '');
  const types = inferElemTypes(g);
  const isFloat = (v: string) => types.get(v) === FP32;
  const nodes = g.node ?? [];
  const taken = new Set<string>([...types.keys(), ...nodes.map((n) => n.name ?? '')]);
  const unique = (base: string): string => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };

  // Where each float value lives (its "home" type), and which other type its consumers need.
  const home = new Map<string, number>();
  const needs = new Map<string, Set<number>>();
  const need = (v: string, t: number) => {
    if (!v || !isFloat(v)) return;
    let s = needs.get(v);
    if (!s) needs.set(v, (s = new Set()));
    s.add(t);
  };
  const inputNames = new Set((g.input ?? []).map((i) => i.name ?? ''));
  const outputNames = new Set((g.output ?? []).map((o) => o.name ?? ''));
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  for (const name of inputNames) if (isFloat(name) && !inits.has(name)) home.set(name, keepIo ? FP32 : FP16);
  for (const n of nodes) {
    const b = blocked(n);
    for (const o of n.output ?? []) if (o && isFloat(o)) home.set(o, b ? FP32 : FP16);
    for (const i of n.input ?? []) need(i, b ? FP32 : FP16);
  }
  for (const o of outputNames) need(o, keepIo ? FP32 : FP16);
  // Initializers take the type most consumers need; a mixed one gets a second copy (float16.py would leave it fp32
  // and feed an fp16 operator with it, an invalid graph).
  for (const name of inits.keys()) {
    if (!isFloat(name)) continue;
    home.set(name, needs.get(name)?.has(FP16) || !needs.has(name) ? FP16 : FP32);
  }

  // Names: a value keeps its own name in its home type, except a graph output whose home is fp16 but which must be
  // fp32 at the graph's edge: its producer then writes `<name>_fp16` and a Cast writes `<name>`.
  const homeName = new Map<string, string>();
  const otherName = new Map<string, string>();
  for (const [v, t] of home) {
    if (keepIo && outputNames.has(v) && t === FP16) {
      if (inits.has(v) || inputNames.has(v)) throw new Error(`graph output ${v} is an initializer or graph input; not supported`);
      homeName.set(v, unique(`${v}_fp16`));
      otherName.set(v, v);
    } else homeName.set(v, v);
  }
  const nameIn = (v: string, t: number): string => {
    if (!v || !home.has(v)) return v;
    if (home.get(v) === t) return homeName.get(v)!;
    let n = otherName.get(v);
    if (!n) otherName.set(v, (n = unique(`${v}_${t === FP16 ? 'fp16' : 'fp32'}`)));
    return n;
  };

  const out: NodeProto[] = [];
  const emitCasts = (v: string) => {
    const h = home.get(v);
    if (h === undefined) return;
    for (const t of needs.get(v) ?? []) {
      if (t === h) continue;
      if (inits.has(v)) continue; // an initializer's second copy is a tensor, below
      out.push(castNode(homeName.get(v)!, nameIn(v, t), t));
    }
  };
  for (const name of inputNames) emitCasts(name);

  const range: Float16Range = { minPositive: opts.minPositive, maxFinite: opts.maxFinite };
  for (const n of nodes) {
    const b = blocked(n);
    const want = b ? FP32 : FP16;
    let copy: NodeProto = {
      ...n,
      input: (n.input ?? []).map((i) => (i && home.has(i) ? nameIn(i, want) : i)),
      output: (n.output ?? []).map((o) => (o && home.has(o) ? homeName.get(o)! : o)),
    };
    if (!b) copy = narrowAttributes(copy, range);
    out.push(copy);
    for (const o of n.output ?? []) if (o) emitCasts(o);
  }

  const initializer: TensorProto[] = [];
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    const h = home.get(name);
    if (h === undefined) {
      initializer.push(t);
      continue;
    }
    initializer.push(h === FP16 ? tensorToFloat16(t, range) : t);
    for (const other of needs.get(name) ?? []) {
      if (other === h) continue;
      const copy = other === FP16 ? tensorToFloat16(t, range) : t;
      initializer.push({ ...copy, name: nameIn(name, other) });
    }
  }

  const input = (g.input ?? []).map((i) => {
    const name = i.name ?? '';
    return home.get(name) === FP16 && !inits.has(name) ? retypeValueInfo(i, name, FP16) : i;
  });
  const output = (g.output ?? []).map((o) => (isFloat(o.name ?? '') && !keepIo ? retypeValueInfo(o, o.name ?? '', FP16) : o));
  const value_info = (g.value_info ?? []).map((v) => {
    const name = v.name ?? '';
    if (!home.has(name) || v.type?.tensor_type?.elem_type !== FP32) return v;
    return home.get(name) === FP16 ? retypeValueInfo(v, homeName.get(name)!, FP16) : v;
  });

  return copyModel(model, { ...g, node: out, initializer, input, output, value_info });
}

// ---- widening -------------------------------------------------------------------------------------------------

/**
 * The fp32 version of an fp16 model: every fp16 initializer, attribute tensor and value type becomes fp32 (exact),
 * Casts to fp16 become Casts to fp32, and the Casts left converting fp32 to fp32 are removed.
 */
export function widenFloat16ToFloat32(model: ModelProto): ModelProto {
  const g = model.graph;
  if (!g) throw new Error('model has no graph');
  // Types only decide which Casts became fp32 → fp32; a Cast after an operator unknown here is kept (still valid).
  const before = inferElemTypes(g, { tolerant: true });
  const widened = (t: number | undefined) => (t === FP16 ? FP32 : t);
  const nodes = g.node ?? [];
  const outputNames = new Set((g.output ?? []).map((o) => o.name ?? ''));
  const inputNames = new Set([...(g.input ?? []).map((i) => i.name ?? ''), ...(g.initializer ?? []).map((t) => t.name ?? '')]);
  const producedBy = new Map<string, number>();
  nodes.forEach((n, k) => (n.output ?? []).forEach((o) => o && producedBy.set(o, k)));

  // A Cast whose input is (now) fp32 and whose target is (now) fp32 does nothing: its output is an alias.
  const alias = new Map<string, string>();
  const renameProduced = new Map<string, string>();
  const dropped = new Set<number>();
  nodes.forEach((n, k) => {
    if (n.op_type !== 'Cast') return;
    const to = int64ToNumber((n.attribute ?? []).find((a) => a.name === 'to')?.i);
    const src = n.input?.[0] ?? '';
    const dst = n.output?.[0] ?? '';
    if (widened(to) !== FP32 || widened(before.get(src)) !== FP32) return;
    if (!outputNames.has(dst)) {
      alias.set(dst, src);
      dropped.add(k);
      return;
    }
    // The Cast writes a graph output: let the value's producer write that name instead, when nothing else
    // (another graph output, a graph input or initializer) pins the source name.
    const resolved = resolve(alias, src);
    if (producedBy.has(resolved) && !outputNames.has(resolved) && !inputNames.has(resolved) && !renameProduced.has(resolved)) {
      renameProduced.set(resolved, dst);
      dropped.add(k);
    }
  });
  const finalName = (v: string): string => {
    const r = resolve(alias, v);
    return renameProduced.get(r) ?? r;
  };

  const node: NodeProto[] = [];
  nodes.forEach((n, k) => {
    if (dropped.has(k)) return;
    const attribute = (n.attribute ?? []).map((a) => {
      const b: AttributeProto = { ...a };
      if (a.t?.data_type === FP16) b.t = tensorToFloat32(a.t);
      if (a.tensors?.length) b.tensors = a.tensors.map((t) => (t.data_type === FP16 ? tensorToFloat32(t) : t));
      if ((n.op_type === 'Cast' && a.name === 'to') || a.name === 'dtype') {
        if (int64ToNumber(a.i) === FP16) b.i = FP32;
      }
      return b;
    });
    node.push({
      ...n,
      input: (n.input ?? []).map((i) => (i ? finalName(i) : i)),
      output: (n.output ?? []).map((o) => (o ? finalName(o) : o)),
      attribute,
    });
  });

  const retype = (v: ValueInfoProto, name = v.name ?? ''): ValueInfoProto =>
    v.type?.tensor_type?.elem_type === FP16 ? retypeValueInfo(v, name, FP32) : name === v.name ? v : { ...v, name };
  const gone = new Set([...alias.keys(), ...renameProduced.keys()]);
  return copyModel(model, {
    ...g,
    node,
    initializer: (g.initializer ?? []).map((t) => (t.data_type === FP16 ? tensorToFloat32(t) : t)),
    input: (g.input ?? []).map((i) => retype(i)),
    output: (g.output ?? []).map((o) => retype(o)),
    value_info: (g.value_info ?? []).filter((v) => !gone.has(v.name ?? '')).map((v) => retype(v)),
  });
}

function resolve(alias: Map<string, string>, v: string): string {
  let r = v;
  for (let guard = 0; alias.has(r) && guard < 1_000_000; guard++) r = alias.get(r)!;
  return r;
}
