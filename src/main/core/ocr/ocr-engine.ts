// The OCR contract of the engine: an upright RGB image in, text lines with their boxes out, plus a cheap
// "is there text here?" score for the indexer's gate. PaddleOcrEngine implements it over ONNX Runtime.

/** An upright image (EXIF orientation already applied), 3 channels RGB, row-major, 8 bits per channel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export type Point = [number, number];
/** Four corners in image pixels, clockwise from the top-left one. */
export type Quad = [Point, Point, Point, Point];

export interface OcrLine {
  text: string;
  /** Corners in the upright image's pixel coordinates, clockwise from top-left (integers). */
  box: Quad;
  /** Recognition confidence, the mean of the per-character probabilities (0..1). */
  score: number;
}

export interface TextLikelihood {
  /** Best mean text probability of a detected region (0 when nothing was found), 0..1. */
  score: number;
  /** Regions that passed the detector's own box threshold. */
  regions: number;
  /** Share of the image covered by those regions (0..1). */
  area: number;
}

export type OcrErrorCode =
  /** The image buffer does not match its declared size, is empty, or is beyond the pixel limit. */
  | 'bad-input'
  /** A model file or the dictionary is missing or unreadable. */
  | 'model-missing'
  /** ONNX Runtime refused the model or failed while running it. */
  | 'model-error'
  /** The per-image time budget ran out between stages. */
  | 'timeout'
  /** The engine was closed. */
  | 'closed';

export interface OcrFailure {
  code: OcrErrorCode;
  /** One plain English sentence a person understands. */
  reason: string;
  /** The underlying library's own message, when there is one. */
  detail?: string;
}

export type OcrOutcome<T> = { ok: true; value: T } | { ok: false; error: OcrFailure };

export interface OcrTimings {
  detMs: number;
  clsMs: number;
  recMs: number;
  totalMs: number;
  /** Boxes the detector found (before dropping unreadable lines). */
  boxes: number;
}

export interface RecognizeOptions {
  /** Stop between stages once this many ms have passed since the call; gives `timeout`. */
  timeoutMs?: number;
  /** Receives the stage times of a successful call (benches, logs). */
  onTimings?: (t: OcrTimings) => void;
}

export interface OcrEngine {
  /** Identifies models and settings, so stored text can be redone when they change. */
  readonly engineId: string;
  /** The textLikelihood score from which full recognition is worth running (measured: bench-ocr.ts). */
  readonly gateThreshold: number;
  /** Every line found, in reading order. Never throws: failures are `{ ok: false }` records. */
  recognize(image: RgbImage, opts?: RecognizeOptions): Promise<OcrOutcome<OcrLine[]>>;
  /** Detection only, on a small copy of the image: cheap enough to run on every photo. */
  textLikelihood(image: RgbImage): Promise<OcrOutcome<TextLikelihood>>;
  /** Frees the model sessions (they load again on the next call): for idle memory. */
  release(): Promise<void>;
  /** Frees the sessions and refuses later calls with `closed`. */
  close(): Promise<void>;
}

export function ocrFailure(code: OcrErrorCode, reason: string, detail?: unknown): OcrFailure {
  if (detail === undefined || detail === null) return { code, reason };
  const msg = detail instanceof Error ? detail.message : String(detail);
  const d = msg.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' | ');
  return d ? { code, reason, detail: d.length > 500 ? `${d.slice(0, 497)}...` : d } : { code, reason };
}
