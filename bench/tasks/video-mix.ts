// Photos keep flowing when videos are mixed in (issue 14): the same photos are indexed alone, then with long 1080p
// videos in the same folder, and the time until every photo is searchable is compared. The videos' stage runs after
// the photos' in an index run, so a long video never holds photos back; this measures that it stays so.
// Reads the 60-s 1080p H.264 clip the video task makes under <cacheDir>/video (run that task first).
//
// Run alone: npx tsx bench/tasks/video-mix.ts '{"cacheDir":".cache/bench","photosDir":".cache/bench/photos/set-96","modelDir":"…"}' /tmp/mix.json
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Library } from '../../src/main/core/index.js';
import { taskMain } from '../lib/child.js';
import { round } from '../lib/measure.js';

interface Args {
  cacheDir: string;
  photosDir: string;
  modelDir: string;
  threads: number;
  /** Photos in the folder (default 32). */
  photos?: number;
  /** Copies of the 1080p clip mixed in (default 2). */
  videos?: number;
}

/** Indexes `root` into a new library; seconds until every photo is searchable, and until the run ends. */
async function run(root: string, libDir: string, a: Args, photos: number): Promise<{ photos_ready_s: number; files_done_s: number; total_s: number; videos: number }> {
  const lib = await Library.open(libDir, { model: a.modelDir, threads: a.threads, device: 'cpu' });
  try {
    const catalog = lib.internals.catalog;
    const ready = () => [...catalog.values()].filter((p) => p.kind !== 'video' && p.status === 'ok').length;
    const t0 = performance.now();
    let photosReady: number | null = null;
    const poll = setInterval(() => {
      if (photosReady === null && ready() >= photos) photosReady = performance.now() - t0;
    }, 25);
    // Every file's vectors are in when the indexing phase has done all it found (tags and compaction follow).
    let filesDone: number | null = null;
    await lib.index({
      roots: [root],
      ocr: false,
      onProgress: (p) => {
        if (filesDone === null && p.phase === 'indexing' && p.found > 0 && p.done >= p.found) filesDone = performance.now() - t0;
      },
    });
    clearInterval(poll);
    const total = performance.now() - t0;
    const videos = [...catalog.values()].filter((p) => p.kind === 'video').length;
    return { photos_ready_s: round((photosReady ?? total) / 1000, 2), files_done_s: round((filesDone ?? total) / 1000, 2), total_s: round(total / 1000, 2), videos };
  } finally {
    await lib.close();
  }
}

taskMain(async (a: Args) => {
  const clip = path.join(path.resolve(a.cacheDir), 'video', 'h264_1080p-60s.mp4');
  if (!existsSync(clip)) throw new Error(`${clip} is missing: run the video task first (npm run bench -- --only video).`);
  const n = a.photos ?? 32;
  const nVideos = a.videos ?? 2;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-bench-mix-'));
  try {
    const alone = path.join(tmp, 'alone');
    const mixed = path.join(tmp, 'mixed');
    await mkdir(alone);
    await mkdir(mixed);
    const files = (await readdir(a.photosDir)).filter((f) => f.endsWith('.jpg')).sort().slice(0, n);
    for (const f of files) {
      await copyFile(path.join(a.photosDir, f), path.join(alone, f));
      await copyFile(path.join(a.photosDir, f), path.join(mixed, f));
    }
    // Named to sort first, so a walk in name order meets the videos before any photo.
    for (let i = 0; i < nVideos; i++) await copyFile(clip, path.join(mixed, `0000-video-${i}.mp4`));
    const onlyVideos = path.join(tmp, 'videos');
    await mkdir(onlyVideos);
    for (let i = 0; i < nVideos; i++) await copyFile(clip, path.join(onlyVideos, `video-${i}.mp4`));
    const a1 = await run(alone, path.join(tmp, 'lib-alone'), a, files.length);
    const m = await run(mixed, path.join(tmp, 'lib-mixed'), a, files.length);
    // Through the library as a user runs it: hash, probe, sampling, the frames' embedding (the library's default
    // precision), thumbnails and rows, for the videos alone.
    const v = await run(onlyVideos, path.join(tmp, 'lib-videos'), a, 0);
    return {
      photos: files.length,
      videos: m.videos,
      video_seconds: nVideos * 60,
      photos_ready_s_alone: a1.photos_ready_s,
      photos_ready_s_mixed: m.photos_ready_s,
      // 1.0: videos in the folder do not delay the photos at all.
      photos_delay_ratio: round(m.photos_ready_s / a1.photos_ready_s, 3),
      total_s_mixed: m.total_s,
      library_videos_s: v.files_done_s,
      library_realtime_factor_h264_1080p: round((nVideos * 60) / v.files_done_s, 1),
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
