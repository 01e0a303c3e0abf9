// The soutu-media:// protocol: soutu-media://thumb/<id> and soutu-media://full/<id> serve a photo's thumbnail
// or file by its 16-hex id, and only when the file's real location lies inside the library's thumbs folder or
// an indexed root. A pure Request → Response handler; where files are comes from the library process.
import { Readable } from 'node:stream';
import { BROWSER_FORMATS, IMAGE_MIME, openImage } from '../core/decode/open-image.js';
import { PHOTO_ID_RE } from './ipc-channels.js';
import { resolveInsideRoots } from './path-guard.js';
import { MEDIA_SCHEME, originOf } from './security.js';

export type MediaKind = 'thumb' | 'full';

/** Parses soutu-media://<kind>/<id>; null for anything else (other hosts, encoded tricks, extra segments). */
export function parseMediaUrl(raw: string): { kind: MediaKind; id: string } | null {
  if (typeof raw !== 'string' || raw.length > 200) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if (u.protocol !== `${MEDIA_SCHEME}:` || u.username || u.password || u.port) return null;
  if (u.host !== 'thumb' && u.host !== 'full') return null;
  const m = /^\/([0-9a-f]{16})\/?$/.exec(u.pathname);
  if (!m || !PHOTO_ID_RE.test(m[1])) return null;
  return { kind: u.host, id: m[1] };
}

export interface MediaProtocolDeps {
  /** Where the bytes are and which folders they must stay inside; null when unknown. */
  locate(id: string, kind: MediaKind): Promise<{ file: string; allowed: string[] } | null>;
  /** A JPEG of a photo in a format Chromium cannot show (HEIC, TIFF, JPEG 2000); null when impossible. */
  displayJpeg?(id: string): Promise<Uint8Array | null>;
  /** Origins whose pages may load media; a request from any other initiator is refused. */
  trustedOrigins: readonly string[];
}

const BASE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  // An image never needs to run anything; should a format ever carry active content, it cannot.
  'Content-Security-Policy': "default-src 'none'; sandbox",
};

function status(code: number, message: string): Response {
  return new Response(message, { status: code, headers: { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
}


export function createMediaProtocolHandler(deps: MediaProtocolDeps): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return status(405, 'Method not allowed');
    // Electron sets initiatorOrigin for requests made by web content; a page of another origin gets nothing.
    const initiator = (request as Request & { initiatorOrigin?: string }).initiatorOrigin;
    if (initiator !== undefined && !deps.trustedOrigins.includes(originOf(initiator) ?? initiator)) return status(403, 'Forbidden');
    const parsed = parseMediaUrl(request.url);
    if (!parsed) return status(400, 'Bad media URL');
    let where: { file: string; allowed: string[] } | null;
    try {
      where = await deps.locate(parsed.id, parsed.kind);
    } catch {
      return status(503, 'The library is not available');
    }
    if (!where) return status(404, 'Not found');
    const real = await resolveInsideRoots(where.file, where.allowed);
    if (!real) return status(404, 'Not found'); // outside the roots, a link that escapes, or gone: all look alike
    const img = await openImage(real);
    if (!img) return status(404, 'Not found');
    const etag = `"${img.size.toString(36)}-${Math.floor(img.mtimeMs).toString(36)}-${parsed.kind}"`;
    const headers: Record<string, string> = { ...BASE_HEADERS, 'Cache-Control': 'private, no-cache', ETag: etag };
    // Lets the app page fetch() an image too (e.g. to copy it), not only show it; only ever its own origin.
    if (initiator !== undefined) {
      headers['Access-Control-Allow-Origin'] = originOf(initiator) ?? initiator;
      headers.Vary = 'Origin';
    }
    if (request.headers.get('if-none-match') === etag) {
      await img.handle.close().catch(() => {});
      return new Response(null, { status: 304, headers });
    }
    if (parsed.kind === 'full' && !BROWSER_FORMATS.has(img.format)) {
      await img.handle.close().catch(() => {});
      const jpeg = deps.displayJpeg ? await deps.displayJpeg(parsed.id).catch(() => null) : null;
      if (!jpeg) return status(415, 'This image cannot be shown');
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
