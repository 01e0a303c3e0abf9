// A small builder for ONNX graphs: typed inputs/outputs with symbolic dims, initializers from typed arrays,
// nodes with auto-named outputs. Used to generate test models; initializer bytes are views, not copies.
import {
  AttributeType,
  DataType,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-proto.js';

export type ElemType = 'float' | 'float16' | 'double' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';
/** A fixed size, or a symbolic name such as 'batch' (shared names mean equal sizes). */
export type Dim = number | string;

export const ELEM_TYPES: Record<ElemType, number> = {
  float: DataType.FLOAT,
  float16: DataType.FLOAT16,
  double: DataType.DOUBLE,
  int8: DataType.INT8,
  uint8: DataType.UINT8,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
};

export type TensorData = Float32Array | Float64Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

function dataTypeOf(data: TensorData): number {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Float64Array) return DataType.DOUBLE;
  if (data instanceof Int8Array) return DataType.INT8;
  if (data instanceof Uint8Array) return DataType.UINT8;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof BigInt64Array) return DataType.INT64;
  throw new Error('unsupported tensor data');
}

/** A TensorProto whose raw_data is a view of `data` (ONNX raw data is little-endian, as are our targets). */
export function makeTensor(name: string, data: TensorData, dims: readonly number[]): TensorProto {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`tensor ${name}: ${data.length} values for dims [${dims.join(',')}]`);
  return {
    name,
    data_type: dataTypeOf(data),
    dims: [...dims],
    raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export function int64Data(values: readonly (number | bigint)[]): BigInt64Array {
  return BigInt64Array.from(values, (v) => BigInt(v));
}

export function makeValueInfo(name: string, type: ElemType, dims: readonly Dim[] | null): ValueInfoProto {
  const tensor_type: NonNullable<NonNullable<ValueInfoProto['type']>['tensor_type']> = { elem_type: ELEM_TYPES[type] };
  if (dims) {
    tensor_type.shape = { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) };
  }
  return { name, type: { tensor_type } };
}

/** A float attribute (plain numbers become INT attributes, so floats must be marked). */
export class FloatAttr {
  constructor(readonly value: number | readonly number[]) {}
}
export const float = (v: number): FloatAttr => new FloatAttr(v);
export const floats = (v: readonly number[]): FloatAttr => new FloatAttr(v);

/**
 * Attribute values: an integer → INT, integer[] → INTS, float(x) / floats([...]) → FLOAT / FLOATS,
 * string → STRING, TensorProto → TENSOR, GraphProto (with a `node` array) → GRAPH.
 */
export type AttrValue = number | readonly number[] | FloatAttr | string | TensorProto | GraphProto;

export function makeAttribute(name: string, v: AttrValue): AttributeProto {
  if (v instanceof FloatAttr) {
    return Array.isArray(v.value)
      ? { name, type: AttributeType.FLOATS, floats: [...(v.value as number[])] }
      : { name, type: AttributeType.FLOAT, f: v.value as number };
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}=${v}: use float(${v}) for float attributes`);
    return { name, type: AttributeType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (!v.every((x) => Number.isInteger(x))) throw new Error(`attribute ${name}: use floats([...]) for float lists`);
    return { name, type: AttributeType.INTS, ints: [...v] };
  }
  if ('node' in (v as object)) return { name, type: AttributeType.GRAPH, g: v as GraphProto };
  return { name, type: AttributeType.TENSOR, t: v as TensorProto };
}

export interface NodeOptions {
  /** Output names, or how many auto-named outputs (default 1). */
  outputs?: string[] | number;
  domain?: string;
  name?: string;
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  readonly valueInfo: ValueInfoProto[] = [];
  private counter = 0;
  private readonly used = new Set<string>();

  /** `prefix` keeps auto-generated names of a subgraph apart from those of its parent. */
  constructor(
    readonly name = 'graph',
    private readonly prefix = '',
  ) {}

  input(name: string, type: ElemType, dims: readonly Dim[] | null): string {
    this.claim(name);
    this.inputs.push(makeValueInfo(name, type, dims));
    return name;
  }

  /** Declares `name` (already produced by a node, or an input) as a graph output. */
  output(name: string, type: ElemType, dims: readonly Dim[] | null): string {
    this.outputs.push(makeValueInfo(name, type, dims));
    return name;
  }

  init(name: string, data: TensorData, dims: readonly number[]): string {
    this.claim(name);
    return this.addInit(name, data, dims);
  }

  /** An auto-named float32 constant initializer. */
  constF(values: Float32Array | readonly number[], dims?: readonly number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    return this.addInit(this.fresh('const_f'), data, dims ?? [data.length]);
  }

  /** An auto-named int64 constant initializer (dims [] makes a scalar). */
  constI64(values: readonly (number | bigint)[], dims?: readonly number[]): string {
    return this.addInit(this.fresh('const_i'), int64Data(values), dims ?? [values.length]);
  }

  /** Adds a node and returns its first output name. */
  op(opType: string, inputs: readonly string[], attrs?: Record<string, AttrValue>, opts?: NodeOptions): string {
    return this.node(opType, inputs, attrs, opts)[0];
  }

  /** Adds a node and returns all its output names. An empty input name '' marks an omitted optional input. */
  node(opType: string, inputs: readonly string[], attrs?: Record<string, AttrValue>, opts: NodeOptions = {}): string[] {
    const outs =
      typeof opts.outputs === 'object'
        ? opts.outputs
        : Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(opType.toLowerCase()));
    for (const o of outs) if (typeof opts.outputs === 'object') this.claim(o);
    const node: NodeProto = {
      op_type: opType,
      name: opts.name ?? this.fresh(`${opType}_node`),
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs ?? {}).map(([k, v]) => makeAttribute(k, v)),
    };
    if (opts.domain) node.domain = opts.domain;
    this.nodes.push(node);
    return outs;
  }

  /** Records a shape for an intermediate value (value_info), e.g. for readability in Netron. */
  annotate(name: string, type: ElemType, dims: readonly Dim[] | null): void {
    this.valueInfo.push(makeValueInfo(name, type, dims));
  }

  /** A fresh, unused name with the builder's prefix. */
  fresh(base: string): string {
    let name: string;
    do name = `${this.prefix}${base}_${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  build(): GraphProto {
    const graph: GraphProto = {
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
    if (this.valueInfo.length) graph.value_info = this.valueInfo;
    return graph;
  }

  private addInit(name: string, data: TensorData, dims: readonly number[]): string {
    this.initializers.push(makeTensor(name, data, dims));
    return name;
  }

  private claim(name: string): void {
    if (this.used.has(name)) throw new Error(`duplicate value name ${name}`);
    this.used.add(name);
  }
}

export interface ModelOptions {
  /** Default-domain opset (17 has LayerNormalization). */
  opset?: number;
  /** Extra opsets, e.g. { domain: 'com.microsoft', version: 1 }. */
  extraOpsets?: { domain: string; version: number }[];
  /** IR 8 goes with opset 17. */
  irVersion?: number;
  producerName?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

export function makeModel(graph: GraphProto, opts: ModelOptions = {}): ModelProto {
  const model: ModelProto = {
    ir_version: opts.irVersion ?? 8,
    producer_name: opts.producerName ?? 'soutu',
    opset_import: [
      { domain: '', version: opts.opset ?? 17 },
      ...(opts.extraOpsets ?? []).map((o) => ({ domain: o.domain, version: o.version })),
    ],
    graph,
  };
  if (opts.docString) model.doc_string = opts.docString;
  if (opts.metadata) {
    model.metadata_props = Object.entries(opts.metadata).map(([key, value]) => ({ key, value }));
  }
  return model;
}
