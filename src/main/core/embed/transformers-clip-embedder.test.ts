// Loading paths of the embedder: split and combined layouts, lazy towers, device fallback order.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { deviceCandidates, detectLayout, TransformersClipEmbedder } from './transformers-clip-embedder.js';

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
    } finally {
      await e.close();
    }
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
    expect(deviceCandidates('gpu', 'linux', () => false)).toEqual(['cuda', 'cpu']);
    expect(deviceCandidates('cpu', 'win32')).toEqual(['cpu']);
  });

  it('falls back to the CPU when the GPU provider fails, and says so', async () => {
    const warnings: string[] = [];
    const e = await TransformersClipEmbedder.open(path.join(root, 'split'), { device: 'gpu', threads: 1, onFallback: (m) => warnings.push(m) });
    try {
      await e.embedTexts(['blue']);
      expect(e.devices().text).toBe('cpu');
      if (process.platform === 'linux') expect(warnings.join(' ')).toMatch(/cuda failed/);
    } finally {
      await e.close();
    }
  });
});
