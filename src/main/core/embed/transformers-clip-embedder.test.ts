// Loading paths of the embedder: split and combined layouts, lazy towers, device fallback order.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { deviceCandidates, describeTowerRuntime, detectLayout, modelKeyOf, TransformersClipEmbedder } from './transformers-clip-embedder.js';

let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-embedder-'));
  await makeTestModel('toy-color', path.join(root, 'split'));
  await makeTestModel('toy-color-combined', path.join(root, 'combined'));
});
afterAll(async () => cleanup?.());

describe('TransformersClipEmbedder', () => {
  it.each(['split', 'combined'])('a text query never loads the vision tower (%s layout)', async (layout) => {
    const e = await TransformersClipEmbedder.open(path.join(root, layout), { device: 'cpu', threads: 1 });
    try {
      const [v] = await e.embedTexts(['a red photo']);
      expect(v.length).toBe(e.dim);
      expect(e.devices()).toEqual({ text: 'cpu', vision: null });
      // fp32 files only: the q8 text tower that 'quality' prefers falls back to fp32.
      expect(e.runtime().text).toMatchObject({ device: 'cpu', compute: 'fp32', weights: 'fp32', fallbacks: [] });
      expect(e.runtime().text!.file).toBe(layout === 'split' ? 'onnx/text_model.onnx' : 'onnx/soutu_text.onnx');
      expect(e.dtype()).toBe('fp32');
    } finally {
      await e.close();
    }
  });

  it('keys vectors by the vision weights\' class: q8 keeps the key of earlier versions, full precision gets its own', async () => {
    expect(modelKeyOf('Xenova/clip-vit-base-patch32', 512)).toBe(modelKeyOf('Xenova/clip-vit-base-patch32', 512, 'q8'));
    expect(modelKeyOf('Xenova/clip-vit-base-patch32', 512, 'full')).not.toBe(modelKeyOf('Xenova/clip-vit-base-patch32', 512));
    const e = await TransformersClipEmbedder.open(path.join(root, 'split'), { device: 'cpu', threads: 1 });
    expect(e.visionClass).toBe('full');
    expect(e.modelKey).toBe(modelKeyOf(e.modelId, e.dim, 'full'));
    expect(e.contextLength).toBe(77);
    await e.close();
  });

  it('detects both layouts and refuses a folder without ONNX files', () => {
    expect(detectLayout(path.join(root, 'split')).kind).toBe('split');
    expect(detectLayout(path.join(root, 'combined')).kind).toBe('combined');
    expect(() => detectLayout(root)).toThrow(/No CLIP model files/);
  });

  it('tries the platform GPU provider first and always ends with the CPU', () => {
    expect(deviceCandidates('auto', 'win32')).toEqual(['dml', 'cpu']);
    expect(deviceCandidates('auto', 'darwin')).toEqual(['coreml', 'cpu']);
    expect(deviceCandidates('auto', 'linux', () => true)).toEqual(['cuda', 'cpu']);
    expect(deviceCandidates('auto', 'linux', () => false)).toEqual(['cpu']);
    expect(deviceCandidates('gpu', 'linux', () => false)).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(deviceCandidates('gpu', 'win32')).toEqual(['dml', 'webgpu', 'cpu']);
    expect(deviceCandidates('gpu', 'darwin')).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(deviceCandidates('cpu', 'win32')).toEqual(['cpu']);
  });

  it('falls back to the CPU when the GPU provider fails, and says so', async () => {
    const warnings: string[] = [];
    const e = await TransformersClipEmbedder.open(path.join(root, 'split'), { device: 'gpu', threads: 1, onFallback: (m) => warnings.push(m) });
    try {
      await e.embedTexts(['blue']);
      expect(e.devices().text).toBe('cpu');
      if (process.platform === 'linux') expect(warnings.join(' ')).toMatch(/cuda failed/);
      const rt = e.runtime().text!;
      expect(rt.fallbacks.length).toBeGreaterThan(0);
      expect(describeTowerRuntime('text', rt)).toMatch(/^text: cpu, fp32 \(onnx\/text_model\.onnx\)\. No GPU provider could run the text model \(.*\), so it runs on the CPU\.$/);
    } finally {
      await e.close();
    }
  });
});
