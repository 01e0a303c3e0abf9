import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp';
import { writeFileAtomically, writeJsonAtomically } from './atomic-file';

describe('writeFileAtomically', () => {
  let cleanup: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await cleanup?.();
    cleanup = null;
  });

  it('serialises concurrent writes to one path: all succeed, the last wins, no temporary file is left', async () => {
    const t = await tempDir('soutu-atomic-');
    cleanup = t.cleanup;
    const file = path.join(t.dir, 'sub', 'meta.json');
    await Promise.all(Array.from({ length: 40 }, (_, i) => writeJsonAtomically(file, { i, pad: 'x'.repeat(1000 * (i % 7)) })));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ i: 39, pad: 'x'.repeat(1000 * (39 % 7)) });
    expect(await readdir(path.dirname(file))).toEqual(['meta.json']);
  }, 30_000); // 40 durable (fsynced) writes: slow on a busy disk, never wrong

  it('writes bytes from a view into a larger buffer exactly', async () => {
    const t = await tempDir('soutu-atomic-');
    cleanup = t.cleanup;
    const big = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const file = path.join(t.dir, 'b.bin');
    await writeFileAtomically(file, big.subarray(2, 5), { durable: false });
    expect([...(await readFile(file))]).toEqual([3, 4, 5]);
  });
});
