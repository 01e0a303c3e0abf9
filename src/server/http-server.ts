// The HTTP shell of serve mode: the contract's calls as POST /api/call/<name>, its events as SSE on
// /api/events, an image query's raw bytes on POST /api/upload/search:image, photos and thumbnails on /media, and
// the built renderer as static files. Every request passes the Host check and the token check (always: another
// user of the same machine can reach loopback too), the API also the same-origin check. Bodies are bounded in
// size and time, image queries in number. What the calls do, and how media and files are served, is the service
// layer's, shared with the desktop app.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelService, readLibraryMetaFile, SoutuError, type Library } from '../main/core/index.js';
import { ContractService } from '../main/service/contract-service.js';
import { contentSecurityPolicy } from '../main/service/csp.js';
import { displayJpeg } from '../main/service/display-image.js';
import { firstLine, toApiError } from '../main/service/errors.js';
import { createMediaHandler, type MediaKind } from '../main/service/media-handler.js';
import { MAX_QUERY_IMAGE_BYTES } from '../main/service/query-image.js';
import { SettingsStore } from '../main/service/settings-store.js';
import { createStaticHandler } from '../main/service/static-handler.js';
import { ApiError, isCallName, type CallName } from '../shared/api.js';
import { BodyError, declaredLength, parseJsonBody, prepareUploadDir, readBody, spoolBody } from './body.js';
import { EventHub } from './event-hub.js';
import { ImageGate, MemoryRelief } from './image-gate.js';
import { sendResponse, toRequest } from './node-adapter.js';
import { BASE_HEADERS, checkToken, hostAllowed, isLoopbackHost, makeToken, sameOriginRequest, tokenCookie } from './security.js';
import { trashFile } from './trash.js';

export const DEFAULT_PORT = 7878;
const MAX_JSON_BODY = 1024 * 1024;

export interface ServerLimits {
  /** The largest image a query may carry: raw on the upload route, base64-encoded (4/3 as large) in JSON. */
  imageBytes: number;
  /** Image queries (uploads, base64 or by path) answered at once; more are told to retry (429). */
  imageQueries: number;
  /** Time for a request's headers to arrive. */
  headersTimeoutMs: number;
  /**
   * Time for a whole request, body included, to arrive: a body sent a byte every few seconds is cut off (408).
   * Only the request: an event stream is a long answer to a GET whose request ended at once.
   */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  imageBytes: MAX_QUERY_IMAGE_BYTES,
  imageQueries: 2,
  headersTimeoutMs: 20_000,
  // 40 MB in two minutes needs about 3 Mbit/s; the UI shrinks what it can to 1024 px before sending.
  requestTimeoutMs: 120_000,
};

export interface ServerOptions {
  /** Address to bind; loopback by default. Anything else requires a token. */
  host?: string;
  /** Port; 0 picks a free one. */
  port?: number;
  /**
   * Access token (at least 16 characters), checked on every request. A random one is made when none is given;
   * `false` turns the check off, which only a loopback address allows (every local user can still connect).
   */
  token?: string | false;
  /** Bounds on bodies and image queries (tests shrink them). */
  limits?: Partial<ServerLimits>;
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
  /** URL to open in a browser: the base URL plus ?token= (the page swaps it for a cookie). */
  openUrl: string;
  /** null only when started with `token: false`. */
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

/** The calls that carry or name an image, which take a slot of the image gate. */
const IMAGE_CALLS = new Set<string>(['search:image', 'search:query']);

/** True when a mixed query's argument carries an image to decode (bytes or a path, not an indexed photo). */
function carriesImage(raw: unknown): boolean {
  const images = (raw as { images?: unknown } | null)?.images;
  return Array.isArray(images) && images.some((w) => (w as { image?: { kind?: unknown } } | null)?.image?.kind !== 'photo');
}

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

export async function createServer(lib: Library, opts: ServerOptions = {}): Promise<SoutuServer> {
  const host = opts.host ?? '127.0.0.1';
  if (opts.token === false && !isLoopbackHost(host)) throw new SoutuError('bad-request', 'Serving without an access token is only allowed on a loopback address (127.0.0.1).');
  const token = opts.token === false ? null : (opts.token ?? makeToken());
  if (token !== null && token.length < 16) throw new SoutuError('bad-request', 'The access token must be at least 16 characters long.');
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  // Base64 is 4/3 of the bytes; the rest of the JSON (options, a mixed query's text) fits in 64 KiB.
  const imageJsonLimit = Math.max(MAX_JSON_BODY, Math.ceil(limits.imageBytes / 3) * 4 + 64 * 1024);
  const staticDir = opts.staticDir ?? defaultStaticDir();
  const log = opts.log ?? ((line: string) => process.stderr.write(`soutu serve: ${line}\n`));
  const uploads = await prepareUploadDir(path.join(lib.dir, 'uploads'));
  const relief = new MemoryRelief();
  const gate = new ImageGate(limits.imageQueries, () => relief.schedule());

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
    locate: (id, kind, at) => service.locate(id, kind, at ?? {}),
    displayJpeg: (_id, real) => displayJpeg(real),
    log,
  });
  const files = createStaticHandler({ root: staticDir, csp: contentSecurityPolicy() });

  function tooMany(res: ServerResponse): void {
    sendError(res, 429, 'busy', `Soutu is already answering ${limits.imageQueries} image searches; try again in a moment.`, { 'Retry-After': '2' });
  }

  function sendFailure(res: ServerResponse, err: unknown, context: string): void {
    if (err instanceof BodyError) return sendError(res, err.status, err.code, err.message);
    const e = err instanceof ApiError ? err : toApiError(err, log, context);
    sendError(res, STATUS[e.code], e.code, firstLine(e));
  }

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
    const callName: CallName = name;
    // An image query takes a slot before its body is read; a mixed query only when it is large or names images.
    const declared = declaredLength(req);
    let release: (() => void) | null = null;
    if (callName === 'search:image' || (IMAGE_CALLS.has(callName) && (declared === null || declared > MAX_JSON_BODY))) {
      release = gate.tryEnter();
      if (!release) return tooMany(res);
    }
    try {
      let raw: unknown;
      try {
        raw = parseJsonBody(await readBody(req, release ? imageJsonLimit : MAX_JSON_BODY));
      } catch (err) {
        if (err instanceof BodyError) return sendError(res, err.status, err.code, err.message);
        return sendError(res, 400, 'bad-request', 'The request body is not valid JSON.');
      }
      if (!release && IMAGE_CALLS.has(callName) && carriesImage(raw)) {
        release = gate.tryEnter();
        if (!release) return tooMany(res);
      }
      // Validation (400), desktop-only calls (501) and error codes are the service's, as on the desktop.
      sendJson(res, 200, (await service.call(callName, raw)) ?? null);
    } catch (err) {
      sendFailure(res, err, callName);
    } finally {
      release?.();
    }
  }

  /** POST /api/upload/search:image?options=<JSON>: the image's raw bytes as the body, streamed to a file. */
  async function handleUpload(req: IncomingMessage, res: ServerResponse, rawName: string, query: URLSearchParams): Promise<void> {
    if (rawName !== 'search:image') return sendError(res, 404, 'not-found', 'Only search:image takes an upload.');
    if (req.method !== 'POST') return sendError(res, 405, 'method-not-allowed', 'Uploads are made with POST.', { Allow: 'POST' });
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/octet-stream') {
      return sendError(res, 415, 'unsupported-media-type', 'Send the image bytes as the body (Content-Type: application/octet-stream).');
    }
    let options: unknown;
    try {
      const text = query.get('options');
      options = text === null ? undefined : JSON.parse(text);
    } catch {
      return sendError(res, 400, 'bad-request', 'The options parameter is not valid JSON.');
    }
    const release = gate.tryEnter();
    if (!release) return tooMany(res);
    let file: string | null = null;
    let answer: { ok: true; hits: unknown } | { ok: false; err: unknown };
    try {
      file = await spoolBody(req, uploads, limits.imageBytes);
      answer = { ok: true, hits: await service.similarToFile(file, options) };
    } catch (err) {
      answer = { ok: false, err };
    }
    // The upload is gone, and its slot free, before the answer leaves: a client that has its answer finds no
    // file of its request left behind and may send the next one at once.
    if (file) await rm(file, { force: true }).catch(() => {});
    release();
    if (answer.ok) sendJson(res, 200, answer.hits);
    else sendFailure(res, answer.err, 'search:image');
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
      // Every route, the page and its assets included: nothing is served to a request without the token.
      const check = checkToken(req, query, token);
      if (!check.ok) {
        if (isApi) return sendError(res, 401, 'unauthorized', 'This server needs its access token: open the link printed by "soutu serve".');
        res.writeHead(401, { ...BASE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'", 'Cache-Control': 'no-store' });
        res.end('<!doctype html><meta charset="utf-8"><title>Soutu</title><p>This Soutu server needs its access token. Open the link that <code>soutu serve</code> printed (it ends with <code>?token=…</code>).</p>');
        return;
      }
      if (check.source === 'query') res.setHeader('Set-Cookie', tokenCookie(token));
    }
    if (isApi && !sameOriginRequest(req, 'http:')) return sendError(res, 403, 'forbidden', 'Cross-site requests are refused.');

    let m: RegExpExecArray | null;
    if ((m = /^\/api\/call\/([^/]+)$/.exec(rawPath))) return handleCall(req, res, m[1]);
    if ((m = /^\/api\/upload\/([^/]+)$/.exec(rawPath))) return handleUpload(req, res, m[1], query);
    if (rawPath === '/api/events') return handleEvents(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'method-not-allowed', 'Use GET.', { Allow: 'GET, HEAD' });
    const base = `http://${isLoopbackHost(host) ? '127.0.0.1' : 'localhost'}/`;
    if ((m = /^\/media\/(thumb|full|moment|motion|preview)\/([^/]*)(?:\/([^/]*))?$/.exec(rawPath))) {
      return sendResponse(res, await media(toRequest(req, base), { kind: m[1] as MediaKind, id: m[2], index: m[3], start: query.get('start') }), BASE_HEADERS);
    }
    if (isApi) return sendError(res, 404, 'not-found', 'No such endpoint.');
    return sendResponse(res, await files(toRequest(req, base), rawPath), BASE_HEADERS);
  }

  const server = http.createServer(
    {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      // How often Node looks for requests past those bounds (its default, 30 s, would let them run 30 s over).
      connectionsCheckingInterval: Math.max(250, Math.min(2000, Math.floor(limits.requestTimeoutMs / 4))),
    },
    (req, res) => {
      route(req, res).catch((err: unknown) => {
        log(`${req.method} ${req.url?.slice(0, 200)} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        sendError(res, 500, 'internal', 'Something went wrong on the server.');
      });
    },
  );

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
      // Stops listening first (no new requests), then cancels any index run and stops listening to the library;
      // the library itself is the caller's to close.
      relief.cancel();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      hub.closeAll();
      server.closeAllConnections();
      // The upload folder goes while the service closes (no request is left to write there), not after: a
      // library still opening or a run still ending does not hold it up.
      await Promise.all([service.close(), rm(uploads, { recursive: true, force: true }).catch(() => {})]);
      await closed;
    },
  };
}
