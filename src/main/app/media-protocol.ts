// The soutu-media:// protocol: soutu-media://<kind>/<id>, soutu-media://moment/<id>/<index> and
// soutu-media://preview/<id>?start=<s> (the scheme is described in the service's media-handler.ts). This file only
// reads Electron's request (the URL, the initiating page) and refuses other origins; what may be sent and how (path
// guard, HEIC conversion, byte ranges, caching) is the service's media handler, the same one serve uses for /media/.
// Byte ranges: protocol.handle hands the handler the page's Range header and sends its 206 answers; <video> takes
// them as a stream when the scheme is registered with the `stream` privilege (Electron's protocol docs).
import { isPhotoId, MEDIA_KINDS, MEDIA_SCHEME } from '../../shared/contract.js';
import { createMediaHandler, mediaError, PREVIEW_HEADERS, type MediaAt, type MediaKind, type MediaSource, type MediaTarget } from '../service/media-handler.js';
import { originOf } from './security.js';

export type { MediaAt, MediaKind };

/** Parses soutu-media://<kind>/<id>[/<index>][?start=…]; null for anything else (other hosts, encoded tricks, extra segments). */
export function parseMediaUrl(raw: string): MediaTarget | null {
  if (typeof raw !== 'string' || raw.length > 200) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if (u.protocol !== `${MEDIA_SCHEME}:` || u.username || u.password || u.port) return null;
  const kind = (MEDIA_KINDS as readonly string[]).includes(u.host) ? (u.host as MediaKind) : null;
  if (!kind) return null;
  // Only a moment has a second segment (its index); the handler checks what the segments hold.
  const m = kind === 'moment' ? /^\/([^/]+)\/([^/]+)\/?$/.exec(u.pathname) : /^\/([^/]+)\/?$/.exec(u.pathname);
  if (!m || !isPhotoId(m[1])) return null;
  if (kind === 'moment') return { kind, id: m[1], index: m[2] };
  if (kind === 'preview') return { kind, id: m[1], start: u.searchParams.get('start') };
  return { kind, id: m[1] };
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
      response.headers.set('Access-Control-Expose-Headers', PREVIEW_HEADERS.join(', '));
      response.headers.set('Vary', 'Origin');
    }
    return response;
  };
}
