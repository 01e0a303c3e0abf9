// probeVideo on the real fixture clips, on clips generated in every container and codec the app meets, and on the
// broken files a library holds; each bad file must become a typed failure quickly, never an exception.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_FIXTURES } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { ffmpegBinaries } from './ffmpeg-binaries.js';
import { probeVideo } from './video-probe.js';
import { HAVE_SYSTEM_FFMPEG, makeBrokenFiles, makeColourClip, makeRotatedClip, type ClipCodec } from './video-test-clips.js';

const VIDEOS = path.join(path.dirname(SHARED_FIXTURES), 'videos');

interface Row { path: string; container: string; codec: string; width: number; height: number; duration: number; rotation: number }

async function manifest(): Promise<Row[]> {
  const [header, ...lines] = (await readFile(path.join(VIDEOS, 'MANIFEST.tsv'), 'utf8')).trim().split('\n');
  const cols = header.split('\t');
  const at = (n: string) => cols.indexOf(n);
  return lines.map((l) => l.split('\t')).map((c) => ({
    path: c[at('path')], container: c[at('container')], codec: c[at('codec')],
    width: Number(c[at('width')]), height: Number(c[at('height')]), duration: Number(c[at('duration_s')]), rotation: Number(c[at('rotation')]),
  }));
}

describe('probeVideo on the real fixture clips', () => {
  it('reads duration, displayed size, rotation, codecs and audio as the manifest says', async () => {
    for (const row of await manifest()) {
      const r = await probeVideo(path.join(VIDEOS, row.path));
      if (!r.ok) throw new Error(`${row.path}: ${r.error.reason}`);
      const p = r.value;
      const [vcodec, acodec] = row.codec.split('+');
      expect(p.codec, row.path).toBe(vcodec);
      expect(p.audioCodec, row.path).toBe(acodec ?? null);
      expect(p.hasAudio, row.path).toBe(acodec !== undefined);
      expect(p.sniffed, row.path).toBe(row.container);
      expect([p.codedWidth, p.codedHeight], row.path).toEqual([row.width, row.height]);
      // The manifest's sign is ffprobe's (counter-clockwise); ours is what a player turns, clockwise.
      expect(p.rotation, row.path).toBe((((-row.rotation) % 360) + 360) % 360);
      const turned = p.rotation === 90 || p.rotation === 270;
      expect([p.width, p.height], row.path).toEqual(turned ? [row.height, row.width] : [row.width, row.height]);
      const tolerance = p.durationSource === 'packets' ? 0.15 : 0.1;
      expect(Math.abs(p.durationS - row.duration), `${row.path} duration ${p.durationS}`).toBeLessThanOrEqual(tolerance);
    }
  });

  it('finds the stream that is video when audio comes first, and reads capture date and place', async () => {
    const iphone = await probeVideo(path.join(VIDEOS, 'mov_h264_aac_rot90_audiofirst.mov'));
    if (!iphone.ok) throw new Error(iphone.error.reason);
    expect(iphone.value.streamIndex).toBe(1);
    expect([iphone.value.width, iphone.value.height]).toEqual([320, 568]);
    expect(new Date(iphone.value.createdAt!).toISOString()).toBe('2013-12-22T20:54:25.000Z'); // 15:54:25-0500
    expect(iphone.value.gps).toEqual({ lat: 40.7248, lon: -73.9883 });
    expect(iphone.value.camera).toBe('Apple iPhone 4S');
    const dog = await probeVideo(path.join(VIDEOS, 'mp4_h264_aac_rot180_dog.mp4'));
    if (!dog.ok) throw new Error(dog.error.reason);
    expect(new Date(dog.value.createdAt!).toISOString().slice(0, 10)).toBe('2017-01-05');
    expect(dog.value.rotation).toBe(180);
    // 25 frames in 2.38 s, though the stream claims 90000 fps.
    expect(dog.value.fps!).toBeGreaterThan(9);
    expect(dog.value.fps!).toBeLessThan(12);
    const webm = await probeVideo(path.join(VIDEOS, 'webm_vp9_opus_noduration.webm'));
    if (!webm.ok) throw new Error(webm.error.reason);
    expect(webm.value.durationSource).toBe('packets');
    for (const f of ['mp4_h264_noaudio_street_cuts.mp4', 'mp4_h264_mp3_chaplin.mp4', 'webm_vp8_vorbis_30s.webm']) {
      const r = await probeVideo(path.join(VIDEOS, f));
      expect(r.ok && r.value.createdAt === null && r.value.gps === null, f).toBe(true);
    }
  });
});

describe.runIf(HAVE_SYSTEM_FFMPEG)('probeVideo on generated clips and broken files', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const clips: Record<string, { file: string; codec: ClipCodec; container: string; audio: boolean }> = {
    'h264.mp4': { file: '', codec: 'h264', container: 'mp4', audio: true },
    'h264.mov': { file: '', codec: 'h264', container: 'mov', audio: false },
    'vp9.webm': { file: '', codec: 'vp9', container: 'webm', audio: true },
    'vp8.mkv': { file: '', codec: 'vp8', container: 'mkv', audio: false },
    'mpeg4.avi': { file: '', codec: 'mpeg4', container: 'avi', audio: true },
    'h263.3gp': { file: '', codec: 'h263', container: '3gp', audio: false },
    'hevc.mp4': { file: '', codec: 'hevc', container: 'mp4', audio: false },
  };
  let broken: Awaited<ReturnType<typeof makeBrokenFiles>>;
  let rotated: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('soutu-probe-'));
    for (const [name, c] of Object.entries(clips)) {
      c.file = path.join(dir, name);
      await makeColourClip(c.file, [{ color: 'blue', seconds: 1.5 }, { color: 'red', seconds: 1.5 }], {
        codec: c.codec, audio: c.audio, noise: true, size: c.codec === 'h263' ? '176x144' : '160x120',
      });
    }
    await mkdir(path.join(dir, 'broken'));
    broken = await makeBrokenFiles(path.join(dir, 'broken'), clips['h264.mp4'].file);
    rotated = path.join(dir, 'portrait.mp4');
    await makeRotatedClip(rotated, 'red', 'blue');
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('reads every container and codec', async () => {
    for (const [name, c] of Object.entries(clips)) {
      const r = await probeVideo(c.file);
      if (!r.ok) throw new Error(`${name}: ${r.error.reason}`);
      expect(r.value.codec, name).toBe(c.codec);
      expect(r.value.sniffed, name).toBe(c.container);
      expect(r.value.hasAudio, name).toBe(c.audio);
      expect(Math.abs(r.value.durationS - 3), `${name}: ${r.value.durationS}`).toBeLessThan(0.15);
      expect(r.value.truncated).toBe(false);
    }
    const p = await probeVideo(rotated);
    if (!p.ok) throw new Error(p.error.reason);
    expect([p.value.codedWidth, p.value.codedHeight, p.value.width, p.value.height, p.value.rotation]).toEqual([160, 96, 96, 160, 270]);
  });

  it('turns each broken file into a typed failure with a readable reason, quickly', async () => {
    const want: Record<keyof typeof broken, string> = {
      empty: 'empty', truncated: 'truncated', noMoov: 'corrupt', text: 'not-video', unknownCodec: 'unsupported', truncatedFaststart: 'ok',
    };
    const times: Record<string, number> = {};
    for (const [k, file] of Object.entries(broken) as [keyof typeof broken, string][]) {
      const t0 = performance.now();
      const r = await probeVideo(file);
      times[k] = Math.round(performance.now() - t0);
      if (want[k] === 'ok') {
        // Cut after its index: still readable up to the cut, and flagged.
        expect(r.ok && r.value.truncated, k).toBe(true);
        continue;
      }
      expect(r.ok, k).toBe(false);
      if (r.ok) continue;
      expect(r.error.code, `${k}: ${r.error.reason}`).toBe(want[k]);
      expect(r.error.reason.length, k).toBeGreaterThan(15);
      expect(r.error.reason.endsWith('.'), k).toBe(true);
      expect(times[k], k).toBeLessThan(5000);
    }
    expect((await probeVideo(path.join(dir, 'missing.mp4'))).ok).toBe(false);
    const folder = await probeVideo(dir);
    expect(!folder.ok && folder.error.code).toBe('unreadable');
    console.info(`[video] time to detect each bad file, ms: ${JSON.stringify(times)}`);
  });

  it('names audio-only files and still images dressed as videos', async () => {
    const audio = path.join(dir, 'voice.mp4');
    const { runSystemFfmpeg } = await import('./video-test-clips.js');
    await runSystemFfmpeg(['-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'aac', audio]);
    const a = await probeVideo(audio);
    expect(!a.ok && a.error).toMatchObject({ code: 'not-video', reason: 'Not a video: the file has sound only.' });
    const jpeg = path.join(dir, 'photo.mp4');
    await runSystemFfmpeg(['-f', 'lavfi', '-i', 'color=c=red:s=64x64:d=0.04', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', jpeg]);
    const j = await probeVideo(jpeg);
    expect(!j.ok && j.error.code).toBe('not-video');
  });

  it('gives up on a probe that hangs, with a timeout failure', async () => {
    const fake = path.join(dir, 'hanging-ffprobe.sh');
    await writeFile(fake, '#!/bin/sh\nsleep 30\n');
    await chmod(fake, 0o755);
    const t0 = performance.now();
    const r = await probeVideo(clips['h264.mp4'].file, { timeoutMs: 700, binaries: { ...ffmpegBinaries(), ffprobe: fake } });
    expect(!r.ok && r.error.code).toBe('timeout');
    expect(!r.ok && r.error.reason).toBe('Gave up: reading the video took longer than 700 ms and was stopped.');
    expect(performance.now() - t0).toBeLessThan(2500);
  });
});
