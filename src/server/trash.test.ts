// serve --allow-trash moves files into the freedesktop trash (restorable), never deletes them.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { trashFile } from './trash.js';

describe.runIf(process.platform === 'linux')('moveToTrash (Linux)', () => {
  let tmp: string;
  let saved: string | undefined;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-trash-'));
    saved = process.env.XDG_DATA_HOME;
    process.env.XDG_DATA_HOME = path.join(tmp, 'data');
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = saved;
    await rm(tmp, { recursive: true, force: true });
  });

  it('moves files with a .trashinfo, keeping both of two same-named files', async () => {
    const a = path.join(tmp, 'a', 'photo 1.jpg');
    const b = path.join(tmp, 'b', 'photo 1.jpg');
    for (const f of [a, b]) {
      await mkdir(path.dirname(f), { recursive: true });
      await writeFile(f, f);
    }
    await trashFile(a);
    await trashFile(b);
    await expect(trashFile(path.join(tmp, 'missing.jpg'))).rejects.toThrow();
    expect(existsSync(a) || existsSync(b)).toBe(false);
    const files = path.join(tmp, 'data', 'Trash', 'files');
    expect(await readFile(path.join(files, 'photo 1.jpg'), 'utf8')).toBe(a);
    expect(await readFile(path.join(files, 'photo 1 2.jpg'), 'utf8')).toBe(b);
    const info = await readFile(path.join(tmp, 'data', 'Trash', 'info', 'photo 1.jpg.trashinfo'), 'utf8');
    expect(info).toContain(`Path=${encodeURI(a)}`);
    expect(existsSync(path.join(tmp, 'data', 'Trash', 'info', 'missing.jpg.trashinfo'))).toBe(false);
  });
});
