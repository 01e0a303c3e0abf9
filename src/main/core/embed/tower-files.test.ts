// Which file a tower runs from what a folder holds, and the derived files' names.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { chooseTowerFile, towerFilePath, visionClassOf } from './tower-files.js';

let root: string;
let cleanup: () => Promise<void>;

async function folder(name: string, files: string[]): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  for (const f of files) await writeFile(path.join(dir, 'onnx', f), '');
  return dir;
}

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-towers-'));
});
afterAll(async () => cleanup?.());

describe('chooseTowerFile', () => {
  it('widens an fp16 vision file for fp32 compute when there is no fp32 file, and prefers a real fp32 one', async () => {
    const dir = await folder('cpu-quality', ['text_model_quantized.onnx', 'vision_model_fp16.onnx']);
    const v = chooseTowerFile(dir, 'split', 'vision', 'fp32')!;
    expect(v).toMatchObject({ compute: 'fp32', weights: 'fp16', dtype: 'fp32', derive: { split: false, widen: true }, source: 'onnx/vision_model_fp16.onnx' });
    expect(towerFilePath(v)).toBe('onnx/vision_model_fp16_widened.onnx');
    expect(visionClassOf(v)).toBe('full');
    expect(chooseTowerFile(dir, 'split', 'vision', 'fp16')).toMatchObject({ compute: 'fp16', derive: { widen: false } });
    expect(chooseTowerFile(dir, 'split', 'text', 'q8')).toMatchObject({ compute: 'q8', fileBase: 'text_model', dtype: 'q8' });
    const both = await folder('both', ['text_model.onnx', 'vision_model.onnx', 'vision_model_fp16.onnx']);
    expect(chooseTowerFile(both, 'split', 'vision', 'fp32')).toMatchObject({ weights: 'fp32', derive: { widen: false } });
  });

  it('falls back to what is there: q8 only (downloads of earlier versions) or full precision for a wanted q8', async () => {
    const legacy = await folder('legacy', ['text_model_quantized.onnx', 'vision_model_quantized.onnx']);
    const v = chooseTowerFile(legacy, 'split', 'vision', 'fp32')!;
    expect(v.compute).toBe('q8');
    expect(visionClassOf(v)).toBe('q8');
    const full = await folder('full', ['text_model.onnx', 'vision_model.onnx']);
    expect(chooseTowerFile(full, 'split', 'text', 'q8')).toMatchObject({ compute: 'fp32' });
    expect(chooseTowerFile(await folder('none', []), 'split', 'text', 'q8')).toBeNull();
  });

  it('splits towers out of a combined graph under soutu_ names', async () => {
    const dir = await folder('combined', ['model_fp16.onnx', 'model_quantized.onnx']);
    const v = chooseTowerFile(dir, 'combined', 'vision', 'fp32')!;
    expect(v).toMatchObject({ source: 'onnx/model_fp16.onnx', derive: { split: true, widen: true } });
    expect(towerFilePath(v)).toBe('onnx/soutu_vision_fp16_widened.onnx');
    const t = chooseTowerFile(dir, 'combined', 'text', 'q8')!;
    expect(towerFilePath(t)).toBe('onnx/soutu_text_quantized.onnx');
    expect(towerFilePath(chooseTowerFile(dir, 'combined', 'vision', 'fp16')!)).toBe('onnx/soutu_vision_fp16.onnx');
  });
});
