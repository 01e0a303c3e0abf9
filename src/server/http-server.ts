// The HTTP shell of serve mode: the contract's calls as POST /api/call/<name>, its events as SSE on
// /api/events, photos and thumbnails on /media, and the built renderer as static files. Every request passes
// the Host check, the token check (required off loopback) and, for the API, the same-origin check. What the
// calls do, and how media and files are served, is the service layer's, shared with the desktop app.
import { existsSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelService, readLibraryMetaFile, type Library } from '../main/core/index.js';
import { ContractService } from '../main/service/contract-service.js';
import { contentSecurityPolicy } from '../main/service/csp.js';
import { displayJpeg } from '../main/service/display-image.js';
import { firstLine, toApiError } from '../main/service/errors.js';
import { createMediaHandler } from '../main/service/media-handler.js';
import { SettingsStore } from '../main/service/settings-store.js';
import { createStaticHandler } from '../main/service/static-handler.js';
import { ApiError, isCallName, type CallName } from '../shared/api.js';
import { EventHub } from './event-hub.js';
import { sendResponse, toRequest } from './node-adapter.js';
import { BASE_HEADERS, checkToken, hostAllowed, isLoopbackHost, makeToken, sameOriginRequest, tokenCookie } from './security.js';
import { trashFile } from './trash.js';

export const DEFAULT_PORT = 7878;
const MAX_JSON_BODY = 1024 * 1024;
/** search:image carries the picture base64-encoded (the contract allows 70 MB of base64). */
const MAX_IMAGE_BODY = 72 * 1024 * 1024;

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
  /** The process's model service (default: one over modelsDir). */
  models?: ModelService;
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
  /** Answers the calls (the same ContractService the desktop's library process runs). */
  service: ContractService;
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

/** Where the built renderer is, from the bundled CLI (out/cli) or from sources run with tsx (src/server). */
export function defaultStaticDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../renderer'), path.resolve(here, '../../out/renderer'), path.resolve(process.cwd(), 'out/renderer')];
  return candidates.find((c) => existsSync(path.join(c, 'index.html'))) ?? candidates[candidates.length - 1];
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
  const service = new ContractService({
    libraryDir: lib.dir,
    settings: new SettingsStore(lib.dir),
    models: opts.models ?? new ModelService({ modelsDir: opts.modelsDir }),
    openLibrary: async () => lib,
    readMeta: () => readLibraryMetaFile(lib.dir),
    emit: (event, payload) => hub.broadcast(event, payload),
    // The service checks the file lies inside its library folder first; then the freedesktop / macOS trash.
    trash: opts.allowTrash ? (file) => trashFile(file) : undefined,
    log,
  });
  service.adopt(lib);
  const media = createMediaHandler({
    locate: async (id, kind) => service.locate(id, kind),
    displayJpeg: (_id, real) => displayJpeg(real),
    log,
  });
  const files = createStaticHandler({ root: staticDir, csp: contentSecurityPolicy() });

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
      // Validation (400), desktop-only calls (501) and error codes are the service's, as on the desktop.
      sendJson(res, 200, (await service.call(callName, raw)) ?? null);
    } catch (err) {
      const e = err instanceof ApiError ? err : toApiError(err, log, callName);
      sendError(res, STATUS[e.code], e.code, firstLine(e));
    }
  }

  async function handleEvents(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') return sendError(res, 405, 'method-not-allowed', 'Use GET.', { Allow: 'GET' });
    const initial: { event: 'library:changed' | 'index:progress'; payload: unknown }[] = [{ event: 'library:changed', payload: await service.status() }];
    const progress = service.progress;
    if (progress) initial.push({ event: 'index:progress', payload: progress });
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
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'method-not-allowed', 'Use GET.', { Allow: 'GET, HEAD' });
    const base = `http://${isLoopbackHost(host) ? '127.0.0.1' : 'localhost'}/`;
    if ((m = /^\/media\/(thumb|full)\/([^/]*)$/.exec(rawPath))) {
      return sendResponse(res, await media(toRequest(req, base), { kind: m[1] as 'thumb' | 'full', id: m[2] }), BASE_HEADERS);
    }
    if (isApi) return sendError(res, 404, 'not-found', 'No such endpoint.');
    return sendResponse(res, await files(toRequest(req, base), rawPath), BASE_HEADERS);
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log(`${req.method} ${req.url?.slice(0, 200)} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendError(res, 500, 'internal', 'Something went wrong on the server.');
    });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // SSE streams stay open; body reads are bounded by size instead.

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? DEFAULT_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await service.close();
    throw err;
  }
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
    service,
    async close() {
      // Cancels any index run and stops listening to the library; the library itself is the caller's to close.
      await service.close();
      hub.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
