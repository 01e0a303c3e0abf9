// Measures the OCR engine on the quality set (testing/ocr-test-set.ts): character accuracy per kind, search
// top-3 through OcrTextIndex, negatives never returned, the text-likelihood gate's recall and saving, images/s
// by thread count, and accuracy/time by detection size. The quality test asserts on runOcrSet/scoreOcrSet;
// bench/ can call benchOcr() for the JSON. Run alone: `npx tsx src/main/core/ocr/bench-ocr.ts [sizes|threads|gate|all]`.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeForOcr } from './decode-for-ocr.js';
import type { OcrEngine, OcrLine, OcrTimings, RgbImage, TextLikelihood } from './ocr-engine.js';
import { accuracy, countFull, countRecall, type AccuracyCount } from './ocr-quality.js';
import { OcrTextIndex } from './ocr-text-index.js';
import { PADDLE_GATE_THRESHOLD, PaddleOcrEngine, type PaddleOcrOptions } from './paddle-ocr-engine.js';
import { foldText } from './text-fold.js';
import {
  assignQueries, PHOTO_FIXTURES, readOcrFixtures, TEXT_PHOTOS, textFreePhotos, writeGeneratedOcrSet, type OcrKind, type OcrTestImage,
} from './testing/ocr-test-set.js';

export interface OcrSetResult {
  item: OcrTestImage;
  /** Null when the engine returned a failure (its reason in `error`). */
  lines: OcrLine[] | null;
  error?: string;
  ms: number;
  timings?: OcrTimings;
  gate?: TextLikelihood;
  gateMs?: number;
}

/** The full quality set: shared fixtures, generated images (written to `dir`), text-free photos, text photos. */
export async function buildOcrSet(dir: string): Promise<OcrTestImage[]> {
  const items = [
    ...(await readOcrFixtures()),
    ...(await writeGeneratedOcrSet(dir)),
    ...textFreePhotos(),
    // Mostly-text photos without ground truth: they count for the gate only.
    ...TEXT_PHOTOS.map((name): OcrTestImage => ({
      name, kind: 'document', file: path.join(PHOTO_FIXTURES, name), lines: [], complete: false, queries: [], source: 'fixture',
    })),
  ];
  assignQueries(items, foldText);
  return items;
}

/** True for images with text, whether or not their ground truth is listed. */
export const hasText = (it: OcrTestImage) => it.kind !== 'negative';

export async function runOcrSet(
  engine: OcrEngine,
  items: OcrTestImage[],
  opts: { gate?: boolean; recognize?: boolean } = {},
): Promise<OcrSetResult[]> {
  const out: OcrSetResult[] = [];
  for (const item of items) {
    const decoded = await decodeForOcr(item.file);
    if (!decoded.ok) {
      out.push({ item, lines: null, error: decoded.error.reason, ms: 0 });
      continue;
    }
    const image: RgbImage = decoded.value;
    const r: OcrSetResult = { item, lines: null, ms: 0 };
    if (opts.gate) {
      const t = performance.now();
      const g = await engine.textLikelihood(image);
      r.gateMs = performance.now() - t;
      if (g.ok) r.gate = g.value;
    }
    if (opts.recognize !== false) {
      const t = performance.now();
      const res = await engine.recognize(image, { onTimings: (x) => (r.timings = x) });
      r.ms = performance.now() - t;
      if (res.ok) r.lines = res.value;
      else r.error = res.error.reason;
    }
    out.push(r);
  }
  return out;
}

export interface KindScore {
  images: number;
  /** Micro-averaged character accuracy: 1 − Σ edits / Σ ground-truth characters. */
  charAccuracy: number;
  /** Mean of the per-image accuracies. */
  meanImageAccuracy: number;
  /** The same after folding case and traditional → simplified on both sides (what search sees). */
  charAccuracyFolded: number;
  chars: number;
}

export interface OcrSetScore {
  byKind: Record<string, KindScore>;
  perImage: { name: string; kind: OcrKind; accuracy: number; text: string }[];
  search: { queries: number; top3: number; top3Rate: number; misses: string[]; negativeHits: string[] };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function scoreOcrSet(results: OcrSetResult[]): OcrSetScore {
  const sums = new Map<string, { raw: AccuracyCount; folded: AccuracyCount; accs: number[] }>();
  const perImage: OcrSetScore['perImage'] = [];
  for (const r of results) {
    const { item } = r;
    if (item.lines.length === 0) continue;
    const out = (r.lines ?? []).map((l) => l.text);
    const count = item.complete ? countFull : countRecall;
    const raw = count(item.lines, out);
    const folded = count(item.lines, out, { fold: true });
    const s = sums.get(item.kind) ?? { raw: { edits: 0, chars: 0 }, folded: { edits: 0, chars: 0 }, accs: [] };
    s.raw.edits += raw.edits;
    s.raw.chars += raw.chars;
    s.folded.edits += folded.edits;
    s.folded.chars += folded.chars;
    s.accs.push(accuracy(raw));
    sums.set(item.kind, s);
    perImage.push({ name: item.name, kind: item.kind, accuracy: r4(accuracy(raw)), text: out.join(' | ') });
  }
  const byKind: Record<string, KindScore> = {};
  for (const [kind, s] of sums) {
    byKind[kind] = {
      images: s.accs.length,
      charAccuracy: r4(accuracy(s.raw)),
      meanImageAccuracy: r4(s.accs.reduce((a, b) => a + b, 0) / s.accs.length),
      charAccuracyFolded: r4(accuracy(s.folded)),
      chars: s.raw.chars,
    };
  }

  // Search: every recognised line goes into one index; each query must find its image in the top 3, and no
  // text-free photo may come back for any query.
  const index = new OcrTextIndex();
  for (const r of results) if (r.lines?.length) index.set(r.item.name, r.lines.map((l) => l.text));
  const negatives = new Set(results.filter((r) => !hasText(r.item)).map((r) => r.item.name));
  let queries = 0, top3 = 0;
  const misses: string[] = [];
  const negativeHits = new Set<string>();
  for (const r of results) {
    for (const q of r.item.queries) {
      queries++;
      const hits = index.search(q, { limit: 20 });
      if (hits.slice(0, 3).some((h) => h.id === r.item.name)) top3++;
      else misses.push(`${q} → ${r.item.name} (got ${hits.slice(0, 3).map((h) => h.id).join(', ') || 'nothing'})`);
      for (const h of hits) if (negatives.has(h.id)) negativeHits.add(`${q} → ${h.id}`);
    }
  }
  return {
    byKind,
    perImage,
    search: { queries, top3, top3Rate: r4(queries ? top3 / queries : 1), misses, negativeHits: [...negativeHits] },
  };
}

export interface GateReport {
  threshold: number;
  textImages: number;
  negatives: number;
  /** Text-bearing images the gate would skip, as a share of all text-bearing images. */
  missedShare: number;
  missed: string[];
  /** Negatives the gate lets through to full OCR. */
  negativesPassedShare: number;
  gateMsMean: number;
  ocrMsMeanText: number;
  ocrMsMeanNegative: number;
  /** Time saved against OCR on every photo, for a library where `textShare` of photos have text. */
  savingAt20PercentText: number;
}

/** The gate's trade at `threshold` (score ≥ threshold → run OCR). */
export function gateReport(results: OcrSetResult[], threshold: number, textShare = 0.2): GateReport {
  const text = results.filter((r) => hasText(r.item) && r.gate);
  const neg = results.filter((r) => !hasText(r.item) && r.gate);
  const missed = text.filter((r) => r.gate!.score < threshold).map((r) => `${r.item.name} (${r.gate!.score.toFixed(2)})`);
  const passed = neg.filter((r) => r.gate!.score >= threshold).length;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const gateMs = mean(results.filter((r) => r.gateMs !== undefined).map((r) => r.gateMs!));
  const ocrText = mean(text.map((r) => r.ms));
  const ocrNeg = mean(neg.map((r) => r.ms));
  const negPass = neg.length ? passed / neg.length : 0;
  const textPass = text.length ? 1 - missed.length / text.length : 1;
  const always = textShare * ocrText + (1 - textShare) * ocrNeg;
  const gated = gateMs + textShare * textPass * ocrText + (1 - textShare) * negPass * ocrNeg;
  return {
    threshold,
    textImages: text.length,
    negatives: neg.length,
    missedShare: r4(text.length ? missed.length / text.length : 0),
    missed,
    negativesPassedShare: r4(negPass),
    gateMsMean: Math.round(gateMs),
    ocrMsMeanText: Math.round(ocrText),
    ocrMsMeanNegative: Math.round(ocrNeg),
    savingAt20PercentText: r4(always > 0 ? 1 - gated / always : 0),
  };
}

/** The gate threshold the quality test holds to account. */
export const GATE_THRESHOLD = PADDLE_GATE_THRESHOLD;

export async function benchOcr(which: 'sizes' | 'threads' | 'gate' | 'all' = 'all', engineOpts: PaddleOcrOptions = {}) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-ocr-bench-'));
  try {
    const items = await buildOcrSet(tmp);
    const report: Record<string, unknown> = {};
    if (which === 'sizes' || which === 'all') {
      const sizes: Record<string, unknown> = {};
      for (const side of [640, 960, 1280, 1600]) {
        const engine = new PaddleOcrEngine({ ...engineOpts, detLimitSide: side });
        const res = await runOcrSet(engine, items.filter((i) => i.lines.length > 0));
        const score = scoreOcrSet(res);
        sizes[side] = {
          byKind: Object.fromEntries(Object.entries(score.byKind).map(([k, v]) => [k, v.charAccuracy])),
          top3Rate: score.search.top3Rate,
          detMsMean: Math.round(res.reduce((s, r) => s + (r.timings?.detMs ?? 0), 0) / res.length),
          totalMsMean: Math.round(res.reduce((s, r) => s + r.ms, 0) / res.length),
        };
        await engine.close();
      }
      report.sizes = sizes;
    }
    if (which === 'threads' || which === 'all') {
      const text = items.filter((i) => i.lines.length > 0);
      const threads: Record<string, unknown> = {};
      for (const n of [1, 2]) {
        const engine = new PaddleOcrEngine({ ...engineOpts, intraOpNumThreads: n });
        await runOcrSet(engine, text.slice(0, 2)); // warm-up: sessions loaded
        const t = performance.now();
        const res = await runOcrSet(engine, text);
        const s = (performance.now() - t) / 1000;
        threads[n] = { images: res.length, seconds: Math.round(s * 10) / 10, imagesPerSecond: Math.round((res.length / s) * 100) / 100 };
        await engine.close();
      }
      report.threads = threads;
    }
    if (which === 'gate' || which === 'all') {
      const engine = new PaddleOcrEngine(engineOpts);
      const res = await runOcrSet(engine, items, { gate: true });
      await engine.close();
      const gate: Record<string, GateReport> = {};
      for (const side of [320, 416, 480, 640]) {
        // Only the gate is rerun at each size; the OCR times of the first pass are reused for the cost model.
        const g = new PaddleOcrEngine({ ...engineOpts, gateSide: side });
        const only = await runOcrSet(g, items, { gate: true, recognize: false });
        await g.close();
        const merged = res.map((r, i) => ({ ...r, gate: only[i].gate, gateMs: only[i].gateMs }));
        gate[side] = gateReport(merged, GATE_THRESHOLD);
      }
      report.gate = gate;
      const score = scoreOcrSet(res);
      report.quality = { byKind: score.byKind, search: score.search };
    }
    return report;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const which = (process.argv[2] ?? 'all') as 'sizes' | 'threads' | 'gate' | 'all';
  console.log(JSON.stringify(await benchOcr(which), null, 2));
}
