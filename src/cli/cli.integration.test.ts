// The CLI contract that scripts (and our outside checks) rely on, driven through the real `soutu` binary.
import { execFile } from 'node:child_process';
import { copyFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SHARED_FIXTURES, writeColourImages } from '../main/core/testing/fixtures.js';
import { tempDir } from '../main/core/testing/temp.js';
import { makeTestModel } from '../main/core/testing/test-models.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'bin', 'soutu.js');
let root: string;
let cleanup: () => Promise<void>;
let lib: string;
let toy: string;
let combined: string;
let colours: Record<string, string>;

async function soutu(...args: string[]) {
  try {
    const r = await run(process.execPath, [CLI, ...args], { maxBuffer: 32 << 20, env: { ...process.env, SOUTU_MODELS_DIR: path.join(root, 'models-home') } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const lastJson = (s: string) => JSON.parse(s.trim().split('\n').pop()!);

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-cli-'));
  toy = path.join(root, 'toy');
  combined = path.join(root, 'toy-combined');
  await makeTestModel('toy-color', toy);
  await makeTestModel('toy-color-combined', combined);
  colours = await writeColourImages(path.join(root, 'colours'));
  lib = path.join(root, 'lib');
});

afterAll(async () => {
  await cleanup?.();
});

describe('soutu CLI', () => {
  it('--help works and documents the exit codes', async () => {
    const r = await soutu('--help');
    expect(r.code).toBe(0);
    for (const cmd of ['index', 'search', 'similar', 'status', 'models']) expect(r.stdout).toContain(cmd);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*\n {2}5 {4}the model is not downloaded yet/);
  });

  it('exits with the code of what went wrong: not found 3, model missing 5', async () => {
    const unknown = await soutu('models', 'download', 'no/such-model');
    expect(unknown.code, unknown.stderr).toBe(3);
    expect(unknown.stderr).toMatch(/^soutu: Unknown model "no\/such-model"/);
    const missing = await soutu('search', 'red', '--library', path.join(root, 'fresh-lib'), '--model', 'Xenova/clip-vit-base-patch32');
    expect(missing.code, missing.stderr).toBe(5);
    expect(missing.stderr).toMatch(/not downloaded yet/);
  });

  it('index --json ends with the report line, exit 0 despite bad files', async () => {
    const r = await soutu('index', path.join(root, 'colours'), SHARED_FIXTURES, '--library', lib, '--model', toy, '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = lastJson(r.stdout);
    expect(report).toMatchObject({ indexed: expect.any(Number), unchanged: 0, removed: 0 });
    expect(report.indexed).toBeGreaterThan(40);
    expect(report.failed.length).toBeGreaterThanOrEqual(10);
    for (const f of report.failed) {
      expect(typeof f.path).toBe('string');
      expect(f.error.length).toBeGreaterThan(5);
    }
    expect(report.failed.map((f: { path: string }) => path.basename(f.path))).toContain('zero_bytes.jpg');
    // Each entry may carry more than path and error: the code, and the facts behind it.
    const bomb = report.failed.find((f: { path: string }) => path.basename(f.path) === 'declared_65536x65536.png');
    expect(bomb).toMatchObject({ path: expect.any(String), error: expect.any(String), code: 'too-large', details: { format: 'png', width: 65536, height: 65536 } });
  });

  it('a second index of an unchanged folder reports indexed: 0', async () => {
    const r = await soutu('index', path.join(root, 'colours'), SHARED_FIXTURES, '--library', lib, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout).indexed).toBe(0);
  });

  it('search --json returns hits best first with path and score, honouring --limit', async () => {
    for (const [q, colour] of [['红色', 'red'], ['red', 'red'], ['蓝', 'blue'], ['a photo of green', 'green']]) {
      const r = await soutu('search', q, '--library', lib, '--limit', '4', '--json');
      expect(r.code, r.stderr).toBe(0);
      const hits = lastJson(r.stdout);
      expect(hits.length).toBe(4);
      expect(hits[0].path).toBe(colours[colour]);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
    }
  });

  it('similar --json finds the original of a resized copy', async () => {
    const copy = path.join(root, 'copy.jpg');
    await sharp(path.join(SHARED_FIXTURES, 'photos', 'kodak05_motocross.png')).resize({ width: 256 }).jpeg({ quality: 50 }).toFile(copy);
    const r = await soutu('similar', copy, '--library', lib, '--limit', '3', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout)[0].path).toBe(path.join(SHARED_FIXTURES, 'photos', 'kodak05_motocross.png'));
  });

  it('status --json counts photos, roots, model and failures', async () => {
    const r = await soutu('status', '--library', lib, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = lastJson(r.stdout);
    expect(s.photos).toBeGreaterThan(40);
    expect(s.roots.length).toBe(2);
    expect(s.model.id).toMatch(/^local:toy/);
    expect(s.failures).toBeGreaterThanOrEqual(10);
  });

  it('status prints why files failed: the engine\'s English sentence, or one made from code and details with --lang zh', async () => {
    const bomb = path.join(SHARED_FIXTURES, 'bad', 'declared_65536x65536.png');
    const en = await soutu('status', '--library', lib, '--lang', 'en');
    expect(en.code, en.stderr).toBe(0);
    expect(en.stdout).toContain(`✗ ${bomb}: Refused: the image declares 65536×65536 pixels`);
    const zh = await soutu('status', '--library', lib, '--lang', 'zh');
    expect(zh.code, zh.stderr).toBe(0);
    expect(zh.stdout).toContain(`✗ ${bomb}: 已拒绝：图片声明的尺寸为 65,536×65,536 像素（42.9 亿像素），超过允许的 2.7 亿像素。`);
    expect(zh.stdout).toMatch(/bad\/png_broken_data_stream\.png: 它的 PNG 数据有误/);
  });

  it('refuses bad arguments with a clear message and a non-zero exit', async () => {
    const r1 = await soutu('search', 'red', '--library', lib, '--limit', 'ten');
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/limit/);
    const r2 = await soutu('search', 'red');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--library/);
    const r3 = await soutu('similar', path.join(root, 'nope.jpg'), '--library', lib);
    expect(r3.code).toBe(2); // a bad argument (see the exit codes in --help)
    expect(r3.stderr).toMatch(/^soutu: /);
    expect(r3.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreachable hub gives one sentence, not a stack trace', async () => {
    const r = await soutu('models', 'download', 'Xenova/clip-vit-base-patch32', '--hub-host', 'http://127.0.0.1:9');
    expect(r.code).toBe(6); // I/O
    expect(r.stderr).toMatch(/Could not reach 127\.0\.0\.1:9/);
    expect(r.stderr.trim().split('\n').length).toBe(1);
  }, 60_000);

  it('models import copies a folder in and it can be used by id', async () => {
    const r = await soutu('models', 'import', combined, '--id', 'local:imported-toy', '--json');
    expect(r.code, r.stderr).toBe(0);
    const { id, folder } = lastJson(r.stdout);
    expect(id).toBe('local:imported-toy');
    expect(folder.startsWith(path.join(root, 'models-home'))).toBe(true);
    const list = await soutu('models', 'list', '--json');
    expect(lastJson(list.stdout).some((m: { id: string; ready: boolean }) => m.id === 'local:imported-toy' && m.ready)).toBe(true);
    const idx = await soutu('index', path.join(root, 'colours'), '--library', path.join(root, 'lib2'), '--model', folder, '--json');
    expect(idx.code, idx.stderr).toBe(0);
    const s = await soutu('search', '红', '--library', path.join(root, 'lib2'), '--json', '--limit', '1');
    expect(lastJson(s.stdout)[0].path).toBe(colours.red);
  });

  it('switching models re-embeds into a new table and then serves the new model', async () => {
    const lib3 = path.join(root, 'lib3');
    await soutu('index', path.join(root, 'colours'), '--library', lib3, '--model', toy, '--json');
    const sw = await soutu('index', path.join(root, 'colours'), '--library', lib3, '--model', combined, '--json');
    expect(sw.code, sw.stderr).toBe(0);
    expect(lastJson(sw.stdout).indexed).toBe(Object.keys(colours).length);
    const s = lastJson((await soutu('status', '--library', lib3, '--json')).stdout);
    expect(s.model.id).toMatch(/^local:toy-combined/);
    expect(s.pendingModel).toBeNull();
    const hits = lastJson((await soutu('search', 'blue', '--library', lib3, '--json', '--limit', '1')).stdout);
    expect(hits[0].path).toBe(colours.blue);
  });

  it('--precision compact indexes with the 8-bit image model, which status reports; a bad value is refused', async () => {
    // A model folder holding the int8 file name too: the compact plan picks it, as a q8 download would.
    const both = path.join(root, 'toy-both');
    await makeTestModel('toy-color', both);
    await copyFile(path.join(both, 'onnx', 'vision_model.onnx'), path.join(both, 'onnx', 'vision_model_quantized.onnx'));
    const lib5 = path.join(root, 'lib5');
    const bad = await soutu('index', path.join(root, 'colours'), '--library', lib5, '--model', both, '--precision', 'tiny');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--precision[\s\S]*expected quality .* or compact/);
    const badDownload = await soutu('models', 'download', 'Xenova/clip-vit-base-patch32', '--precision', 'fp8');
    expect(badDownload.code).toBe(2);
    const help = await soutu('index', '--help');
    expect(help.stdout).toMatch(/--precision <quality\|compact>/);

    const r = await soutu('index', path.join(root, 'colours'), '--library', lib5, '--model', both, '--precision', 'compact', '--json');
    expect(r.code, r.stderr).toBe(0);
    let s = lastJson((await soutu('status', '--library', lib5, '--json')).stdout);
    expect(s.model.vision).toBe('q8');
    expect(s.pendingModel).toBeNull();
    // Indexed again without the flag: the library stays compact (nothing re-embedded).
    const again = await soutu('index', path.join(root, 'colours'), '--library', lib5, '--json');
    expect(lastJson(again.stdout).indexed).toBe(0);
    // Asked for quality: every photo is re-embedded at full precision in that run.
    const up = await soutu('index', path.join(root, 'colours'), '--library', lib5, '--precision', 'quality', '--json');
    expect(up.code, up.stderr).toBe(0);
    expect(lastJson(up.stdout).indexed).toBe(Object.keys(colours).length);
    s = lastJson((await soutu('status', '--library', lib5, '--json')).stdout);
    expect(s.model.vision).toBe('full');
    expect(s.pendingModel).toBeNull();
  });

  it('keeps an unplugged root and reports it offline', async () => {
    const lib4 = path.join(root, 'lib4');
    const dir = path.join(root, 'usb');
    await writeColourImages(dir, { withHalf: false });
    await soutu('index', dir, '--library', lib4, '--model', toy, '--json');
    await rename(dir, dir + '-away');
    const r = await soutu('index', dir, '--library', lib4, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout).removed).toBe(0);
    const s = lastJson((await soutu('status', '--library', lib4, '--json')).stdout);
    expect(s.photos).toBe(7);
    expect(s.roots[0].online).toBe(false);
  });
});
