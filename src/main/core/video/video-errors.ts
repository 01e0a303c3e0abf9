// Turns what went wrong with a video (the file itself, what ffprobe/ffmpeg said, a bound that was hit) into a typed
// failure with one plain sentence for people and the tool's own words for logs, as decode/errors.ts does for photos.
import type { FailureDetails } from '../../../shared/types.js';
import { withoutEmpty } from '../decode/errors.js';
import { errnoOf } from '../fs/safe-open.js';
import { looksLikeText } from '../decode/sniff.js';
import type { SniffedVideo } from './video-sniff.js';

export type VideoErrorCode =
  | 'unreadable'
  | 'empty'
  | 'not-video'
  | 'unsupported'
  | 'truncated'
  | 'corrupt'
  | 'timeout'
  | 'too-large'
  /** The bundled ffmpeg/ffprobe is missing or cannot run on this machine: not the file's fault. */
  | 'unavailable'
  /** A FIFO, socket or device named like a video (never opened: reading one can wait forever). */
  | 'not-a-file';

export interface VideoFailure {
  code: VideoErrorCode;
  /** One plain English sentence a person understands. */
  reason: string;
  /** ffmpeg's or the system's own words, when there are any. */
  detail?: string;
  /** The facts behind the code (always media 'video'; the container, the bound hit, errno…), for any language. */
  details?: FailureDetails;
}

export type VideoResult<T> = { ok: true; value: T } | { ok: false; error: VideoFailure };

export function videoFailure(code: VideoErrorCode, reason: string, detail?: unknown, details?: FailureDetails): VideoFailure {
  const d = detailOf(detail);
  const out: VideoFailure = d ? { code, reason, detail: d } : { code, reason };
  const facts = withoutEmpty({ media: 'video', ...details });
  if (facts) out.details = facts;
  return out;
}

function detailOf(e: unknown): string | undefined {
  if (e === undefined || e === null || e === '') return undefined;
  const msg = e instanceof Error ? e.message : String(e);
  // ffmpeg repeats itself per packet; the last distinct lines say what finally went wrong.
  const lines = [...new Set(msg.split('\n').map((l) => l.trim()).filter(Boolean))].slice(-3);
  const s = lines.join(' | ');
  return s.length > 500 ? `${s.slice(0, 497)}...` : s || undefined;
}

/** A failure to open or read the file itself. */
export function videoFileSystemFailure(e: unknown): VideoFailure {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT' ? 'The file no longer exists.'
    : code === 'EACCES' || code === 'EPERM' ? 'The file cannot be read: permission denied.'
    : code === 'EISDIR' ? 'This is a folder, not a file.'
    : code === 'EBUSY' || code === 'ETXTBSY' ? 'The file is in use by another program and cannot be read.'
    : code === 'EIO' ? 'The file cannot be read: the disk reported an input/output error.'
    : 'The file cannot be read.';
  return videoFailure('unreadable', reason, e, { errno: errnoOf(e) });
}

export function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}

export function timeoutFailure(what: string, ms: number, detail?: unknown): VideoFailure {
  return videoFailure('timeout', `Gave up: ${what} took longer than ${seconds(ms)} and was stopped.`, detail, { ms });
}

export function memoryFailure(what: string, bytes: number, detail?: unknown): VideoFailure {
  return videoFailure('too-large', `Gave up: ${what} needed more than the ${Math.round(bytes / 2 ** 20)} MB of memory allowed.`, detail, bytes > 0 ? { bytes } : undefined);
}

const CONTAINER_NAMES: Record<SniffedVideo, string> = {
  mp4: 'MP4', mov: 'QuickTime', m4v: 'MP4', '3gp': '3GP', webm: 'WebM', mkv: 'Matroska', avi: 'AVI',
};

/** What the first bytes and the top-level boxes of the file say, for messages that ffprobe leaves vague. */
export interface VideoClues {
  size: number;
  sniffed: SniffedVideo | null;
  head: Uint8Array;
  /** ISO-BMFF only: a top-level box claims more bytes than the file has (a cut-off copy or download). */
  boxRunsPastEnd?: boolean;
  /** ISO-BMFF only: the file has media data but no `moov` (the index a recorder writes last). */
  moovMissing?: boolean;
}

const RE_NOMEM = /cannot allocate memory|out of memory|ENOMEM|failed to allocate/i;

/**
 * Classifies an ffprobe failure on a file that exists and is not empty. `stderr` is what the tool printed;
 * `exitSignal` is set when it died from a signal (a crash, or its memory allowance running out).
 */
export function classifyProbeError(stderr: string, clues: VideoClues, memoryBytes: number): VideoFailure {
  const name = clues.sniffed ? CONTAINER_NAMES[clues.sniffed] : null;
  const facts: FailureDetails = { format: clues.sniffed ?? undefined };
  if (RE_NOMEM.test(stderr)) return memoryFailure('reading the video', memoryBytes, stderr);
  if (clues.moovMissing || /moov atom not found/i.test(stderr)) {
    if (clues.boxRunsPastEnd) {
      return videoFailure('truncated', 'The video is truncated: the file ends before its data does, and the index a recorder writes last (moov) is missing.', stderr, facts);
    }
    return videoFailure('corrupt', `The ${name ?? 'MP4'} file has no index (moov atom): the recording was probably interrupted before it was finished.`, stderr, facts);
  }
  if (clues.boxRunsPastEnd) return videoFailure('truncated', 'The video is truncated: the file ends before its data does.', stderr, facts);
  if (/invalid data found when processing input|could not find codec parameters|unknown format|end of file/i.test(stderr) && !clues.sniffed) {
    if (looksLikeText(clues.head)) return videoFailure('not-video', 'Not a video: the file contains text.', stderr, facts);
    return videoFailure('not-video', 'Not a video: the content is not a recognised video format.', stderr, facts);
  }
  if (/truncat|end of file|unexpected end|premature/i.test(stderr)) {
    return videoFailure('truncated', 'The video is truncated: the file ends before its data does.', stderr, facts);
  }
  return videoFailure('corrupt', `The ${name ?? 'video'} file is damaged: its header could not be read.`, stderr, facts);
}

/** Reads the top-level ISO-BMFF box list: a box that runs past the end of the file, and whether moov is there. */
export async function scanTopLevelBoxes(
  read: (offset: number, length: number) => Promise<Uint8Array>,
  size: number,
): Promise<{ runsPastEnd: boolean; hasMoov: boolean; hasMdat: boolean }> {
  let at = 0;
  let runsPastEnd = false;
  let hasMoov = false;
  let hasMdat = false;
  // A real file has a few dozen top-level boxes at most; the bound keeps a crafted file from looping long.
  for (let n = 0; n < 4096 && at + 8 <= size; n++) {
    const h = await read(at, Math.min(16, size - at));
    if (h.length < 8) break;
    let len = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
    const type = String.fromCharCode(h[4], h[5], h[6], h[7]);
    if (!/^[\x20-\x7e]{4}$/.test(type)) break;
    if (type === 'moov') hasMoov = true;
    if (type === 'mdat') hasMdat = true;
    if (len === 1) {
      if (h.length < 16) break;
      len = Number(new DataView(h.buffer, h.byteOffset, h.byteLength).getBigUint64(8));
    } else if (len === 0) {
      break; // runs to the end of the file by definition
    }
    if (len < 8) break;
    if (at + len > size) {
      runsPastEnd = true;
      break;
    }
    at += len;
  }
  return { runsPastEnd, hasMoov, hasMdat };
}
