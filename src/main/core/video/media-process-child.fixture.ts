// Child process for media-process.integration.test.ts: starts a long ffmpeg through startMedia with a run dir,
// prints its pid, and waits to be killed (the test SIGKILLs this process to leave the ffmpeg orphaned).
import { ffmpegBinaries } from './ffmpeg-binaries.js';
import { startMedia } from './media-process.js';

const runDir = process.argv[2];
const p = startMedia(ffmpegBinaries().ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=s=32x32:r=5', '-t', '120', '-f', 'null', '-'], {
  timeoutMs: 120_000,
  runDir,
});
process.stdout.write(`${p.pid}\n`);
setInterval(() => undefined, 1000);
