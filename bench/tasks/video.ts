// Video indexing speed: seconds of video made ready per wall second (probe, keyframe decode, scaling, sampling, the
// photo tensor path, thumbnails) for 1080p H.264, 640×360 H.264 and 1080p HEVC with phone-like keyframes (1 s), plus
// 1080p H.264 with x264's default long GOP; the image embedding of the sampled frames (synthetic ViT-B/32, q8) is
// measured apart and added in `*_with_embed`. Also frames per minute under the cap, signature cost, and how long
// each kind of bad file takes to be told apart. Clips are made once with Debian's ffmpeg under <cacheDir>/video.
//
// Run alone: npx tsx bench/tasks/video.ts '{"cacheDir":".cache/bench"}' /tmp/video.json   (JSON also on stdout)
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TransformersClipEmbedder } from '../../src/main/core/embed/transformers-clip-embedder.js';
import { makeTestModel } from '../../src/main/core/testing/test-models.js';
import { sampleVideo } from '../../src/main/core/video/frame-sampler.js';
import { probeVideo } from '../../src/main/core/video/video-probe.js';
import { videoSignature } from '../../src/main/core/video/video-signature.js';
import { makeBrokenFiles, makeColourClip, runSystemFfmpeg } from '../../src/main/core/video/video-test-clips.js';
import { taskMain } from '../lib/child.js';
import { loadAverage, round } from '../lib/measure.js';

interface Args {
  cacheDir: string;
  /** Synthetic ViT-B/32 for the embed cost; made under cacheDir when missing. */
  modelDir?: string;
  /** Length of each generated clip, seconds (default 90: 1080p clips take minutes to make on 2 cores). */
  seconds?: number;
  threads?: number;
}

interface Clip {
  key: string;
  size: string;
  codec: 'h264' | 'hevc';
  /** Keyframe interval in frames at 30 fps; null: the encoder's default (x264: 250, with scene cuts). */
  gop: number | null;
}

const CLIPS: Clip[] = [
  { key: 'h264_1080p', size: '1920x1080', codec: 'h264', gop: 30 },
  { key: 'h264_360p', size: '640x360', codec: 'h264', gop: 30 },
  { key: 'hevc_1080p', size: '1920x1080', codec: 'hevc', gop: 30 },
  { key: 'h264_1080p_longgop', size: '1920x1080', codec: 'h264', gop: null },
];

/** CPU seconds of this process and of its reaped children (the ffmpegs), from /proc; null elsewhere. */
function cpuWithChildren(): number | null {
  try {
    const s = readFileSync('/proc/self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return ticks / 100;
  } catch {
    return null;
  }
}

async function ensureClip(dir: string, c: Clip, seconds: number, log: (s: string) => void): Promise<string> {
  const file = path.join(dir, `${c.key}-${seconds}s.mp4`);
  if (existsSync(file)) return file;
  log(`making ${path.basename(file)} with the system ffmpeg`);
  const tmp = `${file}.part.mp4`;
  // A moving test pattern with sensor-like grain and a cut every 20 s (another pattern), at a phone's bitrate.
  const w = Number(c.size.split('x')[0]);
  const shot = (i: number) => (i % 2 === 0 ? `testsrc2=s=${c.size}:r=30:d=20` : `life=s=${c.size}:r=30:mold=10:ratio=0.1:life_color=#30c050:death_color=#703020,trim=duration=20`);
  const shots = Math.ceil(seconds / 20);
  const graph = `${Array.from({ length: shots }, (_, i) => `${shot(i)},format=yuv420p,setsar=1,noise=alls=6:allf=t[s${i}]`).join(';')};` +
    `${Array.from({ length: shots }, (_, i) => `[s${i}]`).join('')}concat=n=${shots}:v=1:a=0,trim=duration=${seconds}[v]`;
  const rate = w >= 1920 ? ['-b:v', '12M', '-maxrate', '16M', '-bufsize', '24M'] : ['-b:v', '2M', '-maxrate', '3M', '-bufsize', '4M'];
  const gop = c.gop ? (c.codec === 'hevc' ? [] : ['-g', String(c.gop), '-keyint_min', String(c.gop)]) : [];
  const codec = c.codec === 'h264'
    ? ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p', ...gop, ...rate]
    : ['-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1', '-x265-params', `log-level=error${c.gop ? `:keyint=${c.gop}:min-keyint=${c.gop}` : ''}`, ...rate];
  await runSystemFfmpeg(['-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=0.04', '-f', 'lavfi', '-i', `sine=d=${seconds}`, '-filter_complex', graph, '-map', '[v]', '-map', '1:a', '-c:a', 'aac', '-b:a', '96k', ...codec, '-f', 'mp4', tmp], 1_800_000);
  await rename(tmp, file);
  return file;
}

taskMain(async (a: Args) => {
  const log = (s: string) => process.stderr.write(`[video] ${s}\n`);
  const seconds = a.seconds ?? 90;
  const threads = a.threads ?? os.availableParallelism();
  const dir = path.join(path.resolve(a.cacheDir), 'video');
  await mkdir(dir, { recursive: true });
  const modelDir = a.modelDir ?? path.join(path.resolve(a.cacheDir), 'model-synthetic-vit-b32');
  if (!existsSync(path.join(modelDir, 'onnx', 'vision_model_quantized.onnx'))) {
    log('generating the synthetic ViT-B/32 model');
    await makeTestModel('synthetic-vit-b32', modelDir);
  }
  const files: Record<string, string> = {};
  for (const c of CLIPS) files[c.key] = await ensureClip(dir, c, seconds, log);

  const embedder = await TransformersClipEmbedder.open(modelDir, { threads, device: 'cpu' });
  const spec = embedder.imageSpec;
  const load0 = loadAverage();

  // Warm the page cache and the binaries once, so the first clip does not pay for the disk.
  {
    const p = await probeVideo(files.h264_360p);
    if (!p.ok) throw new Error(p.error.reason);
    for await (const s of sampleVideo(files.h264_360p, p.value, { spec })) void s;
  }

  const perClip: Record<string, Record<string, number | string | null>> = {};
  const tensors: Float32Array[] = [];
  for (const c of CLIPS) {
    const file = files[c.key];
    const c0 = cpuWithChildren();
    const t0 = performance.now();
    const p = await probeVideo(file);
    if (!p.ok) throw new Error(`${c.key}: ${p.error.reason}`);
    const probeMs = performance.now() - t0;
    let frames = 0;
    let stats: Record<string, number> = {};
    let firstFrameMs = -1;
    for await (const s of sampleVideo(file, p.value, { spec, threads })) {
      if (s.kind === 'frame') {
        frames++;
        if (firstFrameMs < 0) firstFrameMs = performance.now() - t0;
        if (tensors.length < 64) tensors.push(s.frame.tensor);
      } else if (s.kind === 'end') {
        if (s.error) throw new Error(`${c.key}: ${s.error.reason}`);
        stats = s.stats as unknown as Record<string, number>;
      }
    }
    const wall = (performance.now() - t0) / 1000;
    const c1 = cpuWithChildren();
    const d = p.value.durationS;
    perClip[c.key] = {
      duration_s: round(d, 1),
      wall_s: round(wall, 2),
      realtime_factor: round(d / wall, 1),
      cpu_s: c0 !== null && c1 !== null ? round(c1 - c0, 2) : null,
      probe_ms: round(probeMs, 0),
      first_frame_ms: round(firstFrameMs, 0),
      frames,
      frames_per_minute: round((frames / d) * 60, 1),
      keyframe_candidates: stats.candidates,
      refined: stats.refined,
      fill_candidates: stats.fills,
      ffmpeg_processes: stats.processes,
    };
    log(`${c.key}: ${JSON.stringify(perClip[c.key])}`);
  }

  // Embedding the sampled frames: batches of 8 as the pipeline does, after a warm-up batch.
  await embedder.embedImages(tensors.slice(0, 8));
  const e0 = performance.now();
  let embedded = 0;
  for (let i = 0; i + 8 <= tensors.length; i += 8) {
    await embedder.embedImages(tensors.slice(i, i + 8));
    embedded += 8;
  }
  const embedFps = embedded / ((performance.now() - e0) / 1000);
  const dtype = embedder.dtype();
  tensors.length = 0;
  await embedder.close();
  for (const c of CLIPS) {
    const r = perClip[c.key];
    const withEmbed = Number(r.wall_s) + Number(r.frames) / embedFps;
    r.realtime_factor_with_embed = round(Number(r.duration_s) / withEmbed, 1);
  }

  // Duplicate signature of the 1080p clip.
  const p1080 = await probeVideo(files.h264_1080p);
  if (!p1080.ok) throw new Error(p1080.error.reason);
  const s0 = performance.now();
  const sig = await videoSignature(files.h264_1080p, p1080.value);
  if (!sig.ok) throw new Error(sig.error.reason);
  const signatureMs = performance.now() - s0;

  // Bad files: time until each is a typed failure.
  const badDir = path.join(dir, 'bad');
  await rm(badDir, { recursive: true, force: true });
  await mkdir(badDir, { recursive: true });
  const good = path.join(badDir, 'good.mp4');
  await makeColourClip(good, [{ color: 'blue', seconds: 2 }, { color: 'red', seconds: 2 }], { noise: true });
  const broken = await makeBrokenFiles(badDir, good);
  const badMs: Record<string, number | string> = {};
  for (const [k, f] of Object.entries(broken)) {
    const t = performance.now();
    const r = await probeVideo(f);
    badMs[k] = r.ok ? `ok(truncated=${r.value.truncated}) ${round(performance.now() - t, 1)}` : round(performance.now() - t, 1);
  }

  const result = {
    video: {
      realtime_factor_h264_1080p: perClip.h264_1080p.realtime_factor,
      realtime_factor_h264_360p: perClip.h264_360p.realtime_factor,
      realtime_factor_hevc_1080p: perClip.hevc_1080p.realtime_factor,
      realtime_factor_h264_1080p_longgop: perClip.h264_1080p_longgop.realtime_factor,
      realtime_factor_h264_1080p_with_embed: perClip.h264_1080p.realtime_factor_with_embed,
      frames_per_minute: perClip.h264_1080p.frames_per_minute,
      frames_cap: 200,
      frames_per_minute_at_cap_60min: round((200 / 60), 1),
      embed_fps: round(embedFps, 1),
      embed_dtype: dtype,
      signature_ms_1080p: round(signatureMs, 0),
      bad_file_ms: badMs,
      clips: perClip,
      clip_seconds: seconds,
      threads,
      load_average_start: round(load0, 2),
      load_average_end: round(loadAverage(), 2),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
});
