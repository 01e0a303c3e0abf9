import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppProtocolHandler, safeSegments } from './app-protocol.js';
import { createMediaProtocolHandler, parseMediaUrl, type MediaKind } from './media-protocol.js';
import { contentSecurityPolicy } from '../service/csp.js';
import { APP_ORIGIN } from './security.js';

// Smallest valid headers for the formats the handler sniffs.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
const JPEG = Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), Buffer.alloc(64)]);
const TIFF = Buffer.concat([Buffer.from('49492a0008000000', 'hex'), Buffer.alloc(64)]);

const ID = {
  ok: '00000000000000a1',
  thumbOnly: '00000000000000b2',
  outside: '00000000000000c3',
  linkOut: '00000000000000d4',
  notImage: '00000000000000e5',
  tiff: '00000000000000f6',
  sibling: '0000000000000107',
};

let tmp: string;
let roots: string[];
let thumbs: string;
let locations: Record<string, Partial<Record<MediaKind, string>>>;

function req(url: string, init: { method?: string; initiator?: string; headers?: Record<string, string> } = {}): Request {
  const r = new Request(url.replace(/^soutu-media:/, 'http:').replace(/^app:/, 'http:'), { method: init.method ?? 'GET', headers: init.headers });
  // Node's Request only takes http(s) URLs; Electron hands the handler the real one. Emulate that.
  Object.defineProperty(r, 'url', { value: url });
  if (init.initiator !== undefined) Object.defineProperty(r, 'initiatorOrigin', { value: init.initiator });
  return r;
}

beforeAll(async () => {
  tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'soutu-proto-')));
  const photos = path.join(tmp, 'photos');
  thumbs = path.join(tmp, 'library', 'thumbs');
  await mkdir(path.join(photos, 'sub'), { recursive: true });
  await mkdir(path.join(thumbs, '00'), { recursive: true });
  await mkdir(path.join(tmp, 'photos2'), { recursive: true });
  await mkdir(path.join(tmp, 'renderer', 'assets'), { recursive: true });
  await writeFile(path.join(photos, 'a.png'), PNG);
  await writeFile(path.join(photos, 'scan.tif'), TIFF);
  await writeFile(path.join(photos, 'notes.jpg'), 'this is text, not an image');
  await writeFile(path.join(thumbs, '00', 'a.webp'), JPEG);
  await writeFile(path.join(tmp, 'secret.jpg'), JPEG);
  await writeFile(path.join(tmp, 'photos2', 'x.jpg'), JPEG);
  if (process.platform !== 'win32') await symlink(path.join(tmp, 'secret.jpg'), path.join(photos, 'sub', 'escape.jpg'));
  await writeFile(path.join(tmp, 'renderer', 'index.html'), '<!doctype html><title>Soutu</title>');
  await writeFile(path.join(tmp, 'renderer', 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(tmp, 'renderer-secret.txt'), 'SECRET');
  roots = [photos];
  locations = {
    [ID.ok]: { full: path.join(photos, 'a.png'), thumb: path.join(thumbs, '00', 'a.webp') },
    [ID.thumbOnly]: { thumb: path.join(thumbs, '00', 'a.webp') },
    // A tampered database: the row points outside every root.
    [ID.outside]: { full: path.join(tmp, 'secret.jpg'), thumb: path.join(tmp, 'secret.jpg') },
    [ID.linkOut]: { full: path.join(photos, 'sub', 'escape.jpg') },
    [ID.notImage]: { full: path.join(photos, 'notes.jpg') },
    [ID.tiff]: { full: path.join(photos, 'scan.tif') },
    [ID.sibling]: { full: path.join(tmp, 'photos2', 'x.jpg') },
  };
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function mediaHandler() {
  const displayJpeg = vi.fn(async () => new Uint8Array(JPEG));
  const locate = vi.fn(async (id: string, kind: MediaKind) => {
    const file = locations[id]?.[kind];
    return file ? { file, allowed: kind === 'thumb' ? [thumbs] : roots } : null;
  });
  return { handle: createMediaProtocolHandler({ locate, displayJpeg, trustedOrigins: [APP_ORIGIN] }), locate, displayJpeg };
}

describe('parseMediaUrl', () => {
  it('accepts the two shapes the renderer builds', () => {
    expect(parseMediaUrl(`soutu-media://thumb/${ID.ok}`)).toEqual({ kind: 'thumb', id: ID.ok });
    expect(parseMediaUrl(`soutu-media://full/${ID.ok}`)).toEqual({ kind: 'full', id: ID.ok });
    expect(parseMediaUrl(`soutu-media://full/${ID.ok}?v=2`)).toEqual({ kind: 'full', id: ID.ok });
  });
  it('accepts the video shapes: a moment with its index, a preview with its start, a motion clip', () => {
    expect(parseMediaUrl(`soutu-media://moment/${ID.ok}/3`)).toEqual({ kind: 'moment', id: ID.ok, index: '3' });
    expect(parseMediaUrl(`soutu-media://preview/${ID.ok}?start=12.5`)).toEqual({ kind: 'preview', id: ID.ok, start: '12.5' });
    expect(parseMediaUrl(`soutu-media://preview/${ID.ok}`)).toEqual({ kind: 'preview', id: ID.ok, start: null });
    expect(parseMediaUrl(`soutu-media://motion/${ID.ok}`)).toEqual({ kind: 'motion', id: ID.ok });
    // The index is checked by the handler (digits only); a moment always has one, the other kinds never.
    expect(parseMediaUrl(`soutu-media://moment/${ID.ok}/x`)).toEqual({ kind: 'moment', id: ID.ok, index: 'x' });
    for (const bad of [`soutu-media://moment/${ID.ok}`, `soutu-media://moment/${ID.ok}/1/2`, `soutu-media://motion/${ID.ok}/1`, `soutu-media://preview/${ID.ok}/0`, `soutu-media://moment/..%2f/1`]) {
      expect(parseMediaUrl(bad), bad).toBeNull();
    }
  });
  const bad = [
    'soutu-media://thumb/',
    'soutu-media://thumb/../../etc/passwd',
    'soutu-media://thumb/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    'soutu-media://thumb/%252e%252e%252f',
    `soutu-media://thumb/${ID.ok}/../../x`,
    `soutu-media://thumb/${ID.ok}/extra`,
    `soutu-media://thumb/${ID.ok.toUpperCase()}`,
    `soutu-media://thumb/${ID.ok}%00`,
    `soutu-media://file/${ID.ok}`,
    `soutu-media://thumb:80/${ID.ok}`,
    `soutu-media://user@thumb/${ID.ok}`,
    `soutu-media:///etc/passwd`,
    `soutu-media://full//etc/passwd`,
    `soutu-media://full/C:\\Windows\\win.ini`,
    `soutu-media://full/\\\\server\\share\\x.jpg`,
    `file:///etc/passwd`,
    `app://soutu/${ID.ok}`,
    'not a url',
  ];
  for (const url of bad) it(`refuses ${url}`, () => expect(parseMediaUrl(url)).toBeNull());
});

describe('soutu-media:// handler', () => {
  it('serves a thumbnail and a photo inside the roots with the sniffed type', async () => {
    const { handle } = mediaHandler();
    const t = await handle(req(`soutu-media://thumb/${ID.ok}`, { initiator: APP_ORIGIN }));
    expect(t.status).toBe(200);
    expect(t.headers.get('content-type')).toBe('image/jpeg'); // sniffed from the bytes, not the .webp name
    expect(t.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    const f = await handle(req(`soutu-media://full/${ID.ok}`, { initiator: APP_ORIGIN }));
    expect(f.status).toBe(200);
    expect(f.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await f.arrayBuffer()).equals(PNG)).toBe(true);
  });
  it('answers HEAD and conditional requests', async () => {
    const { handle } = mediaHandler();
    const h = await handle(req(`soutu-media://full/${ID.ok}`, { method: 'HEAD' }));
    expect(h.status).toBe(200);
    expect(h.headers.get('content-length')).toBe(String(PNG.length));
    const again = await handle(req(`soutu-media://full/${ID.ok}`, { headers: { 'If-None-Match': h.headers.get('etag')! } }));
    expect(again.status).toBe(304);
  });
  it('converts formats Chromium cannot show', async () => {
    const { handle, displayJpeg } = mediaHandler();
    const r = await handle(req(`soutu-media://full/${ID.tiff}`));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect(displayJpeg).toHaveBeenCalledWith(ID.tiff, path.join(roots[0], 'scan.tif'));
  });
  // Outside the allowed folders is 403 (as in serve, through the same handler); gone or not an image is 404.
  const refused: [string, string, number[]][] = [
    ['a database row pointing outside every root', `soutu-media://full/${ID.outside}`, [403]],
    ['a thumbnail row pointing outside the thumbs folder', `soutu-media://thumb/${ID.outside}`, [403]],
    ['a file in a sibling folder sharing the prefix', `soutu-media://full/${ID.sibling}`, [403]],
    ['a text file named .jpg', `soutu-media://full/${ID.notImage}`, [404]],
    ['an unknown id', 'soutu-media://full/ffffffffffffffff', [404]],
    ['a photo without a full path', `soutu-media://full/${ID.thumbOnly}`, [404]],
    ['encoded traversal', 'soutu-media://full/%2e%2e%2f%2e%2e%2fsecret.jpg', [400]],
    ['plain traversal', 'soutu-media://full/../../secret.jpg', [400]],
  ];
  if (process.platform !== 'win32') refused.push(['a symlink inside a root that escapes it', `soutu-media://full/${ID.linkOut}`, [403]]);
  for (const [what, url, codes] of refused) {
    it(`refuses ${what}`, async () => {
      const { handle } = mediaHandler();
      const r = await handle(req(url, { initiator: APP_ORIGIN }));
      expect(codes).toContain(r.status);
      expect(await r.text()).not.toContain('SECRET');
    });
  }
  it('refuses other initiators and methods', async () => {
    const { handle, locate } = mediaHandler();
    expect((await handle(req(`soutu-media://full/${ID.ok}`, { initiator: 'https://evil.example' }))).status).toBe(403);
    expect((await handle(req(`soutu-media://full/${ID.ok}`, { initiator: 'null' }))).status).toBe(403);
    expect((await handle(req(`soutu-media://full/${ID.ok}`, { method: 'POST' }))).status).toBe(405);
    expect(locate).not.toHaveBeenCalled();
  });
  it('passes a video request on with its Range, moment index and preview start, and answers 206', async () => {
    const locate = vi.fn(async (_id: string, kind: MediaKind, _at?: { index?: number; start?: number }) =>
      kind === 'moment' ? { file: path.join(thumbs, '00', 'a.webp'), allowed: [thumbs] } : { file: path.join(roots[0], 'a.png'), allowed: roots, video: 'mp4', ...(kind === 'preview' ? { preview: { startS: 0, durationS: 1 } } : {}) },
    );
    const handle = createMediaProtocolHandler({ locate, displayJpeg: async () => null, trustedOrigins: [APP_ORIGIN] });
    const r = await handle(req(`soutu-media://full/${ID.ok}`, { initiator: APP_ORIGIN, headers: { Range: 'bytes=8-15' } }));
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes 8-15/${PNG.length}`);
    expect(r.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await r.arrayBuffer()).equals(PNG.subarray(8, 16))).toBe(true);
    const m = await handle(req(`soutu-media://moment/${ID.ok}/7`, { initiator: APP_ORIGIN }));
    expect(m.status).toBe(200);
    expect(locate).toHaveBeenLastCalledWith(ID.ok, 'moment', expect.objectContaining({ index: 7 }));
    const p = await handle(req(`soutu-media://preview/${ID.ok}?start=130`, { initiator: APP_ORIGIN, method: 'HEAD' }));
    expect(p.status).toBe(200);
    expect(locate).toHaveBeenLastCalledWith(ID.ok, 'preview', expect.objectContaining({ start: 120 }));
    // The app page reads where the preview starts with fetch(): the header is exposed to its origin.
    expect(p.headers.get('access-control-expose-headers')).toContain('X-Soutu-Preview-Start');
    expect(p.headers.get('x-soutu-preview-start')).toBe('0.000');
    expect((await handle(req(`soutu-media://full/${ID.ok}`, { headers: { Range: 'bytes=999-' } }))).status).toBe(416);
  });
  it('says 503 when the library process is down', async () => {
    const handle = createMediaProtocolHandler({ locate: () => Promise.reject(new Error('gone')), displayJpeg: async () => null, trustedOrigins: [APP_ORIGIN] });
    expect((await handle(req(`soutu-media://full/${ID.ok}`))).status).toBe(503);
  });
});

describe('app:// handler', () => {
  const csp = contentSecurityPolicy({ mediaScheme: 'soutu-media' });
  const handler = () => createAppProtocolHandler({ root: path.join(tmp, 'renderer'), csp });
  it('serves index.html with the CSP and assets with their type', async () => {
    const h = handler();
    const index = await h(req('app://soutu/'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(csp);
    expect(await index.text()).toContain('<title>Soutu</title>');
    const js = await h(req('app://soutu/assets/app.js'));
    expect(js.headers.get('content-type')).toContain('text/javascript');
    const route = await h(req('app://soutu/folders'));
    expect(await route.text()).toContain('<title>Soutu</title>'); // client-side route
    expect((await h(req('app://soutu/assets/missing.js'))).status).toBe(404);
  });
  for (const p of ['/%2e%2e/renderer-secret.txt', '/assets/%2e%2e%2f%2e%2e%2frenderer-secret.txt', '/%252e%252e/renderer-secret.txt', '/..%5crenderer-secret.txt', '/assets/..%2f..%2frenderer-secret.txt', '/%00index.html', '/C:%5cWindows%5cwin.ini', '/%E0%A4%A']) {
    it(`refuses ${p}`, async () => {
      const r = await handler()(req(`app://soutu${p}`));
      expect([400, 404]).toContain(r.status);
      expect(await r.text()).not.toContain('SECRET');
    });
  }
  it('refuses other hosts and methods', async () => {
    expect((await handler()(req('app://evil/index.html'))).status).toBe(404);
    expect((await handler()(req('app://soutu/index.html', { method: 'POST' }))).status).toBe(405);
  });
  it('safeSegments', () => {
    expect(safeSegments('/assets/app.js')).toEqual(['assets', 'app.js']);
    expect(safeSegments('/a/./b')).toEqual(['a', 'b']);
    expect(safeSegments('/a/../b')).toBeNull();
    expect(safeSegments('/%2e%2e/b')).toBeNull();
  });
});
