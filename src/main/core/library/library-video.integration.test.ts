// Videos through the whole library: generated clips and photos indexed together with the toy colour model; a video
// appears once in results at its best moment (「红色」 lands in the red segment), with its duration; bad files are
// reported with reasons; a Live Photo's MOV is not listed apart; --no-video keeps known videos; a re-encoded copy is
// found as a duplicate; removing the folder takes the frames with it.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeColourImages } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { HAVE_SYSTEM_FFMPEG, makeBrokenFiles, makeColourClip, runSystemFfmpeg } from '../video/video-test-clips.js';
import { Library } from './library.js';

describe.runIf(HAVE_SYSTEM_FFMPEG)('videos in the library', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: string;
  let media: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('soutu-video-lib-'));
    model = path.join(dir, 'toy');
    await makeTestModel('toy-color', model);
    media = path.join(dir, 'media');
    await mkdir(path.join(media, 'clips'), { recursive: true });
    await writeColourImages(path.join(media, 'photos'), { size: 96, withHalf: false });
    // 15 s: blue, red (5–10 s), green; and a 20 s clip that is yellow with an orange stretch at 12–16 s.
    await makeColourClip(path.join(media, 'clips', 'birthday.mp4'), [{ color: 'blue', seconds: 5 }, { color: 'red', seconds: 5 }, { color: 'green', seconds: 5 }], { codec: 'h264', noise: true });
    await makeColourClip(path.join(media, 'clips', 'sunset.webm'), [{ color: 'yellow', seconds: 12 }, { color: 'orange', seconds: 4 }, { color: 'yellow', seconds: 4 }], { codec: 'vp9', noise: true });
    // A video with structure (flat colours have no signature) and the same video re-encoded smaller, as another file.
    const fireworks = path.join(media, 'clips', 'fireworks.mp4');
    await runSystemFfmpeg(['-y', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '12', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', fireworks]);
    await runSystemFfmpeg(['-y', '-loglevel', 'error', '-i', fireworks, '-vf', 'scale=320:-2', '-c:v', 'libx264', '-crf', '35', path.join(media, 'clips', 'fireworks-small.mp4')]);
    // A Live Photo: a still with its same-named 2 s MOV.
    await copyFile(path.join(media, 'photos', 'purple.jpg'), path.join(media, 'clips', 'IMG_0001.JPG'));
    await makeColourClip(path.join(media, 'clips', 'IMG_0001.MOV'), [{ color: 'purple', seconds: 2 }], { codec: 'h264' });
    // Bad files.
    await mkdir(path.join(dir, 'broken'), { recursive: true });
    const broken = await makeBrokenFiles(path.join(dir, 'broken'), path.join(media, 'clips', 'birthday.mp4'));
    for (const k of ['empty', 'truncated', 'noMoov', 'text'] as const) await copyFile(broken[k], path.join(media, 'clips', `bad-${k}.mp4`));
  }, 300_000);

  afterAll(async () => cleanup?.());

  it('indexes videos through their moments and finds each once, at the matching moment', async () => {
    const lib = await Library.open(path.join(dir, 'lib'), { model, device: 'cpu' });
    try {
      const report = await lib.index({ roots: [media], ocr: false });
      const status = await lib.status();
      expect(status.videos).toBe(4); // birthday, sunset, fireworks and its copy; the Live Photo MOV is not a video of its own
      const failed = report.failed.filter((f) => f.path.includes('bad-')).map((f) => `${path.basename(f.path)}: ${f.code}`).sort();
      expect(failed).toEqual(['bad-empty.mp4: empty', 'bad-noMoov.mp4: corrupt', 'bad-text.mp4: not-video', 'bad-truncated.mp4: truncated'].sort());
      for (const f of report.failed) expect(f.error.length).toBeGreaterThan(10);

      const red = await lib.search('红色', { limit: 20 });
      const videosInRed = red.filter((h) => h.kind === 'video');
      // Each video appears once.
      expect(new Set(videosInRed.map((h) => h.id)).size).toBe(videosInRed.length);
      const birthday = videosInRed.find((h) => path.basename(h.path) === 'birthday.mp4')!;
      expect(birthday.time).toBeGreaterThanOrEqual(5 - 0.05);
      expect(birthday.time).toBeLessThan(10);
      expect(birthday.duration).toBeCloseTo(15, 0);
      // The red photo and the red video outrank everything without red.
      expect(red.slice(0, 3).map((h) => path.basename(h.path))).toEqual(expect.arrayContaining(['red.jpg', 'birthday.mp4']));

      const orange = (await lib.search('橙色')).find((h) => path.basename(h.path) === 'sunset.webm')!;
      expect(orange.time).toBeGreaterThanOrEqual(12 - 0.05);
      expect(orange.time).toBeLessThan(16);

      // The Live Photo is one item: the still, with its motion.
      const live = (await lib.search('紫色')).find((h) => h.path.endsWith('IMG_0001.JPG'))!;
      expect(live.kind).toBe('photo');
      expect(live.motion).toBe(true);
      expect(red.concat(await lib.search('紫色')).some((h) => h.path.endsWith('.MOV'))).toBe(false);

      // Similar to a video: by what it shows over time, not itself.
      const fw = (await lib.search('fireworks')).find((h) => path.basename(h.path) === 'fireworks.mp4')!;
      const like = await lib.similar({ kind: 'photo', id: fw.id }, { limit: 5 });
      expect(like.some((h) => h.id === fw.id)).toBe(false);
      expect(path.basename(like[0].path)).toBe('fireworks-small.mp4');

      // The moments of a video, for scrubbing.
      const moments = lib.videoMoments(birthday.id)!;
      expect(moments.times.length).toBeGreaterThanOrEqual(4);
      expect(lib.videoMedia.momentThumbnail(birthday.id, 0)).toMatch(/\.webp$/);

      // Re-encoded copies are duplicates; different videos are not.
      const dups = await lib.duplicates();
      const videoGroup = dups.find((g) => g.photos.some((p) => p.kind === 'video'))!;
      expect(videoGroup.paths.map((p) => path.basename(p)).sort()).toEqual(['fireworks-small.mp4', 'fireworks.mp4']);
      expect(videoGroup.photos[0].path.endsWith('fireworks.mp4')).toBe(true); // the larger one is kept
      expect(dups.filter((g) => g.photos.some((p) => p.kind === 'video'))).toHaveLength(1);

      // A run without videos keeps them; a second full run has nothing to do.
      const again = await lib.index({ ocr: false, video: false });
      expect(again.removed).toBe(0);
      expect((await lib.status()).videos).toBe(4);
      const third = await lib.index({ ocr: false });
      expect(third.indexed).toBe(0);

      // Removing the folder removes the videos, their frames and their vectors.
      await lib.removeRoot(media);
      expect((await lib.status()).videos).toBe(0);
      expect(lib.internals.frames.size).toBe(0);
      expect((await lib.internals.index.get()).size).toBe(0);
    } finally {
      await lib.close();
    }
  }, 900_000);

  it('a video changed on disk is re-indexed under the same id, and its old moments are gone', async () => {
    const root = path.join(dir, 'change');
    await mkdir(root, { recursive: true });
    const clip = path.join(root, 'clip.mp4');
    await makeColourClip(clip, [{ color: 'blue', seconds: 6 }], { codec: 'h264' });
    const lib = await Library.open(path.join(dir, 'lib-change'), { model, device: 'cpu' });
    try {
      await lib.index({ roots: [root], ocr: false });
      const before = (await lib.search('蓝色'))[0];
      const oldFrames = lib.internals.frames.ofVideo(before.id).length;
      expect(oldFrames).toBeGreaterThan(0);
      await makeColourClip(clip, [{ color: 'red', seconds: 3 }], { codec: 'h264' });
      await writeFile(path.join(root, 'touch.txt'), 'x'); // no effect on media; the clip's mtime changed
      await lib.index({ ocr: false });
      const after = (await lib.search('红色'))[0];
      expect(after.id).toBe(before.id);
      expect(after.duration).toBeCloseTo(3, 0);
      const idx = await lib.internals.index.get();
      for (let i = 0; i < oldFrames + 2; i++) if (i >= lib.internals.frames.ofVideo(after.id).length) expect(idx.has(`${after.id}@${i}`)).toBe(false);
    } finally {
      await lib.close();
    }
  }, 600_000);
});
