// The downloader against a local server that behaves like the hub (HEAD with x-linked-* headers, a redirect to
// a CDN path, Range support), with dropped connections and corrupt bytes injected.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { precisionPlan, type CatalogFile, type CatalogModel, type Precision } from './model-catalog.js';
import { downloadModel, ModelDownloadError, type DownloadProgress } from './model-download.js';
import { planStatus, resolveModel } from './model-store.js';
import { TransformersClipEmbedder } from './transformers-clip-embedder.js';

let root: string;
let cleanup: () => Promise<void>;
let modelDir: string;
let files: string[];
let server: http.Server;
let host: string;
const log: string[] = [];
const faults = { dropOnce: new Set<string>(), corrupt: new Set<string>() };

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-dl-'));
  modelDir = path.join(root, 'hub', 'toy');
  // Every precision of each tower, made the way the hub's are.
  await makeTestModel('toy-color', modelDir, { precisions: ['fp32', 'fp16', 'q8'] });
  files = await listFiles(modelDir);
  server = http.createServer(async (req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    log.push(`${req.method} ${url} ${req.headers.range ?? ''}`);
    const m = /^\/test\/toy\/resolve\/main\/(.+)$/.exec(url);
    const cdn = /^\/cdn\/(.+)$/.exec(url);
    const file = m?.[1] ?? cdn?.[1];
    if (!file || !files.includes(file)) {
      res.writeHead(404).end();
      return;
    }
    let body = await readFile(path.join(modelDir, file));
    const lfs = file.endsWith('.onnx');
    if (m && req.method === 'HEAD') {
      if (lfs) {
        res.writeHead(302, {
          location: `/cdn/${file}`,
          'x-linked-size': String(body.length),
          'x-linked-etag': `"${createHash('sha256').update(body).digest('hex')}"`,
        });
      } else {
        const git = createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
        res.writeHead(200, { 'content-length': String(body.length), etag: `"${git}"` });
      }
      res.end();
      return;
    }
    if (m && lfs) {
      res.writeHead(302, { location: `/cdn/${file}` }).end();
      return;
    }
    if (faults.corrupt.has(file)) body = Buffer.from(body.map((b) => b ^ 0xff));
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const slice = body.subarray(start);
    res.writeHead(range ? 206 : 200, { 'content-length': String(slice.length), 'accept-ranges': 'bytes' });
    if (faults.dropOnce.has(file) && slice.length > 1000) {
      faults.dropOnce.delete(file);
      // Let the first half reach the client before the connection drops, so there is something to resume.
      res.write(slice.subarray(0, Math.floor(slice.length / 2)), () => setTimeout(() => res.destroy(), 100));
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await cleanup?.();
});

/** A catalog entry for the toy "hub", with its real file sizes. */
async function catalog(): Promise<CatalogModel> {
  const file = async (p: string): Promise<CatalogFile> => ({ path: p, bytes: (await stat(path.join(modelDir, p))).size });
  const weights = {} as Record<Precision, Record<'text' | 'vision', CatalogFile>>;
  for (const [p, sfx] of [['fp32', ''], ['fp16', '_fp16'], ['q8', '_quantized']] as const) {
    weights[p] = { text: await file(`onnx/text_model${sfx}.onnx`), vision: await file(`onnx/vision_model${sfx}.onnx`) };
  }
  const t = { en: 'toy', 'zh-CN': '玩具' };
  const relevance = { minZ: 2.5, spread: 0.5, noneBelowZ: 2 };
  return {
    id: 'test/toy',
    title: t,
    note: t,
    languages: ['en'],
    layout: 'split',
    configFiles: files.filter((f) => f.endsWith('.json')),
    weights,
    contextLength: 77,
    defaults: { relevance, tagMargin: 0.05, sources: { relevance: '', tagMargin: '' } },
    approxBytes: 0,
  };
}
const fetched = () => log.filter((l) => l.startsWith('GET /cdn/')).map((l) => l.split(' ')[1].slice('/cdn/'.length));

describe('downloadModel', () => {
  it('fetches the CPU quality files only, resumes a dropped transfer, verifies, widens fp16 vision, and loads', async () => {
    const dest = path.join(root, 'models', 'ok');
    const model = await catalog();
    const plan = precisionPlan(model);
    const vision = 'onnx/vision_model_fp16.onnx';
    expect(plan.files.filter((f) => f.endsWith('.onnx'))).toEqual(['onnx/text_model_quantized.onnx', vision]);
    faults.dropOnce.add(vision);
    const progress: DownloadProgress[] = [];
    log.length = 0;
    await downloadModel(model, dest, { host, onProgress: (p) => progress.push(p), backoffMs: 10 });
    expect(log.some((l) => l.includes(`/cdn/${vision}`) && l.includes('bytes='))).toBe(true);
    expect([...new Set(fetched())].filter((f) => f.endsWith('.onnx')).sort()).toEqual(['onnx/text_model_quantized.onnx', vision]);
    for (const f of plan.files) expect((await stat(path.join(dest, f))).size).toBe((await stat(path.join(modelDir, f))).size);
    const last = progress.filter((p) => p.file === vision).pop()!;
    expect(last.percent).toBeCloseTo(100, 5);
    expect(last.total).toBe((await stat(path.join(modelDir, vision))).size);
    expect(progress.at(-1)).toMatchObject({ phase: 'prepare', file: 'onnx/vision_model_fp16_widened.onnx' });
    const manifest = JSON.parse(await readFile(path.join(dest, 'soutu-model.json'), 'utf8'));
    expect(manifest.files[vision].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.plan).toEqual({ setting: 'quality', device: 'cpu' });
    expect(manifest.derived).toEqual(['onnx/vision_model_fp16_widened.onnx']);
    expect((await planStatus(dest, model, plan)).complete).toBe(true);

    const e = await TransformersClipEmbedder.open(dest, { device: 'cpu', modelId: model.id });
    const [t] = await e.embedTexts(['red']);
    const [img] = await e.embedImages([new Float32Array(3 * 224 * 224).fill(0.5)]);
    expect(t.length).toBe(e.dim);
    expect(img.length).toBe(e.dim);
    expect(e.runtime().vision).toMatchObject({ compute: 'fp32', weights: 'fp16', file: 'onnx/vision_model_fp16_widened.onnx' });
    expect(e.runtime().text).toMatchObject({ compute: 'q8', file: 'onnx/text_model_quantized.onnx' });
    expect(e.dtype()).toBe('vision fp32 (fp16 weights), text q8');
    expect(e.visionClass).toBe('full');
    await e.close();
  });

  it('adds another plan\'s files to a folder without fetching again what it has', async () => {
    const dest = path.join(root, 'models', 'ok');
    const model = await catalog();
    const compact = precisionPlan(model, { setting: 'compact' });
    const before = await planStatus(dest, model, compact);
    expect(before.missing.map((f) => f.path)).toEqual(['onnx/vision_model_quantized.onnx']);
    expect(before.missingBytes).toBe((await stat(path.join(modelDir, 'onnx/vision_model_quantized.onnx'))).size);
    log.length = 0;
    await downloadModel(model, dest, { host, plan: compact, backoffMs: 10 });
    expect(fetched()).toEqual(['onnx/vision_model_quantized.onnx']);
    const manifest = JSON.parse(await readFile(path.join(dest, 'soutu-model.json'), 'utf8'));
    expect(Object.keys(manifest.files)).toEqual(expect.arrayContaining(['onnx/vision_model_fp16.onnx', 'onnx/vision_model_quantized.onnx']));
    expect(manifest.derived).toEqual(['onnx/vision_model_fp16_widened.onnx']);
    const e = await TransformersClipEmbedder.open(dest, { device: 'cpu', modelId: model.id, precision: 'compact' });
    expect(e.visionClass).toBe('q8');
    await e.embedImages([new Float32Array(3 * 224 * 224)]);
    expect(e.runtime().vision).toMatchObject({ compute: 'q8', file: 'onnx/vision_model_quantized.onnx' });
    await e.close();
  });

  it('refuses corrupt bytes after retrying', async () => {
    const text = 'onnx/text_model_quantized.onnx';
    faults.corrupt.add(text);
    try {
      const err = await downloadModel(await catalog(), path.join(root, 'models', 'bad'), { host, retries: 1, backoffMs: 5 }).catch((e) => e);
      expect(err).toBeInstanceOf(ModelDownloadError);
      expect(err.kind).toBe('verify');
      expect(err.message).toContain('damaged');
    } finally {
      faults.corrupt.delete(text);
    }
  });

  it('explains an unreachable host in one sentence, with the mirror and import way out', async () => {
    const err = await downloadModel(await catalog(), path.join(root, 'models', 'none'), { host: 'http://127.0.0.1:9', retries: 1, backoffMs: 5 }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelDownloadError);
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/Could not reach 127\.0\.0\.1:9/);
    expect(err.message).toContain('--hub-host');
    expect(err.message).toContain('soutu models import');
    expect(err.message).not.toMatch(/\n\s+at /);
  });

  it('maps catalog ids to the user models folder and leaves them not ready until downloaded', async () => {
    const r = await resolveModel('Xenova/clip-vit-base-patch32', path.join(root, 'empty-models'));
    expect(r.ready).toBe(false);
    expect(r.source.startsWith(path.join(root, 'empty-models'))).toBe(true);
    await expect(resolveModel('nobody/unknown-model', root)).rejects.toThrow(/Unknown model/);
  });
});
