// Duplicate videos: the same video re-encoded (other codec, bitrate, size, frame rate, container) must match its
// original; different videos of the same length, a mirrored copy and the same shots in another order must not.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { probeVideo } from './video-probe.js';
import { compareSignatures, videoSignature, type VideoSignature } from './video-signature.js';
import { HAVE_SYSTEM_FFMPEG, runSystemFfmpeg } from './video-test-clips.js';

let dir: string;
let cleanup: () => Promise<void>;
const f = (n: string) => path.join(dir, n);

async function signature(file: string): Promise<VideoSignature> {
  const p = await probeVideo(file);
  if (!p.ok) throw new Error(`${file}: ${p.error.reason}`);
  const s = await videoSignature(file, p.value);
  if (!s.ok) throw new Error(`${file}: ${s.error.reason}`);
  return s.value;
}

describe.runIf(HAVE_SYSTEM_FFMPEG)('video signatures', () => {
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('soutu-signature-'));
    const x264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];
    // The "camera original": four shots of moving, structured pictures, 3 s each.
    const shots = ['testsrc2=s=320x240:r=25:d=3', 'mandelbrot=s=320x240:r=25,trim=duration=3', 'testsrc=s=320x240:r=25:d=3', 'smptehdbars=s=320x240:r=25:d=3,hue=H=2*PI*t/3'];
    const edit = (order: number[]) => `${order.map((k, i) => `${shots[k]},format=yuv420p,setsar=1[s${i}]`).join(';')};${order.map((_, i) => `[s${i}]`).join('')}concat=n=${order.length}:v=1:a=0[v]`;
    await runSystemFfmpeg(['-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=0.04', '-filter_complex', edit([0, 1, 2, 3]), '-map', '[v]', ...x264, '-crf', '18', f('original.mp4')]);
    // Re-encodes of it, as a phone, a messenger or a converter would make them.
    await runSystemFfmpeg(['-i', f('original.mp4'), '-vf', 'scale=160:120', ...x264, '-crf', '35', f('small.mp4')]);
    await runSystemFfmpeg(['-i', f('original.mp4'), '-vf', 'scale=240:180', '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '150k', f('vp9.webm')]);
    await runSystemFfmpeg(['-i', f('original.mp4'), '-r', '10', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-crf', '32', '-tag:v', 'hvc1', f('hevc-10fps.mp4')]);
    await runSystemFfmpeg(['-i', f('original.mp4'), '-c:v', 'mpeg4', '-q:v', '10', f('mpeg4.avi')]);
    // Other videos of the same length, and near misses of the original.
    await runSystemFfmpeg(['-f', 'lavfi', '-i', 'mandelbrot=s=320x240:r=25', '-t', '12', ...x264, f('mandelbrot.mp4')]);
    await runSystemFfmpeg(['-f', 'lavfi', '-i', 'cellauto=s=320x240:r=25:rule=110', '-t', '12', ...x264, f('cellauto.mp4')]);
    await runSystemFfmpeg(['-f', 'lavfi', '-i', 'smptehdbars=s=320x240:r=25:d=12', '-vf', 'hue=H=2*PI*t/6', ...x264, f('bars.mp4')]);
    await runSystemFfmpeg(['-i', f('original.mp4'), '-vf', 'hflip', ...x264, f('mirrored.mp4')]);
    // The same shots in another order: the same material, a different video.
    await runSystemFfmpeg(['-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=0.04', '-filter_complex', edit([1, 2, 3, 0]), '-map', '[v]', ...x264, f('reordered.mp4')]);
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('match re-encodes and only re-encodes', async () => {
    const original = await signature(f('original.mp4'));
    expect(original.hashes.filter(Boolean).length).toBe(8);
    const lines: string[] = [];
    for (const name of ['small.mp4', 'vp9.webm', 'hevc-10fps.mp4', 'mpeg4.avi']) {
      const m = compareSignatures(original, await signature(f(name)));
      lines.push(`${name} same=${m.same} median=${m.medianBits} ${m.matching}/${m.compared}`);
      expect(m.same, `${name}: ${JSON.stringify(m)}`).toBe(true);
    }
    for (const name of ['mandelbrot.mp4', 'cellauto.mp4', 'bars.mp4', 'mirrored.mp4', 'reordered.mp4']) {
      const m = compareSignatures(original, await signature(f(name)));
      lines.push(`${name} same=${m.same} median=${m.medianBits} ${m.matching}/${m.compared}`);
      expect(m.same, `${name}: ${JSON.stringify(m)}`).toBe(false);
    }
    console.info(`[video] signatures vs original: ${lines.join('; ')}`);
  });

  it('say nothing about flat pictures: two black clips are not copies of each other', () => {
    const black = { durationS: 10, hashes: Array<string | null>(8).fill(null) };
    expect(compareSignatures(black, black).same).toBe(false);
    const a = { durationS: 10, hashes: ['0f0f0f0f0f0f0f0f', null, null, null, null, null, null, 'ffff0000ffff0000'] };
    expect(compareSignatures(a, a).same).toBe(false); // two frames are not enough to tell
    expect(compareSignatures({ ...a, hashes: Array(8).fill('0f0f0f0f0f0f0f0f') }, { durationS: 20, hashes: Array(8).fill('0f0f0f0f0f0f0f0f') }).same).toBe(false);
  });
});
