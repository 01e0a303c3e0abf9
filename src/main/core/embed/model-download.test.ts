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
import type { CatalogModel } from './model-catalog.js';
import { downloadModel, ModelDownloadError, type DownloadProgress } from './model-download.js';
import { resolveModel } from './model-store.js';
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
  await makeTestModel('toy-color', modelDir);
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

function catalog(): CatalogModel {
  return { id: 'test/toy', title: 'toy', languages: ['en'], files, dtype: 'fp32', layout: 'split', approxBytes: 0, note: '' };
}

describe('downloadModel', () => {
  it('resumes a dropped transfer with Range, verifies, reports progress, and the result loads', async () => {
    const dest = path.join(root, 'models', 'ok');
    const vision = files.find((f) => f.includes('vision_model'))!;
    faults.dropOnce.add(vision);
    const progress: DownloadProgress[] = [];
    await downloadModel(catalog(), dest, { host, onProgress: (p) => progress.push(p), backoffMs: 10 });
    expect(log.some((l) => l.includes(`/cdn/${vision}`) && l.includes('bytes='))).toBe(true);
    for (const f of files) expect((await stat(path.join(dest, f))).size).toBe((await stat(path.join(modelDir, f))).size);
    const last = progress.filter((p) => p.file === vision).pop()!;
    expect(last.percent).toBeCloseTo(100, 5);
    expect(last.total).toBe((await stat(path.join(modelDir, vision))).size);
    const e = await TransformersClipEmbedder.open(dest, { device: 'cpu' });
    const [v] = await e.embedTexts(['red']);
    expect(v.length).toBe(e.dim);
    await e.close();
    const manifest = JSON.parse(await readFile(path.join(dest, 'soutu-model.json'), 'utf8'));
    expect(manifest.files[vision].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses corrupt bytes after retrying', async () => {
    const text = files.find((f) => f.includes('text_model'))!;
    faults.corrupt.add(text);
    try {
      const err = await downloadModel(catalog(), path.join(root, 'models', 'bad'), { host, retries: 1, backoffMs: 5 }).catch((e) => e);
      expect(err).toBeInstanceOf(ModelDownloadError);
      expect(err.kind).toBe('verify');
      expect(err.message).toContain('damaged');
    } finally {
      faults.corrupt.delete(text);
    }
  });

  it('explains an unreachable host in one sentence, with the mirror and import way out', async () => {
    const err = await downloadModel(catalog(), path.join(root, 'models', 'none'), { host: 'http://127.0.0.1:9', retries: 1, backoffMs: 5 }).catch((e) => e);
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
