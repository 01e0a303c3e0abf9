// Test and bench helpers that make video clips with known content at test time, with Debian's /usr/bin/ffmpeg
// (never the product's binary, so the engine is not graded by the tool that made its input). Nothing is committed.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The system ffmpeg that makes test data; tests skip themselves when it is missing. */
export const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';
export const HAVE_SYSTEM_FFMPEG = existsSync(SYSTEM_FFMPEG);

export interface Segment {
  /** An ffmpeg colour name or 0xRRGGBB. */
  color: string;
  seconds: number;
}

export type ClipCodec = 'h264' | 'hevc' | 'vp9' | 'vp8' | 'mpeg4' | 'h263';

export interface ClipOptions {
  /** Frame size as stored, "WxH"; default 160x120. */
  size?: string;
  fps?: number;
  codec?: ClipCodec;
  /** Keyframe interval in frames; default: the encoder's own (x264: 250, with extra keyframes at cuts). */
  gop?: number;
  /** No extra keyframes at picture changes (x264/x265 scenecut off). */
  noSceneCut?: boolean;
  /** Grain over each segment (a different grain per segment, still within it), so a cut looks like a real cut to encoders. */
  noise?: boolean;
  audio?: boolean;
  /** Extra encoder arguments (e.g. a bitrate). */
  extra?: string[];
}

export function runSystemFfmpeg(args: string[], timeoutMs = 300_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(SYSTEM_FFMPEG, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 }, (err, _out, stderr) => {
      if (err) reject(new Error(`ffmpeg ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve();
    });
  });
}

function codecArgs(codec: ClipCodec, o: ClipOptions): string[] {
  const gop = o.gop ? ['-g', String(o.gop)] : [];
  switch (codec) {
    case 'h264':
      // veryfast, not ultrafast: ultrafast turns scene-cut keyframes off, and real encoders have them.
      return ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '30', '-pix_fmt', 'yuv420p', ...gop, ...(o.noSceneCut ? ['-sc_threshold', '0'] : [])];
    case 'hevc':
      return ['-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1', '-x265-params', `log-level=error${o.gop ? `:keyint=${o.gop}` : ''}${o.noSceneCut ? ':scenecut=0' : ''}`];
    case 'vp9':
      return ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', ...gop];
    case 'vp8':
      return ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', ...gop];
    case 'mpeg4':
      return ['-c:v', 'mpeg4', '-q:v', '8', ...(gop.length ? gop : ['-g', '50'])];
    case 'h263':
      return ['-c:v', 'h263', '-q:v', '8', ...(gop.length ? gop : ['-g', '50'])];
  }
}

/**
 * Runs two system ffmpegs joined by a Y4M pipe. Frames from lavfi sources carry "I picture" flags that some encoders
 * obey (mpeg4, h263 would come out all-intra); through Y4M they arrive as plain pictures.
 */
function pipeSystemFfmpeg(genArgs: string[], encArgs: string[], timeoutMs = 600_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const gen = spawn(SYSTEM_FFMPEG, ['-hide_banner', '-nostdin', '-v', 'error', ...genArgs, '-f', 'yuv4mpegpipe', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const enc = spawn(SYSTEM_FFMPEG, ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'yuv4mpegpipe', '-i', '-', ...encArgs], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    gen.stderr.on('data', (b: Buffer) => (err += b.toString()));
    enc.stderr.on('data', (b: Buffer) => (err += b.toString()));
    gen.stdout.pipe(enc.stdin);
    enc.stdin.on('error', () => undefined);
    const timer = setTimeout(() => {
      gen.kill('SIGKILL');
      enc.kill('SIGKILL');
    }, timeoutMs);
    let genCode: number | null = null;
    gen.on('close', (c) => (genCode = c));
    enc.on('close', (c) => {
      clearTimeout(timer);
      if (c === 0 && genCode !== null && genCode === 0) resolve();
      else if (c === 0 && genCode === null) gen.once('close', (g) => (g === 0 ? resolve() : reject(new Error(`clip generator failed: ${err}`))));
      else reject(new Error(`making a test clip failed (${genCode}/${c}): ${err} [${encArgs.join(' ')}]`));
    });
  });
}

/** A clip of solid colour segments (one after the other, with optional grain), in the container `out` names. */
export async function makeColourClip(out: string, segments: Segment[], o: ClipOptions = {}): Promise<void> {
  const size = o.size ?? '160x120';
  const fps = o.fps ?? 25;
  const codec = o.codec ?? 'h264';
  const parts = segments.map((s, i) => `color=c=${s.color}:s=${size}:r=${fps}:d=${s.seconds}${o.noise ? `,noise=alls=12:all_seed=${1000 + i}` : ''}[s${i}]`);
  const concat = `${segments.map((_, i) => `[s${i}]`).join('')}concat=n=${segments.length}:v=1:a=0,format=yuv420p[v]`;
  const total = segments.reduce((a, s) => a + s.seconds, 0);
  const audioIn = o.audio ? ['-f', 'lavfi', '-t', String(total), '-i', 'sine=frequency=440:sample_rate=44100'] : [];
  const audioOut = o.audio ? ['-map', '1:a', '-c:a', out.endsWith('.webm') ? 'libopus' : out.endsWith('.avi') ? 'libmp3lame' : 'aac', '-b:a', '48k'] : [];
  await pipeSystemFfmpeg(
    ['-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=0.04', '-filter_complex', `${parts.join(';')};${concat}`, '-map', '[v]'],
    [...audioIn, '-map', '0:v', ...audioOut, ...codecArgs(codec, o), ...(o.extra ?? []), out],
  );
}

/**
 * A portrait clip stored sideways, as phones record: the upright picture is `top` over `bottom` (w×h, portrait);
 * it is stored turned 90° clockwise with a display matrix that turns it back.
 */
export async function makeRotatedClip(out: string, top: string, bottom: string, o: { width?: number; height?: number; seconds?: number } = {}): Promise<void> {
  const w = o.width ?? 96;
  const h = o.height ?? 160;
  const d = o.seconds ?? 2;
  const stored = `${out}.stored.mp4`;
  await runSystemFfmpeg([
    '-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=0.04',
    '-filter_complex', `color=c=${top}:s=${w}x${h / 2}:r=10:d=${d}[a];color=c=${bottom}:s=${w}x${h / 2}:r=10:d=${d}[b];[a][b]vstack,transpose=1,format=yuv420p[v]`,
    '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', stored,
  ]);
  // This ffmpeg writes the rotate tag as a display matrix only when remuxing; 90 here undoes the clockwise turn.
  await runSystemFfmpeg(['-i', stored, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', out]);
  await rm(stored, { force: true });
}

/** Top-level ISO-BMFF boxes of a file: type, offset, size. */
export async function topLevelBoxes(file: string): Promise<{ type: string; at: number; size: number }[]> {
  const data = await readFile(file);
  const out: { type: string; at: number; size: number }[] = [];
  for (let at = 0; at + 8 <= data.length;) {
    let size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    if (size === 1) size = Number(data.readBigUInt64BE(at + 8));
    if (size === 0) size = data.length - at;
    out.push({ type, at, size });
    if (size < 8) break;
    at += size;
  }
  return out;
}

/** The broken files a library meets: empty, cut off, without its index, text named .mp4, an unknown codec. */
export async function makeBrokenFiles(dir: string, goodMp4: string): Promise<Record<'empty' | 'truncated' | 'noMoov' | 'text' | 'unknownCodec' | 'truncatedFaststart', string>> {
  const good = await readFile(goodMp4);
  const boxes = await topLevelBoxes(goodMp4);
  const moov = boxes.find((b) => b.type === 'moov');
  const mdat = boxes.find((b) => b.type === 'mdat');
  if (!moov || !mdat || moov.at < mdat.at) throw new Error('makeBrokenFiles needs an MP4 with its moov after mdat (ffmpeg\'s default)');
  const files = {
    empty: join(dir, 'empty.mp4'),
    truncated: join(dir, 'truncated.mp4'),
    noMoov: join(dir, 'no-moov.mp4'),
    text: join(dir, 'notes.mp4'),
    unknownCodec: join(dir, 'unknown-codec.mp4'),
    truncatedFaststart: join(dir, 'truncated-faststart.mp4'),
  };
  await writeFile(files.empty, Buffer.alloc(0));
  // Cut inside the media data, as an interrupted copy: the index at the end never arrives.
  await writeFile(files.truncated, good.subarray(0, mdat.at + Math.floor(mdat.size / 2)));
  // Whole media data, no index: what a recorder leaves when it is killed before finishing the file.
  await writeFile(files.noMoov, Buffer.concat([good.subarray(0, moov.at), good.subarray(moov.at + moov.size)]));
  await writeFile(files.text, 'These are my holiday notes, not a video.\nDay 1: beach.\n'.repeat(20));
  // The sample entry's fourcc names a codec nobody decodes (as a proprietary camera codec would).
  const patched = Buffer.from(good);
  const i = patched.indexOf('avc1', moov.at, 'latin1');
  if (i < 0) throw new Error('no avc1 sample entry found');
  patched.write('xq9z', i, 'latin1');
  const j = patched.indexOf('avcC', moov.at, 'latin1');
  if (j >= 0) patched.write('xq9C', j, 'latin1');
  await writeFile(files.unknownCodec, patched);
  const fast = `${files.truncatedFaststart}.whole.mp4`;
  await runSystemFfmpeg(['-i', goodMp4, '-c', 'copy', '-movflags', '+faststart', fast]);
  const whole = await readFile(fast);
  await writeFile(files.truncatedFaststart, whole.subarray(0, Math.floor(whole.length * 0.6)));
  await rm(fast, { force: true });
  return files;
}
