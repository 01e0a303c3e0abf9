// Memory of `soutu serve` under image uploads (issue 12): four clients at once each send a maximum-size image
// (40 MB) as an image query, by the raw upload route and by the JSON base64 form; serve's resident memory is
// sampled from /proc every 20 ms, idle before and a while after. serve runs as the real CLI in its own process
// (the product form, and the clients' own buffers are not counted). Clients told to retry (429: serve answers a
// few image queries at once) retry after Retry-After, so every upload is answered in the end.
//
// Run alone: npx tsx bench/tasks/upload.ts '{"cacheDir":".cache/bench"}' /tmp/upload.json   (JSON also on stdout)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { writeColourImages } from '../../src/main/core/testing/fixtures.js';
import { makeTestModel } from '../../src/main/core/testing/test-models.js';
import { taskMain } from '../lib/child.js';
import { round, sleep } from '../lib/measure.js';

interface Args {
  cacheDir: string;
  /** The model serve searches with (default: the synthetic ViT-B/32 under cacheDir, made when missing). */
  modelDir?: string;
  /** Clients at once (default 4). */
  clients?: number;
  /** Size of each image, MB (default 40, the upload bound). */
  imageMb?: number;
  /** How long serve is left alone after the uploads before idle_after is read (default 10 s). */
  settleMs?: number;
  /** The repository (default: the working folder, where the bench runs); its built CLI is what is measured. */
  repo?: string;
}

let CLI = '';

function rssOf(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** A JPEG of noise (what compresses worst) just under `mb` MB: the largest real photo an upload may be. */
async function noiseJpeg(file: string, mb: number): Promise<void> {
  if (existsSync(file)) return;
  // q100 noise costs about 1.9 bytes a pixel; shrink until it fits.
  let pixels = (mb * 1e6 * 0.98) / 1.9;
  for (;;) {
    const w = Math.round(Math.sqrt((pixels * 4) / 3));
    const h = Math.round((w * 3) / 4);
    const raw = Buffer.allocUnsafe(Math.ceil((w * h * 3) / 4) * 4);
    for (let i = 0; i < raw.length; i += 4) raw.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
    const jpeg = await sharp(raw.subarray(0, w * h * 3), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
    if (jpeg.length <= mb * 2 ** 20) {
      await writeFile(file, jpeg);
      return;
    }
    pixels *= ((mb * 2 ** 20) / jpeg.length) * 0.97;
  }
}

async function startServe(library: string, model: string): Promise<{ child: ChildProcess; base: string; token: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--library', library, '--model', model, '--port', '0', '--no-watch'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const banner = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Press Ctrl\+C/.test(out)) resolve(out);
    });
    child.on('exit', () => reject(new Error(`serve ended: ${out}`)));
  });
  const m = /Open (http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/.exec(banner);
  if (!m) throw new Error(`no address in ${banner}`);
  return { child, base: m[1], token: decodeURIComponent(m[2]) };
}

/** Sends one request until it is not told to retry; returns its status and the 429s it met. */
async function untilAnswered(send: () => Promise<Response>): Promise<{ status: number; retries: number }> {
  for (let retries = 0; ; retries++) {
    const r = await send();
    await r.arrayBuffer();
    if (r.status !== 429) return { status: r.status, retries };
    await sleep(Number(r.headers.get('retry-after') ?? 1) * 1000);
  }
}

/** Runs `clients` requests at once while sampling serve's memory; the peak of the samples and of VmHWM. */
async function burst(pid: number, clients: number, send: () => Promise<Response>) {
  let peak = rssOf(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
  const t0 = performance.now();
  const answers = await Promise.all(Array.from({ length: clients }, () => untilAnswered(send)));
  clearInterval(sampler);
  return { peak, ms: performance.now() - t0, statuses: answers.map((a) => a.status), retries: answers.reduce((n, a) => n + a.retries, 0) };
}

taskMain(async (a: Args) => {
  if (process.platform !== 'linux') throw new Error('this task reads serve’s memory from /proc (Linux only)');
  CLI = path.resolve(a.repo ?? '.', 'bin', 'soutu.js');
  const clients = a.clients ?? 4;
  const imageMb = a.imageMb ?? 40;
  const dir = path.resolve(a.cacheDir, 'upload');
  await mkdir(dir, { recursive: true });
  const model = a.modelDir ?? path.resolve(a.cacheDir, 'model-synthetic-vit-b32');
  if (!existsSync(path.join(model, 'config.json'))) await makeTestModel('synthetic-vit-b32', model);
  const image = path.join(dir, `noise-${imageMb}mb.jpg`);
  await noiseJpeg(image, imageMb);
  const bytes = await readFile(image);
  const library = path.join(dir, 'library');
  await rm(library, { recursive: true, force: true });
  const photos = await writeColourImages(path.join(dir, 'photos'));
  await promisify(execFile)(process.execPath, [CLI, 'index', path.dirname(photos.red), '--library', library, '--model', model, '--json']);

  const { child, base, token } = await startServe(library, model);
  const pid = child.pid!;
  const auth = { Authorization: `Bearer ${token}` };
  try {
    // Warm: the model answers one small image query first, as it would after the first search of the day.
    const small = await readFile(photos.blue);
    await untilAnswered(() => fetch(`${base}/api/upload/search:image`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: small }));
    await sleep(2000);
    const idleBefore = rssOf(pid);

    const raw = await burst(pid, clients, () =>
      fetch(`${base}/api/upload/search:image?options=%7B%22limit%22%3A20%7D`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: bytes }),
    );
    await sleep(a.settleMs ?? 10_000);
    const idleAfterRaw = rssOf(pid);

    const json = JSON.stringify({ image: { kind: 'bytes', base64: bytes.toString('base64') }, options: { limit: 20 } });
    const viaJson = await burst(pid, clients, () => fetch(`${base}/api/call/search:image`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: json }));
    await sleep(a.settleMs ?? 10_000);
    const idleAfter = rssOf(pid);

    return {
      clients,
      image_mb: round((await stat(image)).size / 2 ** 20),
      idle_before_mb: round(idleBefore),
      upload_peak_rss_mb: round(raw.peak),
      upload_ms: round(raw.ms, 0),
      upload_statuses: raw.statuses,
      upload_retries_429: raw.retries,
      idle_after_upload_mb: round(idleAfterRaw),
      json_peak_rss_mb: round(viaJson.peak),
      json_ms: round(viaJson.ms, 0),
      json_statuses: viaJson.statuses,
      json_retries_429: viaJson.retries,
      idle_after_mb: round(idleAfter),
      serve_hwm_mb: round(rssOf(pid, 'VmHWM')),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
});
