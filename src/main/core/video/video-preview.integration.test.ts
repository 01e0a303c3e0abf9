// Playable previews: which videos the browser engine plays as they are, and on-demand H.264/AAC previews for the
// others, cached with LRU bounds, one transcode shared by concurrent requests, stopped when nobody waits.
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_FIXTURES } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { ffmpegBinaries } from './ffmpeg-binaries.js';
import { probeVideo, type VideoProbe } from './video-probe.js';
import { browserPlayable, previewFor } from './video-preview.js';
import { HAVE_SYSTEM_FFMPEG, makeColourClip, makeRotatedClip } from './video-test-clips.js';

const VIDEOS = path.join(path.dirname(SHARED_FIXTURES), 'videos');
let dir: string;
let cleanup: () => Promise<void>;
const f = (n: string) => path.join(dir, n);

async function probe(file: string): Promise<VideoProbe> {
  const r = await probeVideo(file);
  if (!r.ok) throw new Error(`${file}: ${r.error.reason}`);
  return r.value;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('soutu-preview-'));
});
afterAll(async () => {
  await cleanup?.();
});

describe('browserPlayable', () => {
  it('says yes for what Chromium plays and no for the rest', async () => {
    for (const name of ['mov_h264_aac_rot90_audiofirst.mov', 'mp4_h264_aac_rot180_dog.mp4', 'mp4_h264_mp3_chaplin.mp4', 'webm_vp8_vorbis_30s.webm', 'webm_vp9_opus_noduration.webm']) {
      expect(browserPlayable(await probe(path.join(VIDEOS, name))), name).toBe(true);
    }
    const p = await probe(path.join(VIDEOS, 'mp4_h264_noaudio_street_cuts.mp4'));
    expect(browserPlayable({ ...p, codec: 'hevc' })).toBe(false);
    expect(browserPlayable({ ...p, codec: 'hevc' }, { hevc: true })).toBe(true);
    expect(browserPlayable({ ...p, pixelFormat: 'yuv420p10le' })).toBe(false);
    expect(browserPlayable({ ...p, sniffed: 'avi', codec: 'mpeg4' })).toBe(false);
    expect(browserPlayable({ ...p, sniffed: 'mkv' })).toBe(false);
    expect(browserPlayable({ ...p, sniffed: 'mkv' }, { matroska: true })).toBe(true);
    expect(browserPlayable({ ...p, sniffed: 'webm' })).toBe(false); // H.264 is not allowed in WebM
    expect(browserPlayable({ ...p, hasAudio: true, audioCodec: 'pcm_s16le' })).toBe(false);
    expect(browserPlayable({ ...p, hasAudio: true, audioCodec: 'amr_nb' })).toBe(false);
    expect(browserPlayable({ ...p, sniffed: '3gp', codec: 'h263' })).toBe(false);
  });
});

describe.runIf(HAVE_SYSTEM_FFMPEG)('previewFor', () => {
  let avi: string;
  beforeAll(async () => {
    avi = f('camera.avi');
    await makeColourClip(avi, [{ color: 'blue', seconds: 4 }, { color: 'red', seconds: 4 }], { codec: 'mpeg4', audio: true, noise: true });
  });

  it('makes a playable H.264/AAC MP4 of the asked window, upright, and serves it from the cache after', async () => {
    const cacheDir = f('cache1');
    const p = await probe(avi);
    expect(browserPlayable(p)).toBe(false);
    const r = await previewFor(avi, p, { cacheDir, startS: 2, maxDurationS: 4 });
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.value).toMatchObject({ mime: 'video/mp4', startS: 2, durationS: 4, cached: false });
    const out = await probe(r.value.path);
    expect([out.codec, out.audioCodec, out.sniffed]).toEqual(['h264', 'aac', 'mp4']);
    expect(browserPlayable(out)).toBe(true);
    expect(Math.abs(out.durationS - 4)).toBeLessThan(0.2);
    const again = await previewFor(avi, p, { cacheDir, startS: 2, maxDurationS: 4 });
    expect(again.ok && again.value).toMatchObject({ path: r.value.path, cached: true });
    expect((await readdir(cacheDir)).filter((n) => n.endsWith('.part'))).toEqual([]);

    const portrait = f('portrait.mp4');
    await makeRotatedClip(portrait, 'red', 'blue');
    const pr = await previewFor(portrait, await probe(portrait), { cacheDir });
    if (!pr.ok) throw new Error(pr.error.reason);
    const pp = await probe(pr.value.path);
    // Upright pixels, no rotation left for the player to apply.
    expect([pp.width, pp.height, pp.rotation]).toEqual([96, 160, 0]);
  });

  it('runs one transcode for concurrent requests of the same preview', async () => {
    const log = f('ffmpeg-calls.log');
    const counting = f('counting-ffmpeg.sh');
    await writeFile(counting, `#!/bin/sh\necho run >> '${log}'\nexec '${ffmpegBinaries().ffmpeg}' "$@"\n`);
    await chmod(counting, 0o755);
    const binaries = { ...ffmpegBinaries(), ffmpeg: counting };
    const p = await probe(avi);
    const opts = { cacheDir: f('cache2'), binaries };
    const results = await Promise.all([previewFor(avi, p, opts), previewFor(avi, p, opts), previewFor(avi, p, opts)]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(new Set(results.map((r) => r.ok && r.value.path)).size).toBe(1);
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['run']);
  });

  it('evicts the least recently used previews beyond the cache bounds', async () => {
    const cacheDir = f('cache3');
    const p = await probe(avi);
    const make = async (startS: number) => {
      const r = await previewFor(avi, p, { cacheDir, startS, maxDurationS: 1, maxCacheFiles: 2 });
      if (!r.ok) throw new Error(r.error.reason);
      return r.value.path;
    };
    const a = await make(0);
    await new Promise((res) => setTimeout(res, 20));
    const b = await make(1);
    await new Promise((res) => setTimeout(res, 20));
    await make(0); // a is used again: b is now the oldest
    await new Promise((res) => setTimeout(res, 20));
    const c = await make(2);
    const left = (await readdir(cacheDir)).map((n) => path.join(cacheDir, n)).sort();
    expect(left).toEqual([a, c].sort());
    expect(left.includes(b)).toBe(false);
  });

  it('stops the transcode when every caller has given up, and leaves no partial file', async () => {
    const cacheDir = f('cache4');
    const p = await probe(avi);
    const one = new AbortController();
    const two = new AbortController();
    const r1 = previewFor(avi, p, { cacheDir, signal: one.signal });
    const r2 = previewFor(avi, p, { cacheDir, signal: two.signal });
    await new Promise((res) => setTimeout(res, 50));
    one.abort();
    await expect(r1).rejects.toThrow(/abort/i);
    // The other caller still gets its preview.
    const ok = await r2;
    expect(ok.ok).toBe(true);

    const three = new AbortController();
    const r3 = previewFor(avi, p, { cacheDir, startS: 3, signal: three.signal });
    await new Promise((res) => setTimeout(res, 50));
    three.abort();
    await expect(r3).rejects.toThrow(/abort/i);
    await new Promise((res) => setTimeout(res, 500));
    expect((await readdir(cacheDir)).filter((n) => n.endsWith('.part'))).toEqual([]);
    expect((await readdir(cacheDir)).length).toBe(1);
  });
});
