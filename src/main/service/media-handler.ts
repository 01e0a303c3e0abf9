// Serves the media of a photo or video by its id, in fetch style (Request → Response): the desktop hands it to
// protocol.handle for soutu-media://, serve wraps it for /media/. Only files whose real location lies inside the
// folders `locate` names are sent (a thumbnail or moment inside the library's thumbs, a preview inside its preview
// cache, a photo, video or motion clip inside its own indexed folder): 'forbidden' → 403, gone → 404; a thumbnail
// or preview is refused as well when the file it shows leads outside its folder. Images: formats browsers cannot
// show (HEIC/HEIF, TIFF, JPEG 2000) go as a JPEG from display-image.ts. Videos (a video's file, a Live Photo's
// motion clip, a transcoded preview) are streamed with byte ranges, never read whole.
//
// The URL scheme, the same under both transports (soutu-media://<kind>/<id>… and /media/<kind>/<id>…):
//   thumb/<id>               the thumbnail (a video's poster)
//   full/<id>                a photo (converted when browsers cannot show it) or a video file as it is (ranges)
//   moment/<id>/<index>      the thumbnail of a video's moment, `index` into video:moments' times
//   motion/<id>              a Live Photo's motion clip (ranges)
//   preview/<id>?start=<s>   an H.264 MP4 of a video or motion clip the browser cannot play, made on demand so it
//                            covers the moment at `s` seconds (ranges); X-Soutu-Preview-Start says where in the
//                            video it begins (a moment at t plays at t − start), X-Soutu-Preview-Duration how long.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { isPhotoId, MEDIA_KINDS, type MediaKind } from '../../shared/contract.js';
import { IMAGE_MIME, BROWSER_FORMATS, openImage } from '../core/index.js';
import type { MediaLocation } from './contract-service.js';
import { MEDIA_CSP } from './csp.js';
import { guardPath } from './path-guard.js';

export type { MediaKind };

/** Which moment, and where a preview should start, as `locate` takes them (see ContractService.locate). */
export interface MediaAt {
  index?: number;
  start?: number;
  /** Given up on: stop making a preview nobody waits for. */
  signal?: AbortSignal;
}

export interface MediaSource {
  /**
   * Where the bytes are and which folders they must stay inside; null when unknown. Throws when unavailable. A
   * source that ignores `at` still serves thumb, full and motion.
   */
  locate(id: string, kind: MediaKind, at?: MediaAt): Promise<MediaLocation | null>;
  /** A JPEG of a photo in a format browsers cannot show (`real` is its checked path); null when impossible. */
  displayJpeg(id: string, real: string): Promise<Uint8Array | null>;
  log?(line: string): void;
}

/** What a URL asks for, as the transport parsed it; `index` and `start` still as text (checked here). */
export interface MediaTarget {
  kind: MediaKind;
  id: string;
  /** 'moment' only: the moment's index, decimal digits. */
  index?: string;
  /** 'preview' only (ignored otherwise): the time in seconds the preview must cover; 0 when absent. */
  start?: string | null;
}

export type MediaHandler = (request: Request, target: MediaTarget) => Promise<Response>;

const HEADERS: Record<string, string> = { 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': MEDIA_CSP };

/** Previews start on these steps (seconds), so nearby moments share one cached transcode. */
export const PREVIEW_STEP_S = 60;
/** Longest accepted ?start= (a day), so a silly number is a 400 rather than a transcode request. */
const MAX_START_S = 86_400;

/** Content types of the video containers the engine records (PhotoInfo.format of a video). */
export const VIDEO_MIME: Readonly<Record<string, string>> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  '3gp': 'video/3gpp',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
};

/** Response headers a page of another origin (the desktop's app://) may read: where a preview starts. */
export const PREVIEW_HEADERS = ['X-Soutu-Preview-Start', 'X-Soutu-Preview-Duration'] as const;

/** An error answer: JSON like the API's, never the file or a stack. */
export function mediaError(status: number, code: string, message: string, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { ...HEADERS, ...extra, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

const REFUSED = {
  forbidden: () => mediaError(403, 'forbidden', 'This file is outside the indexed folders.'),
  'not-found': () => mediaError(404, 'not-found', 'The file is gone or is not a photo or video.'),
};

/** An inclusive byte range of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The one byte range a Range header asks of a file of `size` bytes (RFC 9110 §14): null to send the whole file
 * (no header, another unit, several ranges, which browsers never ask of media), 'unsatisfiable' for a bytes range
 * that is malformed or starts past the end (→ 416). An end past the file is cut to its last byte.
 */
export function parseRange(header: string | null, size: number): ByteRange | 'unsatisfiable' | null {
  if (header === null) return null;
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return null;
  if (m[1].includes(',')) return null;
  const r = /^(\d*)\s*-\s*(\d*)\s*$/.exec(m[1]);
  if (!r || (r[1] === '' && r[2] === '') || size <= 0) return 'unsatisfiable';
  if (r[1] === '') {
    // The last n bytes (all of them when n is larger than the file).
    const n = Number(r[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Number.isSafeInteger(n) ? Math.max(0, size - n) : 0, end: size - 1 };
  }
  const start = Number(r[1]);
  if (!Number.isSafeInteger(start) || start >= size) return 'unsatisfiable';
  const end = r[2] === '' ? size - 1 : Number(r[2]);
  if (end < start) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

interface OpenedFile {
  handle: FileHandle;
  size: number;
  mtimeMs: number;
}

/** Opens a checked path without following a final link; a regular, non-empty file or null. */
async function openFile(realPath: string): Promise<OpenedFile | null> {
  let handle: FileHandle;
  try {
    // Non-blocking: a FIFO put where a video was is opened at once (and refused below) instead of waiting.
    handle = await open(realPath, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  const st = await handle.stat().catch(() => null);
  if (!st?.isFile() || st.size === 0) {
    await handle.close().catch(() => {});
    return null;
  }
  return { handle, size: st.size, mtimeMs: st.mtimeMs };
}

function etagOf(size: number, mtimeMs: number, kind: string): string {
  return `"${size.toString(36)}-${Math.floor(mtimeMs).toString(36)}-${kind}"`;
}

/** A video file: 304 / 416 / 206 with the range / 200, HEAD without a body; the bytes streamed from disk. */
async function sendVideo(request: Request, file: OpenedFile, type: string, etag: string, extra: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { ...HEADERS, ...extra, 'Cache-Control': 'private, no-cache', ETag: etag, 'Accept-Ranges': 'bytes' };
  const done = async (status: number, body: BodyInit | null = null) => {
    await file.handle.close().catch(() => {});
    return new Response(body, { status, headers });
  };
  if (request.headers.get('if-none-match') === etag) return done(304);
  // If-Range: a range of the version the client has; another version is sent whole.
  const ifRange = request.headers.get('if-range');
  const range = ifRange !== null && ifRange !== etag ? null : parseRange(request.headers.get('range'), file.size);
  if (range === 'unsatisfiable') {
    headers['Content-Range'] = `bytes */${file.size}`;
    headers['Content-Type'] = 'application/json; charset=utf-8';
    headers['Cache-Control'] = 'no-store';
    return done(416, JSON.stringify({ error: { code: 'range-not-satisfiable', message: `The file has ${file.size} bytes.` } }));
  }
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  headers['Content-Type'] = type;
  headers['Content-Length'] = String(end - start + 1);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
  const status = range ? 206 : 200;
  if (request.method === 'HEAD') return done(status);
  const stream = file.handle.createReadStream({ start, end, autoClose: true });
  return new Response(Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>, { status, headers });
}

/** A photo, thumbnail or moment: sent as it is, or as a JPEG when it is a 'full' photo browsers cannot show. */
async function sendImage(request: Request, src: MediaSource, id: string, kind: MediaKind, real: string): Promise<Response> {
  const img = await openImage(real);
  if (!img) return REFUSED['not-found']();
  const etag = etagOf(img.size, img.mtimeMs, kind);
  const headers: Record<string, string> = { ...HEADERS, 'Cache-Control': 'private, no-cache', ETag: etag };
  if (request.headers.get('if-none-match') === etag) {
    await img.handle.close().catch(() => {});
    return new Response(null, { status: 304, headers });
  }
  if (kind === 'full' && !BROWSER_FORMATS.has(img.format)) {
    await img.handle.close().catch(() => {});
    const jpeg = await src.displayJpeg(id, real).catch((err: unknown) => {
      src.log?.(`cannot convert ${real} for display: ${(err as Error).message}`);
      return null;
    });
    if (!jpeg) return mediaError(415, 'unsupported-media-type', 'This image cannot be shown in a browser.');
    headers['Content-Type'] = 'image/jpeg';
    headers['Content-Length'] = String(jpeg.byteLength);
    return new Response(request.method === 'HEAD' ? null : (jpeg as Uint8Array<ArrayBuffer>), { status: 200, headers });
  }
  headers['Content-Type'] = IMAGE_MIME[img.format];
  headers['Content-Length'] = String(img.size);
  if (request.method === 'HEAD') {
    await img.handle.close().catch(() => {});
    return new Response(null, { status: 200, headers });
  }
  const stream = img.handle.createReadStream({ start: 0, autoClose: true });
  return new Response(Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>, { status: 200, headers });
}

/** The target's checked `at`, or a 400 answer. */
function readTarget(t: MediaTarget): MediaAt | Response {
  const bad = (why: string) => mediaError(400, 'bad-request', why);
  if (!(MEDIA_KINDS as readonly unknown[]).includes(t.kind) || !isPhotoId(t.id)) return bad('Bad media URL.');
  if (t.kind === 'moment') {
    if (typeof t.index !== 'string' || !/^\d{1,6}$/.test(t.index)) return bad('A moment needs its index: moment/<id>/<index>.');
    return { index: Number(t.index) };
  }
  if (t.index !== undefined) return bad('Only a moment takes an index.');
  if (t.kind !== 'preview' || t.start === undefined || t.start === null) return {};
  if (!/^\d{1,6}(\.\d{1,3})?$/.test(t.start) || Number(t.start) > MAX_START_S) return bad('start is a time in seconds, e.g. start=12.5.');
  // The preview that covers this time starts on the step before it (it lasts minutes: see VideoMedia.preview).
  return { start: Math.floor(Number(t.start) / PREVIEW_STEP_S) * PREVIEW_STEP_S };
}

export function createMediaHandler(src: MediaSource): MediaHandler {
  return async (request, target) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return mediaError(405, 'method-not-allowed', 'Use GET.', { Allow: 'GET, HEAD' });
    const at = readTarget(target);
    if (at instanceof Response) return at;
    const { kind, id } = target;
    let where: MediaLocation | null;
    try {
      where = await src.locate(id, kind, { ...at, signal: request.signal });
    } catch (err) {
      if (!request.signal?.aborted) src.log?.(`media ${kind}/${id}: ${(err as Error)?.message ?? String(err)}`);
      return mediaError(503, 'unavailable', 'The library is not available.');
    }
    if (!where) return mediaError(404, 'not-found', kind === 'preview' ? 'No playable copy of this video could be made.' : 'No such photo or video.');
    if (where.source) {
      const source = await guardPath(where.source.file, where.source.allowed);
      if (!source.ok && source.why === 'forbidden') return REFUSED.forbidden();
    }
    const guarded = await guardPath(where.file, where.allowed);
    if (!guarded.ok) return REFUSED[guarded.why]();
    if (where.video === undefined) return sendImage(request, src, id, kind, guarded.path);
    const file = await openFile(guarded.path);
    if (!file) return REFUSED['not-found']();
    // A preview's cache touches its file at each use (least recently used go first): its validator is its name (a
    // hash of the video and the window) and size, so the ranges of one preview keep matching each other.
    const etag = where.preview ? `"${path.basename(guarded.path, '.mp4').slice(0, 40)}-${file.size.toString(36)}-preview"` : etagOf(file.size, file.mtimeMs, kind);
    const extra: Record<string, string> = {};
    if (where.preview) {
      extra[PREVIEW_HEADERS[0]] = where.preview.startS.toFixed(3);
      extra[PREVIEW_HEADERS[1]] = where.preview.durationS.toFixed(3);
      extra['Access-Control-Expose-Headers'] = PREVIEW_HEADERS.join(', ');
    }
    return sendVideo(request, file, VIDEO_MIME[where.video] ?? 'application/octet-stream', etag, extra);
  };
}
