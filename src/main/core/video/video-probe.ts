// Reads what a video is (duration, displayed size, rotation, codec, frame rate, capture time, place, audio) with the
// bundled ffprobe under a time and memory bound; a file that cannot be used becomes a VideoFailure, never an exception.
import { open, stat } from 'node:fs/promises';
import { looksLikeText, sniffImageFormat } from '../decode/sniff.js';
import { describeKind, fileKindDetail, kindOf } from '../fs/safe-open.js';
import { ffmpegBinaries, FfmpegUnavailableError, type FfmpegBinaries } from './ffmpeg-binaries.js';
import { DEFAULT_MEMORY_BYTES, runMedia } from './media-process.js';
import {
  classifyProbeError, memoryFailure, scanTopLevelBoxes, timeoutFailure, videoFailure, videoFileSystemFailure,
  type VideoClues, type VideoFailure, type VideoResult,
} from './video-errors.js';
import { sniffVideoFormat, VIDEO_SNIFF_BYTES, type SniffedVideo } from './video-sniff.js';

export interface VideoProbe {
  /** ffprobe's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm". */
  container: string;
  /** What the first bytes say (null for containers the sniffer does not know, e.g. MPEG-TS). */
  sniffed: SniffedVideo | null;
  sizeBytes: number;
  /** Seconds. From the container, else the video stream, else the end of the last video packet. */
  durationS: number;
  durationSource: 'container' | 'stream' | 'packets';
  /** Displayed size: pixel aspect ratio and rotation applied. */
  width: number;
  height: number;
  /** Stored frame size. */
  codedWidth: number;
  codedHeight: number;
  /** Degrees clockwise a player turns the stored picture (0, 90, 180, 270). */
  rotation: 0 | 90 | 180 | 270;
  /** ffmpeg codec name: h264, hevc, vp9, vp8, av1, mpeg4, mjpeg ... */
  codec: string;
  profile: string | null;
  pixelFormat: string | null;
  /** Average frames per second; null when the file does not say. */
  fps: number | null;
  /** Capture time, ms since epoch (QuickTime creation date, else the container's creation time); null if none. */
  createdAt: number | null;
  /** "Make Model" from QuickTime metadata. */
  camera: string | null;
  gps: { lat: number; lon: number } | null;
  hasAudio: boolean;
  audioCodec: string | null;
  /** Absolute stream index of the video stream that is used (audio may come first). */
  streamIndex: number;
  bitRate: number | null;
  /** The media data ends before the file says it does (a cut-off copy with its index at the front). */
  truncated: boolean;
}

export interface ProbeOptions {
  /** Default 20 s. */
  timeoutMs?: number;
  memoryBytes?: number;
  signal?: AbortSignal;
  runDir?: string;
  /** For tests and other providers; default: the bundled ones. */
  binaries?: FfmpegBinaries;
}

const DEFAULT_PROBE_TIMEOUT_MS = 20_000;

interface FfStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  bit_rate?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number | string }[];
}

interface FfFormat {
  format_name?: string;
  duration?: string;
  bit_rate?: string;
  tags?: Record<string, string>;
}

/** Reads the file's head and, for ISO-BMFF, its top-level boxes; or a failure for a file that is not there. */
async function readClues(file: string): Promise<VideoClues | VideoFailure> {
  // stat before open: opening a FIFO or a device for reading can block forever.
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    return videoFileSystemFailure(e);
  }
  if (st.isDirectory()) return videoFailure('unreadable', 'This is a folder, not a file.', undefined, { errno: 'EISDIR' });
  if (!st.isFile()) return videoFailure('not-a-file', `This is ${describeKind(kindOf(st))}, not a video file.`, undefined, { fileKind: fileKindDetail(kindOf(st)) });
  if (st.size === 0) return videoFailure('empty', 'The file is empty (0 bytes).');
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    return videoFileSystemFailure(e);
  }
  try {
    const head = Buffer.alloc(Math.min(VIDEO_SNIFF_BYTES, st.size));
    await fh.read(head, 0, head.length, 0);
    const clues: VideoClues = { size: st.size, sniffed: sniffVideoFormat(head), head };
    if (clues.sniffed && ['mp4', 'mov', 'm4v', '3gp'].includes(clues.sniffed)) {
      // Box headers are read one at a time: a few small reads even for a file of many gigabytes.
      const boxes = await scanTopLevelBoxes(async (at, len) => {
        const buf = Buffer.alloc(len);
        const { bytesRead } = await fh.read(buf, 0, len, at);
        return buf.subarray(0, bytesRead);
      }, st.size);
      clues.boxRunsPastEnd = boxes.runsPastEnd;
      clues.moovMissing = !boxes.hasMoov && (boxes.hasMdat || boxes.runsPastEnd);
    }
    return clues;
  } catch (e) {
    return videoFileSystemFailure(e);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function num(s: string | number | undefined | null): number | null {
  if (s === undefined || s === null || s === '' || s === 'N/A') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function ratio(s: string | undefined): number | null {
  if (!s) return null;
  const m = /^(\d+)[/:](\d+)$/.exec(s);
  if (!m) return num(s);
  const d = Number(m[2]);
  return d > 0 ? Number(m[1]) / d : null;
}

/** Clockwise display rotation: the display matrix (ffprobe's sign is counter-clockwise) or the old rotate tag. */
function rotationOf(s: FfStream): 0 | 90 | 180 | 270 {
  let deg: number | null = null;
  for (const sd of s.side_data_list ?? []) {
    const r = num(sd.rotation);
    if (r !== null && /display matrix/i.test(sd.side_data_type ?? '')) deg = -r;
  }
  if (deg === null) deg = num(s.tags?.rotate);
  if (deg === null) return 0;
  const q = (((Math.round(deg / 90) * 90) % 360) + 360) % 360;
  return q as 0 | 90 | 180 | 270;
}

/** Parses ISO 8601 dates as QuickTime and ffmpeg write them ("2013-12-22T15:54:25-0500", "...000000Z"). */
export function parseVideoDate(s: string | undefined): number | null {
  if (!s) return null;
  let t = s.trim().replace(' ', 'T');
  t = t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(t);
  // Recorders without a clock write the container's zero date (1904 or 1970).
  if (!Number.isFinite(ms) || ms < Date.UTC(1971, 0, 1)) return null;
  return ms;
}

/** ISO 6709 as phones write it: "+40.7248-073.9883+044.000/". */
export function parseIso6709(s: string | undefined): { lat: number; lon: number } | null {
  if (!s) return null;
  const m = /^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)/.exec(s.trim());
  if (!m) return null;
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  if (lat === 0 && lon === 0) return null;
  return { lat, lon };
}

function tag(tags: Record<string, string> | undefined, ...keys: string[]): string | undefined {
  if (!tags) return undefined;
  for (const k of keys) {
    const hit = Object.keys(tags).find((x) => x.toLowerCase() === k.toLowerCase());
    if (hit && tags[hit]) return tags[hit];
  }
  return undefined;
}

const decoderLists = new Map<string, Promise<Set<string> | null>>();

/** Codec names the ffmpeg build can decode (ffprobe may be a newer build that knows more codecs). */
export function ffmpegDecoders(ffmpeg: string): Promise<Set<string> | null> {
  let p = decoderLists.get(ffmpeg);
  if (!p) {
    p = runMedia(ffmpeg, ['-hide_banner', '-decoders'], { timeoutMs: 15_000 }).then((r) => {
      if (r.code !== 0) return null;
      const out = new Set<string>();
      for (const line of r.stdout.toString('utf8').split('\n')) {
        const m = /^\s*[VAS][.A-Z]{5}\s+(\S+)\s+(.*)$/.exec(line);
        if (!m) continue;
        out.add(m[1]);
        const codec = /\(codec (\w+)\)/.exec(m[2]);
        if (codec) out.add(codec[1]);
      }
      return out;
    });
    decoderLists.set(ffmpeg, p);
  }
  return p;
}

/** Duration of a file whose container does not state it (e.g. MediaRecorder WebM): the end of its last packet. */
async function packetDuration(file: string, streamIndex: number, bins: FfmpegBinaries, opts: ProbeOptions): Promise<number | null> {
  const r = await runMedia(bins.ffprobe, [
    '-v', 'error', '-select_streams', String(streamIndex), '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file,
  ], { timeoutMs: opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, memoryBytes: opts.memoryBytes, signal: opts.signal, runDir: opts.runDir, maxStdoutBytes: 256 * 2 ** 20 });
  if (r.code !== 0) return null;
  let end = 0;
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const [pts, dur] = line.split(',');
    const p = num(pts);
    if (p !== null) end = Math.max(end, p + (num(dur) ?? 0));
  }
  return end > 0 ? end : null;
}

/** Reads a video's facts. Never throws for bad input (only for an abort: the signal's reason). */
export async function probeVideo(file: string, opts: ProbeOptions = {}): Promise<VideoResult<VideoProbe>> {
  const clues = await readClues(file);
  if ('code' in clues) return { ok: false, error: clues };
  const memoryBytes = opts.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;

  // Cheap verdicts from the bytes alone, before starting a process.
  if (!clues.sniffed) {
    const image = sniffImageFormat(clues.head.subarray(0, 64));
    if (image) return { ok: false, error: videoFailure('not-video', `Not a video: this is a still image (${image.toUpperCase()}).`, undefined, { format: image }) };
    if (looksLikeText(clues.head)) return { ok: false, error: videoFailure('not-video', 'Not a video: the file contains text.') };
  }
  if (clues.moovMissing) return { ok: false, error: classifyProbeError('', clues, memoryBytes) };

  let bins: FfmpegBinaries;
  try {
    bins = opts.binaries ?? ffmpegBinaries();
  } catch (e) {
    const msg = e instanceof FfmpegUnavailableError ? e.message : 'The bundled ffprobe could not be found.';
    return { ok: false, error: videoFailure('unavailable', msg, e) };
  }
  const r = await runMedia(bins.ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], {
    timeoutMs, memoryBytes, signal: opts.signal, runDir: opts.runDir, maxStdoutBytes: 16 * 2 ** 20,
  });
  if (r.spawnError) return { ok: false, error: videoFailure('unavailable', 'The bundled ffprobe could not be started.', r.spawnError) };
  if (r.killedFor === 'timeout') return { ok: false, error: timeoutFailure('reading the video', timeoutMs, r.stderr) };
  if (r.killedFor === 'memory') return { ok: false, error: memoryFailure('reading the video', memoryBytes, r.stderr) };
  let parsed: { streams?: FfStream[]; format?: FfFormat } | null;
  try {
    parsed = JSON.parse(r.stdout.toString('utf8')) as { streams?: FfStream[]; format?: FfFormat };
  } catch {
    parsed = null;
  }
  if (r.code !== 0 || !parsed?.format) return { ok: false, error: classifyProbeError(r.stderr || `ffprobe exited with ${r.code ?? r.signal}`, clues, memoryBytes) };

  const streams = parsed.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video) {
    if (audio) return { ok: false, error: videoFailure('not-video', 'Not a video: the file has sound only.') };
    if (streams.some((s) => s.codec_type === 'video')) return { ok: false, error: videoFailure('not-video', 'Not a video: the only picture in it is cover art.') };
    return { ok: false, error: videoFailure('not-video', 'Not a video: the file has no picture stream.') };
  }
  const format = parsed.format;
  if (/^(image2|[a-z0-9]+_pipe|gif|apng|webp)/.test(format.format_name ?? '') && !clues.sniffed) {
    return { ok: false, error: videoFailure('not-video', 'Not a video: this is a still image.') };
  }
  const codec = video.codec_name ?? '';
  const tagName = (video.codec_tag_string ?? '').replace(/[^\x20-\x7e]/g, '?');
  if (!codec || codec === 'none') {
    return { ok: false, error: videoFailure('unsupported', `This video uses a codec that the bundled ffmpeg does not know${tagName && tagName !== '[0][0][0][0]' ? ` (${tagName})` : ''}.`, undefined, { format: clues.sniffed ?? undefined }) };
  }
  const decoders = await ffmpegDecoders(bins.ffmpeg);
  if (decoders && !decoders.has(codec)) {
    return { ok: false, error: videoFailure('unsupported', `This video is coded as ${codec}, which the bundled ffmpeg cannot decode.`, undefined, { format: codec }) };
  }
  const codedWidth = video.width ?? 0;
  const codedHeight = video.height ?? 0;
  if (!(codedWidth > 0 && codedHeight > 0)) {
    return { ok: false, error: videoFailure('corrupt', 'The video is damaged: its picture size could not be read.', r.stderr, { format: clues.sniffed ?? undefined }) };
  }

  let durationS = num(format.duration);
  let durationSource: VideoProbe['durationSource'] = 'container';
  if (durationS === null || durationS <= 0) {
    durationS = num(video.duration);
    durationSource = 'stream';
  }
  if (durationS === null || durationS <= 0) {
    durationS = await packetDuration(file, video.index, bins, { ...opts, timeoutMs, memoryBytes });
    durationSource = 'packets';
  }
  if (durationS === null || durationS <= 0) {
    return { ok: false, error: videoFailure('corrupt', 'The video is damaged: it has no frames that can be read.', r.stderr, { format: clues.sniffed ?? undefined }) };
  }

  const sar = ratio(video.sample_aspect_ratio);
  const rotation = rotationOf(video);
  let w = codedWidth;
  let h = codedHeight;
  // Anamorphic video (DV, some camcorders) stores non-square pixels; the displayed width follows the aspect ratio.
  if (sar && sar > 0 && Math.abs(sar - 1) > 1e-3) w = Math.max(1, Math.round(codedWidth * sar));
  if (rotation === 90 || rotation === 270) [w, h] = [h, w];

  let fps = ratio(video.avg_frame_rate);
  if (!(fps && fps > 0 && fps <= 240)) fps = ratio(video.r_frame_rate);
  if (!(fps && fps > 0 && fps <= 240)) {
    const n = num(video.nb_frames);
    fps = n && durationS > 0 ? n / durationS : null;
  }

  const ft = format.tags;
  const createdAt =
    parseVideoDate(tag(ft, 'com.apple.quicktime.creationdate')) ??
    parseVideoDate(tag(ft, 'creation_time', 'date')) ??
    parseVideoDate(tag(video.tags, 'creation_time'));
  const make = tag(ft, 'com.apple.quicktime.make', 'make');
  const model = tag(ft, 'com.apple.quicktime.model', 'model');
  const camera = [make, model && make && model.toLowerCase().startsWith(make.toLowerCase()) ? model.slice(make.length).trim() : model]
    .filter(Boolean).join(' ').trim() || null;

  return {
    ok: true,
    value: {
      container: format.format_name ?? '',
      sniffed: clues.sniffed,
      sizeBytes: clues.size,
      durationS,
      durationSource,
      width: w,
      height: h,
      codedWidth,
      codedHeight,
      rotation,
      codec,
      profile: video.profile ?? null,
      pixelFormat: video.pix_fmt ?? null,
      fps: fps ?? null,
      createdAt,
      camera,
      gps: parseIso6709(tag(ft, 'com.apple.quicktime.location.ISO6709', 'location')),
      hasAudio: !!audio,
      audioCodec: audio?.codec_name ?? null,
      streamIndex: video.index,
      bitRate: num(format.bit_rate) ?? num(video.bit_rate),
      truncated: clues.boxRunsPastEnd === true,
    },
  };
}
