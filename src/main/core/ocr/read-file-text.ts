// `soutu ocr <file>`: the text of one image file, as the library would read it, with boxes in the upright
// image's own pixels. The file is opened safely (never a FIFO) and the engine closed afterwards.
import sharp from 'sharp';
import { SoutuError } from '../errors.js';
import { describeKind, NotAFileError, openRegularFile } from '../fs/safe-open.js';
import { decodeForOcr } from './decode-for-ocr.js';
import type { OcrEngine, OcrLine, RgbImage } from './ocr-engine.js';
import { PaddleOcrEngine } from './paddle-ocr-engine.js';

/** Files larger than this are refused (a 40 MP JPEG is about 20 MB). */
const MAX_BYTES = 200 * 1024 * 1024;

/** Boxes from a decoded copy scaled to the upright picture's size (the decode caps the longest side). */
export function scaleLines(lines: OcrLine[], decoded: RgbImage, width: number, height: number): OcrLine[] {
  const sx = width > 0 ? width / decoded.width : 1;
  const sy = height > 0 ? height / decoded.height : 1;
  if (Math.abs(sx - 1) < 1e-9 && Math.abs(sy - 1) < 1e-9) return lines;
  return lines.map((l) => ({ ...l, box: l.box.map(([x, y]) => [Math.round(x * sx), Math.round(y * sy)]) as OcrLine['box'] }));
}

/** The upright size of an image (EXIF orientations 5–8 swap width and height). */
export async function uprightSize(bytes: Buffer): Promise<{ width: number; height: number }> {
  const m = await sharp(bytes).metadata();
  const turned = (m.orientation ?? 1) >= 5;
  return { width: (turned ? m.height : m.width) ?? 0, height: (turned ? m.width : m.height) ?? 0 };
}

export async function readFileBytes(file: string): Promise<Buffer> {
  let opened;
  try {
    opened = await openRegularFile(file);
  } catch (err) {
    if (err instanceof NotAFileError) throw new SoutuError('bad-request', `${file} is ${describeKind(err.kind)}, not an image file.`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SoutuError('not-found', `${file} does not exist.`, { cause: err });
    throw new SoutuError('io', `Cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    if (opened.size > MAX_BYTES) throw new SoutuError('bad-request', `${file} is larger than ${MAX_BYTES >> 20} MB.`);
    return await opened.handle.readFile();
  } finally {
    await opened.handle.close();
  }
}

/** Every line of text in the image file, in reading order. */
export async function readTextInFile(file: string, engine: OcrEngine = new PaddleOcrEngine()): Promise<OcrLine[]> {
  try {
    const bytes = await readFileBytes(file);
    const image = await decodeForOcr(bytes);
    if (!image.ok) throw new SoutuError('bad-request', `${file}: ${image.error.reason}`);
    const size = await uprightSize(bytes).catch(() => ({ width: image.value.width, height: image.value.height }));
    const lines = await engine.recognize(image.value);
    if (!lines.ok) throw new SoutuError(lines.error.code === 'model-missing' ? 'model-missing' : 'io', lines.error.reason);
    return scaleLines(lines.value, image.value, size.width, size.height);
  } finally {
    await engine.close();
  }
}
