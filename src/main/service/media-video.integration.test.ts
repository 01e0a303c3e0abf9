// Videos through the one media handler, behind both transports: serve's /media/<kind>/<id> (node:http) and the
// desktop's soutu-media:// handler (media-protocol.ts), over a real library indexed from generated clips with the
// toy-color model. A video's file and a Live Photo's motion clip go with byte ranges (206, 416, HEAD, the exact
// bytes); a moment's thumbnail by its index; a preview of an AVI is made on demand as an H.264 MP4 that covers the
// asked time and says where it starts; and a video, moment or preview whose file leads outside its folder is refused.
import { copyFile, mkdir, readFile, rename, symlink } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaProtocolHandler } from '../app/media-protocol.js';
import { APP_ORIGIN } from '../app/security.js';
import type { SoutuServer } from '../../server/http-server.js';
import { raw, serveForTest } from '../../server/test-support.js';
import { serveLibraryProcess } from '../utility/library-process.js';
import type { MediaLocation } from './contract-service.js';
import { LIBRARY_METHODS } from './library-rpc.js';
import { createRpcClient, memoryPortPair } from './rpc.js';
import { Library, photoId } from '../core/index.js';
import { writeColourImages } from '../core/testing/fixtures.js';
import { tempDir } from '../core/testing/temp.js';
import { makeTestModel } from '../core/testing/test-models.js';
import { HAVE_SYSTEM_FFMPEG, makeColourClip } from '../core/video/video-test-clips.js';

describe.runIf(HAVE_SYSTEM_FFMPEG)('video media through both transports', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let media: string;
  let lib: Library;
  let server: SoutuServer;
  let desktop: (r: Request) => Promise<Response>;
  const file = { mp4: '', avi: '', still: '', mov: '' };
  const id = { mp4: '', avi: '', still: '', photo: '' };

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('soutu-media-video-'));
    const model = path.join(root, 'models', 'toy');
    await makeTestModel('toy-color', model);
    media = path.join(root, 'media');
    await mkdir(path.join(media, 'clips'), { recursive: true });
    const colours = await writeColourImages(path.join(media, 'photos'), { size: 64, withHalf: false });
    file.mp4 = path.join(media, 'clips', 'birthday.mp4');
    file.avi = path.join(media, 'clips', 'old-camera.avi');
    file.still = path.join(media, 'clips', 'IMG_0001.JPG');
    file.mov = path.join(media, 'clips', 'IMG_0001.MOV');
    await makeColourClip(file.mp4, [{ color: 'blue', seconds: 5 }, { color: 'red', seconds: 5 }, { color: 'green', seconds: 5 }], { codec: 'h264', noise: true });
    // MPEG-4 part 2 in AVI: no browser plays it, so it is watched through a preview.
    await makeColourClip(file.avi, [{ color: 'blue', seconds: 4 }, { color: 'red', seconds: 4 }], { codec: 'mpeg4', noise: true });
    await copyFile(colours.purple, file.still);
    await makeColourClip(file.mov, [{ color: 'purple', seconds: 2 }], { codec: 'h264' });
    lib = await Library.open(path.join(root, 'library'), { model, device: 'cpu' });
    await lib.index({ roots: [media], ocr: false });
    for (const k of ['mp4', 'avi', 'still'] as const) id[k] = photoId(file[k]);
    id.photo = photoId(colours.red);
    expect(lib.photo(id.mp4)?.kind).toBe('video');
    expect(lib.photo(id.avi)?.format).toBe('avi');
    expect(lib.photo(id.still)?.motion).toBe(true);
    server = await serveForTest(lib, { staticDir: root });
    // The desktop's handler over the same service (in the app it asks the library process over rpc).
    desktop = createMediaProtocolHandler({
      locate: (i, kind, at) => server.service.locate(i, kind, at ?? {}),
      displayJpeg: async () => null,
      trustedOrigins: [APP_ORIGIN],
    });
  }, 300_000);

  afterAll(async () => {
    await server?.close().catch(() => {});
    await lib?.close().catch(() => {});
    await cleanup?.();
  });

  /** One request through both transports: [serve, desktop], each as status, headers and body. */
  async function both(target: string, headers: Record<string, string> = {}, method = 'GET') {
    const viaServe = await raw(server.port, `/media/${target}`, { headers, method });
    const request = new Request('http://x/', { method, headers });
    Object.defineProperty(request, 'url', { value: `soutu-media://${target}` });
    Object.defineProperty(request, 'initiatorOrigin', { value: APP_ORIGIN });
    const r = await desktop(request);
    const viaDesktop = { status: r.status, headers: Object.fromEntries(r.headers), body: Buffer.from(await r.arrayBuffer()) };
    return [
      { via: 'serve', status: viaServe.status, headers: viaServe.headers as Record<string, string | undefined>, body: viaServe.body },
      { via: 'desktop', ...viaDesktop },
    ];
  }

  it("streams a video's file with byte ranges, the exact bytes asked", async () => {
    const bytes = await readFile(file.mp4);
    const n = bytes.length;
    for (const r of await both(`full/${id.mp4}`, { Range: 'bytes=100-1099' })) {
      expect(r.status, r.via).toBe(206);
      expect(r.headers['content-range'], r.via).toBe(`bytes 100-1099/${n}`);
      expect(r.headers['content-type'], r.via).toBe('video/mp4');
      expect(r.headers['accept-ranges'], r.via).toBe('bytes');
      expect(r.body.equals(bytes.subarray(100, 1100)), r.via).toBe(true);
    }
    for (const r of await both(`full/${id.mp4}`, { Range: `bytes=${n - 10}-` })) expect(r.body.equals(bytes.subarray(n - 10)), r.via).toBe(true);
    for (const r of await both(`full/${id.mp4}`, { Range: 'bytes=-16' })) expect(r.body.equals(bytes.subarray(n - 16)), r.via).toBe(true);
    for (const r of await both(`full/${id.mp4}`, { Range: `bytes=${n}-` })) {
      expect(r.status, r.via).toBe(416);
      expect(r.headers['content-range'], r.via).toBe(`bytes */${n}`);
    }
    for (const r of await both(`full/${id.mp4}`, {}, 'HEAD')) {
      expect(r.status, r.via).toBe(200);
      expect(r.headers['content-length'], r.via).toBe(String(n));
      expect(r.body.length, r.via).toBe(0);
    }
    for (const r of await both(`full/${id.mp4}`)) expect(r.body.equals(bytes), r.via).toBe(true);
    for (const r of await both(`full/${id.avi}`, { Range: 'bytes=0-3' })) {
      expect(r.headers['content-type'], r.via).toBe('video/x-msvideo');
      expect(r.body.toString('latin1'), r.via).toBe('RIFF');
    }
  });

  it("serves a moment's thumbnail by its index, and nothing past the last", async () => {
    const moments = lib.videoMoments(id.mp4)!;
    expect(moments.times.length).toBeGreaterThan(1);
    for (const r of await both(`moment/${id.mp4}/${moments.times.length - 1}`)) {
      expect(r.status, r.via).toBe(200);
      expect(r.headers['content-type'], r.via).toBe('image/webp');
    }
    for (const r of await both(`moment/${id.mp4}/${moments.times.length}`)) expect(r.status, r.via).toBe(404);
    for (const r of await both(`moment/${id.photo}/0`)) expect(r.status, r.via).toBe(404);
    for (const r of await both(`moment/${id.mp4}/x`)) expect(r.status, r.via).toBe(400);
  });

  it('a moment\'s thumbnail shows that moment: index i of video:moments is the picture at times[i]', async () => {
    // birthday.mp4 is blue, red from 5 s, green from 10 s: each sampled moment's thumbnail must be its colour.
    const { times } = lib.videoMoments(id.mp4)!;
    const colourAt = (t: number) => (t < 5 - 0.05 ? 'blue' : t < 10 - 0.05 ? 'red' : 'green');
    const seen: string[] = [];
    for (let i = 0; i < times.length; i++) {
      const r = await raw(server.port, `/media/moment/${id.mp4}/${i}`);
      expect(r.status).toBe(200);
      const { channels } = await sharp(r.body).stats();
      const [red, green, blue] = channels.map((c) => c.mean);
      const shown = red > green && red > blue ? 'red' : green > blue ? 'green' : 'blue';
      seen.push(`${times[i].toFixed(2)} s: ${shown}`);
    }
    expect(seen).toEqual(times.map((t) => `${t.toFixed(2)} s: ${colourAt(t)}`));
  });

  it("serves a Live Photo's motion clip with ranges; a photo without one has none", async () => {
    const bytes = await readFile(file.mov);
    for (const r of await both(`motion/${id.still}`, { Range: 'bytes=4-11' })) {
      expect(r.status, r.via).toBe(206);
      expect(r.headers['content-type'], r.via).toBe('video/quicktime');
      expect(r.body.equals(bytes.subarray(4, 12)), r.via).toBe(true);
    }
    for (const r of await both(`full/${id.still}`)) expect(r.headers['content-type'], r.via).toBe('image/jpeg');
    for (const r of await both(`motion/${id.photo}`)) expect(r.status, r.via).toBe(404);
    for (const r of await both(`motion/${id.mp4}`)) expect(r.status, r.via).toBe(404);
  });

  it('makes a preview of a video the browser cannot play, covering the asked time, with ranges', async () => {
    for (const r of await both(`preview/${id.avi}?start=5.5`, {}, 'HEAD')) {
      expect(r.status, r.via).toBe(200);
      expect(r.headers['content-type'], r.via).toBe('video/mp4');
      // Made from the start of the 8 s clip: the red moment at 5.5 s plays at 5.5 s in it.
      expect(Number(r.headers['x-soutu-preview-start']), r.via).toBe(0);
      expect(Number(r.headers['x-soutu-preview-duration']), r.via).toBeCloseTo(8, 0);
    }
    for (const r of await both(`preview/${id.avi}?start=5.5`, { Range: 'bytes=0-11' })) {
      expect(r.status, r.via).toBe(206);
      expect(r.body.subarray(4, 8).toString('latin1'), r.via).toBe('ftyp');
    }
    // Each use touches the cached file (its recency): the ranges of one preview still carry one validator.
    const first = await raw(server.port, `/media/preview/${id.avi}?start=5.5`, { method: 'HEAD' });
    await new Promise((r) => setTimeout(r, 30));
    const again = await raw(server.port, `/media/preview/${id.avi}?start=7`, { headers: { Range: 'bytes=100-', 'If-Range': String(first.headers.etag) } });
    expect(again.status).toBe(206);
    expect(again.headers.etag).toBe(first.headers.etag);
    // A preview of a Live Photo's motion clip; none of a photo; a malformed start asks for nothing.
    for (const r of await both(`preview/${id.still}`, {}, 'HEAD')) expect(r.status, r.via).toBe(200);
    for (const r of await both(`preview/${id.photo}`)) expect(r.status, r.via).toBe(404);
    for (const r of await both(`preview/${id.avi}?start=soon`)) expect(r.status, r.via).toBe(400);
  }, 120_000);

  it('refuses a video, its moments and its preview once the file leads outside its folder', async () => {
    const secret = path.join(root, 'secret.mp4');
    await copyFile(file.mp4, secret);
    const aside = `${file.mp4}.aside`;
    await rename(file.mp4, aside);
    await symlink(secret, file.mp4);
    try {
      for (const target of [`full/${id.mp4}`, `moment/${id.mp4}/0`, `thumb/${id.mp4}`, `preview/${id.mp4}?start=1`]) {
        for (const r of await both(target, { Range: 'bytes=0-' })) expect(r.status, `${r.via} ${target}`).toBe(403);
      }
    } finally {
      await rename(aside, file.mp4);
    }
  }, 120_000);

  it('the desktop asks the real library process over rpc: a moment by its index, a preview made on demand', async () => {
    // The library process opens the library itself: the serve test's library is closed first (the last test).
    await server.close();
    await lib.close();
    const [mainSide, processSide] = memoryPortPair();
    const client = createRpcClient(mainSide);
    const { service } = serveLibraryProcess(processSide, { libraryDir: path.join(root, 'library'), modelsDir: path.join(root, 'models'), systemLanguage: 'en' }, { exit: () => {} });
    try {
      await service.start();
      const handler = createMediaProtocolHandler({
        locate: async (i, kind, at) => (await client.request(LIBRARY_METHODS.locate, { id: i, kind, index: at?.index, start: at?.start }, { timeoutMs: 120_000 })) as MediaLocation | null,
        displayJpeg: async () => null,
        trustedOrigins: [APP_ORIGIN],
      });
      const ask = async (url: string, headers: Record<string, string> = {}) => {
        const request = new Request('http://x/', { headers });
        Object.defineProperty(request, 'url', { value: url });
        Object.defineProperty(request, 'initiatorOrigin', { value: APP_ORIGIN });
        return handler(request);
      };
      const moment = await ask(`soutu-media://moment/${id.mp4}/1`);
      expect(moment.status).toBe(200);
      expect(moment.headers.get('content-type')).toBe('image/webp');
      const preview = await ask(`soutu-media://preview/${id.avi}?start=6`, { Range: 'bytes=0-11' });
      expect(preview.status).toBe(206);
      expect(preview.headers.get('x-soutu-preview-start')).toBe('0.000');
      expect(Buffer.from(await preview.arrayBuffer()).subarray(4, 8).toString('latin1')).toBe('ftyp');
      const full = await ask(`soutu-media://full/${id.mp4}`, { Range: 'bytes=0-7' });
      expect(full.status).toBe(206);
    } finally {
      await service.close();
    }
  }, 120_000);
});
