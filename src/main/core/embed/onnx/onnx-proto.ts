// Reads and writes ONNX ModelProto files with protobufjs, from a reduced schema written here by hand.
// Tensor bytes stay views into the file buffer (no per-initializer copies), so 200 MB models are cheap to rewrite.
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import protobuf from 'protobufjs';
import type { Long } from 'protobufjs';

/** 64-bit integers decode as Long (protobufjs ships long.js); numbers are accepted when encoding. */
export type Int64 = number | Long;

/** TensorProto.DataType */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** TensorProto.DataLocation */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface OperatorSetIdProto {
  domain?: string;
  version?: Int64;
}

export interface TensorProto {
  dims?: Int64[];
  data_type?: number;
  segment?: { begin?: Int64; end?: Int64 };
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: Int64[];
  name?: string;
  doc_string?: string;
  raw_data?: Uint8Array;
  external_data?: StringStringEntryProto[];
  data_location?: number;
  double_data?: number[];
  uint64_data?: Int64[];
  metadata_props?: StringStringEntryProto[];
}

export interface SparseTensorProto {
  values?: TensorProto;
  indices?: TensorProto;
  dims?: Int64[];
}

export interface TensorShapeDimension {
  dim_value?: Int64;
  dim_param?: string;
  denotation?: string;
}

export interface TensorShapeProto {
  dim?: TensorShapeDimension[];
}

export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  sequence_type?: { elem_type?: TypeProto };
  map_type?: { key_type?: number; value_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  sparse_tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  denotation?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  doc_string?: string;
  metadata_props?: StringStringEntryProto[];
}

export interface AttributeProto {
  name?: string;
  ref_attr_name?: string;
  doc_string?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparse_tensor?: SparseTensorProto;
  tp?: TypeProto;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  sparse_tensors?: SparseTensorProto[];
  type_protos?: TypeProto[];
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeProto[];
  doc_string?: string;
  metadata_props?: StringStringEntryProto[];
}

export interface TensorAnnotation {
  tensor_name?: string;
  quant_parameter_tensor_names?: StringStringEntryProto[];
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparse_initializer?: SparseTensorProto[];
  doc_string?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  quantization_annotation?: TensorAnnotation[];
  metadata_props?: StringStringEntryProto[];
}

export interface FunctionProto {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attribute_proto?: AttributeProto[];
  node?: NodeProto[];
  doc_string?: string;
  opset_import?: OperatorSetIdProto[];
  domain?: string;
  overload?: string;
  value_info?: ValueInfoProto[];
  metadata_props?: StringStringEntryProto[];
}

export interface ModelProto {
  ir_version?: Int64;
  opset_import?: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: Int64;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: StringStringEntryProto[];
  functions?: FunctionProto[];
}

// Field numbers follow onnx/onnx.proto (proto2). Enums are declared as int32: identical on the wire, and
// unknown enum values survive. Fields left out here (training_info, device configurations, …) are kept as
// unknown fields by the reader below, so a decode/encode round trip does not drop them.
type FieldDef = { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } };
const f = (type: string, id: number): FieldDef => ({ type, id });
const rep = (type: string, id: number, packed?: boolean): FieldDef =>
  packed === undefined ? { type, id, rule: 'repeated' } : { type, id, rule: 'repeated', options: { packed } };

const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: f('string', 1), value: f('string', 2) } },
        OperatorSetIdProto: { fields: { domain: f('string', 1), version: f('int64', 2) } },
        TensorProto: {
          fields: {
            dims: rep('int64', 1, false),
            data_type: f('int32', 2),
            segment: f('Segment', 3),
            float_data: rep('float', 4, true),
            int32_data: rep('int32', 5, true),
            string_data: rep('bytes', 6),
            int64_data: rep('int64', 7, true),
            name: f('string', 8),
            doc_string: f('string', 12),
            raw_data: f('bytes', 9),
            external_data: rep('StringStringEntryProto', 13),
            data_location: f('int32', 14),
            double_data: rep('double', 10, true),
            uint64_data: rep('uint64', 11, true),
            metadata_props: rep('StringStringEntryProto', 16),
          },
          nested: { Segment: { fields: { begin: f('int64', 1), end: f('int64', 2) } } },
        },
        SparseTensorProto: {
          fields: { values: f('TensorProto', 1), indices: f('TensorProto', 2), dims: rep('int64', 3, false) },
        },
        TensorShapeProto: {
          fields: { dim: rep('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: { dim_value: f('int64', 1), dim_param: f('string', 2), denotation: f('string', 3) },
            },
          },
        },
        TypeProto: {
          oneofs: {
            value: { oneof: ['tensor_type', 'sequence_type', 'map_type', 'optional_type', 'sparse_tensor_type'] },
          },
          fields: {
            tensor_type: f('Tensor', 1),
            sequence_type: f('Sequence', 4),
            map_type: f('Map', 5),
            optional_type: f('Optional', 9),
            sparse_tensor_type: f('SparseTensor', 8),
            denotation: f('string', 6),
          },
          nested: {
            Tensor: { fields: { elem_type: f('int32', 1), shape: f('TensorShapeProto', 2) } },
            Sequence: { fields: { elem_type: f('TypeProto', 1) } },
            Map: { fields: { key_type: f('int32', 1), value_type: f('TypeProto', 2) } },
            Optional: { fields: { elem_type: f('TypeProto', 1) } },
            SparseTensor: { fields: { elem_type: f('int32', 1), shape: f('TensorShapeProto', 2) } },
          },
        },
        ValueInfoProto: {
          fields: {
            name: f('string', 1),
            type: f('TypeProto', 2),
            doc_string: f('string', 3),
            metadata_props: rep('StringStringEntryProto', 4),
          },
        },
        AttributeProto: {
          fields: {
            name: f('string', 1),
            ref_attr_name: f('string', 21),
            doc_string: f('string', 13),
            type: f('int32', 20),
            f: f('float', 2),
            i: f('int64', 3),
            s: f('bytes', 4),
            t: f('TensorProto', 5),
            g: f('GraphProto', 6),
            sparse_tensor: f('SparseTensorProto', 22),
            tp: f('TypeProto', 14),
            floats: rep('float', 7, false),
            ints: rep('int64', 8, false),
            strings: rep('bytes', 9),
            tensors: rep('TensorProto', 10),
            graphs: rep('GraphProto', 11),
            sparse_tensors: rep('SparseTensorProto', 23),
            type_protos: rep('TypeProto', 15),
          },
        },
        NodeProto: {
          fields: {
            input: rep('string', 1),
            output: rep('string', 2),
            name: f('string', 3),
            op_type: f('string', 4),
            domain: f('string', 7),
            overload: f('string', 8),
            attribute: rep('AttributeProto', 5),
            doc_string: f('string', 6),
            metadata_props: rep('StringStringEntryProto', 9),
          },
        },
        TensorAnnotation: {
          fields: { tensor_name: f('string', 1), quant_parameter_tensor_names: rep('StringStringEntryProto', 2) },
        },
        GraphProto: {
          fields: {
            node: rep('NodeProto', 1),
            name: f('string', 2),
            initializer: rep('TensorProto', 5),
            sparse_initializer: rep('SparseTensorProto', 15),
            doc_string: f('string', 10),
            input: rep('ValueInfoProto', 11),
            output: rep('ValueInfoProto', 12),
            value_info: rep('ValueInfoProto', 13),
            quantization_annotation: rep('TensorAnnotation', 14),
            metadata_props: rep('StringStringEntryProto', 16),
          },
        },
        FunctionProto: {
          fields: {
            name: f('string', 1),
            input: rep('string', 4),
            output: rep('string', 5),
            attribute: rep('string', 6),
            attribute_proto: rep('AttributeProto', 11),
            node: rep('NodeProto', 7),
            doc_string: f('string', 8),
            opset_import: rep('OperatorSetIdProto', 9),
            domain: f('string', 10),
            overload: f('string', 13),
            value_info: rep('ValueInfoProto', 12),
            metadata_props: rep('StringStringEntryProto', 14),
          },
        },
        ModelProto: {
          fields: {
            ir_version: f('int64', 1),
            opset_import: rep('OperatorSetIdProto', 8),
            producer_name: f('string', 2),
            producer_version: f('string', 3),
            domain: f('string', 4),
            model_version: f('int64', 5),
            doc_string: f('string', 6),
            graph: f('GraphProto', 7),
            metadata_props: rep('StringStringEntryProto', 14),
            functions: rep('FunctionProto', 25),
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(ONNX_SCHEMA);
const ModelType = root.lookupType('onnx.ModelProto');
const GraphType = root.lookupType('onnx.GraphProto');

/**
 * Decodes a serialized ModelProto. Byte fields (raw_data above all) are views into `bytes`, so keep
 * `bytes` alive and unmodified while the result is in use.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const reader = protobuf.Reader.create(bytes);
  reader.discardUnknown = false;
  return ModelType.decode(reader) as unknown as ModelProto;
}

/** Serializes a ModelProto; tensor bytes are copied once, into the returned buffer. */
export function encodeModel(model: ModelProto): Uint8Array {
  return ModelType.encode(model as unknown as protobuf.Message).finish();
}

export function decodeGraph(bytes: Uint8Array): GraphProto {
  const reader = protobuf.Reader.create(bytes);
  reader.discardUnknown = false;
  return GraphType.decode(reader) as unknown as GraphProto;
}

export function encodeGraph(graph: GraphProto): Uint8Array {
  return GraphType.encode(graph as unknown as protobuf.Message).finish();
}

export async function readModel(path: string): Promise<ModelProto> {
  return decodeModel(await readFile(path));
}

/** Writes `model` to `path` through a temporary file in the same folder and a rename. */
export async function writeModel(path: string, model: ModelProto): Promise<number> {
  const bytes = encodeModel(model);
  await writeFileAtomic(path, bytes);
  return bytes.byteLength;
}

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** An int64 field as a JS number (exact up to 2^53; INT64_MAX style sentinels round). */
export function int64ToNumber(v: Int64 | undefined | null): number {
  if (v == null) return 0;
  if (typeof v === 'number') return v;
  return (v.unsigned ? v.high >>> 0 : v.high) * 4294967296 + (v.low >>> 0);
}

/** The shape of a graph input/output: numbers for fixed dims, strings for symbolic ones, null if unknown. */
export function valueInfoShape(info: ValueInfoProto): (number | string | null)[] | null {
  const shape = info.type?.tensor_type?.shape;
  if (!shape) return null;
  return (shape.dim ?? []).map((d) => {
    if (d.dim_param) return d.dim_param;
    if (d.dim_value != null && hasOwn(d, 'dim_value')) return int64ToNumber(d.dim_value);
    return null;
  });
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}
