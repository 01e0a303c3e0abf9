// Why files were left out, kept as facts: a real index run (real LanceDB, a generated toy model) over broken
// files records each failure's details beside its code, the scan's problems carry theirs, and a reopened library
// (writable, and read-only as `soutu status` opens it) gives the same details back.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureMessage, scanProblemMessage } from '../../../shared/failure-messages.js';
import type { FailedFile } from '../../../shared/types.js';
import { SHARED_FIXTURES, writeColourImages } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { Library } from './library.js';

let root: string;
let cleanup: () => Promise<void>;
let model: string;
let photos: string;
let libDir: string;

/** A real JPEG whose frame header is rewritten to declare width × height. */
async function jpegDeclaring(dest: string, width: number, height: number): Promise<void> {
  const jpeg = Buffer.from(await readFile(path.join(SHARED_FIXTURES, 'photos', 'cake_with_fruit.jpg')));
  for (let i = 2; i < jpeg.length - 9; i += 2 + jpeg.readUInt16BE(i + 2)) {
    if (jpeg[i + 1] >= 0xc0 && jpeg[i + 1] <= 0xc2) {
      jpeg.writeUInt16BE(height, i + 5);
      jpeg.writeUInt16BE(width, i + 7);
      await writeFile(dest, jpeg);
      return;
    }
  }
  throw new Error('no SOF marker');
}

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-failures-'));
  model = path.join(root, 'models', 'toy');
  await makeTestModel('toy-color', model);
  photos = path.join(root, 'photos');
  libDir = path.join(root, 'library');
  await writeColourImages(path.join(photos, 'colours'));
  const bad = path.join(photos, 'bad');
  await mkdir(bad, { recursive: true });
  await jpegDeclaring(path.join(bad, 'huge.jpg'), 60000, 60000);
  await copyFile(path.join(SHARED_FIXTURES, 'bad', 'png_broken_data_stream.png'), path.join(bad, 'broken.png'));
  await copyFile(path.join(SHARED_FIXTURES, 'bad', 'truncated_10000_bytes.png'), path.join(bad, 'cut.png'));
  if (process.platform !== 'win32') {
    execFileSync('mkfifo', [path.join(bad, 'pipe.jpg')]);
    // A folder that links back to its parent: the walk reports it with the folder it leads to.
    await symlink(photos, path.join(bad, 'loop'));
  }
});

afterAll(async () => {
  await cleanup?.();
});

function byName(failed: FailedFile[]): Map<string, FailedFile> {
  return new Map(failed.map((f) => [path.basename(f.path), f]));
}

describe('failure details', () => {
  it('records the facts behind each failure and each scan problem, and keeps them across a reopen', async () => {
    const lib = await Library.open(libDir, { model, device: 'cpu' });
    let first: FailedFile[];
    try {
      const report = await lib.index({ roots: [photos] });
      const failed = byName(report.failed);
      expect(failed.get('huge.jpg')).toMatchObject({ code: 'too-large', details: { format: 'jpeg', width: 60000, height: 60000, limit: 2 ** 30 } });
      expect(failed.get('broken.png')).toMatchObject({ code: 'corrupt', details: { format: 'png' } });
      expect(failed.get('cut.png')).toMatchObject({ code: 'truncated', details: { format: 'png' } });
      // The sentences name them in both languages.
      const huge = failed.get('huge.jpg')!;
      expect(failureMessage(huge.code, huge.details, 'en')).toContain('60,000×60,000 pixels');
      expect(failureMessage(huge.code, huge.details, 'zh-CN')).toContain('60,000×60,000 像素');
      const broken = failed.get('broken.png')!;
      expect(failureMessage(broken.code, broken.details, 'zh-CN')).toContain('PNG');

      if (process.platform !== 'win32') {
        // A FIFO named like a photo is never opened: the scan reports it, with what it is.
        const pipe = report.problems.find((p) => path.basename(p.path) === 'pipe.jpg');
        expect(pipe).toMatchObject({ kind: 'not-a-file', details: { fileKind: 'fifo' } });
        expect(scanProblemMessage(pipe!.kind, pipe!.details, 'zh-CN')).toContain('命名管道');
        const loop = report.problems.find((p) => p.kind === 'symlink-loop');
        expect(loop?.details?.target, 'a loop names the folder it leads back to').toBe(photos);
      }
      first = lib.failures();
      expect(first).toEqual(report.failed);
    } finally {
      await lib.close();
    }

    // From the table, not from memory: a writable reopen and a read-only one (as `soutu status` opens it).
    for (const readOnly of [false, true]) {
      const again = await Library.open(libDir, { model, device: 'cpu', readOnly });
      try {
        expect(again.failures(), `readOnly: ${readOnly}`).toEqual(first);
        expect(byName(again.failures()).get('huge.jpg')?.details).toEqual({ format: 'jpeg', width: 60000, height: 60000, limit: 2 ** 30 });
      } finally {
        await again.close();
      }
    }
  });
});
