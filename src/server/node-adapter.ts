// The thin layer between node:http and the fetch-style handlers of the service (media, static files): an
// IncomingMessage becomes a Request, a Response is written to the ServerResponse with serve's own headers added.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/**
 * A Request for a GET/HEAD handler: method and headers (no body: these handlers never read one). The server
 * routes on the raw request target and passes what it parsed to the handler, so the URL here is only the base:
 * URL parsing would resolve `..` and decode, which the handlers must see undone.
 */
export function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    try {
      for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
    } catch {
      // A header value fetch refuses (e.g. raw control bytes) is dropped, not fatal.
    }
  }
  return new Request(base, { method: req.method === 'HEAD' ? 'HEAD' : 'GET', headers });
}

/** Writes `response` (status, headers, streamed body) to `res`; `extra` headers are added unless already set. */
export async function sendResponse(res: ServerResponse, response: Response, extra: Record<string, string> = {}): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = v;
  response.headers.forEach((v, k) => (headers[k] = v)); // Headers gives lower-case names
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  await new Promise<void>((resolve) => {
    body.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}
