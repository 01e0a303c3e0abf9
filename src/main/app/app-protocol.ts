// The app:// protocol: serves the built renderer (out/renderer) to the window, with the CSP on every HTML
// response. A pure Request → Response handler (Node 20 has both), so it is tested without Electron.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { isLexicallyInside } from './path-guard.js';
import { APP_HOST } from './security.js';

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

export interface AppProtocolOptions {
  /** The built renderer folder (contains index.html). */
  root: string;
  csp: string;
}

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

export function createAppProtocolHandler(opts: AppProtocolOptions): (request: Request) => Promise<Response> {
  const root = path.resolve(opts.root);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Method not allowed');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return text(400, 'Bad URL');
    }
    if (url.host !== APP_HOST || url.username || url.password) return text(404, 'Not found');
    const segs = safeSegments(url.pathname);
    if (segs === null) return text(400, 'Bad path');
    let file = path.join(root, ...segs);
    if (!isLexicallyInside(file, root)) return text(400, 'Bad path');
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
      if (!st?.isFile()) return text(404, 'The renderer is not built (run electron-vite build).');
    }
    const ext = path.extname(file).toLowerCase();
    const headers: Record<string, string> = {
      'Content-Type': MIME[ext] ?? 'application/octet-stream',
      'Content-Length': String(st.size),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': ext === '.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    };
    if (ext === '.html') {
      headers['Content-Security-Policy'] = opts.csp;
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Referrer-Policy'] = 'no-referrer';
    }
    if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
    const body = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, { status: 200, headers });
  };
}
