// Element types of every value in an ONNX graph, propagated from inputs and initializers through the operators
// CLIP, BERT and their fp16 / dynamic-int8 conversions use. The precision converters need them (onnx's shape
// inference does this in Python); an operator not listed here stops a conversion with its name rather than guess.
import { AttributeType, DataType, int64ToNumber, type AttributeProto, type GraphProto, type NodeProto } from './onnx-proto.js';

/** Operators whose (first) output has the element type of their first input. */
const SAME_AS_FIRST = new Set([
  'Abs', 'Add', 'AveragePool', 'BatchNormalization', 'Ceil', 'Clip', 'Concat', 'Conv', 'Cos', 'CumSum', 'Div',
  'Dropout', 'Einsum', 'Elu', 'Erf', 'Exp', 'Expand', 'FastGelu', 'Flatten', 'Floor', 'Gather', 'GatherElements',
  'GatherND', 'Gelu', 'Gemm', 'GlobalAveragePool', 'HardSigmoid', 'Identity', 'InstanceNormalization',
  'LayerNormalization', 'LeakyRelu', 'Log', 'LogSoftmax', 'MatMul', 'Max', 'MaxPool', 'Mean', 'Min', 'Mod', 'Mul',
  'Neg', 'Pad', 'Pow', 'QuickGelu', 'Range', 'Reciprocal', 'ReduceL1', 'ReduceL2', 'ReduceLogSumExp', 'ReduceMax',
  'ReduceMean', 'ReduceMin', 'ReduceProd', 'ReduceSum', 'ReduceSumSquare', 'Relu', 'Reshape', 'Resize', 'Round',
  'ScatterElements', 'ScatterND', 'Sigmoid', 'Sign', 'Sin', 'SkipLayerNormalization', 'Slice', 'Softmax', 'Softplus',
  'Split', 'Sqrt', 'Squeeze', 'Sub', 'Sum', 'Tanh', 'Tile', 'TopK', 'Transpose', 'Trilu', 'Unsqueeze', 'Upsample',
]);
const INT64_OUT = new Set(['ArgMax', 'ArgMin', 'NonZero', 'Shape', 'Size']);
const BOOL_OUT = new Set(['And', 'Equal', 'Greater', 'GreaterOrEqual', 'IsInf', 'IsNaN', 'Less', 'LessOrEqual', 'Not', 'Or', 'Xor']);

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

/** The element type a node gives each of its outputs, from its inputs' types. */
function outputTypes(node: NodeProto, typeOf: (name: string) => number | undefined): number[] {
  const op = node.op_type ?? '';
  const inputs = node.input ?? [];
  const n = (node.output ?? []).length;
  const first = (): number => {
    const t = typeOf(inputs[0] ?? '');
    if (t === undefined) throw new Error(`${op} node ${node.name ?? ''}: the type of ${inputs[0]} is unknown`);
    return t;
  };
  const all = (t: number): number[] => Array.from({ length: n }, () => t);
  if (SAME_AS_FIRST.has(op)) {
    const t = first();
    if (op === 'TopK') return [t, DataType.INT64];
    // LayerNormalization's optional Mean / InvStdDev outputs use its stash type (float by default).
    if (op === 'LayerNormalization' || op === 'SkipLayerNormalization') return [t, ...Array.from({ length: n - 1 }, () => DataType.FLOAT)];
    if (op === 'Dropout') return [t, DataType.BOOL].slice(0, n);
    return all(t);
  }
  if (INT64_OUT.has(op)) return all(DataType.INT64);
  if (BOOL_OUT.has(op)) return all(DataType.BOOL);
  switch (op) {
    case 'Cast': {
      const to = attr(node, 'to');
      if (!to) throw new Error(`Cast node ${node.name ?? ''} has no "to"`);
      return [int64ToNumber(to.i)];
    }
    case 'CastLike':
      return [typeOf(inputs[1]) ?? DataType.FLOAT];
    case 'Where':
      return [typeOf(inputs[1]) ?? DataType.FLOAT];
    case 'Constant':
    case 'ConstantOfShape': {
      const a = attr(node, 'value');
      if (a?.t) return [a.t.data_type ?? DataType.FLOAT];
      if (op === 'ConstantOfShape') return [DataType.FLOAT];
      if (attr(node, 'value_float') || attr(node, 'value_floats')) return [DataType.FLOAT];
      if (attr(node, 'value_int') || attr(node, 'value_ints')) return [DataType.INT64];
      throw new Error(`Constant node ${node.name ?? ''}: unsupported value attribute`);
    }
    case 'DynamicQuantizeLinear':
      return [DataType.UINT8, DataType.FLOAT, DataType.UINT8].slice(0, n);
    case 'MatMulInteger':
    case 'ConvInteger':
      return [DataType.INT32];
    case 'DequantizeLinear':
      return [typeOf(inputs[1]) ?? DataType.FLOAT];
    case 'QuantizeLinear':
      return [inputs[2] ? (typeOf(inputs[2]) ?? DataType.UINT8) : DataType.UINT8];
    case 'MatMulIntegerToFloat':
    case 'DynamicQuantizeMatMul':
      return [DataType.FLOAT];
    case 'OneHot':
      return [typeOf(inputs[2]) ?? DataType.FLOAT];
    default:
      throw new Error(`unsupported operator ${op} (node ${node.name ?? ''}): its output type cannot be inferred`);
  }
}

/**
 * Element type of every value of `graph` (inputs, initializers, node outputs), by name. Subgraphs are not
 * entered: a graph with If/Loop/Scan bodies is refused, since their values would need the same treatment.
 * `tolerant` leaves the outputs of unknown operators (and what depends on them) untyped instead of throwing.
 */
export function inferElemTypes(graph: GraphProto, opts: { tolerant?: boolean } = {}): Map<string, number> {
  const types = new Map<string, number>();
  for (const i of graph.input ?? []) {
    const t = i.type?.tensor_type?.elem_type;
    if (t !== undefined && i.name) types.set(i.name, t);
  }
  for (const t of graph.initializer ?? []) if (t.name) types.set(t.name, t.data_type ?? DataType.UNDEFINED);
  for (const node of graph.node ?? []) {
    if ((node.attribute ?? []).some((a) => a.type === AttributeType.GRAPH || a.type === AttributeType.GRAPHS || a.g || (a.graphs?.length ?? 0) > 0)) {
      throw new Error(`${node.op_type} node ${node.name ?? ''} has a subgraph; subgraphs are not supported here`);
    }
    let outs: number[];
    try {
      outs = outputTypes(node, (name) => types.get(name));
    } catch (err) {
      if (!opts.tolerant) throw err;
      continue;
    }
    (node.output ?? []).forEach((o, k) => {
      if (o) types.set(o, outs[k] ?? outs[0]);
    });
  }
  return types;
}
