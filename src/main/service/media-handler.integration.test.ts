// The one media handler through both transports: serve's /media/full/<id> (node:http) and the desktop's
// soutu-media://full/<id> (Electron's protocol handler, asking the real library process over the rpc protocol)
// answer a full-size HEIF/HEIC photo with the same browser-ready JPEG: no transport answers 415 any more.
// Real engine, toy-color model, real HEVC-coded fixtures (sharp's prebuilt libvips cannot decode them).
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaProtocolHandler } from '../app/media-protocol.js';
import { APP_ORIGIN } from '../app/security.js';
import { raw, serveForTest } from '../../server/test-support.js';
import { serveLibraryProcess } from '../utility/library-process.js';
import { Library, photoId } from '../core/index.js';
import { SHARED_FIXTURES } from '../core/testing/fixtures.js';
import { tempDir } from '../core/testing/temp.js';
import { makeTestModel } from '../core/testing/test-models.js';
import type { MediaLocation } from './contract-service.js';
import { LIBRARY_METHODS } from './library-rpc.js';
import { createRpcClient, memoryPortPair } from './rpc.js';

const FIXTURES = [
  { file: 'heif_small_desert_storm.heif', width: 640, height: 426 },
  { file: 'heic_iphone_flower.HEIC', width: 2566, height: 3313 },
];

let root: string;
let cleanup: () => Promise<void>;
let libraryDir: string;
let photos: string;
const viaServe = new Map<string, Buffer>();

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-media-heic-'));
  photos = path.join(root, 'photos');
  await mkdir(photos);
  for (const f of FIXTURES) await copyFile(path.join(SHARED_FIXTURES, 'odd', f.file), path.join(photos, f.file));
  const toy = path.join(root, 'models', 'toy');
  await makeTestModel('toy-color', toy);
  libraryDir = path.join(root, 'library');
  const lib = await Library.open(libraryDir, { model: toy, device: 'cpu' });
  await lib.index({ roots: [photos] });
  for (const f of FIXTURES) expect(lib.photo(photoId(path.join(photos, f.file)))?.format).toMatch(/heif|heic/);
  await lib.close();
}, 180_000);

afterAll(async () => {
  await cleanup?.();
});

async function expectUprightJpeg(bytes: Buffer, f: (typeof FIXTURES)[number]): Promise<void> {
  expect(bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
  const meta = await sharp(bytes).metadata();
  expect(meta.format).toBe('jpeg');
  // At most 2560 px on the longer side, the photo's proportions kept (libheif applies its rotation).
  const scale = Math.min(1, 2560 / Math.max(f.width, f.height));
  expect(meta.width).toBe(Math.round(f.width * scale));
  expect(meta.height).toBe(Math.round(f.height * scale));
}

describe('full-size HEIF/HEIC through both transports', () => {
  it('serve answers /media/full with a JPEG', async () => {
    const lib = await Library.open(libraryDir, { modelsDir: path.join(root, 'models') });
    const server = await serveForTest(lib, { staticDir: root, modelsDir: path.join(root, 'models') });
    try {
      for (const f of FIXTURES) {
        const id = photoId(path.join(photos, f.file));
        const r = await raw(server.port, `/media/full/${id}`);
        expect(r.status, `${f.file}: ${r.text.slice(0, 200)}`).toBe(200);
        expect(r.headers['content-type']).toBe('image/jpeg');
        expect(r.headers['x-content-type-options']).toBe('nosniff');
        await expectUprightJpeg(r.body, f);
        viaServe.set(f.file, r.body);
        const head = await raw(server.port, `/media/full/${id}`, { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(head.headers['content-length']).toBe(String(r.body.length));
      }
    } finally {
      await server.close();
      await lib.close();
    }
  }, 120_000);

  it('the desktop protocol answers soutu-media://full with the same JPEG, converted in the library process', async () => {
    const [mainSide, processSide] = memoryPortPair();
    const client = createRpcClient(mainSide);
    const { service } = serveLibraryProcess(processSide, { libraryDir, modelsDir: path.join(root, 'models'), systemLanguage: 'en' }, { exit: () => {} });
    try {
      await service.start();
      const handler = createMediaProtocolHandler({
        locate: async (id, kind) => (await client.request(LIBRARY_METHODS.locate, { id, kind })) as MediaLocation | null,
        displayJpeg: async (id) => (await client.request(LIBRARY_METHODS.displayJpeg, { id })) as Uint8Array | null,
        trustedOrigins: [APP_ORIGIN],
      });
      for (const f of FIXTURES) {
        const request = new Request('http://x/');
        Object.defineProperty(request, 'url', { value: `soutu-media://full/${photoId(path.join(photos, f.file))}` });
        Object.defineProperty(request, 'initiatorOrigin', { value: APP_ORIGIN });
        const r = await handler(request);
        expect(r.status, f.file).toBe(200);
        expect(r.headers.get('content-type')).toBe('image/jpeg');
        expect(r.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
        const bytes = Buffer.from(await r.arrayBuffer());
        await expectUprightJpeg(bytes, f);
        expect(bytes.equals(viaServe.get(f.file)!), `${f.file}: the same conversion as serve`).toBe(true);
      }
    } finally {
      await service.close();
    }
  }, 120_000);
});
