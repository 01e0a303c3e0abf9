import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, makeModel } from './graph-builder.js';
import {
  AttributeType,
  DataType,
  decodeModel,
  encodeModel,
  int64ToNumber,
  readModel,
  valueInfoShape,
  writeModel,
  type ModelProto,
} from './onnx-proto.js';

function sampleModel(): ModelProto {
  const b = new GraphBuilder('sample');
  const x = b.input('x', 'float', ['batch', 4]);
  const w = b.init('w', Float32Array.from({ length: 8 }, (_, i) => i / 8), [4, 2]);
  b.op('MatMul', [x, w], {}, { outputs: ['y'] });
  b.output('y', 'float', ['batch', 2]);
  return makeModel(b.build(), { metadata: { purpose: 'test' } });
}

describe('onnx-proto', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'soutu-onnx-proto-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a model byte for byte', () => {
    const bytes = encodeModel(sampleModel());
    const decoded = decodeModel(bytes);
    expect(decoded.graph?.node?.[0].op_type).toBe('MatMul');
    expect(decoded.graph?.initializer?.[0].data_type).toBe(DataType.FLOAT);
    expect(int64ToNumber(decoded.opset_import?.[0].version)).toBe(17);
    expect(valueInfoShape(decoded.graph!.input![0])).toEqual(['batch', 4]);
    expect(Buffer.from(encodeModel(decoded)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('decodes raw_data as a view into the input buffer, not a copy', () => {
    const bytes = encodeModel(sampleModel());
    const raw = decodeModel(bytes).graph!.initializer![0].raw_data!;
    expect(raw.buffer).toBe(bytes.buffer);
    expect(Array.from(new Float32Array(new Uint8Array(raw).buffer))).toEqual(Array.from({ length: 8 }, (_, i) => i / 8));
  });

  it('keeps fields outside the reduced schema (e.g. training_info) through a round trip', () => {
    const base = encodeModel(sampleModel());
    // ModelProto.training_info = 20, length-delimited; its content is opaque to us.
    const unknown = Uint8Array.of((20 << 3) | 2, 0x01, 3, 0x12, 0x01, 0x41);
    const withUnknown = Buffer.concat([Buffer.from(base), Buffer.from(unknown)]);
    const again = Buffer.from(encodeModel(decodeModel(withUnknown)));
    expect(again.length).toBe(withUnknown.length);
    expect(again.subarray(again.length - unknown.length).equals(Buffer.from(unknown))).toBe(true);
  });

  it('keeps 64-bit attribute values exact', () => {
    const Long = protobuf.util.Long as unknown as { MAX_VALUE: { toString(): string } };
    const model = sampleModel();
    model.graph!.node![0].attribute = [
      { name: 'big', type: AttributeType.INTS, ints: [Long.MAX_VALUE as never, -1, 3] },
    ];
    const decoded = decodeModel(encodeModel(model));
    const ints = decoded.graph!.node![0].attribute![0].ints!;
    expect(String(ints[0])).toBe('9223372036854775807');
    expect(int64ToNumber(ints[1])).toBe(-1);
    expect(int64ToNumber(ints[2])).toBe(3);
  });

  it('writes atomically and reads back', async () => {
    const path = join(dir, 'm.onnx');
    const size = await writeModel(path, sampleModel());
    expect((await readFile(path)).length).toBe(size);
    expect((await readModel(path)).metadata_props).toEqual([{ key: 'purpose', value: 'test' }]);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
