// Public surface of ocr/: reading text in photos (OcrEngine, PaddleOcrEngine over PP-OCRv4) and searching what
// was read (OcrTextIndex). Engine failures are typed OcrFailure records, never exceptions that stop a batch.
export type {
  OcrEngine, OcrErrorCode, OcrFailure, OcrLine, OcrOutcome, OcrTimings, Point, Quad, RecognizeOptions, RgbImage, TextLikelihood,
} from './ocr-engine.js';
export { PaddleOcrEngine, PADDLE_GATE_THRESHOLD, detectionSize } from './paddle-ocr-engine.js';
export type { PaddleOcrOptions } from './paddle-ocr-engine.js';
export { decodeForOcr, OCR_DECODE_MAX_SIDE } from './decode-for-ocr.js';
export { ocrModelPaths, ocrModelsDir, unpackedAsarPath } from './model-paths.js';
export type { OcrModelPaths } from './model-paths.js';
export { OcrTextIndex } from './ocr-text-index.js';
export type { OcrTextHit, OcrTextIndexStats, OcrTextSearchOptions } from './ocr-text-index.js';
export { foldText } from './text-fold.js';
