// The catalog's per-precision files and the plans chosen per device and setting.
import { describe, expect, it } from 'vitest';
import { findCatalogModel, localized, MODEL_CATALOG, precisionPlan, towerPrecisions } from './model-catalog.js';

const cc = findCatalogModel('Xenova/chinese-clip-vit-base-patch16')!;
const b32 = findCatalogModel('xenova/CLIP-vit-base-patch32')!;
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

describe('precisionPlan', () => {
  it('CPU quality: fp16 vision widened to fp32, q8 text', () => {
    const p = precisionPlan(cc);
    expect(p.vision).toMatchObject({ compute: 'fp32', widen: true, file: { path: 'onnx/model_fp16.onnx', bytes: 377e6 } });
    expect(p.text).toMatchObject({ compute: 'q8', widen: false, file: { path: 'onnx/model_quantized.onnx', bytes: 191e6 } });
    expect(p.files.slice(-2)).toEqual(['onnx/model_quantized.onnx', 'onnx/model_fp16.onnx']);
    expect(p.files).toContain('tokenizer.json');
    expect(mb(p.downloadBytes)).toBe(568);
    expect(p.visionClass).toBe('full');
    const split = precisionPlan(b32);
    expect(split.files.slice(-2)).toEqual(['onnx/text_model_quantized.onnx', 'onnx/vision_model_fp16.onnx']);
    expect(mb(split.downloadBytes)).toBe(240.5);
    expect(split.estimated).toBe(false); // both sizes come from the hub listing
  });

  it('GPU: the fp16 files, one combined file for Chinese-CLIP; compact: q8 for both towers', () => {
    const gpu = precisionPlan(cc, { device: 'gpu' });
    expect(gpu.files.filter((f) => f.endsWith('.onnx'))).toEqual(['onnx/model_fp16.onnx']);
    expect(gpu.text.compute).toBe('fp16');
    expect(mb(gpu.downloadBytes)).toBe(377);
    const compact = precisionPlan(cc, { setting: 'compact' });
    expect(compact.files.filter((f) => f.endsWith('.onnx'))).toEqual(['onnx/model_quantized.onnx']);
    expect(mb(compact.downloadBytes)).toBe(191);
    expect(compact.visionClass).toBe('q8');
    expect(towerPrecisions('compact', 'gpu')).toEqual({ text: 'q8', vision: 'q8' });
    expect(mb(precisionPlan(b32, { setting: 'compact' }).downloadBytes)).toBe(152.9);
  });

  it('every model lists each precision for both towers, titles and notes in both languages, and defaults', () => {
    for (const m of MODEL_CATALOG) {
      for (const p of ['fp32', 'fp16', 'q8'] as const) {
        for (const t of ['text', 'vision'] as const) {
          expect(m.weights[p][t].path).toMatch(/^onnx\/.+\.onnx$/);
          expect(m.weights[p][t].bytes).toBeGreaterThan(10e6);
        }
      }
      for (const text of [m.title, m.note]) {
        expect(text.en.length).toBeGreaterThan(0);
        expect(text['zh-CN'].length).toBeGreaterThan(0);
      }
      expect(localized(m.note, 'zh-TW')).toMatch(/[\u4e00-\u9fff]/);
      expect(localized(m.note, 'en-US')).toBe(m.note.en);
      expect(m.defaults.relevance.minZ).toBeGreaterThan(m.defaults.relevance.noneBelowZ);
      expect(m.defaults.tagMargin).toBeGreaterThan(0);
      expect(m.defaults.sources.tagMargin.length).toBeGreaterThan(10);
      expect(m.approxBytes).toBe(precisionPlan(m).downloadBytes);
    }
    expect(cc.contextLength).toBe(52);
    expect(b32.contextLength).toBe(77);
  });
});
