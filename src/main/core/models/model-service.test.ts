// ModelService against a local "hub" (the toy model's files under a catalog id) and a local HTTP proxy that
// records what passes through it: downloads honour HTTP(S)_PROXY and NO_PROXY, join when asked twice, and fail
// with typed errors; the hub host comes from the flag, then settings, then SOUTU_HUB_HOST.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { SoutuError } from '../errors.js';
import { ModelService, type DownloadProgress } from './model-service.js';
import { proxySettings } from './proxy.js';

const MODEL = 'Xenova/clip-vit-base-patch32';
let root: string;
let cleanup: () => Promise<void>;
let hub: http.Server;
let hubUrl: string;
let proxy: http.Server;
let proxyUrl: string;
const proxied: string[] = [];
const hubSeen: string[] = [];
let hubFiles: Map<string, Buffer>;
let hubDelayMs = 0;

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-models-'));
  const toy = path.join(root, 'toy');
  await makeTestModel('toy-color', toy, { precisions: ['fp32', 'fp16', 'q8'] });
  hubFiles = new Map();
  for (const f of await listFiles(toy)) hubFiles.set(f, await readFile(path.join(toy, f)));
  // The hub: every file of the toy model under the catalog id; JSON files the toy lacks are served as {}.
  hub = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    hubSeen.push(`${req.method} ${url}`);
    const m = /^\/Xenova\/clip-vit-base-patch32\/resolve\/main\/(.+)$/.exec(url);
    const body = m ? (hubFiles.get(m[1]) ?? (m[1].endsWith('.json') ? Buffer.from('{}') : null)) : null;
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    setTimeout(() => {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
    }, hubDelayMs);
  });
  hubUrl = await listen(hub);
  // The proxy: forwards absolute-form requests and CONNECT tunnels, writing down each one.
  proxy = http.createServer((req, res) => {
    proxied.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '');
    const up = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  proxy.on('connect', (req, socket: net.Socket, head) => {
    proxied.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  proxyUrl = await listen(proxy);
}, 120_000);

afterAll(async () => {
  hub?.closeAllConnections();
  proxy?.closeAllConnections();
  hub?.close();
  proxy?.close();
  await cleanup?.();
});

const hubPaths = (lines: string[]) => lines.filter((l) => l.includes('/Xenova/clip-vit-base-patch32/resolve/main/') || l.startsWith('CONNECT'));

describe('ModelService downloads', () => {
  it('goes through HTTP_PROXY, and the model is ready afterwards', async () => {
    const models = new ModelService({ modelsDir: path.join(root, 'via-proxy'), env: { HTTP_PROXY: proxyUrl, SOUTU_HUB_HOST: hubUrl } });
    const progress: DownloadProgress[] = [];
    models.on('download', (p) => progress.push(p));
    proxied.length = 0;
    expect((await models.resolve(MODEL)).ready).toBe(false);
    const r = await models.download(MODEL);
    expect(r.ready).toBe(true);
    expect((await models.resolve(MODEL)).ready).toBe(true);
    expect(hubPaths(proxied).length).toBeGreaterThanOrEqual(4);
    expect(progress.some((p) => p.model === MODEL && p.percent !== null)).toBe(true);
  }, 120_000);

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    const models = new ModelService({ modelsDir: path.join(root, 'no-proxy'), env: { http_proxy: proxyUrl, no_proxy: '127.0.0.1' }, hubHost: hubUrl });
    proxied.length = 0;
    hubSeen.length = 0;
    expect((await models.download(MODEL)).ready).toBe(true);
    expect(proxied).toEqual([]);
    expect(hubSeen.length).toBeGreaterThan(0);
  }, 120_000);

  it('without proxy variables it fetches directly', async () => {
    expect(proxySettings({})).toBeNull();
    expect(proxySettings({ HTTPS_PROXY: 'http://p:1' })).toEqual({ httpProxy: '', httpsProxy: 'http://p:1', noProxy: '' });
    const models = new ModelService({ modelsDir: path.join(root, 'direct'), env: {}, hubHost: hubUrl });
    proxied.length = 0;
    expect((await models.download(MODEL)).ready).toBe(true);
    expect(proxied).toEqual([]);
  }, 120_000);

  it('a second download of the same model joins the first', async () => {
    const models = new ModelService({ modelsDir: path.join(root, 'joined'), env: {}, hubHost: hubUrl });
    hubDelayMs = 50;
    try {
      const a = models.download(MODEL);
      expect(models.isDownloading(MODEL)).toBe(true);
      const b = models.download(MODEL.toLowerCase());
      expect(b).toBe(a);
      await a;
      expect(models.isDownloading(MODEL)).toBe(false);
    } finally {
      hubDelayMs = 0;
    }
  }, 120_000);

  it('fails with typed errors: unknown id, unreachable hub, missing without download', async () => {
    const models = new ModelService({ modelsDir: path.join(root, 'errors'), env: {}, hubHost: 'http://127.0.0.1:9' });
    await expect(models.download('no/such-model')).rejects.toMatchObject({ code: 'not-found' });
    const err = await models.download(MODEL).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SoutuError);
    expect(err).toMatchObject({ code: 'io', message: expect.stringMatching(/Could not reach 127\.0\.0\.1:9/) });
    await expect(models.ensure(MODEL, { allowDownload: false })).rejects.toMatchObject({ code: 'model-missing' });
  }, 60_000);
});

describe('ModelService configuration', () => {
  it('reads the hub host in one order: flag, settings, SOUTU_HUB_HOST', () => {
    const env = { SOUTU_HUB_HOST: 'https://env.example' };
    expect(new ModelService({ env, hubHost: 'https://flag.example' }).hubHost('https://settings.example')).toBe('https://flag.example');
    expect(new ModelService({ env }).hubHost('https://settings.example')).toBe('https://settings.example');
    expect(new ModelService({ env }).hubHost(undefined)).toBe('https://env.example');
    expect(new ModelService({ env: {} }).hubHost()).toBeUndefined();
  });

  it('picks the first model by language and the library model by what it records', () => {
    const models = new ModelService({ env: {} });
    expect(models.defaultModelId).toBe(MODEL);
    expect(models.defaultFor('zh-CN')).toMatch(/chinese/i);
    expect(models.defaultFor('en')).toBe(MODEL);
    expect(models.specFor(null)).toEqual({ spec: MODEL });
    expect(models.specFor(null, { defaultModel: 'x/y' })).toEqual({ spec: 'x/y' });
    const record = { model: { id: 'a/b', source: '/m/a' }, pendingModel: { id: 'c/d', source: '/m/c' } };
    expect(models.specFor(record)).toEqual({ spec: '/m/c', fallbackId: 'c/d' });
    expect(models.specFor({ model: record.model, pendingModel: null })).toEqual({ spec: '/m/a', fallbackId: 'a/b' });
    expect(models.specFor(record, { model: '/other' })).toEqual({ spec: '/other' });
  });

  it('refuses what is no model with bad-request, and lists the catalog with notes', async () => {
    const models = new ModelService({ modelsDir: path.join(root, 'listing'), env: {} });
    await expect(models.resolve('no/such-model')).rejects.toMatchObject({ code: 'bad-request' });
    await expect(models.resolve(path.join(root, 'nothing-here', 'model'))).rejects.toMatchObject({ code: 'bad-request' });
    const notModel = path.join(root, 'not-a-model');
    await mkdir(notModel, { recursive: true });
    await expect(models.import(notModel)).rejects.toMatchObject({ code: 'bad-request' });
    await writeFile(path.join(notModel, 'config.json'), '{}');
    await writeFile(path.join(notModel, 'preprocessor_config.json'), '{}');
    await writeFile(path.join(notModel, 'tokenizer.json'), '{}');
    await expect(models.import(notModel)).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('ONNX') });
    const list = await models.list('zh-CN');
    const clip = list.find((m) => m.id === MODEL)!;
    expect(clip.ready).toBe(false);
    expect(clip.title).toBe(clip.titles['zh-CN']);
    expect(typeof clip.note).toBe('string');
  });
});
