// Formats the prebuilt sharp cannot decode itself: HEVC-coded HEIF through libheif wasm and BMP through our own
// reader, both then into the same working buffer as any photo, with their failures turned into typed records.
import type { Metadata } from 'sharp';
import { classifyVipsError, failure, fileSystemFailure, tooLargeFailure } from './errors';
import { readExifFacts } from './exif-meta';
import { BmpError, checkBmpSize, decodeBmp, readBmpHeader } from './bmp';
import type { DecodeResult, RawRgb } from './decode-types';
import { decodeHeicRgba } from './heic-fallback';
import { readHead, readWhole, type Source } from './photo-source';
import { specSourceEdge, type PreprocessSpec } from './preprocess-spec';
import { finishPhoto, PIXEL_LIMIT, rawToWorking, workingSize } from './working-buffer';
import { PoolCrashError, PoolTimeoutError } from './worker-pool';

const HEIF = { format: 'heif' } as const;

/** Our BMP reader holds the file and the whole decoded image in memory (up to 512 MB at this size). */
const BMP_PIXEL_LIMIT = 1 << 27;

/** HEVC-coded HEIF through libheif wasm, then into the same resize/flatten pipeline as raw pixels. */
export async function decodeHevc(
  src: Source,
  spec: PreprocessSpec,
  thumbSize: number,
  wantTensor: boolean,
  m: Metadata | null,
  headerError?: unknown,
): Promise<DecodeResult> {
  const file = typeof src.input === 'string' ? await readWhole(src.input) : src.input;
  if (m && m.width * m.height > PIXEL_LIMIT) {
    return { ok: false, error: tooLargeFailure(m.width, m.height, PIXEL_LIMIT, 'heif') };
  }
  let base: RawRgb;
  let width: number;
  let height: number;
  try {
    const rgba = await decodeHeicRgba(file);
    ({ width, height } = rgba);
    const work = workingSize(width, height, thumbSize, wantTensor ? specSourceEdge(spec) : 0);
    // No autoOrient: libheif has applied irot/imir already, and EXIF orientation in HEIF is informational only.
    base = await rawToWorking(rgba.data, { width, height, channels: 4 }, work);
  } catch (e) {
    if (e instanceof PoolTimeoutError) {
      return { ok: false, error: failure('corrupt', `The HEIF image could not be decoded: the decoder took longer than ${e.timeoutMs >= 1000 ? `${Math.round(e.timeoutMs / 1000)} s` : `${e.timeoutMs} ms`} and was stopped.`, e, { ...HEIF, ms: e.timeoutMs }) };
    }
    if (e instanceof PoolCrashError) {
      return { ok: false, error: failure('corrupt', 'The HEIF image could not be decoded: the decoder crashed on it.', e, HEIF) };
    }
    const msg = String(e);
    if (/not a HEIC|unsupported|not supported/i.test(msg)) {
      return { ok: false, error: failure('unsupported', 'This kind of HEIF image is not supported.', e, HEIF) };
    }
    if (headerError !== undefined) return { ok: false, error: classifyVipsError(headerError, 'header', 'heif', src.clues) };
    return { ok: false, error: failure('corrupt', 'The HEIF image could not be decoded: its data is damaged.', e, HEIF) };
  }
  const facts = await readExifFacts(file, 'file');
  return finishPhoto(base, spec, thumbSize, wantTensor, { width, height, format: 'heif', facts, orientation: m?.orientation, pages: m?.pages });
}

/** BMP through our own reader (bmp.ts), then into the same resize/flatten pipeline as raw pixels. */
export async function decodeBmpFile(src: Source, spec: PreprocessSpec, thumbSize: number, wantTensor: boolean): Promise<DecodeResult> {
  let base: RawRgb;
  let width: number;
  let height: number;
  try {
    let file: Buffer;
    if (typeof src.input === 'string') {
      // Too big to have been read already: refuse oversized ones from the header before reading them whole.
      const { head, size } = await readHead(src.input, 4096);
      checkBmpSize(readBmpHeader(head), size, BMP_PIXEL_LIMIT);
      file = await readWhole(src.input);
    } else {
      file = src.input;
    }
    const bmp = await decodeBmp(file, { pixelLimit: BMP_PIXEL_LIMIT });
    ({ width, height } = bmp);
    const work = workingSize(width, height, thumbSize, wantTensor ? specSourceEdge(spec) : 0);
    base = await rawToWorking(bmp.data, { width, height, channels: bmp.channels }, work, BMP_PIXEL_LIMIT);
  } catch (e) {
    if (e instanceof BmpError) return { ok: false, error: failure(e.code, e.message, undefined, { format: 'bmp', ...e.size }) };
    if (/^E[A-Z]+$/.test(String((e as NodeJS.ErrnoException)?.code))) return { ok: false, error: fileSystemFailure(e) };
    return { ok: false, error: failure('corrupt', 'The BMP image could not be decoded.', e, { format: 'bmp' }) };
  }
  return finishPhoto(base, spec, thumbSize, wantTensor, { width, height, format: 'bmp', facts: { takenAt: null, camera: null, gps: null } });
}
