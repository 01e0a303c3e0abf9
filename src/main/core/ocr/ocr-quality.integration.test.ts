// Holds the real PP-OCRv4 weights to account on the shared OCR fixtures plus a set generated at test time
// (testing/ocr-test-set.ts): character accuracy per kind, text search top-3 through OcrTextIndex, negatives
// never returned, and the text-likelihood gate's recall. Quality thresholds only; timings go to bench-ocr.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp';
import { buildOcrSet, GATE_THRESHOLD, gateReport, runOcrSet, scoreOcrSet, type OcrSetResult, type OcrSetScore } from './bench-ocr';
import { PaddleOcrEngine } from './paddle-ocr-engine';

const GOALS: Record<string, number> = { screenshot: 0.9, document: 0.9, scene: 0.75, rotated: 0.9, 'upside-down': 0.9 };

describe('OCR quality on real and generated images', () => {
  let results: OcrSetResult[];
  let score: OcrSetScore;
  const engine = new PaddleOcrEngine();
  const tmp = tempDir('soutu-ocr-quality-');

  beforeAll(async () => {
    const items = await buildOcrSet((await tmp).dir);
    results = await runOcrSet(engine, items, { gate: true });
    score = scoreOcrSet(results);
    const rows = Object.entries(score.byKind).map(([kind, k]) =>
      `${kind.padEnd(12)} images ${String(k.images).padStart(2)}  chars ${String(k.chars).padStart(5)}  accuracy ${k.charAccuracy.toFixed(3)}` +
      `  (per-image mean ${k.meanImageAccuracy.toFixed(3)}, folded ${k.charAccuracyFolded.toFixed(3)})`,
    );
    const gate = gateReport(results, GATE_THRESHOLD);
    console.log(
      [
        'OCR character accuracy by kind (1 − edits / ground-truth characters):',
        ...rows,
        `search top-3: ${score.search.top3}/${score.search.queries} = ${score.search.top3Rate}; negatives returned: ${score.search.negativeHits.length}`,
        `gate (score ≥ ${GATE_THRESHOLD}): text-bearing missed ${gate.missed.length}/${gate.textImages} (${(gate.missedShare * 100).toFixed(1)}%), ` +
          `negatives passed ${(gate.negativesPassedShare * 100).toFixed(1)}% of ${gate.negatives}${gate.missed.length ? `; missed: ${gate.missed.join(', ')}` : ''}`,
        ...score.perImage.filter((p) => p.accuracy < 0.9).map((p) => `  below 0.9: ${p.kind} ${p.name} ${p.accuracy} «${p.text.slice(0, 120)}»`),
      ].join('\n'),
    );
  }, 900_000);

  afterAll(async () => {
    await engine.close();
    await (await tmp).cleanup();
  });

  it('decodes and reads every image without a failure', () => {
    expect(results.filter((r) => r.error).map((r) => `${r.item.name}: ${r.error}`)).toEqual([]);
  });

  it.each(Object.keys(GOALS))('reaches the character accuracy goal on %s images', (kind) => {
    const k = score.byKind[kind];
    expect(k, `no ${kind} images scored`).toBeDefined();
    expect(k.charAccuracy).toBeGreaterThanOrEqual(GOALS[kind]);
  });

  it('finds each image in the top 3 for its queries, and never returns a text-free photo', () => {
    expect(score.search.queries).toBeGreaterThanOrEqual(60);
    expect(score.search.top3Rate, score.search.misses.join('\n')).toBeGreaterThanOrEqual(0.9);
    expect(score.search.negativeHits).toEqual([]);
  });

  it('lets at most 5% of text-bearing images past the gate unread', () => {
    const gate = gateReport(results, GATE_THRESHOLD);
    expect(gate.textImages).toBeGreaterThanOrEqual(40);
    expect(gate.missedShare, gate.missed.join(', ')).toBeLessThanOrEqual(0.05);
    // And it is a gate: most text-free photos are stopped.
    expect(gate.negativesPassedShare).toBeLessThanOrEqual(0.5);
  });

  it('reads the EXIF-rotated fixture upright, with boxes in upright pixel coordinates', () => {
    const r = results.find((x) => x.item.name === 'rotated_exif8_landscape.jpg')!;
    const words = r.lines!.map((l) => l.text.toLowerCase());
    for (const w of ['top', 'left', 'right', 'bottom']) expect(words).toContain(w);
    const top = r.lines!.find((l) => l.text.toLowerCase() === 'top')!;
    const bottom = r.lines!.find((l) => l.text.toLowerCase() === 'bottom')!;
    // Displayed 1800×1200: "top" near the top edge, "bottom" near the bottom one.
    expect(Math.max(...top.box.map((p) => p[1]))).toBeLessThan(600);
    expect(Math.min(...bottom.box.map((p) => p[1]))).toBeGreaterThan(600);
    for (const p of bottom.box) expect(p[0]).toBeLessThanOrEqual(1800);
  });

  it('gives lines in the shape the CLI prints', () => {
    const r = results.find((x) => x.item.name === 'zh_storefront_sign_crop.png')!;
    const json = JSON.parse(JSON.stringify(r.lines));
    expect(json).toEqual([
      {
        text: '魅派集成吊顶',
        box: expect.arrayContaining([[expect.any(Number), expect.any(Number)]]),
        score: expect.any(Number),
      },
    ]);
    expect(json[0].box).toHaveLength(4);
    expect(json[0].box.flat().every(Number.isInteger)).toBe(true);
  });

  it('finds nothing to read on the text-free photos', () => {
    const neg = results.filter((r) => r.item.kind === 'negative');
    expect(neg.length).toBeGreaterThanOrEqual(15);
    // A stray low-confidence fragment on a texture is tolerated; a real line of text is not.
    const lines = neg.flatMap((r) => (r.lines ?? []).filter((l) => l.text.length >= 3).map((l) => `${r.item.name}: ${l.text}`));
    expect(lines).toEqual([]);
  });
});
