import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp';
import { ocrModelPaths } from './model-paths';
import type { RgbImage } from './ocr-engine';
import { detectionSize, PaddleOcrEngine } from './paddle-ocr-engine';

async function rendered(text: string, width = 640, height = 80, size = 40): Promise<RgbImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="20" y="${Math.round(height / 2 + size / 3)}" font-family="Noto Sans CJK SC" font-size="${size}" fill="#111">${text}</text></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const blank = (w: number, h: number): RgbImage => ({ data: new Uint8Array(w * h * 3).fill(255), width: w, height: h });

describe('detectionSize', () => {
  it('caps the longest side and rounds both to multiples of 32', () => {
    // 3000 × 0.24 = 720 = 22.5 × 32, rounded to 23 × 32 (as PaddleOCR rounds).
    expect(detectionSize(4000, 3000, 960)).toEqual({ width: 960, height: 736 });
    expect(detectionSize(500, 500, 960)).toEqual({ width: 512, height: 512 });
  });

  it('enlarges thin strips towards the minimum short side, within the limit', () => {
    expect(detectionSize(256, 32, 960, 96)).toEqual({ width: 768, height: 96 });
    expect(detectionSize(900, 30, 960, 96)).toEqual({ width: 960, height: 32 });
    expect(detectionSize(10, 10, 960)).toEqual({ width: 32, height: 32 });
  });
});

describe('PaddleOcrEngine', () => {
  const engine = new PaddleOcrEngine();
  afterAll(() => engine.close());

  it('reads a rendered line of mixed Chinese and English', async () => {
    const r = await engine.recognize(await rendered('营业时间 Open 9:00'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toHaveLength(1);
    expect(r.value[0].text.replace(/\s/g, '')).toBe('营业时间Open9:00');
    expect(r.value[0].score).toBeGreaterThan(0.8);
    // The box is in image pixels, clockwise from the top-left, around the text.
    const [tl, tr, br, bl] = r.value[0].box;
    expect(tl[0]).toBeLessThan(tr[0]);
    expect(tl[1]).toBeLessThan(bl[1]);
    expect(br[0]).toBeLessThanOrEqual(640);
    expect(Number.isInteger(tl[0])).toBe(true);
  });

  it('turns an upside-down line back before reading it', async () => {
    const img = await rendered('欢迎光临本店');
    const { data, info } = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).rotate(180).raw().toBuffer({ resolveWithObject: true });
    const r = await engine.recognize({ data: new Uint8Array(data), width: info.width, height: info.height });
    expect(r.ok && r.value.map((l) => l.text).join('')).toBe('欢迎光临本店');
  });

  it('returns no lines for an image without text, and scores it as unlikely to have any', async () => {
    const r = await engine.recognize(blank(300, 200));
    expect(r).toEqual({ ok: true, value: [] });
    const g = await engine.textLikelihood(blank(300, 200));
    expect(g).toEqual({ ok: true, value: { score: 0, regions: 0, area: 0 } });
    const t = await engine.textLikelihood(await rendered('这里有文字 text here'));
    expect(t.ok && t.value.score).toBeGreaterThan(0.6);
  });

  it('refuses malformed images with a typed failure instead of throwing', async () => {
    const cases: RgbImage[] = [
      { data: new Uint8Array(0), width: 0, height: 0 },
      { data: new Uint8Array(10), width: 10, height: 10 },
      { data: new Uint8Array(3), width: 1.5, height: 2 },
      null as unknown as RgbImage,
    ];
    for (const img of cases) {
      const r = await engine.recognize(img);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('bad-input');
    }
    const big = new PaddleOcrEngine({ maxPixels: 100 });
    const r = await big.recognize(blank(20, 20));
    expect(!r.ok && r.error.code).toBe('bad-input');
  });

  it('handles tiny images (smaller than the detector needs)', async () => {
    for (const [w, h] of [[1, 1], [3, 200], [200, 3]]) {
      const r = await engine.recognize(blank(w, h));
      expect(r.ok).toBe(true);
    }
  });

  it('stops between stages when the time budget is spent', async () => {
    const r = await engine.recognize(await rendered('超时测试'), { timeoutMs: 0 });
    expect(!r.ok && r.error.code).toBe('timeout');
  });

  it('runs concurrent calls one at a time and answers all of them', async () => {
    const img = await rendered('并发');
    const results = await Promise.all([engine.textLikelihood(img), engine.recognize(img), engine.textLikelihood(blank(64, 64))]);
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('reloads sessions after release()', async () => {
    await engine.release();
    const r = await engine.recognize(await rendered('再次加载'));
    expect(r.ok && r.value[0]?.text).toBe('再次加载');
  });
});

describe('PaddleOcrEngine failures', () => {
  const tmp = tempDir('soutu-ocr-');
  afterAll(async () => (await tmp).cleanup());

  it('reports missing model files as model-missing, every time (a failed load is not cached)', async () => {
    const dir = (await tmp).dir;
    const engine = new PaddleOcrEngine({ paths: { ...ocrModelPaths(), detection: path.join(dir, 'nope.onnx') } });
    for (let i = 0; i < 2; i++) {
      const r = await engine.recognize(blank(64, 64));
      expect(!r.ok && r.error.code).toBe('model-missing');
    }
  });

  it('reports a broken model file as model-error and a missing dictionary as model-missing', async () => {
    const dir = (await tmp).dir;
    const bad = path.join(dir, 'bad.onnx');
    await writeFile(bad, 'not a model');
    const broken = new PaddleOcrEngine({ paths: { detection: bad } });
    const r1 = await broken.recognize(blank(64, 64));
    expect(!r1.ok && r1.error.code).toBe('model-error');
    const noDict = new PaddleOcrEngine({ paths: { dictionary: path.join(dir, 'keys.txt') } });
    const r2 = await noDict.recognize(await rendered('字典'));
    expect(!r2.ok && r2.error.code).toBe('model-missing');
    await noDict.close();
  });

  it('frees sessions only between jobs, and answers calls queued behind close() with closed', async () => {
    const engine = new PaddleOcrEngine();
    const img = await rendered('排队');
    const first = engine.recognize(img);
    const released = engine.release();
    const second = engine.recognize(img);
    const closing = engine.close();
    const third = engine.recognize(img);
    const [a, , b, , c] = await Promise.all([first, released, second, closing, third]);
    expect(a.ok && a.value[0]?.text).toBe('排队');
    // The second call was queued before close() and ran after it: closed, not a crash on freed sessions.
    expect(!b.ok && b.error.code).toBe('closed');
    expect(!c.ok && c.error.code).toBe('closed');
  });

  it('refuses work once closed', async () => {
    const engine = new PaddleOcrEngine();
    await engine.close();
    const r = await engine.recognize(blank(64, 64));
    expect(!r.ok && r.error.code).toBe('closed');
  });
});
