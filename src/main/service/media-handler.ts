// Serves a photo's thumbnail or full file by its id, in fetch style (Request → Response): the desktop hands it
// to protocol.handle for soutu-media://, serve wraps it for /media/. Only files whose real location lies inside
// the library's thumbs folder or the photo's own indexed folder are sent ('forbidden' → 403, gone → 404); a
// thumbnail is refused as well when its photo leads outside its folder (it shows the same picture). Formats
// browsers cannot show (HEIC/HEIF, TIFF, JPEG 2000) are sent as a JPEG from display-image.ts.
import { Readable } from 'node:stream';
import { isPhotoId } from '../../shared/contract.js';
import { IMAGE_MIME, BROWSER_FORMATS, openImage } from '../core/index.js';
import type { MediaLocation } from './contract-service.js';
import { MEDIA_CSP } from './csp.js';
import { guardPath } from './path-guard.js';

export type MediaKind = 'thumb' | 'full';

export interface MediaSource {
  /** Where the bytes are and which folders they must stay inside; null when unknown. Throws when unavailable. */
  locate(id: string, kind: MediaKind): Promise<MediaLocation | null>;
  /** A JPEG of a photo in a format browsers cannot show (`real` is its checked path); null when impossible. */
  displayJpeg(id: string, real: string): Promise<Uint8Array | null>;
  log?(line: string): void;
}

export type MediaHandler = (request: Request, target: { kind: MediaKind; id: string }) => Promise<Response>;

const HEADERS: Record<string, string> = { 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': MEDIA_CSP };

/** An error answer: JSON like the API's, never the file or a stack. */
export function mediaError(status: number, code: string, message: string, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { ...HEADERS, ...extra, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

const REFUSED = {
  forbidden: () => mediaError(403, 'forbidden', 'This file is outside the indexed folders.'),
  'not-found': () => mediaError(404, 'not-found', 'The file is gone or is not an image.'),
};

export function createMediaHandler(src: MediaSource): MediaHandler {
  return async (request, { kind, id }) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return mediaError(405, 'method-not-allowed', 'Use GET.', { Allow: 'GET, HEAD' });
    if ((kind !== 'thumb' && kind !== 'full') || !isPhotoId(id)) return mediaError(400, 'bad-request', 'Bad photo id.');
    let where: MediaLocation | null;
    try {
      where = await src.locate(id, kind);
    } catch {
      return mediaError(503, 'unavailable', 'The library is not available.');
    }
    if (!where) return mediaError(404, 'not-found', 'No such photo.');
    if (where.source) {
      const source = await guardPath(where.source.file, where.source.allowed);
      if (!source.ok && source.why === 'forbidden') return REFUSED.forbidden();
    }
    const guarded = await guardPath(where.file, where.allowed);
    if (!guarded.ok) return REFUSED[guarded.why]();
    const img = await openImage(guarded.path);
    if (!img) return REFUSED['not-found']();
    const etag = `"${img.size.toString(36)}-${Math.floor(img.mtimeMs).toString(36)}-${kind}"`;
    const headers: Record<string, string> = { ...HEADERS, 'Cache-Control': 'private, no-cache', ETag: etag };
    if (request.headers.get('if-none-match') === etag) {
      await img.handle.close().catch(() => {});
      return new Response(null, { status: 304, headers });
    }
    if (kind === 'full' && !BROWSER_FORMATS.has(img.format)) {
      await img.handle.close().catch(() => {});
      const jpeg = await src.displayJpeg(id, guarded.path).catch((err: unknown) => {
        src.log?.(`cannot convert ${guarded.path} for display: ${(err as Error).message}`);
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
  };
}
