// The soutu-media:// protocol: soutu-media://thumb/<id> and soutu-media://full/<id>. This file only reads
// Electron's request (the URL, the initiating page) and refuses other origins; what may be sent and how (path
// guard, HEIC conversion, caching) is the service's media handler, the same one serve uses for /media/.
import { isPhotoId, MEDIA_SCHEME } from '../../shared/contract.js';
import { createMediaHandler, mediaError, type MediaKind, type MediaSource } from '../service/media-handler.js';
import { originOf } from './security.js';

export type { MediaKind };

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
  const m = /^\/([^/]+)\/?$/.exec(u.pathname);
  if (!m || !isPhotoId(m[1])) return null;
  return { kind: u.host, id: m[1] };
}

export interface MediaProtocolDeps extends MediaSource {
  /** Origins whose pages may load media; a request from any other initiator is refused. */
  trustedOrigins: readonly string[];
}

export function createMediaProtocolHandler(deps: MediaProtocolDeps): (request: Request) => Promise<Response> {
  const media = createMediaHandler(deps);
  return async (request) => {
    // Electron sets initiatorOrigin for requests made by web content; a page of another origin gets nothing.
    const initiator = (request as Request & { initiatorOrigin?: string }).initiatorOrigin;
    const origin = initiator === undefined ? undefined : (originOf(initiator) ?? initiator);
    if (origin !== undefined && !deps.trustedOrigins.includes(origin)) return mediaError(403, 'forbidden', 'Forbidden');
    if (request.method !== 'GET' && request.method !== 'HEAD') return mediaError(405, 'method-not-allowed', 'Use GET.', { Allow: 'GET, HEAD' });
    const target = parseMediaUrl(request.url);
    if (!target) return mediaError(400, 'bad-request', 'Bad media URL');
    const response = await media(request, target);
    // Lets the app page fetch() an image too (e.g. to copy it), not only show it; only ever its own origin.
    if (origin !== undefined) {
      response.headers.set('Access-Control-Allow-Origin', origin);
      response.headers.set('Vary', 'Origin');
    }
    return response;
  };
}
