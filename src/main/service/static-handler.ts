// Serves the built renderer (out/renderer) in fetch style: the desktop's app:// protocol and serve's static
// files both use it. Hashed assets are cached for a year, HTML never, and every HTML answer carries the CSP.
// Paths without an extension fall back to index.html (client-side routes); anything that could step outside
// the folder (.., encoded or doubly encoded, backslashes, NUL, drive letters) is refused before the disk is read.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { isInside } from './path-guard.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

const MISSING_UI = `<!doctype html><meta charset="utf-8"><title>Soutu</title>
<p>The user interface has not been built yet. Run <code>npm run build</code> (or <code>npx electron-vite build</code>) and reload.</p>`;

export interface StaticOptions {
  /** The built renderer folder (contains index.html). */
  root: string;
  /** The Content-Security-Policy of every HTML answer (see csp.ts). */
  csp: string;
}

export type StaticHandler = (request: Request, pathname: string) => Promise<Response>;

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
}

/** Decodes a URL path into path segments, or null for anything that could step outside the root. */
export function safeSegments(pathname: string): string[] | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null; // malformed %-escapes
  }
  if (decoded.includes('\u0000') || decoded.includes('\\') || decoded.includes('%')) return null; // no double encoding
  const segs = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.some((s) => s === '..' || s.includes(':'))) return null;
  return segs;
}

/** Hashed build outputs (name-1a2b3c4d.js) never change under one name: cache them for good. */
const HASHED = /[-.][A-Za-z0-9_-]{8,}\.(js|css|woff2?)$/;

export function createStaticHandler(opts: StaticOptions): StaticHandler {
  const root = path.resolve(opts.root);
  return async (request, pathname) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Method not allowed');
    const segs = safeSegments(pathname);
    if (segs === null) return text(400, 'Bad path');
    let file = path.join(root, ...segs);
    if (!isInside(file, root)) return text(400, 'Bad path');
    let st = await stat(file).catch(() => null);
    if (st?.isDirectory()) {
      file = path.join(file, 'index.html');
      st = await stat(file).catch(() => null);
    }
    if (!st?.isFile()) {
      // Client-side routes (no extension) get the app; missing assets are a plain 404.
      if (path.extname(segs.at(-1) ?? '') !== '') return text(404, 'Not found');
      file = path.join(root, 'index.html');
      st = await stat(file).catch(() => null);
      if (!st?.isFile()) {
        return new Response(MISSING_UI, {
          status: 503,
          headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': opts.csp, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' },
        });
      }
    }
    const ext = path.extname(file).toLowerCase();
    const html = ext === '.html';
    const headers: Record<string, string> = {
      'Content-Type': MIME[ext] ?? 'application/octet-stream',
      'Content-Length': String(st.size),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': html ? 'no-cache' : HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (html) {
      headers['Content-Security-Policy'] = opts.csp;
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Referrer-Policy'] = 'no-referrer';
    }
    if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
    const body = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, { status: 200, headers });
  };
}
