import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { checksum, pad8, readIndexSnapshot, writeIndexSnapshot } from './index-snapshot.js';
import { VectorIndex } from './vector-index.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('soutu-snapshot-'));
});
afterAll(async () => {
  await cleanup();
});

const key = { modelKey: 'toy-4', dim: 4, version: 7 };
const ids = ['a', 'b', 'c', '相片'];
const rows = Uint16Array.from({ length: 16 }, (_, i) => i * 4099);

describe('index snapshot', () => {
  it('pads offsets past 2 GiB (a 2M-photo library) and sums unaligned bytes as aligned ones', () => {
    expect([0, 1, 8, 9].map(pad8)).toEqual([0, 8, 8, 16]);
    expect(pad8(2 ** 31 + 1)).toBe(2 ** 31 + 8);
    expect(pad8(2 ** 33 + 3)).toBe(2 ** 33 + 8);
    const bytes = Uint8Array.from({ length: 103 }, (_, i) => (i * 7) & 255);
    const shifted = new Uint8Array(104);
    shifted.set(bytes, 1);
    expect(checksum(shifted.subarray(1))).toBe(checksum(bytes));
  });

  it('reads back exactly what was written, for the same model, dimension and table version only', async () => {
    const file = path.join(dir, 'ok.f16');
    await writeIndexSnapshot(file, key, ids, rows);
    expect(await readIndexSnapshot(file, key)).toEqual({ ids, rows });
    expect(await readIndexSnapshot(file, { ...key, version: 8 })).toBeNull();
    expect(await readIndexSnapshot(file, { ...key, modelKey: 'other-4' })).toBeNull();
    expect(await readIndexSnapshot(file, { ...key, dim: 8 })).toBeNull();
    expect(await readIndexSnapshot(path.join(dir, 'missing.f16'), key)).toBeNull();
  });

  it('treats a damaged or truncated file as no snapshot', async () => {
    const file = path.join(dir, 'bad.f16');
    await writeIndexSnapshot(file, key, ids, rows);
    const good = await readFile(file);
    await writeFile(file, good.subarray(0, good.length - 2));
    expect(await readIndexSnapshot(file, key)).toBeNull();
    const wrongMagic = Buffer.from(good);
    wrongMagic.write('XXXX', 0, 'latin1');
    await writeFile(file, wrongMagic);
    expect(await readIndexSnapshot(file, key)).toBeNull();
    const badHeader = Buffer.from(good);
    badHeader.write('{', 12, 'latin1');
    badHeader.write('!', 13, 'latin1');
    await writeFile(file, badHeader);
    expect(await readIndexSnapshot(file, key)).toBeNull();
    const flipped = Buffer.from(good);
    flipped[flipped.length - 3] ^= 0x10; // one bit of one row
    await writeFile(file, flipped);
    expect(await readIndexSnapshot(file, key)).toBeNull();
    await writeFile(file, Buffer.alloc(5));
    expect(await readIndexSnapshot(file, key)).toBeNull();
  });

  it('refuses rows that do not match the ids', async () => {
    await expect(writeIndexSnapshot(path.join(dir, 'x.f16'), key, ids, new Uint16Array(3))).rejects.toThrow(/snapshot of 4 ids/);
  });

  it('writes through a temporary file and leaves none behind, also none of a killed earlier write', async () => {
    const file = path.join(dir, 'atomic.f16');
    await writeFile(`${file}.4242.1.tmp`, Buffer.alloc(100));
    await writeIndexSnapshot(file, key, ids, rows);
    await writeIndexSnapshot(file, { ...key, version: 9 }, ids.slice(0, 2), rows.subarray(0, 8));
    expect((await readIndexSnapshot(file, { ...key, version: 9 }))?.ids).toEqual(['a', 'b']);
    expect(await readIndexSnapshot(file, key)).toBeNull();
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect((await stat(file)).size % 2).toBe(0);
  });

  it.each([
    ['WebAssembly', false],
    ['JS', true],
  ])('carries the int8 copy (%s kernel) into the reading index, which then searches exactly as the writing one did', async (_name, forceJsKernel) => {
    const dim = 24;
    const n = 600;
    let seed = 3;
    const r = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    const matrix = Float32Array.from({ length: n * dim }, r);
    const ids = Array.from({ length: n }, (_, i) => `v${i}`);
    const writer = new VectorIndex(dim, n, { quantizeFrom: 0, forceJsKernel });
    writer.load(ids, matrix);
    writer.prepare();
    const snap = writer.rowsForSnapshot();
    expect(snap.int8).not.toBeNull();
    const k = { modelKey: 'm', dim, version: 1 };
    const file = path.join(dir, `int8-${forceJsKernel}.f16`);
    await writeIndexSnapshot(file, k, snap.ids, snap.rows, snap.int8);

    const reader = new VectorIndex(dim, 64, { quantizeFrom: 0, forceJsKernel });
    const got = await readIndexSnapshot(file, k, (count, stride, centre) => reader.int8Target(count, stride, centre));
    expect(got?.int8).toBeDefined();
    reader.loadFloat16(got!.ids, got!.rows, got!.int8);
    expect(reader.hasInt8).toBe(true);
    for (let i = 0; i < 5; i++) {
      const q = Float32Array.from({ length: dim }, r);
      expect(reader.search(q, 10)).toEqual(writer.search(q, 10));
    }

    // A damaged int8 part is dropped on its own: the rows still load, and the copy is built again when needed.
    const good = await readFile(file);
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 0x40;
    await writeFile(file, bad);
    const other = new VectorIndex(dim, 64, { quantizeFrom: 0, forceJsKernel });
    const partial = await readIndexSnapshot(file, k, (count, stride, centre) => other.int8Target(count, stride, centre));
    expect(partial?.rows).toEqual(snap.rows);
    expect(partial?.int8).toBeUndefined();
    other.loadFloat16(partial!.ids, partial!.rows, partial!.int8);
    expect(other.hasInt8).toBe(false);
    const q = Float32Array.from({ length: dim }, r);
    expect(other.search(q, 10).map((h) => h.id)).toEqual(writer.search(q, 10).map((h) => h.id));
    // Without a place for it, the int8 part is skipped.
    expect((await readIndexSnapshot(file, k))?.int8).toBeUndefined();
    for (const x of [writer, reader, other]) x.dispose();
  });
});
