// The media handler's byte ranges and its checks, with a fake `locate` over real files: every Range form (RFC 9110
// §14) and its edge cases, HEAD, If-Range and If-None-Match, a body that is exactly the asked bytes, and the guard
// (a video outside its folder, a link out of it, a preview whose video leads outside, a FIFO) for every video kind.
// The same handler behind both transports, with a real library and real clips: media-video.integration.test.ts.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MediaLocation } from './contract-service.js';
import { createMediaHandler, parseRange, PREVIEW_STEP_S, type MediaAt, type MediaKind, type MediaTarget } from './media-handler.js';

const SIZE = 10_000;
const ID = { video: '00000000000000a1', outside: '00000000000000b2', linkOut: '00000000000000c3', fifo: '00000000000000d4', live: '00000000000000e5', photo: '00000000000000f6' };

let tmp: string;
let root: string;
let bytes: Buffer;
let locations: Record<string, Partial<Record<MediaKind, MediaLocation>>>;

beforeAll(async () => {
  tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'soutu-media-range-')));
  root = path.join(tmp, 'videos');
  const previews = path.join(tmp, 'library', 'cache', 'previews');
  await mkdir(root, { recursive: true });
  await mkdir(previews, { recursive: true });
  bytes = randomBytes(SIZE);
  await writeFile(path.join(root, 'clip.mp4'), bytes);
  await writeFile(path.join(root, 'IMG_1.MOV'), bytes.subarray(0, 500));
  await writeFile(path.join(previews, 'p.mp4'), bytes.subarray(0, 2000));
  await writeFile(path.join(tmp, 'secret.mp4'), 'TOP-SECRET video');
  await symlink(path.join(tmp, 'secret.mp4'), path.join(root, 'escape.mp4'));
  if (process.platform !== 'win32') execFileSync('mkfifo', [path.join(root, 'fifo.mp4')]);
  const preview = { file: path.join(previews, 'p.mp4'), allowed: [previews], video: 'mp4', preview: { startS: 58, durationS: 120.5 } };
  locations = {
    [ID.video]: { full: { file: path.join(root, 'clip.mp4'), allowed: [root], video: 'mp4' }, preview: { ...preview, source: { file: path.join(root, 'clip.mp4'), allowed: [root] } } },
    // A tampered database: the row points outside every root.
    [ID.outside]: { full: { file: path.join(tmp, 'secret.mp4'), allowed: [root], video: 'mp4' }, preview: { ...preview, source: { file: path.join(tmp, 'secret.mp4'), allowed: [root] } } },
    [ID.linkOut]: { full: { file: path.join(root, 'escape.mp4'), allowed: [root], video: 'mov' }, preview: { ...preview, source: { file: path.join(root, 'escape.mp4'), allowed: [root] } } },
    [ID.fifo]: { full: { file: path.join(root, 'fifo.mp4'), allowed: [root], video: 'mp4' } },
    [ID.live]: { motion: { file: path.join(root, 'IMG_1.MOV'), allowed: [root], video: 'mov' } },
  };
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function handler() {
  const locate = vi.fn(async (id: string, kind: MediaKind, _at?: MediaAt) => locations[id]?.[kind] ?? null);
  return { handle: createMediaHandler({ locate, displayJpeg: async () => null }), locate };
}

function get(target: Partial<MediaTarget> & { id: string }, headers: Record<string, string> = {}, method = 'GET') {
  const { handle } = handler();
  return handle(new Request('http://x/', { method, headers }), { kind: 'full', ...target } as MediaTarget);
}

async function body(r: Response): Promise<Buffer> {
  return Buffer.from(await r.arrayBuffer());
}

describe('parseRange', () => {
  const cases: [string | null, ReturnType<typeof parseRange>][] = [
    [null, null],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=100-', { start: 100, end: SIZE - 1 }],
    ['bytes=-100', { start: SIZE - 100, end: SIZE - 1 }],
    ['bytes=-20000', { start: 0, end: SIZE - 1 }], // a suffix longer than the file is all of it
    ['bytes=9990-20000', { start: 9990, end: SIZE - 1 }], // an end past the file is cut
    ['bytes=9999-9999', { start: 9999, end: 9999 }],
    ['BYTES = 5 - 9', { start: 5, end: 9 }],
    ['bytes=0-99999999999999999999', { start: 0, end: SIZE - 1 }],
    ['bytes=10000-', 'unsatisfiable'], // starts at the end
    ['bytes=20000-30000', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=9-5', 'unsatisfiable'],
    ['bytes=-', 'unsatisfiable'],
    ['bytes=abc', 'unsatisfiable'],
    ['bytes=1.5-2', 'unsatisfiable'],
    ['bytes=99999999999999999999-', 'unsatisfiable'],
    ['bytes=0-1,5-6', null], // several ranges: the whole file (browsers never ask media for them)
    ['items=0-5', null], // another unit is ignored
    ['', null],
  ];
  for (const [header, want] of cases) it(`${JSON.stringify(header)} → ${JSON.stringify(want)}`, () => expect(parseRange(header, SIZE)).toEqual(want));
  it('an empty file satisfies no range', () => expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable'));
});

describe('a video file with byte ranges', () => {
  it('sends the whole file, typed by its container, saying it takes ranges', async () => {
    const r = await get({ id: ID.video });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('video/mp4');
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(r.headers.get('content-length')).toBe(String(SIZE));
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await body(r)).equals(bytes)).toBe(true);
  });

  for (const [range, start, end] of [['bytes=0-0', 0, 0], ['bytes=1234-5677', 1234, 5677], ['bytes=9000-', 9000, SIZE - 1], ['bytes=-1', SIZE - 1, SIZE - 1], ['bytes=5000-999999', 5000, SIZE - 1]] as const) {
    it(`${range} → 206 with exactly bytes ${start}-${end}`, async () => {
      const r = await get({ id: ID.video }, { Range: range });
      expect(r.status).toBe(206);
      expect(r.headers.get('content-range')).toBe(`bytes ${start}-${end}/${SIZE}`);
      expect(r.headers.get('content-length')).toBe(String(end - start + 1));
      expect((await body(r)).equals(bytes.subarray(start, end + 1))).toBe(true);
    });
  }

  for (const range of ['bytes=10000-', 'bytes=-0', 'bytes=7-3', 'bytes=x-y']) {
    it(`${range} → 416 saying the size`, async () => {
      const r = await get({ id: ID.video }, { Range: range });
      expect(r.status).toBe(416);
      expect(r.headers.get('content-range')).toBe(`bytes */${SIZE}`);
      expect((await body(r)).includes(bytes.subarray(0, 16))).toBe(false);
    });
  }

  it('HEAD answers the same headers without a body', async () => {
    const whole = await get({ id: ID.video }, {}, 'HEAD');
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(SIZE));
    expect(whole.body).toBeNull();
    const part = await get({ id: ID.video }, { Range: 'bytes=10-19' }, 'HEAD');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${SIZE}`);
    expect(part.body).toBeNull();
  });

  it('If-None-Match → 304; If-Range of another version → the whole file', async () => {
    const etag = (await get({ id: ID.video }, {}, 'HEAD')).headers.get('etag')!;
    expect((await get({ id: ID.video }, { 'If-None-Match': etag })).status).toBe(304);
    const same = await get({ id: ID.video }, { Range: 'bytes=0-9', 'If-Range': etag });
    expect(same.status).toBe(206);
    const other = await get({ id: ID.video }, { Range: 'bytes=0-9', 'If-Range': '"old-version"' });
    expect(other.status).toBe(200);
    expect((await body(other)).length).toBe(SIZE);
  });

  it("a Live Photo's motion clip is a QuickTime file with ranges", async () => {
    const r = await get({ kind: 'motion', id: ID.live }, { Range: 'bytes=100-199' });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-type')).toBe('video/quicktime');
    expect((await body(r)).equals(bytes.subarray(100, 200))).toBe(true);
  });

  it('a preview says where it starts in the video, on the step before the asked time', async () => {
    const { handle, locate } = handler();
    const r = await handle(new Request('http://x/', { headers: { Range: 'bytes=0-99' } }), { kind: 'preview', id: ID.video, start: '75.5' });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-type')).toBe('video/mp4');
    expect(r.headers.get('x-soutu-preview-start')).toBe('58.000');
    expect(r.headers.get('x-soutu-preview-duration')).toBe('120.500');
    expect(r.headers.get('access-control-expose-headers')).toContain('X-Soutu-Preview-Start');
    expect(locate.mock.calls[0][2]).toMatchObject({ start: PREVIEW_STEP_S });
    await handle(new Request('http://x/'), { kind: 'preview', id: ID.video });
    expect(locate.mock.calls[1][2]).not.toHaveProperty('start');
  });
});

describe('checks', () => {
  it('refuses a video outside its folder, or a link that leads out of it, in every kind', async () => {
    for (const id of [ID.outside, ID.linkOut]) {
      for (const kind of ['full', 'preview'] as const) {
        const r = await get({ kind, id }, { Range: 'bytes=0-' });
        expect(r.status, `${kind}/${id}`).toBe(403);
        expect(await r.text()).not.toContain('TOP-SECRET');
      }
    }
  });

  it.skipIf(process.platform === 'win32')('does not open a FIFO put where a video was', async () => {
    expect((await get({ id: ID.fifo })).status).toBe(404);
  });

  it('answers 404 for what is not there (a photo has no motion or preview here)', async () => {
    expect((await get({ kind: 'motion', id: ID.photo })).status).toBe(404);
    expect((await get({ kind: 'preview', id: ID.photo })).status).toBe(404);
    expect((await get({ kind: 'moment', id: ID.video, index: '3' })).status).toBe(404);
  });

  const bad: [string, Partial<MediaTarget>][] = [
    ['an unknown kind', { kind: 'file' as MediaKind }],
    ['a malformed id', { id: '../../etc/passwd' }],
    ['a moment without its index', { kind: 'moment' }],
    ['a moment index that is not a number', { kind: 'moment', index: '1e3' }],
    ['a negative moment index', { kind: 'moment', index: '-1' }],
    ['an index on another kind', { kind: 'full', index: '0' }],
    ['a start that is not seconds', { kind: 'preview', start: '12s' }],
    ['a start past a day', { kind: 'preview', start: '999999' }],
  ];
  for (const [what, target] of bad) {
    it(`answers 400 for ${what}, asking nothing of the library`, async () => {
      const { handle, locate } = handler();
      const r = await handle(new Request('http://x/'), { kind: 'full', id: ID.video, ...target } as MediaTarget);
      expect(r.status).toBe(400);
      expect(locate).not.toHaveBeenCalled();
    });
  }

  it('answers 405 to other methods and 503 when the library cannot answer', async () => {
    expect((await get({ id: ID.video }, {}, 'POST')).status).toBe(405);
    const handle = createMediaHandler({ locate: async () => Promise.reject(new Error('down')), displayJpeg: async () => null, log: () => {} });
    expect((await handle(new Request('http://x/'), { kind: 'full', id: ID.video })).status).toBe(503);
  });
});
