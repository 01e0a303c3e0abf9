// Serves the built renderer (out/renderer): hashed assets cached for long, the HTML never cached and always
// sent with the strict CSP. Unknown paths without an extension fall back to index.html (client-side routes).
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPathInside } from './media.js';
import { BASE_HEADERS, CONTENT_SECURITY_POLICY } from './security.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Where the built renderer is, from the bundled CLI (out/cli) or from sources run with tsx (src/server). */
export function defaultStaticDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../renderer'), path.resolve(here, '../../out/renderer'), path.resolve(process.cwd(), 'out/renderer')];
  return candidates.find((c) => existsSync(path.join(c, 'index.html'))) ?? candidates[candidates.length - 1];
}

const MISSING_UI = `<!doctype html><meta charset="utf-8"><title>Soutu</title>
<p>The user interface has not been built yet. Run <code>npm run build</code> (or <code>npx electron-vite build</code>) and reload.</p>`;

export async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string, root: string): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return plain(res, 400, 'Bad path');
  }
  if (rel.includes('\u0000') || rel.includes('\\')) return plain(res, 400, 'Bad path');
  const rootAbs = path.resolve(root);
  let file = path.resolve(rootAbs, '.' + path.posix.normalize('/' + rel));
  if (!isPathInside(file, rootAbs)) return plain(res, 403, 'Forbidden');
  let st = await stat(file).catch(() => null);
  if (st?.isDirectory()) {
    file = path.join(file, 'index.html');
    st = await stat(file).catch(() => null);
  }
  if (!st?.isFile()) {
    if (path.extname(rel) !== '') return plain(res, 404, 'Not found');
    file = path.join(rootAbs, 'index.html');
    st = await stat(file).catch(() => null);
    if (!st?.isFile()) {
      res.writeHead(503, { ...BASE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CONTENT_SECURITY_POLICY });
      res.end(MISSING_UI);
      return;
    }
  }
  const ext = path.extname(file).toLowerCase();
  const isHtml = ext === '.html';
  const headers: Record<string, string> = {
    ...BASE_HEADERS,
    'Content-Type': TYPES[ext] ?? 'application/octet-stream',
    'Content-Length': String(st.size),
    'Cache-Control': isHtml ? 'no-store' : /[-.][A-Za-z0-9_-]{8,}\.(js|css|woff2?)$/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (isHtml) headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
