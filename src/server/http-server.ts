// The HTTP shell of serve mode: the contract's calls as POST /api/call/<name>, its events as SSE on
// /api/events, photos and thumbnails on /media, and the built renderer as static files. Every request passes
// the Host check, the token check (required off loopback) and, for the API, the same-origin check.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Library } from '../main/core/library/library.js';
import { ApiError, calls, isCallName, parseArgs, type CallName } from '../shared/api.js';
import type { IndexProgress } from '../shared/types.js';
import { createCallHandlers, toApiError, type CallHandlers } from './call-handlers.js';
import { EventHub } from './event-hub.js';
import { IndexRunner } from './index-runner.js';
import { BROWSER_FORMATS, IMAGE_MIME, openImage } from '../main/core/decode/open-image.js';
import { containedRealPath } from './media.js';
import {
  BASE_HEADERS,
  checkToken,
  hostAllowed,
  isLoopbackHost,
  makeToken,
  sameOriginRequest,
  tokenCookie,
} from './security.js';
import { SettingsStore } from './settings-store.js';
import { defaultStaticDir, serveStatic } from './static-files.js';
import { trashFile } from './trash.js';

export const DEFAULT_PORT = 7878;
const MAX_JSON_BODY = 1024 * 1024;
/** search:image carries the picture base64-encoded (the contract allows 70 MB of base64). */
const MAX_IMAGE_BODY = 72 * 1024 * 1024;
const PHOTO_ID = /^[0-9a-f]{16}$/;

export interface ServerOptions {
  /** Address to bind; loopback by default. Anything else requires a token. */
  host?: string;
  /** Port; 0 picks a free one. */
  port?: number;
  /** Access token. Generated when the host is not loopback and none is given; enforced whenever set. */
  token?: string;
  /** The built renderer (out/renderer). */
  staticDir?: string;
  modelsDir?: string;
  /** Extra host names browsers may use to reach the server (besides IPs, localhost and this machine's name). */
  allowedHosts?: string[];
  /** Lets duplicates:trash move photos to this machine's trash (off by default). */
  allowTrash?: boolean;
  /** Where server-side errors are logged (never sent to the client). */
  log?: (line: string) => void;
}

export interface SoutuServer {
  /** Base URL, e.g. http://127.0.0.1:7878/ */
  url: string;
  /** URL to open in a browser: the base URL plus ?token= when a token is required. */
  openUrl: string;
  token: string | null;
  host: string;
  port: number;
  http: http.Server;
  runner: IndexRunner;
  close(): Promise<void>;
}

const STATUS: Record<ApiError['code'], number> = {
  'bad-request': 400,
  forbidden: 403,
  'not-found': 404,
  busy: 409,
  unsupported: 501,
  internal: 500,
};

type ErrorCode = ApiError['code'] | 'unauthorized' | 'method-not-allowed' | 'unsupported-media-type' | 'too-large';

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    ...BASE_HEADERS,
    ...extra,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: { code, message } }, extra);
}

/** A message safe to show: its first line, bounded, and never a stack. */
function cleanMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').slice(0, 500) || 'Something went wrong.';
}

class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyError(413, 'too-large', `The request body is larger than ${Math.round(limit / 1024)} KiB.`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyError(413, 'too-large', `The request body is larger than ${Math.round(limit / 1024)} KiB.`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function createServer(lib: Library, opts: ServerOptions = {}): Promise<SoutuServer> {
  const host = opts.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  const token = opts.token ?? (loopback ? null : makeToken());
  if (token !== null && token.length < 16) throw new Error('The access token must be at least 16 characters long.');
  const staticDir = opts.staticDir ?? defaultStaticDir();
  const log = opts.log ?? ((line: string) => process.stderr.write(`soutu serve: ${line}\n`));

  const hub = new EventHub();
  const settings = new SettingsStore(lib.dir);
  const runner = new IndexRunner(lib, {
    onDone: (report) => hub.broadcast('index:done', report),
    onError: (message) => hub.broadcast('app:warning', { message }),
  });
  const handlers: CallHandlers = createCallHandlers({
    lib,
    runner,
    settings,
    modelsDir: opts.modelsDir,
    emit: (event, payload) => hub.broadcast(event, payload),
    trash: opts.allowTrash ? trashFile : undefined,
  });

  // Engine events → SSE. 'changed' comes in bursts (several per run), so it is coalesced.
  let changedTimer: NodeJS.Timeout | null = null;
  const onChanged = () => {
    changedTimer ??= setTimeout(() => {
      changedTimer = null;
      lib.status().then(
        (s) => hub.broadcast('library:changed', s),
        (err: unknown) => log(`status failed: ${cleanMessage(err)}`),
      );
    }, 100);
  };
  const onProgress = (p: IndexProgress) => hub.broadcast('index:progress', p);
  const onWarning = (message: string) => hub.broadcast('app:warning', { message });
  const onDownload = (p: { model: string; file: string; bytes: number; total: number | null; percent: number | null }) =>
    hub.broadcast('model:download', { model: p.model, file: p.file, bytes: p.bytes, total: p.total, percent: p.percent });
  lib.on('changed', onChanged);
  lib.on('progress', onProgress);
  lib.on('warning', onWarning);
  lib.on('download', onDownload);

  async function handleCall(req: IncomingMessage, res: ServerResponse, rawName: string): Promise<void> {
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      return sendError(res, 400, 'bad-request', 'Bad call name.');
    }
    if (!isCallName(name)) return sendError(res, 404, 'not-found', `There is no call named ${JSON.stringify(name.slice(0, 64))}.`);
    if (req.method !== 'POST') return sendError(res, 405, 'method-not-allowed', 'Calls are made with POST.', { Allow: 'POST' });
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      return sendError(res, 415, 'unsupported-media-type', 'Send the arguments as JSON (Content-Type: application/json).');
    }
    let raw: unknown;
    try {
      const body = await readBody(req, name === 'search:image' ? MAX_IMAGE_BODY : MAX_JSON_BODY);
      raw = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch (err) {
      if (err instanceof BodyError) return sendError(res, err.status, err.code, err.message);
      return sendError(res, 400, 'bad-request', 'The request body is not valid JSON.');
    }
    const callName: CallName = name;
    try {
      const args = parseArgs(callName, raw);
      if (calls[callName].desktopOnly) throw new ApiError('unsupported', `${callName} is only available in the desktop app.`);
      const handler = handlers[callName] as (a: unknown) => Promise<unknown>;
      const result = await handler(args);
      sendJson(res, 200, result ?? null);
    } catch (err) {
      const mapped = toApiError(err);
      if (mapped instanceof ApiError) return sendError(res, STATUS[mapped.code], mapped.code, cleanMessage(mapped));
      log(`${callName} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendError(res, 500, 'internal', cleanMessage(err));
    }
  }

  async function handleMedia(req: IncomingMessage, res: ServerResponse, kind: 'thumb' | 'full', id: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'method-not-allowed', 'Use GET.', { Allow: 'GET, HEAD' });
    if (!PHOTO_ID.test(id)) return sendError(res, 400, 'bad-request', 'Bad photo id.');
    const photo = lib.photo(id);
    if (!photo) return sendError(res, 404, 'not-found', 'No such photo.');
    // Only photos of folders still in the library, whose real path (symlinks resolved) stays inside that folder.
    // The thumbnail of a photo that escapes its root is refused too: it shows the same picture.
    const roots = lib.roots().filter((r) => r === photo.root);
    if (kind === 'full' && photo.offline) return sendError(res, 404, 'not-found', 'This photo is on a folder that is offline.');
    if (!photo.offline) {
      const original = await containedRealPath(photo.path, roots);
      if (!original.ok && (original.why === 'forbidden' || kind === 'full')) {
        return original.why === 'forbidden'
          ? sendError(res, 403, 'forbidden', 'This file is outside the indexed folders.')
          : sendError(res, 404, 'not-found', 'The file is gone.');
      }
    } else if (roots.length === 0) {
      return sendError(res, 403, 'forbidden', 'This file is outside the indexed folders.');
    }
    const file = kind === 'thumb' ? lib.thumbnailPath(id) : photo.path;
    const allowed = kind === 'thumb' ? [path.join(lib.dir, 'thumbs')] : roots;
    if (!file) return sendError(res, 404, 'not-found', 'This photo has no thumbnail.');
    const resolved = await containedRealPath(file, allowed);
    if (!resolved.ok) {
      return resolved.why === 'forbidden'
        ? sendError(res, 403, 'forbidden', 'This file is outside the indexed folders.')
        : sendError(res, 404, 'not-found', 'The file is gone.');
    }
    const img = await openImage(resolved.path);
    if (!img) return sendError(res, 404, 'not-found', 'The file is gone or is not an image.');
    try {
      const etag = `"${img.size.toString(36)}-${Math.floor(img.mtimeMs).toString(36)}-${kind}"`;
      const headers: Record<string, string> = {
        ...BASE_HEADERS,
        'Cache-Control': 'private, no-cache',
        ETag: etag,
        // In case an image format ever carries active content (SVG is never served, but defence in depth).
        'Content-Security-Policy': "default-src 'none'; sandbox",
      };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      if (kind === 'full' && !BROWSER_FORMATS.has(img.format)) {
        // TIFF, HEIF, JPEG 2000… are converted so every browser can show them.
        const { default: sharp } = await import('sharp');
        let out: Buffer;
        try {
          out = await sharp(await img.handle.readFile())
            .rotate()
            .resize(2560, 2560, { fit: 'inside', withoutEnlargement: true })
            .jpeg({ quality: 88 })
            .toBuffer();
        } catch {
          return sendError(res, 415, 'unsupported-media-type', 'This image cannot be shown in a browser.');
        }
        res.writeHead(200, { ...headers, 'Content-Type': 'image/jpeg', 'Content-Length': String(out.length) });
        res.end(req.method === 'HEAD' ? undefined : out);
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': IMAGE_MIME[img.format], 'Content-Length': String(img.size) });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      await new Promise<void>((resolve) => {
        const stream = img.handle.createReadStream({ start: 0, autoClose: false });
        stream.on('error', () => {
          res.destroy();
          resolve();
        });
        res.on('close', resolve);
        stream.pipe(res);
      });
    } finally {
      await img.handle.close().catch(() => {});
    }
  }

  async function handleEvents(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') return sendError(res, 405, 'method-not-allowed', 'Use GET.', { Allow: 'GET' });
    const initial: { event: 'library:changed' | 'index:progress'; payload: unknown }[] = [{ event: 'library:changed', payload: await lib.status() }];
    if (runner.busy && runner.progress) initial.push({ event: 'index:progress', payload: runner.progress });
    hub.attach(res, BASE_HEADERS, initial);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    if (!target.startsWith('/')) return sendError(res, 400, 'bad-request', 'Bad request target.');
    const q = target.indexOf('?');
    const rawPath = q === -1 ? target : target.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));

    if (!hostAllowed(req.headers.host, { bindHost: host, allowedHosts: opts.allowedHosts })) {
      return sendError(res, 403, 'forbidden', 'Unknown Host header. Open Soutu by its IP address, localhost, or a name given with --allowed-host.');
    }
    const isApi = rawPath.startsWith('/api/') || rawPath.startsWith('/media/');
    if (token !== null) {
      const check = checkToken(req, query, token);
      if (!check.ok) {
        if (isApi) return sendError(res, 401, 'unauthorized', 'This server needs its access token: open the link printed by "soutu serve".');
        res.writeHead(401, { ...BASE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'" });
        res.end('<!doctype html><meta charset="utf-8"><title>Soutu</title><p>This Soutu server needs its access token. Open the link that <code>soutu serve</code> printed (it ends with <code>?token=…</code>).</p>');
        return;
      }
      if (check.source === 'query') res.setHeader('Set-Cookie', tokenCookie(token));
    }
    if (isApi && !sameOriginRequest(req)) return sendError(res, 403, 'forbidden', 'Cross-site requests are refused.');

    let m: RegExpExecArray | null;
    if ((m = /^\/api\/call\/([^/]+)$/.exec(rawPath))) return handleCall(req, res, m[1]);
    if (rawPath === '/api/events') return handleEvents(req, res);
    if ((m = /^\/media\/(thumb|full)\/([^/]*)$/.exec(rawPath))) return handleMedia(req, res, m[1] as 'thumb' | 'full', m[2]);
    if (isApi) return sendError(res, 404, 'not-found', 'No such endpoint.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'method-not-allowed', 'Use GET.', { Allow: 'GET, HEAD' });
    return serveStatic(req, res, rawPath, staticDir);
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log(`${req.method} ${req.url?.slice(0, 200)} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendError(res, 500, 'internal', 'Something went wrong on the server.');
    });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // SSE streams stay open; body reads are bounded by size instead.

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${addr.port}/`;

  return {
    url,
    openUrl: token ? `${url}?token=${encodeURIComponent(token)}` : url,
    token,
    host,
    port: addr.port,
    http: server,
    runner,
    async close() {
      lib.off('changed', onChanged);
      lib.off('progress', onProgress);
      lib.off('warning', onWarning);
      lib.off('download', onDownload);
      if (changedTimer) clearTimeout(changedTimer);
      runner.cancel();
      await runner.idle();
      hub.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
