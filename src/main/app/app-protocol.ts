// The app:// protocol: serves the built renderer (out/renderer) to the window. Only app://soutu/… is answered;
// the files themselves (path checks, types, caching, the CSP on HTML) come from the service's static handler,
// the same one serve uses.
import { createStaticHandler } from '../service/static-handler.js';
import { APP_HOST } from './security.js';

export { safeSegments } from '../service/static-handler.js';

export interface AppProtocolOptions {
  /** The built renderer folder (contains index.html). */
  root: string;
  csp: string;
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
}

export function createAppProtocolHandler(opts: AppProtocolOptions): (request: Request) => Promise<Response> {
  const files = createStaticHandler(opts);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Method not allowed');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return text(400, 'Bad URL');
    }
    if (url.host !== APP_HOST || url.username || url.password) return text(404, 'Not found');
    return files(request, url.pathname);
  };
}
