// Shared set-up for the server tests: a real library (toy-color model, real LanceDB) indexed from a small
// photo folder with traps (a symlink escaping to a sibling-prefix folder, a text file named .jpg), and a raw
// HTTP client that sends request targets exactly as written (fetch would normalise ../ and %2e away). Servers
// started with serveForTest() are remembered with their token, which the client sends as a script would
// (Authorization: Bearer) unless a test says `auth: false` or brings its own credentials.
import http from 'node:http';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Library, photoId } from '../main/core/index.js';
import { writeColourImages } from '../main/core/testing/fixtures.js';
import { makeTestModel } from '../main/core/testing/test-models.js';
import { createServer, type ServerOptions, type SoutuServer } from './http-server.js';

export interface Fixture {
  tmp: string;
  lib: Library;
  /** The one indexed root: <tmp>/photos */
  root: string;
  colours: Record<string, string>;
  /** <tmp>/photos2/secret.jpg: outside the root, in a folder whose name starts with the root's. */
  secret: string;
  /** <tmp>/photos/escape.jpg → ../photos2/secret.jpg */
  escapeLink: string;
  /** <tmp>/photos/not-really.jpg: text, fails to index. */
  textFile: string;
  staticDir: string;
  /** <tmp>/secret.txt next to the static folder. */
  secretText: string;
  id(file: string): string;
  cleanup(): Promise<void>;
}

export async function makeFixture(): Promise<Fixture> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-server-'));
  const model = path.join(tmp, 'model');
  await makeTestModel('toy-color', model);
  const root = path.join(tmp, 'photos');
  const colours = await writeColourImages(root, { size: 64, withHalf: false });
  const secretDir = path.join(tmp, 'photos2');
  await mkdir(secretDir);
  const secret = path.join(secretDir, 'secret.jpg');
  const generated = await writeColourImages(path.join(tmp, 'gen'), { size: 48, withHalf: false });
  await copyFile(generated.gray, secret);
  const escapeLink = path.join(root, 'escape.jpg');
  await symlink(path.join('..', 'photos2', 'secret.jpg'), escapeLink);
  const textFile = path.join(root, 'not-really.jpg');
  await writeFile(textFile, 'This is text, not a JPEG.\n'.repeat(10));
  const staticDir = path.join(tmp, 'static');
  await mkdir(staticDir);
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Soutu test</title><p>UI</p>');
  const secretText = path.join(tmp, 'secret.txt');
  await writeFile(secretText, 'TOP-SECRET-CONTENT');

  const lib = await Library.open(path.join(tmp, 'library'), { model, modelsDir: path.join(tmp, 'models') });
  await lib.index({ roots: [root] });
  return {
    tmp,
    lib,
    root,
    colours,
    secret,
    escapeLink,
    textFile,
    staticDir,
    secretText,
    id: (file) => photoId(file),
    async cleanup() {
      await lib.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json<T = unknown>(): T;
}

/** Tokens of the servers started by serveForTest, by port. */
const tokens = new Map<number, string>();

/** createServer on a free loopback port, quiet, its token remembered for raw() and postJson(). */
export async function serveForTest(lib: Library, opts: ServerOptions = {}): Promise<SoutuServer> {
  const server = await createServer(lib, { port: 0, log: () => {}, ...opts });
  if (server.token) tokens.set(server.port, server.token);
  return server;
}

export interface RawOptions {
  /** Send the token of a server started by serveForTest (default true, unless headers carry credentials). */
  auth?: boolean;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Host header; defaults to 127.0.0.1:<port>. `null` sends none. */
  host?: string | null;
}

/** Sends `target` verbatim (no normalisation) and collects the whole answer. */
export function raw(port: number, target: string, o: RawOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const own = Object.keys(headers).some((k) => /^(authorization|cookie)$/i.test(k));
    if (o.auth !== false && !own && tokens.has(port)) headers.Authorization = `Bearer ${tokens.get(port)}`;
    if (o.host !== null) headers.Host = o.host ?? `127.0.0.1:${port}`;
    if (o.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(o.body));
    const req = http.request({ host: '127.0.0.1', port, method: o.method ?? 'GET', path: target, headers, setHost: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** Writes bytes straight onto a socket, for requests Node's client refuses to build (raw NUL, no Host). */
export function rawSocket(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(request));
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.on('error', reject);
    s.setTimeout(5000, () => {
      s.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

export function postJson(port: number, name: string, args: unknown, o: RawOptions = {}): Promise<RawResponse> {
  return raw(port, `/api/call/${name}`, {
    method: 'POST',
    ...o,
    headers: { 'Content-Type': 'application/json', ...(o.headers ?? {}) },
    body: typeof args === 'string' ? args : JSON.stringify(args),
  });
}
