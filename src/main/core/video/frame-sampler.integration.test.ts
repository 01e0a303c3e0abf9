// sampleVideo end to end with the bundled ffmpeg: the right frames at the right times in every container, upright,
// streamed, capped, cancellable; and the yardstick: a 5-second event in a 10-minute video found within ±1 s.
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hammingHex } from '../decode/dhash.js';
import { decodePhoto, preprocessSpecFromConfig } from '../decode/index.js';
import { SHARED_FIXTURES } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { CLIP_PREPROCESSOR_CONFIG } from '../testing/test-models.js';
import { ffmpegBinaries } from './ffmpeg-binaries.js';
import { sampleVideo, type SampledFrame, type SampleOptions, type SampleStats, type VideoPoster } from './frame-sampler.js';
import { probeVideo, type VideoProbe } from './video-probe.js';
import { HAVE_SYSTEM_FFMPEG, makeColourClip, makeRotatedClip, runSystemFfmpeg, type ClipCodec } from './video-test-clips.js';

const SPEC = preprocessSpecFromConfig(CLIP_PREPROCESSOR_CONFIG);
const VIDEOS = path.join(path.dirname(SHARED_FIXTURES), 'videos');

interface Run {
  frames: SampledFrame[];
  poster: VideoPoster | null;
  stats: SampleStats;
  error?: string;
  /** ms from start to the first frame, and to the end. */
  firstAt: number;
  endAt: number;
}

async function probe(file: string): Promise<VideoProbe> {
  const r = await probeVideo(file);
  if (!r.ok) throw new Error(`${file}: ${r.error.reason}`);
  return r.value;
}

async function sample(file: string, opts: Partial<SampleOptions> = {}): Promise<Run> {
  const p = await probe(file);
  const run: Run = { frames: [], poster: null, stats: null as unknown as SampleStats, firstAt: -1, endAt: -1 };
  const t0 = performance.now();
  for await (const s of sampleVideo(file, p, { spec: SPEC, ...opts })) {
    if (s.kind === 'frame') {
      if (run.firstAt < 0) run.firstAt = performance.now() - t0;
      run.frames.push(s.frame);
    } else if (s.kind === 'poster') run.poster = s.poster;
    else {
      run.stats = s.stats;
      run.error = s.error?.reason;
    }
  }
  run.endAt = performance.now() - t0;
  return run;
}

/** Mean RGB of a WebP thumbnail. */
async function meanRgb(webp: Buffer): Promise<[number, number, number]> {
  const { channels } = await sharp(webp).removeAlpha().stats();
  return [channels[0].mean, channels[1].mean, channels[2].mean];
}

const COLOURS: Record<string, [number, number, number]> = { blue: [0, 0, 255], red: [255, 0, 0], green: [0, 128, 0], yellow: [255, 255, 0], gray: [128, 128, 128] };

function nearest(rgb: [number, number, number]): string {
  let best = '';
  let bd = Infinity;
  for (const [name, c] of Object.entries(COLOURS)) {
    const d = (rgb[0] - c[0]) ** 2 + (rgb[1] - c[1]) ** 2 + (rgb[2] - c[2]) ** 2;
    if (d < bd) [best, bd] = [name, d];
  }
  return best;
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('soutu-sampler-'));
});
afterAll(async () => {
  await cleanup?.();
});

describe('sampleVideo on the real fixture clips', () => {
  it('samples every clip without a failure, with a poster, and never the same moment twice', async () => {
    for (const f of (await readdir(VIDEOS)).filter((n) => !/\.(md|tsv)$/.test(n))) {
      const r = await sample(path.join(VIDEOS, f));
      expect(r.error, f).toBeUndefined();
      expect(r.frames.length, f).toBeGreaterThan(0);
      expect(r.poster, f).not.toBeNull();
      const times = r.frames.map((x) => x.t).sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1], f).toBeGreaterThan(0.2);
      for (const fr of r.frames) expect(fr.tensor.length).toBe(3 * 224 * 224);
    }
  });

  it('keeps a frame at each cut of the street clip', async () => {
    const r = await sample(path.join(VIDEOS, 'mp4_h264_noaudio_street_cuts.mp4'));
    for (const cut of [1.2, 5.48, 7.48, 9.68]) {
      expect(r.frames.some((f) => Math.abs(f.t - cut) < 0.1), `cut at ${cut}: ${r.frames.map((f) => f.t.toFixed(2)).join(' ')}`).toBe(true);
    }
  });

  it('turns rotated phone clips upright (the same picture a player shows, not the stored one)', async () => {
    for (const f of ['mp4_h264_aac_rot180_dog.mp4', 'mov_h264_aac_rot90_audiofirst.mov']) {
      const file = path.join(VIDEOS, f);
      const r = await sample(file);
      const fr = r.frames[0];
      const p = await probe(file);
      expect(fr.thumbWidth > fr.thumbHeight, f).toBe(p.width > p.height);
      // Reference pictures from Debian's ffmpeg, with and without its own autorotation, at the same moment.
      const dhashOf = async (rotate: boolean) => {
        const png = path.join(dir, `${f}-${rotate}.png`);
        await runSystemFfmpeg([...(rotate ? [] : ['-noautorotate']), '-ss', fr.t.toFixed(3), '-i', file, '-frames:v', '1', png]);
        const d = await decodePhoto(png, SPEC);
        if (!d.ok) throw new Error(d.error.reason);
        return d.value.dhash;
      };
      const upright = hammingHex(fr.dhash, await dhashOf(true));
      const stored = hammingHex(fr.dhash, await dhashOf(false));
      expect(upright, `${f}: upright ${upright} stored ${stored}`).toBeLessThanOrEqual(6);
      if (f.includes('dog')) expect(stored, f).toBeGreaterThanOrEqual(16);
    }
  });
});

describe.runIf(HAVE_SYSTEM_FFMPEG)('sampleVideo on generated clips', () => {
  // 5 s each: the sampler promises a frame in every 5 s, whatever the keyframes (maxGapS 4).
  const SEGS = [{ color: 'blue', seconds: 5 }, { color: 'red', seconds: 5 }, { color: 'green', seconds: 5 }];
  const KINDS: [string, ClipCodec, string?][] = [
    ['h264.mp4', 'h264'], ['h264.mov', 'h264'], ['vp9.webm', 'vp9'], ['h264.mkv', 'h264'], ['vp8.mkv', 'vp8'],
    ['mpeg4.avi', 'mpeg4'], ['h263.3gp', 'h263', '176x144'], ['hevc.mp4', 'hevc'],
  ];

  it('finds every colour segment at its own time, in every container and codec', async () => {
    await mkdir(path.join(dir, 'kinds'), { recursive: true });
    for (const [name, codec, size] of KINDS) {
      const file = path.join(dir, 'kinds', name);
      await makeColourClip(file, SEGS, { codec, size, noise: true, audio: name.endsWith('.mp4') || name.endsWith('.webm') });
      const r = await sample(file);
      expect(r.error, name).toBeUndefined();
      const seen = new Set<string>();
      for (const f of r.frames) {
        const colour = nearest(await meanRgb(f.thumbnail));
        seen.add(colour);
        // The time must say where the picture is: the segment that holds t has this colour (a frame may sit on a cut).
        const at = Math.min(2, Math.floor((f.t + 1e-3) / 5));
        const onCut = Math.abs(f.t - Math.round(f.t / 5) * 5) <= 0.05;
        if (!onCut) expect(colour, `${name} frame at ${f.t.toFixed(3)}`).toBe(SEGS[at].color);
      }
      expect([...seen].sort(), `${name}: ${r.frames.map((f) => f.t.toFixed(2)).join(' ')}`).toEqual(['blue', 'green', 'red']);
      const gaps = [0, ...r.frames.map((f) => f.t).sort((a, b) => a - b), 15].map((t, i, a) => (i ? t - a[i - 1] : 0));
      expect(Math.max(...gaps), name).toBeLessThanOrEqual(4.01);
    }
  });

  it('makes a portrait clip upright: red on top, blue below, and a portrait poster', async () => {
    const file = path.join(dir, 'portrait.mp4');
    await makeRotatedClip(file, 'red', 'blue', { seconds: 2 });
    const r = await sample(file);
    expect(r.poster!.height).toBeGreaterThan(r.poster!.width);
    const { data, info } = await sharp(r.frames[0].thumbnail).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => nearest([data[(y * info.width + x) * 3], data[(y * info.width + x) * 3 + 1], data[(y * info.width + x) * 3 + 2]]);
    expect(px(info.width >> 1, info.height >> 3)).toBe('red');
    expect(px(info.width >> 1, info.height - 1 - (info.height >> 3))).toBe('blue');
  });

  describe('a 10-minute clip with a 5-second red event', () => {
    const EVENT = 403.3;
    const ten = (f: string) => path.join(dir, f);
    beforeAll(async () => {
      const segs = [{ color: 'gray', seconds: EVENT }, { color: 'red', seconds: 5 }, { color: 'gray', seconds: 600 - EVENT - 5 }];
      // As an encoder writes it (keyframe at the cut), and the worst case: 30 s between keyframes, none at the cut.
      await makeColourClip(ten('event.mp4'), segs, { size: '64x48', fps: 10, noise: true });
      await makeColourClip(ten('event-longgop.mp4'), segs, { size: '64x48', fps: 10, noise: true, gop: 300, noSceneCut: true });
    });

    for (const [name, label] of [['event.mp4', 'keyframe at the cut'], ['event-longgop.mp4', 'no keyframe for 30 s']] as const) {
      it(`lands on the event within ±1 s (${label})`, async () => {
        const r = await sample(ten(name));
        expect(r.error).toBeUndefined();
        const red: number[] = [];
        for (const f of r.frames) if (nearest(await meanRgb(f.thumbnail)) === 'red') red.push(f.t);
        expect(red.length, `frames at ${r.frames.map((f) => f.t.toFixed(1)).join(' ')}`).toBeGreaterThan(0);
        // Every red frame is inside the event, and the first one is at its start, within a second.
        for (const t of red) {
          expect(t).toBeGreaterThanOrEqual(EVENT - 1);
          expect(t).toBeLessThanOrEqual(EVENT + 5 + 1);
        }
        expect(Math.abs(Math.min(...red) - EVENT)).toBeLessThanOrEqual(1);
        expect(r.frames.length).toBeLessThanOrEqual(200);
        console.info(`[video] ${name}: red frames at ${red.map((t) => t.toFixed(2)).join(', ')} (event ${EVENT}–${EVENT + 5}); ${JSON.stringify(r.stats)}`);
      });
    }

    it('streams frames out long before the end, honours the cap, and stops ffmpeg on break and on abort', async () => {
      const file = ten('event-longgop.mp4');
      const capped = await sample(file, { maxFrames: 40 });
      expect(capped.frames.length).toBeLessThanOrEqual(40);
      expect(capped.stats.maxGapS).toBeGreaterThanOrEqual(20);
      expect(capped.firstAt).toBeLessThan(capped.endAt / 3);

      const runDir = path.join(dir, 'run');
      await mkdir(runDir, { recursive: true });
      const p = await probe(file);
      let n = 0;
      for await (const s of sampleVideo(file, p, { spec: SPEC, runDir })) {
        if (s.kind === 'frame' && ++n === 3) break;
      }
      await new Promise((res) => setTimeout(res, 300));
      expect(await readdir(runDir)).toEqual([]);

      // A decoder that hangs: the sampling ends with a timeout failure instead of waiting forever.
      const fake = path.join(dir, 'hanging-ffmpeg.sh');
      await writeFile(fake, '#!/bin/sh\nsleep 30\n');
      await chmod(fake, 0o755);
      const t0 = performance.now();
      const hung = await sample(file, { timeoutMs: 1000, binaries: { ...ffmpegBinaries(), ffmpeg: fake } });
      expect(hung.error).toBe('Gave up: decoding the keyframes took longer than 1 s and was stopped.');
      expect(performance.now() - t0).toBeLessThan(4000);

      const ac = new AbortController();
      const it = sampleVideo(file, p, { spec: SPEC, runDir, signal: ac.signal });
      await it.next();
      ac.abort();
      await expect((async () => {
        for (;;) if ((await it.next()).done) break;
      })()).rejects.toThrow(/abort/i);
      await new Promise((res) => setTimeout(res, 300));
      expect(await readdir(runDir)).toEqual([]);
    });
  });
});
